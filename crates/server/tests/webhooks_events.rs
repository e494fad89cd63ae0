//! The registration and recording webhook events end to end, on both databases, with a real
//! receiver checking each signature: registering for a session → `registration.created`
//! (pending), the organiser approving it from the list → `registration.approved`; a room's
//! form approving at once → both, `approved`; an imported upload becoming a replay →
//! `recording.ready` with its duration, its file's size and the replay's URL. Neither the join
//! token nor the registration ID (a credential with the e-mail) is in a body.

mod common;
mod programme_common;
mod registration_common;
mod webhooks_common;

use std::path::{Path, PathBuf};
use std::time::Duration;

use amphi_server::webhooks::EVENT_TYPES;
use common::{TestServer, test_backends};
use registration_common::{enable, launch_scene, register, target};
use reqwest::StatusCode;
use webhooks_common::{Received, Receiver, add_endpoint, verify};

const WITHIN: Duration = Duration::from_secs(20);
const BASE: &str = "/programme/sessions/launch";

fn fast_retries(config: &mut amphi_server::Config) {
    config.webhooks.retry_base_secs = 1;
}

/// The events of `kind` received so far.
fn of(receiver: &Receiver, kind: &str) -> Vec<Received> {
    receiver
        .received()
        .into_iter()
        .filter(|r| r.event == kind)
        .collect()
}

