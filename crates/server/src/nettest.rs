//! The connection test of the check page (PRODUCT C1): round-trip and throughput between the
//! browser and this server, so that a person learns *before* joining whether their network can
//! carry the meeting.
//!
//! - `GET /net/ping` answers 204 with nothing: the browser times ten of them.
//! - `GET /net/download?bytes=N` sends N random bytes (at most [`MAX_BYTES`]): random, so that
//!   no proxy or compression on the way makes the link look faster than it is.
//! - `POST /net/upload` reads at most [`MAX_BYTES`] and throws them away, answering
//!   `{"bytes": <received>}` (the browser times the round).
//!
//! Every answer is `Cache-Control: no-store` (a cached answer measures nothing). No account is
//! needed (guests test before joining), so each client address has a budget per rolling
//! minute, of requests and of bytes ([`Budget`]), the same per-address pattern as the sign-in
//! throttle and the invitation quota: without it, anyone could have the server generate and
//! send gigabytes.

use std::collections::{HashMap, VecDeque};
use std::net::IpAddr;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use axum::Router;
use axum::body::Body;
use axum::extract::{Query, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use futures::StreamExt as _;
use rand::RngCore as _;
use serde::Deserialize;

use crate::pages::Ctx;

/// The most one download or upload carries: 4 MB takes 0.3 s at 100 Mbit/s and 3 s at
/// 10 Mbit/s, long enough to measure and short enough for a check page.
pub const MAX_BYTES: usize = 4 * 1024 * 1024;
/// Requests per address per rolling minute: one full test is 12 (ten pings, one download,
/// one upload). Many people may share an address (an office behind one NAT joining a meeting
/// at 10:00): 25 full tests a minute.
pub const REQUESTS_PER_MINUTE: u32 = 300;
/// Bytes per address per rolling minute: 16 full tests (8 MB each), at most about 18 Mbit/s
/// sustained that one address can make the server send or receive through this test.
pub const BYTES_PER_MINUTE: u64 = 128 * 1024 * 1024;
const WINDOW: Duration = Duration::from_secs(60);
/// Past this many tracked addresses, stale ones are swept on each request (bounds memory).
const SWEEP_ABOVE: usize = 10_000;

/// Each address's recent requests: (when, bytes), oldest first.
#[derive(Debug, Default)]
pub struct Budget {
    used: Mutex<HashMap<IpAddr, VecDeque<(Instant, u64)>>>,
}

impl Budget {
    pub fn new() -> Budget {
        Budget::default()
    }

    /// Counts one request of `bytes` for `ip` at `now` if the last minute leaves room for
    /// it; else how long until it does (nothing counted).
    pub fn take(&self, ip: IpAddr, bytes: u64, now: Instant) -> Result<(), Duration> {
        // A poisoned lock only means another request panicked mid-update: the counts stay
        // usable.
        let mut used = self.used.lock().unwrap_or_else(|e| e.into_inner());
        if used.len() > SWEEP_ABOVE {
            used.retain(|_, list| {
                list.back()
                    .is_some_and(|(at, _)| now.saturating_duration_since(*at) < WINDOW)
            });
        }
        let list = used.entry(ip).or_default();
        while list
            .front()
            .is_some_and(|(at, _)| now.saturating_duration_since(*at) >= WINDOW)
        {
            list.pop_front();
        }
        let requests = list.len() as u64;
        let total: u64 = list.iter().map(|(_, b)| b).sum();
        if requests < u64::from(REQUESTS_PER_MINUTE)
            && total.saturating_add(bytes) <= BYTES_PER_MINUTE
        {
            list.push_back((now, bytes));
            return Ok(());
        }
        // Wait until enough of the oldest requests leave the window.
        let (mut left, mut freed) = (requests, 0u64);
        for (at, b) in list.iter() {
            left -= 1;
            freed += b;
            if left < u64::from(REQUESTS_PER_MINUTE)
                && (total - freed).saturating_add(bytes) <= BYTES_PER_MINUTE
            {
                return Err(WINDOW.saturating_sub(now.saturating_duration_since(*at)));
            }
        }
        Err(WINDOW)
    }
}

/// The routes, with their own budget (they need nothing else of the application).
pub fn router<S: Clone + Send + Sync + 'static>() -> Router<S> {
    Router::new()
        .route("/net/ping", get(ping))
        .route("/net/download", get(download))
        .route("/net/upload", post(upload))
        .with_state(Arc::new(Budget::new()))
}

type Shared = State<Arc<Budget>>;

async fn ping(State(budget): Shared, ctx: Ctx) -> Response {
    if let Err(wait) = charge(&budget, &ctx, 0) {
        return too_many(wait);
    }
    no_store(StatusCode::NO_CONTENT.into_response())
}

#[derive(Debug, Deserialize)]
struct DownloadQuery {
    bytes: Option<String>,
}

