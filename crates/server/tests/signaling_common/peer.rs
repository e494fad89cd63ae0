//! Media through the signaling: webrtc-rs peers standing in for browsers, the real SFU.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use rtc::media_stream::MediaStreamTrack;
use rtc::peer_connection::configuration::interceptor_registry::register_default_interceptors;
use rtc::peer_connection::configuration::media_engine::MIME_TYPE_OPUS;
use rtc::rtp_transceiver::rtp_sender::{
    RTCRtpCodec, RTCRtpCodingParameters, RTCRtpEncodingParameters, RtpCodecKind,
};
use tokio::sync::{mpsc, watch};
use webrtc::media_stream::track_local::TrackLocal;
use webrtc::media_stream::track_local::static_rtp::TrackLocalStaticRTP;
use webrtc::media_stream::track_remote::{TrackRemote, TrackRemoteEvent};
use webrtc::peer_connection::{
    MediaEngine, PeerConnection, PeerConnectionBuilder, PeerConnectionEventHandler,
    RTCIceGatheringState, RTCSessionDescription,
};

pub type BoxErr = Box<dyn std::error::Error + Send + Sync>;

/// One peer connection on 127.0.0.1 with default codecs and interceptors, as a browser has.
pub struct Peer {
    pub pc: Arc<dyn PeerConnection>,
    gathered: watch::Receiver<bool>,
    tracks: mpsc::UnboundedReceiver<Arc<dyn TrackRemote>>,
}

struct Handler {
    gathered: watch::Sender<bool>,
    tracks: mpsc::UnboundedSender<Arc<dyn TrackRemote>>,
}

#[async_trait::async_trait]
impl PeerConnectionEventHandler for Handler {
    async fn on_ice_gathering_state_change(&self, s: RTCIceGatheringState) {
        if s == RTCIceGatheringState::Complete {
            let _ = self.gathered.send(true);
        }
    }
    async fn on_track(&self, t: Arc<dyn TrackRemote>) {
        let _ = self.tracks.send(t);
    }
}

impl Peer {
    pub async fn new() -> Result<Peer, BoxErr> {
        let mut engine = MediaEngine::default();
        engine.register_default_codecs()?;
        let registry =
            register_default_interceptors(rtc::interceptor::Registry::new(), &mut engine)?;
        let (g_tx, gathered) = watch::channel(false);
        let (t_tx, tracks) = mpsc::unbounded_channel();
        let pc = PeerConnectionBuilder::new()
            .with_media_engine(engine)
            .with_interceptor_registry(registry)
            .with_handler(Arc::new(Handler {
                gathered: g_tx,
                tracks: t_tx,
            }))
            .with_udp_addrs(vec!["127.0.0.1:0".to_owned()])
            .build()
            .await?;
        Ok(Peer {
            pc: Arc::new(pc),
            gathered,
            tracks,
        })
    }

    /// Our offer, candidates included (no trickle needed).
    pub async fn offer(&mut self) -> Result<String, BoxErr> {
        let offer = self.pc.create_offer(None).await?;
        self.pc.set_local_description(offer).await?;
        tokio::time::timeout(Duration::from_secs(5), self.gathered.wait_for(|g| *g)).await??;
        Ok(self.pc.local_description().await.ok_or("no offer")?.sdp)
    }

    pub async fn accept_answer(&self, sdp: &str) -> Result<(), BoxErr> {
        self.pc
            .set_remote_description(RTCSessionDescription::answer(sdp.to_owned())?)
            .await?;
        Ok(())
    }

    /// Our answer to the server's offer, candidates included.
    pub async fn answer(&mut self, offer: &str) -> Result<String, BoxErr> {
        self.pc
            .set_remote_description(RTCSessionDescription::offer(offer.to_owned())?)
            .await?;
        let answer = self.pc.create_answer(None).await?;
        self.pc.set_local_description(answer).await?;
        tokio::time::timeout(Duration::from_secs(5), self.gathered.wait_for(|g| *g)).await??;
        Ok(self.pc.local_description().await.ok_or("no answer")?.sdp)
    }

    /// Counts the RTP packets of the first track this peer receives.
    pub async fn count_first_track(&mut self) -> Arc<AtomicUsize> {
        let track = tokio::time::timeout(Duration::from_secs(10), self.tracks.recv())
            .await
            .expect("a track within 10 s")
            .expect("track channel open");
        let count = Arc::new(AtomicUsize::new(0));
        let c = count.clone();
        tokio::spawn(async move {
            while let Some(ev) = track.poll().await {
                if let TrackRemoteEvent::OnRtpPacket(_) = ev {
                    c.fetch_add(1, Ordering::Relaxed);
                }
            }
        });
        count
    }
}

/// An Opus track fed with Opus-shaped RTP every 20 ms until the returned task is aborted.
pub async fn send_opus(peer: &Peer) -> Result<tokio::task::JoinHandle<()>, BoxErr> {
    const SSRC: u32 = 0x2222_0001;
    let track = Arc::new(TrackLocalStaticRTP::new(MediaStreamTrack::new(
        "stream-mic".into(),
        "mic".into(),
        "mic".into(),
        RtpCodecKind::Audio,
        vec![RTCRtpEncodingParameters {
            rtp_coding_parameters: RTCRtpCodingParameters {
                ssrc: Some(SSRC),
                ..Default::default()
            },
            codec: RTCRtpCodec {
                mime_type: MIME_TYPE_OPUS.into(),
                clock_rate: 48_000,
                channels: 2,
                sdp_fmtp_line: "minptime=10;useinbandfec=1".into(),
                rtcp_feedback: vec![],
            },
            ..Default::default()
        }],
    )));
    peer.pc
        .add_track(track.clone() as Arc<dyn TrackLocal>)
        .await?;
    Ok(tokio::spawn(async move {
        let mut tick = tokio::time::interval(Duration::from_millis(20));
        for i in 0u32.. {
            tick.tick().await;
            let packet = rtc::rtp::Packet {
                header: rtc::rtp::header::Header {
                    version: 2,
                    payload_type: 111,
                    sequence_number: i as u16,
                    timestamp: i.wrapping_mul(960),
                    ssrc: SSRC,
                    ..Default::default()
                },
                payload: bytes::Bytes::from(vec![0xAB; 60]),
            };
            let _ = track.write_rtp(packet).await;
        }
    }))
}

/// The `a=mid:` of the first media section.
pub fn first_mid(sdp: &str) -> String {
    sdp.lines()
        .find_map(|l| l.trim().strip_prefix("a=mid:"))
        .unwrap_or("0")
        .to_owned()
}
