//! Making `replay.mp4` (H.264 + AAC, `moov` first):
//! - from a server recording's segments: one copy remux of all of them in order (ffmpeg's
//!   concat demuxer), `+faststart` — no encoding, seconds whatever the length;
//! - from an upload (V6): a remux when it already is H.264 + AAC, else a transcode.
//!
//! Progress comes from ffmpeg's `-progress` (encoded time over the expected duration). The
//! result is written as `replay.part.mp4`, synced, and renamed once complete, so a crash never
//! leaves a truncated `replay.mp4`; segments are removed once the replay is in place. A job
//! run again after a crash finds the replay already made and keeps it.
//!
//! A crash (`kill -9` of the whole process tree) can cut the segment being written anywhere:
//! a run's last segment is used only if ffmpeg's segment list names it (it is listed once
//! closed), and every segment is read up to its last whole 188-byte MPEG-TS packet.

use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::time::Duration;

use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};

use super::RecordingError;
use crate::compose::{SEGMENT_SECS, path_arg};

/// The replay's file name in a recording's folder.
pub const REPLAY: &str = "replay.mp4";
const PART: &str = "replay.part.mp4";
/// The longest a remux or transcode may take.
const JOB_LIMIT: Duration = Duration::from_secs(6 * 3600);

/// What ffprobe says of a file.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Probe {
    pub duration_secs: Option<f64>,
    pub has_video: bool,
    pub has_audio: bool,
    pub video_codec: Option<String>,
    pub audio_codec: Option<String>,
}

/// ffprobe of `path`.
pub async fn probe(path: &Path) -> Result<Probe, RecordingError> {
    let out = tokio::time::timeout(
        Duration::from_secs(60),
        tokio::process::Command::new("ffprobe")
            .args([
                "-v",
                "error",
                "-show_entries",
                "format=duration:stream=codec_type,codec_name",
                "-of",
                "json",
            ])
            .arg(path_arg(path).map_err(|e| RecordingError::Io(e.to_string()))?)
            .kill_on_drop(true)
            .output(),
    )
    .await
    .map_err(|_| RecordingError::Unsupported("ffprobe took too long".into()))?
    .map_err(|e| RecordingError::Io(format!("cannot run ffprobe: {e}")))?;
    if !out.status.success() {
        return Err(RecordingError::Unsupported(
            String::from_utf8_lossy(&out.stderr)
                .trim()
                .chars()
                .take(200)
                .collect(),
        ));
    }
    let json: serde_json::Value = serde_json::from_slice(&out.stdout)
        .map_err(|e| RecordingError::Unsupported(format!("ffprobe output: {e}")))?;
    let mut p = Probe {
        duration_secs: json["format"]["duration"]
            .as_str()
            .and_then(|d| d.parse().ok()),
        ..Probe::default()
    };
    for s in json["streams"].as_array().into_iter().flatten() {
        let codec = s["codec_name"].as_str().map(str::to_owned);
        match s["codec_type"].as_str() {
            Some("video") if !p.has_video => {
                p.has_video = true;
                p.video_codec = codec;
            }
            Some("audio") if !p.has_audio => {
                p.has_audio = true;
                p.audio_codec = codec;
            }
            _ => {}
        }
    }
    Ok(p)
}

/// An MPEG-TS packet's size: segments are joined in whole packets.
const TS_PACKET: u64 = 188;

/// A recording's segments in recording order (run, then index), whole or cut short.
pub fn segments(dir: &Path) -> Vec<PathBuf> {
    let mut v: Vec<PathBuf> = std::fs::read_dir(dir)
        .into_iter()
        .flatten()
        .filter_map(|e| e.ok())
        .map(|e| e.path())
        .filter(|p| {
            p.file_name()
                .and_then(|n| n.to_str())
                .is_some_and(|n| n.starts_with("seg-") && n.ends_with(".ts"))
        })
        .filter(|p| std::fs::metadata(p).is_ok_and(|m| m.len() > 0))
        .collect();
    v.sort();
    v
}

/// The run of a segment (`seg-RRR-NNNNNN.ts` → `RRR`).
fn run_of(seg: &Path) -> String {
    let name = seg.file_name().and_then(|n| n.to_str()).unwrap_or_default();
    name.get(4..7).unwrap_or("000").to_owned()
}

/// The segments a replay is made of: `segments` less each run's last one when ffmpeg did not
/// close it (not in `segments-RRR.csv`: the encoder was killed while writing it). Every
/// segment but a run's last was closed before the next one opened. A run without a list
/// (none written yet) keeps all its segments.
pub fn whole_segments(dir: &Path) -> Vec<PathBuf> {
    let all = segments(dir);
    let mut kept = Vec::with_capacity(all.len());
    for (i, seg) in all.iter().enumerate() {
        let run = run_of(seg);
        let last_of_run = all.get(i + 1).is_none_or(|next| run_of(next) != run);
        if !last_of_run {
            kept.push(seg.clone());
            continue;
        }
        let name = seg.file_name().and_then(|n| n.to_str()).unwrap_or_default();
        match std::fs::read_to_string(dir.join(format!("segments-{run}.csv"))) {
            // Each line: `file name,start,end`.
            Ok(list) if !list.lines().any(|l| l.split(',').next() == Some(name)) => {
                tracing::info!(segment = %seg.display(), "left out: cut short by a crash");
            }
            Ok(_) | Err(_) => kept.push(seg.clone()),
        }
    }
    kept
}

