//! The room's decisions as tables: joins, the cap, names, drops and resumes, publications.

use amphi_proto::{ParticipantId, PublicationId, Role, RoomInfo, ServerMessage, Source};
use amphi_room::{Effect, Fresh, JoinRequest, Joined, Room, RoomConfig, RoomError};
use std::time::{Duration, Instant};

fn room(cap: usize) -> Room {
    Room::new(
        RoomInfo {
            slug: "team".into(),
            name: "Team".into(),
        },
        RoomConfig {
            max_participants: cap,
            reconnect_grace: Duration::from_secs(30),
        },
    )
}

fn join(room: &mut Room, now: Instant, id: &str, token: Option<&str>) -> Result<Joined, RoomError> {
    room.join(
        now,
        JoinRequest {
            name: format!("name-{id}"),
            role: Role::Participant,
            resume_token: token.map(String::from),
        },
        Fresh {
            participant_id: ParticipantId(id.into()),
            resume_token: format!("tok-{id}-{}", now.elapsed().as_nanos()),
        },
    )
}

fn pid(s: &str) -> ParticipantId {
    ParticipantId(s.into())
}

/// Effects as short lines, so tables stay readable.
fn lines(effects: &[Effect]) -> Vec<String> {
    effects
        .iter()
        .map(|e| match e {
            Effect::Send { to, message } => format!("{to}: {}", describe(message)),
            Effect::CloseMedia { participant } => format!("close media {participant}"),
            Effect::Subscribe {
                subscriber,
                publication,
            } => format!("subscribe {subscriber} to {publication}"),
            Effect::EndPublication {
                participant,
                publication,
            } => format!("end {publication} of {participant}"),
            other => format!("{other:?}"),
        })
        .collect()
}

fn describe(m: &ServerMessage) -> String {
    match m {
        ServerMessage::ParticipantJoined { participant } => format!("joined {}", participant.id),
        ServerMessage::ParticipantUpdated { participant } => {
            format!("updated {} {:?}", participant.id, participant.connection)
        }
        ServerMessage::ParticipantLeft {
            participant_id,
            reason,
        } => format!("left {participant_id} {reason:?}"),
        ServerMessage::PublicationAdded { publication } => format!("added {}", publication.id),
        ServerMessage::PublicationRemoved { publication_id } => format!("removed {publication_id}"),
        ServerMessage::PublicationMuted {
            publication_id,
            muted,
        } => format!("muted {publication_id} {muted}"),
        ServerMessage::ActiveSpeaker { participant_id } => format!("speaker {participant_id:?}"),
        other => format!("{other:?}"),
    }
}

#[test]
fn the_cap_counts_everyone_including_reconnecting() {
    // (cap, already in, of whom dropped, the next join succeeds)
    let rows = [
        (1, 0, 0, true),
        (1, 1, 0, false),
        (2, 1, 0, true),
        (2, 2, 1, false),
        (50, 49, 10, true),
        (50, 50, 0, false),
        (0, 0, 0, false),
    ];
    for (cap, n, dropped, ok) in rows {
        let t0 = Instant::now();
        let mut r = room(cap);
        for i in 0..n {
            join(&mut r, t0, &format!("p{i}"), None).expect("below the cap");
        }
        for i in 0..dropped {
            r.disconnected(t0, &pid(&format!("p{i}")));
        }
        let got = join(&mut r, t0, "next", None);
        assert_eq!(got.is_ok(), ok, "cap {cap}, {n} in, {dropped} dropped");
        if !ok {
            assert_eq!(got.unwrap_err(), RoomError::RoomFull(cap));
        }
    }
}

#[test]
fn names_are_trimmed_and_bounded() {
    let long = "é".repeat(64);
    let too_long = "é".repeat(65);
    let rows: &[(&str, Option<&str>)] = &[
        ("Alice", Some("Alice")),
        ("  Bob  ", Some("Bob")),
        (&long, Some(&long)),
        ("", None),
        ("   ", None),
        (&too_long, None),
        ("Eve\u{0}", None),
        ("line\nbreak", None),
    ];
    for (raw, want) in rows {
        let mut r = room(5);
        let got = r.join(
            Instant::now(),
            JoinRequest {
                name: raw.to_string(),
                role: Role::Participant,
                resume_token: None,
            },
            Fresh {
                participant_id: pid("a"),
                resume_token: "t".into(),
            },
        );
        match want {
            Some(name) => {
                assert!(got.is_ok(), "{raw:?}");
                assert_eq!(r.participants()[0].name, *name);
            }
            None => assert_eq!(got.unwrap_err(), RoomError::InvalidName, "{raw:?}"),
        }
    }
}

