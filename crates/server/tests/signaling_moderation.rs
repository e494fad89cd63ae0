//! Roles and moderation over the WebSocket (issue 4, R7 and C10): every moderator action sent
//! by a participant is refused and changes nothing; moderators, managers and the owner act
//! where the table allows; the removed must knock to come back; hands in order.

mod signaling_common;

use std::time::Duration;

use amphi_proto::{
    ErrorCode, LeaveReason, ModerationAction, ParticipantId, Role, ServerMessage, WaitingReason,
};
use amphi_store::ShareRole;
use amphi_store::testing::test_backends;
use serde_json::{Value, json};
use signaling_common::*;

const QUIET: Duration = Duration::from_millis(400);

fn slow_reread() -> Limits {
    Limits {
        store_reread: Duration::from_secs(60),
        ..short_limits()
    }
}

/// The next `participant_updated` about `id`, its info.
async fn updated(c: &mut Client, id: &ParticipantId) -> amphi_proto::ParticipantInfo {
    match c
        .recv_until("participant_updated", |m| {
            matches!(m, ServerMessage::ParticipantUpdated { participant } if participant.id == *id)
        })
        .await
    {
        ServerMessage::ParticipantUpdated { participant } => participant,
        _ => unreachable!(),
    }
}

async fn moderated(c: &mut Client) -> ServerMessage {
    c.recv_until("moderated", |m| {
        matches!(m, ServerMessage::Moderated { .. })
    })
    .await
}

/// Reads until `participant_joined` (arrivals after one's own welcome).
async fn joined(c: &mut Client) {
    c.recv_until("participant_joined", |m| {
        matches!(m, ServerMessage::ParticipantJoined { .. })
    })
    .await;
}

#[tokio::test]
async fn every_moderator_action_sent_by_a_participant_is_refused_and_changes_nothing() {
    for backend in test_backends() {
        let h = start_with(Setup {
            waiting_room: true,
            limits: Some(slow_reread()),
            backend,
            ..Setup::default()
        })
        .await;
        let (mut owner, _) = h.join_as(&h.owner, "Olivia").await;
        // Two participants let in by the owner; Quentin raises his hand.
        let mut people = Vec::new();
        for name in ["Paul", "Quentin"] {
            let mut c = h.connect().await;
            c.join_waiting(name, None, WaitingReason::Knocking).await;
            let knock = match owner
                .recv_until("knock_added", |m| {
                    matches!(m, ServerMessage::KnockAdded { .. })
                })
                .await
            {
                ServerMessage::KnockAdded { knock } => knock,
                _ => unreachable!(),
            };
            owner
                .send(json!({"type": "admit", "knock_ids": [knock.id]}))
                .await;
            let w = c.expect_welcome().await;
            people.push((c, w));
        }
        let (mut quentin, wq) = people.pop().expect("two");
        let (mut paul, _) = people.pop().expect("one");
        paul.recv_until("participant_joined", |m| {
            matches!(m, ServerMessage::ParticipantJoined { .. })
        })
        .await;
        quentin
            .send(json!({"type": "raise_hand", "raised": true}))
            .await;
        let raised = updated(&mut paul, &wq.id).await.hand_raised;
        assert!(raised.is_some());
        updated(&mut quentin, &wq.id).await;
        // Someone knocking, for admit and deny to aim at.
        let mut knocker = h.connect().await;
        knocker
            .join_waiting("Kim", None, WaitingReason::Knocking)
            .await;
        let knock = match owner
            .recv_until("knock_added", |m| {
                matches!(m, ServerMessage::KnockAdded { .. })
            })
            .await
        {
            ServerMessage::KnockAdded { knock } => knock,
            _ => unreachable!(),
        };
        // Let the owner's queue settle: everything before this point is read.
        owner.ping_pong().await;
        quentin.ping_pong().await;

        let q = wq.id.0.clone();
        let attempts: Vec<(&str, Value)> = vec![
            ("set_room_open", json!({"open": false})),
            ("set_waiting_room", json!({"enabled": false})),
            ("admit", json!({"knock_ids": [knock.id]})),
            ("deny", json!({"knock_ids": [knock.id]})),
            ("mute", json!({"participant_id": q, "source": "microphone"})),
            ("mute", json!({"participant_id": q, "source": "camera"})),
            ("mute", json!({"participant_id": q, "source": "screen"})),
            (
                "mute",
                json!({"participant_id": q, "source": "screen_audio"}),
            ),
            ("remove", json!({"participant_id": q})),
            (
                "set_role",
                json!({"participant_id": q, "role": "moderator"}),
            ),
            ("lower_hand", json!({"participant_id": q})),
        ];
        for (kind, fields) in attempts {
            paul.send_type(kind, fields).await;
            paul.expect_error(ErrorCode::Forbidden, Some(kind)).await;
        }
        // Nobody heard of anything; the knocker still waits; the store is unchanged.
        owner.expect_nothing(QUIET).await;
        quentin.expect_nothing(Duration::from_millis(50)).await;
        knocker.ping_pong().await;
        let room = h.room_now().await;
        assert!(room.is_open && room.waiting_room);
        // A later arrival (the owner again, from another browser) sees the same meeting.
        let mut second = h.connect_as(&h.owner).await;
        let w = second.join("Olivia 2", None).await;
        assert!(w.waiting_room);
        assert_eq!(w.knocks.len(), 1, "{:?}", w.knocks);
        assert_eq!(w.knocks[0].id, knock.id);
        let qi = w.other("Quentin");
        assert_eq!(qi.role, Role::Participant);
        assert_eq!(qi.hand_raised, raised);
        assert_eq!(w.other("Paul").role, Role::Participant);
    }
}

