//! The two message enums, one per direction.

use crate::ids::{ParticipantId, PublicationId};
use crate::types::{
    ErrorCode, IceCandidate, IceServer, LeaveReason, Leg, ParticipantInfo, PublicationInfo,
    PublishTrack, Role, RoomInfo, Source, SubscribeTrack,
};
use serde::{Deserialize, Serialize};

/// Client to server.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum ClientMessage {
    /// The first message on a socket.
    Join {
        version: u32,
        name: String,
        #[serde(default)]
        resume_token: Option<String>,
    },
    /// The publisher leg's offer, and what each sending mid carries.
    PublishOffer {
        sdp: String,
        tracks: Vec<PublishTrack>,
    },
    /// The answer to the last `subscribe_offer`.
    SubscribeAnswer { sdp: String },
    /// A trickled candidate of one of the client's legs.
    IceCandidate { leg: Leg, candidate: IceCandidate },
    /// The client muted or unmuted one of its sources.
    SetMuted { source: Source, muted: bool },
    /// The size a received video is shown at (0×0: not shown).
    SetVideoSize {
        publication_id: PublicationId,
        width: u32,
        height: u32,
    },
    /// Leave for good.
    Leave,
    /// Answered by `pong`.
    Ping,
}

impl ClientMessage {
    /// The wire `type`, for `error.request` and logs.
    pub fn type_name(&self) -> &'static str {
        match self {
            ClientMessage::Join { .. } => "join",
            ClientMessage::PublishOffer { .. } => "publish_offer",
            ClientMessage::SubscribeAnswer { .. } => "subscribe_answer",
            ClientMessage::IceCandidate { .. } => "ice_candidate",
            ClientMessage::SetMuted { .. } => "set_muted",
            ClientMessage::SetVideoSize { .. } => "set_video_size",
            ClientMessage::Leave => "leave",
            ClientMessage::Ping => "ping",
        }
    }
}

/// Server to client.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum ServerMessage {
    /// The answer to a successful `join`.
    Welcome {
        participant_id: ParticipantId,
        resume_token: String,
        resumed: bool,
        role: Role,
        room: RoomInfo,
        /// Everyone else, the receiver excluded.
        participants: Vec<ParticipantInfo>,
        /// Every publication of the others.
        publications: Vec<PublicationInfo>,
        ice_servers: Vec<IceServer>,
    },
    /// Something went wrong; fatal codes are followed by a close.
    Error {
        code: ErrorCode,
        message: String,
        /// The `type` of the client message this answers, if known.
        request: Option<String>,
    },
    PublishAnswer {
        sdp: String,
    },
    SubscribeOffer {
        sdp: String,
        tracks: Vec<SubscribeTrack>,
    },
    IceCandidate {
        leg: Leg,
        candidate: IceCandidate,
    },
    ParticipantJoined {
        participant: ParticipantInfo,
    },
    ParticipantUpdated {
        participant: ParticipantInfo,
    },
    ParticipantLeft {
        participant_id: ParticipantId,
        reason: LeaveReason,
    },
    PublicationAdded {
        publication: PublicationInfo,
    },
    PublicationRemoved {
        publication_id: PublicationId,
    },
    PublicationMuted {
        publication_id: PublicationId,
        muted: bool,
    },
    ActiveSpeaker {
        participant_id: Option<ParticipantId>,
    },
    Pong,
}
