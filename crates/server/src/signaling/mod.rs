//! Signaling: the WebSockets at `/r/{slug}/ws` (a room's meetings) and `/s/{slug}/ws` (a
//! session's live) (docs/protocol.md) and their actors.
//!
//! A session's live runs in an actor of its own, keyed by the session's slug apart from rooms'
//! (a [`Place`]): the same actor code, over an `amphi_room::Room` built as a webinar. The back
//! office and the API write the live or the contents to the store, then tell it through
//! [`Rooms::start_live`], [`Rooms::stop_live`], [`Rooms::session_contents_changed`],
//! [`Rooms::session_deleted`].
//!
//! - [`Rooms`]: the registry of live rooms, slug → actor handle; spawns an actor on the first
//!   join and forgets it once the actor stops (its room emptied). The back office tells it of
//!   changes it wrote to the store: [`Rooms::set_open`], [`Rooms::set_waiting_room`],
//!   [`Rooms::room_deleted`].
//! - `actor`: one task per live room owning `amphi_room::Room`, the room's `amphi_sfu::MediaRoom`
//!   and its participants' and held joins' sockets and media; driven by [`actor::Command`], SFU
//!   events and re-reads of its stored row. `actor/admission`: joins, held sockets (by knock
//!   id), open/close and the waiting room through the store; `actor/moderation`: the in-room
//!   requests; `actor/store_sync`: writes and re-reads of the room's row.
//! - `connection`: one task per socket (plus a writer task): limits, the join handshake (a
//!   held join accepts only `leave`, `ping`, `set_room_open`), and translation of client
//!   messages into commands.
//! - `turn`: coturn-style TURN credentials for `welcome`.
//!
//! Invariants: the actor never waits on a socket (bounded queues, `try_send`; a client that
//! falls behind is dropped); a command from a replaced socket is ignored (connection ids);
//! no input panics, every refused message is answered with an `error`; an in-room change of
//! the room's settings is in the store before anyone is told; a re-read that started before a
//! change is dropped.

pub mod actor;
mod conn;
mod connection;
mod ids;
pub mod limits;
mod media;
pub mod metrics;
mod per_ip;
mod rate;
mod session;
mod turn;

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use amphi_proto::{ContentInfo, ErrorCode, LiveInfo, Role};
use amphi_store::{LiveTransition, RoomId, Session, SessionId, Store};
use axum::Router;
use axum::extract::ws::WebSocketUpgrade;
use axum::extract::{Path, State};
use axum::http::HeaderMap;
use axum::response::Response;
use axum::routing::get;

use crate::auth::csrf::origin_allowed;
use crate::auth::login::MaybeLogin;
use crate::config::{Config, TurnConfig};
use crate::{AppState, Error};
pub use actor::Snapshot;
use actor::{ActorContext, Command, RoomHandle};
pub use limits::Limits;
pub use metrics::SignalingMetrics;

/// What a socket needs to know about its room, read from the store when it connects.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RoomSpec {
    pub id: RoomId,
    pub slug: String,
    pub name: String,
    pub max_participants: usize,
    /// As read at the upgrade: the state a newly started actor begins with (a running actor
    /// keeps its own, kept fresh by commands and its periodic re-read).
    pub is_open: bool,
    pub waiting_room: bool,
    /// A session's live (then `slug` and `name` are the session's); `None` for a room.
    pub session: Option<SessionSpec>,
}

/// What a session's actor starts from, read from the store at the upgrade.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SessionSpec {
    pub id: SessionId,
    /// The slug of the room it is held in (webhook events name it).
    pub room_slug: String,
    pub live: LiveInfo,
    pub contents: Vec<ContentInfo>,
    pub max_attendees: usize,
}

/// What an actor runs: a room's meetings or a session's live. Slugs of the two kinds may be
/// equal: they never share an actor.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Place {
    Room(String),
    Session(String),
}

impl RoomSpec {
    pub fn place(&self) -> Place {
        match self.session {
            Some(_) => Place::Session(self.slug.clone()),
            None => Place::Room(self.slug.clone()),
        }
    }
}

/// The live rooms of this server. Cheap to clone.
#[derive(Clone)]
pub struct Rooms {
    inner: Arc<RoomsInner>,
}

struct RoomsInner {
    ctx: ActorContext,
    /// Held only to look up or insert a handle: never across an await.
    actors: Mutex<HashMap<Place, RoomHandle>>,
    per_ip: per_ip::PerIp,
}

