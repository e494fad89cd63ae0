//! One live room's participants and publications, and the decisions about them.

use crate::admission::{Identity, RoomSettings, Waiter};
use crate::chat::ChatRate;
use crate::effects::Effect;
use crate::error::RoomError;
use crate::permissions::{Action, may};
use crate::webinar::Webinar;
use amphi_proto::{
    ChatMessage, Connection, IceServer, LeaveReason, ParticipantId, ParticipantInfo, PublicationId,
    PublicationInfo, Role, RoomInfo, ServerMessage, Source,
};
use std::collections::VecDeque;
use std::time::{Duration, Instant};

/// How long a knock waits for a moderator before it expires, unless set otherwise.
pub const DEFAULT_KNOCK_TIMEOUT: Duration = Duration::from_secs(600);

/// People waiting at once (closed room or knocking) at most; the next gets `room_full`.
pub const MAX_WAITING: usize = 100;

/// The rules of one room.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RoomConfig {
    /// Participants at most, reconnecting ones included (R5).
    pub max_participants: usize,
    /// How long a dropped participant keeps its place (C11).
    pub reconnect_grace: Duration,
}

impl Default for RoomConfig {
    fn default() -> Self {
        Self {
            max_participants: 50,
            reconnect_grace: Duration::from_secs(30),
        }
    }
}

/// Whether a participant's socket is live.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Presence {
    Connected,
    /// Dropped at some point; leaves at `deadline` unless it resumes.
    Reconnecting {
        deadline: Instant,
    },
}

/// One person in the room.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Participant {
    pub id: ParticipantId,
    pub name: String,
    pub role: Role,
    pub presence: Presence,
    /// `None` when down, else its place in the meeting's order of raised hands.
    pub hand: Option<u64>,
    pub(crate) resume_token: String,
    /// Who this is beyond the room, for removals.
    pub(crate) identity: Identity,
    pub(crate) chat_rate: ChatRate,
}

impl Participant {
    /// As others see it on the wire.
    pub fn info(&self) -> ParticipantInfo {
        ParticipantInfo {
            id: self.id.clone(),
            name: self.name.clone(),
            role: self.role,
            connection: match self.presence {
                Presence::Connected => Connection::Connected,
                Presence::Reconnecting { .. } => Connection::Reconnecting,
            },
            hand_raised: self.hand,
        }
    }

    pub fn is_connected(&self) -> bool {
        self.presence == Presence::Connected
    }

    /// Who this is beyond the room (signed-in user, browser key): one vote per person (C7).
    pub fn identity(&self) -> &Identity {
        &self.identity
    }

    /// Someone who just got in (a staff participant or an attendee): connected, hand down,
    /// under the ids the caller drew.
    pub(crate) fn arriving(name: String, role: Role, identity: Identity, fresh: &Fresh) -> Self {
        Participant {
            id: fresh.participant_id.clone(),
            name,
            role,
            presence: Presence::Connected,
            hand: None,
            resume_token: fresh.resume_token.clone(),
            identity,
            chat_rate: ChatRate::default(),
        }
    }
}

/// One track someone sends.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Publication {
    pub id: PublicationId,
    pub participant: ParticipantId,
    pub source: Source,
    pub muted: bool,
    /// A moderator muted it: the media server forwards nothing until its owner unmutes.
    pub paused: bool,
}

impl Publication {
    /// As everyone sees it on the wire.
    pub fn info(&self) -> PublicationInfo {
        PublicationInfo {
            id: self.id.clone(),
            participant_id: self.participant.clone(),
            kind: self.source.kind(),
            source: self.source,
            muted: self.muted,
        }
    }
}

/// A `join` as the room sees it; the caller decided the role (from the Login, if any).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct JoinRequest {
    pub name: String,
    pub role: Role,
    pub resume_token: Option<String>,
}

/// Ids the caller drew at random for this join (the room has no randomness).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Fresh {
    /// Used only if the join is not a resume.
    pub participant_id: ParticipantId,
    /// The participant's next resume token, resumed or not.
    pub resume_token: String,
}

/// A successful join.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Joined {
    pub participant_id: ParticipantId,
    pub resume_token: String,
    /// The same participant as before a drop.
    pub resumed: bool,
    /// The participant still had a live socket: the caller must close that one (error `replaced`)
    /// and its media before carrying out `effects`.
    pub replaced: bool,
    /// For the others (and subscriptions for the joiner), to carry out after the welcome.
    pub effects: Vec<Effect>,
    /// The joiner's `welcome` as of the join (without ice servers): the effects that follow
    /// tell everything that changes after it.
    pub(crate) welcome: Box<ServerMessage>,
}

