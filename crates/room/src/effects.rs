//! What a decision asks the caller to do.

use amphi_proto::{ParticipantId, PublicationId, ServerMessage};

/// One thing the room actor must do after a decision, in order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Effect {
    /// Send this message to this participant's socket (only ever addressed to connected ones).
    Send {
        to: ParticipantId,
        message: ServerMessage,
    },
    /// Close this participant's media (both peer connections); its publications are already gone
    /// from the room.
    CloseMedia { participant: ParticipantId },
    /// End this publication in the media server: the room replaced it by a newer one of the
    /// same source, so nothing may keep forwarding it.
    EndPublication {
        participant: ParticipantId,
        publication: PublicationId,
    },
    /// Forward this publication to this participant (grid meeting: everyone gets everyone else's).
    Subscribe {
        subscriber: ParticipantId,
        publication: PublicationId,
    },
}
