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

// ---------------------------------------------------------------------------------------------
// Test interceptors
// ---------------------------------------------------------------------------------------------

/// What a browser counted on its wire.
#[derive(Default)]
pub struct Wire {
    /// First transmissions swallowed on purpose.
    pub dropped: AtomicU64,
    /// Retransmissions this peer sent (answers to NACKs).
    pub retransmissions_out: AtomicU64,
    /// NACK packets received.
    pub nacks_in: AtomicU64,
    /// PLI/FIR received.
    pub keyframe_requests_in: AtomicU64,
}

/// Wire-most: drops the first transmission of every `every`-th outgoing video packet
/// (`outgoing`), or the first arrival of every `every`-th incoming one; counts NACKs,
/// retransmissions and keyframe requests.
pub struct WireTap {
    every: u16,
    outgoing: bool,
    seen: HashSet<(u32, u16)>,
    wire: Arc<Wire>,
    reads: VecDeque<TaggedPacket>,
    writes: VecDeque<TaggedPacket>,
}

fn lossy(p: &rtp::Packet, every: u16) -> bool {
    // Video only: the test's video payloads are 600+ bytes, audio 80.
    every > 0 && p.payload.len() > 300 && p.header.sequence_number % every == every / 2
}

impl Protocol<TaggedPacket, TaggedPacket, ()> for WireTap {
    type Rout = TaggedPacket;
    type Wout = TaggedPacket;
    type Eout = ();
    type Error = rtc::shared::error::Error;
    type Time = Instant;

    fn handle_read(&mut self, msg: TaggedPacket) -> Result<(), Self::Error> {
        match &msg.message.packet {
            Packet::Rtcp(pkts) => {
                for p in pkts {
                    let a = p.as_any();
                    if a.is::<rtc::rtcp::transport_feedbacks::transport_layer_nack::TransportLayerNack>() {
                        self.wire.nacks_in.fetch_add(1, Ordering::Relaxed);
                    }
                    if a.is::<PictureLossIndication>() || a.is::<FullIntraRequest>() {
                        self.wire
                            .keyframe_requests_in
                            .fetch_add(1, Ordering::Relaxed);
                    }
                }
            }
            Packet::Rtp(p)
                if !self.outgoing
                    && lossy(p, self.every)
                    && self.seen.insert((p.header.ssrc, p.header.sequence_number)) =>
            {
                self.wire.dropped.fetch_add(1, Ordering::Relaxed);
                return Ok(());
            }
            _ => {}
        }
        self.reads.push_back(msg);
        Ok(())
    }
    fn poll_read(&mut self) -> Option<TaggedPacket> {
        self.reads.pop_front()
    }
    fn handle_write(&mut self, msg: TaggedPacket) -> Result<(), Self::Error> {
        if msg.message.has(&Attribute::Retransmission) {
            self.wire
                .retransmissions_out
                .fetch_add(1, Ordering::Relaxed);
        } else if let Packet::Rtp(p) = &msg.message.packet
            && self.outgoing
            && lossy(p, self.every)
            && self.seen.insert((p.header.ssrc, p.header.sequence_number))
        {
            self.wire.dropped.fetch_add(1, Ordering::Relaxed);
            return Ok(());
        }
        self.writes.push_back(msg);
        Ok(())
    }
    fn poll_write(&mut self) -> Option<TaggedPacket> {
        self.writes.pop_front()
    }
    fn handle_timeout(&mut self, _now: Instant) -> Result<(), Self::Error> {
        Ok(())
    }
    fn poll_timeout(&mut self) -> Option<Instant> {
        None
    }
}

impl Interceptor for WireTap {
    fn bind_local_stream(&mut self, _: &StreamInfo) {}
    fn unbind_local_stream(&mut self, _: &StreamInfo) {}
    fn bind_remote_stream(&mut self, _: &StreamInfo) {}
    fn unbind_remote_stream(&mut self, _: &StreamInfo) {}
}

// ---------------------------------------------------------------------------------------------
// Browsers
// ---------------------------------------------------------------------------------------------

