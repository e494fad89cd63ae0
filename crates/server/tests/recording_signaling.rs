//! Recording over real WebSockets (issue 7, V1–V4), on every database: `start_recording` and
//! `stop_recording` refused with `forbidden` to every role without Record (participant,
//! speaker, attendee); allowed to owner, manager and moderator, and everyone told with
//! `recording_updated` (attendees included); a late joiner's `welcome.recording`; start, stop,
//! start makes two recordings; the live's start records by itself when the session says so;
//! below the disk guard's threshold nothing starts and the requester is told why (V7).

mod common;
mod signaling_common;

use amphi_proto::{ErrorCode, RecordingStopReason, Role, ServerMessage};
use amphi_store::testing::test_backends;
use amphi_store::{
    NewSession, RecordingDefaults, RecordingOptions, Session, SessionStatus, SessionUpdate,
    ShareRole, StaffRole,
};
use serde_json::json;
use signaling_common::*;

/// A signed-in socket to `path` (`/r/team/ws` or `/s/launch/ws`), or an anonymous one.
async fn socket(h: &Harness, path: &str, user: Option<&amphi_store::User>) -> Client {
    let mut request =
        tungstenite::client::IntoClientRequest::into_client_request(format!("{}{path}", h.base))
            .expect("request");
    if let Some(user) = user {
        let set_cookie =
            amphi_server::auth::login::create_login(&h.state, &user.id, &Default::default())
                .await
                .expect("a login");
        let cookie = set_cookie
            .to_str()
            .expect("ASCII cookie")
            .split(';')
            .next()
            .expect("name=value first")
            .to_owned();
        request
            .headers_mut()
            .insert("cookie", cookie.parse().expect("header"));
    }
    let (ws, _) = tokio_tungstenite::connect_async(request)
        .await
        .expect("upgrade");
    Client { ws }
}

/// Joins and returns the welcome's role and recording.
async fn join(c: &mut Client, name: &str) -> (Role, Option<amphi_proto::RecordingInfo>) {
    c.send(json!({"type": "join", "version": 1, "name": name}))
        .await;
    match c
        .recv_until("welcome", |m| matches!(m, ServerMessage::Welcome { .. }))
        .await
    {
        ServerMessage::Welcome {
            role, recording, ..
        } => (role, recording),
        _ => unreachable!(),
    }
}

/// The next `recording_updated`, skipping other events.
async fn updated(
    c: &mut Client,
) -> (
    Option<amphi_proto::RecordingInfo>,
    Option<RecordingStopReason>,
) {
    match c
        .recv_until("recording_updated", |m| {
            matches!(m, ServerMessage::RecordingUpdated { .. })
        })
        .await
    {
        ServerMessage::RecordingUpdated { recording, reason } => (recording, reason),
        _ => unreachable!(),
    }
}

async fn session(h: &Harness, speaker: &str) -> Session {
    let s =
        h.db.create_session(NewSession {
            slug: "launch".into(),
            room_id: h.room.id.clone(),
            title: "Product launch".into(),
            description: String::new(),
            starts_at: 1_790_000_000_000,
            ends_at: 1_790_003_600_000,
            time_zone: "Europe/Paris".into(),
            status: SessionStatus::Draft,
            created_by: h.owner.id.clone(),
        })
        .await
        .expect("session");
    h.db.set_staff(&s.id, "mod@example.org", StaffRole::Moderator)
        .await
        .expect("moderator");
    h.db.set_staff(&s.id, speaker, StaffRole::Speaker)
        .await
        .expect("speaker");
    h.db.update_session(
        &s.id,
        SessionUpdate {
            title: s.title.clone(),
            description: String::new(),
            room_id: s.room_id.clone(),
            starts_at: s.starts_at,
            ends_at: s.ends_at,
            time_zone: s.time_zone.clone(),
            status: SessionStatus::Published,
        },
    )
    .await
    .expect("published");
    s
}

