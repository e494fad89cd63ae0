//! One WebSocket, from upgrade to close: reads frames under the size and rate limits, answers
//! what it can itself (`ping`, errors before `join`), and hands the rest to the room actor.
//! A writer task owns the sending half; everyone (this task, the actor) queues to it.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};

use amphi_proto::{
    ClientMessage, ErrorCode, PROTOCOL_VERSION, ParticipantId, ProtoError, Role, ServerMessage,
};
use axum::extract::ws::{CloseFrame, Message, WebSocket};
use futures::{SinkExt, StreamExt};
use tokio::sync::{Notify, mpsc, oneshot, watch};
use tokio::time::{Instant, MissedTickBehavior, interval_at, sleep_until, timeout};

use super::actor::{Command, JoinAnswer, Origin, RoomHandle};
use super::conn::{CLOSE_FATAL, CLOSE_GOING_AWAY, CLOSE_NORMAL, CLOSE_POLICY, Conn, Outbound};
use super::rate::{RateLimiter, Verdict};
use super::{RoomSpec, Rooms};

static NEXT_CONN: AtomicU64 = AtomicU64::new(1);

/// What the socket was opened for.
pub struct Opened {
    pub rooms: Rooms,
    pub room: RoomSpec,
    pub role: Role,
    /// The signed-in user, if any: who a removal remembers (with the join's client key).
    pub user_id: Option<amphi_store::UserId>,
    /// The approved registration the gate let it in with (issue 6), if it needed one.
    pub registration: Option<amphi_store::RegistrationId>,
    pub shutdown: watch::Receiver<bool>,
    /// This socket's place in its address's count, given back when the socket ends.
    pub _slot: Option<super::per_ip::IpSlot>,
}

/// How the read loop ended.
#[derive(Debug, PartialEq, Eq)]
enum End {
    /// Without `leave`: the participant becomes reconnecting.
    Dropped,
    /// Ended on purpose (leave, fatal error, killed by the actor): let the writer finish.
    Closing,
}

enum Phase {
    Joining,
    Joined { id: ParticipantId, room: RoomHandle },
}

/// A `join` handed to the room actor, its answer not in yet: being decided, or held (the
/// room is closed, or the person knocks; the actor sent `waiting`). The read loop keeps going
/// meanwhile (a slow join must not stop the pongs, or the client gives up and comes back as
/// someone else), and while held accepts only `leave`, `ping` and `set_room_open`.
struct PendingJoin {
    answer: oneshot::Receiver<JoinAnswer>,
    room: RoomHandle,
    join: JoinFields,
    /// Joins sent so far: the room's actor may stop between lookup and join (it emptied).
    attempts: u32,
}

/// What the client's `join` said, kept to send it again.
#[derive(Clone)]
struct JoinFields {
    name: String,
    resume_token: Option<String>,
    client_key: Option<String>,
}

/// How long a frame read while a join is being decided waits for the join's answer.
const ANSWER_GRACE: std::time::Duration = std::time::Duration::from_millis(100);

/// How many times a join is sent to a room whose actor keeps stopping.
const JOIN_ATTEMPTS: u32 = 3;

/// The actor's answer to the pending join (never resolves if there is none).
async fn join_answer(
    pending: &mut Option<PendingJoin>,
) -> Result<JoinAnswer, oneshot::error::RecvError> {
    match pending {
        Some(p) => (&mut p.answer).await,
        None => std::future::pending().await,
    }
}

