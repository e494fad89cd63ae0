//! Streaming a room's meetings, or a session's live, to an RTMP(S) server (issue 8, S1–S3).
//!
//! - [`Streams`] (one per server, inside `signaling::Rooms`: `state.rooms.streams()`): the
//!   registry of stream controllers, one per running room actor. Room actors report their
//!   presence (open? moderators in?) and moderators' requests; the back office reads states
//!   and says when settings change.
//! - `controller`: per room, decides with `policy` (auto-start at the opening, moderators'
//!   stop/start, auto-stops: room closed, no moderator for the grace period, nightly hour)
//!   and runs a `supervisor` while the stream should send.
//! - `supervisor`: attempts with back-off (`starting` → `live`, drop → `retrying` → `live`,
//!   or `failed`). `feed`: one attempt, an `ffmpeg` child pushing FLV (H.264 + AAC).
//! - `target`: the URL and key checks, the push URL (a `Secret`) and scrubbing of the key out
//!   of anything a sender writes. `nightly`: the local stop hour.
//! - `pages`: the settings forms (room settings, session form) and the state JSON.
//!
//! The key never leaves the server except in the RTMP push: it is not logged (the push URL
//! is a `Secret`, sender messages are scrubbed), not in pages (masked: last 4), not in the
//! protocol, the API or webhooks.

mod controller;
pub mod feed;
pub mod nightly;
pub mod pages;
pub mod policy;
pub mod supervisor;
pub mod target;

use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, OnceLock};

use crate::compose::{CompositionSpec, Compositor, Output, StillSource};
use amphi_proto::StreamInfo;
use amphi_store::{Store, StreamTarget};
use tokio::sync::mpsc;

use crate::config::StreamingConfig;
use crate::signaling::Place;
use crate::signaling::actor::WeakRooms;
use controller::{Controller, Input};
pub use policy::Presence;
use supervisor::Starter;

/// The streams of this server. Cheap to clone.
#[derive(Clone)]
pub struct Streams {
    inner: Arc<Inner>,
}

struct Inner {
    store: Store,
    config: StreamingConfig,
    rooms: WeakRooms,
    /// The pictures of a session's content on the stage (images, PDF pages), set at start-up.
    stills: OnceLock<Arc<dyn StillSource>>,
    /// Running controllers by place, with the token of the actor that runs them.
    controllers: Mutex<HashMap<Place, (u64, mpsc::UnboundedSender<Input>)>>,
    /// The last state of each place that streams (for the back office).
    states: Mutex<HashMap<Place, StreamInfo>>,
    next_token: AtomicU64,
    nightly: OnceLock<()>,
}

impl Streams {
    /// `rooms`: the registry this service lives in, to tell rooms' actors of changes.
    pub fn new(store: Store, config: StreamingConfig, rooms: WeakRooms) -> Streams {
        Streams {
            inner: Arc::new(Inner {
                store,
                config,
                rooms,
                stills: OnceLock::new(),
                controllers: Mutex::new(HashMap::new()),
                states: Mutex::new(HashMap::new()),
                next_token: AtomicU64::new(1),
                nightly: OnceLock::new(),
            }),
        }
    }

    pub fn config(&self) -> &StreamingConfig {
        &self.inner.config
    }

    /// Where the compositor finds the pictures of content on a session's stage (once, at
    /// start-up; without it the content area stays empty).
    pub fn set_stills(&self, stills: Arc<dyn StillSource>) {
        let _ = self.inner.stills.set(stills);
    }

    /// How an attempt at streaming `place` starts: the live compositor of the room's stage,
    /// with its FLV output pushed to the target (RECMEDIA's `compose`).
    fn starter(&self, place: &Place) -> Starter {
        let streams = Arc::downgrade(&self.inner);
        let place = place.clone();
        Arc::new(move |target: target::Target| {
            let streams = streams.clone();
            let place = place.clone();
            Box::pin(async move {
                let inner = streams.upgrade().ok_or("the server is stopping")?;
                let rooms = inner.rooms.upgrade().ok_or("the server is stopping")?;
                let c = &inner.config;
                let spec = CompositionSpec {
                    width: c.width,
                    height: c.height,
                    fps: c.fps,
                    video_kbps: c.video_kbps,
                    audio_kbps: c.audio_kbps,
                    webcams: true,
                    audio_only: false,
                };
                let output = Output::Rtmp {
                    url: target.push_url(),
                };
                let stills = inner.stills.get().cloned();
                let compositor = Compositor::start(&rooms, &place, spec, output, stills)
                    .await
                    .map_err(|e| target.scrub(&e.to_string()))?;
                Ok(feed::from_compositor(compositor, target))
            })
        })
    }

