//! Random participant ids and resume tokens.

use amphi_proto::ParticipantId;
use rand::RngCore;

/// `p-` and 16 hex digits: unique enough within one room, short in logs.
pub fn participant_id() -> ParticipantId {
    let mut bytes = [0u8; 8];
    rand::thread_rng().fill_bytes(&mut bytes);
    ParticipantId(format!("p-{}", hex::encode(bytes)))
}

/// A bearer secret for resuming a participant: the server's token format (32 random bytes,
/// base64url), as for login cookies.
pub fn resume_token() -> String {
    crate::auth::token::new_token()
}
