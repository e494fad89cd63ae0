//! The room actor's side of streaming (issue 8): it reports to `crate::streaming::Streams`
//! whether the room is open (a session: live) and how many moderators are in, passes on
//! moderators' `start_stream` / `stop_stream`, and tells everyone the stream's state
//! (`welcome.stream`, `stream_updated`). The stream itself runs outside the actor.

use std::sync::Weak;

use amphi_proto::{ErrorCode, ParticipantId, ServerMessage, StreamInfo};
use amphi_room::{Action, may};
use amphi_store::StreamTarget;

use super::Actor;
use crate::signaling::{Place, RoomSpec, Rooms, RoomsInner};
use crate::streaming::{Presence, Streams};

/// The registry, without keeping it alive (the streams service lives inside it).
#[derive(Clone)]
pub struct WeakRooms(pub(in crate::signaling) Weak<RoomsInner>);

impl WeakRooms {
    pub fn upgrade(&self) -> Option<Rooms> {
        self.0.upgrade().map(|inner| Rooms { inner })
    }
}

impl Rooms {
    /// The server's streams (states for the back office, settings changes).
    pub fn streams(&self) -> &Streams {
        &self.inner.ctx.streams
    }

    /// A stream's state changed: the room's running actor tells everyone in it.
    pub(crate) async fn stream_changed(&self, place: &Place, stream: Option<StreamInfo>) {
        if let Some(handle) = self.running(place) {
            handle.send(super::Command::StreamChanged { stream }).await;
        }
    }
}

/// What the actor keeps about its stream.
pub(super) struct StreamSlot {
    place: Place,
    target: StreamTarget,
    /// This actor's token with the streams service.
    token: u64,
    reported: Option<Presence>,
    /// The state as last told by the service; `None`: no stream configured.
    info: Option<StreamInfo>,
}

impl StreamSlot {
    pub(super) fn new(spec: &RoomSpec, streams: &Streams) -> StreamSlot {
        let target = match &spec.session {
            Some(session) => StreamTarget::Session(session.id.clone()),
            None => StreamTarget::Room(spec.id.clone()),
        };
        StreamSlot {
            place: spec.place(),
            target,
            token: streams.token(),
            reported: None,
            info: None,
        }
    }
}

impl Actor {
    /// After every event: a change of openness or of moderators present goes to the service.
    pub(super) fn report_stream(&mut self) {
        let open = match &self.session {
            Some(_) => self.room.is_live(),
            None => self.room.settings().open,
        };
        let moderators = self
            .room
            .participants()
            .iter()
            .filter(|p| may(p.role, Action::Stream))
            .count();
        let presence = Presence { open, moderators };
        if self.stream.reported != Some(presence) {
            self.stream.reported = Some(presence);
            let slot = &self.stream;
            self.ctx
                .streams
                .presence(&slot.place, slot.token, &slot.target, presence);
        }
    }

    /// The actor stops: so does the stream.
    pub(super) fn stream_closed(&self) {
        self.ctx
            .streams
            .closed(&self.stream.place, self.stream.token);
    }

    /// Puts the stream's state into a `welcome`.
    pub(super) fn fill_welcome_stream(&self, welcome: &mut ServerMessage) {
        if let ServerMessage::Welcome { stream, .. } = welcome {
            stream.clone_from(&self.stream.info);
        }
    }

    /// `start_stream` / `stop_stream` from a participant.
    pub(super) fn request_stream(&mut self, id: &ParticipantId, start: bool) {
        let request = if start { "start_stream" } else { "stop_stream" };
        if let Err(e) = self.room.check(id, Action::Stream) {
            return self.error_to(id, e.code(), e.to_string(), request);
        }
        let Some(info) = &self.stream.info else {
            let message = "this room has no stream: set its RTMP URL and key in its settings";
            return self.error_to(id, ErrorCode::InvalidMessage, message, request);
        };
        if start && self.stream.reported.is_some_and(|p| !p.open) {
            let message = match self.session {
                Some(_) => "the live has not started: the stream starts with it",
                None => "the room is closed",
            };
            return self.error_to(id, ErrorCode::Forbidden, message, request);
        }
        if !start && !info.is_active() {
            return; // Nothing to stop.
        }
        let by = self
            .room
            .participant(id)
            .map(|p| p.name.clone())
            .unwrap_or_default();
        let slot = &self.stream;
        self.ctx.streams.request(&slot.place, slot.token, start, by);
    }

    /// The service's new state: kept for later welcomes, told to everyone in the room.
    pub(super) fn stream_changed(&mut self, stream: Option<StreamInfo>) {
        if self.stream.info == stream {
            return;
        }
        let told = stream.clone().unwrap_or_else(|| {
            StreamInfo::new(
                amphi_proto::StreamState::Stopped,
                Some(amphi_proto::StreamReason::NotConfigured),
            )
        });
        self.stream.info = stream;
        let ids: Vec<ParticipantId> = self.conns.keys().cloned().collect();
        for id in ids {
            self.send_to(
                &id,
                ServerMessage::StreamUpdated {
                    stream: told.clone(),
                },
            );
        }
    }
}