async fn download(State(budget): Shared, ctx: Ctx, Query(q): Query<DownloadQuery>) -> Response {
    let Some(n) = q
        .bytes
        .as_deref()
        .and_then(|b| b.parse::<usize>().ok())
        .filter(|n| *n <= MAX_BYTES)
    else {
        return no_store(
            (
                StatusCode::BAD_REQUEST,
                format!("bytes must be a number from 0 to {MAX_BYTES}"),
            )
                .into_response(),
        );
    };
    if let Err(wait) = charge(&budget, &ctx, n as u64) {
        return too_many(wait);
    }
    let mut bytes = vec![0u8; n];
    rand::thread_rng().fill_bytes(&mut bytes);
    let mut response = bytes.into_response();
    response.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/octet-stream"),
    );
    no_store(response)
}

async fn upload(State(budget): Shared, ctx: Ctx, body: Body) -> Response {
    // Charged as announced (at most MAX_BYTES); a body without a length is charged in full.
    let announced = ctx
        .headers
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<u64>().ok());
    if announced.is_some_and(|n| n > MAX_BYTES as u64) {
        return too_large();
    }
    let charged = announced.unwrap_or(MAX_BYTES as u64);
    if let Err(wait) = charge(&budget, &ctx, charged) {
        return too_many(wait);
    }
    // Read and drop chunk by chunk: nothing of the body is kept.
    let mut received = 0usize;
    let mut stream = body.into_data_stream();
    while let Some(chunk) = stream.next().await {
        match chunk {
            Ok(chunk) => {
                received += chunk.len();
                if received > MAX_BYTES {
                    return too_large();
                }
            }
            Err(_) => {
                return no_store(
                    (StatusCode::BAD_REQUEST, "the upload was cut off").into_response(),
                );
            }
        }
    }
    let mut response = format!("{{\"bytes\":{received}}}").into_response();
    response.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json"),
    );
    no_store(response)
}

/// Counts a request against its client address's budget (see `pages::client_ip`; requests
/// without an address, which the server's listener always gives, are not limited).
fn charge(budget: &Budget, ctx: &Ctx, bytes: u64) -> Result<(), Duration> {
    match ctx.ip {
        Some(ip) => budget.take(ip, bytes, Instant::now()),
        None => Ok(()),
    }
}

fn too_many(wait: Duration) -> Response {
    let secs = wait.as_secs().max(1);
    let mut response = (
        StatusCode::TOO_MANY_REQUESTS,
        format!("too many connection tests from this address: try again in {secs} s"),
    )
        .into_response();
    if let Ok(v) = HeaderValue::from_str(&secs.to_string()) {
        response.headers_mut().insert(header::RETRY_AFTER, v);
    }
    no_store(response)
}

fn too_large() -> Response {
    no_store(
        (
            StatusCode::PAYLOAD_TOO_LARGE,
            format!("an upload carries at most {MAX_BYTES} bytes"),
        )
            .into_response(),
    )
}

fn no_store(mut response: Response) -> Response {
    response
        .headers_mut()
        .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    response
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn requests_per_address_per_rolling_minute() {
        let b = Budget::new();
        let (ann, bob): (IpAddr, IpAddr) = ([10, 0, 0, 1].into(), [10, 0, 0, 2].into());
        let t0 = Instant::now();
        for i in 0..REQUESTS_PER_MINUTE {
            assert_eq!(
                b.take(ann, 0, t0 + Duration::from_millis(u64::from(i))),
                Ok(())
            );
        }
        let later = t0 + Duration::from_secs(10);
        // Full: free again when the first request leaves the window, 50 s later.
        assert_eq!(b.take(ann, 0, later), Err(Duration::from_secs(50)));
        assert_eq!(b.take(bob, 0, later), Ok(()), "others are not affected");
        assert_eq!(b.take(ann, 0, t0 + WINDOW), Ok(()));
    }

    #[test]
    fn bytes_per_address_per_rolling_minute() {
        let b = Budget::new();
        let ip: IpAddr = [10, 0, 0, 1].into();
        let t0 = Instant::now();
        let four = MAX_BYTES as u64;
        for i in 0..BYTES_PER_MINUTE / four {
            assert_eq!(b.take(ip, four, t0 + Duration::from_millis(i)), Ok(()));
        }
        // The budget used: a ping still fits, another download waits for the oldest to expire.
        assert_eq!(b.take(ip, 0, t0 + Duration::from_secs(20)), Ok(()));
        assert_eq!(
            b.take(ip, four, t0 + Duration::from_secs(20)),
            Err(Duration::from_secs(40))
        );
        assert_eq!(b.take(ip, four, t0 + WINDOW), Ok(()));
        // A single request larger than a whole minute's budget never fits.
        assert_eq!(
            b.take(ip, BYTES_PER_MINUTE + 1, t0 + WINDOW * 5),
            Err(WINDOW)
        );
    }
}