struct Handler {
    gathered: watch::Sender<bool>,
    connected: watch::Sender<bool>,
    tracks: mpsc::UnboundedSender<Arc<dyn TrackRemote>>,
}

#[async_trait::async_trait]
impl PeerConnectionEventHandler for Handler {
    async fn on_ice_gathering_state_change(&self, s: RTCIceGatheringState) {
        if s == RTCIceGatheringState::Complete {
            let _ = self.gathered.send(true);
        }
    }
    async fn on_connection_state_change(&self, s: RTCPeerConnectionState) {
        let _ = self.connected.send(s == RTCPeerConnectionState::Connected);
    }
    async fn on_track(&self, t: Arc<dyn TrackRemote>) {
        let _ = self.tracks.send(t);
    }
}

#[derive(Default, Clone, Copy)]
pub struct Loss {
    /// Drop the first transmission of every n-th outgoing video packet (publisher wire).
    pub outgoing_every: u16,
    /// Drop the first arrival of every n-th incoming video packet (subscriber wire).
    pub incoming_every: u16,
}

pub struct Browser {
    pub pc: Arc<dyn PeerConnection>,
    pub wire: Arc<Wire>,
    gathered: watch::Receiver<bool>,
    pub connected: watch::Receiver<bool>,
    pub tracks: mpsc::UnboundedReceiver<Arc<dyn TrackRemote>>,
}

impl Browser {
    /// Like Chrome: default codecs (with RTX), NACK/PLI, audio level, mid/rid.
    pub async fn new(loss: Loss) -> Result<Self, BoxErr> {
        let mut me = MediaEngine::default();
        me.register_default_codecs()?;
        me.register_header_extension(
            RTCRtpHeaderExtensionCapability {
                uri: AUDIO_LEVEL_URI.into(),
            },
            RtpCodecKind::Audio,
            None,
        )?;
        let wire = Arc::new(Wire::default());
        let every = loss.outgoing_every.max(loss.incoming_every);
        let registry = register_default_interceptors(Registry::new(), &mut me)?.with(
            Slot::from(500),
            WireTap {
                every,
                outgoing: loss.outgoing_every > 0,
                seen: HashSet::new(),
                wire: wire.clone(),
                reads: VecDeque::new(),
                writes: VecDeque::new(),
            },
        );
        let (g_tx, g_rx) = watch::channel(false);
        let (c_tx, c_rx) = watch::channel(false);
        let (t_tx, t_rx) = mpsc::unbounded_channel();
        let pc = PeerConnectionBuilder::new()
            .with_media_engine(me)
            .with_interceptor_registry(registry)
            .with_handler(Arc::new(Handler {
                gathered: g_tx,
                connected: c_tx,
                tracks: t_tx,
            }))
            .with_udp_addrs(vec!["127.0.0.1:0".to_owned()])
            .build()
            .await?;
        Ok(Self {
            pc: Arc::new(pc),
            wire,
            gathered: g_rx,
            connected: c_rx,
            tracks: t_rx,
        })
    }

    /// Publisher side: offer, let the SFU answer, apply it.
    pub async fn publish(
        &mut self,
        participant: &MediaParticipant,
        sources: &[amphi_sfu::TrackSource],
    ) -> Result<amphi_sfu::PublisherAnswer, BoxErr> {
        let offer = self.pc.create_offer(None).await?;
        self.pc.set_local_description(offer).await?;
        tokio::time::timeout(Duration::from_secs(5), self.gathered.wait_for(|g| *g)).await??;
        let offer = self.pc.local_description().await.ok_or("no offer")?;
        let answer = participant.publisher_offer(&offer.sdp, sources).await?;
        self.pc
            .set_remote_description(RTCSessionDescription::answer(answer.sdp.clone())?)
            .await?;
        Ok(answer)
    }

    /// Subscriber side: answer an SFU offer.
    pub async fn answer(
        &mut self,
        participant: &MediaParticipant,
        offer: &str,
    ) -> Result<(), BoxErr> {
        self.answer_filtered(participant, offer, |s| s.to_string())
            .await
    }

