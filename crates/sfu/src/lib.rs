//! Amphi's media plane: a selective forwarding unit on webrtc-rs (`webrtc` + `rtc`, =0.21.1).
//!
//! Nothing outside this crate names a webrtc type: the API below speaks strings (SDP, ICE
//! candidates), our own ids and small enums.
//!
//! # Shape
//! - [`Sfu`]: one per server, cheap to clone. Owns the configuration, the UDP port allocator and
//!   the counters ([`SfuStats`]).
//! - [`MediaRoom`]: one per room actor ([`Sfu::open_room`]). Publications live in a room;
//!   subscriptions never cross rooms. Every event of the room goes to the one channel given to
//!   `open_room`, tagged with the participant it concerns.
//! - [`MediaParticipant`]: one per participant ([`MediaRoom::add_participant`]), with two peer
//!   connections, as LiveKit does (a *viewer*, [`MediaRoom::add_viewer`], has only the
//!   subscriber one: webinar attendees):
//!   - the *publisher* leg: the browser offers ([`MediaParticipant::publisher_offer`] returns
//!     the answer), the SFU only receives (recvonly; simulcast rids `q`/`h`/`f` accepted);
//!   - the *subscriber* leg: the SFU offers (an [`SfuEvent::SubscriberOffer`]), the browser
//!     answers ([`MediaParticipant::subscriber_answer`]). One m-line per subscription; an
//!     m-line whose subscription ended goes inactive and is reused by the next subscription of
//!     its kind (the SDP stays bounded however often the stage changes; clients must expect a
//!     mid to carry another publication after a renegotiation: the offer's `tracks` say which).
//!     The SFU renegotiates by itself whenever subscriptions change, one offer in flight at a
//!     time.
//!
//! # ICE
//! The SFU gathers host candidates only, one UDP socket per peer connection, from the
//! configured port range. Every SDP it hands out already carries all its candidates (rewritten to
//! the announced IPs when configured), so there is nothing to trickle from the SFU: clients may
//! still trickle theirs with [`MediaParticipant::add_ice_candidate`]. TURN/ICE servers are the
//! clients' business (the server gives them); the SFU needs none.
//!
//! # Invariants (see the modules)
//! - The publisher's ingress loop never blocks: packets fan out through a bounded queue per
//!   subscription (`try_send`, dropped and counted when full).
//! - Nothing is forwarded to a subscriber leg before it is connected.
//! - Each subscription rewrites SSRC, payload type (matched by codec), header-extension ids (by
//!   URI, others stripped), and rebases sequence numbers and timestamps on a layer switch, which
//!   happens only on a keyframe (VP8, VP9, H.264 recognised); VP8 PictureID/TL0PICIDX are
//!   renumbered too, or Chrome stops decoding after a switch to a lower-numbered layer.
//! - The layer is the smallest one at least about as tall as the size the subscriber renders
//!   ([`MediaParticipant::set_video_size`]; the highest by default), among layers flowing in the
//!   last 1.5 s, capped one step down while the subscriber's receiver reports say >= 10 % loss.
//! - Keyframe requests to a publisher: at most one per second per layer (subscribers' PLI/FIR,
//!   subscribing, switching).
//! - Loss recovery is ours: no RTX anywhere (the upstream RTX path is broken), a capped NACK
//!   generator on the publisher leg, our own retransmission cache per subscriber leg, and
//!   de-duplication by (SSRC, sequence number).

#![forbid(unsafe_code)]

mod active_speaker;
mod codecs;
mod dedup;
mod downlink;
mod engine;
mod error;
mod interceptors;
mod keyframe;
mod layers;
mod participant;
mod ports;
mod publication;
mod publisher_leg;
mod retransmit;
mod rewrite;
mod room;
mod sdp;
mod stats;
mod subscriber_leg;
mod subscription;
mod tap;
mod tracks;
mod vp8;

use std::net::{IpAddr, Ipv4Addr};
use std::sync::Arc;

use tokio::sync::mpsc;

pub use error::SfuError;
pub use participant::MediaParticipant;
pub use room::MediaRoom;
pub use stats::SfuStats;
pub use tap::{Tap, TapCodec, TapPacket};
pub use tracks::{MAX_TRACKS, check_tracks};

