//! Who gets in (R2, R4): the admission matrix, knocks admitted, denied, expired and abandoned,
//! opening and closing with people waiting, deletion, and the limits.

mod common;

use amphi_proto::{ErrorCode, Role, ServerMessage, WaitingReason};
use amphi_room::{Admission, By, Effect, RoomError};
use common::*;
use std::time::{Duration, Instant};

#[derive(Debug, PartialEq, Eq)]
enum Got {
    In,
    Waits(WaitingReason, bool),
}

/// A room with the owner in; `removed` has been in and was removed by the owner earlier in
/// this meeting (then the room is set to the row's state).
fn setup(open: bool, waiting_room: bool, removed: bool) -> amphi_room::Room {
    let t0 = Instant::now();
    let mut r = room_with(true, false, 50);
    if removed {
        enter_in(&mut r, t0, Person::new("boss", Role::Owner).user("u-boss"));
        enter_in(&mut r, t0, Person::new("gone", Role::Manager).user("u-x"));
        r.remove(&pid("boss"), &pid("gone"))
            .expect("the owner removes");
        r.leave(&pid("boss"));
    }
    let org = By::Organiser { name: None };
    r.set_waiting_room(&org, waiting_room).expect("organiser");
    r.set_open(t0, &org, open).expect("organiser");
    r
}

#[test]
fn the_admission_matrix() {
    use Got::*;
    use Role::*;
    use WaitingReason::*;
    // (open, waiting room, role, removed before, got)
    let rows = [
        // Closed: everyone waits for the opening; those who may open are told so.
        (false, false, Owner, false, Waits(RoomClosed, true)),
        (false, false, Manager, false, Waits(RoomClosed, true)),
        (false, false, Moderator, false, Waits(RoomClosed, true)),
        (false, false, Participant, false, Waits(RoomClosed, false)),
        (false, true, Owner, false, Waits(RoomClosed, true)),
        (false, true, Manager, false, Waits(RoomClosed, true)),
        (false, true, Moderator, false, Waits(RoomClosed, true)),
        (false, true, Participant, false, Waits(RoomClosed, false)),
        // Closing forgot who was removed.
        (false, false, Manager, true, Waits(RoomClosed, true)),
        (false, true, Participant, true, Waits(RoomClosed, false)),
        // Open, no waiting room: in.
        (true, false, Owner, false, In),
        (true, false, Manager, false, In),
        (true, false, Moderator, false, In),
        (true, false, Participant, false, In),
        // Open with the waiting room: participants knock, moderators and up enter.
        (true, true, Owner, false, In),
        (true, true, Manager, false, In),
        (true, true, Moderator, false, In),
        (true, true, Participant, false, Waits(Knocking, false)),
        // Removed earlier: knock whatever the waiting room and the role, but the owner; may not
        // open or close the room from the lobby.
        (true, false, Owner, true, In),
        (true, false, Manager, true, Waits(Knocking, false)),
        (true, false, Moderator, true, Waits(Knocking, false)),
        (true, false, Participant, true, Waits(Knocking, false)),
        (true, true, Owner, true, In),
        (true, true, Manager, true, Waits(Knocking, false)),
        (true, true, Moderator, true, Waits(Knocking, false)),
        (true, true, Participant, true, Waits(Knocking, false)),
    ];
    for (open, waiting_room, role, removed, want) in rows {
        let mut r = setup(open, waiting_room, removed);
        let row = format!("open {open}, waiting room {waiting_room}, {role:?}, removed {removed}");
        // The removed one was signed in as u-x.
        let who = Person::new("x", role).user("u-x");
        let got = match enter(&mut r, Instant::now(), who).expect(&row) {
            Admission::Joined(joined) => {
                assert_eq!(joined.participant_id, pid("x"), "{row}");
                In
            }
            Admission::Waiting { knock, effects } => {
                let ServerMessage::Waiting { reason, can_open } = (match effects.first() {
                    Some(Effect::SendWaiting { knock: k, message }) if *k == knock => message,
                    other => panic!("{row}: first effect {other:?}"),
                }) else {
                    panic!("{row}: not a waiting message");
                };
                assert_eq!(r.waiting_reason(&knock), Some(*reason), "{row}");
                let knocks = r.knocks();
                if *reason == Knocking {
                    assert_eq!(knocks.len(), 1, "{row}");
                    assert_eq!(knocks[0].removed_before, removed, "{row}");
                } else {
                    assert!(knocks.is_empty(), "{row}");
                }
                Waits(*reason, *can_open)
            }
        };
        assert_eq!(got, want, "{row}");
    }
}

