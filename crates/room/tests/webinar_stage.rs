//! Sessions (W5–W7, C9), the stage: its validation, members kept by person, content control and
//! content items.

mod common;
#[path = "common/session.rs"]
mod session;

use amphi_proto::{
    ContentAction, ContentId, ContentInfo, ErrorCode, LiveState, Role, ServerMessage, Source,
    StageContentRequest, StageLayout, StageRequest,
};
use common::*;
use session::*;
use std::time::{Duration, Instant};

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