#[test]
fn joins_and_leaves_are_told_to_the_others() {
    let t0 = Instant::now();
    let mut r = room(5);
    let a = join(&mut r, t0, "a", None).expect("room empty");
    assert!(a.effects.is_empty());
    let b = join(&mut r, t0, "b", None).expect("room has space");
    assert_eq!(lines(&b.effects), ["a: joined b"]);
    let welcome = r.welcome(&b, vec![]).expect("b is in");
    let ServerMessage::Welcome {
        participants,
        resumed,
        ..
    } = welcome
    else {
        panic!("not a welcome")
    };
    assert!(!resumed);
    assert_eq!(participants.len(), 1);
    assert_eq!(participants[0].id, pid("a"));
    assert_eq!(
        lines(&r.leave(&pid("a"))),
        ["close media a", "b: left a Left"]
    );
    assert_eq!(lines(&r.leave(&pid("a"))), Vec::<String>::new());
    assert_eq!(r.participants().len(), 1);
}

#[test]
fn publications_are_announced_subscribed_muted_and_removed() {
    let t0 = Instant::now();
    let mut r = room(5);
    for id in ["a", "b", "c"] {
        join(&mut r, t0, id, None).expect("room has space");
    }
    let cam = PublicationId("cam-a".into());
    let effects = r
        .publication_started(cam.clone(), &pid("a"), Source::Camera)
        .expect("a may publish");
    assert_eq!(
        lines(&effects),
        [
            "a: added cam-a",
            "b: added cam-a",
            "c: added cam-a",
            "subscribe b to cam-a",
            "subscribe c to cam-a",
        ]
    );
    // The same event twice changes nothing.
    assert!(
        r.publication_started(cam.clone(), &pid("a"), Source::Camera)
            .expect("known")
            .is_empty()
    );
    // A newcomer is subscribed to what exists.
    let d = join(&mut r, t0, "d", None).expect("room has space");
    assert_eq!(
        lines(&d.effects),
        [
            "a: joined d",
            "b: joined d",
            "c: joined d",
            "subscribe d to cam-a"
        ]
    );
    // Mute: told to all, once.
    let m = r
        .set_muted(&pid("a"), Source::Camera, true)
        .expect("a publishes a camera");
    assert_eq!(m.len(), 4);
    assert!(
        r.set_muted(&pid("a"), Source::Camera, true)
            .expect("same")
            .is_empty()
    );
    assert_eq!(
        r.set_muted(&pid("a"), Source::Microphone, true),
        Err(RoomError::UnknownPublication)
    );
    assert_eq!(
        r.set_muted(&pid("b"), Source::Camera, true),
        Err(RoomError::UnknownPublication)
    );
    // A second camera from the same participant replaces the first.
    let effects = r
        .publication_started(PublicationId("cam-a2".into()), &pid("a"), Source::Camera)
        .expect("a may publish");
    assert_eq!(
        lines(&effects)[..6],
        [
            "a: removed cam-a",
            "b: removed cam-a",
            "c: removed cam-a",
            "d: removed cam-a",
            "end cam-a of a",
            "a: added cam-a2"
        ]
    );
    assert_eq!(r.publications().len(), 1);
    // Ending it.
    assert_eq!(
        r.publication_ended(&PublicationId("cam-a2".into())).len(),
        4
    );
    assert!(
        r.publication_ended(&PublicationId("cam-a2".into()))
            .is_empty()
    );
    // Unknown publisher.
    assert_eq!(
        r.publication_started(PublicationId("x".into()), &pid("zz"), Source::Camera),
        Err(RoomError::UnknownParticipant)
    );
}

#[test]
fn a_drop_keeps_the_place_for_the_grace_period() {
    let t0 = Instant::now();
    let s = Duration::from_secs;
    let mut r = room(5);
    join(&mut r, t0, "a", None).expect("room has space");
    join(&mut r, t0, "b", None).expect("room has space");
    r.publication_started(PublicationId("mic-b".into()), &pid("b"), Source::Microphone)
        .expect("b may publish");
    assert_eq!(r.next_deadline(), None);
    assert_eq!(
        lines(&r.disconnected(t0 + s(1), &pid("b"))),
        [
            "a: removed mic-b",
            "close media b",
            "a: updated b Reconnecting"
        ]
    );
    assert!(
        r.disconnected(t0 + s(2), &pid("b")).is_empty(),
        "twice is once"
    );
    assert_eq!(r.next_deadline(), Some(t0 + s(31)));
    // (time, participants left after tick)
    let timeline = [(s(2), 2), (s(30), 2), (s(31), 1), (s(40), 1)];
    let mut left_events = Vec::new();
    for (at, count) in timeline {
        left_events.extend(lines(&r.tick(t0 + at)));
        assert_eq!(r.participants().len(), count, "at {at:?}");
    }
    assert_eq!(left_events, ["a: left b Timeout"]);
    assert_eq!(r.next_deadline(), None);
}