impl Rooms {
    pub fn new(
        store: Store,
        sfu: amphi_sfu::Sfu,
        turn: TurnConfig,
        limits: Limits,
        metrics: SignalingMetrics,
    ) -> Self {
        let webhooks = crate::webhooks::Webhooks::new(store.clone());
        Self::with_webhooks(store, sfu, turn, limits, metrics, webhooks)
    }

    /// As [`Rooms::new`], emitting webhook events through the server's `webhooks` (whose
    /// worker it wakes at once).
    pub fn with_webhooks(
        store: Store,
        sfu: amphi_sfu::Sfu,
        turn: TurnConfig,
        limits: Limits,
        metrics: SignalingMetrics,
        webhooks: crate::webhooks::Webhooks,
    ) -> Self {
        Self {
            // The streams service tells the rooms' actors of its changes through a weak link.
            inner: Arc::new_cyclic(|rooms| RoomsInner {
                ctx: ActorContext {
                    webhooks,
                    recordings: Default::default(),
                    notes: crate::notes::Notes::new(store.clone()),
                    polls: crate::polls::Polls::new(store.clone()),
                    streams: crate::streaming::Streams::new(
                        store.clone(),
                        limits.streaming.clone(),
                        actor::WeakRooms(rooms.clone()),
                    ),
                    store,
                    sfu,
                    limits,
                    turn,
                    metrics,
                },
                actors: Mutex::new(HashMap::new()),
                per_ip: per_ip::PerIp::default(),
            }),
        }
    }

    /// The media plane from `[media]`, TURN from `[turn]`, the documented limits.
    pub fn from_config(
        config: &Config,
        store: Store,
        metrics: SignalingMetrics,
        webhooks: crate::webhooks::Webhooks,
    ) -> Result<Self, Error> {
        let sfu = amphi_sfu::Sfu::new(amphi_sfu::SfuConfig {
            bind_ip: config.media.bind_ip,
            announced_ips: config.media.announced_ips.clone(),
            udp_port_min: config.media.udp_port_min,
            udp_port_max: config.media.udp_port_max,
            ..amphi_sfu::SfuConfig::default()
        })
        .map_err(|e| Error::Config(format!("[media]: {e}")))?;
        Ok(Self::with_webhooks(
            store,
            sfu,
            config.turn.clone(),
            Limits {
                max_sockets_per_ip: config.rooms.max_connections_per_address as usize,
                knock_timeout: std::time::Duration::from_secs(config.rooms.knock_timeout_secs),
                max_attendees: config.webinars.max_attendees as usize,
                streaming: config.streaming.clone(),
                ..Limits::default()
            },
            metrics,
            webhooks,
        ))
    }

    pub fn limits(&self) -> &Limits {
        &self.inner.ctx.limits
    }

    pub fn sfu(&self) -> &amphi_sfu::Sfu {
        &self.inner.ctx.sfu
    }

    /// The shared notes of live rooms (export, shutdown).
    pub fn notes(&self) -> &crate::notes::Notes {
        &self.inner.ctx.notes
    }

    /// The running actor of this room, started if needed.
    fn actor(&self, spec: &RoomSpec) -> RoomHandle {
        let mut actors = self
            .inner
            .actors
            .lock()
            // Only inserts and lookups happen under this lock: a poisoned map is still valid.
            .unwrap_or_else(|p| p.into_inner());
        actors.retain(|_, handle| !handle.is_closed());
        let place = spec.place();
        if let Some(handle) = actors.get(&place) {
            return handle.clone();
        }
        let handle = actor::spawn(spec, self.inner.ctx.clone());
        actors.insert(place, handle.clone());
        handle
    }

    /// The running actor of this room, if it has one (someone is in, waiting, or lingering).
    fn live(&self, slug: &str) -> Option<RoomHandle> {
        self.running(&Place::Room(slug.to_owned()))
    }

    fn running(&self, place: &Place) -> Option<RoomHandle> {
        let actors = self.inner.actors.lock().unwrap_or_else(|p| p.into_inner());
        actors.get(place).filter(|h| !h.is_closed()).cloned()
    }

    /// Who is in a live room right now; `None` if nobody is (no actor).
    pub async fn snapshot(&self, slug: &str) -> Option<Snapshot> {
        self.snapshot_of(&Place::Room(slug.to_owned())).await
    }

