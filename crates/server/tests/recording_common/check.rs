//! Checks of a replay: `moov` before `mdat` (plays before it is fully downloaded), H.264 +
//! AAC, its duration, a clean decode, a picture that is neither black nor frozen, and the
//! 440 Hz tone (Goertzel filter over decoded samples).

use std::path::Path;
use std::process::Command;

/// Top-level MP4 boxes, in file order.
pub fn top_boxes(path: &Path) -> Vec<String> {
    let data = std::fs::read(path).expect("replay readable");
    let mut boxes = Vec::new();
    let mut at = 0usize;
    while at + 8 <= data.len() {
        let mut size =
            u32::from_be_bytes([data[at], data[at + 1], data[at + 2], data[at + 3]]) as u64;
        let kind = String::from_utf8_lossy(&data[at + 4..at + 8]).into_owned();
        if size == 1 && at + 16 <= data.len() {
            size = u64::from_be_bytes(data[at + 8..at + 16].try_into().expect("8 bytes"));
        } else if size == 0 {
            size = (data.len() - at) as u64;
        }
        boxes.push(kind);
        if size < 8 {
            break;
        }
        at += size as usize;
    }
    boxes
}

/// `codec_type,codec_name` per stream, and the duration in seconds.
pub fn probe(path: &Path) -> (Vec<(String, String)>, f64) {
    let out = Command::new("ffprobe")
        .args([
            "-v",
            "error",
            "-show_entries",
            "stream=codec_type,codec_name:format=duration",
        ])
        .args(["-of", "json"])
        .arg(path)
        .output()
        .expect("ffprobe runs");
    let json: serde_json::Value = serde_json::from_slice(&out.stdout).expect("json");
    let streams = json["streams"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|s| {
            (
                s["codec_type"].as_str().unwrap_or("").to_owned(),
                s["codec_name"].as_str().unwrap_or("").to_owned(),
            )
        })
        .collect();
    let duration = json["format"]["duration"]
        .as_str()
        .and_then(|d| d.parse().ok())
        .unwrap_or(0.0);
    (streams, duration)
}

/// What `ffmpeg -v error -i f -f null -` prints (nothing when it decodes cleanly).
pub fn decode_errors(path: &Path) -> String {
    let out = Command::new("ffmpeg")
        .args(["-hide_banner", "-nostdin", "-v", "error", "-i"])
        .arg(path)
        .args(["-f", "null", "-"])
        .output()
        .expect("ffmpeg runs");
    String::from_utf8_lossy(&out.stderr).into_owned()
}

/// One grey 64×36 picture per second of the replay.
pub fn thumbnails(path: &Path) -> Vec<Vec<u8>> {
    pictures(path, "fps=1,scale=64:36,format=gray", 64 * 36)
}

/// The replay's pictures through the filter `vf`, `size` bytes each.
fn pictures(path: &Path, vf: &str, size: usize) -> Vec<Vec<u8>> {
    let out = Command::new("ffmpeg")
        .args(["-hide_banner", "-nostdin", "-v", "error", "-i"])
        .arg(path)
        .args(["-vf", vf, "-f", "rawvideo", "-"])
        .output()
        .expect("ffmpeg runs");
    out.stdout.chunks_exact(size).map(<[u8]>::to_vec).collect()
}

pub fn mean(p: &[u8]) -> f64 {
    p.iter().map(|&b| f64::from(b)).sum::<f64>() / p.len().max(1) as f64
}

pub fn mean_abs_diff(a: &[u8], b: &[u8]) -> f64 {
    a.iter()
        .zip(b)
        .map(|(x, y)| (f64::from(*x) - f64::from(*y)).abs())
        .sum::<f64>()
        / a.len().max(1) as f64
}

