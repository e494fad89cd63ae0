//! A real webhook receiver for tests: an HTTP server on 127.0.0.1:0 that records every
//! request, answers a chosen status for the first N requests and 200 afterwards, and an
//! independent check of `Amphi-Signature` (HMAC-SHA256 over "<t>.<body>", computed here, not
//! with the server's code).
#![allow(dead_code)] // each test binary uses a different subset

use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::Router;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::routing::post;
use hmac::{Hmac, Mac};
use sha2::Sha256;

/// One request the receiver got.
#[derive(Debug, Clone)]
pub struct Received {
    pub event: String,
    pub delivery: String,
    pub signature: String,
    pub content_type: String,
    pub body: String,
    /// What the receiver answered.
    pub answered: u16,
    pub at: tokio::time::Instant,
}

impl Received {
    pub fn json(&self) -> serde_json::Value {
        serde_json::from_str(&self.body).expect("the body is JSON")
    }
}

#[derive(Default)]
struct Shared {
    received: Mutex<Vec<Received>>,
    /// Answer `fail_status` to this many requests first.
    failures_left: Mutex<u32>,
    fail_status: Mutex<u16>,
}

pub struct Receiver {
    pub addr: SocketAddr,
    shared: Arc<Shared>,
    task: tokio::task::JoinHandle<()>,
}

impl Receiver {
    /// Answers 200 to everything.
    pub async fn start() -> Receiver {
        Receiver::failing(0, 500).await
    }

    /// Answers `status` to the first `failures` requests, then 200.
    pub async fn failing(failures: u32, status: u16) -> Receiver {
        let shared = Arc::new(Shared::default());
        *shared.failures_left.lock().expect("lock") = failures;
        *shared.fail_status.lock().expect("lock") = status;
        let app = Router::new()
            .route("/hook", post(receive))
            .with_state(shared.clone());
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind the receiver");
        let addr = listener.local_addr().expect("receiver address");
        let task = tokio::spawn(async move {
            let _ = axum::serve(listener, app).await;
        });
        Receiver { addr, shared, task }
    }

    pub fn url(&self) -> String {
        format!("http://{}/hook", self.addr)
    }

    pub fn received(&self) -> Vec<Received> {
        self.shared.received.lock().expect("lock").clone()
    }

    /// Waits until `count` requests arrived (or panics after `within`).
    pub async fn wait_for(&self, count: usize, within: Duration) -> Vec<Received> {
        let deadline = tokio::time::Instant::now() + within;
        loop {
            let got = self.received();
            if got.len() >= count {
                return got;
            }
            assert!(
                tokio::time::Instant::now() < deadline,
                "expected {count} webhook requests within {within:?}, got {}: {got:#?}",
                got.len()
            );
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }

    /// Waits for a request whose `Amphi-Event` is `event`.
    pub async fn wait_for_event(&self, event: &str, within: Duration) -> Received {
        let deadline = tokio::time::Instant::now() + within;
        loop {
            if let Some(r) = self.received().into_iter().find(|r| r.event == event) {
                return r;
            }
            assert!(
                tokio::time::Instant::now() < deadline,
                "no {event} within {within:?}; got {:#?}",
                self.received()
            );
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }

    pub fn stop(self) {
        self.task.abort();
    }
}

async fn receive(State(shared): State<Arc<Shared>>, headers: HeaderMap, body: Bytes) -> StatusCode {
    let header = |name: &str| {
        headers
            .get(name)
            .and_then(|v| v.to_str().ok())
            .unwrap_or("")
            .to_owned()
    };
    let answered = {
        let mut left = shared.failures_left.lock().expect("lock");
        if *left > 0 {
            *left -= 1;
            *shared.fail_status.lock().expect("lock")
        } else {
            200
        }
    };
    shared.received.lock().expect("lock").push(Received {
        event: header("amphi-event"),
        delivery: header("amphi-delivery"),
        signature: header("amphi-signature"),
        content_type: header("content-type"),
        body: String::from_utf8_lossy(&body).into_owned(),
        answered,
        at: tokio::time::Instant::now(),
    });
    StatusCode::from_u16(answered).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR)
}

/// Checks `Amphi-Signature: t=<secs>,v1=<hex>` over `body` with `secret`, as a receiver
/// would: the HMAC is computed here, and the timestamp must be within 5 minutes of now.
pub fn verify(secret: &str, header: &str, body: &str) -> bool {
    let mut t = None;
    let mut v1 = None;
    for part in header.split(',') {
        match part.split_once('=') {
            Some(("t", value)) => t = value.parse::<i64>().ok(),
            Some(("v1", value)) => v1 = hex::decode(value).ok(),
            _ => {}
        }
    }
    let (Some(t), Some(v1)) = (t, v1) else {
        return false;
    };
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .expect("clock after 1970")
        .as_secs();
    if (i64::try_from(now).expect("fits") - t).abs() > 300 {
        return false;
    }
    let mut mac = Hmac::<Sha256>::new_from_slice(secret.as_bytes()).expect("any key length");
    mac.update(format!("{t}.{body}").as_bytes());
    mac.verify_slice(&v1).is_ok()
}

/// An administrator's browser adds an endpoint through `/admin/webhooks`; returns its id and
/// the secret the page showed (once).
pub async fn add_endpoint(
    b: &super::common::Browser,
    url: &str,
    events: &[&str],
) -> (String, String) {
    let csrf = b.csrf().await;
    let mut form = vec![
        ("url", url),
        ("description", "Test receiver"),
        ("csrf", csrf.as_str()),
    ];
    for e in events {
        form.push(("event", e));
    }
    let page = b.post("/admin/webhooks", &form).await;
    assert_eq!(page.status, reqwest::StatusCode::CREATED, "{}", page.body);
    let secret = new_secret(&page.body).expect("the new secret is shown");
    let list = b.get("/admin/webhooks").await;
    let marker = "<a href=\"/admin/webhooks/";
    let ids: Vec<&str> = list
        .body
        .match_indices(marker)
        .map(|(i, _)| &list.body[i + marker.len()..i + marker.len() + 32])
        .collect();
    let id = ids.last().expect("the endpoint is listed").to_string();
    (id, secret)
}

/// The secret in the "new endpoint" box, if the page has one.
pub fn new_secret(html: &str) -> Option<String> {
    let marker = "id=\"new-secret\" type=\"text\" readonly value=\"";
    let start = html.find(marker)? + marker.len();
    let end = html[start..].find('"')? + start;
    Some(html[start..end].to_owned())
}