/// Waits until `n` events of `kind` arrived; returns them.
async fn wait_n(receiver: &Receiver, kind: &str, n: usize) -> Vec<Received> {
    let deadline = tokio::time::Instant::now() + WITHIN;
    loop {
        let got = of(receiver, kind);
        if got.len() >= n {
            return got;
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "{n} × {kind} expected, got {:#?}",
            receiver.received()
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

#[tokio::test]
async fn registrations_made_and_approved_are_sent() {
    for backend in test_backends() {
        let s = TestServer::start_with(backend, fast_retries).await;
        let (scene, session) = launch_scene(&s).await;
        let receiver = Receiver::start().await;
        let (_, secret) = add_endpoint(&scene.admin, &receiver.url(), EVENT_TYPES).await;

        // A session's form, approved by hand: created (pending), nothing approved yet.
        enable(&scene.owner, BASE, false).await;
        let done = register(
            &s.browser(),
            "/s/launch",
            &[("name", "Ann Lee"), ("email", "ann@example.org")],
        )
        .await;
        assert_eq!(done.status, StatusCode::OK, "{}", done.body);
        let stored =
            s.db.store
                .registrations(&target(&session), None)
                .await
                .expect("read");
        let ann = stored.first().expect("Ann's registration");
        let created = receiver
            .wait_for_event("registration.created", WITHIN)
            .await;
        let data = &created.json()["data"];
        assert_eq!(data["registration_id"], ann.id.to_string(), "{backend:?}");
        assert_eq!(data["name"], "Ann Lee");
        assert_eq!(data["email"], "ann@example.org");
        assert_eq!(data["status"], "pending");
        assert_eq!(data["session"], "launch");
        assert!(data["room"].is_null() && data["series"].is_null(), "{data}");
        assert!(!created.body.contains(&ann.join_token), "no join token");
        assert!(!created.body.contains(&ann.code), "no registration ID");

        // The organiser approves it from the list (the back office's POST → decide()).
        let list = scene.owner.get(&format!("{BASE}/registrants")).await;
        let id = ann.id.to_string();
        let approve = scene
            .owner
            .post(
                &format!("{BASE}/registrants"),
                &[("csrf", &list.csrf()), ("id", &id), ("action", "approve")],
            )
            .await;
        assert_eq!(approve.status, StatusCode::SEE_OTHER, "{}", approve.body);
        let approved = receiver
            .wait_for_event("registration.approved", WITHIN)
            .await;
        let data = &approved.json()["data"];
        assert_eq!(data["registration_id"], id.as_str(), "{backend:?}");
        assert_eq!(data["status"], "approved");
        assert_eq!(data["session"], "launch");
        assert!(!approved.body.contains(&ann.join_token));
        // Approving again changes nothing: no second event.
        let list = scene.owner.get(&format!("{BASE}/registrants")).await;
        scene
            .owner
            .post(
                &format!("{BASE}/registrants"),
                &[("csrf", &list.csrf()), ("id", &id), ("action", "approve")],
            )
            .await;

        // A room's form approving at once: created (approved) and approved.
        enable(&scene.owner, "/rooms/hall", true).await;
        let done = register(
            &s.browser(),
            "/r/hall",
            &[("name", "Bo"), ("email", "bo@example.org")],
        )
        .await;
        assert!(done.status.is_success() || done.status.is_redirection());
        let created = wait_n(&receiver, "registration.created", 2).await;
        let bo = created
            .iter()
            .find(|r| r.json()["data"]["email"] == "bo@example.org")
            .expect("Bo's registration.created");
        assert_eq!(bo.json()["data"]["status"], "approved", "{backend:?}");
        assert_eq!(bo.json()["data"]["room"], "hall");
        assert!(bo.json()["data"]["session"].is_null());
        let approved = wait_n(&receiver, "registration.approved", 2).await;
        let bo_approved = approved
            .iter()
            .find(|r| r.json()["data"]["email"] == "bo@example.org")
            .expect("Bo's registration.approved");
        assert_eq!(
            bo_approved.json()["data"]["registration_id"],
            bo.json()["data"]["registration_id"]
        );

        // Nothing more arrives (Ann's second approval changed nothing), all signed.
        tokio::time::sleep(Duration::from_secs(2)).await;
        assert_eq!(of(&receiver, "registration.approved").len(), 2);
        assert_eq!(of(&receiver, "registration.created").len(), 2);
        for r in receiver.received() {
            assert!(verify(&secret, &r.signature, &r.body), "{r:#?}");
            assert_eq!(r.json()["type"], r.event.as_str());
        }
        receiver.stop();
        s.stop().await;
    }
}

/// A 3 s H.264 + AAC MP4 made by ffmpeg (the test fails without it).
fn small_mp4(dir: &Path) -> PathBuf {
    let path = dir.join("talk.mp4");
    let out = std::process::Command::new("ffmpeg")
        .args(["-v", "error", "-y", "-f", "lavfi", "-i"])
        .arg("testsrc2=duration=3:size=320x240:rate=25")
        .args(["-f", "lavfi", "-i", "sine=frequency=440:duration=3"])
        .args(["-shortest", "-c:v", "libx264", "-pix_fmt", "yuv420p"])
        .args(["-c:a", "aac"])
        .arg(&path)
        .output()
        .expect("ffmpeg runs (scripts/install-deps installs it)");
    assert!(out.status.success(), "{out:?}");
    path
}

#[tokio::test]
async fn a_replay_made_ready_is_sent() {
    for backend in test_backends() {
        let s = TestServer::start_with(backend, fast_retries).await;
        let (_, admin) = s.signed_in("admin@example.org", true).await;
        let receiver = Receiver::start().await;
        let (_, secret) = add_endpoint(&admin, &receiver.url(), &["recording.ready"]).await;
        assert_eq!(
            admin.create_room("Standup").await.status,
            StatusCode::SEE_OTHER
        );
        let room =
            s.db.store
                .room_by_slug("standup")
                .await
                .expect("read")
                .expect("the room");
        let files = tempfile::tempdir().expect("temp dir");
        let recordings = &s.server().state.recordings;
        let recording = recordings
            .import_upload(&room.id, None, None, "Talk", small_mp4(files.path()))
            .await
            .expect("imported");

        let ready = receiver
            .wait_for_event("recording.ready", Duration::from_secs(90))
            .await;
        assert!(verify(&secret, &ready.signature, &ready.body));
        let data = &ready.json()["data"];
        let id = recording.id.to_string();
        assert_eq!(data["recording_id"], id.as_str(), "{backend:?}");
        assert_eq!(data["title"], "Talk");
        assert_eq!(data["room"], "standup");
        assert!(data["session"].is_null());
        let duration = data["duration_ms"].as_i64().expect("a duration");
        assert!((2500..=3500).contains(&duration), "{duration} ms");
        let size = std::fs::metadata(recordings.replay_path(&recording.id))
            .expect("replay.mp4")
            .len();
        assert_eq!(data["bytes"].as_u64(), Some(size), "{backend:?}");
        assert_eq!(
            data["replay_url"],
            format!("{}/replays/{id}", s.server().base_url())
        );
        // The replay page it names answers.
        let page = admin.get(&format!("/replays/{id}")).await;
        assert_eq!(page.status, StatusCode::OK);
        receiver.stop();
        s.stop().await;
    }
}
