//! What every handler shares.

use std::sync::Arc;

use amphi_store::Store;
use tokio::sync::watch;

use crate::auth::throttle::Throttle;
use crate::config::Config;
use crate::metrics::{Metrics, ServerMetrics};

/// The application state, cloned into every handler (every field is cheap to clone).
#[derive(Clone)]
pub struct AppState {
    pub store: Store,
    pub config: Arc<Config>,
    /// The registry behind `/metrics`: register your own counters and gauges in it.
    pub metrics: Metrics,
    /// The server's own metrics (HTTP responses, users, rooms, sign-ins).
    pub server_metrics: ServerMetrics,
    pub throttle: Arc<Throttle>,
    /// Turns `true` when the server starts shutting down (SIGTERM, Ctrl-C): long-lived
    /// connections (WebSockets) watch it and close, so graceful shutdown can finish.
    pub shutdown: watch::Receiver<bool>,
    /// Outgoing mail: SMTP when `[mail] smtp_url` is set, else the outbox (`mail::Mailer`).
    pub mailer: crate::mail::Mailer,
    /// The throttles of sign-in by code (requests and tries, per e-mail and per address).
    pub signin_codes: Arc<crate::mail::SigninCodes>,
    /// The live rooms (room actors). The back office calls `rooms.set_open(...)` and friends
    /// after writing the store, so a live meeting follows at once.
    pub rooms: crate::signaling::Rooms,
    /// Invitation recipients per user per hour (the back office's invitation form).
    pub invite_quota: Arc<crate::pages::invite_quota::InviteQuota>,
    /// Webhook events: `webhooks.emit(event)` queues them in the store, never blocking.
    pub webhooks: crate::webhooks::Webhooks,
    /// Server-side recording (issue 7): start/stop, events, uploads (`recording/mod.rs`).
    pub recordings: crate::recording::Recordings,
    /// Wrong registration IDs, per e-mail and per address (registration/gate_pages.rs).
    pub registration_gate: Arc<Throttle>,
}

impl AppState {
    pub fn new(store: Store, config: Config, shutdown: watch::Receiver<bool>) -> AppState {
        let metrics = Metrics::new();
        let server_metrics = ServerMetrics::register(&metrics);
        let webhooks = crate::webhooks::Webhooks::new(store.clone());
        let rooms = crate::signaling::Rooms::from_config(
            &config,
            store.clone(),
            crate::signaling::SignalingMetrics::register(&metrics),
            webhooks.clone(),
        )
        // `Config` loading already refused an empty or inverted port range, the only thing
        // `Sfu::new` checks that comes from the configuration.
        .expect("validated [media] configuration");
        crate::media_metrics::expose(&metrics, rooms.sfu().clone());
        // The stream's compositor shows a session's content pictures like the recording's.
        rooms
            .streams()
            .set_stills(Arc::new(crate::compose::ContentFiles::new(
                config.data.dir.join("content"),
            )));
        let mailer = crate::mail::Mailer::new(&config.mail, store.clone(), &metrics);
        let recordings =
            crate::recording::Recordings::from_config(&config, store.clone(), rooms.clone());
        rooms.attach_recordings(&recordings); // the actors' side of recording (RECWEB)
        AppState {
            store,
            config: Arc::new(config),
            metrics,
            server_metrics,
            throttle: Arc::new(Throttle::new()),
            shutdown,
            mailer,
            signin_codes: Arc::new(crate::mail::SigninCodes::new()),
            rooms,
            invite_quota: Arc::new(crate::pages::invite_quota::InviteQuota::new()),
            recordings,
            webhooks,
            registration_gate: Arc::new(Throttle::new()),
        }
    }

    /// Whether cookies must be `Secure`: the public URL is https, or a proxy says the request
    /// came over https.
    pub fn is_https(&self, headers: &axum::http::HeaderMap) -> bool {
        let public_https = self
            .config
            .http
            .public_url
            .as_deref()
            .is_some_and(|u| u.starts_with("https://"));
        public_https
            || headers
                .get("x-forwarded-proto")
                .and_then(|v| v.to_str().ok())
                .is_some_and(|v| v.trim().eq_ignore_ascii_case("https"))
    }

    /// The base of absolute links (room URLs): the configured public URL, else the scheme and
    /// `Host` of the request, else the listening address.
    pub fn base_url(&self, headers: &axum::http::HeaderMap) -> String {
        if let Some(url) = &self.config.http.public_url {
            return url.clone();
        }
        let scheme = if self.is_https(headers) {
            "https"
        } else {
            "http"
        };
        match headers
            .get(axum::http::header::HOST)
            .and_then(|v| v.to_str().ok())
            .filter(|h| is_plausible_host(h))
        {
            Some(host) => format!("{scheme}://{host}"),
            None => format!("http://{}", self.config.http.listen),
        }
    }
}

/// A Host header we are willing to echo into links: host[:port], no path or spaces.
fn is_plausible_host(host: &str) -> bool {
    !host.is_empty()
        && host.len() <= 255
        && host
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || ".-:[]".contains(c))
}
