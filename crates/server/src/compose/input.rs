//! One tapped publication decoded for the compositor: the tap's RTP goes over local UDP to an
//! ffmpeg decoder (its SDP on stdin), which writes raw pictures at the tile's size (video) or
//! 48 kHz stereo samples (audio) on stdout. The input keeps only the latest picture, or a short
//! queue of samples: the compositor's clock decides what is used when, so a late, paused or
//! gone input never stalls the output (it shows its last picture, or is silent).

use std::collections::VecDeque;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use amphi_sfu::{MediaRoom, PublicationId, Tap};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::UdpSocket;
use tokio::task::JoinHandle;

use super::canvas::Picture;
use super::{ComposeError, ffmpeg, sdp};

/// Packets a tap may queue before it drops (about 2 s of 720p video).
const TAP_QUEUE: usize = 1024;
/// A decoder must listen on its port within this (a loaded machine starts ffmpeg slowly).
const DECODER_START: Duration = Duration::from_secs(10);
/// Until the first picture, ask the publisher for a keyframe this often.
const KEYFRAME_RETRY: Duration = Duration::from_secs(1);
/// Audio kept per input at most (older samples are dropped: latency stays bounded).
const MAX_AUDIO: usize = 48_000 / 2; // 0.5 s of stereo frames
/// Audio an input must hold before it is mixed (a small jitter buffer).
const AUDIO_PRIME: usize = 48_000 / 10; // 100 ms

/// What an input's task shares with the compositor.
#[derive(Default)]
struct Shared {
    picture: Mutex<Option<Arc<Picture>>>,
    samples: Mutex<AudioQueue>,
    /// The task ended (publication gone, decoder failed): restart or drop it.
    ended: AtomicBool,
    frames: AtomicU64,
}

#[derive(Default)]
struct AudioQueue {
    /// Stereo frames (left, right).
    samples: VecDeque<[i16; 2]>,
    primed: bool,
}

/// What an input decodes to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// Pictures of exactly this size (scaled to fit, padded).
    Video {
        w: u32,
        h: u32,
    },
    Audio,
}

/// A running decoder of one publication. Dropping it stops the decoder and the tap.
pub struct Input {
    pub kind: Kind,
    pub started: Instant,
    shared: Arc<Shared>,
    task: JoinHandle<()>,
    tap_dropped: Arc<AtomicU64>,
}

impl Drop for Input {
    fn drop(&mut self) {
        self.task.abort();
    }
}

impl Input {
    /// Taps `publication` and starts its decoder.
    pub fn start(
        room: &MediaRoom,
        publication: &PublicationId,
        kind: Kind,
    ) -> Result<Input, ComposeError> {
        let tap = room
            .tap(publication, TAP_QUEUE)
            .map_err(|e| ComposeError::Input(e.to_string()))?;
        let port = ffmpeg::free_rtp_port()?;
        let sdp = sdp::for_input(tap.codec(), port);
        let (child, tail) = ffmpeg::spawn(&decoder_args(kind))?;
        let shared = Arc::new(Shared::default());
        let tap_dropped = Arc::new(AtomicU64::new(0));
        let task = tokio::spawn(run(
            tap,
            child,
            tail,
            sdp,
            port,
            kind,
            shared.clone(),
            tap_dropped.clone(),
        ));
        Ok(Input {
            kind,
            started: Instant::now(),
            shared,
            task,
            tap_dropped,
        })
    }

    /// The latest decoded picture (video).
    pub fn picture(&self) -> Option<Arc<Picture>> {
        self.shared
            .picture
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .clone()
    }

    /// Adds up to `out.len()` stereo frames into `out` (audio); silence while the input is not
    /// primed.
    pub fn mix_into(&self, out: &mut [[i32; 2]]) {
        let mut q = self
            .shared
            .samples
            .lock()
            .unwrap_or_else(|p| p.into_inner());
        if !q.primed {
            if q.samples.len() < AUDIO_PRIME {
                return;
            }
            q.primed = true;
        }
        if q.samples.len() < out.len() {
            // Ran dry: wait for the jitter buffer to fill again rather than crackle.
            q.primed = false;
        }
        for o in out.iter_mut() {
            match q.samples.pop_front() {
                Some([l, r]) => {
                    o[0] += i32::from(l);
                    o[1] += i32::from(r);
                }
                None => break,
            }
        }
    }

    pub fn ended(&self) -> bool {
        self.shared.ended.load(Ordering::Acquire) || self.task.is_finished()
    }

    /// Pictures decoded so far (video).
    pub fn frames(&self) -> u64 {
        self.shared.frames.load(Ordering::Relaxed)
    }

    /// Packets the tap dropped on a full queue.
    pub fn tap_dropped(&self) -> u64 {
        self.tap_dropped.load(Ordering::Relaxed)
    }
}