    /// Who is connected to a session's live right now (staff and attendees); `None` if nobody
    /// is (no actor).
    pub async fn session_snapshot(&self, session_slug: &str) -> Option<Snapshot> {
        self.snapshot_of(&Place::Session(session_slug.to_owned()))
            .await
    }

    async fn snapshot_of(&self, place: &Place) -> Option<Snapshot> {
        let handle = self.running(place)?;
        let (reply, answer) = tokio::sync::oneshot::channel();
        if !handle.send(Command::Snapshot { reply }).await {
            return None;
        }
        answer.await.ok()
    }

    /// The back office or the API is about to write the room's open flag and then call
    /// [`Rooms::set_open`]: a live room waits for that call rather than apply the store's new
    /// state without the name of who changed it.
    pub async fn expect_room_change(&self, slug: &str) {
        if let Some(handle) = self.live(slug) {
            handle.send(Command::ExpectChange).await;
        }
    }

    /// The room was opened or closed in the store (back office, API): a live room follows at
    /// once. Opening lets waiting people in; closing ends the meeting (`by`: who did it, as
    /// shown to participants). Call it after the store write. Without a live room, nothing to
    /// do: the next arrival reads the store.
    pub async fn set_open(&self, slug: &str, open: bool, by: Option<String>) {
        if let Some(handle) = self.live(slug) {
            handle.send(Command::SetOpen { open, by }).await;
        }
    }

    /// The room's waiting room was switched in the store: a live room follows at once
    /// (switching it off admits everyone knocking).
    pub async fn set_waiting_room(&self, slug: &str, enabled: bool) {
        if let Some(handle) = self.live(slug) {
            handle.send(Command::SetWaitingRoom { enabled }).await;
        }
    }

    /// The room was deleted from the store: its meeting ends, waiting people are told.
    pub async fn room_deleted(&self, slug: &str) {
        if let Some(handle) = self.live(slug) {
            handle.send(Command::RoomDeleted).await;
        }
    }

    /// Registrations were rejected or cancelled (already in the store): whoever is in a live
    /// room or session with one of them goes. Any room may hold them (a series' registration
    /// opens each of its sessions), so every running actor is told; most hold none.
    pub async fn registrations_revoked(&self, ids: &[amphi_store::RegistrationId]) {
        if ids.is_empty() {
            return;
        }
        let handles: Vec<RoomHandle> = {
            let actors = self.inner.actors.lock().unwrap_or_else(|p| p.into_inner());
            actors
                .values()
                .filter(|h| !h.is_closed())
                .cloned()
                .collect()
        };
        for handle in handles {
            let ids = ids.to_vec();
            handle.send(Command::RegistrationsRevoked { ids }).await;
        }
    }

    /// Starts a session's live from outside it (back office, API): the store first, then the
    /// running actor, if any, tells everyone (`by`: who did it, as shown). The caller checked
    /// the permission. `Changed` is the only outcome that changed anything.
    pub async fn start_live(
        &self,
        session: &Session,
        by: Option<String>,
    ) -> Result<LiveTransition, Error> {
        self.change_live(session, by, true).await
    }

    /// Ends a session's live from outside it, as [`Rooms::start_live`].
    pub async fn stop_live(
        &self,
        session: &Session,
        by: Option<String>,
    ) -> Result<LiveTransition, Error> {
        self.change_live(session, by, false).await
    }

    async fn change_live(
        &self,
        session: &Session,
        by: Option<String>,
        start: bool,
    ) -> Result<LiveTransition, Error> {
        // A running live waits for the command below rather than apply the store's new
        // state from a re-read, without the name.
        if let Some(handle) = self.running(&Place::Session(session.slug.clone())) {
            handle.send(Command::ExpectChange).await;
        }
        let transition = actor::write_live(&self.inner.ctx.store, &session.id, start).await?;
        if let LiveTransition::Changed(now) = &transition {
            actor::announce(&self.inner.ctx, &now.slug, start, by.clone());
            if let Some(handle) = self.running(&Place::Session(now.slug.clone())) {
                let live = session::live_info(now, by);
                handle.send(Command::LiveChanged { live }).await;
            }
        }
        Ok(transition)
    }

    /// A session's content items changed in the store (C calls it after any change): a
    /// running live re-reads them and tells its staff.
    pub async fn session_contents_changed(&self, session_slug: &str) {
        if let Some(handle) = self.running(&Place::Session(session_slug.to_owned())) {
            handle.send(Command::ContentsChanged).await;
        }
    }

