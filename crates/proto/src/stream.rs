//! Streaming out over RTMP (issue 8, S1–S3): the stream's state as everyone in the room sees it
//! (`welcome.stream`, `stream_updated`). The RTMP URL and the stream key never cross the socket.

use serde::{Deserialize, Serialize};

/// Where a room's (or a live's) stream is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum StreamState {
    /// Connecting to the RTMP server (first attempt).
    Starting,
    /// Sending: the RTMP server takes the stream.
    Live,
    /// Not sending: never started, stopped by a moderator, or stopped by an auto-stop rule.
    Stopped,
    /// Gave up: `reason` says why (wrong URL or key, the server refused every attempt, ...).
    Failed,
    /// The connection dropped or was refused: trying again after a back-off.
    Retrying,
}

/// Why a stream is stopped, failed or retrying.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum StreamReason {
    /// A moderator stopped it (`by`: their display name).
    StoppedBy { by: String },
    /// No moderator has been in the room for the configured grace period.
    NoModerator,
    /// The nightly stop hour passed.
    Nightly,
    /// The room closed, or the session's live ended.
    RoomClosed,
    /// The stream's settings were removed in the back office.
    NotConfigured,
    /// The sending failed: `detail` is the server's description, in English.
    Error { detail: String },
}

/// The stream as everyone in the room sees it. Absent from `welcome` (`null`) when the room
/// (or session) has no stream configured.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StreamInfo {
    pub state: StreamState,
    #[serde(default)]
    pub reason: Option<StreamReason>,
    /// While `retrying`: the attempt that comes next (1 = the first retry).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub attempt: Option<u32>,
}

impl StreamInfo {
    pub fn new(state: StreamState, reason: Option<StreamReason>) -> Self {
        Self {
            state,
            reason,
            attempt: None,
        }
    }

    /// Not streaming, with nothing to say about why (a configured stream not started yet).
    pub fn stopped() -> Self {
        Self::new(StreamState::Stopped, None)
    }

    /// Sending or trying to: a moderator's `stop_stream` has something to stop.
    pub fn is_active(&self) -> bool {
        matches!(
            self.state,
            StreamState::Starting | StreamState::Live | StreamState::Retrying
        )
    }
}
