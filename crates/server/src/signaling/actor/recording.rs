//! The actor's side of recording (issue 7, V1–V4): `start_recording` / `stop_recording` from
//! a moderator (Record), the running recording in `welcome.recording`, and
//! `recording_updated` to everyone in the room or live when a recording starts or stops
//! (whoever or whatever started or stopped it: a moderator, the live's start or end, the disk
//! guard, a failure).
//!
//! The recordings service (`crate::recording::Recordings`) holds the rooms registry (its
//! compositor reads the stage), so it is made after it and reaches the actors through a
//! [`RecordingsSlot`] filled at start-up ([`Rooms::attach_recordings`]). The actor never
//! waits on the service: a request is checked here, then carried out in a task of its own.
//! What happened comes back as the service's events, which [`forward_events`] routes to the
//! room's actor ([`Command::RecordingChanged`](super::Command::RecordingChanged)); a refusal
//! (disk low) goes straight to the requester's socket.

use std::sync::{Arc, OnceLock};

use amphi_proto::{
    ErrorCode, ParticipantId, RecordingInfo, RecordingRequest, RecordingStopReason, ServerMessage,
};
use amphi_room::Action;
use amphi_store::{Recording, RecordingOptions, Session, Store, UserId};

use super::{Actor, ActorContext, Command};
use crate::recording::{RecordTarget, RecordingError, RecordingEvent, Recordings, StopReason};
use crate::signaling::{Place, Rooms};

/// The recordings service as the room actors reach it: empty until start-up attaches it.
#[derive(Clone, Default)]
pub struct RecordingsSlot(Arc<OnceLock<Recordings>>);

impl RecordingsSlot {
    pub fn get(&self) -> Option<&Recordings> {
        self.0.get()
    }
}

impl Rooms {
    /// Gives the room actors the recordings service, and routes its start and stop events to
    /// them for as long as it runs. Called once at start-up (`AppState::new`).
    pub fn attach_recordings(&self, recordings: &Recordings) {
        if self.inner.ctx.recordings.0.set(recordings.clone()).is_ok() {
            forward_events(self.clone(), recordings);
        }
    }
}

/// A recording as the protocol shows it; `by` is who started it, when a person did.
pub(crate) fn recording_info(r: &Recording, by: Option<String>) -> RecordingInfo {
    RecordingInfo {
        id: r.id.as_str().to_owned(),
        started_at: u64::try_from(r.started_at).unwrap_or(0),
        webcams: r.options.webcams,
        audio_only: r.options.audio_only,
        by,
    }
}

/// A new recording's title: where, and when (UTC); people rename it in the library.
fn title(name: &str) -> String {
    format!(
        "{name} — {}",
        crate::recording::pages::date(amphi_store::now_ms())
    )
}

impl Actor {
    /// Where this actor runs, as the recordings service keys it.
    fn place(&self) -> Place {
        let slug = self.room.info().slug.clone();
        match self.session {
            Some(_) => Place::Session(slug),
            None => Place::Room(slug),
        }
    }

    /// `start_recording` (`Some(options)`) or `stop_recording` (`None`) from a participant.
    pub(super) fn request_recording(
        &mut self,
        id: &ParticipantId,
        start: Option<RecordingRequest>,
    ) {
        let request = if start.is_some() {
            "start_recording"
        } else {
            "stop_recording"
        };
        if let Err(e) = self.room.check(id, Action::Record) {
            return self.error_to(id, e.code(), e.to_string(), request);
        }
        let Some(recordings) = self.ctx.recordings.get().cloned() else {
            let message = "recording is not available on this server";
            return self.error_to(id, ErrorCode::InternalError, message, request);
        };
        let Some(conn) = self.conns.get(id).cloned() else {
            return;
        };
        let place = self.place();
        let Some(start) = start else {
            tokio::spawn(async move {
                if let Err(e) = recordings.stop(&place).await {
                    tracing::warn!(?place, error = %e, "stopping the recording failed");
                    let message = format!("the recording could not be stopped: {e}");
                    // A socket gone meanwhile has nobody to tell.
                    let _ = conn.send(ServerMessage::error(
                        ErrorCode::InternalError,
                        message,
                        Some(request),
                    ));
                }
            });
            return;
        };
        let target = RecordTarget {
            place: place.clone(),
            room_id: self.sync.room_id().clone(),
            session_id: self.session.as_ref().map(|s| s.id.clone()),
            title: title(&self.room.info().name),
        };
        let by = self
            .room
            .participant(id)
            .and_then(|p| p.identity().user.clone())
            .map(UserId::new);
        let options = RecordingOptions {
            webcams: start.webcams,
            audio_only: start.audio_only,
        };
        tokio::spawn(async move {
            let answer = match recordings.start(&target, by.as_ref(), options).await {
                // Everyone hears of it through the service's `Started` event.
                Ok(_) => return,
                Err(RecordingError::AlreadyRecording) => match recordings.active(&place) {
                    Some(r) => ServerMessage::RecordingUpdated {
                        recording: Some(recording_info(&r, None)),
                        reason: None,
                    },
                    None => return,
                },
                Err(RecordingError::DiskLow { free_bytes }) => {
                    tracing::warn!(?place, free_bytes, "recording refused: disk low");
                    ServerMessage::RecordingUpdated {
                        recording: None,
                        reason: Some(RecordingStopReason::DiskLow),
                    }
                }
                Err(e) => {
                    tracing::warn!(?place, error = %e, "starting a recording failed");
                    let message = format!("the recording could not start: {e}");
                    ServerMessage::error(ErrorCode::InternalError, message, Some(request))
                }
            };
            // A socket gone meanwhile has nobody to tell.
            let _ = conn.send(answer);
        });
    }

