//! Who gets in (issue 4, R2 and R4): closed rooms, opening and closing from the room, the back
//! office and the store (the CLI's path), the waiting room with its knocks (admit, deny,
//! expiry, leaving), and deleting a room under a live meeting.

mod signaling_common;

use std::time::Duration;

use amphi_proto::{ErrorCode, KnockOutcome, MeetingEndReason, ServerMessage, WaitingReason};
use amphi_store::ShareRole;
use amphi_store::testing::test_backends;
use serde_json::json;
use signaling_common::*;

/// A registry whose re-read of the store is slow: what happens within a second comes from a
/// command, not from the re-read.
fn slow_reread() -> Limits {
    Limits {
        store_reread: Duration::from_secs(60),
        ..short_limits()
    }
}

fn closed(backend: amphi_store::Backend, limits: Limits) -> Setup<'static> {
    Setup {
        open: false,
        limits: Some(limits),
        backend,
        ..Setup::default()
    }
}

fn is_knock_added(m: &ServerMessage) -> bool {
    matches!(m, ServerMessage::KnockAdded { .. })
}

/// The next `knock_added`, its knock.
async fn knock_added(c: &mut Client) -> amphi_proto::Knock {
    match c.recv_until("knock_added", is_knock_added).await {
        ServerMessage::KnockAdded { knock } => knock,
        _ => unreachable!(),
    }
}

/// The next `knock_removed`: (id, outcome, by).
async fn knock_removed(c: &mut Client) -> (amphi_proto::KnockId, KnockOutcome, Option<String>) {
    match c
        .recv_until("knock_removed", |m| {
            matches!(m, ServerMessage::KnockRemoved { .. })
        })
        .await
    {
        ServerMessage::KnockRemoved {
            knock_id,
            outcome,
            by,
        } => (knock_id, outcome, by),
        _ => unreachable!(),
    }
}

#[tokio::test]
async fn at_a_closed_room_a_guest_waits_and_gets_in_when_the_owner_opens_it_over_the_socket() {
    for backend in test_backends() {
        let h = start_with(closed(backend, slow_reread())).await;
        let mut guest = h.connect().await;
        let can_open = guest
            .join_waiting("Guest", None, WaitingReason::RoomClosed)
            .await;
        assert!(!can_open, "a participant may not open the room");
        // A waiting participant may not open it either, and may not do anything else.
        guest
            .send(json!({"type": "set_room_open", "open": true}))
            .await;
        guest
            .expect_error(ErrorCode::Forbidden, Some("set_room_open"))
            .await;
        guest
            .send(json!({"type": "chat_send", "text": "hello?"}))
            .await;
        guest
            .expect_error(ErrorCode::NotJoined, Some("chat_send"))
            .await;
        guest.ping_pong().await;
        assert!(!h.room_now().await.is_open);

        let mut owner = h.connect_as(&h.owner).await;
        let can_open = owner
            .join_waiting("Owner", None, WaitingReason::RoomClosed)
            .await;
        assert!(can_open, "the owner may open the room");
        owner
            .send(json!({"type": "set_room_open", "open": true}))
            .await;
        let w = owner.expect_welcome().await;
        assert_eq!(w.role, amphi_proto::Role::Owner);
        // The guest gets in on the same socket, without joining again.
        let w = guest.expect_welcome().await;
        assert!(!w.resumed);
        assert!(h.room_now().await.is_open, "the store was written");
    }
}

#[tokio::test]
async fn a_moderator_waiting_at_a_closed_room_may_open_it() {
    let h = start_with(closed(amphi_store::Backend::Sqlite, slow_reread())).await;
    let moderator = h
        .shared_user("mod@example.org", "Mo", ShareRole::Moderator)
        .await;
    let mut m = h.connect_as(&moderator).await;
    assert!(
        m.join_waiting("Mo", None, WaitingReason::RoomClosed).await,
        "a moderator may open the room"
    );
    m.send(json!({"type": "set_room_open", "open": true})).await;
    let w = m.expect_welcome().await;
    assert_eq!(w.role, amphi_proto::Role::Moderator);
}

