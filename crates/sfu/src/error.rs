//! The crate's one error type.

use crate::Leg;

/// Everything the media plane can refuse or fail at.
#[derive(Debug, thiserror::Error)]
pub enum SfuError {
    /// The configuration cannot work (checked by `Sfu::new`).
    #[error("invalid media configuration: {0}")]
    Config(String),
    /// Every UDP port of the configured range is taken.
    #[error("no free UDP port in {min}..={max}")]
    NoFreePort { min: u16, max: u16 },
    /// The SDP could not be parsed or applied.
    #[error("invalid SDP: {0}")]
    InvalidSdp(String),
    /// A subscriber answer arrived while no offer was in flight.
    #[error("no subscriber offer is waiting for an answer")]
    NoOfferPending,
    /// A publisher offer's `tracks` do not match its SDP (a mid not sending, a source twice,
    /// too many): nothing was changed.
    #[error("invalid tracks: {0}")]
    InvalidTracks(String),
    /// An ICE candidate could not be parsed or applied.
    #[error("invalid ICE candidate on the {leg:?} leg: {reason}")]
    InvalidCandidate { leg: Leg, reason: String },
    /// No publication with this id in the room.
    #[error("unknown publication {0}")]
    UnknownPublication(String),
    /// The participant already subscribes to this publication.
    #[error("already subscribed to {0}")]
    AlreadySubscribed(String),
    /// A participant does not subscribe to its own publications.
    #[error("cannot subscribe to one's own publication {0}")]
    OwnPublication(String),
    /// The publication's codec is not one the subscriber leg can send.
    #[error("codec {0} cannot be forwarded")]
    UnsupportedCodec(String),
    /// The participant or room was closed.
    #[error("closed")]
    Closed,
    /// A participant with this id is already in the room.
    #[error("participant {0} is already in the room")]
    DuplicateParticipant(String),
    /// A publisher-leg call (publish, unpublish, pause, publisher candidate) on a viewer,
    /// which has no publisher leg.
    #[error("participant {0} is a viewer: it cannot publish")]
    NotAPublisher(String),
    /// The WebRTC stack failed.
    #[error("webrtc: {0}")]
    WebRtc(String),
}

impl From<webrtc::error::Error> for SfuError {
    fn from(e: webrtc::error::Error) -> Self {
        SfuError::WebRtc(e.to_string())
    }
}
