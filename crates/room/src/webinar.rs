//! Sessions (webinars, W3–W7, C9): the live, the stage, content control, attendees and the
//! audience counts.
//!
//! A session is a [`Room`] built with [`Room::webinar`]: always open, no waiting room. Its
//! staff (owner, manager, moderator, speaker) are its `participants` and see each other as in
//! a meeting (the backstage). Its attendees are kept apart: nobody lists them, they hear of
//! nobody joining or leaving, and they receive only the stage's publications, only while the
//! live is `live`.
//!
//! The live's state comes from the store (the truth): the caller writes it, then tells the room
//! ([`Room::set_live`]). The stage remembers its members by person (the signed-in user), so a
//! member who reloads is back on it at once; one who is away stays on it but is not shown.
//!
//! What everyone sees is derived, not pushed by each decision: [`Room::settle`] compares what
//! the stage shows, what attendees should receive and the audience counts with what was last
//! told, and emits the difference. The caller runs it after every decision (decisions that take
//! the time run it themselves).

mod stage;

use crate::admission::Identity;
use crate::admission::RoomSettings;
use crate::effects::Effect;
use crate::error::RoomError;
use crate::permissions::{Action, may};
use crate::room::{
    Fresh, Joined, Participant, Presence, Room, RoomConfig, holder_of, to_connected,
};
use amphi_proto::{
    Audience, ContentInfo, LiveInfo, LiveState, MeetingEndReason, ParticipantId, PublicationId,
    PublicationInfo, Role, RoomInfo, ServerMessage, Stage, StageLayout,
};
use stage::{ContentState, MemberKey, Shown};
use std::time::{Duration, Instant};

/// Audience counts are told at most this often.
pub const AUDIENCE_INTERVAL: Duration = Duration::from_secs(1);

/// Whether a room holds meetings or is a session's live.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RoomKind {
    Meeting,
    Webinar { max_attendees: usize },
}

/// A session's own state, beside the room's.
#[derive(Debug, Clone)]
pub(crate) struct Webinar {
    max_attendees: usize,
    live: LiveInfo,
    layout: StageLayout,
    /// In display order; shown only while present.
    members: Vec<MemberKey>,
    content: Option<ContentState>,
    contents: Vec<ContentInfo>,
    /// The publications attendees receive now (empty unless live).
    staged: Vec<PublicationId>,
    /// What the stage showed when last told.
    shown: Shown,
    audience_sent: Audience,
    audience_at: Option<Instant>,
}

/// The session's part of a `welcome`.
pub(crate) struct WebinarWelcome {
    pub(crate) live: Option<LiveInfo>,
    pub(crate) stage: Option<Stage>,
    pub(crate) audience: Option<Audience>,
    pub(crate) contents: Vec<ContentInfo>,
}

impl Room {
    /// A session's live: open, no waiting room, at most `max_attendees` attendees (staff count
    /// against `config.max_participants`), with the stored live state and content items.
    pub fn webinar(
        info: RoomInfo,
        config: RoomConfig,
        max_attendees: usize,
        live: LiveInfo,
        contents: Vec<ContentInfo>,
    ) -> Self {
        let mut room = Room::with_settings(
            info,
            config,
            RoomSettings {
                open: true,
                waiting_room: false,
            },
        );
        room.webinar = Some(Box::new(Webinar {
            max_attendees,
            live,
            layout: StageLayout::Grid,
            members: Vec::new(),
            content: None,
            contents,
            staged: Vec::new(),
            shown: Shown::empty(),
            audience_sent: Audience::default(),
            audience_at: None,
        }));
        room
    }

    pub fn kind(&self) -> RoomKind {
        match &self.webinar {
            Some(w) => RoomKind::Webinar {
                max_attendees: w.max_attendees,
            },
            None => RoomKind::Meeting,
        }
    }

