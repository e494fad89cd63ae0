//! External video by link (C8): `POST /s/{slug}/content/link` against a real HTTP server on
//! 127.0.0.1 that answers like PeerTube (`/api/v1/videos/{id}` with web-video and HLS files,
//! a live, a private video, a broken answer) and serves an MP4: no test reaches the internet.
//! Then the link on the stage over the WebSocket, played, paused and kept for a late joiner.

mod common;
mod content_common;

use axum::Json;
use axum::Router;
use axum::extract::Path;
use axum::http::StatusCode as AxumStatus;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use common::test_backends;
use content_common::*;
use reqwest::StatusCode;
use serde_json::{Value, json};

const UUID: &str = "9c9de5e8-0a1e-484a-b099-e80766180a6d";

/// A PeerTube-shaped server on 127.0.0.1; returns its base URL.
async fn fake_peertube() -> String {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let base = format!("http://{}", listener.local_addr().expect("address"));
    let files_base = base.clone();
    let app = Router::new()
        .route(
            "/api/v1/videos/{id}",
            get(move |Path(id): Path<String>| {
                let b = files_base.clone();
                async move { video_details(&b, &id) }
            }),
        )
        .route(
            "/static/web-videos/{file}",
            get(|| async { ([("content-type", "video/mp4")], mp4_faststart()) }),
        );
    tokio::spawn(async move {
        let _ = axum::serve(listener, app).await;
    });
    base
}

/// What PeerTube's `GET /api/v1/videos/{id}` answers for our ids (its real field names).
fn video_details(base: &str, id: &str) -> Response {
    let file = |res: i64, kind: &str| {
        json!({
            "resolution": {"id": res, "label": format!("{res}p")},
            "fileUrl": format!("{base}/static/{kind}/{UUID}-{res}.mp4"),
            "fileDownloadUrl": format!("{base}/download/videos/{UUID}-{res}.mp4"),
            "size": 123456,
            "fps": 25
        })
    };
    match id {
        UUID | "shortAbc123" => Json(json!({
            "id": 7, "uuid": UUID, "shortUUID": "shortAbc123", "name": "  Our launch film  ",
            "isLive": false, "duration": 40,
            "files": [file(1080, "web-videos"), file(720, "web-videos"), file(360, "web-videos"), file(0, "web-videos")],
            "streamingPlaylists": [{"id": 1, "type": 1, "playlistUrl": format!("{base}/hls/master.m3u8"),
                "files": [file(720, "streaming-playlists/hls")]}]
        }))
        .into_response(),
        "hlsonly" => Json(json!({
            "uuid": "hlsonly", "name": "HLS only", "isLive": false, "files": [],
            "streamingPlaylists": [{"type": 1, "files": [file(1080, "streaming-playlists/hls"), file(480, "streaming-playlists/hls")]}]
        }))
        .into_response(),
        "live1" => Json(json!({"uuid": "live1", "name": "A live", "isLive": true, "files": [], "streamingPlaylists": []})).into_response(),
        "nofiles" => Json(json!({"uuid": "nofiles", "name": "Empty", "isLive": false, "files": [], "streamingPlaylists": []})).into_response(),
        "broken" => (AxumStatus::OK, "<html>not json</html>").into_response(),
        _ => (AxumStatus::NOT_FOUND, Json(json!({"error": "Video not found"}))).into_response(),
    }
}

async fn ask(p: &Person, url: &str, lang: &str) -> (StatusCode, Value) {
    let response = p
        .browser
        .client
        .post(format!("{}/s/{SLUG}/content/link", p.browser.base))
        .header("x-csrf-token", &p.csrf)
        .header("accept-language", lang)
        .json(&json!({ "url": url }))
        .send()
        .await
        .expect("sent");
    let status = response.status();
    (status, response.json().await.unwrap_or(Value::Null))
}