#[tokio::test]
async fn the_back_office_opening_the_room_lets_waiting_people_in_at_once() {
    let h = start_with(closed(amphi_store::Backend::Sqlite, slow_reread())).await;
    let mut guest = h.connect().await;
    guest
        .join_waiting("Guest", None, WaitingReason::RoomClosed)
        .await;
    // What the back office does: the store first, then the live room.
    h.db.set_room_open(&h.room.id, true).await.expect("open");
    h.state
        .rooms
        .set_open("team", true, Some("Admin".into()))
        .await;
    let started = std::time::Instant::now();
    guest.expect_welcome().await;
    assert!(
        started.elapsed() < Duration::from_secs(2),
        "in at once, not at a re-read"
    );
}

#[tokio::test]
async fn a_store_write_alone_is_caught_by_the_periodic_re_read() {
    for backend in test_backends() {
        let limits = Limits {
            store_reread: Duration::from_millis(200),
            ..short_limits()
        };
        let h = start_with(closed(backend, limits)).await;
        let mut guest = h.connect().await;
        guest
            .join_waiting("Guest", None, WaitingReason::RoomClosed)
            .await;
        // `amphi room open team` writes the store only.
        h.db.set_room_open(&h.room.id, true).await.expect("open");
        guest.expect_welcome().await;
        // And `amphi room close team` ends the meeting the same way.
        h.db.set_room_open(&h.room.id, false).await.expect("close");
        let (before, close) = guest.expect_close().await;
        assert!(
            before.contains(&ServerMessage::MeetingEnded {
                reason: MeetingEndReason::RoomClosed,
                by: None
            }),
            "{before:?}"
        );
        assert_eq!(close.map(|c| c.0), Some(1000));
    }
}

#[tokio::test]
async fn closing_ends_the_meeting_for_everyone_and_later_arrivals_wait_again() {
    for backend in test_backends() {
        let h = start_with(Setup {
            limits: Some(slow_reread()),
            backend,
            ..Setup::default()
        })
        .await;
        let (mut owner, _) = h.join_as(&h.owner, "Olivia").await;
        let (mut guest, _) = h.join("Guest").await;
        owner
            .send(json!({"type": "set_room_open", "open": false}))
            .await;
        let ended = ServerMessage::MeetingEnded {
            reason: MeetingEndReason::RoomClosed,
            by: Some("Olivia".into()),
        };
        for c in [&mut owner, &mut guest] {
            let (before, close) = c.expect_close().await;
            assert!(before.contains(&ended), "{before:?}");
            assert_eq!(close.map(|c| c.0), Some(1000));
        }
        assert!(!h.room_now().await.is_open, "the store was written");
        let mut late = h.connect().await;
        late.join_waiting("Late", None, WaitingReason::RoomClosed)
            .await;
        // The back office closing a room (already closed here) changes nothing for waiters.
        h.state.rooms.set_open("team", false, None).await;
        late.ping_pong().await;
    }
}

#[tokio::test]
async fn the_back_office_closing_the_room_ends_the_meeting_with_its_name() {
    let h = start_with(Setup {
        limits: Some(slow_reread()),
        ..Setup::default()
    })
    .await;
    let (mut guest, _) = h.join("Guest").await;
    h.db.set_room_open(&h.room.id, false).await.expect("close");
    h.state
        .rooms
        .set_open("team", false, Some("Admin".into()))
        .await;
    let (before, close) = guest.expect_close().await;
    assert!(
        before.contains(&ServerMessage::MeetingEnded {
            reason: MeetingEndReason::RoomClosed,
            by: Some("Admin".into())
        }),
        "{before:?}"
    );
    assert_eq!(close.map(|c| c.0), Some(1000));
}

/// The back office announces its change before writing the store (`expect_room_change`), so
/// re-reads running every 5 ms, one of them surely between the write and the command, do not
/// end the meeting without the closer's name.
#[tokio::test]
async fn re_reads_wait_for_an_announced_change_and_its_name() {
    let h = start_with(Setup {
        limits: Some(Limits {
            store_reread: Duration::from_millis(5),
            ..short_limits()
        }),
        ..Setup::default()
    })
    .await;
    let (mut guest, _) = h.join("Guest").await;
    h.state.rooms.expect_room_change("team").await;
    h.db.set_room_open(&h.room.id, false).await.expect("close");
    // Many re-reads see the room closed before the command comes.
    tokio::time::sleep(Duration::from_millis(100)).await;
    h.state
        .rooms
        .set_open("team", false, Some("Admin".into()))
        .await;
    let (before, close) = guest.expect_close().await;
    assert!(
        before.contains(&ServerMessage::MeetingEnded {
            reason: MeetingEndReason::RoomClosed,
            by: Some("Admin".into())
        }),
        "{before:?}"
    );
    assert_eq!(close.map(|c| c.0), Some(1000));
}

