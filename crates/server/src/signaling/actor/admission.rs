//! The actor's side of who gets in: joins (at once, or held under a knock id while the room is
//! closed or the person knocks), held sockets, opening and closing, the waiting room, and the
//! room's stored row (written before an in-room change, re-read to catch the CLI, other nodes
//! and deletions). The decisions are `amphi_room`'s; this carries them out.

use amphi_proto::{ClientMessage, ErrorCode, KnockId, ParticipantId, ServerMessage};
use amphi_room::{Admission, By, Effect, Entry, Fresh, Identity, JoinRequest, Joined, RoomError};
use tokio::sync::oneshot;

use super::Conn;
use super::calls;
use super::store_sync::RowState;
use super::{Actor, JoinAnswer, Legs, Origin, Refusal, ids, turn, unix_ms, unix_now};
use crate::signaling::media;

/// A held join's socket, kept under its knock id until the join is decided.
pub(super) struct Held {
    pub(super) conn: Conn,
    reply: oneshot::Sender<JoinAnswer>,
    /// It waits for a moderator (not for the room to open): for the knock metrics.
    pub(super) knocking: bool,
}

/// A `join` as the actor received it.
pub(super) struct JoinCommand {
    pub(super) name: String,
    pub(super) role: amphi_proto::Role,
    pub(super) user_id: Option<amphi_store::UserId>,
    pub(super) client_key: Option<String>,
    pub(super) resume_token: Option<String>,
    pub(super) max_participants: usize,
    pub(super) conn: Conn,
    pub(super) reply: oneshot::Sender<JoinAnswer>,
}

/// Who sent a request that needs an answer: a participant, or a held socket.
#[derive(Debug, Clone)]
pub(super) enum Requester {
    Participant(ParticipantId),
    Held(KnockId),
}

impl Actor {
    /// A `join`: in at once, refused, or held (the reply waits in [`Held`]).
    pub(super) async fn on_join(&mut self, join: JoinCommand) {
        self.room.set_max_participants(join.max_participants);
        let entry = Entry {
            request: JoinRequest {
                name: join.name,
                role: join.role,
                resume_token: join.resume_token,
            },
            identity: Identity::new(join.user_id.map(|u| u.as_str().to_owned()), join.client_key),
            fresh: Fresh {
                participant_id: ids::participant_id(),
                resume_token: ids::resume_token(),
            },
            knock_id: ids::knock_id(),
            unix_ms: unix_ms(),
        };
        match self.room.enter(std::time::Instant::now(), entry) {
            Err(e) => {
                self.ctx.metrics.refused_joins.inc();
                let _ = join.reply.send(JoinAnswer::Refused(Refusal {
                    code: e.code(),
                    message: e.to_string(),
                }));
            }
            Ok(Admission::Joined(joined)) => {
                let (answer, effects) = self.enter_media(joined, join.conn).await;
                let _ = join.reply.send(answer);
                self.apply(effects).await;
            }
            Ok(Admission::Waiting { knock, effects }) => {
                self.held.insert(
                    knock,
                    Held {
                        conn: join.conn,
                        reply: join.reply,
                        knocking: false,
                    },
                );
                self.apply(effects).await;
            }
        }
    }

