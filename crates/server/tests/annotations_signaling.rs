//! Annotations over real WebSockets on a session's live (C6): a presenter's stroke reaches an
//! attendee and a late joiner, incremental points are relayed, rights are refused per role,
//! malformed strokes are refused with a message and nothing is kept, undo / erase / clear work
//! for everyone, and only the page on the stage can be annotated.

mod board_common;
mod signaling_common;

use amphi_proto::{AnnotationPage, AnnotationTool, ErrorCode, Point, ServerMessage};
use board_common::scene;
use serde_json::{Value, json};
use signaling_common::*;

fn pen(id: &str, points: Value) -> Value {
    json!({"id": id, "tool": "pen", "color": "red", "size": 2, "points": points})
}

/// The next `annotation_added`, skipping other events.
async fn added(c: &mut Client) -> (AnnotationPage, amphi_proto::Stroke) {
    match c
        .recv_until("annotation_added", |m| {
            matches!(m, ServerMessage::AnnotationAdded { .. })
        })
        .await
    {
        ServerMessage::AnnotationAdded { page, stroke } => (page, stroke),
        _ => unreachable!(),
    }
}

/// Events until `pong`: none of them may be an annotation change (nothing was relayed).
async fn nothing_relayed(c: &mut Client) {
    c.send(json!({"type": "ping"})).await;
    loop {
        match c.recv().await {
            ServerMessage::Pong => return,
            m @ (ServerMessage::AnnotationAdded { .. }
            | ServerMessage::AnnotationExtended { .. }
            | ServerMessage::AnnotationRemoved { .. }
            | ServerMessage::AnnotationCleared { .. }
            | ServerMessage::Error { .. }) => panic!("unexpected {m:?}"),
            _ => continue,
        }
    }
}