#[test]
fn a_knock_is_told_to_those_who_may_admit_and_expires() {
    let (mut r, t0) = knocking_room(0);
    let effects = enter_held(&mut r, t0, Person::new("v", Role::Participant));
    assert_eq!(
        lines(&effects),
        [
            "k-v: waiting Knocking can_open false",
            "m: knock k-v removed_before false"
        ]
    );
    assert_eq!(r.next_deadline(), Some(t0 + KNOCK_TIMEOUT));
    assert!(
        r.tick(t0 + KNOCK_TIMEOUT - Duration::from_millis(1))
            .is_empty()
    );
    assert_eq!(
        lines(&r.tick(t0 + KNOCK_TIMEOUT)),
        [
            "m: knock k-v Expired by None",
            "dismiss k-v: error knock_expired (nobody let you in in time; try again later)"
        ]
    );
    assert!(r.knocks().is_empty());
    assert_eq!(r.next_deadline(), None);
    assert!(r.tick(t0 + KNOCK_TIMEOUT * 2).is_empty());
}

/// A room with the waiting room on, moderator m and participant p in, and `n` knocks k-v0...
fn knocking_room(n: usize) -> (amphi_room::Room, Instant) {
    let t0 = Instant::now();
    let mut r = room_with(true, false, 50);
    enter_in(&mut r, t0, Person::new("m", Role::Moderator));
    enter_in(&mut r, t0, Person::new("p", Role::Participant));
    r.set_waiting_room(&By::Organiser { name: None }, true)
        .expect("organiser");
    for i in 0..n {
        enter_held(&mut r, t0, Person::new(&format!("v{i}"), Role::Participant));
    }
    (r, t0)
}

#[test]
fn admit_many_at_once_and_ignore_what_is_not_knocking() {
    let (mut r, _) = knocking_room(3);
    let effects = r
        .admit(
            &pid("m"),
            &[kid("k-v0"), kid("k-v2"), kid("k-nobody"), kid("k-v0")],
        )
        .expect("a moderator admits");
    assert_eq!(
        lines(&effects),
        [
            "m: knock k-v0 Admitted by Some(\"name-m\")",
            "admit k-v0 as v0",
            "m: knock k-v2 Admitted by Some(\"name-m\")",
            "admit k-v2 as v2",
        ]
    );
    // Each admitted join tells the others as a direct join would, after its welcome.
    let Effect::Admit { joined, .. } = &effects[3] else {
        panic!("admit");
    };
    assert_eq!(
        lines(&joined.effects),
        ["m: joined v2", "p: joined v2", "v0: joined v2"]
    );
    let ServerMessage::Welcome {
        participants,
        knocks,
        role,
        ..
    } = joined.welcome(Vec::new())
    else {
        panic!("welcome");
    };
    assert_eq!(role, Role::Participant);
    assert_eq!(participants.len(), 3, "m, p, v0");
    assert!(knocks.is_empty(), "participants do not see knocks");
    assert_eq!(r.participants().len(), 4);
    assert_eq!(r.knocks().len(), 1);
    assert_eq!(r.knocks()[0].id, kid("k-v1"));
}

#[test]
fn deny_tells_the_person_and_the_moderators() {
    let (mut r, _) = knocking_room(2);
    let effects = r
        .deny(&pid("m"), &[kid("k-v1"), kid("k-v1")])
        .expect("a moderator denies");
    assert_eq!(
        lines(&effects),
        [
            "m: knock k-v1 Denied by Some(\"name-m\")",
            "dismiss k-v1: error denied (name-m did not let you in)",
        ]
    );
    let Effect::Dismiss { message, .. } = &effects[1] else {
        panic!("dismiss");
    };
    assert!(
        matches!(message, ServerMessage::Error { code, .. } if code.is_fatal() && *code == ErrorCode::Denied)
    );
    assert_eq!(r.knocks().len(), 1);
    // A decided knock is not knocking any more: admitting it does nothing.
    assert!(
        r.admit(&pid("m"), &[kid("k-v1")])
            .expect("allowed")
            .is_empty()
    );
}

#[test]
fn a_participant_may_not_admit_deny_open_or_lock_and_nothing_changes() {
    let (mut r, t0) = knocking_room(2);
    let before = state(&r);
    let p = pid("p");
    assert_eq!(r.admit(&p, &[kid("k-v0")]), Err(RoomError::Forbidden));
    assert_eq!(r.deny(&p, &[kid("k-v0")]), Err(RoomError::Forbidden));
    assert_eq!(
        r.set_open(t0, &By::Participant(p.clone()), false),
        Err(RoomError::Forbidden)
    );
    assert_eq!(
        r.set_waiting_room(&By::Participant(p.clone()), false),
        Err(RoomError::Forbidden)
    );
    // Nor may someone knocking open or anything else, nor a stranger.
    assert_eq!(
        r.set_open(t0, &By::Waiting(kid("k-v0")), false),
        Err(RoomError::Forbidden)
    );
    assert_eq!(
        r.admit(&pid("ghost"), &[kid("k-v0")]),
        Err(RoomError::UnknownParticipant)
    );
    assert_eq!(state(&r), before);
}

