//! The shared value types carried inside messages.

use crate::ids::{ChatMessageId, KnockId, ParticipantId, PublicationId};
use serde::{Deserialize, Serialize};

/// A participant's role in a room or a session; permissions derive from it (in `amphi-room`
/// only). `speaker` and `attendee` exist only in sessions (webinars).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    Owner,
    Manager,
    Moderator,
    Participant,
    /// Named as a speaker of the session: backstage with full media, may present content.
    Speaker,
    /// Watches a session's stage: receives only, never appears in participant lists.
    Attendee,
}

/// What a published track captures.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Source {
    Microphone,
    Camera,
    Screen,
    ScreenAudio,
}

impl Source {
    /// The media kind a source always has.
    pub fn kind(self) -> Kind {
        match self {
            Source::Microphone | Source::ScreenAudio => Kind::Audio,
            Source::Camera | Source::Screen => Kind::Video,
        }
    }
}

/// Audio or video.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Kind {
    Audio,
    Video,
}

/// Which of the client's two peer connections.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Leg {
    /// The client sends; the client offers.
    Publisher,
    /// The client receives; the server offers.
    Subscriber,
}

/// Whether a participant's socket is live.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Connection {
    Connected,
    /// Dropped; may come back with its resume token within the grace period.
    Reconnecting,
}

/// Why a participant left.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum LeaveReason {
    Left,
    Timeout,
    Removed,
}

/// Machine-readable error codes (docs/protocol.md has the table, with which ones are fatal).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ErrorCode {
    InvalidMessage,
    MessageTooLarge,
    RateLimited,
    NotJoined,
    AlreadyJoined,
    InvalidName,
    UnsupportedVersion,
    RoomFull,
    RoomClosed,
    RoomNotFound,
    JoinTimeout,
    NoOfferPending,
    InvalidSdp,
    UnknownPublication,
    Forbidden,
    Replaced,
    Removed,
    /// Too many signaling sockets open from one address.
    TooManyConnections,
    /// A moderator denied the knock (fatal).
    Denied,
    /// The knock waited longer than the room's knock timeout (fatal).
    KnockExpired,
    InternalError,
    /// `start_live` after the live ended: an ended live never restarts.
    LiveEnded,
    /// `stop_live` before the live started.
    LiveNotStarted,
    /// The session or room requires an approved registration, and this socket carries none
    /// (fatal: register, or give e-mail + registration ID on the page, then reload).
    RegistrationRequired,
    /// The shared notes are locked to read-only.
    NotesLocked,
    /// One vote per person: this person already voted in this poll.
    AlreadyVoted,
    /// The poll is not open to votes (a draft, or closed), or not in the state the request needs.
    PollNotOpen,
}

impl ErrorCode {
    /// A fatal error is followed by a close (code 4001); the client must not reconnect.
    pub fn is_fatal(self) -> bool {
        matches!(
            self,
            ErrorCode::UnsupportedVersion
                | ErrorCode::RoomFull
                | ErrorCode::RoomClosed
                | ErrorCode::RoomNotFound
                | ErrorCode::JoinTimeout
                | ErrorCode::Replaced
                | ErrorCode::Removed
                | ErrorCode::TooManyConnections
                | ErrorCode::Denied
                | ErrorCode::KnockExpired
                | ErrorCode::RegistrationRequired
        )
    }