    /// The session was deleted from the store: everyone on its live gets `meeting_ended`
    /// (`session_deleted`).
    pub async fn session_deleted(&self, session_slug: &str) {
        if let Some(handle) = self.running(&Place::Session(session_slug.to_owned())) {
            handle.send(Command::RoomDeleted).await;
        }
    }
}

/// The signaling routes, over the registry of `state.rooms`.
pub fn router(state: &AppState) -> Router {
    Router::new()
        .route("/r/{slug}/ws", get(upgrade))
        .route("/s/{slug}/ws", get(session::upgrade))
        .with_state(state.clone())
}

/// The signaling routes over a given registry (tests shorten its limits). Calls to
/// `state.rooms` reach this registry only if the caller also put it there.
pub fn router_with(state: &AppState, rooms: Rooms) -> Router {
    let mut state = state.clone();
    state.rooms = rooms;
    router(&state)
}

/// `GET /r/{slug}/ws`: 404 for an unknown room, 403 from another site, else the WebSocket.
async fn upgrade(
    State(state): State<AppState>,
    Path(slug): Path<String>,
    MaybeLogin(login): MaybeLogin,
    client: crate::pages::Ctx,
    headers: HeaderMap,
    ws: WebSocketUpgrade,
) -> Result<Response, Error> {
    let rooms = state.rooms.clone();
    // Browsers let any site open a WebSocket to us, with our cookies: check where it comes from.
    if !origin_allowed(&state, &headers) {
        return Err(Error::Forbidden);
    }
    let room = state
        .store
        .room_by_slug(&slug)
        .await?
        .ok_or(Error::RoomNotFound)?;
    // The owner, else a share (manager, moderator), else a participant (guests too).
    let role = match &login {
        Some(login) => crate::room_admin::role_of(&state.store, &room, &login.user.id).await?,
        None => Role::Participant,
    };
    // Registration (issue 6): a participant needs an approved one (registration/gate.rs).
    let gate = crate::registration::gate::may_join_room(&state, &room, role, &headers).await?;
    if !gate.lets_in() {
        return Ok(ws.on_upgrade(|socket| {
            connection::refuse(
                socket,
                ErrorCode::RegistrationRequired,
                "this room requires registration: register, or give your e-mail and registration ID on its page",
            )
        }));
    }
    let spec = RoomSpec {
        id: room.id,
        slug: room.slug,
        name: room.name,
        max_participants: room
            .max_participants
            .unwrap_or(state.config.rooms.max_participants) as usize,
        is_open: room.is_open,
        waiting_room: room.waiting_room,
        session: None,
    };
    let entrant = Entrant {
        role,
        user_id: login.map(|l| l.user.id),
        registration: gate.registration(),
    };
    accept(state, rooms, spec, entrant, client, ws)
}

/// Who opens a socket: their role there, the signed-in user (who a removal remembers), the
/// registration the gate let them in with.
struct Entrant {
    role: Role,
    user_id: Option<amphi_store::UserId>,
    registration: Option<amphi_store::RegistrationId>,
}

/// The upgrade itself, once the place and the role are known: frame limits, the per-address
/// count, then the socket's task.
fn accept(
    state: AppState,
    rooms: Rooms,
    spec: RoomSpec,
    entrant: Entrant,
    client: crate::pages::Ctx,
    ws: WebSocketUpgrade,
) -> Result<Response, Error> {
    let max = rooms.limits().hard_max_frame;
    let ws = ws.max_message_size(max).max_frame_size(max);
    // Each socket may hold two UDP ports: one address may not open them without limit. (No
    // address is known only when served without connection info, as some tests do.)
    let slot = match client.ip {
        Some(ip) => match rooms
            .inner
            .per_ip
            .take(ip, rooms.limits().max_sockets_per_ip)
        {
            Some(slot) => Some(slot),
            None => {
                tracing::info!(%ip, "too many signaling sockets from one address");
                return Ok(ws.on_upgrade(|socket| {
                    connection::refuse(
                        socket,
                        ErrorCode::TooManyConnections,
                        "too many connections from your address: close some first",
                    )
                }));
            }
        },
        None => None,
    };
    let opened = connection::Opened {
        room: spec,
        role: entrant.role,
        user_id: entrant.user_id,
        registration: entrant.registration,
        shutdown: state.shutdown.clone(),
        rooms: rooms.clone(),
        _slot: slot,
    };
    Ok(ws.on_upgrade(move |socket| connection::run(socket, opened)))
}
