//! Sessions (W3–W7, C9), the live and attendees: what attendees receive before, during and after
//! the live, live transitions, the audience counts, the cap, deletion.

mod common;
#[path = "common/session.rs"]
mod session;

use amphi_proto::{
    Audience, ErrorCode, LiveState, ParticipantId, PublicationId, Role, ServerMessage, Source,
    StageContentRequest, StageLayout,
};
use amphi_room::{RoomError, RoomKind};
use common::*;
use session::*;
use std::time::{Duration, Instant};

#[test]
fn a_session_is_a_webinar_room() {
    let room = session(7);
    assert_eq!(room.kind(), RoomKind::Webinar { max_attendees: 7 });
    assert_eq!(room.live().map(|l| l.state), Some(LiveState::NotStarted));
    let meeting = room_with(true, false, 5);
    assert_eq!(meeting.kind(), RoomKind::Meeting);
    assert_eq!(meeting.live(), None);
    assert_eq!(meeting.stage(Instant::now()), None);
}

#[test]
fn attendees_are_in_no_list_and_hear_of_nobody() {
    let t = Instant::now();
    let mut room = session(2000);
    staff(&mut room, t, "mod", Role::Moderator);
    let (welcome, effects) = attendee(&mut room, t, "a1");
    // Nobody hears of the attendee joining; the moderator gets the count (after a second).
    assert!(lines(&effects).is_empty(), "{:?}", lines(&effects));
    let effects = room.tick(t + Duration::from_secs(1));
    assert_eq!(lines(&effects), ["mod: audience 1/0/1"]);
    let ServerMessage::Welcome {
        role,
        participants,
        publications,
        live,
        stage,
        audience,
        contents,
        ..
    } = welcome
    else {
        panic!("a welcome")
    };
    assert_eq!(role, Role::Attendee);
    assert!(participants.is_empty(), "{participants:?}");
    assert!(publications.is_empty());
    assert_eq!(live.map(|l| l.state), Some(LiveState::NotStarted));
    assert!(stage.is_some());
    assert_eq!(audience, None, "attendees do not see the audience");
    assert!(contents.is_empty(), "attendees do not see the content list");

    // A speaker joining later does not list the attendee, and the attendee hears nothing of it.
    let effects = staff(&mut room, t, "sp1", Role::Speaker);
    assert!(to("a1", &effects).is_empty(), "{:?}", lines(&effects));
    let joined = enter_in(
        &mut room,
        t,
        Person::new("sp2", Role::Speaker).user("u-sp2"),
    );
    let ServerMessage::Welcome { participants, .. } = joined.welcome(Vec::new()) else {
        panic!()
    };
    let ids: Vec<&str> = participants.iter().map(|p| p.id.0.as_str()).collect();
    assert_eq!(ids, ["mod", "sp1"]);
    assert!(room.participant(&pid("a1")).is_none());
    assert!(room.attendee(&pid("a1")).is_some());

    // An attendee leaving: nobody is told (but the count, later).
    let effects = room.leave(&pid("a1"));
    assert_eq!(lines(&effects), ["close media a1"]);
}

