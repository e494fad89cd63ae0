//! One attempt at sending a stream: a running sender with a state to watch and a way to stop
//! it. The supervisor (`supervisor.rs`) makes attempts and retries them; it does not care what
//! produces the picture. Here: an `ffmpeg` child that encodes H.264 + AAC into FLV and pushes
//! it to the RTMP URL, with its progress read on stdout (`-progress pipe:1`) to tell when the
//! RTMP server takes the stream.

use std::process::Stdio;
use std::time::Duration;

use futures::future::BoxFuture;
use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};
use tokio::process::Command;
use tokio::sync::{oneshot, watch};

use super::target::Target;
use crate::config::StreamingConfig;

/// How a sender is doing (the compositor's `CompositorState` maps onto it).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FeedState {
    /// Started, nothing sent yet (connecting).
    Starting,
    /// Sending: the RTMP server takes the stream.
    Running,
    /// Ended by itself, with the reason (already scrubbed of the key).
    Failed(String),
    /// Ended because it was asked to.
    Ended,
}

/// A running sender.
pub struct Feed {
    pub state: watch::Receiver<FeedState>,
    stop: Box<dyn FnOnce() -> BoxFuture<'static, ()> + Send>,
}

impl Feed {
    pub fn new(
        state: watch::Receiver<FeedState>,
        stop: impl FnOnce() -> BoxFuture<'static, ()> + Send + 'static,
    ) -> Feed {
        Feed {
            state,
            stop: Box::new(stop),
        }
    }

    /// Ends the sender cleanly (the RTMP server gets the end of the stream) and waits for it.
    pub async fn stop(self) {
        (self.stop)().await
    }
}

/// How long ffmpeg may take to end after `q` before it is killed.
const STOP_WAIT: Duration = Duration::from_secs(5);

/// ffmpeg's input arguments for the slate: a plain dark picture and silence, paced in real
/// time. What a stream shows while there is no composed stage to send.
pub fn slate_input(config: &StreamingConfig) -> Vec<String> {
    let picture = format!(
        "color=c=0x1b2a3a:s={}x{}:r={}",
        config.width, config.height, config.fps
    );
    [
        "-re",
        "-f",
        "lavfi",
        "-i",
        &picture,
        "-f",
        "lavfi",
        "-i",
        "anullsrc=channel_layout=stereo:sample_rate=48000",
    ]
    .iter()
    .map(|s| (*s).to_owned())
    .collect()
}

/// The encoding and output arguments: H.264 (a keyframe every 2 s, as streaming services
/// ask) + AAC in FLV to the push URL, which comes last.
fn output_args(config: &StreamingConfig) -> Vec<String> {
    let v = config.video_kbps;
    let gop = (config.fps * 2).to_string();
    let mut args: Vec<String> = [
        "-c:v",
        "libx264",
        "-preset",
        "veryfast",
        "-tune",
        "zerolatency",
        "-pix_fmt",
        "yuv420p",
        "-g",
        &gop,
        "-b:v",
        &format!("{v}k"),
        "-maxrate",
        &format!("{v}k"),
        "-bufsize",
        &format!("{}k", v * 2),
        "-c:a",
        "aac",
        "-b:a",
        &format!("{}k", config.audio_kbps),
        "-ar",
        "48000",
        "-ac",
        "2",
        "-f",
        "flv",
    ]
    .iter()
    .map(|s| (*s).to_owned())
    .collect();
    args.push("-flvflags".into());
    args.push("no_duration_filesize".into());
    args
}

