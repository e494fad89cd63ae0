//! One task per live room: it owns the room's state (`amphi_room::Room`), the media side of
//! the room (`amphi_sfu::MediaRoom`) and its participants' sockets and media handles. Sockets
//! send it [`Command`]s; the SFU sends it events; it answers through each socket's queue.
//! Nothing else touches a room: there is no lock around it.

use std::collections::{HashMap, VecDeque};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use amphi_proto::{
    ErrorCode, IceCandidate, Leg, ParticipantId, PublicationId, PublishTrack, Role, RoomInfo,
    ServerMessage, Source,
};
use amphi_room::{Effect, Fresh, JoinRequest, Room, RoomConfig};
use amphi_sfu::{MediaParticipant, MediaRoom, SfuEvent};
use tokio::sync::{mpsc, oneshot};
use tokio::time::{Instant, sleep_until};

use super::conn::Conn;
use super::{ids, media, turn};
use crate::config::TurnConfig;
use crate::signaling::limits::Limits;
use crate::signaling::metrics::{Reported, SignalingMetrics};

mod calls;
mod requests;

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

/// Who is in a room, for tests and the back office.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Snapshot {
    pub connected: usize,
    pub reconnecting: usize,
    pub publications: usize,
}

/// Everything a room actor can be asked. A closed set: each has one handler below.
#[derive(Debug)]
pub enum Command {
    /// A socket sent `join`. On success the actor has queued `welcome` on `conn` before replying.
    Join {
        name: String,
        role: Role,
        resume_token: Option<String>,
        /// The room's current cap (it may change in the back office between joins).
        max_participants: usize,
        conn: Conn,
        reply: oneshot::Sender<Result<ParticipantId, Refusal>>,
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
    /// The room is gone from the store.
    RoomDeleted,
}

/// The sending side of a room actor's mailbox.
#[derive(Debug, Clone)]
pub struct RoomHandle {
    tx: mpsc::Sender<Command>,
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
}

/// An emptied room's actor lingers this long before stopping (a reload is not a restart).
const LINGER: Duration = Duration::from_secs(5);

/// Starts the actor of one room.
pub fn spawn(info: RoomInfo, ctx: ActorContext) -> RoomHandle {
    let (tx, rx) = mpsc::channel(256);
    let (events_tx, events) = mpsc::channel(1024);
    let media_room = ctx.sfu.open_room(events_tx);
    let room = Room::new(
        info,
        RoomConfig {
            max_participants: 0, // every Join carries the current cap
            reconnect_grace: ctx.limits.reconnect_grace,
        },
    );
    let actor = Actor {
        room,
        media_room,
        events,
        commands: rx,
        conns: HashMap::new(),
        legs: HashMap::new(),
        reported: Reported::default(),
        ctx,
    };
    tokio::spawn(actor.run());
    RoomHandle { tx }
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
    legs: HashMap<ParticipantId, Legs>,
    reported: Reported,
    ctx: ActorContext,
}

impl Actor {
    async fn run(mut self) {
        let slug = self.room.info().slug.clone();
        tracing::debug!(room = %slug, "room actor started");
        self.ctx.metrics.live_rooms.inc();
        let mut empty_since = Some(Instant::now());
        loop {
            let deadline = self.room.next_deadline().map(Instant::from_std);
            let linger_end = empty_since.map(|t| t + LINGER);
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
                () = sleep_until(linger_end.unwrap_or_else(Instant::now)), if linger_end.is_some() => break,
            }
            self.report_counts();
            empty_since = match (self.room.is_empty(), empty_since) {
                (true, None) => Some(Instant::now()),
                (true, since) => since,
                (false, _) => None,
            };
        }
        // Commands still queued are dropped with their reply channels: senders look again.
        self.commands.close();
        self.media_room.close().await;
        self.reported.update(&self.ctx.metrics, 0, 0, 0);
        self.ctx.metrics.live_rooms.dec();
        tracing::debug!(room = %slug, "room actor stopped");
    }

    async fn handle(&mut self, command: Command) {
        match command {
            Command::Join {
                name,
                role,
                resume_token,
                max_participants,
                conn,
                reply,
            } => {
                let result = self
                    .join(name, role, resume_token, max_participants, conn)
                    .await;
                match &result {
                    Ok(_) => self.ctx.metrics.joins.inc(),
                    Err(_) => self.ctx.metrics.refused_joins.inc(),
                }
                let _ = reply.send(result);
            }
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
            // Admission lands with the room crate's API (issue 4); until then, only noted.
            Command::SetOpen { open, by } => {
                tracing::debug!(room = %self.room.info().slug, open, ?by, "room opened or closed")
            }
            Command::SetWaitingRoom { enabled } => {
                tracing::debug!(room = %self.room.info().slug, enabled, "waiting room switched")
            }
            Command::RoomDeleted => {
                tracing::debug!(room = %self.room.info().slug, "room deleted")
            }
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
        }
    }

    fn report_counts(&mut self) {
        let now = self.counts();
        self.reported.update(
            &self.ctx.metrics,
            now.connected,
            now.reconnecting,
            now.publications,
        );
    }

