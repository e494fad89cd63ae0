//! Room logic without I/O: who may do what, who gets in, and what everyone sees (see
//! docs/ARCHITECTURE.md and docs/protocol.md).
//!
//! A [`Room`] is the state of one live room: its participants (connected or reconnecting), their
//! publications, the people waiting to get in, and the current meeting's chat, raised hands and
//! removed people. It does no I/O and reads no clock: time comes in as an
//! [`Instant`](std::time::Instant) argument (and Unix milliseconds where the wire shows a time),
//! fresh ids and tokens come in from the caller. Every decision returns the [`Effect`]s the
//! caller (the room actor in `amphi-server`) must carry out, in order. A refused request returns
//! a [`RoomError`] (its [`RoomError::code`] is the wire's) and changes nothing.
//!
//! Roles become permissions in exactly one place: [`permissions::may`]; who may aim a
//! moderation request at whom in [`permissions::may_target`].
//!
//! # The actor's side
//!
//! Building: [`Room::with_settings`] with the stored `open`/`waiting_room` ([`RoomSettings`]),
//! then [`Room::set_knock_timeout`] from `[rooms] knock_timeout_secs`.
//!
//! Requests, one method each (`by` is the requesting participant):
//!
//! | message | call |
//! |---|---|
//! | `join` | [`Room::enter`] → [`Admission::Joined`] (as before: media, `joined.welcome(ice)`, then `joined.effects`) or [`Admission::Waiting`] (keep the socket under `knock`, carry out `effects`) |
//! | `set_room_open` | [`Room::set_open`] with [`By::Participant`], or [`By::Waiting`] from a held socket |
//! | `set_waiting_room` | [`Room::set_waiting_room`] |
//! | `admit` / `deny` | [`Room::admit`] / [`Room::deny`] |
//! | `mute` | [`Room::mute`] |
//! | `remove` | [`Room::remove`] |
//! | `set_role` | [`Room::set_role`] (only `moderator`/`participant`, else `invalid_message`) |
//! | `raise_hand` | [`Room::raise_hand`] |
//! | `lower_hand` | [`Room::lower_hand`] (one's own: same as `raise_hand false`) |
//! | `chat_send` | [`Room::chat`] (fresh message id and Unix ms from the caller) |
//! | `set_muted` | [`Room::set_muted`] (unmuting a paused publication emits `Pause{paused:false}`) |
//! | a held socket closes or sends `leave` | [`Room::knock_left`] |
//!
//! From outside the room (back office, CLI, the actor's 2 s re-read of the stored row): the
//! caller writes the store first, then [`Room::set_open`] / [`Room::set_waiting_room`] with
//! [`By::Organiser`] (permission already checked), and [`Room::room_deleted`].
//!
//! Time: [`Room::tick`] at [`Room::next_deadline`] (reconnect grace, knock expiry). Stop the
//! actor when [`Room::is_empty`]; if [`Room::remembers_meeting`] (chat, removed people), only
//! after the room stayed empty for up to an hour.
//!
//! Effects, addressed to a participant's socket or to a held join's (by knock id):
//! - [`Effect::Send`] / [`Effect::SendWaiting`]: send the message.
//! - [`Effect::Admit`]: the held join is a participant now: media, welcome, its effects.
//! - [`Effect::Dismiss`] / [`Effect::Disconnect`]: the socket is out of the room: send the
//!   message, close with 4001 if it is a fatal `error`, else 1000 (`meeting_ended`).
//! - [`Effect::CloseMedia`], [`Effect::EndPublication`], [`Effect::Subscribe`]: media, as before.
//! - [`Effect::Pause`]: stop or resume forwarding a publication in the SFU.

mod admission;
mod chat;
mod effects;
mod error;
mod moderation;
pub mod permissions;
mod publications;
mod room;
mod webinar;

pub use admission::{Admission, By, Entry, Identity, RoomSettings, valid_client_key};
pub use chat::valid_chat_text;
pub use effects::Effect;
pub use error::RoomError;
pub use permissions::{Action, may, may_target};
pub use room::{
    DEFAULT_KNOCK_TIMEOUT, Fresh, JoinRequest, Joined, MAX_WAITING, Participant, Presence,
    Publication, Room, RoomConfig,
};
pub use webinar::{AUDIENCE_INTERVAL, RoomKind};
