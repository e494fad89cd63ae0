//! Uploading a recording (V6) and the recording settings (V2), on each backend: who may upload
//! where; a chunk cut by the network leaves the server's offset where it was and the upload
//! resumes from it; a chunk at the wrong offset is refused with the right one; bad files are
//! refused with a message and nothing kept; a complete WebM goes to the recordings service and
//! appears in the library, processing then ready. ffmpeg makes the files (a test fails, never
//! skips, without it).

mod common;
mod content_common;
mod recording_pages_common;

use std::time::{Duration, Instant};

use amphi_store::{RecordingId, RecordingState};
use common::{Browser, PASSWORD, test_backends};
use content_common::{Person, ffmpeg};
use recording_pages_common::Cast;
use reqwest::StatusCode;
use serde_json::{Value, json};
use tokio::io::AsyncWriteExt;

/// A 4 s WebM (VP8 + Opus) as MediaRecorder makes them.
fn webm() -> Vec<u8> {
    ffmpeg(
        &[
            "-f",
            "lavfi",
            "-i",
            "testsrc2=duration=4:size=320x240:rate=25",
            "-f",
            "lavfi",
            "-i",
            "sine=frequency=440:duration=4",
            "-shortest",
            "-c:v",
            "libvpx",
            "-b:v",
            "300k",
            "-c:a",
            "libopus",
        ],
        "webm",
    )
}

struct Reply {
    status: StatusCode,
    body: Value,
}

async fn call(
    browser: &Browser,
    method: reqwest::Method,
    path: &str,
    csrf: &str,
    body: Vec<u8>,
    lang: &str,
) -> Reply {
    let response = browser
        .client
        .request(method, format!("{}{path}", browser.base))
        .header("x-csrf-token", csrf)
        .header("accept-language", lang)
        .body(body)
        .send()
        .await
        .expect("sent");
    let status = response.status();
    let text = response.text().await.expect("body");
    Reply {
        status,
        body: serde_json::from_str(&text).unwrap_or(Value::String(text)),
    }
}

async fn begin(p: &Person, place: &str, size: usize, lang: &str) -> Reply {
    let body = json!({"place": place, "title": "Browser recording", "size": size});
    call(
        &p.browser,
        reqwest::Method::POST,
        "/recordings/uploads",
        &p.csrf,
        body.to_string().into_bytes(),
        lang,
    )
    .await
}

async fn put(p: &Person, id: &str, offset: usize, bytes: &[u8]) -> Reply {
    let path = format!("/recordings/uploads/{id}?offset={offset}");
    call(
        &p.browser,
        reqwest::Method::PUT,
        &path,
        &p.csrf,
        bytes.to_vec(),
        "en",
    )
    .await
}

/// A PUT whose body stops halfway: the connection closes after `sent` of `declared` bytes.
async fn cut_put(
    base: &str,
    cookie: &str,
    csrf: &str,
    id: &str,
    offset: usize,
    declared: usize,
    sent: &[u8],
) {
    let addr = base.trim_start_matches("http://");
    let mut socket = tokio::net::TcpStream::connect(addr).await.expect("connect");
    let head = format!(
        "PUT /recordings/uploads/{id}?offset={offset} HTTP/1.1\r\nHost: {addr}\r\nCookie: {cookie}\r\n\
         x-csrf-token: {csrf}\r\nContent-Length: {declared}\r\n\r\n"
    );
    socket.write_all(head.as_bytes()).await.expect("head");
    socket.write_all(sent).await.expect("part of the body");
    socket.flush().await.expect("flush");
    tokio::time::sleep(Duration::from_millis(200)).await;
    drop(socket);
    tokio::time::sleep(Duration::from_millis(300)).await;
}

fn uploads_left(cast: &Cast) -> usize {
    std::fs::read_dir(cast.data_dir().join("recording-uploads"))
        .map(|d| d.count())
        .unwrap_or(0)
}

