//! Building peer connections: codecs, interceptors, settings, and a socket from the port range.

use std::net::{SocketAddr, UdpSocket};
use std::sync::Arc;

use rtc::interceptor::{NackGeneratorBuilder, Registry, SenderReportBuilder, Slot};
use rtc::peer_connection::configuration::interceptor_registry::{
    configure_rtcp_reports, configure_simulcast_extension_headers, configure_twcc_receiver_only,
};
use tokio::sync::mpsc;
use webrtc::media_stream::track_remote::TrackRemote;
use webrtc::peer_connection::{
    MediaEngine, PeerConnection, PeerConnectionBuilder, PeerConnectionEventHandler,
    RTCIceGatheringState, RTCPeerConnectionState, SettingEngineBuilder,
};

use crate::downlink::ReceiverLoss;
use crate::interceptors::{KeyframeRequestsToApp, NackCounter, ReceiverReports};
use crate::ports::PortLease;
use crate::retransmit::Retransmitter;
use crate::{ConnectionState, Leg, SfuError, Shared, codecs};

/// NACKs per lost packet the publisher leg may send: one, and one more in case the
/// retransmission itself is lost. The stock default is unlimited (FINDINGS §4.3).
const MAX_NACKS_PER_PACKET: u16 = 2;

/// Threads of the process-wide reactor pool that drives publisher legs (webrtc-rs sizes the
/// pool once, on the first connection that asks for it): one per core, so that a server full
/// of meetings does not funnel every publisher's decryption through one thread.
fn publisher_reactors() -> usize {
    std::thread::available_parallelism().map_or(2, |n| n.get())
}

/// What a peer connection's callbacks report. The handler only forwards them on an unbounded
/// channel: callbacks run on the connection's driver task and must never block.
pub(crate) enum PcEvent {
    State(ConnectionState),
    GatheringComplete,
    Track(Arc<dyn TrackRemote>),
}

struct Handler {
    tx: mpsc::UnboundedSender<PcEvent>,
}

#[async_trait::async_trait]
impl PeerConnectionEventHandler for Handler {
    async fn on_connection_state_change(&self, state: RTCPeerConnectionState) {
        let s = match state {
            RTCPeerConnectionState::New => ConnectionState::New,
            RTCPeerConnectionState::Connecting => ConnectionState::Connecting,
            RTCPeerConnectionState::Connected => ConnectionState::Connected,
            RTCPeerConnectionState::Disconnected => ConnectionState::Disconnected,
            RTCPeerConnectionState::Failed => ConnectionState::Failed,
            RTCPeerConnectionState::Closed => ConnectionState::Closed,
            // Unspecified, and whatever a later version adds.
            _ => ConnectionState::New,
        };
        let _ = self.tx.send(PcEvent::State(s));
    }

    async fn on_ice_gathering_state_change(&self, state: RTCIceGatheringState) {
        if state == RTCIceGatheringState::Complete {
            let _ = self.tx.send(PcEvent::GatheringComplete);
        }
    }

    async fn on_track(&self, track: Arc<dyn TrackRemote>) {
        let _ = self.tx.send(PcEvent::Track(track));
    }
}

/// A built peer connection with its port and its event stream.
pub(crate) struct BuiltPc {
    pub(crate) pc: Arc<dyn PeerConnection>,
    /// Loss reported by the remote's receiver reports, per SSRC we send (subscriber leg).
    pub(crate) receiver_loss: ReceiverLoss,
    pub(crate) lease: PortLease,
    pub(crate) events: mpsc::UnboundedReceiver<PcEvent>,
}