#[tokio::test]
async fn moderators_managers_and_the_owner_change_roles_and_are_named() {
    for backend in test_backends() {
        let h = start_with(Setup {
            limits: Some(slow_reread()),
            backend,
            ..Setup::default()
        })
        .await;
        let manager = h
            .shared_user("man@example.org", "Manon", ShareRole::Manager)
            .await;
        let moderator = h
            .shared_user("mod@example.org", "Moe", ShareRole::Moderator)
            .await;
        let (mut target, wt) = h.join("Tess").await;
        let mut actors = Vec::new();
        for (user, name, role) in [
            (&h.owner, "Olivia", Role::Owner),
            (&manager, "Manon", Role::Manager),
            (&moderator, "Moe", Role::Moderator),
        ] {
            let (c, w) = h.join_as(user, name).await;
            assert_eq!(w.role, role, "{name}");
            joined(&mut target).await;
            actors.push((c, w, name));
        }
        for (actor, wa, name) in &mut actors {
            actor
                .send(json!({"type": "set_role", "participant_id": wt.id, "role": "moderator"}))
                .await;
            // The target itself hears of its new role, and so does the actor.
            assert_eq!(updated(&mut target, &wt.id).await.role, Role::Moderator);
            assert_eq!(updated(actor, &wt.id).await.role, Role::Moderator);
            assert_eq!(
                moderated(&mut target).await,
                ServerMessage::Moderated {
                    action: ModerationAction::RoleChanged,
                    by: amphi_proto::ActedBy {
                        participant_id: wa.id.clone(),
                        name: (*name).to_owned()
                    },
                    source: None,
                    role: Some(Role::Moderator),
                }
            );
            actor
                .send(json!({"type": "set_role", "participant_id": wt.id, "role": "participant"}))
                .await;
            assert_eq!(updated(&mut target, &wt.id).await.role, Role::Participant);
            assert_eq!(updated(actor, &wt.id).await.role, Role::Participant);
        }
        // Owner and manager roles never change in the room.
        let (owner, _, _) = &mut actors[0];
        owner
            .send(json!({"type": "set_role", "participant_id": wt.id, "role": "manager"}))
            .await;
        owner
            .expect_refused(ErrorCode::InvalidMessage, "set_role")
            .await;
    }
}

#[tokio::test]
async fn nobody_targets_a_higher_rank_or_the_owner() {
    let h = start_with(Setup {
        limits: Some(slow_reread()),
        ..Setup::default()
    })
    .await;
    let manager = h
        .shared_user("man@example.org", "Manon", ShareRole::Manager)
        .await;
    let moderator = h
        .shared_user("mod@example.org", "Moe", ShareRole::Moderator)
        .await;
    let (mut owner, wo) = h.join_as(&h.owner, "Olivia").await;
    let (mut man, wman) = h.join_as(&manager, "Manon").await;
    let (mut moe, wmoe) = h.join_as(&moderator, "Moe").await;
    // A moderator may not remove a manager nor the owner, nor mute them.
    for target in [&wman.id, &wo.id] {
        moe.send(json!({"type": "remove", "participant_id": target}))
            .await;
        moe.expect_refused(ErrorCode::Forbidden, "remove").await;
        moe.send(json!({"type": "mute", "participant_id": target, "source": "microphone"}))
            .await;
        moe.expect_refused(ErrorCode::Forbidden, "mute").await;
    }
    // Not oneself either.
    moe.send(json!({"type": "remove", "participant_id": wmoe.id}))
        .await;
    moe.expect_refused(ErrorCode::Forbidden, "remove").await;
    // A manager may not remove the owner, but may remove the moderator.
    man.send(json!({"type": "remove", "participant_id": wo.id}))
        .await;
    man.expect_refused(ErrorCode::Forbidden, "remove").await;
    man.send(json!({"type": "remove", "participant_id": wmoe.id}))
        .await;
    let message = moe.expect_fatal(ErrorCode::Removed).await;
    assert!(message.contains("Manon"), "names who removed: {message}");
    owner
        .recv_until("participant_left", |m| {
            *m == ServerMessage::ParticipantLeft {
                participant_id: wmoe.id.clone(),
                reason: LeaveReason::Removed,
            }
        })
        .await;
}