    /// Gives a participant the room already holds its media and its `welcome` on `conn`.
    /// Returns the answer for its socket task and the effects to carry out next (the join's
    /// own, or those of undoing it).
    pub(super) async fn enter_media(
        &mut self,
        joined: Joined,
        conn: Conn,
    ) -> (JoinAnswer, Vec<Effect>) {
        let id = joined.participant_id.clone();
        if joined.replaced
            && let Some(old) = self.conns.remove(&id)
        {
            old.fatal(
                ErrorCode::Replaced,
                "you joined again from another connection",
            );
        }
        // A resumed participant's old peer connections must be gone before new ones get its id.
        self.close_media(&id).await;
        // An attendee receives only: a viewer (one peer connection, no publisher leg).
        let viewer = self.room.attendee(&id).is_some();
        let added = calls::add_participant(
            &self.media_room,
            media::participant_id(&id),
            viewer,
            self.ctx.limits.media_timeout,
        )
        .await;
        let participant = match added {
            Ok(Ok(participant)) => participant,
            failed => {
                let detail = match failed {
                    Ok(Err(e)) => e.to_string(),
                    _ => "the media server did not answer".to_owned(),
                };
                tracing::error!(participant = %id, error = %detail, "cannot create peer connections");
                let mut effects = self.room.leave(&id);
                // The joiner has no socket in the room yet: only the others hear of it.
                effects.retain(|e| !matches!(e, Effect::CloseMedia { .. }));
                self.ctx.metrics.refused_joins.inc();
                let refusal = Refusal {
                    code: ErrorCode::InternalError,
                    message: format!("cannot set up media: {detail}"),
                };
                return (JoinAnswer::Refused(refusal), effects);
            }
        };
        self.legs.insert(
            id.clone(),
            Legs {
                media: participant,
                published: false,
                offered: false,
            },
        );
        let ice_servers = turn::ice_servers(&self.ctx.turn, &id, unix_now());
        let mut welcome = joined.welcome(ice_servers);
        self.fill_welcome_stream(&mut welcome);
        self.fill_welcome_recording(&mut welcome);
        self.fill_welcome_annotations(&mut welcome);
        self.fill_notes(&id, &mut welcome).await;
        self.fill_polls(&id, &mut welcome).await;
        if !conn.send(welcome) {
            // The socket died while joining: the client has no resume token for this join, so
            // the participant leaves at once (its media closed) instead of waiting out the
            // grace period as a ghost; nothing of `joined.effects` is carried out. Those who
            // never heard of a fresh join are not told it ended.
            let mut effects = self.room.leave(&id);
            if !joined.resumed {
                effects.retain(|e| !matches!(e, Effect::Send { .. }));
            }
            self.ctx.metrics.refused_joins.inc();
            let refusal = Refusal {
                code: ErrorCode::InternalError,
                message: "connection lost while joining".into(),
            };
            return (JoinAnswer::Refused(refusal), effects);
        }
        tracing::info!(room = %self.room.info().slug, participant = %id, resumed = joined.resumed, "joined");
        self.ctx.metrics.joins.inc();
        self.conns.insert(id.clone(), conn);
        self.notice_arrival(&id);
        (JoinAnswer::Joined(id), joined.effects)
    }

    /// `Effect::Admit`: the held socket becomes the participant's.
    pub(super) async fn admit_held(&mut self, knock: &KnockId, joined: Joined) -> Vec<Effect> {
        let Some(held) = self.held.remove(knock) else {
            // Its socket went away as it was let in: the room must forget the participant.
            // Nobody heard of it joining (its `joined.effects` are dropped): nobody hears of it
            // leaving either. Review N2.
            let mut effects = self.room.leave(&joined.participant_id);
            effects.retain(|e| !matches!(e, Effect::Send { .. }));
            return effects;
        };
        if held.knocking {
            self.ctx.metrics.knocks_admitted.inc();
        }
        let (answer, effects) = self.enter_media(joined, held.conn).await;
        let _ = held.reply.send(answer);
        effects
    }

    /// `Effect::Dismiss`: the held socket is out (denied, expired, room full or deleted).
    pub(super) fn dismiss_held(&mut self, knock: &KnockId, message: ServerMessage) {
        let Some(held) = self.held.remove(knock) else {
            return;
        };
        match &message {
            ServerMessage::Error {
                code: ErrorCode::Denied,
                ..
            } => self.ctx.metrics.knocks_denied.inc(),
            ServerMessage::Error {
                code: ErrorCode::KnockExpired,
                ..
            } => self.ctx.metrics.knocks_expired.inc(),
            _ => {}
        }
        held.conn.end(message);
        let _ = held.reply.send(JoinAnswer::Ended);
    }

    /// `Effect::SendWaiting`. A socket that cannot take it is gone: its knock ends.
    pub(super) fn send_waiting(&mut self, knock: &KnockId, message: ServerMessage) -> Vec<Effect> {
        let Some(held) = self.held.get_mut(knock) else {
            return Vec::new();
        };
        if let ServerMessage::Waiting { reason, .. } = &message {
            let knocking = *reason == amphi_proto::WaitingReason::Knocking;
            if knocking && !held.knocking {
                self.ctx.metrics.knocks.inc();
            }
            held.knocking = knocking;
        }
        if held.conn.send(message) {
            return Vec::new();
        }
        tracing::warn!(%knock, "waiting socket too slow or gone: dropped");
        held.conn.kill();
        self.forget_held(knock)
    }