    /// A token for one room actor's reports (a restarted room's new actor gets a new one, so
    /// the old actor's last words cannot end the new one's stream).
    pub(crate) fn token(&self) -> u64 {
        self.inner.next_token.fetch_add(1, Ordering::Relaxed)
    }

    /// The stream's state at `place`, if it streams and its room runs; `None` otherwise (the
    /// back office then shows the settings' plain "stopped").
    pub fn state(&self, place: &Place) -> Option<StreamInfo> {
        lock(&self.inner.states).get(place).cloned()
    }

    /// Streams sending or trying to (`starting`, `live`, `retrying`): `amphi_streams_active`.
    pub fn active_count(&self) -> usize {
        use amphi_proto::StreamState;
        lock(&self.inner.states)
            .values()
            .filter(|info| {
                matches!(
                    info.state,
                    StreamState::Starting | StreamState::Live | StreamState::Retrying
                )
            })
            .count()
    }

    /// A room actor's report: the room is open or not, so many moderators are in. The first
    /// report of an actor starts its controller. Never blocks.
    pub(crate) fn presence(
        &self,
        place: &Place,
        token: u64,
        target: &StreamTarget,
        presence: Presence,
    ) {
        self.start_nightly();
        let mut controllers = lock(&self.inner.controllers);
        let current = controllers
            .get(place)
            .filter(|(t, tx)| *t == token && !tx.is_closed());
        match current {
            Some((_, tx)) => {
                let _ = tx.send(Input::Presence(presence));
            }
            None => {
                let (tx, inputs) = mpsc::unbounded_channel();
                let controller = Controller {
                    place: place.clone(),
                    target: target.clone(),
                    streams: self.clone(),
                    inputs,
                    first: presence,
                };
                tokio::spawn(controller.run());
                // A previous actor's controller (if any) ends when its sender is dropped here.
                controllers.insert(place.clone(), (token, tx));
            }
        }
    }

    /// A moderator's `start_stream` / `stop_stream` (checked by the actor). Never blocks.
    pub(crate) fn request(&self, place: &Place, token: u64, start: bool, by: String) {
        let input = if start {
            Input::Start
        } else {
            Input::Stop { by }
        };
        self.send(place, Some(token), input);
    }

    /// The room's actor stopped: its stream ends.
    pub(crate) fn closed(&self, place: &Place, token: u64) {
        let mut controllers = lock(&self.inner.controllers);
        if controllers.get(place).is_some_and(|(t, _)| *t == token) {
            // Dropping the sender ends the controller, which stops its stream.
            controllers.remove(place);
        }
    }

    /// The back office changed or removed the settings of `place`: a running stream follows
    /// at once (a room not running reads them when it opens).
    pub fn settings_changed(&self, place: &Place) {
        self.send(place, None, Input::SettingsChanged);
    }

    fn send(&self, place: &Place, token: Option<u64>, input: Input) {
        let controllers = lock(&self.inner.controllers);
        if let Some((t, tx)) = controllers.get(place)
            && token.is_none_or(|token| token == *t)
        {
            let _ = tx.send(input);
        }
    }

    /// A controller's new state: kept for the back office, told to the room's actor.
    async fn publish(&self, place: &Place, info: Option<StreamInfo>) {
        {
            let mut states = lock(&self.inner.states);
            match &info {
                Some(info) => states.insert(place.clone(), info.clone()),
                None => states.remove(place),
            };
        }
        if let Some(rooms) = self.inner.rooms.upgrade() {
            rooms.stream_changed(place, info).await;
        }
    }

    /// A controller ended with its room: its last state is forgotten (unless a new actor's
    /// controller already published one).
    fn publish_closed(&self, place: &Place, _last: Option<StreamInfo>) {
        let running = lock(&self.inner.controllers).contains_key(place);
        if !running {
            lock(&self.inner.states).remove(place);
        }
    }

    /// Starts the nightly stop's clock once (needs the runtime, hence not in `new`).
    fn start_nightly(&self) {
        let Some(hour) = self.inner.config.nightly_stop_hour else {
            return;
        };
        if self.inner.nightly.set(()).is_err() {
            return;
        }
        let weak = Arc::downgrade(&self.inner);
        tokio::spawn(async move {
            let mut last = None;
            loop {
                let now = nightly::local_hour();
                if nightly::crossed(last, now, hour) {
                    let Some(inner) = weak.upgrade() else { return };
                    tracing::info!(hour, "nightly stop of the streams");
                    for (_, tx) in lock(&inner.controllers).values() {
                        let _ = tx.send(Input::Nightly);
                    }
                } else if weak.strong_count() == 0 {
                    return;
                }
                last = Some(now);
                tokio::time::sleep(nightly::CHECK_EVERY).await;
            }
        });
    }
}

/// These maps are only read or changed under their lock, never across an await: a poisoned
/// one is still consistent.
fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|p| p.into_inner())
}