    /// The session's live; `None` in a meeting room.
    pub fn live(&self) -> Option<&LiveInfo> {
        self.webinar.as_ref().map(|w| &w.live)
    }

    /// A session whose live is on.
    pub fn is_live(&self) -> bool {
        self.live().is_some_and(|l| l.state == LiveState::Live)
    }

    /// The stage as everyone sees it at `now`; `None` in a meeting room.
    pub fn stage(&self, now: Instant) -> Option<Stage> {
        let w = self.webinar.as_deref()?;
        Some(self.shown_now(w).render(Some(now)))
    }

    /// The people connected now; `None` in a meeting room.
    pub fn audience(&self) -> Option<Audience> {
        self.webinar.as_ref().map(|_| self.count_audience())
    }

    /// The session's content items as last given.
    pub fn contents(&self) -> &[ContentInfo] {
        self.webinar.as_deref().map_or(&[], |w| &w.contents)
    }

    /// The publications attendees receive now.
    pub fn staged_publications(&self) -> &[PublicationId] {
        self.webinar.as_deref().map_or(&[], |w| &w.staged)
    }

    /// May `by` start (`start`) or stop the live now? The check alone, for a caller that writes
    /// the store first: the role (StartStopLive), a session, and the live's state as the room
    /// knows it (`live_ended`, `live_not_started`). `Ok(false)`: allowed, nothing to do (already
    /// live, already ended).
    pub fn check_live(&self, by: &ParticipantId, start: bool) -> Result<bool, RoomError> {
        self.check(by, Action::StartStopLive)?;
        let w = self.webinar.as_deref().ok_or(RoomError::NotASession)?;
        match (start, w.live.state) {
            (true, LiveState::NotStarted) | (false, LiveState::Live) => Ok(true),
            (true, LiveState::Live) | (false, LiveState::Ended) => Ok(false),
            (true, LiveState::Ended) => Err(RoomError::LiveEnded),
            (false, LiveState::NotStarted) => Err(RoomError::LiveNotStarted),
        }
    }

    /// The stored live changed (the caller wrote it, or read it): everyone gets `live_updated`;
    /// attendees start or stop receiving the stage. An ended live never changes again; the same
    /// state again changes nothing.
    pub fn set_live(&mut self, now: Instant, live: LiveInfo) -> Vec<Effect> {
        let Some(w) = self.webinar.as_deref_mut() else {
            return Vec::new();
        };
        if w.live.state == live.state || w.live.state == LiveState::Ended {
            return Vec::new();
        }
        w.live = live.clone();
        let mut effects = self.to_everyone(ServerMessage::LiveUpdated { live });
        effects.extend(self.settle(now));
        effects
    }

    /// The session was deleted: everyone, staff and attendees, gets `meeting_ended`
    /// (`session_deleted`) and is disconnected. The actor stops.
    pub fn session_deleted(&mut self, by: Option<String>) -> Vec<Effect> {
        let message = ServerMessage::MeetingEnded {
            reason: MeetingEndReason::SessionDeleted,
            by: by.clone(),
        };
        let mut effects = Vec::new();
        for a in self.attendees.drain(..) {
            if a.is_connected() {
                effects.push(Effect::Disconnect {
                    participant: a.id.clone(),
                    message: message.clone(),
                });
                effects.push(Effect::CloseMedia { participant: a.id });
            }
        }
        effects.extend(self.end_meeting(MeetingEndReason::SessionDeleted, by));
        if let Some(w) = self.webinar.as_deref_mut() {
            w.staged.clear();
        }
        effects
    }