/// Builds one leg's peer connection on the next free port of the range.
pub(crate) async fn build_pc(shared: &Arc<Shared>, leg: Leg) -> Result<BuiltPc, SfuError> {
    let (min, max) = shared.ports.range();
    let attempts = (u32::from(max - min) + 1).min(64);
    let mut last_err = None;
    let receiver_loss = ReceiverLoss::default();
    for _ in 0..attempts {
        let Some(port) = shared.ports.acquire() else {
            break;
        };
        let lease = PortLease::new(port, shared.clone());
        let addr = SocketAddr::new(shared.config.bind_ip, port);
        // Skip ports another process holds, without waiting for the builder to fail.
        if UdpSocket::bind(addr).is_err() {
            continue;
        }
        let (tx, rx) = mpsc::unbounded_channel();
        let (media_engine, registry) = match leg {
            Leg::Publisher => publisher_engine(shared)?,
            Leg::Subscriber => subscriber_engine(shared, receiver_loss.clone())?,
        };
        let settings = SettingEngineBuilder::new()
            .with_srtp_replay_protection_window(shared.config.srtp_replay_window)
            .with_srtcp_replay_protection_window(shared.config.srtp_replay_window)
            .build();
        let builder = PeerConnectionBuilder::new();
        // Publisher legs run their drivers on webrtc-rs's dedicated reactor threads, apart
        // from the runtime that drives every viewer's leg: a stage's ingress socket must be
        // read on time however many subscriber legs are busy (a stalled read overflows its
        // kernel buffer, and every attendee loses the same packets).
        let builder = match leg {
            Leg::Publisher => builder.with_dedicated_reactor_pool_size(publisher_reactors()),
            Leg::Subscriber => builder,
        };
        match builder
            .with_media_engine(media_engine)
            .with_interceptor_registry(registry)
            .with_setting_engine(settings)
            .with_handler(Arc::new(Handler { tx }))
            .with_udp_addrs(vec![addr.to_string()])
            .build()
            .await
        {
            Ok(pc) => {
                return Ok(BuiltPc {
                    pc: Arc::new(pc),
                    receiver_loss,
                    lease,
                    events: rx,
                });
            }
            Err(e) => {
                tracing::debug!(%addr, error = %e, "peer connection could not bind, trying the next port");
                last_err = Some(e);
            }
        }
    }
    match last_err {
        Some(e) => Err(SfuError::from(e)),
        None => Err(SfuError::NoFreePort { min, max }),
    }
}

fn publisher_engine(shared: &Arc<Shared>) -> Result<(MediaEngine, Registry), SfuError> {
    let mut me = MediaEngine::default();
    codecs::register_codecs(&mut me)?;
    codecs::register_extensions(&mut me)?;
    configure_simulcast_extension_headers(&mut me)?;
    let registry = Registry::new();
    // transport-cc feedback: the browser's own bandwidth estimate (and so its simulcast layers)
    // depends on it.
    let registry = configure_twcc_receiver_only(registry, &mut me)?;
    let registry = configure_rtcp_reports(registry)
        .with(
            Slot::NackGenerator,
            NackGeneratorBuilder::new()
                .with_max_nacks_per_packet(MAX_NACKS_PER_PACKET)
                .build(),
        )
        .with(Slot::from(500), NackCounter::new(shared_counters(shared)));
    Ok((me, registry))
}

fn subscriber_engine(
    shared: &Arc<Shared>,
    receiver_loss: ReceiverLoss,
) -> Result<(MediaEngine, Registry), SfuError> {
    let mut me = MediaEngine::default();
    codecs::register_codecs(&mut me)?;
    codecs::register_extensions(&mut me)?;
    // Sender reports only: the remote needs them to synchronise audio and video, but a leg
    // that never receives media has nothing to write receiver reports about (the stock pair
    // would run a receiver-report generator on every packet and timer for nothing).
    let registry = Registry::new()
        .with(Slot::SenderReport, SenderReportBuilder::new().build())
        .with(
            Slot::NackResponder,
            Retransmitter::new(shared_counters(shared)),
        )
        .with(Slot::from(4_500), ReceiverReports::new(receiver_loss))
        .with(Slot::from(14_000), KeyframeRequestsToApp::default());
    Ok((me, registry))
}

fn shared_counters(shared: &Arc<Shared>) -> Arc<crate::stats::Counters> {
    shared.stats.clone()
}
