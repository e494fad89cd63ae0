//! What moderators do to participants (C10) and raised hands (C4).
//!
//! Every request aimed at someone goes through [`Room::aim`]: the actor exists, its role may do
//! the action, the target exists, is not the actor, and [`may_target`] allows it. A refused
//! request changes nothing.

use crate::effects::Effect;
use crate::error::RoomError;
use crate::permissions::{Action, may, may_target};
use crate::room::Room;
use amphi_proto::{
    ActedBy, ErrorCode, LeaveReason, ModerationAction, ParticipantId, Role, ServerMessage, Source,
};

impl Room {
    /// Mutes someone's microphone or screen audio (MuteOthers), or stops their camera or screen
    /// (StopVideoOthers): the media server stops forwarding it (`Effect::Pause`), everyone sees
    /// it muted, the target gets `moderated`. Only its owner's `set_muted false` undoes it. A
    /// publication already muted: nothing happens.
    pub fn mute(
        &mut self,
        by: &ParticipantId,
        target: &ParticipantId,
        source: Source,
    ) -> Result<Vec<Effect>, RoomError> {
        let (action, moderation) = match source {
            Source::Microphone | Source::ScreenAudio => {
                (Action::MuteOthers, ModerationAction::Muted)
            }
            Source::Camera => (Action::StopVideoOthers, ModerationAction::CameraStopped),
            Source::Screen => (Action::StopVideoOthers, ModerationAction::ScreenStopped),
        };
        let acted_by = self.aim(by, target, action)?;
        let publication = self
            .publications
            .iter_mut()
            .find(|p| &p.participant == target && p.source == source)
            .ok_or(RoomError::UnknownPublication)?;
        if publication.muted {
            return Ok(Vec::new());
        }
        publication.muted = true;
        publication.paused = true;
        let publication_id = publication.id.clone();
        let mut effects = vec![Effect::Pause {
            participant: target.clone(),
            publication: publication_id.clone(),
            paused: true,
        }];
        let message = ServerMessage::PublicationMuted {
            publication_id: publication_id.clone(),
            muted: true,
        };
        effects.extend(self.to_all(message.clone()));
        effects.extend(self.to_staged_attendees(&publication_id, message));
        effects.extend(self.moderated(target, moderation, acted_by, Some(source), None));
        Ok(effects)
    }

    /// Removes someone (Remove): it gets the fatal `removed` naming who did it, the others
    /// `participant_left` (`removed`); its user and browser must knock for the rest of the
    /// meeting, and its resume token is gone with it.
    pub fn remove(
        &mut self,
        by: &ParticipantId,
        target: &ParticipantId,
    ) -> Result<Vec<Effect>, RoomError> {
        let acted_by = self.aim(by, target, Action::Remove)?;
        let Some(gone) = self.participant(target).cloned() else {
            return Err(RoomError::UnknownTarget);
        };
        let mut effects = self.remember_removed(gone.identity.clone());
        if gone.is_connected() {
            let message = format!("{} removed you from the meeting", acted_by.name);
            effects.push(Effect::Disconnect {
                participant: target.clone(),
                message: ServerMessage::error_by(
                    ErrorCode::Removed,
                    message,
                    Some(acted_by.name.clone()),
                ),
            });
        }
        effects.extend(self.remove_participant(target, LeaveReason::Removed));
        Ok(effects)
    }

    /// Someone must go for a reason outside the meeting (their registration was rejected or
    /// cancelled): `message` (a fatal error) on their socket, then they leave (`removed`), a
    /// participant or an attendee alike. Nobody in the room decided it, so nothing is checked
    /// or remembered here: the server's gate keeps them out from now on.
    pub fn expel(&mut self, target: &ParticipantId, message: ServerMessage) -> Vec<Effect> {
        let Some(gone) = self.person(target) else {
            return Vec::new();
        };
        let mut effects = Vec::new();
        if gone.is_connected() {
            effects.push(Effect::Disconnect {
                participant: target.clone(),
                message,
            });
        }
        if self.attendee(target).is_some() {
            effects.extend(self.remove_attendee(target));
        } else {
            effects.extend(self.remove_participant(target, LeaveReason::Removed));
        }
        effects
    }

