//! The actor's side of a session's live: `start_live`/`stop_live` from the socket (the store
//! first, then the room), the live and the contents changed from outside, and the webhook
//! events of who comes and goes.

use std::collections::HashSet;
use std::time::Duration;

use amphi_proto::{ErrorCode, LiveInfo, ParticipantId, ServerMessage};
use amphi_store::{LiveTransition, SessionId, Store, StoreError};

use super::{Actor, ActorContext};
use crate::signaling::session::live_info;
use crate::webhooks::WebhookEvent;

/// How long a store call may take before the actor gives up on it.
const STORE_TIMEOUT: Duration = Duration::from_secs(5);

/// A live started or ended (by whoever): counted, and told to webhooks.
pub(in crate::signaling) fn announce(
    ctx: &ActorContext,
    session_slug: &str,
    start: bool,
    by: Option<String>,
) {
    super::recording::live_changed(ctx, session_slug, start);
    let session_slug = session_slug.to_owned();
    let event = if start {
        ctx.metrics.lives_started.inc();
        WebhookEvent::LiveStarted { session_slug, by }
    } else {
        ctx.metrics.lives_ended.inc();
        WebhookEvent::LiveEnded { session_slug, by }
    };
    ctx.webhooks.emit(event);
}

/// Writes the live's start (`start`) or end, now: one conditional UPDATE, the truth also
/// against a back office acting at the same time. The one write for the socket, the back
/// office and the API.
pub(in crate::signaling) async fn write_live(
    store: &Store,
    session: &SessionId,
    start: bool,
) -> Result<LiveTransition, StoreError> {
    let now = amphi_store::now_ms();
    if start {
        store.start_live(session, now).await
    } else {
        store.end_live(session, now).await
    }
}

impl Actor {
    /// `start_live` / `stop_live` from a participant: allowed and a change? then the store
    /// (one conditional UPDATE: the truth, also against a back office acting at the same
    /// time), then everyone.
    pub(super) async fn request_live(&mut self, id: &ParticipantId, start: bool) {
        let request = if start { "start_live" } else { "stop_live" };
        match self.room.check_live(id, start) {
            Err(e) => {
                let message = ServerMessage::error(e.code(), e.to_string(), Some(request));
                return self.send_to(id, message);
            }
            Ok(false) => return,
            Ok(true) => {}
        }
        let Some(session) = self.session.clone() else {
            return;
        };
        let by = self.room.participant(id).map(|p| p.name.clone());
        self.sync.changed();
        let write = write_live(&self.ctx.store, &session.id, start);
        let written = tokio::time::timeout(STORE_TIMEOUT, write).await;
        let refusal = match written {
            Ok(Ok(LiveTransition::Changed(stored))) => {
                announce(&self.ctx, &stored.slug, start, by.clone());
                let effects = self
                    .room
                    .set_live(std::time::Instant::now(), live_info(&stored, by));
                return self.apply(effects).await;
            }
            // Someone else did it first (the back office): the re-read brings the state.
            Ok(Ok(LiveTransition::AlreadyLive)) => None,
            Ok(Ok(LiveTransition::AlreadyEnded)) if start => Some((
                ErrorCode::LiveEnded,
                "the live has ended: it cannot start again".to_owned(),
            )),
            Ok(Ok(LiveTransition::AlreadyEnded)) => None,
            Ok(Ok(LiveTransition::NotLive)) => Some((
                ErrorCode::LiveNotStarted,
                "the live has not started".to_owned(),
            )),
            Ok(Err(e)) => {
                tracing::error!(session = %session.id.as_str(), error = %e, "{request} failed in the store");
                Some((ErrorCode::InternalError, store_failure()))
            }
            Err(_) => {
                tracing::error!(session = %session.id.as_str(), "{request} timed out in the store");
                Some((ErrorCode::InternalError, store_failure()))
            }
        };
        // Whatever happened, the stored state is read again soon (and applied).
        self.sync.start_read();
        if let Some((code, message)) = refusal {
            self.send_to(id, ServerMessage::error(code, message, Some(request)));
        }
    }

    /// The live changed outside the session, or a re-read found it changed: the store already
    /// says so.
    pub(super) async fn organiser_live(&mut self, live: LiveInfo) {
        let effects = self.room.set_live(std::time::Instant::now(), live);
        self.apply(effects).await;
    }

    /// The session's content items changed: read them, tell staff, fix the stage.
    pub(super) async fn contents_changed(&mut self) {
        let Some(session) = self.session.clone() else {
            return;
        };
        let read = self.ctx.store.session_contents(&session.id);
        match tokio::time::timeout(STORE_TIMEOUT, read).await {
            Ok(Ok(contents)) => {
                let contents = contents.iter().map(crate::content::info).collect();
                let effects = self.room.set_contents(std::time::Instant::now(), contents);
                self.apply(effects).await;
            }
            Ok(Err(e)) => {
                tracing::warn!(session = %session.id.as_str(), error = %e, "reading the contents failed")
            }
            Err(_) => {
                tracing::warn!(session = %session.id.as_str(), "reading the contents timed out")
            }
        }
    }

    /// Someone got in (not a resume): remembered for `participant.left`, and told to webhooks.
    pub(super) fn notice_arrival(&mut self, id: &ParticipantId) {
        let Some(p) = self.room.person(id) else {
            return;
        };
        let (name, role) = (p.name.clone(), p.role);
        if self
            .present
            .insert(id.clone(), (name.clone(), role))
            .is_none()
        {
            self.ctx.webhooks.emit(WebhookEvent::ParticipantJoined {
                room_slug: self.room_slug(),
                session_slug: self.session_slug(),
                participant_id: id.0.clone(),
                name,
                role,
            });
        }
    }

    /// Those remembered who are no longer in the room (left, timed out, removed, the meeting
    /// ended) are told to webhooks. Compared only when someone may have gone.
    pub(super) fn notice_departures(&mut self) {
        let in_room = self.room.participants().len() + self.room.attendees().len();
        if in_room >= self.present.len() {
            return;
        }
        let ids: HashSet<&ParticipantId> = self
            .room
            .participants()
            .iter()
            .chain(self.room.attendees())
            .map(|p| &p.id)
            .collect();
        let gone: Vec<ParticipantId> = self
            .present
            .keys()
            .filter(|id| !ids.contains(id))
            .cloned()
            .collect();
        for id in gone {
            if let Some((name, role)) = self.present.remove(&id) {
                self.ctx.webhooks.emit(WebhookEvent::ParticipantLeft {
                    room_slug: self.room_slug(),
                    session_slug: self.session_slug(),
                    participant_id: id.0,
                    name,
                    role,
                });
            }
        }
    }

    fn room_slug(&self) -> String {
        match &self.session {
            Some(session) => session.room_slug.clone(),
            None => self.room.info().slug.clone(),
        }
    }

    fn session_slug(&self) -> Option<String> {
        self.session.as_ref().map(|_| self.room.info().slug.clone())
    }
}

fn store_failure() -> String {
    // A timed-out write may still land: the re-read then applies it.
    "the live could not be confirmed by the database: if it was saved after all, everyone \
     follows within seconds; otherwise try again"
        .to_owned()
}
