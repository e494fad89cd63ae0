//! The check page's connection test over real HTTP (`/net/ping`, `/net/download`,
//! `/net/upload`): answers, sizes, no caching, random bytes, limits, and the per-address budget
//! (addresses told apart through `X-Forwarded-For`, which the server trusts from a loopback
//! peer, as behind a local proxy).

mod common;

use amphi_server::nettest::{BYTES_PER_MINUTE, MAX_BYTES, REQUESTS_PER_MINUTE};
use common::{TestServer, test_backends};
use reqwest::StatusCode;
use reqwest::header::{CACHE_CONTROL, CONTENT_TYPE, RETRY_AFTER};

async fn server() -> TestServer {
    // The connection test touches no database: one backend is enough.
    let backend = test_backends()[0];
    TestServer::start(backend).await
}

fn client() -> reqwest::Client {
    reqwest::Client::builder()
        .no_gzip()
        .build()
        .expect("client")
}

#[tokio::test]
async fn ping_download_and_upload_answer_uncached() {
    let s = server().await;
    let c = client();
    let ping = c.get(s.url("/net/ping")).send().await.expect("ping");
    assert_eq!(ping.status(), StatusCode::NO_CONTENT);
    assert_eq!(ping.headers()[CACHE_CONTROL], "no-store");
    assert!(ping.bytes().await.expect("body").is_empty());

    for n in [0usize, 1, 65_536, MAX_BYTES] {
        let r = c
            .get(s.url(&format!("/net/download?bytes={n}")))
            .send()
            .await
            .expect("download");
        assert_eq!(r.status(), StatusCode::OK, "{n} bytes");
        assert_eq!(r.headers()[CACHE_CONTROL], "no-store");
        assert_eq!(r.headers()[CONTENT_TYPE], "application/octet-stream");
        assert!(r.headers().get("content-encoding").is_none());
        let body = r.bytes().await.expect("body");
        assert_eq!(body.len(), n);
        if n == MAX_BYTES {
            assert_random(&body);
        }
    }
    // Two downloads differ: nothing is a fixed pattern a proxy could cache or compress.
    let a = c
        .get(s.url("/net/download?bytes=4096"))
        .send()
        .await
        .expect("a")
        .bytes()
        .await
        .expect("a");
    let b = c
        .get(s.url("/net/download?bytes=4096"))
        .send()
        .await
        .expect("b")
        .bytes()
        .await
        .expect("b");
    assert_ne!(a, b);

    let body = vec![7u8; 1_000_000];
    let up = c
        .post(s.url("/net/upload"))
        .body(body)
        .send()
        .await
        .expect("upload");
    assert_eq!(up.status(), StatusCode::OK);
    assert_eq!(up.headers()[CACHE_CONTROL], "no-store");
    assert_eq!(up.text().await.expect("body"), "{\"bytes\":1000000}");
    s.stop().await;
}

/// Every byte value appears about equally often, and no 64 KiB block repeats another.
fn assert_random(body: &[u8]) {
    let mut counts = [0usize; 256];
    for b in body {
        counts[usize::from(*b)] += 1;
    }
    let expected = body.len() / 256;
    for (value, n) in counts.iter().enumerate() {
        assert!(
            n.abs_diff(expected) < expected / 10,
            "byte {value} seen {n} times, expected about {expected}"
        );
    }
    let blocks: Vec<&[u8]> = body.chunks(65_536).collect();
    for (i, x) in blocks.iter().enumerate() {
        for y in &blocks[i + 1..] {
            assert_ne!(x, y);
        }
    }
}

#[tokio::test]
async fn sizes_over_the_limit_and_nonsense_are_refused() {
    let s = server().await;
    let c = client();
    for q in [
        format!("bytes={}", MAX_BYTES + 1),
        "bytes=-1".to_owned(),
        "bytes=lots".to_owned(),
        String::new(),
        "bytes=99999999999999999999999".to_owned(),
    ] {
        let r = c
            .get(s.url(&format!("/net/download?{q}")))
            .send()
            .await
            .expect("download");
        assert_eq!(r.status(), StatusCode::BAD_REQUEST, "{q}");
        assert_eq!(r.headers()[CACHE_CONTROL], "no-store");
    }
    // Announced too large: refused before reading.
    let r = c
        .post(s.url("/net/upload"))
        .body(vec![0u8; MAX_BYTES + 1])
        .send()
        .await
        .expect("upload");
    assert_eq!(r.status(), StatusCode::PAYLOAD_TOO_LARGE);
    // Streamed without a length (chunked) and too large: cut at the limit.
    let (status, _) = chunked_upload(&s.base, "198.51.100.8", 5).await;
    assert_eq!(status, 413);
    // Exactly the limit, chunked: accepted and counted.
    let (status, body) = chunked_upload(&s.base, "198.51.100.9", 4).await;
    assert_eq!(status, 200);
    assert!(
        body.ends_with(&format!("{{\"bytes\":{MAX_BYTES}}}")),
        "{body}"
    );
    // Another site's page may not post to it (the Origin check covers it like any POST).
    let r = c
        .post(s.url("/net/upload"))
        .header("origin", "https://evil.example")
        .body(vec![0u8; 10])
        .send()
        .await
        .expect("cross-origin upload");
    assert_eq!(r.status(), StatusCode::FORBIDDEN);
    s.stop().await;
}

