//! Publications in a room: announced when their media reaches the SFU, forwarded to everyone
//! else, muted by their owner, ended; and the active speaker.

use crate::effects::Effect;
use crate::error::RoomError;
use crate::permissions::{Action, may};
use crate::room::{Participant, Publication, Room};
use amphi_proto::{ParticipantId, PublicationId, ServerMessage, Source};

impl Room {
    /// Media of a publication reached the SFU: announce it, and subscribe every other connected
    /// participant. A publication of an unknown or dropped participant is refused (the caller
    /// ignores it: its media is being closed).
    pub fn publication_started(
        &mut self,
        id: PublicationId,
        participant: &ParticipantId,
        source: Source,
    ) -> Result<Vec<Effect>, RoomError> {
        let owner = self
            .participant(participant)
            .filter(|p| p.is_connected())
            .ok_or(RoomError::UnknownParticipant)?;
        if !may(owner.role, Action::Publish(source)) {
            return Err(RoomError::Forbidden);
        }
        let mut effects = Vec::new();
        if self.publication(&id).is_some() {
            return Ok(effects);
        }
        // One publication per source: a new one replaces the old (a re-published camera), in
        // the room and in the media server.
        let replaced: Vec<PublicationId> = self
            .publications
            .iter()
            .filter(|p| &p.participant == participant && p.source == source)
            .map(|p| p.id.clone())
            .collect();
        for old in replaced {
            effects.extend(self.publication_ended(&old));
            effects.push(Effect::EndPublication {
                participant: participant.clone(),
                publication: old,
            });
        }
        let publication = Publication {
            id: id.clone(),
            participant: participant.clone(),
            source,
            muted: false,
            paused: false,
        };
        let info = publication.info();
        self.publications.push(publication);
        effects.extend(self.to_all(ServerMessage::PublicationAdded { publication: info }));
        effects.extend(
            self.participants
                .iter()
                .filter(|p| p.is_connected() && &p.id != participant)
                .map(|p| Effect::Subscribe {
                    subscriber: p.id.clone(),
                    publication: id.clone(),
                }),
        );
        Ok(effects)
    }

    /// The publication ended (unpublished, or its media closed). Unknown ids are ignored: the
    /// room may have removed it first.
    pub fn publication_ended(&mut self, id: &PublicationId) -> Vec<Effect> {
        let Some(idx) = self.publications.iter().position(|p| &p.id == id) else {
            return Vec::new();
        };
        self.publications.remove(idx);
        self.to_all(ServerMessage::PublicationRemoved {
            publication_id: id.clone(),
        })
    }

    /// The participant muted or unmuted its publication of `source`. Unmuting one a moderator
    /// muted also resumes its forwarding (`Effect::Pause` with `paused: false`).
    pub fn set_muted(
        &mut self,
        participant: &ParticipantId,
        source: Source,
        muted: bool,
    ) -> Result<Vec<Effect>, RoomError> {
        let publication = self
            .publications
            .iter_mut()
            .find(|p| &p.participant == participant && p.source == source)
            .ok_or(RoomError::UnknownPublication)?;
        if publication.muted == muted {
            return Ok(Vec::new());
        }
        publication.muted = muted;
        let mut effects = Vec::new();
        if !muted && publication.paused {
            publication.paused = false;
            effects.push(Effect::Pause {
                participant: participant.clone(),
                publication: publication.id.clone(),
                paused: false,
            });
        }
        let publication_id = publication.id.clone();
        let message = ServerMessage::PublicationMuted {
            publication_id: publication_id.clone(),
            muted,
        };
        effects.extend(self.to_all(message.clone()));
        effects.extend(self.to_staged_attendees(&publication_id, message));
        Ok(effects)
    }

    /// The SFU's loudest participant changed; told to everyone when it really did.
    pub fn set_active_speaker(&mut self, speaker: Option<ParticipantId>) -> Vec<Effect> {
        let speaker =
            speaker.filter(|id| self.participant(id).is_some_and(Participant::is_connected));
        if speaker == self.active_speaker {
            return Vec::new();
        }
        self.active_speaker = speaker.clone();
        let message = ServerMessage::ActiveSpeaker {
            participant_id: speaker,
        };
        // Attendees too while live: the speaker layout shows the active speaker large.
        let mut effects = self.to_all(message.clone());
        if self.is_live() {
            effects.extend(self.to_attendees(message));
        }
        effects
    }

    pub(crate) fn remove_publications_of(&mut self, id: &ParticipantId) -> Vec<Effect> {
        let gone: Vec<PublicationId> = self
            .publications
            .iter()
            .filter(|p| &p.participant == id)
            .map(|p| p.id.clone())
            .collect();
        gone.iter()
            .flat_map(|p| self.publication_ended(p))
            .collect()
    }

    /// Subscriptions a newly (re)joined participant gets: everyone else's publications.
    pub(crate) fn subscriptions_for(&self, id: &ParticipantId) -> Vec<Effect> {
        self.publications
            .iter()
            .filter(|p| &p.participant != id)
            .map(|p| Effect::Subscribe {
                subscriber: id.clone(),
                publication: p.id.clone(),
            })
            .collect()
    }
}