    /// The snake_case name, as on the wire (used as the close reason).
    pub fn as_str(self) -> &'static str {
        match self {
            ErrorCode::InvalidMessage => "invalid_message",
            ErrorCode::MessageTooLarge => "message_too_large",
            ErrorCode::RateLimited => "rate_limited",
            ErrorCode::NotJoined => "not_joined",
            ErrorCode::AlreadyJoined => "already_joined",
            ErrorCode::InvalidName => "invalid_name",
            ErrorCode::UnsupportedVersion => "unsupported_version",
            ErrorCode::RoomFull => "room_full",
            ErrorCode::RoomClosed => "room_closed",
            ErrorCode::RoomNotFound => "room_not_found",
            ErrorCode::JoinTimeout => "join_timeout",
            ErrorCode::NoOfferPending => "no_offer_pending",
            ErrorCode::InvalidSdp => "invalid_sdp",
            ErrorCode::UnknownPublication => "unknown_publication",
            ErrorCode::Forbidden => "forbidden",
            ErrorCode::Replaced => "replaced",
            ErrorCode::Removed => "removed",
            ErrorCode::TooManyConnections => "too_many_connections",
            ErrorCode::Denied => "denied",
            ErrorCode::KnockExpired => "knock_expired",
            ErrorCode::InternalError => "internal_error",
            ErrorCode::LiveEnded => "live_ended",
            ErrorCode::LiveNotStarted => "live_not_started",
            ErrorCode::RegistrationRequired => "registration_required",
            ErrorCode::NotesLocked => "notes_locked",
            ErrorCode::AlreadyVoted => "already_voted",
            ErrorCode::PollNotOpen => "poll_not_open",
        }
    }
}

/// A participant as others see it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ParticipantInfo {
    pub id: ParticipantId,
    pub name: String,
    pub role: Role,
    pub connection: Connection,
    /// `None` when the hand is down; else an order key that grows with each raise in the
    /// meeting (lower = raised earlier).
    #[serde(default)]
    pub hand_raised: Option<u64>,
}

/// A published track as everyone sees it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PublicationInfo {
    pub id: PublicationId,
    pub participant_id: ParticipantId,
    pub kind: Kind,
    pub source: Source,
    pub muted: bool,
}

/// The room being joined.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RoomInfo {
    pub slug: String,
    pub name: String,
}

/// One entry of `RTCConfiguration.iceServers`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct IceServer {
    pub urls: Vec<String>,
    #[serde(default)]
    pub username: Option<String>,
    #[serde(default)]
    pub credential: Option<String>,
}

/// The browser's `RTCIceCandidateInit`, field names as the browser spells them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct IceCandidate {
    pub candidate: String,
    #[serde(rename = "sdpMid", default)]
    pub sdp_mid: Option<String>,
    #[serde(rename = "sdpMLineIndex", default)]
    pub sdp_mline_index: Option<u16>,
    #[serde(
        rename = "usernameFragment",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub username_fragment: Option<String>,
}

/// One sending media section of the publisher leg.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PublishTrack {
    pub mid: String,
    pub source: Source,
}

/// One receiving media section of the subscriber leg, and the publication it carries.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SubscribeTrack {
    pub mid: String,
    pub publication_id: PublicationId,
    pub participant_id: ParticipantId,
    pub kind: Kind,
    pub source: Source,
}

/// Why a `join` is held instead of welcomed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum WaitingReason {
    /// The room is not open: the join proceeds by itself when it opens.
    RoomClosed,
    /// The waiting room is on (or the person was removed before): a moderator decides.
    Knocking,
}

/// Someone waiting to be admitted, as moderators see them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Knock {
    pub id: KnockId,
    pub name: String,
    /// When the knock started, Unix milliseconds.
    pub since: u64,
    /// The same person (signed-in user or browser) was removed earlier in this meeting.
    pub removed_before: bool,
}

/// How a knock ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum KnockOutcome {
    Admitted,
    Denied,
    Expired,
    /// The person gave up (closed the page) or the room closed under them.
    Left,
}

/// What a moderator did to the receiver of `moderated`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ModerationAction {
    /// A microphone or screen audio was muted.
    Muted,
    CameraStopped,
    ScreenStopped,
    RoleChanged,
    HandLowered,
}

/// A participant who did something, by id and display name.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ActedBy {
    pub participant_id: ParticipantId,
    pub name: String,
}

/// One message of the meeting's chat. `text` is plain text: clients never interpret it as HTML.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ChatMessage {
    pub id: ChatMessageId,
    pub participant_id: ParticipantId,
    /// The sender's name when it was sent.
    pub name: String,
    pub text: String,
    /// Unix milliseconds.
    pub sent_at: u64,
}

/// Why the meeting ended for everyone.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum MeetingEndReason {
    RoomClosed,
    RoomDeleted,
    /// The session (webinar) was deleted.
    SessionDeleted,
}
