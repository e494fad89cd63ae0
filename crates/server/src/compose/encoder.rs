//! The ffmpeg child that encodes the composed picture and sound: raw YUV 4:2:0 pictures on
//! its stdin, 48 kHz stereo s16le samples over a local TCP connection it opens to us, H.264
//! (libx264, zerolatency) + AAC out — into ~2 s MPEG-TS segments (recording: each finished
//! segment is safe on disk) or FLV to an RTMP URL (streaming). Both inputs are paced by the
//! compositor's clock: pictures and samples carry no timestamps, their counts are the time.

use std::path::Path;
use std::process::Stdio;
use std::time::Duration;

use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};
use tokio::net::TcpListener;
use tokio::process::Child;
use tokio::sync::{mpsc, watch};
use tokio::task::JoinHandle;

use super::{ComposeError, CompositionSpec, Output, ffmpeg};

/// Seconds per segment (a crash loses at most the segment being written).
pub const SEGMENT_SECS: u32 = 2;
/// How long ffmpeg may take to finish after its inputs end.
const FINISH_WAIT: Duration = Duration::from_secs(20);
/// Pictures queued for the writer at most (about 2 s): beyond, the clock waits for ffmpeg.
const VIDEO_QUEUE: usize = 50;

/// A running encoder.
pub struct Encoder {
    child: Child,
    video: Option<mpsc::Sender<Vec<u8>>>,
    audio: Option<mpsc::Sender<Vec<u8>>>,
    tail: ffmpeg::Tail,
    writers: Vec<JoinHandle<()>>,
    /// Encoded seconds so far (from ffmpeg's `-progress`).
    pub encoded: watch::Receiver<f64>,
}

impl Encoder {
    /// Starts ffmpeg for `spec` writing to `output`; `run` numbers the segment files of this
    /// run (a restarted compositor writes a new run beside the old one).
    pub async fn start(
        spec: &CompositionSpec,
        output: &Output,
        run: u32,
    ) -> Result<Encoder, ComposeError> {
        let listener = TcpListener::bind("127.0.0.1:0")
            .await
            .map_err(|e| ComposeError::Ffmpeg(format!("no local TCP port: {e}")))?;
        let port = listener
            .local_addr()
            .map_err(|e| ComposeError::Ffmpeg(e.to_string()))?
            .port();
        let args = encoder_args(spec, output, run, port)?;
        let mut cmd = tokio::process::Command::new("ffmpeg");
        cmd.args(["-hide_banner", "-nostdin", "-loglevel", "error"])
            .args(&args)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .kill_on_drop(true);
        let mut child = cmd
            .spawn()
            .map_err(|e| ComposeError::Ffmpeg(format!("cannot start ffmpeg: {e}")))?;
        let tail = ffmpeg::Tail::default();
        ffmpeg::read_stderr(&mut child, &tail);
        let (encoded_tx, encoded) = watch::channel(0.0);
        if let Some(stdout) = child.stdout.take() {
            tokio::spawn(async move {
                let mut lines = BufReader::new(stdout).lines();
                while let Ok(Some(line)) = lines.next_line().await {
                    if let Some(us) = line.strip_prefix("out_time_us=")
                        && let Ok(us) = us.trim().parse::<i64>()
                    {
                        encoded_tx.send_replace(us.max(0) as f64 / 1e6);
                    }
                }
            });
        }
        let (video_tx, mut video_rx) = mpsc::channel::<Vec<u8>>(VIDEO_QUEUE);
        let (audio_tx, mut audio_rx) = mpsc::channel::<Vec<u8>>(VIDEO_QUEUE * 4);
        let mut writers = Vec::new();
        let Some(mut stdin) = child.stdin.take() else {
            return Err(ComposeError::Ffmpeg("ffmpeg has no stdin".into()));
        };
        writers.push(tokio::spawn(async move {
            while let Some(frame) = video_rx.recv().await {
                if stdin.write_all(&frame).await.is_err() {
                    return;
                }
            }
            let _ = stdin.shutdown().await;
        }));
        writers.push(tokio::spawn(async move {
            // ffmpeg connects once it opened its first input.
            let Ok(Ok((mut conn, _))) =
                tokio::time::timeout(Duration::from_secs(30), listener.accept()).await
            else {
                return;
            };
            let _ = conn.set_nodelay(true);
            while let Some(chunk) = audio_rx.recv().await {
                if conn.write_all(&chunk).await.is_err() {
                    return;
                }
            }
            let _ = conn.shutdown().await;
        }));
        Ok(Encoder {
            child,
            video: Some(video_tx),
            audio: Some(audio_tx),
            tail,
            writers,
            encoded,
        })
    }