#[test]
fn what_attendees_receive_before_during_and_after_the_live() {
    let t = Instant::now();
    let mut room = backstage(t);
    // Before the live: a stage is set; the attendee sees the stage, and no media at all.
    let effects = room
        .set_stage(t, &pid("mod"), stage(StageLayout::Grid, &["sp1"], None))
        .expect("a valid stage");
    assert_eq!(to("a1", &effects), ["a1: stage Grid [sp1] -"]);
    assert!(room.staged_publications().is_empty());

    // The live starts: everyone hears it; the attendee gets sp1's microphone and camera only.
    let effects = room.set_live(t, live(LiveState::Live));
    assert_eq!(
        to("a1", &effects),
        [
            "a1: live Live by Some(\"Olivia\")",
            "a1: added sp1-microphone",
            "subscribe a1 to sp1-microphone",
            "a1: added sp1-camera",
            "subscribe a1 to sp1-camera",
        ]
    );
    for staff in ["mod", "sp1", "sp2"] {
        assert_eq!(
            to(staff, &effects),
            [format!("{staff}: live Live by Some(\"Olivia\")")]
        );
    }

    // A late attendee gets the stage's publications in its welcome, and subscriptions.
    let joined = enter_in(&mut room, t, Person::new("a2", Role::Attendee));
    let ServerMessage::Welcome { publications, .. } = joined.welcome(Vec::new()) else {
        panic!()
    };
    let ids: Vec<&str> = publications.iter().map(|p| p.id.0.as_str()).collect();
    assert_eq!(ids, ["sp1-microphone", "sp1-camera"]);
    assert_eq!(
        lines(&joined.effects),
        [
            "subscribe a2 to sp1-microphone",
            "subscribe a2 to sp1-camera"
        ]
    );

    // A publication off the stage reaches staff only; one on it reaches attendees too.
    let effects = publish(&mut room, t, "sp2", Source::Screen);
    assert!(to("a1", &effects).is_empty(), "{:?}", lines(&effects));
    let effects = room
        .set_stage(
            t,
            &pid("mod"),
            stage(
                StageLayout::Content,
                &["sp2"],
                Some(StageContentRequest::Screen {
                    participant_id: pid("sp2"),
                }),
            ),
        )
        .expect("a valid stage");
    assert_eq!(
        to("a1", &effects),
        [
            "a1: stage Content [sp2] screen sp2-screen",
            "unsubscribe a1 from sp1-microphone",
            "a1: removed sp1-microphone",
            "unsubscribe a1 from sp1-camera",
            "a1: removed sp1-camera",
            "a1: added sp2-microphone",
            "subscribe a1 to sp2-microphone",
            "a1: added sp2-camera",
            "subscribe a1 to sp2-camera",
            "a1: added sp2-screen",
            "subscribe a1 to sp2-screen",
        ]
    );
    // Mutes of staged publications reach attendees; of others, not.
    let effects = room
        .set_muted(&pid("sp2"), Source::Microphone, true)
        .unwrap();
    assert_eq!(to("a1", &effects), ["a1: muted sp2-microphone true"]);
    let effects = room
        .set_muted(&pid("sp1"), Source::Microphone, true)
        .unwrap();
    assert!(to("a1", &effects).is_empty());

    // The live ends: everyone hears it; attendees lose every subscription and stay connected.
    let effects = room.set_live(t, live(LiveState::Ended));
    let a1 = to("a1", &effects);
    assert_eq!(a1[0], "a1: live Ended by Some(\"Olivia\")");
    assert!(
        a1.contains(&"unsubscribe a1 from sp2-screen".to_owned()),
        "{a1:?}"
    );
    assert_eq!(
        a1.iter().filter(|l| l.starts_with("unsubscribe")).count(),
        3
    );
    assert!(room.staged_publications().is_empty());
    assert!(room.attendee(&pid("a1")).is_some_and(|a| a.is_connected()));
    // An ended live never starts again, whatever the caller says.
    assert!(room.set_live(t, live(LiveState::Live)).is_empty());
    assert_eq!(room.live().map(|l| l.state), Some(LiveState::Ended));
    // A late attendee after the end receives nothing.
    let joined = enter_in(&mut room, t, Person::new("a3", Role::Attendee));
    assert!(joined.effects.is_empty());
}

#[test]
fn live_transitions_are_checked_against_the_role_and_the_state() {
    let t = Instant::now();
    let mut room = backstage(t);
    // (who, start?, expected) in the order they happen.
    assert_eq!(
        room.check_live(&pid("sp1"), true),
        Err(RoomError::Forbidden)
    );
    assert_eq!(room.check_live(&pid("a1"), true), Err(RoomError::Forbidden));
    assert_eq!(
        room.check_live(&pid("mod"), false),
        Err(RoomError::LiveNotStarted)
    );
    assert_eq!(room.check_live(&pid("mod"), true), Ok(true));
    room.set_live(t, live(LiveState::Live));
    assert_eq!(
        room.check_live(&pid("mod"), true),
        Ok(false),
        "already live: nothing"
    );
    assert_eq!(
        room.check_live(&pid("sp1"), false),
        Err(RoomError::Forbidden)
    );
    assert_eq!(room.check_live(&pid("mod"), false), Ok(true));
    room.set_live(t, live(LiveState::Ended));
    assert_eq!(
        room.check_live(&pid("mod"), true),
        Err(RoomError::LiveEnded)
    );
    assert_eq!(RoomError::LiveEnded.code(), ErrorCode::LiveEnded);
    assert_eq!(
        room.check_live(&pid("mod"), false),
        Ok(false),
        "already ended: nothing"
    );
    // A meeting room has no live.
    let mut meeting = room_with(true, false, 5);
    enter_in(&mut meeting, t, Person::new("o", Role::Owner));
    assert_eq!(
        meeting.check_live(&pid("o"), true),
        Err(RoomError::NotASession)
    );
    assert_eq!(RoomError::NotASession.code(), ErrorCode::Forbidden);
}