pub async fn run(socket: WebSocket, opened: Opened) {
    let limits = opened.rooms.limits().clone();
    let (sink, mut stream) = socket.split();
    let (tx, rx) = mpsc::channel(limits.outbound_queue);
    let mut writer = tokio::spawn(write_loop(sink, rx));
    let kill = Arc::new(Notify::new());
    let conn = Conn::new(
        NEXT_CONN.fetch_add(1, Ordering::Relaxed),
        tx.clone(),
        kill.clone(),
    )
    .holding(opened.registration.clone());
    let mut session = Session {
        opened,
        conn,
        tx,
        phase: Phase::Joining,
        pending: None,
        overflow: AtomicBool::new(false),
    };
    let start = Instant::now();
    let join_deadline = start + limits.join_timeout;
    let mut last_heard = start;
    let mut rate = RateLimiter::new(
        std::time::Instant::now(),
        limits.rate_burst,
        limits.rate_per_second,
        limits.rate_abuse_after,
    );
    let mut keepalive = interval_at(start + limits.ping_interval, limits.ping_interval);
    keepalive.set_missed_tick_behavior(MissedTickBehavior::Delay);
    let mut shutdown = session.opened.shutdown.clone();

    let end = loop {
        if session.overflow.load(Ordering::Relaxed) {
            tracing::debug!("client too far behind: drop");
            break End::Dropped;
        }
        // The deadline is for sending `join`; the actor bounds the join itself.
        let joining = matches!(session.phase, Phase::Joining) && session.pending.is_none();
        tokio::select! {
            // An answer first: a message read meanwhile then goes to the right phase.
            biased;
            answer = join_answer(&mut session.pending) => {
                if let Some(end) = session.on_join_answer(answer).await {
                    break end;
                }
            }
            frame = stream.next() => {
                let Some(Ok(frame)) = frame else { break End::Dropped };
                last_heard = Instant::now();
                // The actor queues the `welcome` just before it answers the join, and a client
                // answers the welcome at once: its next frame may overtake the answer (the
                // actor's thread preempted in between). Give the answer a moment, so the frame
                // goes to the joined phase. A held join's answer does not come that soon: its
                // frame is then read as before.
                if session.pending.is_some()
                    && let Ok(answer) = timeout(ANSWER_GRACE, join_answer(&mut session.pending)).await
                    && let Some(end) = session.on_join_answer(answer).await
                {
                    break end;
                }
                if let Some(end) = session.on_frame(frame, &mut rate).await {
                    break end;
                }
            }
            _ = keepalive.tick() => {
                if last_heard.elapsed() >= limits.idle_timeout {
                    tracing::debug!("nothing heard from the client: drop");
                    break End::Dropped;
                }
                let _ = session.tx.try_send(Outbound::Ping);
            }
            () = sleep_until(join_deadline), if joining => {
                session.fatal(ErrorCode::JoinTimeout, "no join within the time limit").await;
                break End::Closing;
            }
            () = kill.notified() => break End::Closing,
            changed = shutdown.changed() => {
                if changed.is_err() || *shutdown.borrow() {
                    let close = Outbound::Close { code: CLOSE_GOING_AWAY, reason: "server shutting down" };
                    let _ = session.tx.try_send(close);
                    break End::Closing;
                }
            }
        }
    };

    if let Some(pending) = session.pending.take() {
        // The socket went away while joining or held: the client never got (or cannot use)
        // its welcome, and has no resume token. A held join is dropped (its knock ends); one
        // being decided is undone at once rather than kept as a ghost for the reconnect grace.
        let _ = pending
            .room
            .send(Command::JoinAbandoned {
                conn: session.conn.id,
            })
            .await;
        let wait = limits.media_timeout + std::time::Duration::from_secs(2);
        if let Ok(Ok(JoinAnswer::Joined(id))) = timeout(wait, pending.answer).await {
            let from = Origin {
                participant: id,
                conn: session.conn.id,
            };
            let _ = pending.room.send(Command::JoinLost { from }).await;
        }
    }
    if let Phase::Joined { id, room } = &session.phase {
        // Stale after leave or replacement: the actor checks the connection id.
        let from = Origin {
            participant: id.clone(),
            conn: session.conn.id,
        };
        let _ = room.send(Command::Disconnected { from }).await;
    }
    drop(session);
    if end == End::Closing {
        // Let the writer flush the last messages and the close frame.
        let _ = timeout(std::time::Duration::from_secs(2), &mut writer).await;
    }
    writer.abort();
}

#[derive(Debug, PartialEq, Eq)]
enum Flow {
    Continue,
    Stop,
}