#[tokio::test]
async fn roles_without_record_are_refused() {
    for backend in test_backends() {
        let h = start_with(Setup {
            backend,
            ..Setup::default()
        })
        .await;
        let mut participant = socket(&h, "/r/team/ws", None).await;
        assert_eq!(join(&mut participant, "Pat").await.0, Role::Participant);
        for request in ["start_recording", "stop_recording"] {
            participant.send(json!({"type": request})).await;
            participant
                .expect_refused(ErrorCode::Forbidden, request)
                .await;
        }
        let _ = session(&h, "spk@example.org").await;
        let speaker = h.user("spk@example.org", "Sam").await;
        let mut s = socket(&h, "/s/launch/ws", Some(&speaker)).await;
        assert_eq!(join(&mut s, "Sam").await.0, Role::Speaker);
        let mut attendee = socket(&h, "/s/launch/ws", None).await;
        assert_eq!(join(&mut attendee, "Ann").await.0, Role::Attendee);
        for c in [&mut s, &mut attendee] {
            for request in ["start_recording", "stop_recording"] {
                c.send(json!({"type": request, "webcams": false})).await;
                c.expect_refused(ErrorCode::Forbidden, request).await;
            }
        }
        // A malformed request is an error, not a recording.
        let owner = h.owner.clone();
        let mut o = socket(&h, "/r/team/ws", Some(&owner)).await;
        assert_eq!(join(&mut o, "Owner").await.0, Role::Owner);
        o.send(json!({"type": "start_recording", "webcams": "yes"}))
            .await;
        o.expect_refused(ErrorCode::InvalidMessage, "start_recording")
            .await;
        assert!(
            h.db.room_recordings(&h.room.id)
                .await
                .expect("list")
                .is_empty(),
            "{backend:?}"
        );
    }
}

#[tokio::test]
async fn moderators_start_and_stop_and_everyone_is_told() {
    for backend in test_backends() {
        let h = start_with(Setup {
            backend,
            ..Setup::default()
        })
        .await;
        let manager = h
            .shared_user("mgr@example.org", "Mia", ShareRole::Manager)
            .await;
        let moderator = h
            .shared_user("mod@example.org", "Mo", ShareRole::Moderator)
            .await;
        let owner = h.owner.clone();
        let mut o = socket(&h, "/r/team/ws", Some(&owner)).await;
        let mut m = socket(&h, "/r/team/ws", Some(&manager)).await;
        let mut d = socket(&h, "/r/team/ws", Some(&moderator)).await;
        let mut p = socket(&h, "/r/team/ws", None).await;
        assert_eq!(join(&mut o, "Owner").await, (Role::Owner, None));
        assert_eq!(join(&mut m, "Mia").await, (Role::Manager, None));
        assert_eq!(join(&mut d, "Mo").await, (Role::Moderator, None));
        assert_eq!(join(&mut p, "Pat").await, (Role::Participant, None));

        // The moderator starts without webcams: everyone hears of it, with who did.
        d.send(json!({"type": "start_recording", "webcams": false}))
            .await;
        let mut first = None;
        for c in [&mut o, &mut m, &mut d, &mut p] {
            let (recording, reason) = updated(c).await;
            let r = recording.expect("recording");
            assert_eq!(reason, None);
            assert!(!r.webcams && !r.audio_only, "{backend:?}: the options");
            assert_eq!(r.by.as_deref(), Some("Mo"), "{backend:?}");
            first.get_or_insert(r.id.clone());
            assert_eq!(first.as_deref(), Some(r.id.as_str()));
        }
        let first = first.expect("an id");
        // A late joiner sees it in the welcome.
        let mut late = socket(&h, "/r/team/ws", None).await;
        let (_, running) = join(&mut late, "Lou").await;
        assert_eq!(running.map(|r| r.id), Some(first.clone()), "{backend:?}");

        // The manager stops it; everyone is told why.
        m.send(json!({"type": "stop_recording"})).await;
        for c in [&mut o, &mut m, &mut d, &mut p, &mut late] {
            assert_eq!(
                updated(c).await,
                (None, Some(RecordingStopReason::Asked)),
                "{backend:?}"
            );
        }
        // The owner starts again: a second recording.
        o.send(json!({"type": "start_recording"})).await;
        let (again, _) = updated(&mut p).await;
        let again = again.expect("recording again");
        assert_ne!(again.id, first, "{backend:?}: a new recording");
        assert!(again.webcams, "{backend:?}: webcams by default");
        o.send(json!({"type": "stop_recording"})).await;
        assert_eq!(updated(&mut p).await.0, None);
        let all = h.db.room_recordings(&h.room.id).await.expect("list");
        assert_eq!(all.len(), 2, "{backend:?}: start, stop, start, stop");
    }
}