impl Joined {
    /// The joiner's `welcome`, with the caller's ICE servers.
    pub fn welcome(&self, ice_servers: Vec<IceServer>) -> ServerMessage {
        let mut welcome = (*self.welcome).clone();
        if let ServerMessage::Welcome {
            ice_servers: slot, ..
        } = &mut welcome
        {
            *slot = ice_servers;
        }
        welcome
    }
}

/// The state of one live room.
#[derive(Debug, Clone)]
pub struct Room {
    pub(crate) info: RoomInfo,
    pub(crate) config: RoomConfig,
    pub(crate) settings: RoomSettings,
    pub(crate) knock_timeout: Duration,
    /// In joining order.
    pub(crate) participants: Vec<Participant>,
    /// In publishing order.
    pub(crate) publications: Vec<Publication>,
    pub(crate) active_speaker: Option<ParticipantId>,
    /// Held joins, in arrival order (closed-room waiters and knocks).
    pub(crate) waiters: Vec<Waiter>,
    /// The meeting's memory, cleared when it ends: chat (oldest first), removed people, the
    /// counter that orders raised hands.
    pub(crate) chat: VecDeque<ChatMessage>,
    pub(crate) removed: Vec<Identity>,
    pub(crate) hands_raised: u64,
    /// A session's live, stage, contents and attendees; `None` for a meeting room.
    pub(crate) webinar: Option<Box<Webinar>>,
    /// Attendees of a session, in joining order (never in `participants`: nobody lists them).
    pub(crate) attendees: Vec<Participant>,
    /// The latest time a caller gave (to render a playing video's position in a `welcome`).
    pub(crate) clock: Option<Instant>,
}

impl Room {
    /// A room that is open with its waiting room off: what every room was before rooms could
    /// be closed. The actor uses [`Room::with_settings`] with the room's stored settings.
    pub fn new(info: RoomInfo, config: RoomConfig) -> Self {
        Self::with_settings(
            info,
            config,
            RoomSettings {
                open: true,
                waiting_room: false,
            },
        )
    }

    /// A room in the state its stored settings say (closed by default, R2).
    pub fn with_settings(info: RoomInfo, config: RoomConfig, settings: RoomSettings) -> Self {
        Self {
            info,
            config,
            settings,
            knock_timeout: DEFAULT_KNOCK_TIMEOUT,
            participants: Vec::new(),
            publications: Vec::new(),
            active_speaker: None,
            waiters: Vec::new(),
            chat: VecDeque::new(),
            removed: Vec::new(),
            hands_raised: 0,
            webinar: None,
            attendees: Vec::new(),
            clock: None,
        }
    }

    /// How long a knock waits before it expires (`[rooms] knock_timeout_secs`); knocks already
    /// waiting keep their deadline.
    pub fn set_knock_timeout(&mut self, timeout: Duration) {
        self.knock_timeout = timeout;
    }

    /// Whether the room is open, and its waiting room on.
    pub fn settings(&self) -> RoomSettings {
        self.settings
    }

    pub fn info(&self) -> &RoomInfo {
        &self.info
    }

    pub fn participants(&self) -> &[Participant] {
        &self.participants
    }

    pub fn publications(&self) -> &[Publication] {
        &self.publications
    }

    /// A participant (a meeting's, or a session's staff): attendees are not participants.
    pub fn participant(&self, id: &ParticipantId) -> Option<&Participant> {
        self.participants.iter().find(|p| &p.id == id)
    }

    /// A session's attendee.
    pub fn attendee(&self, id: &ParticipantId) -> Option<&Participant> {
        self.attendees.iter().find(|p| &p.id == id)
    }

    /// A session's attendees, in joining order.
    pub fn attendees(&self) -> &[Participant] {
        &self.attendees
    }

    /// A participant or an attendee.
    pub fn person(&self, id: &ParticipantId) -> Option<&Participant> {
        self.participant(id).or_else(|| self.attendee(id))
    }

    /// The active speaker as last set (the recording's layout reads it).
    pub fn active_speaker(&self) -> Option<&ParticipantId> {
        self.active_speaker.as_ref()
    }

    pub fn publication(&self, id: &PublicationId) -> Option<&Publication> {
        self.publications.iter().find(|p| &p.id == id)
    }