    /// Tells what changed since last told: the stage (`stage_updated` to everyone), what
    /// attendees receive (while live: the members' microphone and camera, the staged screen and
    /// its audio), and the audience counts (to those who may see them, at most once per
    /// [`AUDIENCE_INTERVAL`]). Nothing in a meeting room. Run it after every decision.
    pub fn settle(&mut self, now: Instant) -> Vec<Effect> {
        self.clock = Some(now);
        let Some(w) = self.webinar.as_deref() else {
            return Vec::new();
        };
        let shown = self.shown_now(w);
        let desired = if w.live.state == LiveState::Live {
            self.desired_staged(&shown)
        } else {
            Vec::new()
        };
        let stage_changed = shown != w.shown;
        let left: Vec<PublicationId> = w
            .staged
            .iter()
            .filter(|p| !desired.contains(p))
            .cloned()
            .collect();
        let entered: Vec<PublicationId> = desired
            .iter()
            .filter(|p| !w.staged.contains(p))
            .cloned()
            .collect();
        let audience = self.count_audience();
        let audience_due = audience != w.audience_sent
            && w.audience_at.is_none_or(|at| now >= at + AUDIENCE_INTERVAL);

        let mut effects = Vec::new();
        if stage_changed {
            effects.extend(self.to_everyone(ServerMessage::StageUpdated {
                stage: shown.render(Some(now)),
            }));
        }
        let watching: Vec<ParticipantId> = self
            .attendees
            .iter()
            .filter(|a| a.is_connected())
            .map(|a| a.id.clone())
            .collect();
        for publication in &left {
            let exists = self.publication(publication).is_some();
            for a in &watching {
                if exists {
                    effects.push(Effect::Unsubscribe {
                        subscriber: a.clone(),
                        publication: publication.clone(),
                    });
                }
                effects.push(Effect::Send {
                    to: a.clone(),
                    message: ServerMessage::PublicationRemoved {
                        publication_id: publication.clone(),
                    },
                });
            }
        }
        for publication in &entered {
            let Some(info) = self.publication(publication).map(|p| p.info()) else {
                continue;
            };
            for a in &watching {
                effects.push(Effect::Send {
                    to: a.clone(),
                    message: ServerMessage::PublicationAdded {
                        publication: info.clone(),
                    },
                });
                effects.push(Effect::Subscribe {
                    subscriber: a.clone(),
                    publication: publication.clone(),
                });
            }
        }
        if audience_due {
            effects.extend(to_connected(
                self.participants
                    .iter()
                    .filter(|p| may(p.role, Action::SeeAudience)),
                &ServerMessage::Audience { audience },
            ));
        }
        if let Some(w) = self.webinar.as_deref_mut() {
            w.shown = shown;
            w.staged = desired;
            if audience_due {
                w.audience_sent = audience;
                w.audience_at = Some(now);
            }
        }
        effects
    }

    /// When a held-back audience change is due (part of [`Room::next_deadline`]).
    pub(crate) fn audience_deadline(&self) -> Option<Instant> {
        let w = self.webinar.as_deref()?;
        let at = w.audience_at?;
        (self.count_audience() != w.audience_sent).then_some(at + AUDIENCE_INTERVAL)
    }

    /// A new attendee: capped, unlisted, subscribed to what the stage shows (while live).
    pub(crate) fn add_attendee(
        &mut self,
        name: String,
        identity: Identity,
        fresh: Fresh,
        mut effects: Vec<Effect>,
    ) -> Result<Joined, RoomError> {
        let w = self.webinar.as_deref().ok_or(RoomError::Forbidden)?;
        if self.attendees.len() >= w.max_attendees {
            return Err(RoomError::RoomFull(w.max_attendees));
        }
        self.attendees.push(Participant::arriving(
            name,
            Role::Attendee,
            identity,
            &fresh,
        ));
        let welcome = self.welcome_now(&fresh.participant_id, &fresh.resume_token, false);
        effects.extend(self.staged_for(&fresh.participant_id));
        Ok(Joined {
            participant_id: fresh.participant_id,
            resume_token: fresh.resume_token,
            resumed: false,
            replaced: false,
            effects,
            welcome,
        })
    }

