//! Sessions (W3–W7, C9): the live, the stage and its validation, content control, attendees
//! (what they receive before, during and after the live) and the audience counts.

mod common;

use amphi_proto::{
    Audience, ContentAction, ContentId, ContentInfo, ContentKind, ContentStatus, ErrorCode,
    LiveInfo, LiveState, ParticipantId, PublicationId, Role, RoomInfo, ServerMessage, Source,
    StageContentRequest, StageLayout, StageRequest,
};
use amphi_room::{Effect, Room, RoomConfig, RoomError, RoomKind};
use common::*;
use std::time::{Duration, Instant};

fn content(id: &str, kind: ContentKind, status: ContentStatus, pages: Option<u32>) -> ContentInfo {
    ContentInfo {
        content_id: ContentId(id.into()),
        kind,
        name: format!("{id}.file"),
        status,
        progress: if status == ContentStatus::Ready {
            100
        } else {
            40
        },
        pages,
        error: None,
    }
}

fn contents() -> Vec<ContentInfo> {
    vec![
        content("img", ContentKind::Image, ContentStatus::Ready, None),
        content("pdf", ContentKind::Pdf, ContentStatus::Ready, Some(12)),
        content("vid", ContentKind::Video, ContentStatus::Ready, None),
        content("busy", ContentKind::Pdf, ContentStatus::Processing, None),
        content("bad", ContentKind::Video, ContentStatus::Failed, None),
    ]
}

fn session(max_attendees: usize) -> Room {
    Room::webinar(
        RoomInfo {
            slug: "launch".into(),
            name: "Launch".into(),
        },
        RoomConfig {
            max_participants: 50,
            reconnect_grace: Duration::from_secs(30),
        },
        max_attendees,
        LiveInfo::not_started(),
        contents(),
    )
}

fn live(state: LiveState) -> LiveInfo {
    LiveInfo {
        state,
        started_at: Some(1),
        ended_at: (state == LiveState::Ended).then_some(2),
        by: Some("Olivia".into()),
    }
}

/// Staff come signed in: `id` is also their user id (`u-id`).
fn staff(room: &mut Room, now: Instant, id: &str, role: Role) -> Vec<Effect> {
    let user = format!("u-{id}");
    let joined = enter_in(room, now, Person::new(id, role).user(&user));
    let mut effects = joined.effects;
    effects.extend(room.settle(now));
    effects
}

fn attendee(room: &mut Room, now: Instant, id: &str) -> (ServerMessage, Vec<Effect>) {
    let joined = enter_in(room, now, Person::new(id, Role::Attendee));
    let welcome = joined.welcome(Vec::new());
    let mut effects = joined.effects;
    effects.extend(room.settle(now));
    (welcome, effects)
}

fn publish(room: &mut Room, now: Instant, who: &str, source: Source) -> Vec<Effect> {
    let id = PublicationId(format!("{who}-{source:?}").to_lowercase());
    let mut effects = room
        .publication_started(id, &pid(who), source)
        .expect("publishes");
    effects.extend(room.settle(now));
    effects
}

fn stage(
    layout: StageLayout,
    members: &[&str],
    content: Option<StageContentRequest>,
) -> StageRequest {
    StageRequest {
        layout,
        members: members.iter().map(|m| pid(m)).collect(),
        content,
    }
}

/// Lines addressed to `who` only.
fn to(who: &str, effects: &[Effect]) -> Vec<String> {
    let prefix = format!("{who}: ");
    let media = format!(" {who} ");
    lines(effects)
        .into_iter()
        .filter(|l| l.starts_with(&prefix) || l.contains(&media) || l.ends_with(&format!(" {who}")))
        .collect()
}