#[tokio::test]
async fn who_may_upload_where() {
    for backend in test_backends() {
        let cast = Cast::new(backend).await;
        let s = &cast.scene;
        for (who, p, place, want) in [
            ("owner", &s.owner, "room:room-launch", StatusCode::CREATED),
            (
                "manager",
                &cast.manager,
                "room:room-launch",
                StatusCode::CREATED,
            ),
            (
                "room moderator",
                &cast.room_moderator,
                "room:room-launch",
                StatusCode::CREATED,
            ),
            (
                "session moderator",
                &s.moderator,
                "session:launch",
                StatusCode::CREATED,
            ),
            ("speaker", &s.speaker, "session:launch", StatusCode::CREATED),
            (
                "speaker",
                &s.speaker,
                "room:room-launch",
                StatusCode::FORBIDDEN,
            ),
            (
                "attendee",
                &s.attendee,
                "session:launch",
                StatusCode::FORBIDDEN,
            ),
            (
                "other staff",
                &s.other_staff,
                "session:launch",
                StatusCode::FORBIDDEN,
            ),
            ("owner", &s.owner, "session:nope", StatusCode::FORBIDDEN),
        ] {
            let r = begin(p, place, 1000, "en").await;
            assert_eq!(r.status, want, "{backend:?} {who} {place}: {:?}", r.body);
        }
        let r = begin(&s.attendee, "session:launch", 1000, "fr").await;
        assert_eq!(
            r.body["error"],
            "Vous ne pouvez pas déposer d’enregistrement ici."
        );
        let anonymous = s
            .anonymous
            .client
            .post(format!("{}/recordings/uploads", s.anonymous.base))
            .body("{}")
            .send()
            .await
            .expect("sent");
        assert_eq!(
            anonymous.status(),
            StatusCode::SEE_OTHER,
            "{backend:?}: anonymous to sign in"
        );
        let wrong = call(
            &s.owner.browser,
            reqwest::Method::POST,
            "/recordings/uploads",
            "nope",
            b"{}".to_vec(),
            "en",
        )
        .await;
        assert_eq!(
            wrong.status,
            StatusCode::FORBIDDEN,
            "{backend:?}: bad CSRF token"
        );
        // Someone else's upload cannot be continued or read.
        let mine = begin(&s.owner, "room:room-launch", 1000, "en").await;
        let id = mine.body["id"].as_str().expect("id").to_owned();
        let r = put(&cast.manager, &id, 0, &webm()[..100]).await;
        assert_eq!(r.status, StatusCode::NOT_FOUND, "{backend:?}: not theirs");
        let info = cast
            .manager
            .browser
            .get(&format!("/recordings/uploads/{id}"))
            .await;
        assert_eq!(info.status, StatusCode::NOT_FOUND, "{backend:?}");
        cast.stop().await;
    }
}

#[tokio::test]
async fn bad_uploads_are_refused_and_nothing_kept() {
    for backend in test_backends() {
        let cast = Cast::new(backend).await;
        let p = &cast.scene.speaker;
        let too_big = begin(p, "session:launch", 9 * 1024 * 1024 * 1024, "en").await;
        assert_eq!(too_big.status, StatusCode::PAYLOAD_TOO_LARGE, "{backend:?}");
        assert_eq!(too_big.body["error"], "The file is larger than the limit.");
        let pdf = b"%PDF-1.7\n1 0 obj << >> endobj\n".to_vec();
        let r = begin(p, "session:launch", pdf.len(), "fr").await;
        let id = r.body["id"].as_str().expect("id").to_owned();
        let refused = put(p, &id, 0, &pdf).await;
        assert_eq!(
            refused.status,
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "{backend:?}"
        );
        assert_eq!(
            refused.body["error"],
            "Only MP4 or WebM video files can be uploaded."
        );
        let gone = cast
            .scene
            .ts
            .db
            .store
            .recording_upload(&id)
            .await
            .expect("read");
        assert!(gone.is_none(), "{backend:?}: the upload is forgotten");
        assert_eq!(uploads_left(&cast), 0, "{backend:?}: no file left");
        // More bytes than announced: refused, nothing kept.
        let file = webm();
        let r = begin(p, "session:launch", 100, "en").await;
        let id = r.body["id"].as_str().expect("id").to_owned();
        let over = put(p, &id, 0, &file[..200]).await;
        assert_eq!(over.status, StatusCode::PAYLOAD_TOO_LARGE, "{backend:?}");
        assert_eq!(uploads_left(&cast), 0, "{backend:?}: no file left");
        let recordings = cast
            .scene
            .ts
            .db
            .store
            .session_recordings(&cast.scene.session.id)
            .await
            .expect("list");
        assert!(recordings.is_empty(), "{backend:?}: no recording");
        cast.stop().await;
    }
}