/// Writes `files` end to end into `to`, each up to its last whole MPEG-TS packet.
async fn join_files(files: &[&PathBuf], to: &Path) -> Result<(), RecordingError> {
    use tokio::io::AsyncReadExt;
    let io = |e: std::io::Error| RecordingError::Io(format!("joining segments: {e}"));
    let mut out = tokio::fs::File::create(to).await.map_err(io)?;
    for f in files {
        let input = tokio::fs::File::open(f).await.map_err(io)?;
        let len = input.metadata().await.map_err(io)?.len();
        let mut whole = input.take(len / TS_PACKET * TS_PACKET);
        tokio::io::copy(&mut whole, &mut out).await.map_err(io)?;
    }
    out.flush().await.map_err(io)?;
    Ok(())
}

/// The replay a previous run of the job made (it is renamed into place only once complete),
/// with what that run had not removed yet.
async fn already_made(dir: &Path) -> Result<Option<Replay>, RecordingError> {
    let replay = dir.join(REPLAY);
    if !tokio::fs::try_exists(&replay).await.unwrap_or(false) {
        return Ok(None);
    }
    tracing::info!(replay = %replay.display(), "made by an interrupted run: kept");
    remove_work_files(dir).await;
    Ok(Some(measure(&replay).await?))
}

/// Removes the segments (empty ones too: a crash can leave one just opened) and the files
/// finalize made from them.
async fn remove_work_files(dir: &Path) {
    for e in std::fs::read_dir(dir).into_iter().flatten().flatten() {
        let name = e.file_name().to_string_lossy().into_owned();
        let work = (name.starts_with("seg-") && name.ends_with(".ts"))
            || name.starts_with("segments-")
            || (name.starts_with("run-") && name.ends_with(".ts"))
            || name == "concat.txt"
            || name == PART;
        if work {
            let _ = tokio::fs::remove_file(e.path()).await;
        }
    }
}

/// The finished replay: its duration (ms) and size.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Replay {
    pub duration_ms: i64,
    pub bytes: i64,
}

/// Segments → `replay.mp4`. `progress` gets 0–99 as it goes.
pub async fn finalize(dir: &Path, progress: impl FnMut(u8)) -> Result<Replay, RecordingError> {
    if let Some(replay) = already_made(dir).await? {
        return Ok(replay);
    }
    let segs = whole_segments(dir);
    if segs.is_empty() {
        return Err(RecordingError::Unsupported("nothing was recorded".into()));
    }
    // One file per run, its segments' bytes end to end (MPEG-TS concatenates; a run's
    // timestamps continue): the concat demuxer then opens a few files, not one per 2 s
    // (opening and probing 900 segments made a 30-minute finalize take minutes).
    let mut runs: Vec<(String, Vec<&PathBuf>)> = Vec::new();
    for seg in &segs {
        let run = run_of(seg);
        match runs.last_mut() {
            Some((r, files)) if *r == run => files.push(seg),
            Some(_) | None => {
                runs.push((run, vec![seg]));
            }
        }
    }
    let mut list = String::new();
    for (run, files) in &runs {
        let joined = format!("run-{run}.ts");
        join_files(files, &dir.join(&joined)).await?;
        // Names are ours (run-RRR.ts): nothing to escape.
        list.push_str(&format!("file '{joined}'\n"));
    }
    let list_path = dir.join("concat.txt");
    tokio::fs::write(&list_path, list)
        .await
        .map_err(|e| RecordingError::Io(format!("concat list: {e}")))?;
    let expected = (segs.len() as f64) * f64::from(SEGMENT_SECS);
    let args: Vec<String> = vec![
        "-f".into(),
        "concat".into(),
        "-safe".into(),
        "0".into(),
        "-i".into(),
        path_arg(&list_path).map_err(|e| RecordingError::Io(e.to_string()))?,
        "-map".into(),
        "0".into(),
        "-c".into(),
        "copy".into(),
        "-bsf:a".into(),
        "aac_adtstoasc".into(),
    ];
    let replay = write_mp4(dir, args, expected, progress).await?;
    // All of them, the ones left out too.
    remove_work_files(dir).await;
    Ok(replay)
}

