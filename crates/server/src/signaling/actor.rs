//! One task per live room: it owns the room's state (`amphi_room::Room`), the media side of
//! the room (`amphi_sfu::MediaRoom`) and its participants' sockets and media handles. Sockets
//! send it [`Command`]s; the SFU sends it events; it answers through each socket's queue.
//! Nothing else touches a room: there is no lock around it.

use std::collections::HashMap;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use amphi_proto::{
    ErrorCode, IceCandidate, KnockId, Leg, LiveInfo, ParticipantId, PublicationId, PublishTrack,
    Role, RoomInfo, ServerMessage, Source,
};
use amphi_room::{Room, RoomConfig, RoomSettings};
use amphi_sfu::{MediaParticipant, MediaRoom, SfuEvent};
use tokio::sync::{mpsc, oneshot};
use tokio::time::{Instant, sleep_until};

use super::conn::Conn;
use super::{RoomSpec, SessionSpec, ids, media, turn};
use crate::config::TurnConfig;
use crate::signaling::limits::Limits;
use crate::signaling::metrics::{Reported, SignalingMetrics};

mod admission;
mod annotations;
mod calls;
mod effects;
mod live;
mod moderation;
mod notes;
mod polls;
mod recording;
mod requests;
mod stage_view;
mod store_sync;
mod stream;

pub(in crate::signaling) use live::{announce, write_live};
pub use stage_view::{StageFeed, view_of};
pub use stream::WeakRooms;

/// Which socket of which participant a command comes from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Origin {
    pub participant: ParticipantId,
    pub conn: u64,
}

/// Why a join was refused; fatal codes close the socket.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Refusal {
    pub code: ErrorCode,
    pub message: String,
}

/// The actor's answer to a `join`, sent when the join is decided (at once, or after it was
/// held at a closed room or a waiting room).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum JoinAnswer {
    /// In: `welcome` is queued on the socket.
    Joined(ParticipantId),
    /// Refused; fatal codes close the socket.
    Refused(Refusal),
    /// The actor ended the socket itself (`meeting_ended`, then a normal close).
    Ended,
}

/// Who is in a room, for tests and the back office.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Snapshot {
    /// Participants (a session's staff) connected.
    pub connected: usize,
    pub reconnecting: usize,
    pub publications: usize,
    /// A session's attendees connected (0 in a room).
    pub attendees: usize,
}

/// Everything a room actor can be asked. A closed set: each has one handler below.
#[derive(Debug)]
pub enum Command {
    /// A socket sent `join`. On success the actor has queued `welcome` on `conn` before replying.
    Join {
        name: String,
        role: Role,
        /// The signed-in user and the browser's key: who a removal remembers.
        user_id: Option<amphi_store::UserId>,
        client_key: Option<String>,
        resume_token: Option<String>,
        /// The room's current cap (it may change in the back office between joins).
        max_participants: usize,
        conn: Conn,
        /// Answered when the join is decided: at once, or when a held join ends.
        reply: oneshot::Sender<JoinAnswer>,
    },
    /// A socket whose join is pending or held went away or sent `leave`: a held join is
    /// dropped (answered [`JoinAnswer::Ended`]).
    JoinAbandoned {
        conn: u64,
    },
    /// The socket of a join the room let in ended before its client could read the `welcome`
    /// (so it holds no resume token): the participant leaves at once rather than waiting out
    /// the reconnect grace as a ghost.
    JoinLost {
        from: Origin,
    },
    /// What a held join may send besides `leave`: `set_room_open`.
    HeldRequest {
        conn: u64,
        message: amphi_proto::ClientMessage,
    },
    /// Running the room (issue 4): open/close, waiting room, knocks, moderation, hands, chat.
    Request {
        from: Origin,
        message: amphi_proto::ClientMessage,
    },
    PublishOffer {
        from: Origin,
        sdp: String,
        tracks: Vec<PublishTrack>,
    },
    SubscribeAnswer {
        from: Origin,
        sdp: String,
    },
    IceCandidate {
        from: Origin,
        leg: Leg,
        candidate: IceCandidate,
    },
    SetMuted {
        from: Origin,
        source: Source,
        muted: bool,
    },
    SetVideoSize {
        from: Origin,
        publication_id: PublicationId,
        width: u32,
        height: u32,
    },
    /// `leave`: gone for good; the actor closes the socket.
    Leave {
        from: Origin,
    },
    /// The socket ended without `leave`.
    Disconnected {
        from: Origin,
    },
    Snapshot {
        reply: oneshot::Sender<Snapshot>,
    },
    /// The room was opened or closed outside the room (back office, API), already in the store.
    SetOpen {
        open: bool,
        by: Option<String>,
    },
    /// The waiting room was switched outside the room, already in the store.
    SetWaitingRoom {
        enabled: bool,
    },
    /// The room (or the session) is gone from the store.
    RoomDeleted,
    /// The back office or the API is about to change this room's (session's) row and then
    /// send the matching command: re-reads wait for it.
    ExpectChange,
    /// These registrations were rejected or cancelled (issue 6): whoever came in with one
    /// goes, told why.
    RegistrationsRevoked {
        ids: Vec<amphi_store::RegistrationId>,
    },
    /// A session's live changed outside the session (back office, API), already in the store.
    LiveChanged {
        live: LiveInfo,
    },
    /// A session's content items changed in the store: read them again.
    ContentsChanged,
    /// A recording of this room started (`Some`, `by_user` its starter's user id) or stopped
    /// (`None`, with why): everyone is told (actor/recording.rs).
    RecordingChanged {
        recording: Option<amphi_proto::RecordingInfo>,
        reason: Option<amphi_proto::RecordingStopReason>,
        by_user: Option<String>,
    },
    /// The room's stream changed state (`None`: no stream configured any more).
    StreamChanged {
        stream: Option<amphi_proto::StreamInfo>,
    },
}

