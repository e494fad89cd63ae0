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
        // The WebRTC crates log through `log`: such events come with the target "log" and
        // the real one in a `log.target` field. Only warnings and errors are candidates.
        let metadata = event.metadata();
        if *metadata.level() > tracing::Level::WARN {
            return true;
        }
        let from_log = metadata.target() == "log";
        if !from_log
            && !HARMLESS
                .iter()
                .any(|(p, _)| metadata.target().starts_with(p))
        {
            return true;
        }
        let mut fields = Message::default();
        event.record(&mut fields);
        let target = if from_log {
            fields.log_target.as_str()
        } else {
            metadata.target()
        };
        !HARMLESS
            .iter()
            .any(|(prefix, start)| target.starts_with(prefix) && fields.message.starts_with(start))
    }
}

/// The fields [`DropHarmless`] looks at.
#[derive(Default)]
struct Message {
    message: String,
    log_target: String,
}

impl Visit for Message {
    fn record_debug(&mut self, field: &Field, value: &dyn std::fmt::Debug) {
        match field.name() {
            "message" => self.message = format!("{value:?}"),
            "log.target" => self.log_target = format!("{value:?}"),
            _ => {}
        }
    }

    fn record_str(&mut self, field: &Field, value: &str) {
        match field.name() {
            "message" => value.clone_into(&mut self.message),
            "log.target" => value.clone_into(&mut self.log_target),
            _ => {}
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
            let mut fields = Message::default();
            event.record(&mut fields);
            self.0.lock().expect("not poisoned").push(fields.message);
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
            // As `log` records arrive through tracing-log: target "log", the real one a field.
            tracing::event!(target: "log", tracing::Level::WARN, log.target = "rtc_dtls::handshake::handshake_message_client_hello",
                "Unsupported Extension Type 0 51");
            tracing::event!(target: "log", tracing::Level::WARN, log.target = "rtc_dtls::conn", "a real DTLS warning");
        });
        let seen = seen.0.lock().expect("not poisoned").clone();
        assert_eq!(
            seen,
            [
                "handshake failed: bad certificate",
                "handle_read error: boom",
                "Unsupported Extension Type, but from us",
                "a real DTLS warning",
            ]
        );
    }
}
