//! Who gets in (R2, R4): the open/closed state, the waiting room, knocks and removed people.
//!
//! A `join` that may not enter at once is *held*: the room keeps it as a [`Waiter`] under the
//! knock id the caller drew, with a reason: `room_closed` (it enters by itself when the room
//! opens) or `knocking` (a moderator admits or denies it, or it expires).

use crate::effects::Effect;
use crate::error::RoomError;
use crate::permissions::{Action, may};
use crate::room::{Fresh, JoinRequest, Joined, MAX_WAITING, Room, valid_name};
use amphi_proto::{
    ErrorCode, Knock, KnockId, KnockOutcome, MeetingEndReason, ParticipantId, Role, ServerMessage,
    WaitingReason,
};
use std::time::Instant;

/// A room's stored settings, as the room acts on them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RoomSettings {
    /// Open: people may come in (R2). Closed is the default of a new room.
    pub open: bool,
    /// Arrivals knock and a moderator admits them (R4).
    pub waiting_room: bool,
}

/// Who a person is beyond this room, to recognise them after a removal.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Identity {
    /// The signed-in user's id (the store's `UserId` as text), if signed in.
    pub user: Option<String>,
    /// The browser's `client_key` from `join`, if valid.
    pub client_key: Option<String>,
}

impl Identity {
    /// An identity from what the upgrade and the `join` said; an invalid client key is
    /// ignored (see [`valid_client_key`]).
    pub fn new(user: Option<String>, client_key: Option<String>) -> Self {
        Self {
            user,
            client_key: client_key.filter(|k| valid_client_key(k)),
        }
    }

    /// The same signed-in user, or the same browser.
    fn same_person(&self, other: &Identity) -> bool {
        let same =
            |a: &Option<String>, b: &Option<String>| matches!((a, b), (Some(a), Some(b)) if a == b);
        same(&self.user, &other.user) || same(&self.client_key, &other.client_key)
    }

    fn is_known(&self) -> bool {
        self.user.is_some() || self.client_key.is_some()
    }
}

/// Removed identities a meeting remembers at most.
const MAX_REMOVED: usize = 1000;

/// A `join`'s `client_key` is 8 to 64 characters of `A-Z a-z 0-9 _ -`.
pub fn valid_client_key(key: &str) -> bool {
    (8..=64).contains(&key.len())
        && key
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-')
}

/// Who asks for a change of the room's state.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum By {
    /// A participant in the room; the room checks its role.
    Participant(ParticipantId),
    /// A held join (only `set_room_open`, while waiting); the room checks its role.
    Waiting(KnockId),
    /// The back office, the CLI, or the actor's re-read of the stored room: the caller checked
    /// the permission. `name` is told to participants (`meeting_ended.by`, `knock_removed.by`).
    Organiser { name: Option<String> },
}

/// Everything a `join` brings, for [`Room::enter`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Entry {
    pub request: JoinRequest,
    pub identity: Identity,
    /// Ids for the participant it becomes (now or when admitted).
    pub fresh: Fresh,
    /// The id it is held under if it must wait (drawn at random by the caller; unused
    /// otherwise).
    pub knock_id: KnockId,
    /// Now, in Unix milliseconds (a knock's `since`).
    pub unix_ms: u64,
}

/// What [`Room::enter`] decided.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Admission {
    /// In at once (or resumed): as [`Room::join`].
    Joined(Joined),
    /// Held under `knock`: keep the socket under that id. `effects` start with the
    /// `waiting` message for it (as `SendWaiting`) and tell moderators of a knock.
    Waiting {
        knock: KnockId,
        effects: Vec<Effect>,
    },
}

/// A held join.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Waiter {
    pub(crate) knock: KnockId,
    name: String,
    role: Role,
    identity: Identity,
    fresh: Fresh,
    since_ms: u64,
    pub(crate) reason: WaitingReason,
    /// When a knock expires; `None` while waiting for the room to open.
    pub(crate) deadline: Option<Instant>,
    removed_before: bool,
}

