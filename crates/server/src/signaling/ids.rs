//! Random ids (participants, knocks, chat messages) and resume tokens.

use amphi_proto::{ChatMessageId, KnockId, ParticipantId};
use rand::RngCore;

/// A prefix and 16 hex digits: unique enough within one room, short in logs.
fn short_id(prefix: &str) -> String {
    let mut bytes = [0u8; 8];
    rand::thread_rng().fill_bytes(&mut bytes);
    format!("{prefix}-{}", hex::encode(bytes))
}

pub fn participant_id() -> ParticipantId {
    ParticipantId(short_id("p"))
}

pub fn knock_id() -> KnockId {
    KnockId(short_id("k"))
}

pub fn chat_message_id() -> ChatMessageId {
    ChatMessageId(short_id("m"))
}

/// A bearer secret for resuming a participant: the server's token format (32 random bytes,
/// base64url), as for login cookies.
pub fn resume_token() -> String {
    crate::auth::token::new_token()
}
