//! Moderation (C10) and hands (C4): every request by every role at every role, what the target
//! and the others see, and that a refused request changes nothing.

mod common;

use amphi_proto::{PublicationId, Role, ServerMessage, Source};
use amphi_room::{By, Effect, Room, RoomError};
use common::*;
use std::time::Instant;

const ROLES: [Role; 4] = [
    Role::Owner,
    Role::Manager,
    Role::Moderator,
    Role::Participant,
];

fn short(role: Role) -> &'static str {
    match role {
        Role::Owner => "own",
        Role::Manager => "man",
        Role::Moderator => "mod",
        Role::Participant => "par",
        // Session roles: not in a meeting room's table.
        Role::Speaker => "spk",
        Role::Attendee => "att",
    }
}

/// One of each role in an open room (ids own, man, mod, par), plus a second of the actor's
/// role when it targets its own rank (id `<short>2`), each publishing every source.
fn full_room() -> Room {
    let t0 = Instant::now();
    let mut r = room_with(true, false, 50);
    for role in ROLES {
        enter_in(&mut r, t0, Person::new(short(role), role));
        if role != Role::Owner {
            let twin = format!("{}2", short(role));
            enter_in(&mut r, t0, Person::new(&twin, role));
        }
    }
    let ids: Vec<_> = r.participants().iter().map(|p| p.id.clone()).collect();
    for id in ids {
        for source in [
            Source::Microphone,
            Source::Camera,
            Source::Screen,
            Source::ScreenAudio,
        ] {
            r.publication_started(PublicationId(format!("{id}-{source:?}")), &id, source)
                .expect("everyone may publish");
        }
    }
    r
}

/// Whether `actor` may aim a moderation request at `target` (the literal table of the rule).
fn expected(actor: Role, target: Role) -> bool {
    use Role::*;
    matches!(
        (actor, target),
        (Owner, Manager | Moderator | Participant)
            | (Manager, Manager | Moderator | Participant)
            | (Moderator, Moderator | Participant)
    )
}

/// The target of `actor` with role `target`: another participant (its twin for the same rank).
fn target_of(actor: Role, target: Role) -> String {
    if actor == target {
        format!("{}2", short(target))
    } else {
        short(target).to_owned()
    }
}

#[test]
fn mute_and_stop_by_every_role_at_every_role() {
    for actor in ROLES {
        for target in ROLES {
            if actor == Role::Owner && target == Role::Owner {
                continue; // one owner: covered by the self-targeting test
            }
            for source in [
                Source::Microphone,
                Source::ScreenAudio,
                Source::Camera,
                Source::Screen,
            ] {
                let mut r = full_room();
                let by = pid(short(actor));
                let to = pid(&target_of(actor, target));
                let before = state(&r);
                let got = r.mute(&by, &to, source);
                let row = format!("{actor:?} mutes {target:?}'s {source:?}");
                if !expected(actor, target) {
                    let want = if actor == Role::Participant {
                        RoomError::Forbidden
                    } else {
                        RoomError::TargetForbidden
                    };
                    assert_eq!(got, Err(want), "{row}");
                    assert_eq!(state(&r), before, "{row}");
                    continue;
                }
                let effects = got.expect(&row);
                let publication = format!("{to}-{source:?}");
                let action = match source {
                    Source::Microphone | Source::ScreenAudio => "Muted",
                    Source::Camera => "CameraStopped",
                    Source::Screen => "ScreenStopped",
                };
                let got = lines(&effects);
                assert_eq!(got[0], format!("pause {publication} true"), "{row}");
                assert_eq!(
                    got.iter()
                        .filter(|l| l.ends_with(&format!("muted {publication} true")))
                        .count(),
                    r.participants().len(),
                    "{row}: everyone sees it muted"
                );
                assert_eq!(
                    got.last().cloned().unwrap_or_default(),
                    format!("{to}: moderated {action} by {by} Some({source:?}) None"),
                    "{row}"
                );
                let p = r
                    .publications()
                    .iter()
                    .find(|p| p.id.0 == publication)
                    .expect("still published");
                assert!(p.muted && p.paused, "{row}");
            }
        }
    }
}