#[tokio::test]
async fn a_removed_participant_cannot_rejoin_without_knocking() {
    for backend in test_backends() {
        let h = start_with(Setup {
            limits: Some(slow_reread()),
            backend,
            ..Setup::default()
        })
        .await;
        let (mut owner, _) = h.join_as(&h.owner, "Olivia").await;
        // A signed-in user (no share) and a guest with a client key.
        let user = h.user("ursula@example.org", "Ursula").await;
        let (_u, wu) = h.join_as(&user, "Ursula").await;
        joined(&mut owner).await;
        let key = "AbCdEfGh_-12345678";
        let mut guest = h.connect().await;
        let wg = Welcome::from_message(guest.join_keyed("Gus", Some(key)).await);
        joined(&mut owner).await;
        for id in [&wu.id, &wg.id] {
            owner
                .send(json!({"type": "remove", "participant_id": id}))
                .await;
            owner
                .recv_until("participant_left", |m| {
                    *m == ServerMessage::ParticipantLeft {
                        participant_id: id.clone(),
                        reason: LeaveReason::Removed,
                    }
                })
                .await;
        }
        let message = guest.expect_fatal(ErrorCode::Removed).await;
        assert!(message.contains("Olivia"), "{message}");

        // The same user, from another browser and under another name: knocks, though the
        // waiting room is off.
        let mut again = h.connect_as(&user).await;
        again
            .join_waiting("Ursula B", None, WaitingReason::Knocking)
            .await;
        let knock = match owner
            .recv_until("knock_added", |m| {
                matches!(m, ServerMessage::KnockAdded { .. })
            })
            .await
        {
            ServerMessage::KnockAdded { knock } => knock,
            _ => unreachable!(),
        };
        assert!(knock.removed_before);
        assert_eq!(knock.name, "Ursula B");
        // The same browser as a guest (its client key), under another name: knocks too.
        let mut g2 = h.connect().await;
        g2.join_waiting("Gus 2", Some(key), WaitingReason::Knocking)
            .await;
        // Another browser comes straight in; a malformed key is ignored, not a match.
        let mut other = h.connect().await;
        Welcome::from_message(other.join_keyed("Other", Some("AbCdEfGh_-1234567!")).await);
        // Admitted, the removed person is in again.
        owner
            .send(json!({"type": "admit", "knock_ids": [knock.id]}))
            .await;
        again.expect_welcome().await;
    }
}

