//! Signaling: the WebSocket at `/r/{slug}/ws` (docs/protocol.md) and the room actors.
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
mod turn;

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use amphi_proto::{ErrorCode, Role};
use amphi_store::{RoomId, Store};
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
}

/// The live rooms of this server. Cheap to clone.
#[derive(Clone)]
pub struct Rooms {
    inner: Arc<RoomsInner>,
}

struct RoomsInner {
    ctx: ActorContext,
    /// Held only to look up or insert a handle: never across an await.
    actors: Mutex<HashMap<String, RoomHandle>>,
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
            inner: Arc::new(RoomsInner {
                ctx: ActorContext {
                    webhooks,
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

    /// The running actor of this room, started if needed.
    fn actor(&self, spec: &RoomSpec) -> RoomHandle {
        let mut actors = self
            .inner
            .actors
            .lock()
            // Only inserts and lookups happen under this lock: a poisoned map is still valid.
            .unwrap_or_else(|p| p.into_inner());
        actors.retain(|_, handle| !handle.is_closed());
        if let Some(handle) = actors.get(&spec.slug) {
            return handle.clone();
        }
        let handle = actor::spawn(spec, self.inner.ctx.clone());
        actors.insert(spec.slug.clone(), handle.clone());
        handle
    }

    /// The running actor of this room, if it has one (someone is in, waiting, or lingering).
    fn live(&self, slug: &str) -> Option<RoomHandle> {
        let actors = self.inner.actors.lock().unwrap_or_else(|p| p.into_inner());
        actors.get(slug).filter(|h| !h.is_closed()).cloned()
    }

    /// Who is in a live room right now; `None` if nobody is (no actor).
    pub async fn snapshot(&self, slug: &str) -> Option<Snapshot> {
        let handle = self.live(slug)?;
        let (reply, answer) = tokio::sync::oneshot::channel();
        if !handle.send(Command::Snapshot { reply }).await {
            return None;
        }
        answer.await.ok()
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
}

/// The signaling routes, over the registry of `state.rooms`.
pub fn router(state: &AppState) -> Router {
    Router::new()
        .route("/r/{slug}/ws", get(upgrade))
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
    let spec = RoomSpec {
        id: room.id,
        slug: room.slug,
        name: room.name,
        max_participants: room
            .max_participants
            .unwrap_or(state.config.rooms.max_participants) as usize,
        is_open: room.is_open,
        waiting_room: room.waiting_room,
    };
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
        role,
        user_id: login.map(|l| l.user.id),
        shutdown: state.shutdown.clone(),
        rooms: rooms.clone(),
        _slot: slot,
    };
    Ok(ws.on_upgrade(move |socket| connection::run(socket, opened)))
}