#[tokio::test]
async fn a_presenters_strokes_reach_attendees_and_late_joiners_and_rights_are_enforced() {
    let s = scene().await;
    let owner = s.h.owner.clone();
    let (mut moderator, _, _) = s.join(Some(&owner), "Olivia").await;
    let (mut speaker, speaker_id, _) = s.join(Some(&s.speaker), "Sam").await;
    let (mut attendee, attendee_id, empty) = s.join(None, "Ann").await;
    assert_eq!(empty, json!({"everyone": false, "pages": []}));

    // Nothing on stage: nothing to annotate.
    speaker
        .send(json!({"type": "annotation_add", "page": s.page(1), "stroke": pen("early", json!([[0.1, 0.1]]))}))
        .await;
    speaker
        .expect_refused(ErrorCode::InvalidMessage, "annotation_add")
        .await;

    moderator
        .send(
            json!({"type": "set_stage", "stage": {"layout": "content", "members": [],
            "content": {"kind": "pdf", "content_id": s.pdf, "page": 1}}}),
        )
        .await;
    for c in [&mut moderator, &mut speaker, &mut attendee] {
        c.recv_until(
            "stage_updated",
            |m| matches!(m, ServerMessage::StageUpdated { stage } if stage.content.is_some()),
        )
        .await;
    }

    // The speaker (a presenter) draws: everyone gets the stroke, the attendee included.
    let points = json!([[0.1, 0.2], [0.3, 0.4], [0.5, 0.6]]);
    speaker
        .send(json!({"type": "annotation_add", "page": s.page(1), "stroke": pen("s1", points)}))
        .await;
    let (page, stroke) = added(&mut attendee).await;
    assert_eq!(page.content_id, s.pdf);
    assert_eq!(page.page, 1);
    assert_eq!(stroke.author, speaker_id);
    assert_eq!(stroke.tool, AnnotationTool::Pen);
    assert_eq!(
        stroke.points,
        vec![Point(0.1, 0.2), Point(0.3, 0.4), Point(0.5, 0.6)]
    );
    added(&mut moderator).await;
    added(&mut speaker).await;
    // Incremental points go to the others, not back to the author.
    speaker
        .send(json!({"type": "annotation_extend", "stroke_id": "s1", "points": [[0.7, 0.8]]}))
        .await;
    let m = attendee
        .recv_until("annotation_extended", |m| {
            matches!(m, ServerMessage::AnnotationExtended { .. })
        })
        .await;
    assert_eq!(
        m,
        ServerMessage::AnnotationExtended {
            stroke_id: "s1".into(),
            points: vec![Point(0.7, 0.8)]
        }
    );
    nothing_relayed(&mut speaker).await;
    moderator
        .recv_until("annotation_extended", |m| {
            matches!(m, ServerMessage::AnnotationExtended { .. })
        })
        .await;

    // An attendee may not draw; a speaker may not let everyone draw; nothing is relayed.
    attendee
        .send(json!({"type": "annotation_add", "page": s.page(1), "stroke": pen("a1", json!([[0.5, 0.5]]))}))
        .await;
    attendee
        .expect_refused(ErrorCode::Forbidden, "annotation_add")
        .await;
    for request in [
        json!({"type": "annotation_clear", "page": s.page(1)}),
        json!({"type": "set_annotation_access", "everyone": true}),
    ] {
        let kind = request["type"].as_str().expect("type").to_owned();
        attendee.send(request).await;
        attendee.expect_refused(ErrorCode::Forbidden, &kind).await;
    }
    speaker
        .send(json!({"type": "set_annotation_access", "everyone": true}))
        .await;
    speaker
        .expect_refused(ErrorCode::Forbidden, "set_annotation_access")
        .await;
    nothing_relayed(&mut moderator).await;

    // Malformed strokes: refused with a message, nothing kept or relayed.
    let malformed = [
        pen("bad1", json!([[0.5, 1.5]])),
        pen("bad2", json!([[-0.1, 0.5]])),
        pen("bad3", json!([])),
        pen("bad4", json!(vec![[0.5, 0.5]; 501])),
        pen("has space", json!([[0.5, 0.5]])),
        pen("s1", json!([[0.5, 0.5]])), // an id in use
        json!({"id": "bad5", "tool": "laser", "color": "red", "size": 2, "points": [[0.1, 0.1]]}),
        json!({"id": "bad6", "tool": "pen", "color": "#ff00ff", "size": 2, "points": [[0.1, 0.1]]}),
        json!({"id": "bad7", "tool": "pen", "color": "red", "size": 9, "points": [[0.1, 0.1]]}),
        json!({"id": "bad8", "tool": "arrow", "color": "red", "size": 2, "points": [[0.1, 0.1]]}),
        json!({"id": "bad9", "tool": "text", "color": "red", "size": 2, "points": [[0.1, 0.1]]}),
        json!({"id": "bad10", "tool": "pen", "color": "red", "size": 2, "points": [[0.1, "x"]]}),
    ];
    for stroke in malformed {
        speaker
            .send(json!({"type": "annotation_add", "page": s.page(1), "stroke": stroke}))
            .await;
        let m = speaker
            .recv_until("error", |m| matches!(m, ServerMessage::Error { .. }))
            .await;
        let ServerMessage::Error { code, message, .. } = m else {
            unreachable!()
        };
        assert_eq!(code, ErrorCode::InvalidMessage, "{stroke}: {message}");
        assert!(!message.is_empty());
    }
    // Another author's stroke cannot be extended; a page not on stage cannot be drawn on.
    moderator
        .send(json!({"type": "annotation_extend", "stroke_id": "s1", "points": [[0.1, 0.1]]}))
        .await;
    moderator
        .expect_refused(ErrorCode::Forbidden, "annotation_extend")
        .await;
    speaker
        .send(json!({"type": "annotation_add", "page": s.page(2), "stroke": pen("p2", json!([[0.1, 0.1]]))}))
        .await;
    speaker
        .expect_refused(ErrorCode::InvalidMessage, "annotation_add")
        .await;
    nothing_relayed(&mut attendee).await;

    // A late joiner sees the page as annotated: one stroke, its four points.
    let (mut late, _, state) = s.join(None, "Late").await;
    assert_eq!(state["everyone"], json!(false));
    let pages = state["pages"].as_array().expect("pages");
    assert_eq!(pages.len(), 1, "{state}");
    assert_eq!(pages[0]["page"], s.page(1));
    let strokes = pages[0]["strokes"].as_array().expect("strokes");
    assert_eq!(strokes.len(), 1, "only the valid stroke was kept: {state}");
    assert_eq!(strokes[0]["id"], "s1");
    // Read back as the f32 pairs they are (a JSON value would widen them to f64).
    let points: Vec<Point> = serde_json::from_value(strokes[0]["points"].clone()).expect("points");
    assert_eq!(
        points,
        vec![
            Point(0.1, 0.2),
            Point(0.3, 0.4),
            Point(0.5, 0.6),
            Point(0.7, 0.8)
        ]
    );

    // A moderator lets everyone draw: the attendee draws, and undoes it for everyone.
    moderator
        .send(json!({"type": "set_annotation_access", "everyone": true}))
        .await;
    for c in [&mut attendee, &mut late, &mut speaker] {
        let m = c
            .recv_until("annotation_access", |m| {
                matches!(m, ServerMessage::AnnotationAccess { .. })
            })
            .await;
        assert!(
            matches!(m, ServerMessage::AnnotationAccess { everyone: true, by: Some(ref by) } if by == "Olivia"),
            "{m:?}"
        );
    }
    let arrow = json!({"id": "a2", "tool": "arrow", "color": "blue", "size": 3, "points": [[0.2, 0.2], [0.8, 0.8]]});
    attendee
        .send(json!({"type": "annotation_add", "page": s.page(1), "stroke": arrow}))
        .await;
    let (_, stroke) = added(&mut late).await;
    assert_eq!((stroke.id.as_str(), &stroke.author), ("a2", &attendee_id));
    attendee
        .send(json!({"type": "annotation_undo", "page": s.page(1)}))
        .await;
    let removed = |ids: &[&str]| ServerMessage::AnnotationRemoved {
        page: AnnotationPage {
            content_id: s.pdf.clone(),
            page: 1,
        },
        stroke_ids: ids.iter().map(|s| s.to_string()).collect(),
    };
    let want = removed(&["a2"]);
    late.recv_until("undo", |m| m == &want).await;
    // The eraser: a moderator erases the speaker's stroke.
    moderator
        .send(json!({"type": "annotation_remove", "page": s.page(1), "stroke_ids": ["s1"]}))
        .await;
    let want = removed(&["s1"]);
    attendee.recv_until("erase", |m| m == &want).await;
    // Clear the page: a text stroke, then nothing.
    let text = json!({"id": "t1", "tool": "text", "color": "black", "size": 2, "points": [[0.1, 0.9]], "text": "  Q3 goal  "});
    speaker
        .send(json!({"type": "annotation_add", "page": s.page(1), "stroke": text}))
        .await;
    let (_, stroke) = added(&mut attendee).await;
    assert_eq!(stroke.text.as_deref(), Some("Q3 goal"), "kept trimmed");
    speaker
        .send(json!({"type": "annotation_clear", "page": s.page(1)}))
        .await;
    let m = late
        .recv_until("annotation_cleared", |m| {
            matches!(m, ServerMessage::AnnotationCleared { .. })
        })
        .await;
    assert!(matches!(m, ServerMessage::AnnotationCleared { by: Some(ref by), .. } if by == "Sam"));
    let (_, _, state) = s.join(None, "Later").await;
    assert_eq!(state, json!({"everyone": true, "pages": []}));

    // The image on stage is page 1 of its own id.
    moderator
        .send(
            json!({"type": "set_stage", "stage": {"layout": "content", "members": [],
            "content": {"kind": "image", "content_id": s.image}}}),
        )
        .await;
    attendee
        .recv_until("stage_updated", |m| {
            matches!(m, ServerMessage::StageUpdated { stage } if matches!(stage.content, Some(amphi_proto::StageContent::Image { .. })))
        })
        .await;
    let on_image = json!({"content_id": s.image, "page": 1});
    attendee
        .send(json!({"type": "annotation_add", "page": on_image, "stroke": pen("i1", json!([[0.5, 0.5]]))}))
        .await;
    let image = s.image.clone();
    speaker
        .recv_until("the stroke on the image", |m| {
            matches!(m, ServerMessage::AnnotationAdded { page, stroke } if page.content_id == image && stroke.id == "i1")
        })
        .await;
}

#[tokio::test]
async fn a_meeting_room_has_no_annotations() {
    let h = start(None, None, None).await;
    let owner = h.owner.clone();
    let (mut c, w) = h.join_as(&owner, "Owner").await;
    let _ = w;
    c.send(
        json!({"type": "annotation_add", "page": {"content_id": "c".repeat(32), "page": 1},
        "stroke": pen("r1", json!([[0.5, 0.5]]))}),
    )
    .await;
    c.expect_refused(ErrorCode::InvalidMessage, "annotation_add")
        .await;
    let (mut p, _) = h.join("Pat").await;
    p.send(json!({"type": "set_annotation_access", "everyone": true}))
        .await;
    p.expect_refused(ErrorCode::Forbidden, "set_annotation_access")
        .await;
}