#[test]
fn audience_counts_are_exact_and_told_at_most_once_a_second() {
    let t = Instant::now();
    let mut room = session(2000);
    let effects = staff(&mut room, t, "mod", Role::Moderator);
    assert_eq!(lines(&effects), ["mod: audience 0/0/1"]);
    // Within the second: held back, with a deadline.
    let effects = staff(&mut room, t, "sp1", Role::Speaker);
    assert!(
        to("mod", &effects).iter().all(|l| !l.contains("audience")),
        "{effects:?}"
    );
    assert!(
        to("sp1", &effects).iter().all(|l| !l.contains("audience")),
        "speakers never see it"
    );
    attendee(&mut room, t, "a1");
    attendee(&mut room, t, "a2");
    let due = t + Duration::from_secs(1);
    assert_eq!(room.next_deadline(), Some(due));
    let effects = room.tick(due);
    assert_eq!(lines(&effects), ["mod: audience 2/1/1"]);
    assert_eq!(room.next_deadline(), None, "nothing pending");
    // A drop counts down, a resume counts back up: told once a second, exact each time.
    let t2 = due + Duration::from_secs(1);
    let mut effects = room.disconnected(t2, &pid("a1"));
    effects.extend(room.settle(t2));
    assert_eq!(to("mod", &effects), ["mod: audience 1/1/1"]);
    let t3 = t2 + Duration::from_secs(2);
    let joined = enter_in(
        &mut room,
        t3,
        Person::new("x", Role::Attendee).token("tok-a1"),
    );
    assert!(joined.resumed);
    assert_eq!(joined.participant_id, pid("a1"));
    assert_eq!(to("mod", &room.settle(t3)), ["mod: audience 2/1/1"]);
    // Leaves: the owner and managers count as moderators.
    let t4 = t3 + Duration::from_secs(2);
    room.leave(&pid("a2"));
    enter_in(&mut room, t4, Person::new("own", Role::Owner).user("u-own"));
    let effects = room.settle(t4);
    assert_eq!(
        lines(&effects),
        ["mod: audience 1/1/2", "own: audience 1/1/2"]
    );
    assert_eq!(
        room.audience(),
        Some(Audience {
            attendees: 1,
            speakers: 1,
            moderators: 2
        })
    );
    // A change and its undo within the second: nothing to tell.
    let t5 = t4 + Duration::from_millis(500);
    enter_in(&mut room, t5, Person::new("a3", Role::Attendee));
    room.leave(&pid("a3"));
    assert!(room.settle(t4 + Duration::from_secs(1)).is_empty());
    // Grace over: a dropped attendee leaves silently, the count was already down.
    let t6 = t4 + Duration::from_secs(3);
    room.disconnected(t6, &pid("a1"));
    assert_eq!(to("mod", &room.settle(t6)), ["mod: audience 0/1/2"]);
    let effects = room.tick(t6 + Duration::from_secs(30));
    assert!(room.attendee(&pid("a1")).is_none());
    assert!(lines(&effects).is_empty(), "{:?}", lines(&effects));
}

#[test]
fn attendees_are_capped_apart_from_staff() {
    let t = Instant::now();
    let mut room = session(2);
    attendee(&mut room, t, "a1");
    attendee(&mut room, t, "a2");
    let refused = enter(&mut room, t, Person::new("a3", Role::Attendee)).unwrap_err();
    assert_eq!(refused, RoomError::RoomFull(2));
    assert_eq!(refused.code(), ErrorCode::RoomFull);
    // Staff still get in.
    staff(&mut room, t, "mod", Role::Moderator);
    // One leaves: the next gets in.
    room.leave(&pid("a1"));
    attendee(&mut room, t, "a3");
}

#[test]
fn attendees_may_do_nothing_but_receive() {
    let t = Instant::now();
    let mut room = backstage(t);
    let a = pid("a1");
    assert_eq!(
        room.chat(t, 1, &a, "hi", amphi_proto::ChatMessageId("m".into())),
        Err(RoomError::Forbidden)
    );
    assert_eq!(room.raise_hand(&a, true), Err(RoomError::Forbidden));
    assert_eq!(
        room.publication_started(PublicationId("x".into()), &a, Source::Camera),
        Err(RoomError::UnknownParticipant)
    );
    // Staff cannot aim at an attendee (nobody sees them), nor change a staff role in a session.
    assert_eq!(
        room.remove(&pid("mod"), &a).unwrap_err().code(),
        ErrorCode::InvalidMessage
    );
    assert_eq!(
        room.set_role(&pid("mod"), &pid("sp1"), Role::Moderator),
        Err(RoomError::InvalidRole)
    );
    // A session cannot be closed nor locked.
    assert_eq!(
        room.set_open(t, &amphi_room::By::Participant(pid("mod")), false),
        Err(RoomError::Forbidden)
    );
}

#[test]
fn a_deleted_session_ends_for_everyone() {
    let t = Instant::now();
    let mut room = backstage(t);
    let effects = room.session_deleted(None);
    let all = lines(&effects);
    for who in ["a1", "mod", "sp1", "sp2"] {
        assert!(
            all.contains(&format!("disconnect {who}: ended SessionDeleted by None")),
            "{all:?}"
        );
        assert!(all.contains(&format!("close media {who}")), "{all:?}");
    }
    assert!(room.is_empty());
}

#[test]
fn the_active_speaker_reaches_attendees() {
    let t = Instant::now();
    let mut room = backstage(t);
    // Not before the live: the backstage is private.
    let effects = room.set_active_speaker(Some(pid("sp2")));
    assert!(to("a1", &effects).is_empty(), "{:?}", lines(&effects));
    room.set_live(t, live(LiveState::Live));
    let effects = room.set_active_speaker(Some(pid("sp1")));
    assert_eq!(
        to("a1", &effects),
        ["a1: speaker Some(ParticipantId(\"sp1\"))"]
    );
    let _ = ParticipantId::from("x");
}