#[test]
fn only_the_owner_of_a_publication_unmutes_it_and_that_resumes_forwarding() {
    let mut r = full_room();
    r.mute(&pid("mod"), &pid("par"), Source::Microphone)
        .expect("a moderator mutes a participant");
    // Muted already: nothing more.
    assert!(
        r.mute(&pid("own"), &pid("par"), Source::Microphone)
            .expect("allowed")
            .is_empty()
    );
    // The owner's own mute changes nothing; its unmute resumes.
    assert!(
        r.set_muted(&pid("par"), Source::Microphone, true)
            .expect("its own")
            .is_empty()
    );
    let effects = r
        .set_muted(&pid("par"), Source::Microphone, false)
        .expect("its own");
    let got = lines(&effects);
    assert_eq!(got[0], "pause par-Microphone false");
    assert_eq!(got.len(), 1 + r.participants().len());
    // A publication muted by its owner only (not paused) resumes nothing.
    r.set_muted(&pid("par"), Source::Camera, true).expect("own");
    let effects = r
        .set_muted(&pid("par"), Source::Camera, false)
        .expect("own");
    assert!(!effects.iter().any(|e| matches!(e, Effect::Pause { .. })));
    // No such publication, no such participant.
    let mut bare = room_with(true, false, 5);
    enter_in(&mut bare, Instant::now(), Person::new("m", Role::Moderator));
    enter_in(
        &mut bare,
        Instant::now(),
        Person::new("p", Role::Participant),
    );
    assert_eq!(
        bare.mute(&pid("m"), &pid("p"), Source::Camera),
        Err(RoomError::UnknownPublication)
    );
    assert_eq!(
        bare.mute(&pid("m"), &pid("ghost"), Source::Camera),
        Err(RoomError::UnknownTarget)
    );
}

#[test]
fn remove_set_role_and_lower_hand_by_every_role_at_every_role() {
    for actor in ROLES {
        for target in ROLES {
            if actor == Role::Owner && target == Role::Owner {
                continue;
            }
            let by = pid(short(actor));
            let to = pid(&target_of(actor, target));
            let row = format!("{actor:?} → {target:?}");
            let refusal = if actor == Role::Participant {
                RoomError::Forbidden
            } else {
                RoomError::TargetForbidden
            };

            // remove
            let mut r = full_room();
            let before = state(&r);
            let got = r.remove(&by, &to);
            if expected(actor, target) {
                let effects = got.expect(&row);
                assert!(r.participant(&to).is_none(), "{row}");
                assert!(
                    matches!(&effects[0], Effect::Disconnect { participant, .. } if *participant == to),
                    "{row}"
                );
            } else {
                assert_eq!(got, Err(refusal.clone()), "remove {row}");
                assert_eq!(state(&r), before, "remove {row}");
            }

            // set_role: owner and manager roles never change in the room.
            let mut r = full_room();
            let before = state(&r);
            let new_role = if target == Role::Moderator {
                Role::Participant
            } else {
                Role::Moderator
            };
            let got = r.set_role(&by, &to, new_role);
            let allowed =
                expected(actor, target) && matches!(target, Role::Moderator | Role::Participant);
            if allowed {
                got.expect(&row);
                assert_eq!(r.participant(&to).map(|p| p.role), Some(new_role), "{row}");
            } else {
                let want = if expected(actor, target) {
                    RoomError::TargetForbidden
                } else {
                    refusal.clone()
                };
                assert_eq!(got, Err(want), "set_role {row}");
                assert_eq!(state(&r), before, "set_role {row}");
            }

            // lower_hand
            let mut r = full_room();
            r.raise_hand(&to, true).expect("anyone raises");
            let before = state(&r);
            let got = r.lower_hand(&by, &to);
            if expected(actor, target) {
                got.expect(&row);
                assert_eq!(r.participant(&to).and_then(|p| p.hand), None, "{row}");
            } else {
                assert_eq!(got, Err(refusal), "lower_hand {row}");
                assert_eq!(state(&r), before, "lower_hand {row}");
            }
        }
    }
}

#[test]
fn nobody_targets_themselves_but_for_their_own_hand() {
    for role in ROLES {
        let mut r = full_room();
        let me = pid(short(role));
        let before = state(&r);
        let refusal = if role == Role::Participant {
            RoomError::Forbidden
        } else {
            RoomError::TargetForbidden
        };
        assert_eq!(r.mute(&me, &me, Source::Microphone), Err(refusal.clone()));
        assert_eq!(r.remove(&me, &me), Err(refusal.clone()));
        assert_eq!(r.set_role(&me, &me, Role::Participant), Err(refusal));
        assert_eq!(state(&r), before, "{role:?}");
        r.raise_hand(&me, true).expect("anyone");
        let effects = r.lower_hand(&me, &me).expect("one's own hand");
        assert!(
            !lines(&effects).iter().any(|l| l.contains("moderated")),
            "no moderated message for one's own hand"
        );
    }
}