/// Mono 8 kHz samples of the replay's sound from `from` seconds, `secs` long.
pub fn samples(path: &Path, from: f64, secs: f64) -> Vec<f64> {
    let out = Command::new("ffmpeg")
        .args([
            "-hide_banner",
            "-nostdin",
            "-v",
            "error",
            "-ss",
            &from.to_string(),
            "-t",
            &secs.to_string(),
            "-i",
        ])
        .arg(path)
        .args(["-vn", "-ac", "1", "-ar", "8000", "-f", "s16le", "-"])
        .output()
        .expect("ffmpeg runs");
    out.stdout
        .chunks_exact(2)
        .map(|c| f64::from(i16::from_le_bytes([c[0], c[1]])) / 32768.0)
        .collect()
}

/// Power of `freq` Hz in 8 kHz `samples` (Goertzel), normalised by the length.
pub fn tone_power(samples: &[f64], freq: f64) -> f64 {
    let w = 2.0 * std::f64::consts::PI * freq / 8000.0;
    let coeff = 2.0 * w.cos();
    let (mut s1, mut s2) = (0.0, 0.0);
    for x in samples {
        let s = x + coeff * s1 - s2;
        s2 = s1;
        s1 = s;
    }
    (s1 * s1 + s2 * s2 - coeff * s1 * s2) / (samples.len().max(1) as f64).powi(2)
}

/// Asserts the replay passes the MP4 check, lasts `secs` ± `tolerance`, shows a
/// moving picture and holds the 440 Hz tone (when `tone`).
pub fn assert_replay(path: &Path, secs: f64, tolerance: f64, tone: bool) {
    let boxes = top_boxes(path);
    let moov = boxes.iter().position(|b| b == "moov").expect("a moov box");
    let mdat = boxes.iter().position(|b| b == "mdat").expect("an mdat box");
    assert!(moov < mdat, "moov first (faststart): {boxes:?}");
    let (streams, duration) = probe(path);
    assert!(
        streams.contains(&("video".into(), "h264".into())),
        "{streams:?}"
    );
    assert!(
        streams.contains(&("audio".into(), "aac".into())),
        "{streams:?}"
    );
    assert!(
        (duration - secs).abs() <= tolerance,
        "duration {duration} s, wanted {secs} ± {tolerance}"
    );
    let errors = decode_errors(path);
    assert!(errors.trim().is_empty(), "decodes cleanly: {errors}");
    let all = thumbnails(path);
    assert!(
        all.len() as f64 >= secs - tolerance - 1.0,
        "{} pictures",
        all.len()
    );
    // The first seconds show plain tiles until each decoder has its first keyframe (the test
    // publishers replay files with a keyframe every 2 s: they cannot answer a keyframe
    // request as browsers do).
    let thumbs = &all[3.min(all.len())..];
    let lit = thumbs.iter().filter(|t| mean(t) > 25.0).count();
    assert!(
        lit * 10 >= thumbs.len() * 9,
        "not black: {lit}/{}",
        thumbs.len()
    );
    let moving = thumbs
        .windows(2)
        .filter(|w| mean_abs_diff(&w[0], &w[1]) > 0.5)
        .count();
    assert!(
        moving * 10 >= thumbs.len().saturating_sub(1) * 8,
        "not frozen: {moving}/{} changes",
        thumbs.len().saturating_sub(1)
    );
    if tone {
        let s = samples(path, (secs / 2.0 - 2.0).max(0.0), 4.0);
        let at = tone_power(&s, 440.0);
        let off: f64 = [300.0, 600.0, 1000.0, 2000.0]
            .iter()
            .map(|f| tone_power(&s, *f))
            .fold(0.0, f64::max);
        assert!(at > 1e-4, "the tone is loud enough: {at}");
        assert!(at > 50.0 * off, "440 Hz dominates: {at} vs {off}");
    }
}

/// The replay's pictures, `fps` a second, as `w`×`h` RGB (3 bytes a pixel, rows top down).
pub fn rgb_frames(path: &Path, fps: u32, w: u32, h: u32) -> Vec<Vec<u8>> {
    let vf = format!("fps={fps},scale={w}:{h},format=rgb24");
    pictures(path, &vf, (w * h * 3) as usize)
}