/// Configuration of the media plane (`[media]` in the server's configuration).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SfuConfig {
    /// Address every peer connection binds its UDP socket to. `0.0.0.0` means every interface
    /// except loopback (a webrtc-rs rule): tests bind `127.0.0.1`.
    pub bind_ip: IpAddr,
    /// Public addresses announced in place of the bound host address (1:1 NAT, containers).
    /// Empty: announce the bound addresses as they are.
    pub announced_ips: Vec<IpAddr>,
    /// Inclusive UDP port range; each peer connection takes one port (two per participant).
    pub udp_port_min: u16,
    /// Inclusive upper bound of the port range.
    pub udp_port_max: u16,
    /// Packets queued per subscription before the SFU drops (and counts) for a slow subscriber.
    pub subscription_queue: usize,
    /// SRTP replay window, in packets. Retransmissions arrive late; the default 64 rejects them
    /// at high packet rates.
    pub srtp_replay_window: usize,
}

impl Default for SfuConfig {
    fn default() -> Self {
        Self {
            bind_ip: IpAddr::V4(Ipv4Addr::UNSPECIFIED),
            announced_ips: Vec::new(),
            udp_port_min: 50_000,
            udp_port_max: 50_999,
            subscription_queue: 512,
            srtp_replay_window: 1024,
        }
    }
}

/// The media plane. Cheap to clone; every clone shares the port range and the counters.
#[derive(Clone)]
pub struct Sfu {
    shared: Arc<Shared>,
}

/// What every room and participant of one [`Sfu`] shares.
pub(crate) struct Shared {
    pub(crate) config: SfuConfig,
    pub(crate) ports: ports::PortAllocator,
    pub(crate) stats: Arc<stats::Counters>,
    /// Source of publication ids and SSRCs unique within this SFU.
    pub(crate) next_id: std::sync::atomic::AtomicU64,
}

impl Sfu {
    /// Checks the configuration and creates the media plane. Binds nothing yet.
    pub fn new(config: SfuConfig) -> Result<Self, SfuError> {
        if config.udp_port_min == 0 || config.udp_port_min > config.udp_port_max {
            return Err(SfuError::Config(format!(
                "udp_port_min ({}) must be at least 1 and not above udp_port_max ({})",
                config.udp_port_min, config.udp_port_max
            )));
        }
        if config.subscription_queue == 0 {
            return Err(SfuError::Config(
                "subscription_queue must be at least 1".into(),
            ));
        }
        let ports = ports::PortAllocator::new(config.udp_port_min, config.udp_port_max);
        Ok(Self {
            shared: Arc::new(Shared {
                config,
                ports,
                stats: Arc::new(stats::Counters::default()),
                next_id: std::sync::atomic::AtomicU64::new(1),
            }),
        })
    }

    /// Opens the media side of one room. Its events (all participants) go to `events`; the SFU
    /// never blocks on it: if the channel is full, audio levels, speaker changes and connection
    /// states are dropped (logged), while subscriber offers and publications' starts and ends
    /// wait in order in a backlog. Give it room (a few hundred) and drain it promptly. Call it inside a tokio runtime (it spawns the
    /// room's active speaker ticker).
    pub fn open_room(&self, events: mpsc::Sender<SfuEvent>) -> MediaRoom {
        MediaRoom::new(self.shared.clone(), events)
    }

    /// A snapshot of the counters, for metrics.
    pub fn stats(&self) -> SfuStats {
        self.shared.stats.snapshot(&self.shared.ports)
    }
}

/// A participant's id, as the room actor knows it.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct ParticipantId(pub String);

/// A publication's id (a track someone sends), assigned by the SFU: unique within its `Sfu`.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct PublicationId(pub String);

impl std::fmt::Display for ParticipantId {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::fmt::Display for PublicationId {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

/// Audio or video.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum MediaKind {
    Audio,
    Video,
}

/// What a published track carries, as the client declared it for its m-line.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Source {
    Camera,
    Microphone,
    Screen,
    ScreenAudio,
}

/// Which of a participant's two peer connections.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Leg {
    /// The browser sends; it offered.
    Publisher,
    /// The browser receives; the SFU offered.
    Subscriber,
}

/// The client's declaration of one m-line of its publisher offer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TrackSource {
    pub mid: String,
    pub source: Source,
}

/// One publication: what the room actor announces to others.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PublicationInfo {
    pub id: PublicationId,
    pub participant: ParticipantId,
    pub mid: String,
    pub kind: MediaKind,
    pub source: Source,
}

/// The SFU's answer to a publisher offer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PublisherAnswer {
    /// The SDP answer to send to the browser (candidates included).
    pub sdp: String,
    /// Every publication of this participant after the offer: new ones get a fresh id, an m-line
    /// already known keeps its id. Removed m-lines end their publication
    /// ([`SfuEvent::PublicationEnded`]).
    pub publications: Vec<PublicationInfo>,
}

