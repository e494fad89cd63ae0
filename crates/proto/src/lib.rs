//! The signaling protocol spoken between the browser client and the server (see docs/protocol.md).
//!
//! These are the only wire types: JSON objects tagged by `"type"`, one per WebSocket text frame.
//! `ClientMessage` flows client to server, `ServerMessage` server to client. Unknown fields are
//! ignored (forward compatibility); unknown types and wrong field types are errors.

mod annotations;
mod ids;
mod messages;
mod notes;
mod polls;
mod recording;
mod stream;
mod types;
mod webinar;

pub use annotations::{
    AnnotationColor, AnnotationPage, AnnotationTool, AnnotationsState, MAX_MEETING_POINTS,
    MAX_PAGE_STROKES, MAX_POINTS_PER_MESSAGE, MAX_STROKE_ID, MAX_STROKE_POINTS, MAX_STROKE_SIZE,
    MAX_TEXT_CHARS, PageAnnotations, Point, Stroke, StrokeInput,
};
pub use ids::{ChatMessageId, ContentId, KnockId, ParticipantId, PublicationId};
pub use messages::{ClientMessage, ServerMessage};
pub use notes::{MAX_NOTES_DOC_BYTES, MAX_NOTES_UPDATE_BYTES, NOTES_TEXT, NotesInfo};
pub use polls::{
    MAX_POLL_OPTION_CHARS, MAX_POLL_OPTIONS, MAX_POLL_QUESTION_CHARS, MAX_POLLS, MIN_POLL_OPTIONS,
    PollId, PollInfo, PollRequest, PollResults, PollState,
};
pub use recording::{RecordingInfo, RecordingRequest, RecordingStopReason};
pub use stream::{StreamInfo, StreamReason, StreamState};
pub use types::{
    ActedBy, ChatMessage, Connection, ErrorCode, IceCandidate, IceServer, Kind, Knock,
    KnockOutcome, LeaveReason, Leg, MeetingEndReason, ModerationAction, ParticipantInfo,
    PublicationInfo, PublishTrack, Role, RoomInfo, Source, SubscribeTrack, WaitingReason,
};
pub use webinar::{
    Audience, ContentAction, ContentInfo, ContentKind, ContentStatus, LiveInfo, LiveState, Stage,
    StageContent, StageContentRequest, StageLayout, StageMember, StageRequest,
};

/// The most members a stage shows.
pub const MAX_STAGE_MEMBERS: usize = 9;

/// The version a client announces in `join`; the server refuses others.
pub const PROTOCOL_VERSION: u32 = 1;

/// The largest text frame the server accepts, in bytes (an SDP with simulcast is about 10 KB).
pub const MAX_MESSAGE_BYTES: usize = 64 * 1024;

/// The longest display name, in characters, after trimming.
pub const MAX_NAME_CHARS: usize = 64;

/// The longest chat message, in characters, after trimming.
pub const MAX_CHAT_CHARS: usize = 2000;

/// The most chat messages a meeting keeps (and a `welcome` carries); older ones are dropped.
pub const MAX_CHAT_HISTORY: usize = 200;

/// Why a frame could not be read as a message.
#[derive(Debug, thiserror::Error)]
pub enum ProtoError {
    #[error("message of {0} bytes is larger than the limit of {MAX_MESSAGE_BYTES} bytes")]
    TooLarge(usize),
    #[error("invalid message: {0}")]
    Invalid(#[from] serde_json::Error),
}

impl ClientMessage {
    /// Reads one client frame, enforcing the size limit first.
    pub fn parse(text: &str) -> Result<Self, ProtoError> {
        if text.len() > MAX_MESSAGE_BYTES {
            return Err(ProtoError::TooLarge(text.len()));
        }
        Ok(serde_json::from_str(text)?)
    }

    /// The JSON text of this message.
    pub fn to_json(&self) -> String {
        // Serialising these plain structs (strings, numbers, enums) into a String cannot fail.
        serde_json::to_string(self).expect("client messages always serialise")
    }
}

impl ServerMessage {
    /// Reads one server frame (used by Rust clients and tests).
    pub fn parse(text: &str) -> Result<Self, ProtoError> {
        Ok(serde_json::from_str(text)?)
    }

    /// The JSON text of this message.
    pub fn to_json(&self) -> String {
        // Serialising these plain structs (strings, numbers, enums) into a String cannot fail.
        serde_json::to_string(self).expect("server messages always serialise")
    }

    /// A shorthand for an `error` message.
    pub fn error(code: ErrorCode, message: impl Into<String>, request: Option<&str>) -> Self {
        ServerMessage::Error {
            code,
            message: message.into(),
            request: request.map(str::to_owned),
            by: None,
        }
    }

    /// An `error` about something a person did to the receiver (`removed`, `denied`).
    pub fn error_by(code: ErrorCode, message: impl Into<String>, by: Option<String>) -> Self {
        ServerMessage::Error {
            code,
            message: message.into(),
            request: None,
            by,
        }
    }
}