#[tokio::test]
async fn an_interrupted_upload_resumes_and_lands_in_the_library() {
    for backend in test_backends() {
        let cast = Cast::new(backend).await;
        let file = webm();
        let third = file.len() / 3;
        // A second login of the speaker, whose cookie the raw socket carries.
        let raw = cast.scene.ts.browser();
        let signed = raw.sign_in("speaker@example.org", PASSWORD).await;
        let cookie = signed
            .set_cookies()
            .iter()
            .map(|c| c.split(';').next().unwrap_or("").to_owned())
            .collect::<Vec<_>>()
            .join("; ");
        let csrf = raw.csrf().await;
        let p = Person {
            user: cast.scene.speaker.user.clone(),
            browser: raw,
            csrf: csrf.clone(),
        };

        let r = begin(&p, "session:launch", file.len(), "en").await;
        assert_eq!(r.status, StatusCode::CREATED, "{backend:?}: {:?}", r.body);
        let id = r.body["id"].as_str().expect("id").to_owned();
        assert_eq!(r.body["offset"], 0);
        let first = put(&p, &id, 0, &file[..third]).await;
        assert_eq!(
            first.status,
            StatusCode::OK,
            "{backend:?}: {:?}",
            first.body
        );
        assert_eq!(first.body["offset"], third);

        // The network drops halfway through the second chunk: the server keeps its offset.
        cut_put(
            &cast.scene.ts.base,
            &cookie,
            &csrf,
            &id,
            third,
            third,
            &file[third..third + third / 2],
        )
        .await;
        let info = p.browser.get(&format!("/recordings/uploads/{id}")).await;
        let info: Value = serde_json::from_str(&info.body).expect("json");
        assert_eq!(
            info["offset"], third,
            "{backend:?}: nothing of the cut chunk counted"
        );
        assert_eq!(info["total"], file.len());
        // A chunk at the wrong offset is told the right one.
        let wrong = put(&p, &id, third + 10, &file[third + 10..2 * third]).await;
        assert_eq!(wrong.status, StatusCode::CONFLICT, "{backend:?}");
        assert_eq!(wrong.body["offset"], third);
        // Resuming from the server's offset completes it; the file is the original.
        let second = put(&p, &id, third, &file[third..2 * third]).await;
        assert_eq!(second.body["offset"], 2 * third, "{backend:?}");
        let last = put(&p, &id, 2 * third, &file[2 * third..]).await;
        assert_eq!(last.status, StatusCode::OK, "{backend:?}: {:?}", last.body);
        let rec_id = last.body["recording"]["id"]
            .as_str()
            .expect("a recording")
            .to_owned();
        assert!(
            cast.scene
                .ts
                .db
                .store
                .recording_upload(&id)
                .await
                .expect("read")
                .is_none()
        );

        // In the library: processing, then ready, as the page's status shows it.
        let owner = &cast.scene.owner.browser;
        let started = Instant::now();
        let mut seen = Vec::new();
        loop {
            let lines: Vec<Value> =
                serde_json::from_str(&owner.get("/recordings/status").await.body).expect("json");
            let line = lines
                .iter()
                .find(|l| l["id"] == rec_id.as_str())
                .expect("listed")
                .clone();
            let state = line["state"].as_str().unwrap_or("").to_owned();
            if seen.last() != Some(&state) {
                seen.push(state.clone());
            }
            if state == "ready" || state == "failed" {
                break;
            }
            assert!(
                started.elapsed() < Duration::from_secs(90),
                "{backend:?}: still {state}"
            );
            tokio::time::sleep(Duration::from_millis(200)).await;
        }
        assert_eq!(
            seen.last().map(String::as_str),
            Some("ready"),
            "{backend:?}: {seen:?}"
        );
        let r = cast
            .scene
            .ts
            .db
            .store
            .recording(&RecordingId::new(rec_id.as_str()))
            .await
            .expect("read")
            .expect("there");
        assert_eq!(r.state, RecordingState::Ready);
        let duration = r.duration_ms.expect("duration");
        assert!(
            (3_000..=5_000).contains(&duration),
            "{backend:?}: {duration} ms"
        );
        let video = owner.get(&format!("/replays/{rec_id}/video")).await;
        assert_eq!(video.status, StatusCode::OK, "{backend:?}");
        assert_eq!(
            uploads_left(&cast),
            0,
            "{backend:?}: the partial file is gone"
        );
        cast.stop().await;
    }
}