    /// Same, passing the answer through `filter` on its way to the SFU.
    pub async fn answer_filtered(
        &mut self,
        participant: &MediaParticipant,
        offer: &str,
        filter: impl Fn(&str) -> String,
    ) -> Result<(), BoxErr> {
        self.pc
            .set_remote_description(RTCSessionDescription::offer(offer.to_string())?)
            .await?;
        let answer = self.pc.create_answer(None).await?;
        self.pc.set_local_description(answer).await?;
        tokio::time::timeout(Duration::from_secs(5), self.gathered.wait_for(|g| *g)).await??;
        let answer = self.pc.local_description().await.ok_or("no answer")?;
        participant.subscriber_answer(&filter(&answer.sdp)).await?;
        Ok(())
    }

    pub async fn wait_connected(&mut self) -> Result<(), BoxErr> {
        tokio::time::timeout(Duration::from_secs(10), self.connected.wait_for(|c| *c)).await??;
        Ok(())
    }

    pub async fn next_track(&mut self) -> Arc<dyn TrackRemote> {
        tokio::time::timeout(Duration::from_secs(10), self.tracks.recv())
            .await
            .expect("no track in time")
            .expect("track channel closed")
    }

    pub async fn close(&self) {
        let _ = self.pc.close().await;
    }
}

pub fn vp8_track(id: &str, encodings: &[(&str, u32)]) -> Arc<TrackLocalStaticRTP> {
    let codec = RTCRtpCodec {
        mime_type: MIME_TYPE_VP8.into(),
        clock_rate: 90_000,
        channels: 0,
        sdp_fmtp_line: String::new(),
        rtcp_feedback: vec![],
    };
    Arc::new(TrackLocalStaticRTP::new(MediaStreamTrack::new(
        format!("stream-{id}"),
        id.into(),
        id.into(),
        RtpCodecKind::Video,
        encodings
            .iter()
            .map(|(rid, ssrc)| RTCRtpEncodingParameters {
                rtp_coding_parameters: RTCRtpCodingParameters {
                    rid: rid.to_string(),
                    ssrc: Some(*ssrc),
                    ..Default::default()
                },
                codec: codec.clone(),
                ..Default::default()
            })
            .collect(),
    )))
}

