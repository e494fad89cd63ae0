//! Between the protocol's types and the SFU's: conversions, and SFU errors as protocol errors.
//! The SFU's own types appear only here and in the actor.

use amphi_proto as proto;
use amphi_proto::ErrorCode;
use amphi_sfu as sfu;
use amphi_sfu::SfuError;

pub fn participant_id(id: &proto::ParticipantId) -> sfu::ParticipantId {
    sfu::ParticipantId(id.0.clone())
}

pub fn publication_id(id: &proto::PublicationId) -> sfu::PublicationId {
    sfu::PublicationId(id.0.clone())
}

pub fn leg(leg: proto::Leg) -> sfu::Leg {
    match leg {
        proto::Leg::Publisher => sfu::Leg::Publisher,
        proto::Leg::Subscriber => sfu::Leg::Subscriber,
    }
}

pub fn source(source: proto::Source) -> sfu::Source {
    match source {
        proto::Source::Microphone => sfu::Source::Microphone,
        proto::Source::Camera => sfu::Source::Camera,
        proto::Source::Screen => sfu::Source::Screen,
        proto::Source::ScreenAudio => sfu::Source::ScreenAudio,
    }
}

pub fn source_from_sfu(source: sfu::Source) -> proto::Source {
    match source {
        sfu::Source::Microphone => proto::Source::Microphone,
        sfu::Source::Camera => proto::Source::Camera,
        sfu::Source::Screen => proto::Source::Screen,
        sfu::Source::ScreenAudio => proto::Source::ScreenAudio,
    }
}

fn kind_from_sfu(kind: sfu::MediaKind) -> proto::Kind {
    match kind {
        sfu::MediaKind::Audio => proto::Kind::Audio,
        sfu::MediaKind::Video => proto::Kind::Video,
    }
}

pub fn candidate(c: proto::IceCandidate) -> sfu::IceCandidate {
    sfu::IceCandidate {
        candidate: c.candidate,
        sdp_mid: c.sdp_mid,
        sdp_m_line_index: c.sdp_mline_index,
    }
}

pub fn tracks(tracks: &[proto::PublishTrack]) -> Vec<sfu::TrackSource> {
    tracks
        .iter()
        .map(|t| sfu::TrackSource {
            mid: t.mid.clone(),
            source: source(t.source),
        })
        .collect()
}

pub fn offered_track(t: sfu::OfferedTrack) -> proto::SubscribeTrack {
    proto::SubscribeTrack {
        mid: t.mid,
        publication_id: proto::PublicationId(t.publication.0),
        participant_id: proto::ParticipantId(t.participant.0),
        kind: kind_from_sfu(t.kind),
        source: source_from_sfu(t.source),
    }
}

/// How an SFU failure is told to the client.
pub fn error_code(e: &SfuError) -> ErrorCode {
    match e {
        SfuError::InvalidSdp(_) => ErrorCode::InvalidSdp,
        SfuError::InvalidCandidate { .. } | SfuError::InvalidTracks(_) => ErrorCode::InvalidMessage,
        SfuError::NoOfferPending => ErrorCode::NoOfferPending,
        SfuError::NotAPublisher(_) => ErrorCode::Forbidden,
        SfuError::UnknownPublication(_) => ErrorCode::UnknownPublication,
        SfuError::OwnPublication(_) | SfuError::AlreadySubscribed(_) => ErrorCode::InvalidMessage,
        SfuError::Config(_)
        | SfuError::NoFreePort { .. }
        | SfuError::UnsupportedCodec(_)
        | SfuError::Closed
        | SfuError::DuplicateParticipant(_)
        | SfuError::WebRtc(_) => ErrorCode::InternalError,
    }
}