/// One m-line of a subscriber offer, so the client can tell what it receives.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OfferedTrack {
    pub mid: String,
    pub publication: PublicationId,
    pub participant: ParticipantId,
    pub kind: MediaKind,
    pub source: Source,
}

/// A remote ICE candidate as browsers give it (`RTCIceCandidate.toJSON()`).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct IceCandidate {
    /// `candidate:...` line; an empty string means end of candidates.
    pub candidate: String,
    pub sdp_mid: Option<String>,
    pub sdp_m_line_index: Option<u16>,
}

/// State of one peer connection.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ConnectionState {
    New,
    Connecting,
    Connected,
    Disconnected,
    Failed,
    Closed,
}

/// What the SFU tells the room actor. Events of one room arrive in order on its channel, except
/// that offers and publications' starts and ends, which are never dropped, keep their order
/// among themselves only.
#[derive(Debug, Clone, PartialEq)]
pub enum SfuEvent {
    /// Send this offer to the participant (`subscribe_offer`) and hand its answer to
    /// [`MediaParticipant::subscriber_answer`]. No other offer follows before that answer.
    SubscriberOffer {
        participant: ParticipantId,
        sdp: String,
        tracks: Vec<OfferedTrack>,
    },
    /// Media of this publication reached the SFU (first packet): it can be subscribed to.
    PublicationStarted { publication: PublicationInfo },
    /// The publication is gone (m-line removed or stopped, participant closed). Subscriptions to
    /// it were removed; the SFU renegotiates their subscriber legs by itself.
    PublicationEnded {
        participant: ParticipantId,
        publication: PublicationId,
    },
    /// A peer connection changed state. `Failed` means the participant must reconnect.
    ConnectionState {
        participant: ParticipantId,
        leg: Leg,
        state: ConnectionState,
    },
    /// Smoothed audio levels (0 = silence, 127 = loudest, i.e. 127 - dBov), about twice a second
    /// while someone makes sound. Only participants with a non-silent level are listed.
    AudioLevels { levels: Vec<(ParticipantId, u8)> },
    /// The loudest participant over about a second changed (with hysteresis): someone speaking
    /// (at least 30 % of their last second's packets at -50 dBov or louder) who is clearly
    /// louder than the current speaker, or anyone speaking when the current one stopped. `None`
    /// after two seconds in which nobody spoke.
    ActiveSpeaker { participant: Option<ParticipantId> },
}

impl SfuEvent {
    /// The event's name, for logs (never its content: offers carry SDP).
    pub(crate) fn kind(&self) -> &'static str {
        match self {
            SfuEvent::SubscriberOffer { .. } => "subscriber_offer",
            SfuEvent::PublicationStarted { .. } => "publication_started",
            SfuEvent::PublicationEnded { .. } => "publication_ended",
            SfuEvent::ConnectionState { .. } => "connection_state",
            SfuEvent::AudioLevels { .. } => "audio_levels",
            SfuEvent::ActiveSpeaker { .. } => "active_speaker",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    pub(crate) fn shared() -> Arc<Shared> {
        Sfu::new(SfuConfig::default())
            .expect("the default configuration is valid")
            .shared
    }

    #[test]
    fn configuration_is_checked() {
        let bad = SfuConfig {
            udp_port_min: 600,
            udp_port_max: 500,
            ..SfuConfig::default()
        };
        assert!(matches!(Sfu::new(bad), Err(SfuError::Config(_))));
        let bad = SfuConfig {
            subscription_queue: 0,
            ..SfuConfig::default()
        };
        assert!(matches!(Sfu::new(bad), Err(SfuError::Config(_))));
        assert_eq!(
            Sfu::new(SfuConfig::default()).unwrap().stats(),
            SfuStats::default()
        );
    }

    /// The room actor awaits these from `tokio::spawn`ed tasks: their futures must be `Send`, and
    /// the handles `Send + Sync`. Checked at compile time.
    #[allow(dead_code)]
    fn api_is_send(room: MediaRoom, p: MediaParticipant, id: PublicationId, c: IceCandidate) {
        fn send<T: Send>(_: &T) {}
        fn shared<T: Send + Sync + Clone>() {}
        shared::<Sfu>();
        shared::<MediaRoom>();
        shared::<MediaParticipant>();
        send(&room.add_participant(ParticipantId(String::new())));
        send(&room.add_viewer(ParticipantId(String::new())));
        send(&room.close());
        send(&p.publisher_offer("", &[]));
        send(&p.subscriber_answer(""));
        send(&p.add_ice_candidate(Leg::Publisher, c));
        send(&p.subscribe(&id));
        send(&p.unsubscribe(&id));
        send(&p.set_video_size(&id, 0, 0));
        send(&p.close());
    }
}