pub fn opus_track(id: &str, ssrc: u32) -> Arc<TrackLocalStaticRTP> {
    Arc::new(TrackLocalStaticRTP::new(MediaStreamTrack::new(
        format!("stream-{id}"),
        id.into(),
        id.into(),
        RtpCodecKind::Audio,
        vec![RTCRtpEncodingParameters {
            rtp_coding_parameters: RTCRtpCodingParameters {
                ssrc: Some(ssrc),
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
    )))
}

pub async fn add(
    browser: &Browser,
    track: &Arc<TrackLocalStaticRTP>,
) -> Result<Arc<dyn webrtc::rtp_transceiver::RtpSender>, BoxErr> {
    Ok(browser
        .pc
        .add_track(track.clone() as Arc<dyn TrackLocal>)
        .await?)
}

/// The VP8-shaped payload of packet `i` of a stream with 3 packets per frame and a keyframe
/// every `gop` frames. Byte `len - 1` carries `tag` (which layer it came from).
pub fn vp8_payload(i: u32, gop: u32, len: usize, tag: u8) -> Bytes {
    let frame = i / 3;
    let first = i.is_multiple_of(3);
    let mut v = vec![0x55u8; len.max(3)];
    if first {
        v[0] = 0x10; // S=1, partition 0
        v[1] = if frame.is_multiple_of(gop) {
            0x00
        } else {
            0x01
        }; // inverse key-frame bit
    } else {
        v[0] = 0x00;
    }
    let n = v.len();
    v[n - 1] = tag;
    Bytes::from(v)
}

pub fn rtp(pt: u8, ssrc: u32, seq: u16, ts: u32, marker: bool, payload: Bytes) -> rtp::Packet {
    rtp::Packet {
        header: rtp::header::Header {
            version: 2,
            payload_type: pt,
            sequence_number: seq,
            timestamp: ts,
            ssrc,
            marker,
            ..Default::default()
        },
        payload,
    }
}

/// Everything a subscriber's track received.
#[derive(Default)]
pub struct Received {
    pub packets: Vec<(u32, u8, u16, u32, u8)>, // ssrc, pt, seq, ts, last payload byte
}

impl Received {
    /// Number of missing sequence numbers between the first and the last packet.
    pub fn gaps(&self) -> usize {
        let mut seqs: Vec<u64> = Vec::new();
        let mut ext = 0u64;
        let mut last: Option<u16> = None;
        for p in &self.packets {
            let s = p.2;
            ext = match last {
                None => 1 << 20,
                Some(l) => (ext as i64 + i64::from(s.wrapping_sub(l) as i16)) as u64,
            };
            if last.is_none_or(|l| (s.wrapping_sub(l) as i16) > 0) {
                last = Some(s);
            }
            seqs.push(ext);
        }
        seqs.sort();
        seqs.dedup();
        match (seqs.first(), seqs.last()) {
            (Some(a), Some(b)) => (b - a + 1) as usize - seqs.len(),
            _ => 0,
        }
    }
    pub fn duplicates(&self) -> usize {
        let mut s: Vec<u16> = self.packets.iter().map(|p| p.2).collect();
        let n = s.len();
        s.sort();
        s.dedup();
        n - s.len()
    }
}

/// Reads a subscriber track in the background.
pub fn record(track: Arc<dyn TrackRemote>) -> Arc<Mutex<Received>> {
    let out = Arc::new(Mutex::new(Received::default()));
    let o = out.clone();
    tokio::spawn(async move {
        while let Some(ev) = track.poll().await {
            if let TrackRemoteEvent::OnRtpPacket(p) = ev {
                let tag = p.payload.last().copied().unwrap_or(0);
                o.lock().unwrap().packets.push((
                    p.header.ssrc,
                    p.header.payload_type,
                    p.header.sequence_number,
                    p.header.timestamp,
                    tag,
                ));
            }
        }
    });
    out
}

/// The payload type an SDP maps to a codec name (first match), e.g. "VP8".
pub fn pt_of(sdp: &str, codec: &str) -> Option<u8> {
    sdp.lines().find_map(|l| {
        let rest = l.trim().strip_prefix("a=rtpmap:")?;
        let (pt, name) = rest.split_once(' ')?;
        name.to_ascii_lowercase()
            .starts_with(&format!("{}/", codec.to_ascii_lowercase()))
            .then(|| pt.parse().ok())
            .flatten()
    })
}

/// The extension id an SDP gives a URI.
pub fn ext_id(
    params: &rtc::rtp_transceiver::rtp_sender::RTCRtpSendParameters,
    uri: &str,
) -> Option<u8> {
    params
        .rtp_parameters
        .header_extensions
        .iter()
        .find(|e| e.uri == uri)
        .map(|e| e.id as u8)
}

/// A UDP relay between a subscriber and the SFU that drops the first copy of every `every`-th
/// SRTP video packet from the SFU (the RTP header is in clear): real loss on the wire, so the
/// subscriber's NACK and the SFU's retransmission cache have to repair it.
pub struct LossyProxy {
    pub addr: std::net::SocketAddr,
    pub dropped: Arc<AtomicU64>,
    task: tokio::task::JoinHandle<()>,
}

impl LossyProxy {
    /// `persistent`: drop every copy (retransmissions too), not only the first.
    pub async fn start(
        sfu: std::net::SocketAddr,
        every: u16,
        persistent: bool,
    ) -> Result<Self, BoxErr> {
        let front = tokio::net::UdpSocket::bind("127.0.0.1:0").await?;
        let back = tokio::net::UdpSocket::bind("127.0.0.1:0").await?;
        let addr = front.local_addr()?;
        let dropped = Arc::new(AtomicU64::new(0));
        let d = dropped.clone();
        let task = tokio::spawn(async move {
            let mut client: Option<std::net::SocketAddr> = None;
            let mut seen: HashSet<(u32, u16)> = HashSet::new();
            let (mut a, mut b) = ([0u8; 2048], [0u8; 2048]);
            loop {
                tokio::select! {
                    r = front.recv_from(&mut a) => {
                        let Ok((n, from)) = r else { return };
                        client = Some(from);
                        let _ = back.send_to(&a[..n], sfu).await;
                    }
                    r = back.recv_from(&mut b) => {
                        let Ok((n, _)) = r else { return };
                        let p = &b[..n];
                        // RTP (not RTCP: payload types 72-79 after masking the marker bit).
                        let is_rtp = n > 12 && (128..192).contains(&p[0]) && !(72..=79).contains(&(p[1] & 0x7f));
                        if is_rtp && n > 300 && every > 0 {
                            let seq = u16::from_be_bytes([p[2], p[3]]);
                            let ssrc = u32::from_be_bytes([p[8], p[9], p[10], p[11]]);
                            if seq % every == every / 2 && (seen.insert((ssrc, seq)) || persistent) {
                                d.fetch_add(1, Ordering::Relaxed);
                                continue;
                            }
                        }
                        if let Some(c) = client {
                            let _ = front.send_to(p, c).await;
                        }
                    }
                }
            }
        });
        Ok(Self {
            addr,
            dropped,
            task,
        })
    }

    /// The SFU's host candidate address in an SDP.
    pub fn sfu_addr(sdp: &str) -> Option<std::net::SocketAddr> {
        sdp.lines().find_map(|l| {
            let f: Vec<&str> = l
                .trim()
                .strip_prefix("a=candidate:")?
                .split_whitespace()
                .collect();
            (f.len() >= 8 && f[6] == "typ" && f[7] == "host" && f[2].eq_ignore_ascii_case("udp"))
                .then(|| format!("{}:{}", f[4], f[5]).parse().ok())
                .flatten()
        })
    }

    /// The SDP with the SFU's candidate pointing at the proxy instead.
    pub fn rewrite(&self, sdp: &str, sfu: std::net::SocketAddr) -> String {
        sdp.replace(
            &format!("{} {} typ host", sfu.ip(), sfu.port()),
            &format!("{} {} typ host", self.addr.ip(), self.addr.port()),
        )
    }
}

impl Drop for LossyProxy {
    fn drop(&mut self) {
        self.task.abort();
    }
}

/// A publisher's sending loop: VP8-shaped frames on every layer, a keyframe every `gop`
/// frames and as soon as a keyframe request arrived (as a browser does).
pub struct Publisher {
    pub track: Arc<TrackLocalStaticRTP>,
    /// (rid, ssrc, tag) per layer.
    pub layers: Vec<(String, u32, u8)>,
    pub mid_id: Option<u8>,
    pub rid_id: Option<u8>,
    pub wire: Arc<Wire>,
    pub sent: Arc<AtomicU64>,
}

impl Publisher {
    pub fn spawn(
        self,
        frames: u32,
        frame_interval: Duration,
        packets_per_frame: u32,
        gop: u32,
        len: usize,
    ) -> tokio::task::JoinHandle<()> {
        use webrtc::media_stream::track_local::TrackLocal;
        tokio::spawn(async move {
            let mut tick = tokio::time::interval(frame_interval);
            let mut seen_requests = 0;
            let mut seqs: Vec<u16> = vec![0; self.layers.len()];
            for frame in 0..frames {
                tick.tick().await;
                let req = self.wire.keyframe_requests_in.load(Ordering::Relaxed);
                let key = frame.is_multiple_of(gop) || req > seen_requests;
                seen_requests = req;
                for (li, (rid, ssrc, tag)) in self.layers.iter().enumerate() {
                    for k in 0..packets_per_frame {
                        let mut v = vec![0x55u8; len];
                        if k == 0 {
                            v[0] = 0x10;
                            v[1] = if key { 0x00 } else { 0x01 };
                        } else {
                            v[0] = 0x00;
                        }
                        v[len - 1] = *tag;
                        let mut p = rtp(
                            96,
                            *ssrc,
                            seqs[li],
                            frame * 3000,
                            k + 1 == packets_per_frame,
                            Bytes::from(v),
                        );
                        seqs[li] = seqs[li].wrapping_add(1);
                        if let Some(id) = self.mid_id {
                            let _ = p.header.set_extension(id, Bytes::from_static(b"0"));
                        }
                        if let (Some(id), false) = (self.rid_id, rid.is_empty()) {
                            let _ = p
                                .header
                                .set_extension(id, Bytes::copy_from_slice(rid.as_bytes()));
                        }
                        if self.track.write_rtp(p).await.is_ok() {
                            self.sent.fetch_add(1, Ordering::Relaxed);
                        }
                    }
                }
            }
        })
    }
}

/// Alice publishes one video track (simulcast if several layers), Bob subscribes to it,
/// optionally through a lossy proxy.
pub struct Call {
    pub sfu: Sfu,
    pub room: MediaRoom,
    pub events: Events,
    pub alice: MediaParticipant,
    pub bob: MediaParticipant,
    pub alice_browser: Browser,
    pub bob_browser: Browser,
    pub publication: amphi_sfu::PublicationId,
    pub publisher: Option<Publisher>,
    pub proxy: Option<LossyProxy>,
}

pub struct CallSetup<'a> {
    pub port_base: u16,
    pub layers: &'a [(&'a str, u32)],
    pub uplink: Loss,
    pub downlink_drop_every: Option<u16>,
    /// The downlink relay drops retransmissions too (congestion, not random loss).
    pub downlink_persistent: bool,
    pub video_size: Option<(u32, u32)>,
}