    /// Makes someone a moderator or a participant (ChangeRole) for the rest of its stay.
    /// Owner and manager come from the room's shares: they are neither given nor taken here.
    pub fn set_role(
        &mut self,
        by: &ParticipantId,
        target: &ParticipantId,
        role: Role,
    ) -> Result<Vec<Effect>, RoomError> {
        let acted_by = self.aim(by, target, Action::ChangeRole)?;
        // A session's roles come from its staff list, not from the room.
        if self.webinar.is_some() || !matches!(role, Role::Moderator | Role::Participant) {
            return Err(RoomError::InvalidRole);
        }
        let Some(p) = self.participants.iter_mut().find(|p| &p.id == target) else {
            return Err(RoomError::UnknownTarget);
        };
        if matches!(p.role, Role::Owner | Role::Manager) {
            return Err(RoomError::TargetForbidden);
        }
        if p.role == role {
            return Ok(Vec::new());
        }
        let could_admit = may(p.role, Action::Admit);
        p.role = role;
        let info = p.info();
        let connected = p.is_connected();
        let mut effects = self.to_all(ServerMessage::ParticipantUpdated { participant: info });
        effects.extend(self.moderated(
            target,
            ModerationAction::RoleChanged,
            acted_by,
            None,
            Some(role),
        ));
        if connected && !could_admit && may(role, Action::Admit) {
            effects.extend(self.knocks().into_iter().map(|knock| Effect::Send {
                to: target.clone(),
                message: ServerMessage::KnockAdded { knock },
            }));
        }
        Ok(effects)
    }

    /// Raises or lowers one's own hand (RaiseHand). A raise takes the next place in the
    /// meeting's order; raising a raised hand keeps its place. Everyone, the participant
    /// included, gets `participant_updated`.
    pub fn raise_hand(
        &mut self,
        id: &ParticipantId,
        raised: bool,
    ) -> Result<Vec<Effect>, RoomError> {
        self.check(id, Action::RaiseHand)?;
        let next = self.hands_raised + 1;
        let Some(p) = self.participants.iter_mut().find(|p| &p.id == id) else {
            return Err(RoomError::UnknownParticipant);
        };
        match (raised, p.hand) {
            (true, None) => p.hand = Some(next),
            (false, Some(_)) => p.hand = None,
            _ => return Ok(Vec::new()),
        }
        if raised {
            self.hands_raised = next;
        }
        let info = p.info();
        Ok(self.to_all(ServerMessage::ParticipantUpdated { participant: info }))
    }

    /// Lowers someone's hand (LowerHands; one's own is [`Room::raise_hand`] `false`). The target
    /// gets `moderated`. A hand already down: nothing happens.
    pub fn lower_hand(
        &mut self,
        by: &ParticipantId,
        target: &ParticipantId,
    ) -> Result<Vec<Effect>, RoomError> {
        if by == target {
            return self.raise_hand(by, false);
        }
        let acted_by = self.aim(by, target, Action::LowerHands)?;
        let Some(p) = self.participants.iter_mut().find(|p| &p.id == target) else {
            return Err(RoomError::UnknownTarget);
        };
        if p.hand.is_none() {
            return Ok(Vec::new());
        }
        p.hand = None;
        let info = p.info();
        let mut effects = self.to_all(ServerMessage::ParticipantUpdated { participant: info });
        effects.extend(self.moderated(target, ModerationAction::HandLowered, acted_by, None, None));
        Ok(effects)
    }

    /// The gate of every request aimed at someone; who acts, for `moderated.by`.
    fn aim(
        &self,
        by: &ParticipantId,
        target: &ParticipantId,
        action: Action,
    ) -> Result<ActedBy, RoomError> {
        let actor = self.participant(by).ok_or(RoomError::UnknownParticipant)?;
        if !may(actor.role, action) {
            return Err(RoomError::Forbidden);
        }
        let aimed = self.participant(target).ok_or(RoomError::UnknownTarget)?;
        if by == target || !may_target(actor.role, aimed.role) {
            return Err(RoomError::TargetForbidden);
        }
        Ok(ActedBy {
            participant_id: actor.id.clone(),
            name: actor.name.clone(),
        })
    }

    /// `moderated` to the target, if its socket is live.
    fn moderated(
        &self,
        target: &ParticipantId,
        action: ModerationAction,
        by: ActedBy,
        source: Option<Source>,
        role: Option<Role>,
    ) -> Vec<Effect> {
        match self.participant(target) {
            Some(p) if p.is_connected() => vec![Effect::Send {
                to: target.clone(),
                message: ServerMessage::Moderated {
                    action,
                    by,
                    source,
                    role,
                },
            }],
            _ => Vec::new(),
        }
    }
}