/// The sending side of a room actor's mailbox.
#[derive(Debug, Clone)]
pub struct RoomHandle {
    tx: mpsc::Sender<Command>,
    /// The stage and media, for a compositor (`stage_view.rs`).
    stage: StageFeed,
    /// The meeting's annotations, for a compositor (`actor/annotations.rs`).
    annotations: crate::annotations::Feed,
}

impl RoomHandle {
    /// `false` if the actor has stopped (its room emptied): look the room up again.
    pub async fn send(&self, command: Command) -> bool {
        self.tx.send(command).await.is_ok()
    }

    pub fn is_closed(&self) -> bool {
        self.tx.is_closed()
    }
}

/// What a room actor needs from the server.
#[derive(Clone)]
pub struct ActorContext {
    pub store: amphi_store::Store,
    pub sfu: amphi_sfu::Sfu,
    pub limits: Limits,
    pub turn: TurnConfig,
    pub metrics: SignalingMetrics,
    /// Webhook events (participant joined/left, live started/ended, open/close from inside):
    /// `webhooks.emit(...)` never blocks.
    pub webhooks: crate::webhooks::Webhooks,
    /// Recording (issue 7): attached at start-up (`Rooms::attach_recordings`).
    pub recordings: recording::RecordingsSlot,
    /// Streaming out (issue 8): the actor reports presence and moderators' requests.
    pub streams: crate::streaming::Streams,
    /// Shared notes (C5): the live Yjs documents, saved to the store.
    pub notes: crate::notes::Notes,
    /// Live polls (C7).
    pub polls: crate::polls::Polls,
}

/// An emptied room's actor lingers this long before stopping (a reload is not a restart),
/// unless its meeting has a memory (chat, removed people): then `Limits::history_linger`.
const LINGER: Duration = Duration::from_secs(5);

/// Starts the actor of one room, in the state its stored row had when read (`spec`).
pub fn spawn(spec: &RoomSpec, ctx: ActorContext) -> RoomHandle {
    let (tx, rx) = mpsc::channel(256);
    let (events_tx, events) = mpsc::channel(1024);
    let media_room = ctx.sfu.open_room(events_tx);
    let (stage_slot, stage_view) = stage_view::StageSlot::new();
    let board = crate::annotations::Board::new();
    let annotations = board.feed();
    let stage = StageFeed {
        media: media_room.clone(),
        view: stage_view,
    };
    let info = RoomInfo {
        slug: spec.slug.clone(),
        name: spec.name.clone(),
    };
    let config = RoomConfig {
        max_participants: 0, // every Join carries the current cap
        reconnect_grace: ctx.limits.reconnect_grace,
    };
    let mut room = match &spec.session {
        Some(session) => Room::webinar(
            info,
            config,
            session.max_attendees,
            session.live.clone(),
            session.contents.clone(),
        ),
        None => Room::with_settings(
            info,
            config,
            RoomSettings {
                open: spec.is_open,
                waiting_room: spec.waiting_room,
            },
        ),
    };
    let row = match &spec.session {
        Some(session) => store_sync::Row::Session(session.id.clone()),
        None => store_sync::Row::Room(spec.id.clone()),
    };
    room.set_knock_timeout(ctx.limits.knock_timeout);
    let actor = Actor {
        room,
        media_room,
        events,
        commands: rx,
        conns: HashMap::new(),
        held: HashMap::new(),
        legs: HashMap::new(),
        reported: Reported::default(),
        sync: store_sync::StoreSync::new(ctx.store.clone(), spec.id.clone(), row),
        session: spec.session.clone(),
        present: HashMap::new(),
        stopping: false,
        annotations: board,
        stream: stream::StreamSlot::new(spec, &ctx.streams),
        stage: stage_slot,
        ctx,
    };
    tokio::spawn(actor.run());
    RoomHandle {
        tx,
        stage,
        annotations,
    }
}

