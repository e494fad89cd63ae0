//! In-process "browsers" for the SFU tests: webrtc-rs peer connections on 127.0.0.1 that
//! publish real RTP (VP8-shaped video, Opus-shaped audio) and subscribe, as a browser would.
#![allow(dead_code)] // each test binary uses a different part of this

use std::collections::{HashSet, VecDeque};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use amphi_sfu::{
    MediaParticipant, MediaRoom, OfferedTrack, ParticipantId, Sfu, SfuConfig, SfuEvent,
};
use bytes::Bytes;
use rtc::interceptor::{Attribute, Interceptor, Packet, Registry, Slot, StreamInfo, TaggedPacket};
use rtc::media_stream::MediaStreamTrack;
use rtc::peer_connection::configuration::interceptor_registry::register_default_interceptors;
use rtc::peer_connection::configuration::media_engine::{MIME_TYPE_OPUS, MIME_TYPE_VP8};
use rtc::rtcp::payload_feedbacks::full_intra_request::FullIntraRequest;
use rtc::rtcp::payload_feedbacks::picture_loss_indication::PictureLossIndication;
use rtc::rtp;
use rtc::rtp_transceiver::rtp_sender::{
    RTCRtpCodec, RTCRtpCodingParameters, RTCRtpEncodingParameters, RTCRtpHeaderExtensionCapability,
    RtpCodecKind,
};
use rtc::sansio::Protocol;
use tokio::sync::{mpsc, watch};
use webrtc::media_stream::track_local::TrackLocal;
use webrtc::media_stream::track_local::static_rtp::TrackLocalStaticRTP;
use webrtc::media_stream::track_remote::{TrackRemote, TrackRemoteEvent};
use webrtc::peer_connection::{
    MediaEngine, PeerConnection, PeerConnectionBuilder, PeerConnectionEventHandler,
    RTCIceGatheringState, RTCPeerConnectionState, RTCSessionDescription,
};

mod browser;
mod call;
mod packets;
mod wire;

// Each test binary uses a part.
#[allow(unused_imports)]
pub use browser::*;
#[allow(unused_imports)]
pub use call::*;
#[allow(unused_imports)]
pub use packets::*;
#[allow(unused_imports)]
pub use wire::*;

pub const AUDIO_LEVEL_URI: &str = "urn:ietf:params:rtp-hdrext:ssrc-audio-level";
pub const RID_URI: &str = "urn:ietf:params:rtp-hdrext:sdes:rtp-stream-id";
pub const MID_URI: &str = "urn:ietf:params:rtp-hdrext:sdes:mid";

pub type BoxErr = Box<dyn std::error::Error + Send + Sync>;

pub fn sfu(port_base: u16) -> Sfu {
    Sfu::new(SfuConfig {
        bind_ip: "127.0.0.1".parse().unwrap(),
        announced_ips: vec![],
        udp_port_min: port_base,
        udp_port_max: port_base + 49,
        ..SfuConfig::default()
    })
    .unwrap()
}

/// `tracks` for a browser whose only m-line (mid 0) sends the camera.
pub fn camera() -> Vec<amphi_sfu::TrackSource> {
    vec![amphi_sfu::TrackSource {
        mid: "0".into(),
        source: amphi_sfu::Source::Camera,
    }]
}

/// The room's events, with helpers to wait for one kind while keeping the rest.
pub struct Events {
    rx: mpsc::Receiver<SfuEvent>,
    kept: VecDeque<SfuEvent>,
}

impl Events {
    pub fn new(rx: mpsc::Receiver<SfuEvent>) -> Self {
        Self {
            rx,
            kept: VecDeque::new(),
        }
    }

    pub async fn wait<T>(&mut self, what: &str, mut f: impl FnMut(&SfuEvent) -> Option<T>) -> T {
        if let Some(i) = self.kept.iter().position(|e| f(e).is_some()) {
            let e = self.kept.remove(i).unwrap();
            return f(&e).unwrap();
        }
        let deadline = Instant::now() + Duration::from_secs(10);
        loop {
            let left = deadline.saturating_duration_since(Instant::now());
            match tokio::time::timeout(left, self.rx.recv()).await {
                Ok(Some(e)) => match f(&e) {
                    Some(t) => return t,
                    None => self.kept.push_back(e),
                },
                _ => panic!("timed out waiting for {what}; kept {:?}", self.kept),
            }
        }
    }

    pub async fn offer_for(&mut self, who: &ParticipantId) -> (String, Vec<OfferedTrack>) {
        let who = who.clone();
        self.wait("a subscriber offer", |e| match e {
            SfuEvent::SubscriberOffer {
                participant,
                sdp,
                tracks,
            } if *participant == who => Some((sdp.clone(), tracks.clone())),
            _ => None,
        })
        .await
    }

    pub fn drain(&mut self) -> Vec<SfuEvent> {
        let mut v: Vec<SfuEvent> = self.kept.drain(..).collect();
        while let Ok(e) = self.rx.try_recv() {
            v.push(e);
        }
        v
    }
}

pub fn open_room(sfu: &Sfu) -> (MediaRoom, Events) {
    let (tx, rx) = mpsc::channel(1024);
    (sfu.open_room(tx), Events::new(rx))
}