#[tokio::test]
async fn a_live_records_itself_when_its_session_says_so() {
    for backend in test_backends() {
        let h = start_with(Setup {
            backend,
            ..Setup::default()
        })
        .await;
        let s = session(&h, "spk@example.org").await;
        h.db.set_recording_defaults(
            &h.owner.id,
            RecordingDefaults {
                auto_record: true,
                options: RecordingOptions {
                    webcams: true,
                    audio_only: true,
                },
            },
        )
        .await
        .expect("defaults");
        let moderator = h.user("mod@example.org", "Olivia").await;
        let mut m = socket(&h, "/s/launch/ws", Some(&moderator)).await;
        assert_eq!(join(&mut m, "Olivia").await.0, Role::Moderator);
        let mut a = socket(&h, "/s/launch/ws", None).await;
        assert_eq!(join(&mut a, "Ann").await, (Role::Attendee, None));
        m.send(json!({"type": "start_live"})).await;
        let (recording, _) = updated(&mut a).await;
        let recording = recording.expect("recording by itself");
        assert!(recording.audio_only, "{backend:?}: the account's options");
        assert_eq!(recording.by, None, "{backend:?}: nobody started it");
        let stored = h.db.session_recordings(&s.id).await.expect("list");
        assert_eq!(stored.len(), 1, "{backend:?}");
        // Ending the live stops it.
        m.send(json!({"type": "stop_live"})).await;
        assert_eq!(
            updated(&mut a).await,
            (None, Some(RecordingStopReason::Asked)),
            "{backend:?}"
        );

        // Overridden off for this session: the next live (another session) would not record.
        h.db.set_session_auto_record(&s.id, Some(false))
            .await
            .expect("override");
        assert_eq!(
            h.db.session_auto_record(&s.id).await.expect("read"),
            Some(false)
        );
    }
}

#[tokio::test]
async fn below_the_disk_threshold_nothing_starts_and_the_requester_is_told() {
    for backend in test_backends() {
        let ts = common::TestServer::start_with(backend, |c| {
            c.recording.min_free_start_bytes = u64::MAX;
        })
        .await;
        let store = &ts.db.store;
        let owner = ts.user("owner@example.org", false).await;
        let room = store
            .create_room(amphi_store::NewRoom {
                slug: "team".into(),
                name: "Team".into(),
                owner_id: owner.id.clone(),
            })
            .await
            .expect("room");
        store.set_room_open(&room.id, true).await.expect("open");
        let set_cookie = amphi_server::auth::login::create_login(
            &ts.server().state,
            &owner.id,
            &Default::default(),
        )
        .await
        .expect("a login");
        let cookie = set_cookie
            .to_str()
            .expect("ASCII cookie")
            .split(';')
            .next()
            .expect("name=value first")
            .to_owned();
        let url = format!("{}/r/team/ws", ts.base.replacen("http", "ws", 1));
        let mut request = tungstenite::client::IntoClientRequest::into_client_request(url.clone())
            .expect("request");
        request
            .headers_mut()
            .insert("cookie", cookie.parse().expect("header"));
        let (ws, _) = tokio_tungstenite::connect_async(request)
            .await
            .expect("upgrade");
        let mut o = Client { ws };
        assert_eq!(join(&mut o, "Owner").await, (Role::Owner, None));
        let (ws, _) = tokio_tungstenite::connect_async(url)
            .await
            .expect("upgrade");
        let mut p = Client { ws };
        assert_eq!(join(&mut p, "Pat").await.0, Role::Participant);
        o.send(json!({"type": "start_recording"})).await;
        assert_eq!(
            updated(&mut o).await,
            (None, Some(RecordingStopReason::DiskLow)),
            "{backend:?}: the requester is told why"
        );
        p.expect_nothing(std::time::Duration::from_millis(500))
            .await;
        let recordings = store.room_recordings(&room.id).await.expect("list");
        assert!(recordings.is_empty(), "{backend:?}: nothing recorded");
        ts.stop().await;
    }
}