    async fn join(
        &mut self,
        name: String,
        role: Role,
        resume_token: Option<String>,
        max_participants: usize,
        conn: Conn,
    ) -> Result<ParticipantId, Refusal> {
        self.room.set_max_participants(max_participants);
        // Admission (closed room, waiting room) slots in here, before the room decides.
        let fresh = Fresh {
            participant_id: ids::participant_id(),
            resume_token: ids::resume_token(),
        };
        let request = JoinRequest {
            name,
            role,
            resume_token,
        };
        let joined = self
            .room
            .join(std::time::Instant::now(), request, fresh)
            .map_err(|e| Refusal {
                code: e.code(),
                message: e.to_string(),
            })?;
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
        let added = calls::add_participant(
            &self.media_room,
            media::participant_id(&id),
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
                self.apply(effects).await;
                return Err(Refusal {
                    code: ErrorCode::InternalError,
                    message: format!("cannot set up media: {detail}"),
                });
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
        let Some(welcome) = self.room.welcome(&joined, ice_servers) else {
            // `join` just put the participant in the room.
            return Err(Refusal {
                code: ErrorCode::InternalError,
                message: "joined participant missing".into(),
            });
        };
        if !conn.send(welcome) {
            // The socket died while joining: the client has no resume token for this join, so
            // the participant leaves at once (its media closed) instead of waiting out the
            // grace period as a ghost; nothing of `joined.effects` is carried out. Those who
            // never heard of a fresh join are not told it ended.
            let mut effects = self.room.leave(&id);
            if !joined.resumed {
                effects.retain(|e| !matches!(e, Effect::Send { .. }));
            }
            self.apply(effects).await;
            return Err(Refusal {
                code: ErrorCode::InternalError,
                message: "connection lost while joining".into(),
            });
        }
        tracing::info!(room = %self.room.info().slug, participant = %id, resumed = joined.resumed, "joined");
        self.conns.insert(id.clone(), conn);
        self.apply(joined.effects).await;
        Ok(id)
    }

    async fn on_media_event(&mut self, event: SfuEvent) {
        match event {
            SfuEvent::SubscriberOffer {
                participant,
                sdp,
                tracks,
            } => {
                let id = ParticipantId(participant.0);
                if let Some(legs) = self.legs.get_mut(&id) {
                    legs.offered = true;
                }
                let tracks = tracks.into_iter().map(media::offered_track).collect();
                self.send_to(&id, ServerMessage::SubscribeOffer { sdp, tracks });
            }
            SfuEvent::PublicationStarted { publication } => {
                let owner = ParticipantId(publication.participant.0.clone());
                let id = PublicationId(publication.id.0.clone());
                let source = media::source_from_sfu(publication.source);
                match self.room.publication_started(id, &owner, source) {
                    Ok(effects) => self.apply(effects).await,
                    Err(e) => {
                        tracing::debug!(publication = %publication.id, error = %e, "publication not announced")
                    }
                }
            }
            SfuEvent::PublicationEnded { publication, .. } => {
                let effects = self.room.publication_ended(&PublicationId(publication.0));
                self.apply(effects).await;
            }
            SfuEvent::ActiveSpeaker { participant } => {
                let effects = self
                    .room
                    .set_active_speaker(participant.map(|p| ParticipantId(p.0)));
                self.apply(effects).await;
            }
            SfuEvent::ConnectionState {
                participant,
                leg,
                state,
            } => tracing::debug!(%participant, ?leg, ?state, "peer connection state"),
            SfuEvent::AudioLevels { .. } => {}
        }
    }

    /// Carries out a decision's effects, in order. A socket that cannot take a message is
    /// dropped, and that drop's own effects join the queue.
    async fn apply(&mut self, effects: Vec<Effect>) {
        let mut queue = VecDeque::from(effects);
        while let Some(effect) = queue.pop_front() {
            match effect {
                Effect::Send { to, message } => {
                    let Some(conn) = self.conns.get(&to) else {
                        continue;
                    };
                    if !conn.send(message) {
                        tracing::warn!(participant = %to, "socket too slow or gone: dropped");
                        conn.kill();
                        self.conns.remove(&to);
                        queue.extend(self.room.disconnected(std::time::Instant::now(), &to));
                    }
                }
                Effect::CloseMedia { participant } => self.close_media(&participant).await,
                Effect::EndPublication {
                    participant,
                    publication,
                } => {
                    let Some(legs) = self.legs.get(&participant) else {
                        continue;
                    };
                    let media = legs.media.clone();
                    let publication = media::publication_id(&publication);
                    let id = publication.clone();
                    match calls::call(self.ctx.limits.media_timeout, async move {
                        media.unpublish(&id).await
                    })
                    .await
                    {
                        Ok(Ok(())) => {}
                        Ok(Err(e)) => {
                            tracing::warn!(%participant, %publication, error = %e, "unpublish failed")
                        }
                        Err(_) => tracing::warn!(%participant, %publication, "unpublish timed out"),
                    }
                }
                Effect::Subscribe {
                    subscriber,
                    publication,
                } => {
                    let Some(legs) = self.legs.get(&subscriber) else {
                        continue;
                    };
                    let media = legs.media.clone();
                    let publication = media::publication_id(&publication);
                    let id = publication.clone();
                    match calls::call(self.ctx.limits.media_timeout, async move {
                        media.subscribe(&id).await
                    })
                    .await
                    {
                        Ok(Ok(())) => {}
                        Ok(Err(e)) => {
                            tracing::warn!(%subscriber, %publication, error = %e, "subscribe failed")
                        }
                        Err(_) => tracing::warn!(%subscriber, %publication, "subscribe timed out"),
                    }
                }
            }
        }
    }

    async fn close_media(&mut self, id: &ParticipantId) {
        // Never cancelled halfway: a torn close would keep its ports and its id in the SFU.
        if let Some(legs) = self.legs.remove(id)
            && calls::call(self.ctx.limits.media_timeout, async move {
                legs.media.close().await
            })
            .await
            .is_err()
        {
            tracing::warn!(participant = %id, "closing peer connections timed out");
        }
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