#[tokio::test]
async fn each_address_has_a_budget_per_minute() {
    let s = server().await;
    let c = client();
    let from = |ip: &'static str| {
        let c = c.clone();
        let url = s.url("/net/ping");
        async move {
            c.get(url)
                .header("x-forwarded-for", ip)
                .send()
                .await
                .expect("ping")
        }
    };
    // Requests: the budget's worth pass, the next is refused with a wait.
    for i in 0..REQUESTS_PER_MINUTE {
        assert_eq!(
            from("203.0.113.1").await.status(),
            StatusCode::NO_CONTENT,
            "request {i}"
        );
    }
    let refused = from("203.0.113.1").await;
    assert_eq!(refused.status(), StatusCode::TOO_MANY_REQUESTS);
    assert_eq!(refused.headers()[CACHE_CONTROL], "no-store");
    let wait: u64 = refused.headers()[RETRY_AFTER]
        .to_str()
        .expect("ascii")
        .parse()
        .expect("seconds");
    assert!((1..=60).contains(&wait), "{wait}");
    // Another address is not affected.
    assert_eq!(from("203.0.113.2").await.status(), StatusCode::NO_CONTENT);

    // Bytes: the budget's worth of full-size downloads, then refused.
    let full = (BYTES_PER_MINUTE / MAX_BYTES as u64) as usize;
    for i in 0..full {
        let r = c
            .get(s.url(&format!("/net/download?bytes={MAX_BYTES}")))
            .header("x-forwarded-for", "203.0.113.3")
            .send()
            .await
            .expect("download");
        assert_eq!(r.status(), StatusCode::OK, "download {i}");
        assert_eq!(r.bytes().await.expect("body").len(), MAX_BYTES);
    }
    let r = c
        .get(s.url("/net/download?bytes=1"))
        .header("x-forwarded-for", "203.0.113.3")
        .send()
        .await
        .expect("download");
    assert_eq!(r.status(), StatusCode::TOO_MANY_REQUESTS);
    let r = c
        .post(s.url("/net/upload"))
        .header("x-forwarded-for", "203.0.113.3")
        .body(vec![0u8; 1000])
        .send()
        .await
        .expect("upload");
    assert_eq!(r.status(), StatusCode::TOO_MANY_REQUESTS);
    // Pings carry no bytes: still allowed.
    assert_eq!(from("203.0.113.3").await.status(), StatusCode::NO_CONTENT);
    s.stop().await;
}

/// POSTs `mib` MiB to /net/upload with `Transfer-Encoding: chunked` (no length announced) over
/// a plain socket; returns the status and the raw answer.
async fn chunked_upload(base: &str, forwarded_for: &str, mib: usize) -> (u16, String) {
    use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};
    let host = base.trim_start_matches("http://");
    let mut socket = tokio::net::TcpStream::connect(host).await.expect("connect");
    let head = format!(
        "POST /net/upload HTTP/1.1\r\nHost: {host}\r\nX-Forwarded-For: {forwarded_for}\r\n\
         Transfer-Encoding: chunked\r\nConnection: close\r\n\r\n"
    );
    socket.write_all(head.as_bytes()).await.expect("head");
    let chunk = vec![b'x'; 1024 * 1024];
    for _ in 0..mib {
        // The server may answer 413 and close before the last chunk: stop writing then.
        if socket
            .write_all(format!("{:x}\r\n", chunk.len()).as_bytes())
            .await
            .is_err()
            || socket.write_all(&chunk).await.is_err()
            || socket.write_all(b"\r\n").await.is_err()
        {
            break;
        }
    }
    let _ = socket.write_all(b"0\r\n\r\n").await;
    let mut answer = Vec::new();
    let _ = socket.read_to_end(&mut answer).await;
    let answer = String::from_utf8_lossy(&answer).into_owned();
    let status = answer
        .split_whitespace()
        .nth(1)
        .and_then(|c| c.parse().ok())
        .unwrap_or(0);
    (status, answer)
}