/// A room with the waiting room on, and its moderator in it.
async fn waiting_room(backend: amphi_store::Backend, limits: Limits) -> (Harness, Client) {
    let h = start_with(Setup {
        waiting_room: true,
        limits: Some(limits),
        backend,
        ..Setup::default()
    })
    .await;
    let moderator = h
        .shared_user("mod@example.org", "Mo", ShareRole::Moderator)
        .await;
    let (m, w) = h.join_as(&moderator, "Mo").await;
    assert!(w.waiting_room);
    assert!(w.knocks.is_empty());
    (h, m)
}

#[tokio::test]
async fn a_knock_admitted_by_a_moderator_gets_in() {
    for backend in test_backends() {
        let (h, mut m) = waiting_room(backend, slow_reread()).await;
        let mut guest = h.connect().await;
        assert!(
            !guest
                .join_waiting("Guest", None, WaitingReason::Knocking)
                .await
        );
        let knock = knock_added(&mut m).await;
        assert_eq!(knock.name, "Guest");
        assert!(!knock.removed_before);
        // A participant already in sees no knocks; a moderator arriving sees them in welcome.
        let (mut p, wp) = h.join_as(&h.owner, "Olivia").await;
        assert_eq!(wp.knocks.len(), 1, "the owner may admit: {wp:?}");
        m.recv_until("participant_joined", |m| {
            matches!(m, ServerMessage::ParticipantJoined { .. })
        })
        .await;

        m.send(json!({"type": "admit", "knock_ids": [knock.id]}))
            .await;
        let w = guest.expect_welcome().await;
        assert_eq!(w.role, amphi_proto::Role::Participant);
        assert!(w.knocks.is_empty(), "a participant sees no knocks");
        let (id, outcome, by) = knock_removed(&mut m).await;
        assert_eq!(
            (id, outcome, by.as_deref()),
            (knock.id.clone(), KnockOutcome::Admitted, Some("Mo"))
        );
        let (_, outcome, _) = knock_removed(&mut p).await;
        assert_eq!(outcome, KnockOutcome::Admitted);
        // Admitting again (already gone) is ignored silently: no error before the pong.
        m.send(json!({"type": "admit", "knock_ids": [knock.id]}))
            .await;
        m.send(json!({"type": "ping"})).await;
        m.recv_until("pong", |m| {
            assert!(!matches!(m, ServerMessage::Error { .. }), "{m:?}");
            *m == ServerMessage::Pong
        })
        .await;
    }
}

#[tokio::test]
async fn a_denied_knock_is_told_so_and_closed() {
    let (h, mut m) = waiting_room(amphi_store::Backend::Sqlite, slow_reread()).await;
    let mut guest = h.connect().await;
    guest
        .join_waiting("Guest", None, WaitingReason::Knocking)
        .await;
    let knock = knock_added(&mut m).await;
    m.send(json!({"type": "deny", "knock_ids": [knock.id, "no-such-knock"]}))
        .await;
    guest.expect_fatal(ErrorCode::Denied).await;
    let (id, outcome, by) = knock_removed(&mut m).await;
    assert_eq!(
        (id, outcome, by.as_deref()),
        (knock.id, KnockOutcome::Denied, Some("Mo"))
    );
}

#[tokio::test]
async fn a_knock_expires_after_the_configured_time() {
    let limits = Limits {
        knock_timeout: Duration::from_millis(400),
        ..slow_reread()
    };
    let (h, mut m) = waiting_room(amphi_store::Backend::Sqlite, limits).await;
    let mut guest = h.connect().await;
    guest
        .join_waiting("Guest", None, WaitingReason::Knocking)
        .await;
    let knock = knock_added(&mut m).await;
    guest.expect_fatal(ErrorCode::KnockExpired).await;
    let (id, outcome, by) = knock_removed(&mut m).await;
    assert_eq!((id, outcome, by), (knock.id, KnockOutcome::Expired, None));
}

