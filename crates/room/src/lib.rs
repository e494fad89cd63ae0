//! Room logic without I/O: who may do what, and what everyone sees (see docs/ARCHITECTURE.md).
//!
//! A [`Room`] is the state of one live room: its participants (connected or reconnecting), their
//! publications, and the rules. It does no I/O and reads no clock: time comes in as an
//! [`Instant`](std::time::Instant) argument, fresh ids and tokens come in from the caller. Every
//! decision returns the [`Effect`]s the caller (the room actor in `amphi-server`) must carry out:
//! messages to send to whom, media to close, subscriptions to make.
//!
//! Roles become permissions in exactly one place: [`permissions::may`].

mod effects;
mod error;
pub mod permissions;
mod room;

pub use effects::Effect;
pub use error::RoomError;
pub use permissions::{Action, may};
pub use room::{Fresh, JoinRequest, Joined, Participant, Presence, Publication, Room, RoomConfig};