/// A session with moderator `mod`, speakers `sp1`, `sp2` (each publishing microphone and
/// camera), and attendee `a1`.
fn backstage(now: Instant) -> Room {
    let mut room = session(2000);
    staff(&mut room, now, "mod", Role::Moderator);
    staff(&mut room, now, "sp1", Role::Speaker);
    staff(&mut room, now, "sp2", Role::Speaker);
    for who in ["mod", "sp1", "sp2"] {
        publish(&mut room, now, who, Source::Microphone);
        publish(&mut room, now, who, Source::Camera);
    }
    attendee(&mut room, now, "a1");
    room
}

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
fn stage_requests_are_validated() {
    let t = Instant::now();
    let mut room = backstage(t);
    publish(&mut room, t, "sp2", Source::Screen);
    let pdf = |page| {
        Some(StageContentRequest::Pdf {
            content_id: ContentId("pdf".into()),
            page,
        })
    };
    let c = |kind: &str, id: &str| {
        let content_id = ContentId(id.into());
        Some(match kind {
            "image" => StageContentRequest::Image { content_id },
            "video" => StageContentRequest::Video { content_id },
            _ => unreachable!(),
        })
    };
    let screen = |who: &str| {
        Some(StageContentRequest::Screen {
            participant_id: pid(who),
        })
    };
    use StageLayout::*;
    // (by, request, accepted)
    let table: Vec<(&str, StageRequest, Result<(), ErrorCode>)> = vec![
        ("mod", stage(Grid, &[], None), Ok(())),
        ("mod", stage(Speaker, &["mod", "sp1", "sp2"], None), Ok(())),
        ("mod", stage(Content, &["sp1"], pdf(1)), Ok(())),
        ("mod", stage(Content, &["sp1"], pdf(12)), Ok(())),
        ("mod", stage(Grid, &[], c("image", "img")), Ok(())),
        ("mod", stage(Content, &[], c("video", "vid")), Ok(())),
        ("mod", stage(Content, &["sp2"], screen("sp2")), Ok(())),
        // Who may.
        (
            "sp1",
            stage(Grid, &["sp1"], None),
            Err(ErrorCode::Forbidden),
        ),
        ("a1", stage(Grid, &[], None), Err(ErrorCode::Forbidden)),
        // Members: present staff, once each, at most 9.
        (
            "mod",
            stage(Grid, &["a1"], None),
            Err(ErrorCode::InvalidMessage),
        ),
        (
            "mod",
            stage(Grid, &["nobody"], None),
            Err(ErrorCode::InvalidMessage),
        ),
        (
            "mod",
            stage(Grid, &["sp1", "sp1"], None),
            Err(ErrorCode::InvalidMessage),
        ),
        (
            "mod",
            stage(
                Grid,
                &["mod", "sp1", "sp2", "x", "x", "x", "x", "x", "x", "x"],
                None,
            ),
            Err(ErrorCode::InvalidMessage),
        ),
        // Content: ready, of its kind, in range; a screen being shared; layout content needs it.
        (
            "mod",
            stage(Content, &["sp1"], None),
            Err(ErrorCode::InvalidMessage),
        ),
        (
            "mod",
            stage(Grid, &[], pdf(0)),
            Err(ErrorCode::InvalidMessage),
        ),
        (
            "mod",
            stage(Grid, &[], pdf(13)),
            Err(ErrorCode::InvalidMessage),
        ),
        (
            "mod",
            stage(Grid, &[], c("image", "pdf")),
            Err(ErrorCode::InvalidMessage),
        ),
        (
            "mod",
            stage(Grid, &[], c("video", "bad")),
            Err(ErrorCode::InvalidMessage),
        ),
        (
            "mod",
            stage(Grid, &[], c("image", "other-session")),
            Err(ErrorCode::InvalidMessage),
        ),
        (
            "mod",
            stage(
                Grid,
                &[],
                Some(StageContentRequest::Pdf {
                    content_id: ContentId("busy".into()),
                    page: 1,
                }),
            ),
            Err(ErrorCode::InvalidMessage),
        ),
        (
            "mod",
            stage(Grid, &[], screen("sp1")),
            Err(ErrorCode::InvalidMessage),
        ),
        (
            "mod",
            stage(Grid, &[], screen("a1")),
            Err(ErrorCode::InvalidMessage),
        ),
    ];
    for (by, request, want) in table {
        let before = state(&room);
        let line = format!("{by} {request:?}");
        let got = room
            .set_stage(t, &pid(by), request)
            .map(drop)
            .map_err(|e| e.code());
        assert_eq!(got, want, "{line}");
        if want.is_err() {
            assert_eq!(
                state(&room),
                before,
                "a refused stage changed something: {line}"
            );
        }
    }
}