    /// A held socket went away or sent `leave` (unknown ids: nothing).
    pub(super) async fn join_abandoned(&mut self, conn: u64) {
        if let Some(knock) = self.held_by_conn(conn) {
            let effects = self.forget_held(&knock);
            self.apply(effects).await;
        }
    }

    /// `Command::JoinLost`. Unlike `leave`, it also applies when a message that failed to reach
    /// the dead socket already made the participant `Reconnecting` (its socket no longer
    /// current): nobody can resume it. Only another socket holding the participant now wins.
    pub(super) async fn join_lost(&mut self, from: &Origin) {
        match self.conns.get(&from.participant) {
            Some(conn) if conn.id != from.conn => return,
            Some(_) => {
                if let Some(conn) = self.conns.remove(&from.participant) {
                    conn.close_normally();
                }
            }
            None => {}
        }
        if self.room.person(&from.participant).is_none() {
            return;
        }
        let effects = self.room.leave(&from.participant);
        self.apply(effects).await;
    }

    /// `Command::RegistrationsRevoked`: those in or knocking with one of `ids` get the fatal
    /// `registration_required` and go; the others see them leave.
    pub(super) async fn registrations_revoked(&mut self, ids: &[amphi_store::RegistrationId]) {
        let message = ServerMessage::error(
            ErrorCode::RegistrationRequired,
            "your registration was rejected or cancelled by the organiser",
            None,
        );
        let inside: Vec<ParticipantId> = self
            .conns
            .iter()
            .filter(|(_, conn)| conn.holds_any(ids))
            .map(|(id, _)| id.clone())
            .collect();
        let knocking: Vec<KnockId> = self
            .held
            .iter()
            .filter(|(_, held)| held.conn.holds_any(ids))
            .map(|(knock, _)| knock.clone())
            .collect();
        let mut effects = Vec::new();
        for id in &inside {
            tracing::info!(participant = %id, "registration revoked: participant removed");
            effects.extend(self.room.expel(id, message.clone()));
        }
        for knock in &knocking {
            if let Some(held) = self.held.get(knock) {
                held.conn.end(message.clone());
            }
            effects.extend(self.forget_held(knock));
        }
        self.apply(effects).await;
    }

    fn forget_held(&mut self, knock: &KnockId) -> Vec<Effect> {
        let Some(held) = self.held.remove(knock) else {
            return Vec::new();
        };
        if held.knocking {
            self.ctx.metrics.knocks_left.inc();
        }
        let _ = held.reply.send(JoinAnswer::Ended);
        self.room.knock_left(knock)
    }

    fn held_by_conn(&self, conn: u64) -> Option<KnockId> {
        self.held
            .iter()
            .find(|(_, h)| h.conn.id == conn)
            .map(|(k, _)| k.clone())
    }

    fn participant_by_conn(&self, conn: u64) -> Option<ParticipantId> {
        self.conns
            .iter()
            .find(|(_, c)| c.id == conn)
            .map(|(p, _)| p.clone())
    }

    /// What a held socket may send besides `leave`: `set_room_open`. (If the socket was let in
    /// just before, it is answered as the participant it now is.)
    pub(super) async fn held_request(&mut self, conn: u64, message: ClientMessage) {
        let ClientMessage::SetRoomOpen { open } = message else {
            return;
        };
        let requester = if let Some(knock) = self.held_by_conn(conn) {
            Requester::Held(knock)
        } else if let Some(id) = self.participant_by_conn(conn) {
            Requester::Participant(id)
        } else {
            return;
        };
        self.request_open(requester, open).await;
    }

    /// `set_room_open` from inside the room or from a held socket: allowed? then the store,
    /// then the room.
    pub(super) async fn request_open(&mut self, requester: Requester, open: bool) {
        const REQUEST: &str = "set_room_open";
        let by = match &requester {
            Requester::Participant(id) => By::Participant(id.clone()),
            Requester::Held(knock) => By::Waiting(knock.clone()),
        };
        let now = std::time::Instant::now();
        // Checked first: the store is written only for a change the room accepts.
        if let Err(e) = self.room.check_open(&by) {
            return self.answer_error(&requester, &e, REQUEST);
        }
        if self.room.settings().open == open {
            return;
        }
        if !self.sync.write_open(open).await {
            return self.answer_store_failure(&requester, REQUEST);
        }
        match self.room.set_open(now, &by, open) {
            Ok(effects) => {
                self.count_open(open);
                self.apply(effects).await;
            }
            Err(e) => self.answer_error(&requester, &e, REQUEST),
        }
    }

