//! The actor carrying out what was decided: a decision's effects in order (sockets, held
//! knocks, SFU calls) and the SFU's events turned into room decisions.

use std::collections::VecDeque;

use amphi_proto::{ParticipantId, PublicationId, ServerMessage};
use amphi_room::Effect;
use amphi_sfu::{MediaParticipant, SfuEvent};

use super::{Actor, calls, media};

impl Actor {
    pub(super) async fn on_media_event(&mut self, event: SfuEvent) {
        match event {
            SfuEvent::SubscriberOffer {
                participant,
                sdp,
                tracks,
            } => {
                let id = ParticipantId(participant.0);
                if let Some(legs) = self.legs.get_mut(&id) {
                    legs.offered = true;
                }
                let tracks = tracks.into_iter().map(media::offered_track).collect();
                self.send_to(&id, ServerMessage::SubscribeOffer { sdp, tracks });
            }
            SfuEvent::PublicationStarted { publication } => {
                let owner = ParticipantId(publication.participant.0.clone());
                let id = PublicationId(publication.id.0.clone());
                let source = media::source_from_sfu(publication.source);
                match self.room.publication_started(id, &owner, source) {
                    Ok(effects) => self.apply(effects).await,
                    Err(e) => {
                        tracing::debug!(publication = %publication.id, error = %e, "publication not announced")
                    }
                }
            }
            SfuEvent::PublicationEnded { publication, .. } => {
                let effects = self.room.publication_ended(&PublicationId(publication.0));
                self.apply(effects).await;
            }
            SfuEvent::ActiveSpeaker { participant } => {
                let effects = self
                    .room
                    .set_active_speaker(participant.map(|p| ParticipantId(p.0)));
                self.apply(effects).await;
            }
            SfuEvent::ConnectionState {
                participant,
                leg,
                state,
            } => tracing::debug!(%participant, ?leg, ?state, "peer connection state"),
            SfuEvent::AudioLevels { .. } => {}
        }
    }

    /// Carries out a decision's effects, in order. A socket that cannot take a message is
    /// dropped, and that drop's own effects join the queue.
    pub(super) async fn apply(&mut self, effects: Vec<Effect>) {
        let mut queue = VecDeque::from(effects);
        while let Some(effect) = queue.pop_front() {
            match effect {
                Effect::Send { to, message } => {
                    let Some(conn) = self.conns.get(&to) else {
                        continue;
                    };
                    if !conn.send(message) {
                        tracing::warn!(participant = %to, "socket too slow or gone: dropped");
                        conn.kill();
                        self.conns.remove(&to);
                        queue.extend(self.room.disconnected(std::time::Instant::now(), &to));
                    }
                }
                Effect::CloseMedia { participant } => self.close_media(&participant).await,
                Effect::Disconnect {
                    participant,
                    message,
                } => {
                    if let Some(conn) = self.conns.remove(&participant) {
                        conn.end(message);
                    }
                }
                Effect::SendWaiting { knock, message } => {
                    queue.extend(self.send_waiting(&knock, message));
                }
                Effect::Admit { knock, joined } => {
                    queue.extend(self.admit_held(&knock, joined).await);
                }
                Effect::Dismiss { knock, message } => self.dismiss_held(&knock, message),
                Effect::Pause {
                    participant,
                    publication,
                    paused,
                } => {
                    self.publication_call(
                        &participant,
                        &publication,
                        "pause",
                        move |m, id| async move { m.set_paused(&id, paused).await },
                    )
                    .await
                }
                Effect::EndPublication {
                    participant,
                    publication,
                } => {
                    self.publication_call(
                        &participant,
                        &publication,
                        "unpublish",
                        |m, id| async move { m.unpublish(&id).await },
                    )
                    .await
                }
                Effect::Subscribe {
                    subscriber,
                    publication,
                } => {
                    self.publication_call(
                        &subscriber,
                        &publication,
                        "subscribe",
                        |m, id| async move { m.subscribe(&id).await },
                    )
                    .await
                }
                Effect::Unsubscribe {
                    subscriber,
                    publication,
                } => {
                    self.publication_call(
                        &subscriber,
                        &publication,
                        "unsubscribe",
                        |m, id| async move { m.unsubscribe(&id).await },
                    )
                    .await
                }
            }
        }
    }

    /// One SFU call about a publication on `participant`'s media (none: nothing to do): a
    /// moderator's pause or its owner's resume, an unpublish, a subscribe. The room already
    /// decided; a failure is only logged.
    async fn publication_call<F, Fut>(
        &self,
        participant: &ParticipantId,
        publication: &PublicationId,
        what: &'static str,
        call: F,
    ) where
        F: FnOnce(MediaParticipant, amphi_sfu::PublicationId) -> Fut,
        Fut: std::future::Future<Output = Result<(), amphi_sfu::SfuError>> + Send + 'static,
    {
        let Some(legs) = self.legs.get(participant) else {
            return;
        };
        let pending = call(legs.media.clone(), media::publication_id(publication));
        match calls::call(self.ctx.limits.media_timeout, pending).await {
            Ok(Ok(())) => {}
            Ok(Err(e)) => tracing::warn!(%participant, %publication, error = %e, "{what} failed"),
            Err(_) => tracing::warn!(%participant, %publication, "{what} timed out"),
        }
    }

    pub(super) async fn close_media(&mut self, id: &ParticipantId) {
        // Never cancelled halfway: a torn close would keep its ports and its id in the SFU.
        if let Some(legs) = self.legs.remove(id)
            && calls::call(self.ctx.limits.media_timeout, async move {
                legs.media.close().await
            })
            .await
            .is_err()
        {
            tracing::warn!(participant = %id, "closing peer connections timed out");
        }
    }
}