#[test]
fn members_are_kept_by_person_across_drops_and_reloads() {
    let t = Instant::now();
    let mut room = backstage(t);
    room.set_live(t, live(LiveState::Live));
    room.set_stage(
        t,
        &pid("mod"),
        stage(StageLayout::Speaker, &["sp1", "sp2"], None),
    )
    .unwrap();
    // sp1 drops: off the visible stage (and off attendees' media), still on the stage.
    let mut effects = room.disconnected(t, &pid("sp1"));
    effects.extend(room.settle(t));
    let a1 = to("a1", &effects);
    assert_eq!(a1[0], "a1: stage Speaker [sp2] -");
    assert!(a1.contains(&"a1: removed sp1-camera".to_owned()), "{a1:?}");
    // It reloads: a new participant id, the same user: back on the stage at once.
    let effects = staff(&mut room, t, "sp1b", Role::Speaker);
    assert!(
        to("a1", &effects).is_empty(),
        "sp1b is not the same user yet"
    );
    let joined = enter_in(
        &mut room,
        t,
        Person::new("sp1c", Role::Speaker).user("u-sp1"),
    );
    let mut effects = joined.effects;
    effects.extend(room.settle(t));
    assert_eq!(to("a1", &effects), ["a1: stage Speaker [sp1c,sp2] -"]);
    // Once it publishes again, attendees receive its media.
    let effects = publish(&mut room, t, "sp1c", Source::Camera);
    assert_eq!(
        to("a1", &effects),
        ["a1: added sp1c-camera", "subscribe a1 to sp1c-camera"]
    );
    // The moderator who set it drops and comes back: the stage and the live are untouched.
    let mut effects = room.disconnected(t, &pid("mod"));
    effects.extend(room.settle(t));
    assert!(to("a1", &effects).is_empty(), "{:?}", lines(&effects));
    staff(&mut room, t, "mod2", Role::Moderator);
    assert_eq!(room.live().map(|l| l.state), Some(LiveState::Live));
    let shown = room.stage(t).unwrap();
    assert_eq!(stage_line(&shown), "Speaker [sp1c,sp2] -");
}