    /// Nobody in the room, connected or not, and nobody waiting: the actor may stop, unless
    /// [`Room::remembers_meeting`].
    pub fn is_empty(&self) -> bool {
        self.participants.is_empty() && self.waiters.is_empty() && self.attendees.is_empty()
    }

    /// The meeting has a memory that stopping the actor would lose (its chat history, who was
    /// removed): keep an empty room's actor for a while (up to an hour) before stopping it.
    pub fn remembers_meeting(&self) -> bool {
        !self.chat.is_empty() || !self.removed.is_empty()
    }

    /// The meeting's chat, oldest first.
    pub fn chat_history(&self) -> impl Iterator<Item = &ChatMessage> {
        self.chat.iter()
    }

    /// Changes the cap (the room's setting or the server's default); those already in stay.
    pub fn set_max_participants(&mut self, max: usize) {
        self.config.max_participants = max;
    }

    /// Someone sent `join`, and gets in at once (a resume, or the cap): no open/closed state,
    /// no waiting room. Kept for callers that have no admission yet; the actor uses
    /// [`Room::enter`].
    pub fn join(
        &mut self,
        now: Instant,
        req: JoinRequest,
        fresh: Fresh,
    ) -> Result<Joined, RoomError> {
        let name = valid_name(&req.name)?;
        // Expired participants must not hold a seat nor be resumable.
        let mut effects = self.expire(now);
        if let Some(joined) = self.resume(&name, req.resume_token.as_deref(), &fresh, &mut effects)
        {
            return Ok(joined);
        }
        if req.role == Role::Attendee {
            return self.add_attendee(name, Identity::default(), fresh, effects);
        }
        if self.participants.len() >= self.config.max_participants {
            return Err(RoomError::RoomFull(self.config.max_participants));
        }
        Ok(self.add_participant(name, req.role, Identity::default(), fresh, effects))
    }

    /// A resume by token, if the token is a participant's: the same participant, connected
    /// again. `effects` are those of the decision so far; the returned `Joined` carries them.
    pub(crate) fn resume(
        &mut self,
        name: &str,
        resume_token: Option<&str>,
        fresh: &Fresh,
        effects: &mut Vec<Effect>,
    ) -> Option<Joined> {
        let Some(idx) = holder_of(&self.participants, resume_token) else {
            return self.resume_attendee(name, resume_token, fresh, effects);
        };
        let was_connected = self.participants[idx].is_connected();
        let id = self.participants[idx].id.clone();
        // The old peer connections are gone or about to be: so are their publications.
        // The joiner learns the current state from its welcome, not from these.
        effects.extend(
            self.remove_publications_of(&id)
                .into_iter()
                .filter(|e| !matches!(e, Effect::Send { to, .. } if to == &id)),
        );
        let p = &mut self.participants[idx];
        let changed = !was_connected || p.name != name;
        p.name = name.to_owned();
        p.presence = Presence::Connected;
        p.resume_token = fresh.resume_token.clone();
        let info = p.info();
        if changed {
            effects.extend(self.to_others(
                &id,
                ServerMessage::ParticipantUpdated {
                    participant: info.clone(),
                },
            ));
        }
        let welcome = self.welcome_now(&id, &fresh.resume_token, true);
        // `welcome` describes the others only: a hand still raised must reach its own client,
        // or its button shows it down and cannot lower it (review S1, issue 4).
        if info.hand_raised.is_some() {
            effects.push(Effect::Send {
                to: id.clone(),
                message: ServerMessage::ParticipantUpdated {
                    participant: info.clone(),
                },
            });
        }
        let subscriptions = self.subscriptions_for(&id);
        effects.extend(subscriptions);
        Some(Joined {
            participant_id: id,
            resume_token: fresh.resume_token.clone(),
            resumed: true,
            replaced: was_connected,
            effects: std::mem::take(effects),
            welcome,
        })
    }

    /// Puts a new participant in the room (the caller decided it may enter and checked the
    /// cap) and tells the others.
    pub(crate) fn add_participant(
        &mut self,
        name: String,
        role: Role,
        identity: Identity,
        fresh: Fresh,
        mut effects: Vec<Effect>,
    ) -> Joined {
        let participant = Participant::arriving(name, role, identity, &fresh);
        let info = participant.info();
        self.participants.push(participant);
        let welcome = self.welcome_now(&fresh.participant_id, &fresh.resume_token, false);
        effects.extend(self.to_others(
            &fresh.participant_id,
            ServerMessage::ParticipantJoined { participant: info },
        ));
        effects.extend(self.subscriptions_for(&fresh.participant_id));
        Joined {
            participant_id: fresh.participant_id,
            resume_token: fresh.resume_token,
            resumed: false,
            replaced: false,
            effects,
            welcome,
        }
    }