#[test]
fn a_resume_within_the_grace_period_is_the_same_participant() {
    let t0 = Instant::now();
    let s = Duration::from_secs;
    // (seconds after the drop when b comes back, resumed?)
    for (after, resumed) in [(0, true), (10, true), (29, true), (30, false), (45, false)] {
        let mut r = room(5);
        join(&mut r, t0, "a", None).expect("room has space");
        let b = join(&mut r, t0, "b", None).expect("room has space");
        r.disconnected(t0, &pid("b"));
        let back = r
            .join(
                t0 + s(after),
                JoinRequest {
                    name: "Bob again".into(),
                    role: Role::Participant,
                    resume_token: Some(b.resume_token.clone()),
                },
                Fresh {
                    participant_id: pid("b2"),
                    resume_token: "new".into(),
                },
            )
            .expect("room has space");
        assert_eq!(back.resumed, resumed, "after {after}s");
        assert!(!back.replaced);
        if resumed {
            assert_eq!(back.participant_id, pid("b"));
            assert_eq!(lines(&back.effects), ["a: updated b Connected"]);
        } else {
            assert_eq!(back.participant_id, pid("b2"));
            assert_eq!(lines(&back.effects), ["a: left b Timeout", "a: joined b2"]);
        }
        assert_eq!(r.participants().len(), 2);
        // The old token is spent.
        let again = join(&mut r, t0 + s(after), "c", Some(&b.resume_token)).expect("space");
        assert!(!again.resumed);
    }
}

#[test]
fn a_resume_while_still_connected_replaces_the_old_socket() {
    let t0 = Instant::now();
    let mut r = room(2);
    join(&mut r, t0, "a", None).expect("room has space");
    let b = join(&mut r, t0, "b", None).expect("room has space");
    r.publication_started(PublicationId("cam-b".into()), &pid("b"), Source::Camera)
        .expect("b may publish");
    // The room is full, but a resume takes no new seat.
    let back = join(&mut r, t0, "b2", Some(&b.resume_token)).expect("a resume fits");
    assert!(back.resumed && back.replaced);
    assert_eq!(back.participant_id, pid("b"));
    // Its old publications go; b itself is not told (its welcome says what exists). It came
    // back under another name ("name-b2"), so a is told of the change.
    assert_eq!(
        lines(&back.effects),
        ["a: removed cam-b", "a: updated b Connected"]
    );
    assert_eq!(r.participants()[1].name, "name-b2");
    assert!(r.publications().is_empty());
}

#[test]
fn the_active_speaker_is_told_when_it_changes() {
    let t0 = Instant::now();
    let mut r = room(5);
    join(&mut r, t0, "a", None).expect("room has space");
    join(&mut r, t0, "b", None).expect("room has space");
    // (speaker reported, messages sent)
    let rows: [(Option<&str>, usize); 6] = [
        (Some("a"), 2),
        (Some("a"), 0),
        (Some("b"), 2),
        (Some("ghost"), 2), // unknown: nobody
        (None, 0),
        (Some("b"), 2),
    ];
    for (speaker, sent) in rows {
        let effects = r.set_active_speaker(speaker.map(pid));
        assert_eq!(effects.len(), sent, "{speaker:?}");
    }
    // The speaker drops: nobody speaks.
    let effects = lines(&r.disconnected(t0, &pid("b")));
    assert_eq!(effects.last().map(String::as_str), Some("a: speaker None"));
}

#[test]
fn checks_go_through_the_table() {
    let t0 = Instant::now();
    let mut r = room(5);
    r.join(
        t0,
        JoinRequest {
            name: "Mod".into(),
            role: Role::Moderator,
            resume_token: None,
        },
        Fresh {
            participant_id: pid("m"),
            resume_token: "t".into(),
        },
    )
    .expect("room has space");
    join(&mut r, t0, "p", None).expect("room has space");
    use amphi_room::Action;
    assert_eq!(r.check(&pid("m"), Action::MuteOthers), Ok(()));
    assert_eq!(
        r.check(&pid("p"), Action::MuteOthers),
        Err(RoomError::Forbidden)
    );
    assert_eq!(
        r.check(&pid("nobody"), Action::Chat),
        Err(RoomError::UnknownParticipant)
    );
}
