//! Issue 9: "the recording and the RTMP stream show the annotated page" (both come out of the
//! same compositor). A session's moderator shows a PDF page on the stage while the live is
//! recorded; the speaker draws a thick red rectangle over the signaling socket, undoes it,
//! draws it again and clears the page. The replay's decoded pictures show the white page
//! throughout, red at the stroke's place from shortly after each drawing until the undo or the
//! clear, and no red before, between or after.

mod board_common;
mod recording_common;
mod signaling_common;

use std::path::Path;
use std::sync::Arc;
use std::time::{Duration, Instant};

use amphi_proto::ServerMessage;
use amphi_server::annotations::fit;
use amphi_server::compose::ContentFiles;
use amphi_server::recording::RecordTarget;
use amphi_server::signaling::Place;
use amphi_store::RecordingOptions;
use recording_common::*;
use serde_json::json;

/// The page as the server renders a PDF's: a white PNG of this size.
const PAGE: (u32, u32) = (800, 600);
/// Nested rectangles, each this far (a fraction of the page) inside the previous one: six of
/// them make a band about 5 % of the page wide, well visible once scaled and encoded.
const STEP: f32 = 0.008;
const RECTANGLES: usize = 6;
/// The outer rectangle's corners.
const OUTER: (f32, f32) = (0.2, 0.8);
/// From an action to when the replay must show it: the compositor asks for the page every
/// 250 ms, then draws and decodes it; the recording's first picture is a little earlier than
/// `start` returns. Generous, for a loaded test machine.
const SHOWN_WITHIN: f64 = 2.0;

async fn write_page(path: &Path) {
    std::fs::create_dir_all(path.parent().expect("a folder")).expect("content folder");
    let status = tokio::process::Command::new("ffmpeg")
        .args([
            "-hide_banner",
            "-loglevel",
            "error",
            "-y",
            "-f",
            "lavfi",
            "-i",
        ])
        .arg(format!("color=c=white:s={}x{}", PAGE.0, PAGE.1))
        .args(["-frames:v", "1"])
        .arg(path)
        .status()
        .await
        .expect("ffmpeg runs (apt install ffmpeg)");
    assert!(status.success(), "page made");
}

/// Where, on the `w`×`h` replay, a point of the page is (the content fills the picture but for
/// the compositor's 4-pixel margin; the page is fitted into it, centred).
fn on_picture(w: u32, h: u32, x: f32, y: f32) -> (u32, u32) {
    let margin = 4.0;
    let area = fit(PAGE.0, PAGE.1, w - 8, h - 8);
    (
        (margin + area.x + x * area.w).round() as u32,
        (margin + area.y + y * area.h).round() as u32,
    )
}

/// The share of pixels in a `size`-pixel square around `(x, y)` that are the palette's red
/// (0xe5, 0x39, 0x35), give or take what H.264 does to it.
fn red_share(frame: &[u8], w: u32, (x, y): (u32, u32), size: u32) -> f64 {
    let mut red = 0;
    let mut all = 0;
    for py in y.saturating_sub(size / 2)..y + size / 2 {
        for px in x.saturating_sub(size / 2)..x + size / 2 {
            let i = ((py * w + px) * 3) as usize;
            let (r, g, b) = (frame[i], frame[i + 1], frame[i + 2]);
            all += 1;
            if r > 160 && g < 120 && b < 120 {
                red += 1;
            }
        }
    }
    f64::from(red) / f64::from(all.max(1))
}

fn is_white(frame: &[u8], w: u32, (x, y): (u32, u32)) -> bool {
    let i = ((y * w + x) * 3) as usize;
    frame[i..i + 3].iter().all(|&c| c > 200)
}

/// The next answer to an annotation request: its echo, or a refusal (which fails the test).
async fn accepted(c: &mut Client, what: &str) {
    let m = c
        .recv_until(what, |m| {
            matches!(
                m,
                ServerMessage::AnnotationAdded { .. }
                    | ServerMessage::AnnotationRemoved { .. }
                    | ServerMessage::AnnotationCleared { .. }
                    | ServerMessage::Error { .. }
            )
        })
        .await;
    assert!(!matches!(m, ServerMessage::Error { .. }), "{what}: {m:?}");
}