#[tokio::test]
async fn links_are_resolved_through_peertube_or_refused_in_the_persons_language() {
    let tube = fake_peertube().await;
    // Nothing is stored: one backend is enough, the first one (SQLite).
    let backend = test_backends().into_iter().next().expect("a backend");
    let scene = Scene::new(backend).await;
    let m = &scene.moderator;

    // A PeerTube watch page, both URL shapes: its title, trimmed, and its 720p web-video file.
    for page in [
        format!("{tube}/w/shortAbc123"),
        format!("{tube}/videos/watch/{UUID}"),
    ] {
        let (status, body) = ask(m, &page, "en").await;
        assert_eq!(status, StatusCode::OK, "{page}: {body}");
        assert_eq!(body["name"], "Our launch film");
        assert_eq!(body["source"], "peertube");
        assert_eq!(
            body["url"],
            format!("{tube}/static/web-videos/{UUID}-720.mp4")
        );
    }
    // The file it names is really there, and is an MP4.
    let (status, body) = ask(m, &format!("{tube}/w/{UUID}"), "en").await;
    assert_eq!(status, StatusCode::OK);
    let bytes = reqwest::get(body["url"].as_str().expect("url"))
        .await
        .expect("get")
        .bytes()
        .await
        .expect("bytes");
    assert_eq!(&bytes[4..8], b"ftyp");
    // Only HLS files: the fragmented MP4 up to 720p.
    let (status, body) = ask(m, &format!("{tube}/w/hlsonly"), "en").await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(
        body["url"],
        format!("{tube}/static/streaming-playlists/hls/{UUID}-480.mp4")
    );
    // A direct file as it is; a speaker may ask too.
    let (status, body) = ask(
        &scene.speaker,
        "https://media.example.org/films/clip.WEBM?x=1",
        "en",
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["source"], "direct");
    assert_eq!(body["name"], "clip.WEBM");

    // Refusals, each in English and in French.
    let cases = [
        (
            "",
            "Paste the link of a video.",
            "Collez le lien d’une vidéo.",
        ),
        (
            "ftp://x.org/a.mp4",
            "Only http:// and https:// links",
            "Seuls les liens http://",
        ),
        (
            "javascript:alert(1)",
            "Only http:// and https:// links",
            "Seuls les liens http://",
        ),
        (
            "https://x.org/about.html",
            "neither an MP4 or WebM file nor a PeerTube video",
            "ni un fichier MP4 ou WebM ni une vidéo PeerTube",
        ),
    ];
    for (url, en, fr) in cases {
        for (lang, want) in [("en", en), ("fr", fr)] {
            let (status, body) = ask(m, url, lang).await;
            assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{url}: {body}");
            assert!(
                body["error"].as_str().unwrap_or("").contains(want),
                "{url} {lang}: {body}"
            );
            assert_eq!(body["field"], "url");
        }
    }
    let long = format!("https://x.org/{}.mp4", "a".repeat(2100));
    let (status, body) = ask(m, &long, "fr").await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        body["error"].as_str().unwrap_or("").contains("trop long"),
        "{body}"
    );
    for (id, status_want, en) in [
        ("live1", StatusCode::UNPROCESSABLE_ENTITY, "live stream"),
        ("nofiles", StatusCode::UNPROCESSABLE_ENTITY, "no MP4 file"),
        (
            "missing",
            StatusCode::UNPROCESSABLE_ENTITY,
            "no public video",
        ),
        (
            "broken",
            StatusCode::BAD_GATEWAY,
            "did not answer as expected",
        ),
    ] {
        let (status, body) = ask(m, &format!("{tube}/w/{id}"), "en").await;
        assert_eq!(status, status_want, "{id}: {body}");
        assert!(
            body["error"].as_str().unwrap_or("").contains(en),
            "{id}: {body}"
        );
    }
    // Nobody listening: unreachable.
    let (status, _) = ask(m, "http://127.0.0.1:9/w/abc", "en").await;
    assert_eq!(status, StatusCode::BAD_GATEWAY);

    // Who may ask: staff who present content, with the CSRF token.
    let (status, _) = ask(&scene.attendee, &format!("{tube}/w/{UUID}"), "en").await;
    assert_eq!(status, StatusCode::FORBIDDEN, "not staff");
    let (status, _) = ask(&scene.other_staff, &format!("{tube}/w/{UUID}"), "en").await;
    assert_eq!(status, StatusCode::FORBIDDEN, "staff of another session");
    let no_csrf = m
        .browser
        .client
        .post(format!("{}/s/{SLUG}/content/link", m.browser.base))
        .json(&json!({"url": format!("{tube}/w/{UUID}")}))
        .send()
        .await
        .expect("sent");
    assert_eq!(no_csrf.status(), StatusCode::FORBIDDEN);
    let anonymous = scene
        .anonymous
        .client
        .post(format!("{}/s/{SLUG}/content/link", scene.anonymous.base))
        .json(&json!({"url": format!("{tube}/w/{UUID}")}))
        .send()
        .await
        .expect("sent");
    assert_eq!(anonymous.status(), StatusCode::UNAUTHORIZED);
    scene.stop().await;
}