#[tokio::test]
async fn hands_are_ordered_by_raising_and_moderators_lower_them() {
    let h = start_with(Setup {
        limits: Some(slow_reread()),
        ..Setup::default()
    })
    .await;
    let moderator = h
        .shared_user("mod@example.org", "Moe", ShareRole::Moderator)
        .await;
    let (mut moe, _) = h.join_as(&moderator, "Moe").await;
    let (mut a, wa) = h.join("Ann").await;
    let (mut b, wb) = h.join("Bob").await;
    b.send(json!({"type": "raise_hand", "raised": true})).await;
    let hb = updated(&mut moe, &wb.id).await.hand_raised.expect("raised");
    a.send(json!({"type": "raise_hand", "raised": true})).await;
    let ha = updated(&mut moe, &wa.id).await.hand_raised.expect("raised");
    assert!(hb < ha, "Bob raised first: {hb} < {ha}");
    // A late joiner sees both, in order.
    let (_c, wc) = h.join("Cat").await;
    assert_eq!(wc.other("Bob").hand_raised, Some(hb));
    assert_eq!(wc.other("Ann").hand_raised, Some(ha));
    // Ann may not lower Bob's hand; she lowers her own.
    a.send(json!({"type": "lower_hand", "participant_id": wb.id}))
        .await;
    a.recv_until("forbidden", |m| {
        matches!(m, ServerMessage::Error { code: ErrorCode::Forbidden, request, .. } if request.as_deref() == Some("lower_hand"))
    })
    .await;
    a.send(json!({"type": "lower_hand", "participant_id": wa.id}))
        .await;
    assert_eq!(updated(&mut moe, &wa.id).await.hand_raised, None);
    // The moderator lowers Bob's: Bob is told by whom.
    moe.send(json!({"type": "lower_hand", "participant_id": wb.id}))
        .await;
    // Bob first hears of his own raise, then of the lowering.
    assert_eq!(updated(&mut b, &wb.id).await.hand_raised, Some(hb));
    assert_eq!(updated(&mut b, &wb.id).await.hand_raised, None);
    match moderated(&mut b).await {
        ServerMessage::Moderated { action, by, .. } => {
            assert_eq!(action, ModerationAction::HandLowered);
            assert_eq!(by.name, "Moe");
        }
        _ => unreachable!(),
    }
    assert_eq!(updated(&mut moe, &wb.id).await.hand_raised, None);
    // Raised again later: a new, later key.
    b.send(json!({"type": "raise_hand", "raised": true})).await;
    let again = updated(&mut moe, &wb.id).await.hand_raised.expect("raised");
    assert!(again > ha);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_moderators_mute_stops_forwarding_until_the_owner_of_the_microphone_unmutes() {
    let h = start(None, None, None).await;
    let (mut moe, _) = h.join_as(&h.owner, "Olivia").await;
    let (mut alice, wa) = h.join("Alice").await;
    let (mut bob, _) = h.join("Bob").await;

    let mut alice_pc = peer::Peer::new().await.expect("peer");
    let sending = peer::send_opus(&alice_pc).await.expect("track");
    let offer = alice_pc.offer().await.expect("offer");
    let mid = peer::first_mid(&offer);
    alice
        .send(json!({"type": "publish_offer", "sdp": offer, "tracks": [{"mid": mid, "source": "microphone"}]}))
        .await;
    let ServerMessage::PublishAnswer { sdp } = alice
        .recv_until("publish_answer", |m| {
            matches!(m, ServerMessage::PublishAnswer { .. })
        })
        .await
    else {
        unreachable!()
    };
    alice_pc.accept_answer(&sdp).await.expect("answer applies");
    let ServerMessage::SubscribeOffer { sdp, .. } = bob
        .recv_until("subscribe_offer", |m| {
            matches!(m, ServerMessage::SubscribeOffer { .. })
        })
        .await
    else {
        unreachable!()
    };
    let ServerMessage::PublicationAdded { publication } = moe
        .recv_until("publication_added", |m| {
            matches!(m, ServerMessage::PublicationAdded { .. })
        })
        .await
    else {
        unreachable!()
    };
    let mut bob_pc = peer::Peer::new().await.expect("peer");
    let answer = bob_pc.answer(&sdp).await.expect("answer");
    bob.send(json!({"type": "subscribe_answer", "sdp": answer}))
        .await;
    let received = bob_pc.count_first_track().await;
    let count = || received.load(std::sync::atomic::Ordering::Relaxed);
    let wait_for = |n: usize| async move {
        for _ in 0..100 {
            if count() >= n {
                return;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        panic!("Bob received only {} packets, wanted {n}", count());
    };
    wait_for(20).await;

    moe.send(json!({"type": "mute", "participant_id": wa.id, "source": "microphone"}))
        .await;
    let muted = ServerMessage::PublicationMuted {
        publication_id: publication.id.clone(),
        muted: true,
    };
    for c in [&mut alice, &mut bob, &mut moe] {
        c.recv_until("publication_muted", |m| *m == muted).await;
    }
    match moderated(&mut alice).await {
        ServerMessage::Moderated {
            action,
            by,
            source,
            role,
        } => {
            assert_eq!(action, ModerationAction::Muted);
            assert_eq!(by.name, "Olivia");
            assert_eq!(source, Some(amphi_proto::Source::Microphone));
            assert_eq!(role, None);
        }
        _ => unreachable!(),
    }
    // Alice's browser keeps sending; nothing reaches Bob.
    // Packets already in flight may still land: wait until none does for 300 ms (at most
    // 3 s; a forwarding that never stops fails below).
    let mut at_mute = count();
    for _ in 0..10 {
        tokio::time::sleep(Duration::from_millis(300)).await;
        let now = count();
        if now == at_mute {
            break;
        }
        at_mute = now;
    }
    tokio::time::sleep(Duration::from_millis(1000)).await;
    assert_eq!(count(), at_mute, "nothing forwarded while muted");

    alice
        .send(json!({"type": "set_muted", "source": "microphone", "muted": false}))
        .await;
    let unmuted = ServerMessage::PublicationMuted {
        publication_id: publication.id.clone(),
        muted: false,
    };
    bob.recv_until("publication_muted", |m| *m == unmuted).await;
    wait_for(at_mute + 20).await;
    sending.abort();
    let _ = alice_pc.pc.close().await;
    let _ = bob_pc.pc.close().await;
}
