//! Why the room refuses a request.

use amphi_proto::ErrorCode;

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RoomError {
    #[error("the room is full ({0} participants)")]
    RoomFull(usize),
    #[error("too many people are waiting at this room ({0}); try again later")]
    TooManyWaiting(usize),
    #[error("a name must have 1 to {max} characters and no control characters", max = amphi_proto::MAX_NAME_CHARS)]
    InvalidName,
    #[error("no such participant in this room")]
    UnknownParticipant,
    #[error("no such participant in this room")]
    UnknownTarget,
    #[error("no such publication")]
    UnknownPublication,
    #[error("your role may not do that")]
    Forbidden,
    #[error("you may not do that to this participant")]
    TargetForbidden,
    #[error(
        "a role given in the room is moderator or participant; owner and manager come from the room's shares"
    )]
    InvalidRole,
    #[error("{0}")]
    InvalidChat(&'static str),
    #[error("too many chat messages: at most 5 at once, then 1 every 2 seconds")]
    ChatRateLimited,
    #[error("a moderator removed you from this session")]
    RemovedFromSession,
    #[error("this is a meeting room, not a session")]
    NotASession,
    #[error("the live has ended: it cannot start again")]
    LiveEnded,
    #[error("the live has not started")]
    LiveNotStarted,
    #[error("{0}")]
    InvalidStage(String),
    #[error("{0}")]
    InvalidContentControl(&'static str),
}

impl RoomError {
    /// The protocol's error code for this refusal.
    pub fn code(&self) -> ErrorCode {
        match self {
            RoomError::RoomFull(_) | RoomError::TooManyWaiting(_) => ErrorCode::RoomFull,
            RoomError::InvalidName => ErrorCode::InvalidName,
            RoomError::UnknownParticipant => ErrorCode::NotJoined,
            RoomError::UnknownTarget | RoomError::InvalidRole | RoomError::InvalidChat(_) => {
                ErrorCode::InvalidMessage
            }
            RoomError::UnknownPublication => ErrorCode::UnknownPublication,
            RoomError::Forbidden | RoomError::TargetForbidden => ErrorCode::Forbidden,
            RoomError::ChatRateLimited => ErrorCode::RateLimited,
            RoomError::RemovedFromSession => ErrorCode::Removed,
            RoomError::NotASession => ErrorCode::Forbidden,
            RoomError::LiveEnded => ErrorCode::LiveEnded,
            RoomError::LiveNotStarted => ErrorCode::LiveNotStarted,
            RoomError::InvalidStage(_) | RoomError::InvalidContentControl(_) => {
                ErrorCode::InvalidMessage
            }
        }
    }
}