/// The speaker draws the thick red band: nested rectangles, one stroke each.
async fn draw_band(speaker: &mut Client, s: &board_common::Scene) {
    for i in 0..RECTANGLES {
        let (a, b) = (OUTER.0 + STEP * i as f32, OUTER.1 - STEP * i as f32);
        speaker
            .send(
                json!({"type": "annotation_add", "page": s.page(1), "stroke": {
                "id": format!("band{i}"), "tool": "rectangle", "color": "red", "size": 4,
                "points": [[a, a], [b, b]]}}),
            )
            .await;
        accepted(speaker, "annotation_added").await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_replay_shows_a_stroke_from_when_it_is_drawn_until_it_is_undone_or_cleared() {
    let s = board_common::scene().await;
    let content = tempfile::tempdir().expect("temp dir");
    write_page(&content.path().join(&s.pdf.0).join("page-1.png")).await;
    let owner = s.h.owner.clone();
    let (mut moderator, _, _) = s.join(Some(&owner), "Olivia").await;
    let (mut speaker, _, _) = s.join(Some(&s.speaker), "Sam").await;
    moderator
        .send(
            json!({"type": "set_stage", "stage": {"layout": "content", "members": [],
            "content": {"kind": "pdf", "content_id": s.pdf, "page": 1}}}),
        )
        .await;
    speaker
        .recv_until(
            "stage_updated",
            |m| matches!(m, ServerMessage::StageUpdated { stage } if stage.content.is_some()),
        )
        .await;

    let config = test_config();
    let (w, h) = (config.width, config.height);
    let stills = Arc::new(ContentFiles::new(content.path().to_owned()));
    let (recordings, dir) = recordings_with_stills(&s.h, config, stills);
    let mut events = recordings.subscribe();
    let target = RecordTarget {
        place: Place::Session("launch".into()),
        room_id: s.h.room.id.clone(),
        session_id: Some(s.session.clone()),
        title: "Annotated".into(),
    };
    let rec = recordings
        .start(&target, None, RecordingOptions::default())
        .await
        .expect("starts");
    let start = Instant::now();
    let now = || start.elapsed().as_secs_f64();
    // (from, to, red?): what the replay shows between two actions, each action's time taken
    // from before it is sent to after it is answered.
    let mut phases: Vec<(f64, f64, bool)> = Vec::new();
    let mut last = (0.0, false);
    let mut phase = |begun: f64, done: f64, red: bool| {
        phases.push((last.0, begun, last.1));
        last = (done, red);
    };
    tokio::time::sleep(Duration::from_secs(3)).await;
    let begun = now();
    draw_band(&mut speaker, &s).await;
    phase(begun, now(), true);
    tokio::time::sleep(Duration::from_secs(4)).await;
    let begun = now();
    for _ in 0..RECTANGLES {
        speaker
            .send(json!({"type": "annotation_undo", "page": s.page(1)}))
            .await;
        accepted(&mut speaker, "annotation_removed").await;
    }
    phase(begun, now(), false);
    tokio::time::sleep(Duration::from_secs(4)).await;
    let begun = now();
    draw_band(&mut speaker, &s).await;
    phase(begun, now(), true);
    tokio::time::sleep(Duration::from_secs(4)).await;
    let begun = now();
    speaker
        .send(json!({"type": "annotation_clear", "page": s.page(1)}))
        .await;
    accepted(&mut speaker, "annotation_cleared").await;
    phase(begun, now(), false);
    tokio::time::sleep(Duration::from_secs(4)).await;
    phase(now(), now(), false);
    let replay =
        stop_and_replay(&recordings, &target.place, &mut events, &rec.id, dir.path()).await;
    let fps = 4;
    let frames = check::rgb_frames(&replay, fps, w, h);
    assert!(frames.len() >= 4 * 17, "{} pictures", frames.len());
    // The band's left side, halfway down the page; the page's middle stays white.
    let band = on_picture(w, h, OUTER.0 + STEP * RECTANGLES as f32 / 2.0, 0.5);
    let middle = on_picture(w, h, 0.5, 0.5);
    let red: Vec<f64> = frames.iter().map(|f| red_share(f, w, band, 6)).collect();
    let at = |i: usize| i as f64 / f64::from(fps);
    for (i, frame) in frames.iter().enumerate() {
        if at(i) >= SHOWN_WITHIN {
            assert!(is_white(frame, w, middle), "the page shows at {} s", at(i));
        }
    }
    for &(action, to, want_red) in &phases {
        // From `SHOWN_WITHIN` after the action that began the phase (the recording's start
        // for the first) until just before the next action.
        let from = if action == 0.0 {
            0.0
        } else {
            action + SHOWN_WITHIN
        };
        let checked: Vec<usize> = (0..frames.len())
            .filter(|&i| at(i) >= from && at(i) < to - 0.25)
            .collect();
        assert!(
            checked.len() >= 3,
            "{from}..{to}: {} pictures",
            checked.len()
        );
        for i in checked {
            if want_red {
                assert!(red[i] > 0.8, "the band shows at {} s: {}", at(i), red[i]);
            } else {
                assert!(red[i] < 0.05, "no band at {} s: {}", at(i), red[i]);
            }
        }
        // For the report: how soon the replay followed the action (to 1/fps).
        let followed = (0..frames.len())
            .find(|&i| at(i) >= action && (red[i] > 0.8) == want_red)
            .map(at);
        eprintln!(
            "action done at {action:.2} s (red: {want_red}): the replay followed at {followed:?} s"
        );
    }
}