impl Waiter {
    fn knock_info(&self) -> Knock {
        Knock {
            id: self.knock.clone(),
            name: self.name.clone(),
            since: self.since_ms,
            removed_before: self.removed_before,
        }
    }

    fn waiting_message(&self) -> ServerMessage {
        ServerMessage::Waiting {
            reason: self.reason,
            can_open: self.may_open(),
        }
    }

    fn is_knocking(&self) -> bool {
        self.reason == WaitingReason::Knocking
    }

    /// Someone waiting may open a closed room if its role may; someone knocking (removed
    /// earlier: the only way a role that may open knocks) may not touch the room at all.
    fn may_open(&self) -> bool {
        self.reason == WaitingReason::RoomClosed && may(self.role, Action::OpenClose)
    }
}

impl Room {
    /// Someone sent `join`: resumed, in at once, or held (closed room; waiting room on; removed
    /// earlier in this meeting). Roles that may open the room never knock unless removed; the
    /// owner never knocks.
    pub fn enter(&mut self, now: Instant, entry: Entry) -> Result<Admission, RoomError> {
        let name = valid_name(&entry.request.name)?;
        // The caller settles after the decision (`Room::settle`).
        let mut effects = self.expire(now);
        if let Some(joined) = self.resume(
            &name,
            entry.request.resume_token.as_deref(),
            &entry.fresh,
            &mut effects,
        ) {
            return Ok(Admission::Joined(joined));
        }
        let role = entry.request.role;
        let identity = Identity::new(entry.identity.user, entry.identity.client_key);
        if role == Role::Attendee {
            let joined = self.add_attendee(name, identity, entry.fresh, effects)?;
            return Ok(Admission::Joined(joined));
        }
        // The owner cannot be removed: a match (a shared browser) does not make it knock.
        let removed_before =
            role != Role::Owner && self.removed.iter().any(|r| r.same_person(&identity));
        if removed_before && self.webinar.is_some() {
            // A session has no waiting room to knock at.
            return Err(RoomError::RemovedFromSession);
        }
        let reason = if !self.settings.open {
            Some(WaitingReason::RoomClosed)
        } else if removed_before || (self.settings.waiting_room && !may(role, Action::OpenClose)) {
            Some(WaitingReason::Knocking)
        } else {
            None
        };
        let Some(reason) = reason else {
            if self.participants.len() >= self.config.max_participants {
                return Err(RoomError::RoomFull(self.config.max_participants));
            }
            let joined = self.add_participant(name, role, identity, entry.fresh, effects);
            return Ok(Admission::Joined(joined));
        };
        if self.waiters.len() >= MAX_WAITING {
            return Err(RoomError::TooManyWaiting(MAX_WAITING));
        }
        let waiter = Waiter {
            knock: entry.knock_id.clone(),
            name,
            role,
            identity,
            fresh: entry.fresh,
            since_ms: entry.unix_ms,
            reason,
            deadline: (reason == WaitingReason::Knocking).then(|| now + self.knock_timeout),
            removed_before,
        };
        effects.push(Effect::SendWaiting {
            knock: entry.knock_id.clone(),
            message: waiter.waiting_message(),
        });
        if waiter.is_knocking() {
            effects.extend(self.to_admitters(ServerMessage::KnockAdded {
                knock: waiter.knock_info(),
            }));
        }
        self.waiters.push(waiter);
        Ok(Admission::Waiting {
            knock: entry.knock_id,
            effects,
        })
    }

    /// Why this held join waits, if it is held.
    pub fn waiting_reason(&self, knock: &KnockId) -> Option<WaitingReason> {
        self.waiters
            .iter()
            .find(|w| &w.knock == knock)
            .map(|w| w.reason)
    }

    /// The knocks moderators see, oldest first.
    pub fn knocks(&self) -> Vec<Knock> {
        self.waiters
            .iter()
            .filter(|w| w.is_knocking())
            .map(Waiter::knock_info)
            .collect()
    }

    /// May `by` open or close the room ([`Room::set_open`]'s check alone, for a caller that
    /// must write the store before the room changes)?
    pub fn check_open(&self, by: &By) -> Result<(), RoomError> {
        self.authorise(by, Action::OpenClose).map(drop)
    }