/// An upload → `replay.mp4`: a remux if it already is H.264 + AAC (or only one of them),
/// else a transcode (libx264 veryfast, AAC).
pub async fn import(
    dir: &Path,
    input: &Path,
    progress: impl FnMut(u8),
) -> Result<Replay, RecordingError> {
    if let Some(replay) = already_made(dir).await? {
        let _ = tokio::fs::remove_file(input).await;
        return Ok(replay);
    }
    let p = probe(input).await?;
    if !p.has_video && !p.has_audio {
        return Err(RecordingError::Unsupported("no sound or picture".into()));
    }
    let video_ok = !p.has_video || p.video_codec.as_deref() == Some("h264");
    let audio_ok = !p.has_audio || p.audio_codec.as_deref() == Some("aac");
    let mut args: Vec<String> = vec![
        "-i".into(),
        path_arg(input).map_err(|e| RecordingError::Io(e.to_string()))?,
        "-map".into(),
        "0:v:0?".into(),
        "-map".into(),
        "0:a:0?".into(),
    ];
    let more: &[&str] = match (video_ok, audio_ok) {
        (true, true) => &["-c", "copy"],
        (true, false) => &["-c:v", "copy", "-c:a", "aac", "-b:a", "128k"],
        (false, _) => &[
            "-c:v",
            "libx264",
            "-preset",
            "veryfast",
            "-crf",
            "23",
            "-pix_fmt",
            "yuv420p",
            "-vf",
            "scale=trunc(iw/2)*2:trunc(ih/2)*2",
            "-c:a",
            "aac",
            "-b:a",
            "128k",
        ],
    };
    args.extend(more.iter().map(|s| (*s).to_owned()));
    let replay = write_mp4(dir, args, p.duration_secs.unwrap_or(0.0), progress).await?;
    let _ = tokio::fs::remove_file(input).await;
    Ok(replay)
}

/// Runs ffmpeg with `args` (inputs and codecs) into `replay.part.mp4` with `+faststart`, then
/// renames it `replay.mp4`.
async fn write_mp4(
    dir: &Path,
    mut args: Vec<String>,
    expected_secs: f64,
    mut progress: impl FnMut(u8),
) -> Result<Replay, RecordingError> {
    let part = dir.join(PART);
    let io = |e: crate::compose::ComposeError| RecordingError::Io(e.to_string());
    args.extend(
        [
            "-movflags",
            "+faststart",
            "-progress",
            "pipe:1",
            "-nostats",
            "-f",
            "mp4",
            "-y",
        ]
        .iter()
        .map(|s| (*s).to_owned()),
    );
    args.push(path_arg(&part).map_err(io)?);
    let mut child = tokio::process::Command::new("ffmpeg")
        .args(["-hide_banner", "-nostdin", "-loglevel", "error"])
        .args(&args)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .kill_on_drop(true)
        .spawn()
        .map_err(|e| RecordingError::Io(format!("cannot start ffmpeg: {e}")))?;
    let stderr = child.stderr.take();
    let errors = tokio::spawn(async move {
        let mut text = String::new();
        if let Some(stderr) = stderr {
            let mut lines = BufReader::new(stderr).lines();
            while let Ok(Some(line)) = lines.next_line().await {
                if text.len() < 2000 {
                    text.push_str(&line);
                    text.push('\n');
                }
            }
        }
        text
    });
    if let Some(stdout) = child.stdout.take() {
        let mut lines = BufReader::new(stdout).lines();
        let mut last = 0u8;
        let read = async {
            while let Ok(Some(line)) = lines.next_line().await {
                if let Some(us) = line.strip_prefix("out_time_us=")
                    && let Ok(us) = us.trim().parse::<f64>()
                    && expected_secs > 0.0
                {
                    let pct = ((us / 1e6) / expected_secs * 100.0).clamp(0.0, 99.0) as u8;
                    if pct > last {
                        last = pct;
                        progress(pct);
                    }
                }
            }
        };
        if tokio::time::timeout(JOB_LIMIT, read).await.is_err() {
            let _ = child.kill().await;
            return Err(RecordingError::Io("processing took too long".into()));
        }
    }
    let status = child
        .wait()
        .await
        .map_err(|e| RecordingError::Io(e.to_string()))?;
    let errors = errors.await.unwrap_or_default();
    if !status.success() {
        let _ = tokio::fs::remove_file(&part).await;
        return Err(RecordingError::Io(format!(
            "ffmpeg failed ({status}): {}",
            errors.trim().chars().take(300).collect::<String>()
        )));
    }
    // On disk before it has its name: a replay.mp4 is always whole.
    let synced = async { tokio::fs::File::open(&part).await?.sync_all().await };
    synced
        .await
        .map_err(|e| RecordingError::Io(format!("replay not written: {e}")))?;
    let replay = dir.join(REPLAY);
    tokio::fs::rename(&part, &replay)
        .await
        .map_err(|e| RecordingError::Io(format!("replay not kept: {e}")))?;
    measure(&replay).await
}

/// A made replay's duration and size.
async fn measure(replay: &Path) -> Result<Replay, RecordingError> {
    let p = probe(replay).await?;
    let bytes = tokio::fs::metadata(replay)
        .await
        .map(|m| m.len() as i64)
        .map_err(|e| RecordingError::Io(e.to_string()))?;
    Ok(Replay {
        duration_ms: (p.duration_secs.unwrap_or(0.0) * 1000.0).round() as i64,
        bytes,
    })
}