#[test]
fn a_removed_person_must_knock_for_the_rest_of_the_meeting() {
    let t0 = Instant::now();
    let mut r = room_with(true, false, 50);
    enter_in(&mut r, t0, Person::new("m", Role::Moderator));
    enter_in(&mut r, t0, Person::new("o", Role::Participant));
    let bad = enter_in(
        &mut r,
        t0,
        Person::new("bad", Role::Participant)
            .user("u-bad")
            .key("key-bad-0000"),
    );
    let effects = r
        .remove(&pid("m"), &pid("bad"))
        .expect("a moderator removes");
    assert_eq!(
        lines(&effects),
        [
            "disconnect bad: error removed (name-m removed you from the meeting)",
            "close media bad",
            "m: left bad Removed",
            "o: left bad Removed",
        ]
    );
    // The target's client names who did it in its own language (`by`), not only in `message`.
    let by = effects.iter().find_map(|e| match e {
        Effect::Disconnect {
            message: ServerMessage::Error { by, .. },
            ..
        } => by.clone(),
        _ => None,
    });
    assert_eq!(by.as_deref(), Some("name-m"));
    assert!(r.remembers_meeting());
    // Its resume token is gone with it: a join with it alone is a new arrival (a token is not
    // an identity).
    let back = enter_in(
        &mut r,
        t0,
        Person::new("bad-token", Role::Participant).token(&bad.resume_token),
    );
    assert!(!back.resumed);
    // The same user from another browser, the same browser signed out: they knock, even with
    // the waiting room off.
    enter_held(
        &mut r,
        t0,
        Person::new("bad-user", Role::Participant).user("u-bad"),
    );
    enter_held(
        &mut r,
        t0,
        Person::new("bad-key", Role::Participant).key("key-bad-0000"),
    );
    let knocks = r.knocks();
    assert_eq!(knocks.len(), 2);
    assert!(knocks.iter().all(|k| k.removed_before));
    // Someone else enters freely; an admitted removed person is in again.
    enter_in(
        &mut r,
        t0,
        Person::new("new", Role::Participant).key("key-new-0000"),
    );
    let effects = r.admit(&pid("m"), &[kid("k-bad-user")]).expect("m admits");
    assert!(lines(&effects).contains(&"admit k-bad-user as bad-user".to_owned()));
}

/// Review S8 (issue 4): a removal also marks the same person's join already knocking in
/// another tab, so switching the waiting room off does not let it in, and moderators see the
/// mark at once.
#[test]
fn a_removal_marks_the_same_persons_pending_knock() {
    let t0 = Instant::now();
    let mut r = room_with(true, false, 50);
    enter_in(&mut r, t0, Person::new("m", Role::Moderator));
    enter_in(
        &mut r,
        t0,
        Person::new("bad", Role::Participant).key("key-bad-0000"),
    );
    r.set_waiting_room(&By::Participant(pid("m")), true)
        .expect("m switches the waiting room on");
    enter_held(
        &mut r,
        t0,
        Person::new("bad-tab", Role::Participant).key("key-bad-0000"),
    );
    enter_held(&mut r, t0, Person::new("other", Role::Participant));
    assert!(r.knocks().iter().all(|k| !k.removed_before));
    let effects = r
        .remove(&pid("m"), &pid("bad"))
        .expect("a moderator removes");
    let lines = lines(&effects);
    assert!(
        lines
            .iter()
            .any(|l| l.starts_with("m: knock k-bad-tab") && l.contains("removed")),
        "moderators see the mark: {lines:?}"
    );
    let marked: Vec<_> = r
        .knocks()
        .into_iter()
        .map(|k| (k.id.0.clone(), k.removed_before))
        .collect();
    assert_eq!(
        marked,
        [
            ("k-bad-tab".to_owned(), true),
            ("k-other".to_owned(), false)
        ]
    );
    // The waiting room off admits the others, not the removed person's other tab.
    r.set_waiting_room(&By::Participant(pid("m")), false)
        .expect("m switches the waiting room off");
    let still: Vec<_> = r.knocks().into_iter().map(|k| k.id.0.clone()).collect();
    assert_eq!(still, ["k-bad-tab"]);
}

#[test]
fn role_changes_reach_the_target_and_everyone() {
    let t0 = Instant::now();
    let mut r = room_with(true, true, 50);
    enter_in(&mut r, t0, Person::new("own", Role::Owner));
    r.set_waiting_room(&By::Organiser { name: None }, false)
        .expect("organiser");
    enter_in(&mut r, t0, Person::new("p", Role::Participant));
    r.set_waiting_room(&By::Organiser { name: None }, true)
        .expect("organiser");
    enter_held(&mut r, t0, Person::new("v", Role::Participant));
    let effects = r
        .set_role(&pid("own"), &pid("p"), Role::Moderator)
        .expect("the owner promotes");
    assert_eq!(
        lines(&effects),
        [
            "own: updated p Moderator hand None",
            "p: updated p Moderator hand None",
            "p: moderated RoleChanged by own None Some(Moderator)",
            "p: knock k-v removed_before false",
        ]
    );
    // The same role again: nothing. Roles from shares cannot be given.
    assert!(
        r.set_role(&pid("own"), &pid("p"), Role::Moderator)
            .expect("allowed")
            .is_empty()
    );
    let before = state(&r);
    assert_eq!(
        r.set_role(&pid("own"), &pid("p"), Role::Manager),
        Err(RoomError::InvalidRole)
    );
    assert_eq!(
        r.set_role(&pid("own"), &pid("p"), Role::Owner),
        Err(RoomError::InvalidRole)
    );
    assert_eq!(
        r.set_role(&pid("own"), &pid("ghost"), Role::Moderator),
        Err(RoomError::UnknownTarget)
    );
    assert_eq!(state(&r), before);
    // Now a moderator, p may admit; demoted, it may not.
    r.admit(&pid("p"), &[]).expect("a moderator now");
    r.set_role(&pid("own"), &pid("p"), Role::Participant)
        .expect("the owner demotes");
    assert_eq!(r.admit(&pid("p"), &[]), Err(RoomError::Forbidden));
}

