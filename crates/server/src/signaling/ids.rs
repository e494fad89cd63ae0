//! Random participant ids and resume tokens.

use amphi_proto::ParticipantId;
use base64::Engine as _;
use rand::RngCore;

/// `p-` and 16 hex digits: unique enough within one room, short in logs.
pub fn participant_id() -> ParticipantId {
    let mut bytes = [0u8; 8];
    rand::thread_rng().fill_bytes(&mut bytes);
    ParticipantId(format!("p-{}", hex::encode(bytes)))
}

/// 32 random bytes, base64url: a bearer secret for resuming a participant.
pub fn resume_token() -> String {
    let mut bytes = [0u8; 32];
    rand::thread_rng().fill_bytes(&mut bytes);
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes)
}
