//! An external video by link on a session's stage over real WebSockets (C8): staged by a
//! moderator, played, paused and sought by a speaker like an uploaded video, seen at the right
//! position by a late joiner; a bad link and an attendee are refused; staging the same link
//! again keeps its playback.

mod board_common;
mod signaling_common;

use amphi_proto::{ErrorCode, ServerMessage, Stage, StageContent};
use board_common::scene;
use serde_json::json;
use signaling_common::*;

async fn link_stage(c: &mut Client, pred: impl Fn(&StageContent) -> bool) -> StageContent {
    let m = c
        .recv_until("stage_updated", |m| {
            matches!(m, ServerMessage::StageUpdated { stage: Stage { content: Some(content), .. } } if pred(content))
        })
        .await;
    match m {
        ServerMessage::StageUpdated {
            stage: Stage {
                content: Some(content),
                ..
            },
        } => content,
        _ => unreachable!(),
    }
}

#[tokio::test]
async fn a_linked_video_plays_in_step_like_an_uploaded_one() {
    let s = scene().await;
    let owner = s.h.owner.clone();
    let (mut moderator, _, _) = s.join(Some(&owner), "Olivia").await;
    let (mut speaker, _, _) = s.join(Some(&s.speaker), "Sam").await;
    let (mut attendee, _, _) = s.join(None, "Ann").await;
    let url = "https://media.example.org/films/clip.mp4";
    let stage = |content: serde_json::Value| json!({"type": "set_stage", "stage": {"layout": "content", "members": [], "content": content}});

    // Bad links are refused; nothing changes on the stage.
    for bad in [
        json!({"kind": "link", "url": "javascript:alert(1)"}),
        json!({"kind": "link", "url": "ftp://media.example.org/a.mp4"}),
        json!({"kind": "link", "url": "https://"}),
        json!({"kind": "link", "url": "https://x.org/a b.mp4"}),
        json!({"kind": "link", "url": format!("https://x.org/{}.mp4", "a".repeat(2100))}),
        json!({"kind": "link", "url": url, "name": "x".repeat(201)}),
    ] {
        moderator.send(stage(bad.clone())).await;
        moderator
            .expect_refused(ErrorCode::InvalidMessage, "set_stage")
            .await;
    }
    // Only moderators arrange the stage.
    attendee
        .send(stage(json!({"kind": "link", "url": url})))
        .await;
    attendee
        .expect_refused(ErrorCode::Forbidden, "set_stage")
        .await;

    moderator
        .send(stage(json!({"kind": "link", "url": url})))
        .await;
    let shown = link_stage(&mut attendee, |c| matches!(c, StageContent::Link { .. })).await;
    assert_eq!(
        shown,
        StageContent::Link {
            url: url.into(),
            name: "clip.mp4".into(),
            playing: false,
            position_ms: 0
        },
        "the name defaults to the file's"
    );

    // The speaker plays it from 10 s: everyone's clock moves on from there.
    speaker
        .send(json!({"type": "content_control", "action": "play", "position_ms": 10000}))
        .await;
    link_stage(&mut attendee, |c| {
        matches!(c, StageContent::Link { playing: true, .. })
    })
    .await;
    tokio::time::sleep(std::time::Duration::from_millis(600)).await;
    // A late joiner's welcome has the video playing, past where it started.
    let (mut late, stage_now) = s.join_stage(None, "Late").await;
    let Some(StageContent::Link {
        playing: true,
        position_ms,
        ..
    }) = stage_now.content
    else {
        panic!("expected the playing link, got {stage_now:?}");
    };
    assert!(
        (10_500..15_000).contains(&position_ms),
        "late joiner at {position_ms} ms"
    );
    speaker
        .send(json!({"type": "content_control", "action": "pause", "position_ms": 10700}))
        .await;
    let paused = link_stage(&mut late, |c| {
        matches!(c, StageContent::Link { playing: false, .. })
    })
    .await;
    assert!(
        matches!(
            paused,
            StageContent::Link {
                position_ms: 10700,
                ..
            }
        ),
        "{paused:?}"
    );
    // Staging the same link again keeps its playback (a new title is shown).
    moderator
        .send(stage(
            json!({"kind": "link", "url": url, "name": "Our film"}),
        ))
        .await;
    let renamed = link_stage(
        &mut attendee,
        |c| matches!(c, StageContent::Link { name, .. } if name == "Our film"),
    )
    .await;
    assert!(
        matches!(
            renamed,
            StageContent::Link {
                playing: false,
                position_ms: 10700,
                ..
            }
        ),
        "{renamed:?}"
    );
    // A page turn does not apply to a video.
    speaker
        .send(json!({"type": "content_control", "action": "page", "page": 2}))
        .await;
    speaker
        .expect_refused(ErrorCode::InvalidMessage, "content_control")
        .await;
}
