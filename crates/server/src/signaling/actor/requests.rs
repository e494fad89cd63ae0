//! The actor's handlers for clients' media requests: publishing, trickle ICE, video sizes.
//! Each SFU call is bounded in time but never cancelled halfway ([`super::calls`]).

use std::collections::HashSet;

use amphi_proto::{
    ErrorCode, IceCandidate, Leg, ParticipantId, PublicationId, PublishTrack, ServerMessage,
};

use amphi_room::Action;

use super::calls::{self, NoAnswer};
use super::{Actor, Origin};
use crate::signaling::media;

impl Actor {
    pub(super) async fn publish(
        &mut self,
        id: &ParticipantId,
        sdp: String,
        tracks: Vec<PublishTrack>,
    ) {
        const REQUEST: &str = "publish_offer";
        if self.room.attendee(id).is_some() {
            let message = "attendees receive only: they may not publish";
            return self.error_to(id, ErrorCode::Forbidden, message, REQUEST);
        }
        if tracks.len() > amphi_sfu::MAX_TRACKS {
            let message = format!(
                "{} tracks listed, at most {}",
                tracks.len(),
                amphi_sfu::MAX_TRACKS
            );
            return self.error_to(id, ErrorCode::InvalidMessage, message, REQUEST);
        }
        let mut sources = HashSet::new();
        let mut mids = HashSet::new();
        for t in &tracks {
            if !sources.insert(t.source) || !mids.insert(t.mid.as_str()) {
                let message = format!(
                    "tracks lists mid {:?} or source {:?} twice",
                    t.mid, t.source
                );
                return self.error_to(id, ErrorCode::InvalidMessage, message, REQUEST);
            }
            if let Err(e) = self.room.check(id, Action::Publish(t.source)) {
                return self.error_to(id, e.code(), e.to_string(), REQUEST);
            }
        }
        // Every listed mid must be a sending m-line of this SDP; unlisted ones publish nothing.
        let sfu_tracks = media::tracks(&tracks);
        if let Err(e) = amphi_sfu::check_tracks(&sdp, &sfu_tracks) {
            return self.error_to(id, media::error_code(&e), e.to_string(), REQUEST);
        }
        let Some(legs) = self.legs.get(id) else {
            return;
        };
        let media = legs.media.clone();
        let answer = calls::call(self.ctx.limits.media_timeout, async move {
            media.publisher_offer(&sdp, &sfu_tracks).await
        })
        .await;
        match answer {
            Ok(Ok(answer)) => {
                if let Some(legs) = self.legs.get_mut(id) {
                    legs.published = true;
                }
                self.send_to(id, ServerMessage::PublishAnswer { sdp: answer.sdp });
            }
            Ok(Err(e)) => self.error_to(id, media::error_code(&e), e.to_string(), REQUEST),
            Err(_) => self.error_to(
                id,
                ErrorCode::InternalError,
                "the media server did not answer",
                REQUEST,
            ),
        }
    }

    pub(super) async fn ice_candidate(&mut self, from: &Origin, leg: Leg, candidate: IceCandidate) {
        const REQUEST: &str = "ice_candidate";
        let Some(legs) = self.current_legs(from) else {
            return;
        };
        let ready = match leg {
            Leg::Publisher => legs.published,
            Leg::Subscriber => legs.offered,
        };
        if !ready {
            let message = match leg {
                Leg::Publisher => "no publisher leg yet: send publish_offer first",
                Leg::Subscriber => "no subscriber leg yet: wait for subscribe_offer",
            };
            return self.error_to(
                &from.participant,
                ErrorCode::InvalidMessage,
                message,
                REQUEST,
            );
        }
        let media = legs.media.clone();
        let result = calls::call(self.ctx.limits.media_timeout, async move {
            media
                .add_ice_candidate(media::leg(leg), media::candidate(candidate))
                .await
        })
        .await;
        self.report(&from.participant, REQUEST, result);
    }

    pub(super) async fn set_video_size(
        &mut self,
        from: &Origin,
        publication: PublicationId,
        width: u32,
        height: u32,
    ) {
        const REQUEST: &str = "set_video_size";
        let Some(legs) = self.current_legs(from) else {
            return;
        };
        let known = self
            .room
            .publication(&publication)
            .is_some_and(|p| p.participant != from.participant);
        if !known {
            let message = format!("no publication {publication} to receive");
            return self.error_to(
                &from.participant,
                ErrorCode::UnknownPublication,
                message,
                REQUEST,
            );
        }
        let media = legs.media.clone();
        let publication = media::publication_id(&publication);
        let result = calls::call(self.ctx.limits.media_timeout, async move {
            media.set_video_size(&publication, width, height).await
        })
        .await;
        self.report(&from.participant, REQUEST, result);
    }

    /// Tells the client about a failed media call; success is silent.
    pub(super) fn report(
        &mut self,
        id: &ParticipantId,
        request: &str,
        result: Result<Result<(), amphi_sfu::SfuError>, NoAnswer>,
    ) {
        match result {
            Ok(Ok(())) => {}
            Ok(Err(e)) => self.error_to(id, media::error_code(&e), e.to_string(), request),
            Err(_) => self.error_to(
                id,
                ErrorCode::InternalError,
                "the media server did not answer",
                request,
            ),
        }
    }
}