    /// Queues one picture and its share of sound. Waits while ffmpeg is behind; an error once
    /// ffmpeg is gone.
    pub async fn push(&mut self, picture: Vec<u8>, audio: Vec<u8>) -> Result<(), ComposeError> {
        let gone = || ComposeError::Ffmpeg("the encoder stopped".into());
        let (Some(v), Some(a)) = (&self.video, &self.audio) else {
            return Err(gone());
        };
        v.send(picture).await.map_err(|_| gone())?;
        a.send(audio).await.map_err(|_| gone())?;
        Ok(())
    }

    /// Whether ffmpeg exited; with its last error lines.
    pub fn exited(&mut self) -> Option<String> {
        match self.child.try_wait() {
            Ok(Some(status)) => Some(format!("{status}: {}", self.tail.text())),
            Ok(None) => None,
            Err(e) => Some(e.to_string()),
        }
    }

    /// Ends the inputs and waits for ffmpeg to write the end of its output (the last segment,
    /// or the end of the RTMP stream); killed past a limit.
    pub async fn finish(mut self) -> Result<(), ComposeError> {
        self.video = None;
        self.audio = None;
        for w in self.writers.drain(..) {
            let _ = tokio::time::timeout(FINISH_WAIT, w).await;
        }
        match tokio::time::timeout(FINISH_WAIT, self.child.wait()).await {
            Ok(Ok(status)) if status.success() => Ok(()),
            Ok(Ok(status)) => Err(ComposeError::Ffmpeg(format!(
                "{status}: {}",
                self.tail.text()
            ))),
            Ok(Err(e)) => Err(ComposeError::Ffmpeg(e.to_string())),
            Err(_) => {
                let _ = self.child.kill().await;
                Err(ComposeError::Ffmpeg(
                    "the encoder did not finish in time".into(),
                ))
            }
        }
    }
}

fn s(v: &[&str]) -> Vec<String> {
    v.iter().map(|a| (*a).to_owned()).collect()
}

fn encoder_args(
    spec: &CompositionSpec,
    output: &Output,
    run: u32,
    audio_port: u16,
) -> Result<Vec<String>, ComposeError> {
    let size = format!("{}x{}", spec.width, spec.height);
    let fps = spec.fps.to_string();
    let gop = (spec.fps * SEGMENT_SECS).to_string();
    let vk = format!("{}k", spec.video_kbps);
    let buf = format!("{}k", spec.video_kbps * 2);
    let ak = format!("{}k", spec.audio_kbps);
    let mut a = s(&[
        "-f",
        "rawvideo",
        "-pix_fmt",
        "yuv420p",
        "-video_size",
        &size,
        "-framerate",
        &fps,
        "-i",
        "pipe:0",
    ]);
    a.extend(s(&[
        "-f",
        "s16le",
        "-ar",
        "48000",
        "-ac",
        "2",
        "-i",
        &format!("tcp://127.0.0.1:{audio_port}"),
    ]));
    a.extend(s(&["-map", "0:v", "-map", "1:a"]));
    a.extend(s(&[
        "-c:v",
        "libx264",
        "-preset",
        "veryfast",
        "-tune",
        "zerolatency",
        "-pix_fmt",
        "yuv420p",
        "-b:v",
        &vk,
        "-maxrate",
        &vk,
        "-bufsize",
        &buf,
        "-g",
        &gop,
        "-keyint_min",
        &gop,
        "-sc_threshold",
        "0",
    ]));
    a.extend(s(&["-c:a", "aac", "-b:a", &ak, "-ar", "48000", "-ac", "2"]));
    a.extend(s(&["-progress", "pipe:1", "-stats_period", "1"]));
    match output {
        Output::Segments { dir } => {
            let list = path_arg(&dir.join(format!("segments-{run:03}.csv")))?;
            let pattern = path_arg(&dir.join(format!("seg-{run:03}-%06d.ts")))?;
            a.extend(s(&[
                "-f",
                "segment",
                "-segment_time",
                &SEGMENT_SECS.to_string(),
                "-segment_format",
                "mpegts",
                "-segment_list",
                &list,
                "-segment_list_type",
                "csv",
                "-reset_timestamps",
                "0",
                &pattern,
            ]));
        }
        Output::Rtmp { url } => {
            a.extend(s(&[
                "-f",
                "flv",
                "-flvflags",
                "no_duration_filesize",
                url.expose(),
            ]));
        }
    }
    Ok(a)
}

/// A path as an argument: UTF-8 only, never read as an option.
pub fn path_arg(p: &Path) -> Result<String, ComposeError> {
    let s = p
        .to_str()
        .ok_or_else(|| ComposeError::Ffmpeg(format!("path is not UTF-8: {}", p.display())))?;
    if s.starts_with('-') {
        return Err(ComposeError::Ffmpeg(
            "relative path starting with '-'".into(),
        ));
    }
    Ok(s.to_owned())
}