#[test]
fn a_removed_moderator_knocking_may_not_close_the_room() {
    let t0 = Instant::now();
    let mut r = room_with(true, false, 50);
    enter_in(&mut r, t0, Person::new("own", Role::Owner));
    enter_in(
        &mut r,
        t0,
        Person::new("mod", Role::Moderator).user("u-mod"),
    );
    r.remove(&pid("own"), &pid("mod"))
        .expect("the owner removes");
    let effects = enter_held(
        &mut r,
        t0,
        Person::new("mod2", Role::Moderator).user("u-mod"),
    );
    assert_eq!(
        lines(&effects)[0],
        "k-mod2: waiting Knocking can_open false"
    );
    let before = state(&r);
    for open in [false, true] {
        assert_eq!(
            r.set_open(t0, &By::Waiting(kid("k-mod2")), open),
            Err(RoomError::Forbidden)
        );
    }
    assert_eq!(
        r.set_waiting_room(&By::Waiting(kid("k-mod2")), true),
        Err(RoomError::Forbidden)
    );
    assert_eq!(state(&r), before);
}

#[test]
fn switching_the_waiting_room_off_admits_all_but_removed_people() {
    let t0 = Instant::now();
    let mut r = room_with(true, false, 50);
    enter_in(&mut r, t0, Person::new("m", Role::Moderator));
    enter_in(
        &mut r,
        t0,
        Person::new("bad", Role::Participant).key("browser-of-bad"),
    );
    r.remove(&pid("m"), &pid("bad"))
        .expect("a moderator removes");
    // Waiting room off, yet the removed browser knocks.
    let effects = enter_held(
        &mut r,
        t0,
        Person::new("bad2", Role::Participant).key("browser-of-bad"),
    );
    assert_eq!(
        lines(&effects),
        [
            "k-bad2: waiting Knocking can_open false",
            "m: knock k-bad2 removed_before true"
        ]
    );
    let by_m = By::Participant(pid("m"));
    r.set_waiting_room(&by_m, true).expect("a moderator locks");
    enter_held(&mut r, t0, Person::new("v", Role::Participant));
    let effects = r
        .set_waiting_room(&by_m, false)
        .expect("a moderator unlocks");
    assert_eq!(
        lines(&effects),
        [
            "m: waiting room false",
            "m: knock k-v Admitted by Some(\"name-m\")",
            "admit k-v as v",
        ]
    );
    assert_eq!(r.knocks().len(), 1, "the removed one still knocks");
    // The same setting again: nothing.
    assert!(
        r.set_waiting_room(&by_m, false)
            .expect("allowed")
            .is_empty()
    );
}

#[test]
fn opening_lets_waiters_in_in_order_or_makes_them_knock() {
    for waiting_room in [false, true] {
        let t0 = Instant::now();
        let mut r = room_with(false, waiting_room, 50);
        enter_held(&mut r, t0, Person::new("p1", Role::Participant));
        enter_held(&mut r, t0, Person::new("m", Role::Moderator));
        enter_held(&mut r, t0, Person::new("p2", Role::Participant));
        // Someone waiting who may not open cannot.
        let before = state(&r);
        assert_eq!(
            r.set_open(t0, &By::Waiting(kid("k-p1")), true),
            Err(RoomError::Forbidden)
        );
        assert_eq!(state(&r), before);
        let t1 = t0 + Duration::from_secs(60);
        let effects = r
            .set_open(t1, &By::Waiting(kid("k-m")), true)
            .expect("a moderator waiting may open");
        let got = lines(&effects);
        if waiting_room {
            assert_eq!(
                got,
                [
                    "admit k-m as m",
                    "k-p1: waiting Knocking can_open false",
                    "m: knock k-p1 removed_before false",
                    "k-p2: waiting Knocking can_open false",
                    "m: knock k-p2 removed_before false",
                ]
            );
            // Knocks count from the opening.
            assert_eq!(r.next_deadline(), Some(t1 + KNOCK_TIMEOUT));
        } else {
            assert_eq!(
                got,
                ["admit k-p1 as p1", "admit k-m as m", "admit k-p2 as p2"]
            );
            let Effect::Admit { joined, .. } = &effects[2] else {
                panic!("admit");
            };
            assert_eq!(lines(&joined.effects), ["p1: joined p2", "m: joined p2"]);
        }
        assert!(r.settings().open);
        // Opening an open room: nothing.
        assert!(
            r.set_open(t1, &By::Participant(pid("m")), true)
                .expect("allowed")
                .is_empty()
        );
    }
}