    /// The `welcome` for a participant who just joined; `ice_servers` are the caller's. Same as
    /// [`Joined::welcome`] (kept for the actor), `None` if the participant is gone.
    pub fn welcome(&self, joined: &Joined, ice_servers: Vec<IceServer>) -> Option<ServerMessage> {
        self.participant(&joined.participant_id)?;
        Some(joined.welcome(ice_servers))
    }

    /// The room as `id` sees it now, as a `welcome` without ice servers.
    pub(crate) fn welcome_now(
        &self,
        id: &ParticipantId,
        resume_token: &str,
        resumed: bool,
    ) -> Box<ServerMessage> {
        let role = self.person(id).map_or(Role::Participant, |p| p.role);
        let webinar = self.webinar_welcome(role);
        let attendee = role == Role::Attendee;
        Box::new(ServerMessage::Welcome {
            participant_id: id.clone(),
            resume_token: resume_token.to_owned(),
            resumed,
            role,
            room: self.info.clone(),
            // Attendees see nobody, and only the stage's publications.
            participants: if attendee {
                Vec::new()
            } else {
                self.participants
                    .iter()
                    .filter(|p| &p.id != id)
                    .map(Participant::info)
                    .collect()
            },
            publications: if attendee {
                self.staged_infos()
            } else {
                self.publications
                    .iter()
                    .filter(|p| &p.participant != id)
                    .map(Publication::info)
                    .collect()
            },
            ice_servers: Vec::new(),
            waiting_room: self.settings.waiting_room,
            chat: if attendee {
                Vec::new()
            } else {
                self.chat.iter().cloned().collect()
            },
            knocks: if may(role, Action::Admit) {
                self.knocks()
            } else {
                Vec::new()
            },
            // Attendees hear nothing from the backstage before or after the live.
            active_speaker: if attendee && !self.is_live() {
                None
            } else {
                self.active_speaker.clone()
            },
            live: webinar.live,
            stage: webinar.stage,
            audience: webinar.audience,
            contents: webinar.contents,
            // The server's recording is the actor's to fill (signaling/actor/recording.rs).
            recording: None,
            // The stream is the actor's to fill (signaling/actor/stream.rs).
            stream: None,
            // The actor fills these in (server/src/signaling/actor/{notes,polls}.rs).
            notes: None,
            polls: Vec::new(),
            // The actor fills it in (server/src/signaling/actor/annotations.rs).
            annotations: None,
        })
    }

    /// The participant sent `leave`: gone at once.
    pub fn leave(&mut self, id: &ParticipantId) -> Vec<Effect> {
        if self.attendee(id).is_some() {
            return self.remove_attendee(id);
        }
        self.remove_participant(id, LeaveReason::Left)
    }

    /// The participant's socket dropped: it keeps its place until `now + grace`.
    pub fn disconnected(&mut self, now: Instant, id: &ParticipantId) -> Vec<Effect> {
        let deadline = now + self.config.reconnect_grace;
        self.clock = Some(now);
        if let Some(a) = self.attendees.iter_mut().find(|p| &p.id == id) {
            if !a.is_connected() {
                return Vec::new();
            }
            a.presence = Presence::Reconnecting { deadline };
            return vec![Effect::CloseMedia {
                participant: id.clone(),
            }];
        }
        let Some(p) = self.participants.iter_mut().find(|p| &p.id == id) else {
            return Vec::new();
        };
        if !p.is_connected() {
            return Vec::new();
        }
        p.presence = Presence::Reconnecting { deadline };
        let info = p.info();
        let mut effects = self.remove_publications_of(id);
        effects.push(Effect::CloseMedia {
            participant: id.clone(),
        });
        effects.extend(self.to_others(id, ServerMessage::ParticipantUpdated { participant: info }));
        if self.active_speaker.as_ref() == Some(id) {
            effects.extend(self.set_active_speaker(None));
        }
        effects
    }

    /// Time passed: reconnecting participants past their deadline leave, knocks past theirs
    /// expire.
    pub fn tick(&mut self, now: Instant) -> Vec<Effect> {
        let mut effects = self.expire(now);
        effects.extend(self.settle(now));
        effects
    }

