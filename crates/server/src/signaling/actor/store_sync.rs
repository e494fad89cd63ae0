//! The room actor and its row in the store. The store is the truth about whether a room is
//! open, has a waiting room, exists (for a session's actor: its live's state, whether it
//! exists): in-room requests write it first and apply after; the back office writes it and
//! then tells the actor; the CLI and other nodes only write it, so the actor re-reads its row
//! every `Limits::store_reread` while anyone is in or waiting.
//!
//! A re-read runs in its own task (the actor never waits on the database for it) and its
//! answer is dropped if the actor changed the setting meanwhile (a generation count): a read
//! that started before a write must not undo it. The back office announces its change before
//! its write (`Command::ExpectChange`): until its command comes, re-reads are not applied.

use std::time::Duration;

use amphi_proto::LiveInfo;
use amphi_store::{RoomId, SessionId, Store};
use tokio::sync::mpsc;

/// What an actor's row says now.
#[derive(Debug)]
pub(super) enum RowState {
    /// A room's settings: open, waiting room.
    Room(bool, bool),
    /// A session's live.
    Session(LiveInfo),
    /// The row is gone: the room or session was deleted.
    Gone,
}

/// Which row the actor follows.
#[derive(Debug, Clone)]
pub(super) enum Row {
    Room(RoomId),
    Session(SessionId),
}

/// A re-read's answer.
#[derive(Debug)]
pub(super) struct RowRead {
    generation: u64,
    /// `Err`: the store failed or was too slow; nothing is concluded.
    row: Result<RowState, ()>,
}

/// How long a store call may take before the actor gives up on it.
const STORE_TIMEOUT: Duration = Duration::from_secs(5);

pub(super) struct StoreSync {
    store: Store,
    room_id: RoomId,
    row: Row,
    generation: u64,
    reading: bool,
    /// A change from outside was announced ([`StoreSync::expect_change`]): until its command
    /// comes (or this time passes), re-reads are not applied — one landing between its store
    /// write and its command would apply it without the name of who made it.
    expecting_until: Option<std::time::Instant>,
    tx: mpsc::Sender<RowRead>,
    pub(super) rx: mpsc::Receiver<RowRead>,
}

impl StoreSync {
    pub(super) fn new(store: Store, room_id: RoomId, row: Row) -> Self {
        let (tx, rx) = mpsc::channel(1);
        Self {
            store,
            room_id,
            row,
            generation: 0,
            reading: false,
            expecting_until: None,
            tx,
            rx,
        }
    }

    /// The actor changed a setting (from a request or a command): reads started before are
    /// stale.
    /// The room this actor runs (a session's: the room it is held in).
    pub(super) fn room_id(&self) -> &RoomId {
        &self.room_id
    }

    pub(super) fn changed(&mut self) {
        self.generation += 1;
        self.expecting_until = None;
    }

    /// Starts a re-read unless one is running; its answer comes on `rx`.
    pub(super) fn start_read(&mut self) {
        if self.reading {
            return;
        }
        self.reading = true;
        let (store, row, tx, generation) = (
            self.store.clone(),
            self.row.clone(),
            self.tx.clone(),
            self.generation,
        );
        tokio::spawn(async move {
            let read = async {
                match &row {
                    Row::Room(id) => store.room_by_id(id).await.map(|room| match room {
                        Some(r) => RowState::Room(r.is_open, r.waiting_room),
                        None => RowState::Gone,
                    }),
                    Row::Session(id) => store.session_by_id(id).await.map(|s| match s {
                        Some(s) => {
                            RowState::Session(crate::signaling::session::live_info(&s, None))
                        }
                        None => RowState::Gone,
                    }),
                }
            };
            let row = match tokio::time::timeout(STORE_TIMEOUT, read).await {
                Ok(Ok(state)) => Ok(state),
                Ok(Err(e)) => {
                    tracing::warn!(?row, error = %e, "re-reading the room failed");
                    Err(())
                }
                Err(_) => {
                    tracing::warn!(?row, "re-reading the room timed out");
                    Err(())
                }
            };
            let _ = tx.send(RowRead { generation, row }).await;
        });
    }

    /// The back office or the API is about to write this row, then to send its command.
    pub(super) fn expect_change(&mut self) {
        self.generation += 1;
        self.expecting_until = Some(std::time::Instant::now() + STORE_TIMEOUT);
    }

    /// A re-read came back: its state if still current, else `None` (stale, failed, or an
    /// announced change is on its way).
    pub(super) fn finished(&mut self, read: RowRead) -> Option<RowState> {
        self.reading = false;
        if read.generation != self.generation
            || self
                .expecting_until
                .is_some_and(|t| std::time::Instant::now() < t)
        {
            return None;
        }
        read.row.ok()
    }

    /// Writes the room's open flag; `false` if the store failed (nothing to apply then).
    pub(super) async fn write_open(&mut self, open: bool) -> bool {
        self.changed();
        let write = self.store.set_room_open(&self.room_id, open);
        report(
            "opening or closing the room",
            &self.room_id,
            tokio::time::timeout(STORE_TIMEOUT, write).await,
        )
    }

    /// Writes the room's waiting-room flag; `false` if the store failed.
    pub(super) async fn write_waiting_room(&mut self, enabled: bool) -> bool {
        self.changed();
        let write = self.store.set_room_waiting_room(&self.room_id, enabled);
        report(
            "switching the waiting room",
            &self.room_id,
            tokio::time::timeout(STORE_TIMEOUT, write).await,
        )
    }
}

fn report(
    what: &str,
    room: &RoomId,
    result: Result<Result<(), amphi_store::StoreError>, tokio::time::error::Elapsed>,
) -> bool {
    match result {
        Ok(Ok(())) => true,
        Ok(Err(e)) => {
            tracing::error!(room = %room.as_str(), error = %e, "{what} failed in the store");
            false
        }
        Err(_) => {
            tracing::error!(room = %room.as_str(), "{what} timed out in the store");
            false
        }
    }
}
