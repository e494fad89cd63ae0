//! Why the room refuses a request.

use amphi_proto::ErrorCode;

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RoomError {
    #[error("the room is full ({0} participants)")]
    RoomFull(usize),
    #[error("a name must have 1 to {max} characters and no control characters", max = amphi_proto::MAX_NAME_CHARS)]
    InvalidName,
    #[error("no such participant in this room")]
    UnknownParticipant,
    #[error("no such publication")]
    UnknownPublication,
    #[error("your role may not do that")]
    Forbidden,
}

impl RoomError {
    /// The protocol's error code for this refusal.
    pub fn code(&self) -> ErrorCode {
        match self {
            RoomError::RoomFull(_) => ErrorCode::RoomFull,
            RoomError::InvalidName => ErrorCode::InvalidName,
            RoomError::UnknownParticipant => ErrorCode::NotJoined,
            RoomError::UnknownPublication => ErrorCode::UnknownPublication,
            RoomError::Forbidden => ErrorCode::Forbidden,
        }
    }
}