#[test]
fn hands_in_the_order_raised_and_lowered_by_moderators() {
    let t0 = Instant::now();
    let mut r = room_with(true, false, 50);
    for id in ["m", "a", "b"] {
        let role = if id == "m" {
            Role::Moderator
        } else {
            Role::Participant
        };
        enter_in(&mut r, t0, Person::new(id, role));
    }
    let hand = |r: &Room, id: &str| r.participant(&pid(id)).and_then(|p| p.hand);
    let effects = r.raise_hand(&pid("a"), true).expect("anyone");
    assert_eq!(
        lines(&effects),
        [
            "m: updated a Participant hand Some(1)",
            "a: updated a Participant hand Some(1)",
            "b: updated a Participant hand Some(1)",
        ]
    );
    r.raise_hand(&pid("b"), true).expect("anyone");
    // Raising again keeps the place.
    assert!(r.raise_hand(&pid("a"), true).expect("anyone").is_empty());
    assert_eq!((hand(&r, "a"), hand(&r, "b")), (Some(1), Some(2)));
    // a lowers and raises again: behind b now.
    r.raise_hand(&pid("a"), false).expect("anyone");
    r.raise_hand(&pid("a"), true).expect("anyone");
    assert_eq!((hand(&r, "a"), hand(&r, "b")), (Some(3), Some(2)));
    // b may not lower a's hand; m may, and a is told.
    let before = state(&r);
    assert_eq!(
        r.lower_hand(&pid("b"), &pid("a")),
        Err(RoomError::Forbidden)
    );
    assert_eq!(state(&r), before);
    let effects = r.lower_hand(&pid("m"), &pid("a")).expect("a moderator");
    assert_eq!(
        lines(&effects).last().map(String::as_str),
        Some("a: moderated HandLowered by m None None")
    );
    assert!(
        r.lower_hand(&pid("m"), &pid("a"))
            .expect("allowed")
            .is_empty()
    );
    // A drop and a resume keep the hand and the role.
    r.set_role(&pid("m"), &pid("b"), Role::Moderator)
        .expect("m promotes");
    r.disconnected(t0, &pid("b"));
    let back = enter_in(
        &mut r,
        t0,
        Person::new("b-again", Role::Participant).token("tok-b"),
    );
    assert!(back.resumed);
    let b = r.participant(&pid("b")).expect("resumed");
    assert_eq!((b.role, b.hand), (Role::Moderator, Some(2)));
    let ServerMessage::Welcome { role, .. } = back.welcome(Vec::new()) else {
        panic!("welcome");
    };
    assert_eq!(role, Role::Moderator);
    // The raised hand reaches its own client after the welcome (review S1): without it the
    // client shows the hand down and cannot lower it.
    assert!(
        lines(&back.effects).contains(&"b: updated b Moderator hand Some(2)".to_owned()),
        "{:?}",
        lines(&back.effects)
    );
}

#[test]
fn expel_ends_the_socket_and_others_see_a_removal() {
    let mut r = full_room();
    let message = ServerMessage::error(
        amphi_proto::ErrorCode::RegistrationRequired,
        "your registration was rejected",
        None,
    );
    let effects = r.expel(&pid("par"), message.clone());
    assert!(r.participant(&pid("par")).is_none());
    assert!(
        matches!(&effects[0], Effect::Disconnect { participant, message: m } if *participant == pid("par") && *m == message),
        "{effects:?}"
    );
    let seen = lines(&effects);
    assert!(
        seen.contains(&"own: left par Removed".to_owned()),
        "{seen:?}"
    );
    assert!(
        seen.contains(&"par2: left par Removed".to_owned()),
        "{seen:?}"
    );
    // Someone already gone: nothing to do.
    assert!(r.expel(&pid("par"), message).is_empty());
}