    /// May `by` switch the waiting room ([`Room::set_waiting_room`]'s check alone)?
    pub fn check_waiting_room(&self, by: &By) -> Result<(), RoomError> {
        self.authorise(by, Action::Lock).map(drop)
    }

    /// Opens or closes the room (OpenClose). The caller wrote the store first. Opening lets
    /// those waiting in (or makes them knock); closing ends the meeting: everyone in the room
    /// gets `meeting_ended` and is disconnected, knocks go back to waiting for the room to open,
    /// and the meeting's chat, hands and removed list are forgotten. No change, no effects.
    pub fn set_open(
        &mut self,
        now: Instant,
        by: &By,
        open: bool,
    ) -> Result<Vec<Effect>, RoomError> {
        let by_name = self.authorise(by, Action::OpenClose)?;
        if self.settings.open == open {
            return Ok(Vec::new());
        }
        self.settings.open = open;
        Ok(if open {
            self.opened(now)
        } else {
            self.end_meeting(MeetingEndReason::RoomClosed, by_name)
        })
    }

    /// Switches the waiting room (Lock). The caller wrote the store first. Everyone in the room
    /// gets `room_updated`; switching it off admits every knock but those of removed people.
    pub fn set_waiting_room(&mut self, by: &By, enabled: bool) -> Result<Vec<Effect>, RoomError> {
        let by_name = self.authorise(by, Action::Lock)?;
        if self.settings.waiting_room == enabled {
            return Ok(Vec::new());
        }
        self.settings.waiting_room = enabled;
        let mut effects = self.to_all(ServerMessage::RoomUpdated {
            waiting_room: enabled,
        });
        if !enabled && self.settings.open {
            let admitted: Vec<KnockId> = self
                .waiters
                .iter()
                .filter(|w| w.is_knocking() && !w.removed_before)
                .map(|w| w.knock.clone())
                .collect();
            for knock in admitted {
                effects.extend(self.admit_waiter(&knock, by_name.clone()));
            }
        }
        Ok(effects)
    }

    /// Lets these knocks in (Admit). Ids not knocking (unknown, decided, gone) are ignored.
    pub fn admit(
        &mut self,
        by: &ParticipantId,
        knocks: &[KnockId],
    ) -> Result<Vec<Effect>, RoomError> {
        let by_name = self.authorise(&By::Participant(by.clone()), Action::Admit)?;
        let mut effects = Vec::new();
        for knock in knocks {
            if self.is_knocking(knock) {
                effects.extend(self.admit_waiter(knock, by_name.clone()));
            }
        }
        Ok(effects)
    }

    /// Turns these knocks away (Admit): each gets the fatal `denied`. Ids not knocking are
    /// ignored.
    pub fn deny(
        &mut self,
        by: &ParticipantId,
        knocks: &[KnockId],
    ) -> Result<Vec<Effect>, RoomError> {
        let by_name = self.authorise(&By::Participant(by.clone()), Action::Admit)?;
        let mut effects = Vec::new();
        for knock in knocks {
            if !self.is_knocking(knock) {
                continue;
            }
            self.take_waiter(knock);
            effects.extend(self.knock_removed(knock, KnockOutcome::Denied, by_name.clone()));
            let message = match &by_name {
                Some(name) => format!("{name} did not let you in"),
                None => "a moderator did not let you in".to_owned(),
            };
            effects.push(Effect::Dismiss {
                knock: knock.clone(),
                message: ServerMessage::error_by(ErrorCode::Denied, message, by_name.clone()),
            });
        }
        Ok(effects)
    }

    /// A held join's socket went away (or sent `leave`): it is forgotten; moderators see its
    /// knock end. Unknown ids are ignored.
    pub fn knock_left(&mut self, knock: &KnockId) -> Vec<Effect> {
        match self.take_waiter(knock) {
            Some(w) if w.is_knocking() => self.knock_removed(knock, KnockOutcome::Left, None),
            _ => Vec::new(),
        }
    }

