//! Shared notes (C5): one Yjs document per room (or session), a text named `"notes"`.
//!
//! The server keeps the document (`yrs`), applies each client's update, relays it to the
//! others and gives late joiners the whole state. Updates travel as Yjs binary updates
//! (format v1), base64-encoded (standard alphabet, with padding) inside JSON.

use serde::{Deserialize, Serialize};

/// The name of the document's one shared text.
pub const NOTES_TEXT: &str = "notes";

/// The largest Yjs update a client may send, in bytes once decoded (≈ 48 KB of base64, well
/// under [`crate::MAX_MESSAGE_BYTES`]); a paste larger than this is refused.
pub const MAX_NOTES_UPDATE_BYTES: usize = 32 * 1024;

/// The largest encoded document the server keeps; updates that would grow it further are
/// refused (the notes are full).
pub const MAX_NOTES_DOC_BYTES: usize = 512 * 1024;

/// The notes as `welcome` gives them, and as `notes_state` resets them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct NotesInfo {
    /// The whole document as one Yjs update (v1), base64.
    pub state: String,
    /// Read-only for everyone who may not manage the notes.
    pub locked: bool,
    /// Whether the receiver may edit now (its role allows it and, unless it may manage the
    /// notes, they are not locked).
    pub can_edit: bool,
}