/// A participant's media, and what has been negotiated on it.
struct Legs {
    media: MediaParticipant,
    /// A `publish_offer` was answered: publisher-leg candidates are welcome.
    published: bool,
    /// A `subscribe_offer` was sent: subscriber-leg candidates are welcome.
    offered: bool,
}

struct Actor {
    room: Room,
    media_room: MediaRoom,
    events: mpsc::Receiver<SfuEvent>,
    commands: mpsc::Receiver<Command>,
    /// Connected participants' sockets; reconnecting ones have none.
    conns: HashMap<ParticipantId, Conn>,
    /// Held joins' sockets (closed room, knocking), by knock id.
    held: HashMap<KnockId, admission::Held>,
    legs: HashMap<ParticipantId, Legs>,
    reported: Reported,
    sync: store_sync::StoreSync,
    /// A session's live: its id and room (the contents and live in it are as at the start).
    session: Option<SessionSpec>,
    /// Who is in (participants and attendees) with name and role, for the `participant.left`
    /// webhook: a departure is found by comparing with the room.
    present: HashMap<ParticipantId, (String, Role)>,
    /// The room is gone: stop now.
    stopping: bool,
    /// The meeting's annotations on the stage's pages (C6).
    annotations: crate::annotations::Board,
    stream: stream::StreamSlot,
    stage: stage_view::StageSlot,
    ctx: ActorContext,
}

impl Actor {
    async fn run(mut self) {
        let slug = self.room.info().slug.clone();
        tracing::debug!(room = %slug, "room actor started");
        self.ctx.metrics.live_rooms.inc();
        let mut empty_since = Some(Instant::now());
        // The stored row is re-read for as long as the actor runs (lingering included, so a
        // room closed meanwhile does not let the next arrival in on a stale state). Not at
        // once: the actor starts from the row just read (`spec`), and an immediate read could
        // overtake a back-office change and end the meeting without the closer's name.
        let period = self.ctx.limits.store_reread;
        let mut reread = tokio::time::interval_at(Instant::now() + period, period);
        reread.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        while !self.stopping {
            let deadline = self.room.next_deadline().map(Instant::from_std);
            let linger = if self.room.remembers_meeting() {
                self.ctx.limits.history_linger
            } else {
                LINGER
            };
            let linger_end = empty_since.map(|t| t + linger);
            tokio::select! {
                command = self.commands.recv() => match command {
                    Some(command) => self.handle(command).await,
                    None => break,
                },
                Some(event) = self.events.recv() => self.on_media_event(event).await,
                () = sleep_until(deadline.unwrap_or_else(Instant::now)), if deadline.is_some() => {
                    let effects = self.room.tick(std::time::Instant::now());
                    self.apply(effects).await;
                }
                _ = reread.tick() => self.sync.start_read(),
                Some(read) = self.sync.rx.recv() => {
                    if let Some(row) = self.sync.finished(read) {
                        self.on_row(row).await;
                    }
                }
                () = sleep_until(linger_end.unwrap_or_else(Instant::now)), if linger_end.is_some() => break,
            }
            // What a decision changed on the stage, for attendees, in the counts (sessions).
            let effects = self.room.settle(std::time::Instant::now());
            if !effects.is_empty() {
                self.apply(effects).await;
            }
            self.notice_departures();
            self.report_counts();
            self.report_stream();
            self.stage.refresh(&self.room);
            empty_since = match (self.room.is_empty(), empty_since) {
                (true, None) => Some(Instant::now()),
                (true, since) => since,
                (false, _) => None,
            };
        }
        // Commands still queued are dropped with their reply channels: senders look again.
        self.commands.close();
        self.ctx.notes.release(&self.collab_place()).await;
        self.stream_closed();
        self.media_room.close().await;
        self.present.clear();
        self.reported
            .update(&self.ctx.metrics, &Snapshot::default(), false);
        self.ctx.metrics.live_rooms.dec();
        tracing::debug!(room = %slug, "room actor stopped");
    }

