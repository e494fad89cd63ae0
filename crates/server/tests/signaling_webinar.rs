//! A session's live over real WebSockets (`/s/{slug}/ws`), on every database: roles refused
//! per action, the live's transitions, a moderator's reload, the audience count, and what
//! attendees receive (with real media from a webrtc-rs publisher).

mod signaling_common;

use std::sync::atomic::Ordering;
use std::time::Duration;

use amphi_proto::{Audience, ErrorCode, LiveState, ParticipantId, Role, ServerMessage, Stage};
use amphi_store::testing::test_backends;
use amphi_store::{NewSession, Session, SessionStatus, SessionUpdate, StaffRole};
use serde_json::{Value, json};
use signaling_common::*;

/// A test server (room `team`, owned by `owner@example.org`) with a session `launch` held in
/// it, published, with a moderator `mod@example.org` ("Olivia") and a speaker
/// `spk@example.org` ("Sam").
struct Live {
    h: Harness,
    session: Session,
    moderator: amphi_store::User,
    speaker: amphi_store::User,
}

async fn live_on(backend: amphi_store::Backend) -> Live {
    let h = start_with(Setup {
        backend,
        ..Setup::default()
    })
    .await;
    let moderator = h.user("mod@example.org", "Olivia").await;
    let speaker = h.user("spk@example.org", "Sam").await;
    let session =
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
        .expect("create session");
    h.db.set_staff(&session.id, "mod@example.org", StaffRole::Moderator)
        .await
        .expect("moderator");
    h.db.set_staff(&session.id, "spk@example.org", StaffRole::Speaker)
        .await
        .expect("speaker");
    h.db.update_session(
        &session.id,
        SessionUpdate {
            title: session.title.clone(),
            description: String::new(),
            room_id: session.room_id.clone(),
            starts_at: session.starts_at,
            ends_at: session.ends_at,
            time_zone: session.time_zone.clone(),
            status: SessionStatus::Published,
        },
    )
    .await
    .expect("publish");
    Live {
        h,
        session,
        moderator,
        speaker,
    }
}

/// What a session's `welcome` says.
#[derive(Debug)]
struct SessionWelcome {
    id: ParticipantId,
    role: Role,
    live: LiveState,
    stage: Stage,
    audience: Option<Audience>,
    participants: Vec<ParticipantId>,
    publications: usize,
}

fn session_welcome(m: ServerMessage) -> SessionWelcome {
    match m {
        ServerMessage::Welcome {
            participant_id,
            role,
            room,
            participants,
            publications,
            live,
            stage,
            audience,
            ..
        } => {
            assert_eq!(room.slug, "launch");
            assert_eq!(room.name, "Product launch");
            SessionWelcome {
                id: participant_id,
                role,
                live: live.expect("a session's welcome has the live").state,
                stage: stage.expect("a session's welcome has the stage"),
                audience,
                participants: participants.into_iter().map(|p| p.id).collect(),
                publications: publications.len(),
            }
        }
        other => panic!("expected welcome, got {other:?}"),
    }
}