#[test]
fn content_control_turns_pages_and_keeps_the_video_in_time() {
    let t = Instant::now();
    let mut room = backstage(t);
    // No content yet.
    let err = room
        .content_control(t, &pid("sp1"), ContentAction::Page { page: 2 })
        .unwrap_err();
    assert_eq!(err.code(), ErrorCode::InvalidMessage);
    room.set_stage(
        t,
        &pid("mod"),
        stage(
            StageLayout::Content,
            &[],
            Some(StageContentRequest::Pdf {
                content_id: ContentId("pdf".into()),
                page: 1,
            }),
        ),
    )
    .unwrap();
    // (by, action, accepted, the stage after)
    let table = [
        (
            "sp1",
            ContentAction::Page { page: 3 },
            Ok(()),
            "Content [] pdf pdf p3",
        ),
        (
            "mod",
            ContentAction::Page { page: 12 },
            Ok(()),
            "Content [] pdf pdf p12",
        ),
        (
            "a1",
            ContentAction::Page { page: 2 },
            Err(ErrorCode::Forbidden),
            "Content [] pdf pdf p12",
        ),
        (
            "sp1",
            ContentAction::Page { page: 13 },
            Err(ErrorCode::InvalidMessage),
            "Content [] pdf pdf p12",
        ),
        (
            "sp1",
            ContentAction::Page { page: 0 },
            Err(ErrorCode::InvalidMessage),
            "Content [] pdf pdf p12",
        ),
        (
            "sp1",
            ContentAction::Play { position_ms: 0 },
            Err(ErrorCode::InvalidMessage),
            "Content [] pdf pdf p12",
        ),
    ];
    for (by, action, want, after) in table {
        let got = room.content_control(t, &pid(by), action);
        assert_eq!(
            got.as_ref().map(drop).map_err(|e| e.code()),
            want,
            "{by} {action:?}"
        );
        if let Ok(effects) = got {
            assert_eq!(to("a1", &effects), [format!("a1: stage {after}")]);
        }
        assert_eq!(stage_line(&room.stage(t).unwrap()), after);
    }
    let url = match room.stage(t).unwrap().content {
        Some(amphi_proto::StageContent::Pdf { url, pages, .. }) => {
            assert_eq!(pages, 12);
            url
        }
        other => panic!("{other:?}"),
    };
    assert_eq!(url, "/s/launch/content/pdf/page/12");

    // A video: paused at 0, played from 12 s; its position moves with time, without messages.
    room.set_stage(
        t,
        &pid("mod"),
        stage(
            StageLayout::Content,
            &[],
            Some(StageContentRequest::Video {
                content_id: ContentId("vid".into()),
            }),
        ),
    )
    .unwrap();
    assert_eq!(
        stage_line(&room.stage(t).unwrap()),
        "Content [] video vid false 0"
    );
    assert!(
        room.content_control(t, &pid("sp1"), ContentAction::Page { page: 1 })
            .is_err(),
        "a page for a video"
    );
    let effects = room
        .content_control(
            t,
            &pid("sp1"),
            ContentAction::Play {
                position_ms: 12_000,
            },
        )
        .unwrap();
    assert_eq!(
        to("a1", &effects),
        ["a1: stage Content [] video vid true 12000"]
    );
    let t5 = t + Duration::from_millis(5_500);
    assert!(
        to("a1", &room.settle(t5)).is_empty(),
        "time passing is not a change"
    );
    assert_eq!(
        stage_line(&room.stage(t5).unwrap()),
        "Content [] video vid true 17500"
    );
    // A late attendee's welcome carries the position at its join.
    let joined = enter_in(&mut room, t5, Person::new("late", Role::Attendee));
    let ServerMessage::Welcome { stage: Some(s), .. } = joined.welcome(Vec::new()) else {
        panic!()
    };
    assert_eq!(stage_line(&s), "Content [] video vid true 17500");
    // Seek keeps playing; pause stops the clock; re-setting the same video keeps its state.
    room.content_control(
        t5,
        &pid("mod"),
        ContentAction::Seek {
            position_ms: 60_000,
        },
    )
    .unwrap();
    let t6 = t5 + Duration::from_secs(1);
    assert_eq!(
        stage_line(&room.stage(t6).unwrap()),
        "Content [] video vid true 61000"
    );
    room.content_control(
        t6,
        &pid("mod"),
        ContentAction::Pause {
            position_ms: 61_200,
        },
    )
    .unwrap();
    let t9 = t6 + Duration::from_secs(3);
    assert_eq!(
        stage_line(&room.stage(t9).unwrap()),
        "Content [] video vid false 61200"
    );
    room.set_stage(
        t9,
        &pid("mod"),
        stage(
            StageLayout::Grid,
            &["sp1"],
            Some(StageContentRequest::Video {
                content_id: ContentId("vid".into()),
            }),
        ),
    )
    .unwrap();
    assert_eq!(
        stage_line(&room.stage(t9).unwrap()),
        "Grid [sp1] video vid false 61200"
    );
}

#[test]
fn content_that_goes_away_leaves_the_stage_and_staff_see_the_list() {
    let t = Instant::now();
    let mut room = backstage(t);
    room.set_stage(
        t,
        &pid("mod"),
        stage(
            StageLayout::Content,
            &["sp1"],
            Some(StageContentRequest::Image {
                content_id: ContentId("img".into()),
            }),
        ),
    )
    .unwrap();
    let remaining: Vec<ContentInfo> = contents()
        .into_iter()
        .filter(|c| c.content_id.0 != "img")
        .collect();
    let effects = room.set_contents(t, remaining);
    let all = lines(&effects);
    for staff in ["mod", "sp1", "sp2"] {
        assert!(all.contains(&format!("{staff}: contents 4")), "{all:?}");
    }
    assert!(
        !all.contains(&"a1: contents 4".to_owned()),
        "attendees do not get the list"
    );
    assert!(
        all.contains(&"a1: stage Grid [sp1] -".to_owned()),
        "{all:?}"
    );
    assert_eq!(room.contents().len(), 4);
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