    /// `set_waiting_room` from inside the room: allowed? then the store, then the room.
    pub(super) async fn request_waiting_room(&mut self, id: &ParticipantId, enabled: bool) {
        const REQUEST: &str = "set_waiting_room";
        let requester = Requester::Participant(id.clone());
        let by = By::Participant(id.clone());
        if let Err(e) = self.room.check_waiting_room(&by) {
            return self.answer_error(&requester, &e, REQUEST);
        }
        if self.room.settings().waiting_room == enabled {
            return;
        }
        if !self.sync.write_waiting_room(enabled).await {
            return self.answer_store_failure(&requester, REQUEST);
        }
        match self.room.set_waiting_room(&by, enabled) {
            Ok(effects) => self.apply(effects).await,
            Err(e) => self.answer_error(&requester, &e, REQUEST),
        }
    }

    /// Opened or closed from outside (back office, API, a re-read of the store): the store
    /// already says so.
    pub(super) async fn organiser_open(&mut self, open: bool, name: Option<String>) {
        self.sync.changed();
        if self.room.settings().open == open {
            return;
        }
        match self
            .room
            .set_open(std::time::Instant::now(), &By::Organiser { name }, open)
        {
            Ok(effects) => {
                self.count_open(open);
                self.apply(effects).await;
            }
            Err(e) => tracing::error!(error = %e, "an organiser's open/close was refused"),
        }
    }

    /// The waiting room switched from outside: the store already says so.
    pub(super) async fn organiser_waiting_room(&mut self, enabled: bool) {
        self.sync.changed();
        match self
            .room
            .set_waiting_room(&By::Organiser { name: None }, enabled)
        {
            Ok(effects) => self.apply(effects).await,
            Err(e) => tracing::error!(error = %e, "an organiser's waiting room switch was refused"),
        }
    }

    /// The room is gone from the store: everyone in or waiting is told, the actor stops.
    pub(super) async fn deleted(&mut self) {
        tracing::info!(room = %self.room.info().slug, "room or session deleted: its meeting ends");
        let effects = if self.session.is_some() {
            self.room.session_deleted(None)
        } else {
            self.room.room_deleted(None)
        };
        self.apply(effects).await;
        self.stopping = true;
    }

    /// A re-read of the stored row came back (and nothing changed the room meanwhile).
    pub(super) async fn on_row(&mut self, row: RowState) {
        let (open, waiting_room) = match row {
            RowState::Room(open, waiting_room) => (open, waiting_room),
            RowState::Session(live) => return self.organiser_live(live).await,
            RowState::Gone => return self.deleted().await,
        };
        let now = self.room.settings();
        // The waiting room first: a room opening with it on makes arrivals knock.
        if now.waiting_room != waiting_room {
            self.organiser_waiting_room(waiting_room).await;
        }
        if now.open != open {
            self.organiser_open(open, None).await;
        }
    }

    fn count_open(&self, open: bool) {
        if open {
            self.ctx.metrics.room_openings.inc();
        } else {
            self.ctx.metrics.room_closings.inc();
        }
    }

    pub(super) fn answer_error(&mut self, to: &Requester, e: &RoomError, request: &str) {
        let message = ServerMessage::error(e.code(), e.to_string(), Some(request));
        self.answer(to, message);
    }

    fn answer_store_failure(&mut self, to: &Requester, request: &str) {
        let message = ServerMessage::error(
            ErrorCode::InternalError,
            // A timed-out write may still land: the 2 s re-read then applies it. Say so
            // rather than promise that nothing changed.
            "the room's setting could not be confirmed by the database: if it was saved after \
             all, the room follows within seconds; otherwise try again",
            Some(request),
        );
        self.answer(to, message);
    }

    fn answer(&mut self, to: &Requester, message: ServerMessage) {
        match to {
            Requester::Participant(id) => self.send_to(id, message),
            Requester::Held(knock) => {
                if let Some(held) = self.held.get(knock)
                    && !held.conn.send(message)
                {
                    held.conn.kill();
                }
            }
        }
    }
}