    async fn handle(&mut self, command: Command) {
        match command {
            Command::Join {
                name,
                role,
                user_id,
                client_key,
                resume_token,
                max_participants,
                conn,
                reply,
            } => {
                self.on_join(admission::JoinCommand {
                    name,
                    role,
                    user_id,
                    client_key,
                    resume_token,
                    max_participants,
                    conn,
                    reply,
                })
                .await
            }
            Command::JoinAbandoned { conn } => self.join_abandoned(conn).await,
            Command::JoinLost { from } => self.join_lost(&from).await,
            Command::HeldRequest { conn, message } => self.held_request(conn, message).await,
            Command::Request { from, message } => self.on_request(from, message).await,
            Command::PublishOffer { from, sdp, tracks } => {
                if self.is_current(&from) {
                    self.publish(&from.participant, sdp, tracks).await;
                }
            }
            Command::SubscribeAnswer { from, sdp } => {
                if let Some(legs) = self.current_legs(&from) {
                    let media = legs.media.clone();
                    let result = calls::call(self.ctx.limits.media_timeout, async move {
                        media.subscriber_answer(&sdp).await
                    })
                    .await;
                    self.report(&from.participant, "subscribe_answer", result);
                }
            }
            Command::IceCandidate {
                from,
                leg,
                candidate,
            } => self.ice_candidate(&from, leg, candidate).await,
            Command::SetMuted {
                from,
                source,
                muted,
            } => {
                if self.is_current(&from) {
                    match self.room.set_muted(&from.participant, source, muted) {
                        Ok(effects) => self.apply(effects).await,
                        Err(e) => {
                            self.error_to(&from.participant, e.code(), e.to_string(), "set_muted")
                        }
                    }
                }
            }
            Command::SetVideoSize {
                from,
                publication_id,
                width,
                height,
            } => {
                self.set_video_size(&from, publication_id, width, height)
                    .await
            }
            Command::Leave { from } => {
                if let Some(conn) = self.take_conn(&from) {
                    conn.close_normally();
                    let effects = self.room.leave(&from.participant);
                    self.apply(effects).await;
                }
            }
            Command::Disconnected { from } => {
                if self.take_conn(&from).is_some() {
                    let effects = self
                        .room
                        .disconnected(std::time::Instant::now(), &from.participant);
                    self.apply(effects).await;
                }
            }
            Command::Snapshot { reply } => {
                let _ = reply.send(self.counts());
            }
            Command::SetOpen { open, by } => self.organiser_open(open, by).await,
            Command::SetWaitingRoom { enabled } => self.organiser_waiting_room(enabled).await,
            Command::RoomDeleted => self.deleted().await,
            Command::ExpectChange => self.sync.expect_change(),
            Command::RegistrationsRevoked { ids } => self.registrations_revoked(&ids).await,
            Command::LiveChanged { live } => {
                // The announced change came (`ExpectChange`): re-reads apply again.
                self.sync.changed();
                self.organiser_live(live).await
            }
            Command::ContentsChanged => self.contents_changed().await,
            Command::RecordingChanged {
                recording,
                reason,
                by_user,
            } => self.recording_changed(recording, reason, by_user),
            Command::StreamChanged { stream } => self.stream_changed(stream),
        }
    }

    /// Who is in the room: for snapshots and metrics alike.
    fn counts(&self) -> Snapshot {
        let all = self.room.participants().len();
        let connected = self
            .room
            .participants()
            .iter()
            .filter(|p| p.is_connected())
            .count();
        Snapshot {
            connected,
            reconnecting: all - connected,
            publications: self.room.publications().len(),
            attendees: self.room.audience().map_or(0, |a| a.attendees as usize),
        }
    }

    fn report_counts(&mut self) {
        let now = self.counts();
        self.reported
            .update(&self.ctx.metrics, &now, self.room.is_live());
    }

    fn is_current(&self, from: &Origin) -> bool {
        self.conns
            .get(&from.participant)
            .is_some_and(|c| c.id == from.conn)
    }

    fn current_legs(&self, from: &Origin) -> Option<&Legs> {
        if self.is_current(from) {
            self.legs.get(&from.participant)
        } else {
            None
        }
    }

    /// Removes the participant's socket if the command comes from it (not a replaced one).
    fn take_conn(&mut self, from: &Origin) -> Option<Conn> {
        if self.is_current(from) {
            self.conns.remove(&from.participant)
        } else {
            None
        }
    }

    fn send_to(&mut self, id: &ParticipantId, message: ServerMessage) {
        let Some(conn) = self.conns.get(id) else {
            return;
        };
        if !conn.send(message) {
            // Rare (a full queue); the drop is handled when its socket task reports it.
            conn.kill();
        }
    }

    fn error_to(
        &mut self,
        id: &ParticipantId,
        code: ErrorCode,
        message: impl Into<String>,
        request: &str,
    ) {
        self.send_to(id, ServerMessage::error(code, message, Some(request)));
    }
}

fn unix_now() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_secs())
}

/// Now in Unix milliseconds (knocks' `since`, chat messages' `sent_at`).
fn unix_ms() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| u64::try_from(d.as_millis()).unwrap_or(u64::MAX))
}
