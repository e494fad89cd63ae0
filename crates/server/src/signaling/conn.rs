//! The actor's end of one WebSocket: a bounded queue to its writer, and a way to end it.

use std::sync::Arc;

use amphi_proto::{ErrorCode, ServerMessage};
use amphi_store::RegistrationId;
use tokio::sync::{Notify, mpsc};

/// What the writer task puts on the socket.
#[derive(Debug)]
pub enum Outbound {
    /// Boxed: a `welcome` is large, pings and closes are not.
    Message(Box<ServerMessage>),
    /// A WebSocket ping frame (keepalive).
    Ping,
    /// A close frame; the writer stops after it.
    Close { code: u16, reason: &'static str },
}

/// Close code after a fatal error (docs/protocol.md).
pub const CLOSE_FATAL: u16 = 4001;
pub const CLOSE_NORMAL: u16 = 1000;
pub const CLOSE_GOING_AWAY: u16 = 1001;
pub const CLOSE_POLICY: u16 = 1008;

/// One live socket as the room actor holds it. Cheap to clone.
#[derive(Debug, Clone)]
pub struct Conn {
    /// Distinguishes a participant's successive sockets: commands from a replaced one are stale.
    pub id: u64,
    tx: mpsc::Sender<Outbound>,
    kill: Arc<Notify>,
    /// The approved registration that let this socket through the gate (issue 6): rejecting
    /// or cancelling it ends the socket.
    registration: Option<RegistrationId>,
}

impl Conn {
    pub fn new(id: u64, tx: mpsc::Sender<Outbound>, kill: Arc<Notify>) -> Self {
        Self {
            id,
            tx,
            kill,
            registration: None,
        }
    }

    /// The socket came through the gate with this registration.
    pub fn holding(mut self, registration: Option<RegistrationId>) -> Self {
        self.registration = registration;
        self
    }

    /// Whether the socket came in with one of `registrations`.
    pub fn holds_any(&self, registrations: &[RegistrationId]) -> bool {
        self.registration
            .as_ref()
            .is_some_and(|r| registrations.contains(r))
    }

    /// Queues a message without waiting. `false`: the socket is gone or too far behind, and the
    /// caller must treat it as dropped (the actor never waits on a slow client).
    #[must_use]
    pub fn send(&self, message: ServerMessage) -> bool {
        self.tx
            .try_send(Outbound::Message(Box::new(message)))
            .is_ok()
    }

    /// Sends `error`, then closes with 4001; ends the socket's task even if the peer is gone.
    pub fn fatal(&self, code: ErrorCode, message: impl Into<String>) {
        let _ = self
            .tx
            .try_send(Outbound::Message(Box::new(ServerMessage::error(
                code, message, None,
            ))));
        let _ = self.tx.try_send(Outbound::Close {
            code: CLOSE_FATAL,
            reason: code.as_str(),
        });
        self.kill.notify_one();
    }

    /// Sends `message`, then closes: with 4001 (reason: the code) if it is a fatal `error`,
    /// else normally (1000: `meeting_ended`). Ends the socket's task even if the peer is gone.
    pub fn end(&self, message: ServerMessage) {
        let (code, reason) = match &message {
            ServerMessage::Error { code, .. } if code.is_fatal() => (CLOSE_FATAL, code.as_str()),
            ServerMessage::MeetingEnded { .. } => (CLOSE_NORMAL, "meeting_ended"),
            _ => (CLOSE_NORMAL, "ended"),
        };
        let _ = self.tx.try_send(Outbound::Message(Box::new(message)));
        let _ = self.tx.try_send(Outbound::Close { code, reason });
        self.kill.notify_one();
    }

    /// Closes normally (after `leave`).
    pub fn close_normally(&self) {
        let _ = self.tx.try_send(Outbound::Close {
            code: CLOSE_NORMAL,
            reason: "left",
        });
        self.kill.notify_one();
    }

    /// Ends the socket's task at once (a client that fell behind).
    pub fn kill(&self) {
        self.kill.notify_one();
    }
}