struct Session {
    opened: Opened,
    conn: Conn,
    tx: mpsc::Sender<Outbound>,
    phase: Phase,
    pending: Option<PendingJoin>,
    /// A reply did not fit in the outbound queue.
    overflow: AtomicBool,
}

impl Session {
    /// One frame from the client: rate limit, size limit, parsing, then the message itself.
    /// `Some` ends the connection.
    async fn on_frame(&mut self, frame: Message, rate: &mut RateLimiter) -> Option<End> {
        let text = match frame {
            Message::Text(text) => Some(text),
            Message::Binary(_) => None,
            Message::Ping(_) | Message::Pong(_) => return None,
            Message::Close(_) => return Some(End::Dropped),
        };
        match rate.check(std::time::Instant::now()) {
            Verdict::Allow => {}
            Verdict::Drop { report } => {
                if report {
                    let message = "too many messages: this one was dropped";
                    self.error(ErrorCode::RateLimited, message, None).await;
                }
                return None;
            }
            Verdict::Close => {
                let message = "too many messages for too long";
                self.error(ErrorCode::RateLimited, message, None).await;
                let _ = self.tx.try_send(Outbound::Close {
                    code: CLOSE_POLICY,
                    reason: "rate_limited",
                });
                return Some(End::Closing);
            }
        }
        let Some(text) = text else {
            let message = "binary frames are not accepted: send JSON text";
            self.error(ErrorCode::InvalidMessage, message, None).await;
            return None;
        };
        match ClientMessage::parse(text.as_str()) {
            Ok(message) => {
                if self.on_message(message).await == Flow::Stop {
                    return Some(End::Closing);
                }
            }
            Err(ProtoError::TooLarge(n)) => {
                let limit = amphi_proto::MAX_MESSAGE_BYTES;
                let message = format!("a message of {n} bytes is over the limit of {limit} bytes");
                self.error(ErrorCode::MessageTooLarge, message, None).await;
            }
            Err(ProtoError::Invalid(e)) => {
                let request = request_type(text.as_str());
                self.error(ErrorCode::InvalidMessage, e.to_string(), request.as_deref())
                    .await;
            }
        }
        None
    }