#[tokio::test]
async fn recording_settings_of_accounts_and_sessions() {
    for backend in test_backends() {
        let cast = Cast::new(backend).await;
        let s = &cast.scene;
        let store = &s.ts.db.store;
        let o = &s.owner;
        let page = o.browser.get("/account/recording").await;
        assert_eq!(page.status, StatusCode::OK, "{backend:?}");
        let saved = o
            .browser
            .post(
                "/account/recording",
                &[
                    ("auto_record", "on"),
                    ("audio_only", "on"),
                    ("csrf", &o.csrf),
                ],
            )
            .await;
        assert_eq!(saved.status, StatusCode::SEE_OTHER, "{backend:?}");
        let d = store.recording_defaults(&o.user.id).await.expect("read");
        assert!(
            d.auto_record && d.options.audio_only && !d.options.webcams,
            "{backend:?}: {d:?}"
        );
        let no_token = o
            .browser
            .post("/account/recording", &[("auto_record", "on")])
            .await;
        assert_eq!(no_token.status, StatusCode::FORBIDDEN, "{backend:?}");
        let anon = s.anonymous.get("/account/recording").await;
        assert_eq!(anon.status, StatusCode::SEE_OTHER, "{backend:?}");

        let path = "/programme/sessions/launch/recording";
        for (who, p, want) in [
            ("speaker", &s.speaker, StatusCode::FORBIDDEN),
            ("attendee", &s.attendee, StatusCode::FORBIDDEN),
            ("manager", &cast.manager, StatusCode::SEE_OTHER),
        ] {
            let r = p
                .browser
                .post(path, &[("auto_record", "off"), ("csrf", &p.csrf)])
                .await;
            assert_eq!(r.status, want, "{backend:?} {who}");
        }
        assert_eq!(
            store
                .session_auto_record(&s.session.id)
                .await
                .expect("read"),
            Some(false)
        );
        let page = o.browser.get(path).await;
        assert_eq!(page.status, StatusCode::OK, "{backend:?}");
        assert!(
            page.body.contains("value=\"off\" checked"),
            "{backend:?}: the choice shown"
        );
        let back = o
            .browser
            .post(path, &[("auto_record", "default"), ("csrf", &o.csrf)])
            .await;
        assert_eq!(back.status, StatusCode::SEE_OTHER, "{backend:?}");
        assert_eq!(
            store
                .session_auto_record(&s.session.id)
                .await
                .expect("read"),
            None
        );
        cast.stop().await;
    }
}