    /// The room was deleted: everyone in it and everyone waiting gets `meeting_ended`
    /// (`room_deleted`) and is disconnected; the room is empty and closed. The actor stops.
    pub fn room_deleted(&mut self, by: Option<String>) -> Vec<Effect> {
        self.settings.open = false;
        let message = ServerMessage::MeetingEnded {
            reason: MeetingEndReason::RoomDeleted,
            by: by.clone(),
        };
        let mut effects: Vec<Effect> = self
            .waiters
            .drain(..)
            .map(|w| Effect::Dismiss {
                knock: w.knock,
                message: message.clone(),
            })
            .collect();
        effects.extend(self.end_meeting(MeetingEndReason::RoomDeleted, by));
        effects
    }

    /// Knocks past their deadline expire (part of [`Room::tick`]).
    pub(crate) fn expire_knocks(&mut self, now: Instant) -> Vec<Effect> {
        let expired: Vec<KnockId> = self
            .waiters
            .iter()
            .filter(|w| w.deadline.is_some_and(|d| d <= now))
            .map(|w| w.knock.clone())
            .collect();
        let mut effects = Vec::new();
        for knock in expired {
            self.take_waiter(&knock);
            effects.extend(self.knock_removed(&knock, KnockOutcome::Expired, None));
            effects.push(Effect::Dismiss {
                knock,
                message: ServerMessage::error(
                    ErrorCode::KnockExpired,
                    "nobody let you in in time; try again later",
                    None,
                ),
            });
        }
        effects
    }

    /// To every connected participant whose role may admit.
    pub(crate) fn to_admitters(&self, message: ServerMessage) -> Vec<Effect> {
        self.participants
            .iter()
            .filter(|p| p.is_connected() && may(p.role, Action::Admit))
            .map(|p| Effect::Send {
                to: p.id.clone(),
                message: message.clone(),
            })
            .collect()
    }

    /// May `by` do `action`? Its name (for `by` fields) if so.
    fn authorise(&self, by: &By, action: Action) -> Result<Option<String>, RoomError> {
        // A session is always open and has no waiting room.
        if self.webinar.is_some()
            && matches!(action, Action::OpenClose | Action::Lock | Action::Admit)
        {
            return Err(RoomError::Forbidden);
        }
        let (role, name) = match by {
            By::Organiser { name } => return Ok(name.clone()),
            By::Participant(id) => {
                let p = self.participant(id).ok_or(RoomError::UnknownParticipant)?;
                (p.role, &p.name)
            }
            By::Waiting(knock) => {
                let w = self
                    .waiters
                    .iter()
                    .find(|w| &w.knock == knock)
                    .ok_or(RoomError::UnknownParticipant)?;
                // Held joins may only open a closed room.
                if action != Action::OpenClose || !w.may_open() {
                    return Err(RoomError::Forbidden);
                }
                (w.role, &w.name)
            }
        };
        if may(role, action) {
            Ok(Some(name.clone()))
        } else {
            Err(RoomError::Forbidden)
        }
    }

    /// The room just opened: those who may enter do (first, so that the moderators among them
    /// are in when the others knock), the others knock from now on.
    fn opened(&mut self, now: Instant) -> Vec<Effect> {
        let mut effects = Vec::new();
        let entering: Vec<KnockId> = self
            .waiters
            .iter()
            .filter(|w| !self.must_knock(w))
            .map(|w| w.knock.clone())
            .collect();
        for knock in entering {
            effects.extend(self.enter_held(&knock));
        }
        let deadline = now + self.knock_timeout;
        let mut knocking = Vec::new();
        for w in &mut self.waiters {
            w.reason = WaitingReason::Knocking;
            w.deadline = Some(deadline);
            knocking.push((w.knock.clone(), w.waiting_message(), w.knock_info()));
        }
        for (knock, message, info) in knocking {
            effects.push(Effect::SendWaiting { knock, message });
            effects.extend(self.to_admitters(ServerMessage::KnockAdded { knock: info }));
        }
        effects
    }