    async fn on_message(&mut self, message: ClientMessage) -> Flow {
        let request = message.type_name();
        match (&self.phase, message) {
            (_, ClientMessage::Ping) => {
                self.send(ServerMessage::Pong).await;
                Flow::Continue
            }
            (
                Phase::Joining,
                ClientMessage::Join {
                    version,
                    name,
                    resume_token,
                    client_key,
                },
            ) => {
                if version != PROTOCOL_VERSION {
                    let message = format!(
                        "this server speaks protocol version {PROTOCOL_VERSION}, not {version}"
                    );
                    self.fatal(ErrorCode::UnsupportedVersion, message).await;
                    return Flow::Stop;
                }
                if self.pending.is_some() {
                    let message = "a join is already in progress on this connection";
                    self.error(ErrorCode::AlreadyJoined, message, Some(request))
                        .await;
                    return Flow::Continue;
                }
                let join = JoinFields {
                    name,
                    resume_token,
                    // An invalid key is ignored, as if absent (the room's rule).
                    client_key: client_key.filter(|k| amphi_room::valid_client_key(k)),
                };
                self.join(join, 0).await;
                Flow::Continue
            }
            // Held (or being decided): the person may give up, or open the room if allowed.
            (Phase::Joining, ClientMessage::Leave) if self.pending.is_some() => {
                let _ = self.tx.try_send(Outbound::Close {
                    code: CLOSE_NORMAL,
                    reason: "left",
                });
                Flow::Stop
            }
            (Phase::Joining, message @ ClientMessage::SetRoomOpen { .. })
                if self.pending.is_some() =>
            {
                let room = self.pending.as_ref().map(|p| p.room.clone());
                let command = Command::HeldRequest {
                    conn: self.conn.id,
                    message,
                };
                if let Some(room) = room {
                    // A stopped actor answers the pending join with an error: nothing to do.
                    let _ = room.send(command).await;
                }
                Flow::Continue
            }
            (Phase::Joining, _) => {
                self.error(ErrorCode::NotJoined, "send join first", Some(request))
                    .await;
                Flow::Continue
            }
            (Phase::Joined { .. }, ClientMessage::Join { .. }) => {
                self.error(
                    ErrorCode::AlreadyJoined,
                    "this connection has already joined",
                    Some(request),
                )
                .await;
                Flow::Continue
            }
            (Phase::Joined { id, room }, message) => {
                let from = Origin {
                    participant: id.clone(),
                    conn: self.conn.id,
                };
                let leaving = matches!(message, ClientMessage::Leave);
                let command = match message {
                    ClientMessage::PublishOffer { sdp, tracks } => {
                        Command::PublishOffer { from, sdp, tracks }
                    }
                    ClientMessage::SubscribeAnswer { sdp } => {
                        Command::SubscribeAnswer { from, sdp }
                    }
                    ClientMessage::IceCandidate { leg, candidate } => Command::IceCandidate {
                        from,
                        leg,
                        candidate,
                    },
                    ClientMessage::SetMuted { source, muted } => Command::SetMuted {
                        from,
                        source,
                        muted,
                    },
                    ClientMessage::SetVideoSize {
                        publication_id,
                        width,
                        height,
                    } => Command::SetVideoSize {
                        from,
                        publication_id,
                        width,
                        height,
                    },
                    ClientMessage::Leave => Command::Leave { from },
                    // Running the room (issue 4): the actor checks the role and the target.
                    message @ (ClientMessage::SetRoomOpen { .. }
                    | ClientMessage::SetWaitingRoom { .. }
                    | ClientMessage::Admit { .. }
                    | ClientMessage::Deny { .. }
                    | ClientMessage::Mute { .. }
                    | ClientMessage::Remove { .. }
                    | ClientMessage::SetRole { .. }
                    | ClientMessage::RaiseHand { .. }
                    | ClientMessage::LowerHand { .. }
                    | ClientMessage::ChatSend { .. }
                    // Sessions (issue 5): the live, the stage, content control.
                    | ClientMessage::StartLive
                    | ClientMessage::StopLive
                    | ClientMessage::SetStage { .. }
                    | ClientMessage::ContentControl { .. }
                    // Recording (issue 7).
                    | ClientMessage::StartRecording { .. }
                    | ClientMessage::StopRecording) => Command::Request { from, message },
                    // Annotations (issue 9, C6): the actor checks the right and the page.
                    message @ (ClientMessage::AnnotationAdd { .. }
                    | ClientMessage::AnnotationExtend { .. }
                    | ClientMessage::AnnotationRemove { .. }
                    | ClientMessage::AnnotationUndo { .. }
                    | ClientMessage::AnnotationClear { .. }
                    | ClientMessage::SetAnnotationAccess { .. }) => Command::Request { from, message },
                    // Shared notes and polls (issue 9, C5, C7): the actor checks the right.
                    message @ (ClientMessage::NotesUpdate { .. }
                    | ClientMessage::SetNotesLocked { .. }
                    | ClientMessage::PollCreate { .. }
                    | ClientMessage::PollOpen { .. }
                    | ClientMessage::PollClose { .. }
                    | ClientMessage::PollPublish { .. }
                    | ClientMessage::PollVote { .. }) => Command::Request { from, message },
                    // Streaming (issue 8): the actor checks the right.
                    message @ (ClientMessage::StartStream | ClientMessage::StopStream) => {
                        Command::Request { from, message }
                    }
                    // Handled above; listed so a new message type cannot be forgotten here.
                    ClientMessage::Join { .. } | ClientMessage::Ping => return Flow::Continue,
                };
                let room = room.clone();
                if !room.send(command).await {
                    self.fatal(ErrorCode::InternalError, "the room stopped")
                        .await;
                    return Flow::Stop;
                }
                if leaving { Flow::Stop } else { Flow::Continue }
            }
        }
    }

