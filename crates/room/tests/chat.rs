//! The meeting's chat (C3): what a message may hold, the rate, the history late joiners get.

mod common;

use amphi_proto::{ChatMessageId, MAX_CHAT_HISTORY, Role, ServerMessage};
use amphi_room::{By, Room, RoomError};
use common::*;
use std::time::{Duration, Instant};

fn two_in_a_room() -> (Room, Instant) {
    let t0 = Instant::now();
    let mut r = room_with(true, false, 50);
    enter_in(&mut r, t0, Person::new("a", Role::Participant));
    enter_in(&mut r, t0, Person::new("b", Role::Participant));
    (r, t0)
}

fn id(n: usize) -> ChatMessageId {
    ChatMessageId(format!("c{n}"))
}

#[test]
fn what_a_message_may_hold() {
    let most = "é".repeat(2000);
    let too_many = "é".repeat(2001);
    let huge = "a".repeat(100 * 1024);
    let padded = format!("  {most}  ");
    // (sent, kept as)
    let rows: &[(&str, Option<&str>)] = &[
        ("hello", Some("hello")),
        ("  hi there \n", Some("hi there")),
        ("two\nlines", Some("two\nlines")),
        ("a\ttab", Some("a\ttab")),
        (&most, Some(&most)),
        (&padded, Some(&most)),
        // Kept as text: clients never interpret it as HTML.
        (
            "<img src=x onerror=alert(1)>",
            Some("<img src=x onerror=alert(1)>"),
        ),
        ("", None),
        ("   \n\t ", None),
        (&too_many, None),
        (&huge, None),
        ("bell\u{7}", None),
        ("nul\u{0}", None),
        ("carriage\r\nreturn", None),
        ("escape\u{1b}[31m", None),
        ("c1\u{85}control", None),
    ];
    for (n, (text, kept)) in rows.iter().enumerate() {
        let (mut r, t0) = two_in_a_room();
        let before = state(&r);
        let got = r.chat(t0, 1_790_000_000_000, &pid("a"), text, id(n));
        let row = format!("{:?}", text.chars().take(40).collect::<String>());
        match kept {
            Some(kept) => {
                let effects = got.expect(&row);
                assert_eq!(effects.len(), 2, "{row}: to everyone, the sender included");
                for (effect, to) in effects.iter().zip(["a", "b"]) {
                    let line = lines(std::slice::from_ref(effect)).remove(0);
                    assert_eq!(line, format!("{to}: chat c{n} {kept:?}"), "{row}");
                }
                let history: Vec<_> = r.chat_history().collect();
                assert_eq!(history.len(), 1);
                assert_eq!(history[0].text, *kept);
                assert_eq!(history[0].name, "name-a");
                assert_eq!(history[0].sent_at, 1_790_000_000_000);
            }
            None => {
                let err = got.expect_err(&row);
                assert!(matches!(err, RoomError::InvalidChat(_)), "{row}: {err:?}");
                assert_eq!(err.code(), amphi_proto::ErrorCode::InvalidMessage);
                assert_eq!(state(&r), before, "{row}: nothing kept");
            }
        }
    }
}

#[test]
fn five_at_once_then_one_every_two_seconds() {
    let (mut r, t0) = two_in_a_room();
    for n in 0..5 {
        r.chat(t0, 0, &pid("a"), "burst", id(n))
            .expect("in the burst");
    }
    let before = state(&r);
    assert_eq!(
        r.chat(t0, 0, &pid("a"), "too many", id(5)),
        Err(RoomError::ChatRateLimited)
    );
    assert_eq!(
        RoomError::ChatRateLimited.code(),
        amphi_proto::ErrorCode::RateLimited
    );
    assert_eq!(state(&r), before, "a refused message is not kept");
    // Someone else has their own allowance.
    r.chat(t0, 0, &pid("b"), "me too", id(6))
        .expect("b's own allowance");
    // Refused messages do not use the allowance up: an invalid one costs nothing.
    let s = |secs| t0 + Duration::from_secs(secs);
    assert!(matches!(
        r.chat(s(1), 0, &pid("a"), "", id(7)),
        Err(RoomError::InvalidChat(_))
    ));
    assert_eq!(
        r.chat(s(1), 0, &pid("a"), "still too soon", id(8)),
        Err(RoomError::ChatRateLimited)
    );
    r.chat(s(2), 0, &pid("a"), "one more", id(9))
        .expect("2 s later");
    assert_eq!(
        r.chat(s(3), 0, &pid("a"), "again", id(10)),
        Err(RoomError::ChatRateLimited)
    );
    r.chat(s(4), 0, &pid("a"), "again", id(11))
        .expect("2 s later again");
    assert_eq!(r.chat_history().count(), 5 + 1 + 2);
    // Strangers may not chat.
    assert_eq!(
        r.chat(s(9), 0, &pid("ghost"), "hi", id(12)),
        Err(RoomError::UnknownParticipant)
    );
}

#[test]
fn late_joiners_get_the_last_messages_until_the_meeting_ends() {
    let (mut r, t0) = two_in_a_room();
    let total = MAX_CHAT_HISTORY + 20;
    for n in 0..total {
        // Spread over time so that the rate allows them all.
        let now = t0 + Duration::from_secs(2 * n as u64);
        r.chat(now, n as u64, &pid("a"), &format!("m{n}"), id(n))
            .expect("within the rate");
    }
    let late = enter_in(&mut r, t0, Person::new("late", Role::Participant));
    let ServerMessage::Welcome { chat, .. } = late.welcome(Vec::new()) else {
        panic!("welcome");
    };
    assert_eq!(chat.len(), MAX_CHAT_HISTORY);
    assert_eq!(chat[0].text, "m20", "oldest first, the oldest dropped");
    assert_eq!(chat[MAX_CHAT_HISTORY - 1].text, format!("m{}", total - 1));
    // An empty room keeps its actor (and the history) while it remembers the meeting.
    for who in ["a", "b", "late"] {
        r.leave(&pid(who));
    }
    assert!(r.is_empty() && r.remembers_meeting());
    // Closing forgets it.
    r.set_open(t0, &By::Organiser { name: None }, false)
        .expect("organiser");
    assert_eq!(r.chat_history().count(), 0);
    assert!(!r.remembers_meeting());
}