    /// A resume by an attendee's token (part of `resume`): connected again, told nobody.
    pub(crate) fn resume_attendee(
        &mut self,
        name: &str,
        resume_token: Option<&str>,
        fresh: &Fresh,
        effects: &mut Vec<Effect>,
    ) -> Option<Joined> {
        let idx = holder_of(&self.attendees, resume_token)?;
        let a = &mut self.attendees[idx];
        let was_connected = a.is_connected();
        a.name = name.to_owned();
        a.presence = Presence::Connected;
        a.resume_token = fresh.resume_token.clone();
        let id = a.id.clone();
        let welcome = self.welcome_now(&id, &fresh.resume_token, true);
        effects.extend(self.staged_for(&id));
        Some(Joined {
            participant_id: id,
            resume_token: fresh.resume_token.clone(),
            resumed: true,
            replaced: was_connected,
            effects: std::mem::take(effects),
            welcome,
        })
    }

    /// An attendee is gone (left, timed out): nobody is told.
    pub(crate) fn remove_attendee(&mut self, id: &ParticipantId) -> Vec<Effect> {
        let Some(idx) = self.attendees.iter().position(|p| &p.id == id) else {
            return Vec::new();
        };
        let gone = self.attendees.remove(idx);
        if gone.is_connected() {
            vec![Effect::CloseMedia {
                participant: gone.id,
            }]
        } else {
            Vec::new()
        }
    }

    /// The session's part of a `welcome` for `role`.
    pub(crate) fn webinar_welcome(&self, role: Role) -> WebinarWelcome {
        let Some(w) = self.webinar.as_deref() else {
            return WebinarWelcome {
                live: None,
                stage: None,
                audience: None,
                contents: Vec::new(),
            };
        };
        WebinarWelcome {
            live: Some(w.live.clone()),
            stage: Some(self.shown_now(w).render(self.clock)),
            audience: may(role, Action::SeeAudience).then(|| self.count_audience()),
            contents: if role == Role::Attendee {
                Vec::new()
            } else {
                w.contents.clone()
            },
        }
    }

    /// What an attendee's `welcome` lists as publications: the staged ones.
    pub(crate) fn staged_infos(&self) -> Vec<PublicationInfo> {
        self.staged_publications()
            .iter()
            .filter_map(|id| self.publication(id).map(|p| p.info()))
            .collect()
    }

    /// To the connected attendees that receive this publication (its `publication_muted`).
    pub(crate) fn to_staged_attendees(
        &self,
        publication: &PublicationId,
        message: ServerMessage,
    ) -> Vec<Effect> {
        if !self.staged_publications().contains(publication) {
            return Vec::new();
        }
        self.to_attendees(message)
    }

    /// To every connected attendee.
    pub(crate) fn to_attendees(&self, message: ServerMessage) -> Vec<Effect> {
        to_connected(&self.attendees, &message)
    }

    /// To everyone connected: staff and attendees.
    fn to_everyone(&self, message: ServerMessage) -> Vec<Effect> {
        let mut effects = self.to_all(message.clone());
        effects.extend(self.to_attendees(message));
        effects
    }

    fn staged_for(&self, id: &ParticipantId) -> Vec<Effect> {
        self.staged_publications()
            .iter()
            .map(|p| Effect::Subscribe {
                subscriber: id.clone(),
                publication: p.clone(),
            })
            .collect()
    }

    fn count_audience(&self) -> Audience {
        let count = |n: usize| u32::try_from(n).unwrap_or(u32::MAX);
        let connected = self.participants.iter().filter(|p| p.is_connected());
        Audience {
            attendees: count(self.attendees.iter().filter(|a| a.is_connected()).count()),
            speakers: count(
                connected
                    .clone()
                    .filter(|p| p.role == Role::Speaker)
                    .count(),
            ),
            moderators: count(
                connected
                    .filter(|p| matches!(p.role, Role::Owner | Role::Manager | Role::Moderator))
                    .count(),
            ),
        }
    }
}