/// Starts ffmpeg reading `input` (its input arguments) and pushing to `target`.
pub fn spawn_ffmpeg(
    input: Vec<String>,
    config: &StreamingConfig,
    target: &Target,
) -> Result<Feed, String> {
    let mut command = Command::new("ffmpeg");
    command
        .args(["-hide_banner", "-nostats", "-loglevel", "error"])
        .args(["-progress", "pipe:1"])
        .args(&input)
        .args(output_args(config))
        .arg(target.push_url().expose())
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .kill_on_drop(true);
    let mut child = command
        .spawn()
        .map_err(|e| format!("cannot run ffmpeg: {e}"))?;
    let (state_tx, state) = watch::channel(FeedState::Starting);
    let (stop_tx, stop_rx) = oneshot::channel::<oneshot::Sender<()>>();
    let stdout = child.stdout.take();
    let stderr = child.stderr.take();
    let mut stdin = child.stdin.take();
    let target = target.clone();
    let running = state_tx.clone();
    // Progress: the first block that reports bytes written means the RTMP server took it.
    if let Some(stdout) = stdout {
        tokio::spawn(async move {
            let mut lines = BufReader::new(stdout).lines();
            while let Ok(Some(line)) = lines.next_line().await {
                if let Some(size) = line.strip_prefix("total_size=")
                    && size.trim().parse::<u64>().is_ok_and(|n| n > 0)
                {
                    running.send_if_modified(|s| {
                        let starting = *s == FeedState::Starting;
                        if starting {
                            *s = FeedState::Running;
                        }
                        starting
                    });
                }
            }
        });
    }
    // Errors: kept (scrubbed of the key) for the failure's reason, logged at debug level.
    let (last_tx, last_error) = watch::channel(String::new());
    if let Some(stderr) = stderr {
        let target = target.clone();
        tokio::spawn(async move {
            let mut lines = BufReader::new(stderr).lines();
            while let Ok(Some(line)) = lines.next_line().await {
                let line = target.scrub(line.trim());
                if !line.is_empty() {
                    tracing::debug!(line = %line, "stream sender");
                    let _ = last_tx.send(line);
                }
            }
        });
    }
    tokio::spawn(async move {
        let asked = tokio::select! {
            status = child.wait() => {
                let why = last_error.borrow().clone();
                let reason = match status {
                    Ok(s) if why.is_empty() => format!("the sender ended ({s})"),
                    Ok(_) => why,
                    Err(e) => format!("the sender failed: {e}"),
                };
                let _ = state_tx.send(FeedState::Failed(reason));
                return;
            }
            asked = stop_rx => asked.ok(),
        };
        // `q` makes ffmpeg end the FLV stream properly; kill it if it does not.
        if let Some(stdin) = stdin.as_mut() {
            let _ = stdin.write_all(b"q\n").await;
            let _ = stdin.flush().await;
        }
        if tokio::time::timeout(STOP_WAIT, child.wait()).await.is_err() {
            let _ = child.kill().await;
        }
        let _ = state_tx.send(FeedState::Ended);
        if let Some(done) = asked {
            let _ = done.send(());
        }
    });
    Ok(Feed::new(state, move || {
        Box::pin(async move {
            let (done_tx, done_rx) = oneshot::channel();
            if stop_tx.send(done_tx).is_ok() {
                let _ = done_rx.await;
            }
        })
    }))
}

/// The live compositor as an attempt: its states mapped onto [`FeedState`] (its messages
/// scrubbed of the key), stopping it ends the FLV stream.
pub fn from_compositor(compositor: crate::compose::Compositor, target: Target) -> Feed {
    use crate::compose::CompositorState;
    let mut source = compositor.state();
    let (tx, state) = watch::channel(FeedState::Starting);
    let scrubber = target.clone();
    tokio::spawn(async move {
        loop {
            let now = match &*source.borrow_and_update() {
                CompositorState::Starting => FeedState::Starting,
                CompositorState::Running => FeedState::Running,
                CompositorState::Failed(why) => FeedState::Failed(target.scrub(why)),
                CompositorState::Ended => FeedState::Failed("the composition ended".into()),
            };
            let done = matches!(now, FeedState::Failed(_));
            tx.send_if_modified(|s| {
                let changed = *s != now;
                *s = now;
                changed
            });
            if done || source.changed().await.is_err() || tx.is_closed() {
                return;
            }
        }
    });
    Feed::new(state, move || {
        Box::pin(async move {
            if let Err(e) = compositor.stop().await {
                let error = scrubber.scrub(&e.to_string());
                tracing::debug!(error = %error, "stopping the stream's compositor");
            }
        })
    })
}