impl Live {
    /// A socket to the session, signed in as `user` (or not).
    async fn connect(&self, user: Option<&amphi_store::User>) -> Client {
        let mut request = tungstenite::client::IntoClientRequest::into_client_request(format!(
            "{}/s/launch/ws",
            self.h.base
        ))
        .expect("request");
        if let Some(user) = user {
            let set_cookie = amphi_server::auth::login::create_login(
                &self.h.state,
                &user.id,
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
            request
                .headers_mut()
                .insert("cookie", cookie.parse().expect("header"));
        }
        let (ws, _) = tokio_tungstenite::connect_async(request)
            .await
            .expect("upgrade");
        Client { ws }
    }

    async fn join(&self, user: Option<&amphi_store::User>, name: &str) -> (Client, SessionWelcome) {
        let mut c = self.connect(user).await;
        c.send(json!({"type": "join", "version": 1, "name": name}))
            .await;
        let w = session_welcome(c.recv().await);
        (c, w)
    }

    async fn live_state(&self) -> amphi_store::LiveState {
        self.h
            .db
            .session_by_id(&self.session.id)
            .await
            .expect("read")
            .expect("exists")
            .live_state
    }
}

async fn expect_live(c: &mut Client, state: LiveState, by: Option<&str>) {
    let m = c
        .recv_until("live_updated", |m| {
            matches!(m, ServerMessage::LiveUpdated { .. })
        })
        .await;
    let ServerMessage::LiveUpdated { live } = m else {
        unreachable!()
    };
    assert_eq!(live.state, state, "{live:?}");
    assert_eq!(live.by.as_deref(), by);
}

/// The next `audience` message equal to `want` (earlier counts may come first).
async fn expect_audience(c: &mut Client, want: Audience) {
    c.recv_until(
        "audience",
        |m| matches!(m, ServerMessage::Audience { audience } if *audience == want),
    )
    .await;
}

async fn expect_stage(c: &mut Client, pred: impl Fn(&Stage) -> bool) -> Stage {
    let m = c
        .recv_until(
            "stage_updated",
            |m| matches!(m, ServerMessage::StageUpdated { stage } if pred(stage)),
        )
        .await;
    let ServerMessage::StageUpdated { stage } = m else {
        unreachable!()
    };
    stage
}

/// A `ping` answered with `pong`, and no `error` before it (events may come first).
async fn pong(c: &mut Client) {
    c.send(json!({"type": "ping"})).await;
    let m = c
        .recv_until("pong", |m| {
            matches!(m, ServerMessage::Pong | ServerMessage::Error { .. })
        })
        .await;
    assert_eq!(m, ServerMessage::Pong);
}

fn member_ids(stage: &Stage) -> Vec<ParticipantId> {
    stage
        .members
        .iter()
        .map(|m| m.participant_id.clone())
        .collect()
}

#[tokio::test]
async fn an_unknown_or_draft_session_is_not_found() {
    let l = live_on(amphi_store::Backend::Sqlite).await;
    let status = |r: Result<_, tungstenite::Error>| match r {
        Err(tungstenite::Error::Http(response)) => response.status().as_u16(),
        Err(e) => panic!("{e}"),
        Ok(_) => 101,
    };
    let nope = tokio_tungstenite::connect_async(format!("{}/s/nope/ws", l.h.base)).await;
    assert_eq!(status(nope), 404);
    let draft =
        l.h.db
            .create_session(NewSession {
                slug: "draft".into(),
                room_id: l.h.room.id.clone(),
                title: "Draft".into(),
                description: String::new(),
                starts_at: 1,
                ends_at: 2,
                time_zone: "UTC".into(),
                status: SessionStatus::Draft,
                created_by: l.h.owner.id.clone(),
            })
            .await
            .expect("draft");
    let anonymous = tokio_tungstenite::connect_async(format!("{}/s/draft/ws", l.h.base)).await;
    assert_eq!(status(anonymous), 404, "a draft is not viewable by anyone");
    // A room's slug is not a session's (and `launch` is no room).
    let room = tokio_tungstenite::connect_async(format!("{}/s/team/ws", l.h.base)).await;
    assert_eq!(status(room), 404);
    let session_as_room =
        tokio_tungstenite::connect_async(format!("{}/r/launch/ws", l.h.base)).await;
    assert_eq!(status(session_as_room), 404);
    let _ = draft;
}

#[tokio::test]
async fn roles_are_refused_per_action_and_the_live_goes_not_started_live_ended() {
    for backend in test_backends() {
        let l = live_on(backend).await;
        let (mut olivia, wo) = l.join(Some(&l.moderator), "Olivia").await;
        assert_eq!(wo.role, Role::Moderator);
        assert_eq!(wo.live, LiveState::NotStarted);
        assert!(wo.audience.is_some(), "moderators see the audience");
        let (mut sam, ws) = l.join(Some(&l.speaker), "Sam").await;
        assert_eq!(ws.role, Role::Speaker);
        assert_eq!(ws.audience, None, "speakers do not");
        assert_eq!(ws.participants, vec![wo.id.clone()], "staff see each other");
        let (mut ann, wa) = l.join(None, "Ann").await;
        assert_eq!(wa.role, Role::Attendee);
        assert!(wa.participants.is_empty(), "attendees see nobody");
        // The room owner is a moderator of the session's live.
        let (mut owner, wown) = l.join(Some(&l.h.owner.clone()), "Owen").await;
        assert_eq!(wown.role, Role::Moderator);
        assert!(
            !wown.participants.contains(&wa.id),
            "attendees are in nobody's list"
        );

        // A speaker may not start, stop, or arrange the stage.
        for (kind, fields) in [
            ("start_live", json!({})),
            ("stop_live", json!({})),
            (
                "set_stage",
                json!({"stage": {"layout": "grid", "members": [], "content": null}}),
            ),
        ] {
            sam.send_type(kind, fields).await;
            sam.expect_refused(ErrorCode::Forbidden, kind).await;
        }
        // An attendee may not either, nor chat, raise a hand or publish.
        for (kind, fields) in [
            ("start_live", json!({})),
            (
                "set_stage",
                json!({"stage": {"layout": "grid", "members": [], "content": null}}),
            ),
            ("chat_send", json!({"text": "hello"})),
            ("raise_hand", json!({"raised": true})),
            ("content_control", json!({"action": "page", "page": 2})),
            ("publish_offer", json!({"sdp": "v=0\r\n", "tracks": []})),
        ] {
            ann.send_type(kind, fields).await;
            ann.expect_refused(ErrorCode::Forbidden, kind).await;
        }
        assert_eq!(l.live_state().await, amphi_store::LiveState::NotStarted);

        // Stop before start; start; start again (nothing); stop; start after the end.
        olivia.send_type("stop_live", json!({})).await;
        olivia
            .expect_refused(ErrorCode::LiveNotStarted, "stop_live")
            .await;
        olivia.send_type("start_live", json!({})).await;
        for c in [&mut olivia, &mut sam, &mut ann, &mut owner] {
            expect_live(c, LiveState::Live, Some("Olivia")).await;
        }
        assert_eq!(l.live_state().await, amphi_store::LiveState::Live);
        owner.send_type("start_live", json!({})).await;
        pong(&mut owner).await;
        olivia.send_type("stop_live", json!({})).await;
        for c in [&mut olivia, &mut sam, &mut ann, &mut owner] {
            expect_live(c, LiveState::Ended, Some("Olivia")).await;
        }
        assert_eq!(l.live_state().await, amphi_store::LiveState::Ended);
        olivia.send_type("start_live", json!({})).await;
        olivia
            .expect_refused(ErrorCode::LiveEnded, "start_live")
            .await;
        assert_eq!(l.live_state().await, amphi_store::LiveState::Ended);
        // The attendee heard nothing of the refusals.
        ann.expect_nothing(Duration::from_millis(300)).await;
    }
}

#[tokio::test]
async fn the_back_office_starts_and_stops_through_rooms_and_everyone_follows() {
    for backend in test_backends() {
        let l = live_on(backend).await;
        let (mut olivia, _) = l.join(Some(&l.moderator), "Olivia").await;
        let (mut ann, _) = l.join(None, "Ann").await;
        let rooms = l.h.state.rooms.clone();
        let t = rooms
            .start_live(&l.session, Some("Admin".into()))
            .await
            .expect("store");
        assert!(
            matches!(t, amphi_store::LiveTransition::Changed(_)),
            "{t:?}"
        );
        expect_live(&mut olivia, LiveState::Live, Some("Admin")).await;
        expect_live(&mut ann, LiveState::Live, Some("Admin")).await;
        let again = rooms.start_live(&l.session, None).await.expect("store");
        assert_eq!(again, amphi_store::LiveTransition::AlreadyLive);
        rooms
            .stop_live(&l.session, Some("Admin".into()))
            .await
            .expect("store");
        expect_live(&mut ann, LiveState::Ended, Some("Admin")).await;
        let snapshot = rooms.session_snapshot("launch").await.expect("running");
        assert_eq!((snapshot.connected, snapshot.attendees), (1, 1));
        // Deleting the session ends it for everyone.
        l.h.db.delete_session(&l.session.id).await.expect("delete");
        rooms.session_deleted("launch").await;
        for c in [&mut olivia, &mut ann] {
            let (before, close) = c.expect_close().await;
            assert!(
                before.iter().any(|m| matches!(
                    m,
                    ServerMessage::MeetingEnded {
                        reason: amphi_proto::MeetingEndReason::SessionDeleted,
                        ..
                    }
                )),
                "{before:?}"
            );
            assert_eq!(close.map(|c| c.0), Some(1000));
        }
    }
}

#[tokio::test]
async fn a_moderator_reload_keeps_the_live_and_the_stage() {
    for backend in test_backends() {
        let l = live_on(backend).await;
        let (mut olivia, wo) = l.join(Some(&l.moderator), "Olivia").await;
        let (mut sam, wsam) = l.join(Some(&l.speaker), "Sam").await;
        let (mut ann, _) = l.join(None, "Ann").await;
        olivia
            .send(json!({"type": "set_stage", "stage": {"layout": "speaker",
                "members": [wo.id, wsam.id], "content": null}}))
            .await;
        let both = vec![wo.id.clone(), wsam.id.clone()];
        expect_stage(&mut ann, |s| member_ids(s) == both).await;
        olivia.send_type("start_live", json!({})).await;
        expect_live(&mut ann, LiveState::Live, Some("Olivia")).await;

        // Olivia reloads: her socket drops, a new one joins without a token.
        drop(olivia);
        expect_stage(&mut ann, |s| member_ids(s) == vec![wsam.id.clone()]).await;
        let (mut olivia, again) = l.join(Some(&l.moderator), "Olivia").await;
        assert_ne!(again.id, wo.id, "a reload is a new participant");
        assert_eq!(again.live, LiveState::Live, "the live goes on");
        assert_eq!(
            member_ids(&again.stage),
            vec![again.id.clone(), wsam.id.clone()],
            "back on the stage at once, by person"
        );
        expect_stage(&mut ann, |s| {
            member_ids(s) == vec![again.id.clone(), wsam.id.clone()]
        })
        .await;
        // Nothing ended the live meanwhile.
        assert_eq!(l.live_state().await, amphi_store::LiveState::Live);
        pong(&mut olivia).await;
        pong(&mut sam).await;
        // The reloaded moderator still runs it.
        olivia.send_type("stop_live", json!({})).await;
        expect_live(&mut sam, LiveState::Ended, Some("Olivia")).await;
        expect_live(&mut ann, LiveState::Ended, Some("Olivia")).await;
    }
}

#[tokio::test]
async fn the_audience_count_is_exact_as_people_come_and_go() {
    for backend in test_backends() {
        let l = live_on(backend).await;
        let (mut olivia, wo) = l.join(Some(&l.moderator), "Olivia").await;
        assert_eq!(
            wo.audience,
            Some(Audience {
                attendees: 0,
                speakers: 0,
                moderators: 1
            })
        );
        let mut attendees = Vec::new();
        for i in 0..3 {
            attendees.push(l.join(None, &format!("A{i}")).await.0);
        }
        let count = |attendees, speakers| Audience {
            attendees,
            speakers,
            moderators: 1,
        };
        expect_audience(&mut olivia, count(3, 0)).await;
        let (mut sam, _) = l.join(Some(&l.speaker), "Sam").await;
        expect_audience(&mut olivia, count(3, 1)).await;
        let mut gone = attendees.pop().expect("three");
        gone.send(json!({"type": "leave"})).await;
        expect_audience(&mut olivia, count(2, 1)).await;
        drop(attendees.pop()); // a drop counts down too
        expect_audience(&mut olivia, count(1, 1)).await;
        sam.send(json!({"type": "leave"})).await;
        expect_audience(&mut olivia, count(1, 0)).await;
        let snapshot =
            l.h.state
                .rooms
                .session_snapshot("launch")
                .await
                .expect("running");
        assert_eq!(snapshot.attendees, 1);
        assert_eq!(snapshot.connected, 1);
        // The speaker never got a count; the attendee neither.
        let mut last = attendees.pop().expect("one left");
        pong(&mut last).await;
    }
}

/// Publishes an Opus microphone from `client` through a webrtc-rs peer; returns the peer and
/// its sending task, once the server announced the publication.
async fn publish_microphone(
    client: &mut Client,
    me: &ParticipantId,
) -> (
    peer::Peer,
    tokio::task::JoinHandle<()>,
    amphi_proto::PublicationId,
) {
    let mut pc = peer::Peer::new().await.expect("peer");
    let sending = peer::send_opus(&pc).await.expect("track");
    let offer = pc.offer().await.expect("offer");
    let mid = peer::first_mid(&offer);
    client
        .send(json!({"type": "publish_offer", "sdp": offer, "tracks": [{"mid": mid, "source": "microphone"}]}))
        .await;
    let answer = client
        .recv_until("publish_answer", |m| {
            matches!(m, ServerMessage::PublishAnswer { .. })
        })
        .await;
    let ServerMessage::PublishAnswer { sdp } = answer else {
        unreachable!()
    };
    pc.accept_answer(&sdp).await.expect("answer applies");
    let added = client
        .recv_until("own publication_added", |m| {
            matches!(m, ServerMessage::PublicationAdded { publication } if publication.participant_id == *me)
        })
        .await;
    let ServerMessage::PublicationAdded { publication } = added else {
        unreachable!()
    };
    (pc, sending, publication.id)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn attendees_receive_nothing_before_the_live_then_only_the_stage() {
    for backend in test_backends() {
        let l = live_on(backend).await;
        let (mut olivia, wo) = l.join(Some(&l.moderator), "Olivia").await;
        let (mut sam, wsam) = l.join(Some(&l.speaker), "Sam").await;
        // Two people publish a microphone: Sam (on the stage) and Olivia (off it).
        let (sam_pc, sam_sending, sam_mic) = publish_microphone(&mut sam, &wsam.id).await;
        let (olivia_pc, olivia_sending, olivia_mic) = publish_microphone(&mut olivia, &wo.id).await;
        olivia
            .send(json!({"type": "set_stage", "stage": {"layout": "grid",
                "members": [wsam.id], "content": null}}))
            .await;
        expect_stage(&mut olivia, |s| s.members.len() == 1).await;

        // Before the live: an attendee gets its welcome with the stage and no publications,
        // then nothing at all.
        let (mut ann, wa) = l.join(None, "Ann").await;
        assert_eq!(wa.publications, 0);
        assert_eq!(member_ids(&wa.stage), vec![wsam.id.clone()]);
        ann.expect_nothing(Duration::from_millis(1500)).await;

        // The live starts: Sam's microphone only.
        olivia.send_type("start_live", json!({})).await;
        expect_live(&mut ann, LiveState::Live, Some("Olivia")).await;
        expect_live(&mut sam, LiveState::Live, Some("Olivia")).await;
        let m = ann
            .recv_until("publication_added", |m| {
                matches!(m, ServerMessage::PublicationAdded { .. })
            })
            .await;
        assert!(
            matches!(&m, ServerMessage::PublicationAdded { publication } if publication.id == sam_mic),
            "{m:?}"
        );
        let offer = ann
            .recv_until("subscribe_offer", |m| {
                matches!(m, ServerMessage::SubscribeOffer { .. })
            })
            .await;
        let ServerMessage::SubscribeOffer { sdp, tracks } = offer else {
            unreachable!()
        };
        let ids: Vec<_> = tracks.iter().map(|t| t.publication_id.clone()).collect();
        assert_eq!(
            ids,
            vec![sam_mic.clone()],
            "only the stage: not {olivia_mic}"
        );
        let mut ann_pc = peer::Peer::new().await.expect("peer");
        let answer = ann_pc.answer(&sdp).await.expect("answer");
        ann.send(json!({"type": "subscribe_answer", "sdp": answer}))
            .await;
        let received = ann_pc.count_first_track().await;
        let mut got = 0;
        for _ in 0..100 {
            got = received.load(Ordering::Relaxed);
            if got >= 25 {
                break;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        assert!(got >= 25, "the attendee received only {got} packets");

        // Stop: everyone hears it; the attendee's subscription ends.
        olivia.send_type("stop_live", json!({})).await;
        expect_live(&mut ann, LiveState::Ended, Some("Olivia")).await;
        ann.recv_until("publication_removed", |m| {
            matches!(m, ServerMessage::PublicationRemoved { publication_id } if *publication_id == sam_mic)
        })
        .await;
        let snapshot =
            l.h.state
                .rooms
                .session_snapshot("launch")
                .await
                .expect("running");
        assert_eq!(snapshot.attendees, 1, "attendees stay after the end");
        expect_live(&mut sam, LiveState::Ended, Some("Olivia")).await;
        sam_sending.abort();
        olivia_sending.abort();
        for pc in [sam_pc, olivia_pc, ann_pc] {
            let _ = pc.pc.close().await;
        }
        let _: Value = json!(null);
    }
}