    /// A recording of this room started (`Some`) or stopped (`None`, with why): everyone is
    /// told, attendees included. `by` is filled here: the actor knows who is who.
    pub(super) fn recording_changed(
        &mut self,
        recording: Option<RecordingInfo>,
        reason: Option<RecordingStopReason>,
        by_user: Option<String>,
    ) {
        let recording = recording.map(|mut r| {
            r.by = by_user.and_then(|user| self.name_of_user(&user));
            r
        });
        let message = ServerMessage::RecordingUpdated { recording, reason };
        let ids: Vec<ParticipantId> = self.conns.keys().cloned().collect();
        for id in ids {
            self.send_to(&id, message.clone());
        }
    }

    /// The display name of a signed-in person in this room.
    fn name_of_user(&self, user: &str) -> Option<String> {
        self.room
            .participants()
            .iter()
            .find(|p| p.identity().user.as_deref() == Some(user))
            .map(|p| p.name.clone())
    }

    /// `welcome.recording`: the recording running now, if any.
    pub(super) fn fill_welcome_recording(&self, welcome: &mut ServerMessage) {
        let running = self
            .ctx
            .recordings
            .get()
            .and_then(|r| r.active(&self.place()));
        if let ServerMessage::Welcome { recording, .. } = welcome {
            *recording = running.map(|r| {
                let by = r
                    .created_by
                    .as_ref()
                    .and_then(|u| self.name_of_user(u.as_str()));
                recording_info(&r, by)
            });
        }
    }
}

/// Routes the recordings service's start and stop events to the running actor of their place.
fn forward_events(rooms: Rooms, recordings: &Recordings) {
    let mut events = recordings.subscribe();
    tokio::spawn(async move {
        loop {
            let event = match events.recv().await {
                Ok(event) => event,
                Err(tokio::sync::broadcast::error::RecvError::Lagged(n)) => {
                    tracing::warn!(skipped = n, "recording events skipped");
                    continue;
                }
                Err(tokio::sync::broadcast::error::RecvError::Closed) => return,
            };
            let (place, command) = match event {
                RecordingEvent::Started { place, recording } => {
                    let by_user = recording.created_by.as_ref().map(|u| u.as_str().to_owned());
                    let info = Some(recording_info(&recording, None));
                    (
                        place,
                        Command::RecordingChanged {
                            recording: info,
                            reason: None,
                            by_user,
                        },
                    )
                }
                RecordingEvent::Stopped { place, reason, .. } => {
                    let reason = match reason {
                        StopReason::Asked | StopReason::RoomClosed => RecordingStopReason::Asked,
                        StopReason::DiskLow => RecordingStopReason::DiskLow,
                        StopReason::Failed(_) => RecordingStopReason::Failed,
                    };
                    let command = Command::RecordingChanged {
                        recording: None,
                        reason: Some(reason),
                        by_user: None,
                    };
                    (place, command)
                }
                _ => continue,
            };
            if let Some(handle) = rooms.running(&place) {
                handle.send(command).await;
            }
        }
    });
}

/// A session's live started or ended (from the socket, the back office or the API): at the
/// start, record by itself if the session (or its room owner's account) says so (V2); at the
/// end, stop the live's recording. In a task: the caller never waits on the recorder.
pub(in crate::signaling) fn live_changed(ctx: &ActorContext, session_slug: &str, start: bool) {
    let Some(recordings) = ctx.recordings.get().cloned() else {
        return;
    };
    let store = ctx.store.clone();
    let place = Place::Session(session_slug.to_owned());
    tokio::spawn(async move {
        if !start {
            if let Err(e) = recordings.stop(&place).await {
                tracing::warn!(?place, error = %e, "stopping the recording at the live's end failed");
            }
            return;
        }
        if let Err(e) = auto_record(&store, &recordings, place.clone()).await {
            tracing::warn!(?place, error = %e, "the automatic recording did not start");
        }
    });
}

async fn auto_record(
    store: &Store,
    recordings: &Recordings,
    place: Place,
) -> Result<(), crate::Error> {
    let Place::Session(slug) = &place else {
        return Ok(());
    };
    let Some(session): Option<Session> = store.session_by_slug(slug).await? else {
        return Ok(());
    };
    let Some(options) = crate::recording::settings::auto_record(store, &session).await? else {
        return Ok(());
    };
    let target = RecordTarget {
        place,
        room_id: session.room_id.clone(),
        session_id: Some(session.id.clone()),
        title: title(&session.title),
    };
    match recordings.start(&target, None, options).await {
        Ok(_) | Err(RecordingError::AlreadyRecording) => Ok(()),
        Err(e) => Err(crate::Error::Internal(e.to_string())),
    }
}
