//! Known-harmless messages from the WebRTC stack, dropped from the logs by default.
//!
//! - `rtc_dtls`: Chrome's DTLS ClientHello carries extensions the library does not know; it
//!   warns "Unsupported Extension Type" once per handshake, i.e. per participant and leg, and
//!   the handshake goes on fine.
//! - `webrtc::peer_connection`: media packets that arrive in the few milliseconds between ICE
//!   and the end of the DTLS handshake cannot be decrypted yet; each one is logged as the
//!   error "handle_read error: remote_srtp_context is not set yet" although nothing is wrong
//!   (the next packets are fine).
//!
//! Only these exact messages are dropped, by their start: every other warning and error of
//! the same modules still shows. An explicit `AMPHI_LOG`/`RUST_LOG` shows everything.

use tracing::field::{Field, Visit};
use tracing::{Event, Subscriber};
use tracing_subscriber::layer::{Context, Layer};

/// (target prefix, message start) of every dropped message.
const HARMLESS: &[(&str, &str)] = &[
    ("rtc_dtls", "Unsupported Extension Type"),
    (
        "webrtc::peer_connection",
        "handle_read error: remote_srtp_context is not set yet",
    ),
    ("rtc::peer_connection", "remote_srtp_context is not set yet"),
];

/// The filter used when neither `AMPHI_LOG` nor `RUST_LOG` is set: our own info, and only
/// warnings from ICE (which otherwise narrates every candidate pair).
pub const DEFAULT_FILTER: &str = "info,rtc_ice=warn,webrtc_ice=warn";

/// A layer that disables [`HARMLESS`] events for every layer of the subscriber.
#[derive(Debug, Default, Clone, Copy)]
pub struct DropHarmless;

impl<S: Subscriber> Layer<S> for DropHarmless {
    fn event_enabled(&self, event: &Event<'_>, _: Context<'_, S>) -> bool {
        let target = event.metadata().target();
        let candidates: Vec<&str> = HARMLESS
            .iter()
            .filter(|(prefix, _)| target.starts_with(prefix))
            .map(|(_, start)| *start)
            .collect();
        if candidates.is_empty() {
            return true;
        }
        let mut message = Message(String::new());
        event.record(&mut message);
        !candidates.iter().any(|start| message.0.starts_with(start))
    }
}

struct Message(String);

impl Visit for Message {
    fn record_debug(&mut self, field: &Field, value: &dyn std::fmt::Debug) {
        if field.name() == "message" {
            self.0 = format!("{value:?}");
        }
    }

    fn record_str(&mut self, field: &Field, value: &str) {
        if field.name() == "message" {
            value.clone_into(&mut self.0);
        }
    }
}

#[cfg(test)]
mod tests {
    use std::sync::{Arc, Mutex};

    use tracing_subscriber::layer::SubscriberExt;

    use super::*;

    /// Records the message of every event it sees.
    #[derive(Clone, Default)]
    struct Seen(Arc<Mutex<Vec<String>>>);

    impl<S: Subscriber> Layer<S> for Seen {
        fn on_event(&self, event: &Event<'_>, _: Context<'_, S>) {
            let mut message = Message(String::new());
            event.record(&mut message);
            self.0.lock().expect("not poisoned").push(message.0);
        }
    }

    #[test]
    fn only_the_harmless_messages_are_dropped() {
        let seen = Seen::default();
        let subscriber = tracing_subscriber::registry()
            .with(DropHarmless)
            .with(seen.clone());
        tracing::subscriber::with_default(subscriber, || {
            tracing::warn!(target: "rtc_dtls::handshake::handshake_message_client_hello",
                "Unsupported Extension Type 0 23");
            tracing::error!(target: "webrtc::peer_connection::driver",
                "handle_read error: remote_srtp_context is not set yet for rtp_packet 1.2.3.4:5");
            tracing::warn!(target: "rtc_dtls::conn", "handshake failed: bad certificate");
            tracing::error!(target: "webrtc::peer_connection::driver", "handle_read error: boom");
            tracing::warn!("Unsupported Extension Type, but from us");
        });
        let seen = seen.0.lock().expect("not poisoned").clone();
        assert_eq!(
            seen,
            [
                "handshake failed: bad certificate",
                "handle_read error: boom",
                "Unsupported Extension Type, but from us",
            ]
        );
    }
}
