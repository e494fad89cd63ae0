//! One task per running room (or session live) actor: it follows what the actor reports and
//! what moderators ask, decides with [`Policy`] whether the stream should send, runs a
//! [`Supervisor`] while it should, and publishes the stream's state (to the registry for the
//! back office, and to the room's actor for everyone in the room).

use std::time::Instant;

use amphi_proto::{StreamInfo, StreamReason, StreamState};
use amphi_store::StreamTarget;
use tokio::sync::mpsc;

use super::Streams;
use super::policy::{Policy, Presence};
use super::supervisor::Supervisor;
use super::target::Target;
use crate::signaling::Place;

/// What a controller is told.
#[derive(Debug)]
pub(super) enum Input {
    Presence(Presence),
    /// A moderator's `start_stream` (the actor checked the permission and that the room is
    /// open). Also restarts a `failed` stream.
    Start,
    /// A moderator's `stop_stream`, with their display name.
    Stop {
        by: String,
    },
    /// The back office changed (or removed) the stream's settings.
    SettingsChanged,
    /// The nightly hour passed.
    Nightly,
}

pub(super) struct Controller {
    pub place: Place,
    pub target: StreamTarget,
    pub streams: Streams,
    pub inputs: mpsc::UnboundedReceiver<Input>,
    /// The actor's first report (applied before anything is published, so a room that opens
    /// is told `starting`, not a passing `stopped`).
    pub first: Presence,
}

impl Controller {
    pub async fn run(mut self) {
        let config = self.streams.inner.config.clone();
        let mut policy = Policy::new(std::time::Duration::from_secs(config.moderator_grace_secs));
        policy.presence(Instant::now(), self.first);
        let mut destination = self.read_target().await;
        let mut supervisor: Option<Supervisor> = None;
        let mut published: Option<Option<StreamInfo>> = None;
        loop {
            // Carry out what the policy wants.
            let want = policy.wants_stream() && destination.is_some();
            // (A failed supervisor is kept while wanted: it holds the `failed` state.)
            if !want && let Some(s) = supervisor.take() {
                s.stop().await;
            }
            if want
                && supervisor.is_none()
                && let Some(target) = &destination
            {
                supervisor = Some(Supervisor::start(
                    self.streams.starter(&self.place),
                    target.clone(),
                    config.clone(),
                ));
            }
            let info = destination.as_ref().map(|_| match &supervisor {
                Some(s) => s.state.borrow().clone(),
                None => StreamInfo::new(StreamState::Stopped, policy.reason().cloned()),
            });
            if published.as_ref() != Some(&info) {
                self.streams.publish(&self.place, info.clone()).await;
                published = Some(info);
            }
            let deadline = policy.deadline().map(tokio::time::Instant::from_std);
            let mut sup_state = supervisor.as_ref().map(|s| s.state.clone());
            tokio::select! {
                input = self.inputs.recv() => match input {
                    None => break,
                    Some(Input::Presence(p)) => policy.presence(Instant::now(), p),
                    Some(Input::Start) => {
                        // A failed stream starts anew: its supervisor goes first.
                        if let Some(s) = supervisor.take_if(|s| s.state.borrow().state == StreamState::Failed) {
                            s.stop().await;
                        }
                        let _ = policy.start(Instant::now());
                    }
                    Some(Input::Stop { by }) => policy.stop(by),
                    Some(Input::SettingsChanged) => {
                        destination = self.read_target().await;
                        // New settings take effect at once: the running attempt restarts.
                        if let Some(s) = supervisor.take() {
                            s.stop().await;
                        }
                    }
                    Some(Input::Nightly) => policy.nightly(),
                },
                () = tokio::time::sleep_until(deadline.unwrap_or_else(tokio::time::Instant::now)), if deadline.is_some() => {
                    policy.tick(Instant::now());
                }
                changed = async { match sup_state.as_mut() {
                    Some(rx) => rx.changed().await.is_ok(),
                    None => std::future::pending().await,
                } } => {
                    if !changed {
                        supervisor = None;
                    }
                }
            }
        }
        // The room's actor is gone (the room closed or emptied): the stream ends.
        if let Some(s) = supervisor.take() {
            s.stop().await;
        }
        let closed = destination
            .as_ref()
            .map(|_| StreamInfo::new(StreamState::Stopped, Some(StreamReason::RoomClosed)));
        self.streams.publish_closed(&self.place, closed);
    }

    async fn read_target(&self) -> Option<Target> {
        match self.streams.inner.store.stream_settings(&self.target).await {
            Ok(settings) => settings.as_ref().map(Target::from_settings),
            Err(e) => {
                tracing::warn!(error = %e, "reading the stream settings failed");
                None
            }
        }
    }
}