#[tokio::test]
async fn a_knocker_who_leaves_or_drops_is_gone_from_the_list() {
    let (h, mut m) = waiting_room(amphi_store::Backend::Sqlite, slow_reread()).await;
    let mut first = h.connect().await;
    first
        .join_waiting("First", None, WaitingReason::Knocking)
        .await;
    let k1 = knock_added(&mut m).await;
    first.send(json!({"type": "leave"})).await;
    let (_, close) = first.expect_close().await;
    assert_eq!(close.map(|c| c.0), Some(1000));
    assert_eq!(
        knock_removed(&mut m).await,
        (k1.id, KnockOutcome::Left, None)
    );

    let mut second = h.connect().await;
    second
        .join_waiting("Second", None, WaitingReason::Knocking)
        .await;
    let k2 = knock_added(&mut m).await;
    drop(second); // the page closed
    assert_eq!(
        knock_removed(&mut m).await,
        (k2.id, KnockOutcome::Left, None)
    );
}

#[tokio::test]
async fn turning_the_waiting_room_off_admits_everyone_knocking() {
    for backend in test_backends() {
        let (h, mut m) = waiting_room(backend, slow_reread()).await;
        let (mut p, _) = h.join_as(&h.owner, "Olivia").await;
        let mut knockers = Vec::new();
        for name in ["K1", "K2"] {
            let mut k = h.connect().await;
            k.join_waiting(name, None, WaitingReason::Knocking).await;
            knock_added(&mut m).await;
            knockers.push(k);
        }
        m.send(json!({"type": "set_waiting_room", "enabled": false}))
            .await;
        for k in &mut knockers {
            k.expect_welcome().await;
        }
        for c in [&mut m, &mut p] {
            c.recv_until("room_updated", |m| {
                *m == ServerMessage::RoomUpdated {
                    waiting_room: false,
                }
            })
            .await;
        }
        assert!(!h.room_now().await.waiting_room, "the store was written");
        // Arrivals now come straight in.
        let (_g, w) = h.join("Guest").await;
        assert!(!w.waiting_room);
        // On again, from the back office: arrivals knock.
        h.db.set_room_waiting_room(&h.room.id, true)
            .await
            .expect("write");
        h.state.rooms.set_waiting_room("team", true).await;
        m.recv_until("room_updated", |m| {
            *m == ServerMessage::RoomUpdated { waiting_room: true }
        })
        .await;
        let mut k = h.connect().await;
        k.join_waiting("K3", None, WaitingReason::Knocking).await;
    }
}

#[tokio::test]
async fn closing_the_room_sends_knockers_back_to_the_closed_room_and_opening_brings_them_back() {
    let (h, mut m) = waiting_room(amphi_store::Backend::Sqlite, slow_reread()).await;
    let mut k = h.connect().await;
    k.join_waiting("K", None, WaitingReason::Knocking).await;
    knock_added(&mut m).await;
    m.send(json!({"type": "set_room_open", "open": false}))
        .await;
    let (before, _) = m.expect_close().await;
    assert!(
        before
            .iter()
            .any(|m| matches!(m, ServerMessage::MeetingEnded { .. })),
        "{before:?}"
    );
    assert_eq!(
        k.recv().await,
        ServerMessage::Waiting {
            reason: WaitingReason::RoomClosed,
            can_open: false
        }
    );
    // Opened again (waiting room still on): the person knocks again, by itself.
    h.db.set_room_open(&h.room.id, true).await.expect("open");
    h.state.rooms.set_open("team", true, None).await;
    assert_eq!(
        k.recv().await,
        ServerMessage::Waiting {
            reason: WaitingReason::Knocking,
            can_open: false
        }
    );
}

#[tokio::test]
async fn deleting_the_room_ends_the_meeting_and_sends_waiting_people_away() {
    let h = start_with(Setup {
        waiting_room: true,
        limits: Some(slow_reread()),
        ..Setup::default()
    })
    .await;
    let (mut owner, _) = h.join_as(&h.owner, "Olivia").await;
    let mut k = h.connect().await;
    k.join_waiting("K", None, WaitingReason::Knocking).await;
    h.db.delete_room(&h.room.id).await.expect("delete");
    h.state.rooms.room_deleted("team").await;
    let deleted = ServerMessage::MeetingEnded {
        reason: MeetingEndReason::RoomDeleted,
        by: None,
    };
    for c in [&mut owner, &mut k] {
        let (before, close) = c.expect_close().await;
        assert!(before.contains(&deleted), "{before:?}");
        assert_eq!(close.map(|c| c.0), Some(1000));
    }
}