    /// The part of [`Room::tick`] that a join does first: who is past a deadline goes.
    pub(crate) fn expire(&mut self, now: Instant) -> Vec<Effect> {
        self.clock = Some(now);
        let mut effects = self.expire_knocks(now);
        let expired: Vec<ParticipantId> = self
            .participants
            .iter()
            .chain(&self.attendees)
            .filter(
                |p| matches!(p.presence, Presence::Reconnecting { deadline } if deadline <= now),
            )
            .map(|p| p.id.clone())
            .collect();
        for id in &expired {
            if self.attendee(id).is_some() {
                effects.extend(self.remove_attendee(id));
            } else {
                effects.extend(self.remove_participant(id, LeaveReason::Timeout));
            }
        }
        effects
    }

    /// When [`Room::tick`] next has something to do.
    pub fn next_deadline(&self) -> Option<Instant> {
        let reconnects = self
            .participants
            .iter()
            .chain(&self.attendees)
            .filter_map(|p| match p.presence {
                Presence::Reconnecting { deadline } => Some(deadline),
                Presence::Connected => None,
            });
        let knocks = self.waiters.iter().filter_map(|w| w.deadline);
        reconnects
            .chain(knocks)
            .chain(self.audience_deadline())
            .min()
    }

    /// May this participant do that? The one gate for every request.
    pub fn check(&self, id: &ParticipantId, action: Action) -> Result<(), RoomError> {
        let p = self.person(id).ok_or(RoomError::UnknownParticipant)?;
        if may(p.role, action) {
            Ok(())
        } else {
            Err(RoomError::Forbidden)
        }
    }

    pub(crate) fn remove_participant(
        &mut self,
        id: &ParticipantId,
        reason: LeaveReason,
    ) -> Vec<Effect> {
        let Some(idx) = self.participants.iter().position(|p| &p.id == id) else {
            return Vec::new();
        };
        let was_connected = self.participants[idx].is_connected();
        let mut effects = self.remove_publications_of(id);
        self.participants.remove(idx);
        if was_connected {
            effects.push(Effect::CloseMedia {
                participant: id.clone(),
            });
        }
        effects.extend(self.to_all(ServerMessage::ParticipantLeft {
            participant_id: id.clone(),
            reason,
        }));
        if self.active_speaker.as_ref() == Some(id) {
            effects.extend(self.set_active_speaker(None));
        }
        effects
    }

    pub(crate) fn to_all(&self, message: ServerMessage) -> Vec<Effect> {
        to_connected(&self.participants, &message)
    }

    pub(crate) fn to_others(&self, except: &ParticipantId, message: ServerMessage) -> Vec<Effect> {
        to_connected(
            self.participants.iter().filter(|p| &p.id != except),
            &message,
        )
    }
}

/// `message` to each of `people` who is connected (the one way every broadcast is built).
pub(crate) fn to_connected<'a>(
    people: impl IntoIterator<Item = &'a Participant>,
    message: &ServerMessage,
) -> Vec<Effect> {
    people
        .into_iter()
        .filter(|p| p.is_connected())
        .map(|p| Effect::Send {
            to: p.id.clone(),
            message: message.clone(),
        })
        .collect()
}

/// Where the holder of `resume_token` is in `people` (participants or attendees); an empty
/// token is nobody's.
pub(crate) fn holder_of(people: &[Participant], resume_token: Option<&str>) -> Option<usize> {
    let token = resume_token.filter(|t| !t.is_empty())?;
    people
        .iter()
        .position(|p| same_secret(&p.resume_token, token))
}

/// Compares two secrets (resume tokens) in time independent of where they differ, so that
/// response times do not reveal how much of a guess was right.
pub(crate) fn same_secret(a: &str, b: &str) -> bool {
    let (a, b) = (a.as_bytes(), b.as_bytes());
    if a.len() != b.len() {
        return false;
    }
    a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

/// A display name: trimmed, 1 to 64 characters, no control characters.
pub(crate) fn valid_name(raw: &str) -> Result<String, RoomError> {
    let name = raw.trim();
    let chars = name.chars().count();
    if chars == 0 || chars > amphi_proto::MAX_NAME_CHARS || name.chars().any(char::is_control) {
        return Err(RoomError::InvalidName);
    }
    Ok(name.to_owned())
}

#[cfg(test)]
mod tests {
    use super::same_secret;

    #[test]
    fn secrets_compare_whole() {
        assert!(same_secret("abc", "abc"));
        assert!(!same_secret("abc", "abd"));
        assert!(!same_secret("abd", "abc"));
        assert!(!same_secret("abc", "abcd"));
        assert!(same_secret("", ""));
    }
}
