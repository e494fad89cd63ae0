//! The live compositor: "one composition, two outputs". It lays a room's stage out like the
//! stage (grid, active speaker, content with people in a strip) into H.264 + AAC, written as
//! crash-safe ~2 s MPEG-TS segments (recording) or sent as FLV to an RTMP URL (streaming).
//!
//! How (see docs/ARCHITECTURE.md, "Recording"):
//! - Media comes from SFU taps (`amphi_sfu::Tap`): bounded queues fed with `try_send` by the
//!   fan-out, so forwarding never waits for the compositor.
//! - Each tapped publication is decoded by its own ffmpeg (`input.rs`): video at its tile's
//!   size (ffmpeg scales), audio to 48 kHz stereo. A tile whose size changes gets a new decoder
//!   (its old picture stays until the new one decodes); nothing else restarts.
//! - The compositor's clock (`compositor.rs`) makes `fps` pictures and 48 000 samples a second
//!   whatever the inputs do: it copies each input's latest picture into place (`canvas.rs`,
//!   `layout.rs`) and mixes the microphones; a paused or late input shows its last picture or is
//!   silent, it never stalls the output. One ffmpeg encodes (`encoder.rs`).
//! - The layout follows the room actor's [`StageView`] (`Rooms::stage_feed`), read on every
//!   frame; a still picture (image, PDF page) comes from a [`StillSource`], wrapped in
//!   `annotations::AnnotatedStills` so that the room's strokes are drawn on it. A background
//!   task asks for it every 250 ms (file reads and drawing never run on the clock) and decodes
//!   a new version once (`still.rs`); a stroke shows within about half a second.

mod canvas;
mod compositor;
mod encoder;
mod ffmpeg;
mod input;
mod layout;
mod sdp;
mod stage;
mod still;

use std::path::PathBuf;

pub use compositor::{Compositor, CompositorStats};
pub use encoder::{SEGMENT_SECS, path_arg};
pub use layout::{Frame, Placement, Rect, Source, layout};
pub use stage::{ContentView, StageLayout, StageView, Tile};
pub use still::{ContentFiles, Still, StillSource};

use crate::config::Secret;

/// What to produce.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CompositionSpec {
    pub width: u32,
    pub height: u32,
    pub fps: u32,
    pub video_kbps: u32,
    pub audio_kbps: u32,
    /// People's cameras on the picture (V3); `false`: content only.
    pub webcams: bool,
    /// No picture but a still background (V3).
    pub audio_only: bool,
}

impl Default for CompositionSpec {
    fn default() -> Self {
        CompositionSpec {
            width: 1280,
            height: 720,
            fps: 25,
            video_kbps: 2000,
            audio_kbps: 128,
            webcams: true,
            audio_only: false,
        }
    }
}

/// Where the composition goes.
#[derive(Debug, Clone)]
pub enum Output {
    /// `seg-<run>-<n>.ts` files (and `segments-<run>.csv`, the finished ones) in `dir`, which
    /// must exist.
    Segments { dir: PathBuf },
    /// FLV pushed to this URL (it carries the stream key: never logged).
    Rtmp { url: Secret },
}

/// How the compositor is doing.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CompositorState {
    /// Started, nothing encoded yet.
    Starting,
    /// Encoding (for RTMP: the server takes the stream).
    Running,
    /// Stopped by itself: the encoder failed (the reason, never the RTMP URL).
    Failed(String),
    /// Stopped: asked to, or the room closed.
    Ended,
}

#[derive(Debug, thiserror::Error)]
pub enum ComposeError {
    /// Nobody is in the room: there is nothing to compose.
    #[error("the room is not running")]
    NoRoom,
    #[error("invalid composition: {0}")]
    Spec(String),
    #[error("ffmpeg: {0}")]
    Ffmpeg(String),
    #[error("input: {0}")]
    Input(String),
}

impl CompositionSpec {
    /// Even sizes (4:2:0), sane rates.
    pub fn check(&self) -> Result<(), ComposeError> {
        let bad = |m: &str| Err(ComposeError::Spec(m.to_owned()));
        if self.width < 160 || self.height < 120 || self.width > 3840 || self.height > 2160 {
            return bad("size out of 160x120..3840x2160");
        }
        if self.width % 2 == 1 || self.height % 2 == 1 {
            return bad("width and height must be even");
        }
        if !(1..=60).contains(&self.fps) || 48_000 % self.fps != 0 {
            return bad("fps must divide 48000 (e.g. 15, 20, 24, 25, 30, 48, 50, 60)");
        }
        if self.video_kbps < 100 || self.audio_kbps < 32 {
            return bad("bitrates too low");
        }
        Ok(())
    }
}