#[tokio::test]
async fn a_deletion_seen_only_by_the_re_read_also_ends_the_meeting() {
    let limits = Limits {
        store_reread: Duration::from_millis(200),
        ..short_limits()
    };
    let h = start_with(Setup {
        limits: Some(limits),
        ..Setup::default()
    })
    .await;
    let (mut guest, _) = h.join("Guest").await;
    h.db.delete_room(&h.room.id).await.expect("delete");
    let (before, close) = guest.expect_close().await;
    assert!(
        before.contains(&ServerMessage::MeetingEnded {
            reason: MeetingEndReason::RoomDeleted,
            by: None
        }),
        "{before:?}"
    );
    assert_eq!(close.map(|c| c.0), Some(1000));
}

#[tokio::test]
async fn a_failed_store_write_changes_nothing() {
    let h = start_with(Setup {
        limits: Some(slow_reread()),
        ..Setup::default()
    })
    .await;
    let (mut owner, _) = h.join_as(&h.owner, "Olivia").await;
    let (mut guest, _) = h.join("Guest").await;
    owner
        .recv_until("participant_joined", |m| {
            matches!(m, ServerMessage::ParticipantJoined { .. })
        })
        .await;
    // The database goes away: the settings cannot be saved.
    h.db.store.close().await;
    owner
        .send(json!({"type": "set_room_open", "open": false}))
        .await;
    owner
        .expect_error(ErrorCode::InternalError, Some("set_room_open"))
        .await;
    owner
        .send(json!({"type": "set_waiting_room", "enabled": true}))
        .await;
    owner
        .expect_error(ErrorCode::InternalError, Some("set_waiting_room"))
        .await;
    guest.expect_nothing(Duration::from_millis(300)).await;
    // The meeting goes on: the chat still reaches the guest.
    owner
        .send(json!({"type": "chat_send", "text": "still here"}))
        .await;
    guest
        .recv_until(
            "chat_message",
            |m| matches!(m, ServerMessage::ChatMessage { message } if message.text == "still here"),
        )
        .await;
}

#[tokio::test]
async fn knocks_chat_and_moderation_are_counted_in_metrics() {
    let h = start_with(Setup {
        waiting_room: true,
        ..Setup::default()
    })
    .await;
    let http = h.base.replace("ws://", "http://");
    let (mut owner, _) = h.join_as(&h.owner, "Olivia").await;
    let mut k = h.connect().await;
    k.join_waiting("K", None, WaitingReason::Knocking).await;
    let knock = knock_added(&mut owner).await;
    owner
        .send(json!({"type": "admit", "knock_ids": [knock.id]}))
        .await;
    let wk = k.expect_welcome().await;
    owner
        .send(json!({"type": "set_role", "participant_id": wk.id, "role": "moderator"}))
        .await;
    k.send(json!({"type": "chat_send", "text": "thanks"})).await;
    assert_eq!(wait_metric(&http, "amphi_knocks_total ", 1).await, Some(1));
    let admitted = "amphi_knocks_ended_total{outcome=\"admitted\"} ";
    assert_eq!(wait_metric(&http, admitted, 1).await, Some(1));
    let set_role = "amphi_moderation_actions_total{action=\"set_role\"} ";
    assert_eq!(wait_metric(&http, set_role, 1).await, Some(1));
    assert_eq!(
        wait_metric(&http, "amphi_chat_messages_total ", 1).await,
        Some(1)
    );
}

#[tokio::test]
async fn a_held_socket_is_kept_alive_by_pings_past_the_idle_timeout() {
    let limits = Limits {
        // The idle timeout is well above a store write on a loaded machine: the test does
        // not read the socket (so does not answer pings) while it opens the room.
        ping_interval: Duration::from_millis(300),
        idle_timeout: Duration::from_millis(1500),
        ..slow_reread()
    };
    let h = start_with(closed(amphi_store::Backend::Sqlite, limits)).await;
    let mut guest = h.connect().await;
    guest
        .join_waiting("Guest", None, WaitingReason::RoomClosed)
        .await;
    // Reading answers the server's pings (tungstenite replies by itself): three idle
    // timeouts pass and the socket is still held.
    guest.expect_nothing(Duration::from_millis(4500)).await;
    h.db.set_room_open(&h.room.id, true).await.expect("open");
    h.state.rooms.set_open("team", true, None).await;
    guest.expect_welcome().await;
}