#[test]
fn closing_ends_the_meeting_and_knocks_wait_for_the_next_opening() {
    let (mut r, t0) = knocking_room(1);
    r.raise_hand(&pid("p"), true).expect("anyone raises");
    r.chat(t0, 1, &pid("p"), "hello", "c1".into())
        .expect("anyone chats");
    let token_p = "tok-p";
    let effects = r
        .set_open(t0, &By::Participant(pid("m")), false)
        .expect("a moderator closes");
    assert_eq!(
        lines(&effects),
        [
            "disconnect m: ended RoomClosed by Some(\"name-m\")",
            "close media m",
            "disconnect p: ended RoomClosed by Some(\"name-m\")",
            "close media p",
            "k-v0: waiting RoomClosed can_open false",
        ]
    );
    assert!(r.participants().is_empty());
    assert!(r.knocks().is_empty());
    assert_eq!(
        r.waiting_reason(&kid("k-v0")),
        Some(WaitingReason::RoomClosed)
    );
    assert_eq!(
        r.next_deadline(),
        None,
        "waiting for an opening does not expire"
    );
    assert!(!r.remembers_meeting());
    assert!(!r.is_empty(), "someone still waits");
    // The next meeting: nothing of the last one, old tokens dead.
    let org = By::Organiser {
        name: Some("Admin".into()),
    };
    let effects = r.set_open(t0, &org, true).expect("organiser");
    assert_eq!(lines(&effects), ["k-v0: waiting Knocking can_open false"]);
    let back = enter_in(
        &mut r,
        t0,
        Person::new("p-again", Role::Moderator).token(token_p),
    );
    assert!(!back.resumed);
    let ServerMessage::Welcome {
        chat,
        knocks,
        participants,
        waiting_room,
        ..
    } = back.welcome(Vec::new())
    else {
        panic!("welcome");
    };
    assert!(chat.is_empty());
    assert!(participants.is_empty());
    assert!(waiting_room);
    assert_eq!(knocks.len(), 1, "a moderator's welcome lists the knocks");
    assert_eq!(knocks[0].id, kid("k-v0"));
}

#[test]
fn deleting_the_room_ends_everything() {
    let (mut r, _) = knocking_room(1);
    let effects = r.room_deleted(Some("Admin".into()));
    assert_eq!(
        lines(&effects),
        [
            "dismiss k-v0: ended RoomDeleted by Some(\"Admin\")",
            "disconnect m: ended RoomDeleted by Some(\"Admin\")",
            "close media m",
            "disconnect p: ended RoomDeleted by Some(\"Admin\")",
            "close media p",
        ]
    );
    assert!(r.is_empty());
    assert!(!r.settings().open);
}

#[test]
fn a_knock_that_leaves_is_gone() {
    let (mut r, _) = knocking_room(2);
    assert_eq!(
        lines(&r.knock_left(&kid("k-v0"))),
        ["m: knock k-v0 Left by None"]
    );
    assert!(r.knock_left(&kid("k-v0")).is_empty());
    assert_eq!(r.knocks().len(), 1);
    // Someone waiting for the opening leaves silently.
    let mut closed = room_with(false, false, 5);
    enter_held(
        &mut closed,
        Instant::now(),
        Person::new("w", Role::Participant),
    );
    assert!(closed.knock_left(&kid("k-w")).is_empty());
    assert!(closed.is_empty());
}

#[test]
fn limits_on_waiting_and_on_the_room() {
    let t0 = Instant::now();
    let mut r = room_with(false, false, 1);
    for i in 0..amphi_room::MAX_WAITING {
        enter_held(&mut r, t0, Person::new(&format!("w{i}"), Role::Participant));
    }
    let before = state(&r);
    assert_eq!(
        enter(&mut r, t0, Person::new("one-more", Role::Participant)),
        Err(RoomError::TooManyWaiting(amphi_room::MAX_WAITING))
    );
    assert_eq!(state(&r), before);
    // The room holds one: the first gets in, the others are turned away as the room is full.
    let effects = r
        .set_open(t0, &By::Organiser { name: None }, true)
        .expect("organiser");
    let got = lines(&effects);
    assert_eq!(got[0], "admit k-w0 as w0");
    assert!(
        got[1].starts_with("dismiss k-w1: error room_full"),
        "{}",
        got[1]
    );
    assert_eq!(got.len(), amphi_room::MAX_WAITING);
    assert!(r.knocks().is_empty());
    assert_eq!(r.participants().len(), 1);
}

#[test]
fn client_keys_are_checked() {
    use amphi_room::valid_client_key;
    for (key, ok) in [
        ("Zt1fQ0c8kX2mV7bN9rLq4w", true),
        ("abcdefgh", true),
        ("abcdefg", false),
        (&"a".repeat(64), true),
        (&"a".repeat(65), false),
        ("abc def gh", false),
        ("abcdefgh=", false),
        ("ab_cd-ef", true),
        ("", false),
    ] {
        assert_eq!(valid_client_key(key), ok, "{key:?}");
    }
}
