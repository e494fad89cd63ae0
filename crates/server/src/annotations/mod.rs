//! Annotations on the stage's PDF page or image (C6). The room actor keeps a meeting's strokes
//! in a [`Board`] (memory: they last as long as the meeting), checks rights and the page on
//! stage (signaling/actor/annotations.rs), and relays every change to everyone. Strokes are
//! checked here first ([`validate`]): a refused message changes nothing. [`render_png`] draws a
//! page with its strokes for the compositor (recordings, the RTMP stream).

mod board;
mod render;
mod stills;
pub mod validate;

pub use board::{Board, MAX_REMOVE_IDS};
pub use render::{
    Area, HIGHLIGHTER_ALPHA, HIGHLIGHTER_WIDTH, MAX_FRAME_SIDE, RenderError, TEXT_BASE,
    TEXT_PER_SIZE, WIDTH_PER_SIZE, fit, render_native, render_png,
};
pub use stills::{AnnotatedStills, Feed, Snapshot};

use amphi_proto::ErrorCode;

/// Why an annotation request was refused; the message is for the person (clients show their
/// own translation by `code`, as for every signaling error).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Refusal {
    /// Malformed: a bad id, point, size, tool/text mix, an unknown stroke.
    Invalid(String),
    /// A bound is reached (page, stroke, meeting).
    Full(String),
    /// Not this person's to do.
    Forbidden(String),
}

impl Refusal {
    pub fn code(&self) -> ErrorCode {
        match self {
            Refusal::Invalid(_) | Refusal::Full(_) => ErrorCode::InvalidMessage,
            Refusal::Forbidden(_) => ErrorCode::Forbidden,
        }
    }

    pub fn message(&self) -> &str {
        match self {
            Refusal::Invalid(m) | Refusal::Full(m) | Refusal::Forbidden(m) => m,
        }
    }
}