impl Call {
    pub async fn start(s: CallSetup<'_>) -> Result<Self, BoxErr> {
        let sfu = sfu(s.port_base);
        let (room, mut events) = open_room(&sfu);
        let alice = room.add_participant(ParticipantId("alice".into())).await?;
        let bob_id = ParticipantId("bob".into());
        let bob = room.add_participant(bob_id.clone()).await?;
        let mut alice_browser = Browser::new(s.uplink).await?;
        let track = vp8_track("cam", s.layers);
        let sender = add(&alice_browser, &track).await?;
        let answer = alice_browser.publish(&alice, &camera()).await?;
        let publication = answer.publications[0].id.clone();
        alice_browser.wait_connected().await?;
        let params = sender.get_parameters().await?;
        let publisher = Publisher {
            track,
            layers: s
                .layers
                .iter()
                .enumerate()
                .map(|(i, (rid, ssrc))| (rid.to_string(), *ssrc, i as u8))
                .collect(),
            mid_id: ext_id(&params, MID_URI),
            rid_id: ext_id(&params, RID_URI),
            wire: alice_browser.wire.clone(),
            sent: Arc::new(AtomicU64::new(0)),
        };
        let mut bob_browser = Browser::new(Loss::default()).await?;
        if let Some((w, h)) = s.video_size {
            bob.set_video_size(&publication, w, h).await?;
        }
        bob.subscribe(&publication).await?;
        let (offer, _) = events.offer_for(&bob_id).await;
        let proxy = match s.downlink_drop_every {
            Some(every) => {
                let sfu_addr = LossyProxy::sfu_addr(&offer).ok_or("no SFU candidate")?;
                let proxy = LossyProxy::start(sfu_addr, every, s.downlink_persistent).await?;
                let offer = proxy.rewrite(&offer, sfu_addr);
                // Without our candidates the SFU can only reach us through the proxy (it
                // learns the proxy's address from the checks it receives).
                let no_candidates = |sdp: &str| {
                    sdp.split_inclusive('\n')
                        .filter(|l| !l.starts_with("a=candidate"))
                        .collect::<String>()
                };
                bob_browser
                    .answer_filtered(&bob, &offer, no_candidates)
                    .await?;
                Some(proxy)
            }
            None => {
                bob_browser.answer(&bob, &offer).await?;
                None
            }
        };
        bob_browser.wait_connected().await?;
        Ok(Self {
            sfu,
            room,
            events,
            alice,
            bob,
            alice_browser,
            bob_browser,
            publication,
            publisher: Some(publisher),
            proxy,
        })
    }

    pub async fn close(self) {
        self.room.close().await;
        self.alice_browser.close().await;
        self.bob_browser.close().await;
    }
}
