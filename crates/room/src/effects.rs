//! What a decision asks the caller to do.

use crate::room::Joined;
use amphi_proto::{KnockId, ParticipantId, PublicationId, ServerMessage};

/// One thing the room actor must do after a decision, in order.
///
/// Two kinds of sockets are addressed: a participant's (by [`ParticipantId`]) and a held join's
/// (by [`KnockId`]: someone waiting at a closed room or knocking; the actor keeps that socket
/// under the knock id it drew for [`crate::Entry::knock_id`]).
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
    /// Stop forwarding this publication to this participant (an attendee: it left the stage,
    /// or the live ended). A publication that ended needs none: the media server ended it.
    Unsubscribe {
        subscriber: ParticipantId,
        publication: PublicationId,
    },
    /// Stop (`paused: true`) or resume forwarding this publication to everyone: a moderator
    /// muted it; its owner's own unmute resumes it.
    Pause {
        participant: ParticipantId,
        publication: PublicationId,
        paused: bool,
    },
    /// This participant is out of the room already (removed, or the meeting ended): send
    /// `message`, then close its socket, with 4001 (reason: the error code) if `message` is a
    /// fatal `error`, else with 1000. Its media is closed by a `CloseMedia` of the same batch.
    Disconnect {
        participant: ParticipantId,
        message: ServerMessage,
    },
    /// Send this message to the socket of a held join (`waiting` again with a new reason).
    SendWaiting {
        knock: KnockId,
        message: ServerMessage,
    },
    /// The held join gets in: the room already holds it as `joined.participant_id`. Do what a
    /// direct join does: create its media, send `joined.welcome(ice_servers)` on the held
    /// socket (now the participant's), then carry out `joined.effects`. If the media cannot be
    /// created, `Room::leave` it as for a failed direct join.
    Admit { knock: KnockId, joined: Joined },
    /// The held join is over and gone from the room: send `message` (`error` `denied`,
    /// `knock_expired` or `room_full`, or `meeting_ended`), then close its socket, with 4001 if
    /// it is a fatal `error`, else with 1000.
    Dismiss {
        knock: KnockId,
        message: ServerMessage,
    },
}