    /// Hands a `join` to the room's actor; its answer comes to [`Session::on_join_answer`].
    async fn join(&mut self, join: JoinFields, mut attempts: u32) {
        while attempts < JOIN_ATTEMPTS {
            attempts += 1;
            let room = self.opened.rooms.actor(&self.opened.room);
            let (reply, answer) = oneshot::channel();
            let command = Command::Join {
                name: join.name.clone(),
                role: self.opened.role,
                user_id: self.opened.user_id.clone(),
                client_key: join.client_key.clone(),
                resume_token: join.resume_token.clone(),
                max_participants: self.opened.room.max_participants,
                conn: self.conn.clone(),
                reply,
            };
            if room.send(command).await {
                self.pending = Some(PendingJoin {
                    answer,
                    room,
                    join,
                    attempts,
                });
                return;
            }
        }
        self.error(
            ErrorCode::InternalError,
            "the room is not available, try again",
            Some("join"),
        )
        .await;
    }

    /// The actor answered the pending join. `Some` ends the connection.
    async fn on_join_answer(
        &mut self,
        answer: Result<JoinAnswer, oneshot::error::RecvError>,
    ) -> Option<End> {
        let pending = self.pending.take()?;
        match answer {
            Ok(JoinAnswer::Joined(id)) => {
                self.phase = Phase::Joined {
                    id,
                    room: pending.room,
                };
                None
            }
            Ok(JoinAnswer::Refused(refusal)) if refusal.code.is_fatal() => {
                self.fatal(refusal.code, refusal.message).await;
                Some(End::Closing)
            }
            Ok(JoinAnswer::Refused(refusal)) => {
                self.error(refusal.code, refusal.message, Some("join"))
                    .await;
                None
            }
            // The actor sent `meeting_ended` and the close itself.
            Ok(JoinAnswer::Ended) => Some(End::Closing),
            // The actor stopped before answering: look the room up again.
            Err(_) => {
                self.join(pending.join, pending.attempts).await;
                None
            }
        }
    }

    /// Queues without waiting: a client too far behind to take a reply is dropped, rather than
    /// stalling this loop (and its keepalive) on a full queue.
    async fn send(&self, message: ServerMessage) {
        if self
            .tx
            .try_send(Outbound::Message(Box::new(message)))
            .is_err()
        {
            self.overflow.store(true, Ordering::Relaxed);
        }
    }

    async fn error(&self, code: ErrorCode, message: impl Into<String>, request: Option<&str>) {
        self.send(ServerMessage::error(code, message, request))
            .await;
    }

    async fn fatal(&self, code: ErrorCode, message: impl Into<String>) {
        self.error(code, message, None).await;
        let _ = self.tx.try_send(Outbound::Close {
            code: CLOSE_FATAL,
            reason: code.as_str(),
        });
    }
}

/// Answers an upgrade the server will not serve: a fatal `error`, then close (4001).
pub async fn refuse(mut socket: WebSocket, code: ErrorCode, message: &'static str) {
    let error = ServerMessage::error(code, message, None).to_json();
    if socket.send(Message::Text(error.into())).await.is_ok() {
        let close = CloseFrame {
            code: CLOSE_FATAL,
            reason: code.as_str().into(),
        };
        let _ = socket.send(Message::Close(Some(close))).await;
    }
}

/// The `type` of a message that did not parse, if it is a JSON object with one.
fn request_type(text: &str) -> Option<String> {
    let value: serde_json::Value = serde_json::from_str(text).ok()?;
    value
        .get("type")?
        .as_str()
        .map(|t| t.chars().take(64).collect())
}

async fn write_loop(
    mut sink: futures::stream::SplitSink<WebSocket, Message>,
    mut rx: mpsc::Receiver<Outbound>,
) {
    while let Some(out) = rx.recv().await {
        let frame = match out {
            Outbound::Message(message) => Message::Text(message.to_json().into()),
            Outbound::Ping => Message::Ping(Default::default()),
            Outbound::Close { code, reason } => {
                let _ = sink
                    .send(Message::Close(Some(CloseFrame {
                        code,
                        reason: reason.into(),
                    })))
                    .await;
                break;
            }
        };
        if sink.send(frame).await.is_err() {
            break;
        }
    }
    let _ = sink.close().await;
}
