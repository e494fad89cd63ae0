//! The signaling timings and limits (docs/protocol.md, "Limits"). Defaults are the documented
//! values; tests shorten them.

use std::time::Duration;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Limits {
    /// A socket must send `join` within this.
    pub join_timeout: Duration,
    /// How long a dropped participant keeps its place.
    pub reconnect_grace: Duration,
    /// The server pings this often.
    pub ping_interval: Duration,
    /// Nothing received for this long is a drop.
    pub idle_timeout: Duration,
    /// Rate limit: bucket size and refill per second.
    pub rate_burst: u32,
    pub rate_per_second: u32,
    /// Over the rate limit for this long closes the socket (1008).
    pub rate_abuse_after: Duration,
    /// Frames over this close the socket (our own 64 KiB check answers with an error first).
    pub hard_max_frame: usize,
    /// Messages queued for one socket; a client that falls this far behind is dropped.
    pub outbound_queue: usize,
    /// Longest wait for the SFU on one call before answering `internal_error`.
    pub media_timeout: Duration,
    /// Signaling sockets open at once from one client address (each may take two UDP ports).
    pub max_sockets_per_ip: usize,
    /// A knock waits this long for a moderator, then expires (`[rooms] knock_timeout_secs`).
    pub knock_timeout: Duration,
    /// While anyone is in or waiting, the actor re-reads its room row this often (the CLI,
    /// other nodes and deletions change it behind the actor's back).
    pub store_reread: Duration,
    /// An open room whose meeting has chat history keeps its actor this long while empty.
    pub history_linger: Duration,
    /// Attendees of one session's live at most (staff count against the room's cap).
    pub max_attendees: usize,
    /// `[streaming]`: the stream controllers' settings (grace period, back-off, picture).
    pub streaming: crate::config::StreamingConfig,
}

impl Default for Limits {
    fn default() -> Self {
        Self {
            join_timeout: Duration::from_secs(10),
            reconnect_grace: Duration::from_secs(30),
            ping_interval: Duration::from_secs(20),
            idle_timeout: Duration::from_secs(60),
            rate_burst: 100,
            rate_per_second: 20,
            rate_abuse_after: Duration::from_secs(10),
            hard_max_frame: 1 << 20,
            outbound_queue: 512,
            media_timeout: Duration::from_secs(10),
            max_sockets_per_ip: 20,
            knock_timeout: Duration::from_secs(600),
            store_reread: Duration::from_secs(2),
            history_linger: Duration::from_secs(3600),
            max_attendees: 2000,
            streaming: crate::config::StreamingConfig::default(),
        }
    }
}