    fn must_knock(&self, w: &Waiter) -> bool {
        w.removed_before || (self.settings.waiting_room && !may(w.role, Action::OpenClose))
    }

    /// Ends the meeting for everyone in the room (closed or deleted) and forgets it. Knocks
    /// wait for the room to open again.
    pub(crate) fn end_meeting(
        &mut self,
        reason: MeetingEndReason,
        by: Option<String>,
    ) -> Vec<Effect> {
        let message = ServerMessage::MeetingEnded { reason, by };
        let mut effects = Vec::new();
        for p in self.participants.drain(..) {
            if p.is_connected() {
                effects.push(Effect::Disconnect {
                    participant: p.id.clone(),
                    message: message.clone(),
                });
                effects.push(Effect::CloseMedia { participant: p.id });
            }
        }
        self.publications.clear();
        self.active_speaker = None;
        self.chat.clear();
        self.removed.clear();
        self.hands_raised = 0;
        for w in &mut self.waiters {
            w.removed_before = false;
            if w.is_knocking() {
                w.reason = WaitingReason::RoomClosed;
                w.deadline = None;
                effects.push(Effect::SendWaiting {
                    knock: w.knock.clone(),
                    message: w.waiting_message(),
                });
            }
        }
        effects
    }

    /// A moderator (or switching the waiting room off) let this knock in.
    fn admit_waiter(&mut self, knock: &KnockId, by: Option<String>) -> Vec<Effect> {
        let mut effects = self.knock_removed(knock, KnockOutcome::Admitted, by);
        effects.extend(self.enter_held(knock));
        effects
    }

    /// The held join becomes a participant, or is turned away if the room is full.
    fn enter_held(&mut self, knock: &KnockId) -> Vec<Effect> {
        let Some(w) = self.take_waiter(knock) else {
            return Vec::new();
        };
        if self.participants.len() >= self.config.max_participants {
            let refusal = RoomError::RoomFull(self.config.max_participants);
            return vec![Effect::Dismiss {
                knock: w.knock,
                message: ServerMessage::error(refusal.code(), refusal.to_string(), None),
            }];
        }
        let joined = self.add_participant(w.name, w.role, w.identity, w.fresh, Vec::new());
        vec![Effect::Admit {
            knock: w.knock,
            joined,
        }]
    }

    fn knock_removed(
        &self,
        knock: &KnockId,
        outcome: KnockOutcome,
        by: Option<String>,
    ) -> Vec<Effect> {
        self.to_admitters(ServerMessage::KnockRemoved {
            knock_id: knock.clone(),
            outcome,
            by,
        })
    }

    fn is_knocking(&self, knock: &KnockId) -> bool {
        self.waiters
            .iter()
            .any(|w| &w.knock == knock && w.is_knocking())
    }

    fn take_waiter(&mut self, knock: &KnockId) -> Option<Waiter> {
        let idx = self.waiters.iter().position(|w| &w.knock == knock)?;
        Some(self.waiters.remove(idx))
    }

    /// Remembers a removed person for the rest of the meeting.
    /// Someone was removed: the same person must knock for the rest of the meeting, including
    /// a join it already has waiting (another tab): that one is marked, and moderators see the
    /// mark at once (a `knock_added` for a known id replaces it).
    pub(crate) fn remember_removed(&mut self, identity: Identity) -> Vec<Effect> {
        if !identity.is_known() {
            return Vec::new();
        }
        if !self.removed.contains(&identity) {
            // Bounded like the chat: past the cap the oldest removal is forgotten.
            if self.removed.len() >= MAX_REMOVED {
                self.removed.remove(0);
            }
            self.removed.push(identity.clone());
        }
        let mut marked = Vec::new();
        for w in &mut self.waiters {
            if w.role != Role::Owner && !w.removed_before && w.identity.same_person(&identity) {
                w.removed_before = true;
                if w.is_knocking() {
                    marked.push(w.knock_info());
                }
            }
        }
        marked
            .into_iter()
            .flat_map(|knock| self.to_admitters(ServerMessage::KnockAdded { knock }))
            .collect()
    }
}
