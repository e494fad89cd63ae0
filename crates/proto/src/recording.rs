//! Recording's wire types (issue 7): what everyone in a room or a live is told about the
//! server's recording of it (`welcome.recording`, `recording_updated`), and the options a
//! moderator starts one with (`start_recording`).

use serde::{Deserialize, Serialize};

/// What a `start_recording` asks for (V3).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct RecordingRequest {
    /// Include the webcams; `false`: shared content and sound only.
    #[serde(default = "yes")]
    pub webcams: bool,
    /// Sound only (no picture at all).
    #[serde(default)]
    pub audio_only: bool,
}

impl Default for RecordingRequest {
    fn default() -> Self {
        Self {
            webcams: true,
            audio_only: false,
        }
    }
}

fn yes() -> bool {
    true
}

/// The recording running in a room (`welcome.recording`, `recording_updated.recording`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RecordingInfo {
    /// The recording's id (32 hex): its replay is `/replays/<id>` once ready.
    pub id: String,
    /// Unix milliseconds.
    pub started_at: u64,
    pub webcams: bool,
    pub audio_only: bool,
    /// Who started it (a display name), when a person did; `null` for an automatic start.
    #[serde(default)]
    pub by: Option<String>,
}

/// Why a recording stopped or did not start (`recording_updated.reason`, with `recording: null`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RecordingStopReason {
    /// A moderator stopped it (or the live ended).
    Asked,
    /// The disk is nearly full (V7): stopped cleanly, or refused to start.
    DiskLow,
    /// The recorder failed; what was recorded so far is kept.
    Failed,
}