/// The decoder's command line. Why each input option:
/// - `-nofind_stream_info`: the SDP says all ffmpeg needs (codec, clock, channels) and the
///   decoder learns the picture size from the first keyframe. Probing instead reads until it
///   has seen ~20 frames (4 s of a 5 fps screen share, forever for a still screen that Chrome
///   only re-sends on change), and with `nobuffer` throws everything it read away, keyframe
///   included: the tile stayed blank until the next spontaneous keyframe (issue 7's "webcams
///   off" replay, whose 5 fps screen was never decoded).
/// - `-flags low_delay`: no frame threading, so a decoded picture comes out at once instead of
///   a few frames later (a still screen sends no later frames to push it out).
/// - `-fps_mode passthrough`: every decoded picture once, as it comes; the compositor's clock
///   keeps the latest (a guessed constant rate would duplicate or drop pictures).
fn decoder_args(kind: Kind) -> Vec<String> {
    let mut args: Vec<String> = [
        "-nofind_stream_info",
        "-protocol_whitelist",
        "pipe,udp,rtp",
        "-fflags",
        "nobuffer",
        "-flags",
        "low_delay",
        "-reorder_queue_size",
        "64",
        "-buffer_size",
        "4194304",
        "-f",
        "sdp",
        "-i",
        "pipe:0",
    ]
    .iter()
    .map(|s| (*s).to_owned())
    .collect();
    match kind {
        Kind::Video { w, h } => {
            let vf = format!(
                "scale={w}:{h}:force_original_aspect_ratio=decrease,\
                 pad={w}:{h}:(ow-iw)/2:(oh-ih)/2,format=yuv420p"
            );
            for a in [
                "-map",
                "0:v:0",
                "-vf",
                &vf,
                "-fps_mode",
                "passthrough",
                "-f",
                "rawvideo",
                "pipe:1",
            ] {
                args.push(a.to_owned());
            }
        }
        Kind::Audio => {
            for a in [
                "-map",
                "0:a:0",
                "-ac",
                "2",
                "-ar",
                "48000",
                "-flush_packets",
                "1",
                "-f",
                "s16le",
                "pipe:1",
            ] {
                args.push(a.to_owned());
            }
        }
    }
    args
}

#[allow(clippy::too_many_arguments)] // one task's whole state, handed over once
async fn run(
    mut tap: Tap,
    mut child: tokio::process::Child,
    tail: ffmpeg::Tail,
    sdp: String,
    port: u16,
    kind: Kind,
    shared: Arc<Shared>,
    tap_dropped: Arc<AtomicU64>,
) {
    let publication = tap.info().id.clone();
    if let Some(mut stdin) = child.stdin.take() {
        // The SDP, then EOF: ffmpeg reads its input description to the end.
        if stdin.write_all(sdp.as_bytes()).await.is_err() {
            shared.ended.store(true, Ordering::Release);
            return;
        }
    }
    let Some(stdout) = child.stdout.take() else {
        shared.ended.store(true, Ordering::Release);
        return;
    };
    let reader = tokio::spawn(read_output(stdout, kind, shared.clone()));
    // Packets wait in the tap's queue until the decoder listens (the first ones carry the
    // keyframe asked for when the tap opened); a decoder that never listens is restarted.
    if !ffmpeg::wait_listening(port, &mut child, DECODER_START).await {
        tracing::warn!(publication = %publication, stderr = %tail.text(), "compositor decoder did not start");
        reader.abort();
        shared.ended.store(true, Ordering::Release);
        return;
    }
    let socket = match UdpSocket::bind("127.0.0.1:0").await {
        Ok(s) => s,
        Err(e) => {
            tracing::warn!(error = %e, "compositor input: no UDP socket");
            shared.ended.store(true, Ordering::Release);
            return;
        }
    };
    let pt = tap.codec().payload_type;
    let mut keyframes = tokio::time::interval(KEYFRAME_RETRY);
    loop {
        tokio::select! {
            packet = tap.recv() => match packet {
                Some(p) => {
                    // A full socket buffer loses this packet only; the decoder conceals it.
                    let _ = socket.send_to(&p.to_rtp(pt), ("127.0.0.1", port)).await;
                    tap_dropped.store(tap.dropped(), Ordering::Relaxed);
                }
                None => break,
            },
            _ = keyframes.tick() => {
                if matches!(kind, Kind::Video { .. }) && shared.frames.load(Ordering::Relaxed) == 0 {
                    tap.request_keyframe();
                }
            }
            status = child.wait() => {
                tracing::warn!(
                    publication = %publication,
                    status = ?status.ok(),
                    stderr = %tail.text(),
                    "compositor decoder ended"
                );
                break;
            }
        }
        if reader.is_finished() {
            break;
        }
    }
    reader.abort();
    shared.ended.store(true, Ordering::Release);
}

async fn read_output(mut stdout: tokio::process::ChildStdout, kind: Kind, shared: Arc<Shared>) {
    match kind {
        Kind::Video { w, h } => {
            let size = Picture::size(w, h);
            loop {
                let mut buf = vec![0u8; size];
                if stdout.read_exact(&mut buf).await.is_err() {
                    return;
                }
                if let Some(p) = Picture::from_bytes(w, h, buf) {
                    *shared.picture.lock().unwrap_or_else(|p| p.into_inner()) = Some(Arc::new(p));
                    shared.frames.fetch_add(1, Ordering::Relaxed);
                }
            }
        }
        Kind::Audio => {
            let mut buf = vec![0u8; 3840];
            // Bytes of an incomplete stereo frame, completed by the next read.
            let mut pending: Vec<u8> = Vec::new();
            loop {
                let n = match stdout.read(&mut buf).await {
                    Ok(0) | Err(_) => return,
                    Ok(n) => n,
                };
                pending.extend_from_slice(&buf[..n]);
                let whole = pending.len() / 4 * 4;
                let mut q = shared.samples.lock().unwrap_or_else(|p| p.into_inner());
                for f in pending[..whole].chunks_exact(4) {
                    q.samples.push_back([
                        i16::from_le_bytes([f[0], f[1]]),
                        i16::from_le_bytes([f[2], f[3]]),
                    ]);
                }
                pending.drain(..whole);
                while q.samples.len() > MAX_AUDIO {
                    q.samples.pop_front();
                }
            }
        }
    }
}
