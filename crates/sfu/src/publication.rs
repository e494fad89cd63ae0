//! A publication: one track a participant sends. Its ingress loop reads the publisher leg's
//! `TrackRemote` and fans packets out to the subscriptions' bounded queues, never waiting on
//! any of them.

use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, AtomicU32, AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, Weak};
use std::time::{Duration, Instant};

use rtc::rtcp::payload_feedbacks::picture_loss_indication::PictureLossIndication;
use rtc::rtp;
use tokio::sync::mpsc;
use webrtc::media_stream::track_remote::{TrackRemote, TrackRemoteEvent};

use crate::codecs::{AUDIO_LEVEL_URI, CodecSpec, VideoCodec};
use crate::dedup::DedupWindow;
use crate::keyframe::{KeyframeThrottle, is_keyframe, vp8_keyframe_size};
use crate::layers::{LayerView, rid_rank};
use crate::room::RoomInner;
use crate::stats::Counters;
use crate::{MediaKind, PublicationInfo, SfuEvent, Shared};

/// A layer is active if a packet arrived this recently.
const LAYER_TIMEOUT: Duration = Duration::from_millis(1500);
/// Keyframe requests per source.
const KEYFRAME_INTERVAL: Duration = Duration::from_secs(1);

/// One packet on its way to a subscription.
pub(crate) struct Forwarded {
    pub(crate) pkt: rtp::Packet,
    pub(crate) rank: u8,
    pub(crate) keyframe: bool,
    pub(crate) at: Instant,
    /// How many times the publication was resumed (see [`Publication::set_paused`]): when it
    /// changes, the subscription starts over on a keyframe, its output continuing after what
    /// it sent before the pause.
    pub(crate) resumes: u32,
}

/// A subscription's end of the fan-out.
pub(crate) struct Sink {
    pub(crate) id: u64,
    pub(crate) tx: mpsc::Sender<Forwarded>,
    /// Bit r set: the subscription wants packets of layer rank r (the layer it forwards and
    /// the one it is switching to). Skipping the others saves queue room and copies.
    pub(crate) wanted: Arc<AtomicU32>,
    /// A tap's own count of packets dropped on a full queue (`tap.rs`); `None` for a
    /// subscription (counted in the SFU's stats only).
    pub(crate) dropped: Option<Arc<AtomicU64>>,
}

struct Layer {
    ssrc: u32,
    rank: u8,
    height: u16,
    last_packet: Instant,
}

#[derive(Default)]
struct State {
    remote: Option<Arc<dyn TrackRemote>>,
    /// Publisher-leg payload types of this m-line.
    codecs: Vec<(u8, CodecSpec)>,
    /// Publisher-leg header extensions (URI, id).
    extensions: Vec<(String, u8)>,
    layers: Vec<Layer>,
    sinks: Vec<Sink>,
    started: bool,
    ended: bool,
}

/// SSRCs one publication's ingress loop tracks at most: three simulcast layers and a spare.
const MAX_LAYER_SSRCS: usize = 4;

/// The ingress loop's SSRC → layer rank map: one SSRC per layer, from the track's `OnOpen`s.
#[derive(Default)]
struct LayerSsrcs {
    rank_of: HashMap<u32, u8>,
}

impl LayerSsrcs {
    /// A layer opened; returns the SSRCs it replaces (same rank: the encoder restarted).
    fn open(&mut self, ssrc: u32, rank: u8) -> Vec<u32> {
        let replaced: Vec<u32> = self
            .rank_of
            .iter()
            .filter(|&(s, r)| *r == rank && *s != ssrc)
            .map(|(s, _)| *s)
            .collect();
        for s in &replaced {
            self.rank_of.remove(s);
        }
        self.rank_of.insert(ssrc, rank);
        replaced
    }

    /// The rank of a packet's SSRC, and whether it opens the publication's first layer.
    /// Layers' packets do arrive before their `OnOpen` (and an `OnOpen` may be lost to a full
    /// channel, FINDINGS §1.8); dropping them made holes in what subscribers got (simulcast
    /// test). So an unannounced SSRC counts as layer 0 until its `OnOpen` says otherwise, but
    /// only while fewer than [`MAX_LAYER_SSRCS`] SSRCs are known: beyond that it is ignored
    /// (`None`), so stray SSRCs cannot grow the maps. Only the very first one opens a layer;
    /// later ones never take the place of an existing layer 0.
    fn rank(&mut self, ssrc: u32) -> Option<(u8, bool)> {
        if let Some(r) = self.rank_of.get(&ssrc) {
            return Some((*r, false));
        }
        if self.rank_of.len() >= MAX_LAYER_SSRCS {
            return None;
        }
        let first = self.rank_of.is_empty();
        self.rank_of.insert(ssrc, 0);
        Some((0, first))
    }
}

pub(crate) struct Publication {
    pub(crate) info: PublicationInfo,
    shared: Arc<Shared>,
    room: Weak<RoomInner>,
    state: Mutex<State>,
    throttle: Mutex<KeyframeThrottle>,
    /// Bumped by every `set_negotiated`: the ingress loop re-reads payload types and the
    /// audio level id when it changes (a renegotiation may renumber them).
    negotiation: AtomicU64,
    /// A moderator muted it: nothing is forwarded (the publisher may still send).
    paused: AtomicBool,
    resumes: AtomicU32,
}

/// What the ingress loop needs from the negotiation, re-read when it changes.
struct Negotiated {
    generation: u64,
    codec_of: HashMap<u8, VideoCodec>,
    audio_level_id: Option<u8>,
}

impl Negotiated {
    fn read(p: &Publication) -> Self {
        // Read the generation first: a change racing with the reads is picked up next time.
        let generation = p.negotiation.load(Ordering::Acquire);
        let st = p.lock();
        Self {
            generation,
            codec_of: st.codecs.iter().map(|(pt, c)| (*pt, c.kind())).collect(),
            audio_level_id: st
                .extensions
                .iter()
                .find(|(uri, _)| uri == AUDIO_LEVEL_URI)
                .map(|(_, id)| *id),
        }
    }

    /// Re-reads after a renegotiation.
    fn refresh(&mut self, p: &Publication) {
        if p.negotiation.load(Ordering::Acquire) != self.generation {
            *self = Self::read(p);
        }
    }

    /// Whether a packet starts a keyframe. A payload type the negotiation does not know is
    /// not one: it cannot be inspected, and taking it for one would switch layers on garbage.
    fn keyframe(&self, payload_type: u8, payload: &[u8]) -> bool {
        match self.codec_of.get(&payload_type) {
            Some(codec) => !payload.is_empty() && is_keyframe(*codec, payload),
            None => false,
        }
    }

    fn codec(&self, payload_type: u8) -> Option<VideoCodec> {
        self.codec_of.get(&payload_type).copied()
    }
}

impl Publication {
    pub(crate) fn new(info: PublicationInfo, shared: Arc<Shared>, room: Weak<RoomInner>) -> Self {
        Self {
            info,
            shared,
            room,
            state: Mutex::new(State::default()),
            throttle: Mutex::new(KeyframeThrottle::new(KEYFRAME_INTERVAL)),
            negotiation: AtomicU64::new(0),
            paused: AtomicBool::new(false),
            resumes: AtomicU32::new(0),
        }
    }

    /// Stops (`true`) or resumes forwarding to every subscription. Resuming makes each
    /// subscription wait for a keyframe (asked for here) and continue its sequence numbers,
    /// so receivers see no gap and decode from a clean picture.
    pub(crate) fn set_paused(&self, paused: bool) {
        if paused {
            self.paused.store(true, Ordering::Release);
            return;
        }
        if !self.paused.load(Ordering::Acquire) {
            return;
        }
        // The resume count moves before forwarding restarts: a packet let through must carry
        // the new count, or it would be forwarded as a continuation of the old picture.
        self.resumes.fetch_add(1, Ordering::AcqRel);
        if !self.paused.swap(false, Ordering::AcqRel) {
            return;
        }
        let ranks: Vec<u8> = self.lock().layers.iter().map(|l| l.rank).collect();
        for rank in ranks {
            self.request_keyframe(rank);
        }
    }

    pub(crate) fn is_paused(&self) -> bool {
        self.paused.load(Ordering::Acquire)
    }

    fn lock(&self) -> MutexGuard<'_, State> {
        // Every critical section is a few assignments: a panic inside cannot leave the state
        // half-updated in a way that matters, so a poisoned lock is used as is.
        self.state.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Records what the publisher leg negotiated for this m-line.
    pub(crate) fn set_negotiated(
        &self,
        codecs: Vec<(u8, CodecSpec)>,
        extensions: Vec<(String, u8)>,
    ) {
        let mut st = self.lock();
        st.codecs = codecs;
        st.extensions = extensions;
        self.negotiation.fetch_add(1, Ordering::AcqRel);
    }

    pub(crate) fn codecs(&self) -> Vec<(u8, CodecSpec)> {
        self.lock().codecs.clone()
    }

    pub(crate) fn extensions(&self) -> Vec<(String, u8)> {
        self.lock().extensions.clone()
    }

    /// The codec to announce on subscriber legs: the first media codec negotiated.
    pub(crate) fn primary_codec(&self) -> Option<CodecSpec> {
        self.lock()
            .codecs
            .iter()
            .find(|(_, c)| !c.is_repair())
            .map(|(_, c)| c.clone())
    }

    pub(crate) fn started(&self) -> bool {
        self.lock().started
    }

    pub(crate) fn add_sink(&self, sink: Sink) {
        self.lock().sinks.push(sink);
    }

    pub(crate) fn remove_sink(&self, id: u64) {
        self.lock().sinks.retain(|s| s.id != id);
    }

    /// Stops forwarding: drops every sink (their tasks see the channel close).
    pub(crate) fn end(&self) {
        let mut st = self.lock();
        st.ended = true;
        st.sinks.clear();
        st.remote = None;
    }

    /// The layers as the selector sees them.
    pub(crate) fn layer_views(&self, now: Instant) -> Vec<LayerView> {
        self.lock()
            .layers
            .iter()
            .map(|l| LayerView {
                rank: l.rank,
                height: l.height,
                active: now.saturating_duration_since(l.last_packet) < LAYER_TIMEOUT,
            })
            .collect()
    }

    /// Asks the publisher for a keyframe on layer `rank`, at most once a second per source.
    pub(crate) fn request_keyframe(&self, rank: u8) {
        if self.info.kind != MediaKind::Video {
            return;
        }
        let (remote, ssrc) = {
            let st = self.lock();
            let Some(remote) = st.remote.clone() else {
                return;
            };
            let Some(layer) = st
                .layers
                .iter()
                .find(|l| l.rank == rank)
                .or(st.layers.first())
            else {
                return;
            };
            (remote, layer.ssrc)
        };
        let allowed = self
            .throttle
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .allow(ssrc, Instant::now());
        if !allowed {
            return;
        }
        Counters::inc(&self.shared.stats.keyframe_requests_sent);
        // Spawned: writing RTCP awaits the publisher connection's driver; the caller is a
        // forwarding task that must not wait on another connection.
        tokio::spawn(async move {
            let pli = PictureLossIndication {
                sender_ssrc: 0,
                media_ssrc: ssrc,
            };
            if let Err(e) = remote.write_rtcp(vec![Box::new(pli)]).await {
                tracing::debug!(error = %e, "keyframe request not sent");
            }
        });
    }

    /// Reads the publisher's track until it ends. Spawned once per `TrackRemote`.
    pub(crate) async fn ingress(self: Arc<Self>, track: Arc<dyn TrackRemote>) {
        {
            let mut st = self.lock();
            if st.ended {
                return;
            }
            st.remote = Some(track.clone());
        }
        let counters = self.shared.stats.clone();
        let mut negotiated = Negotiated::read(&self);
        let mut ssrcs = LayerSsrcs::default();
        let mut dedup = DedupWindow::default();
        while let Some(ev) = track.poll().await {
            match ev {
                TrackRemoteEvent::OnOpen(init) => {
                    let rank = rid_rank(init.rid.as_deref().unwrap_or(""));
                    for old in ssrcs.open(init.ssrc, rank) {
                        dedup.forget(old);
                    }
                    self.open_layer(init.ssrc, rank);
                }
                TrackRemoteEvent::OnRtpPacket(pkt) => {
                    let size = pkt.payload.len() as u64;
                    Counters::inc(&counters.packets_in);
                    Counters::add(&counters.bytes_in, size);
                    let ssrc = pkt.header.ssrc;
                    let rank = match ssrcs.rank(ssrc) {
                        Some((rank, false)) => rank,
                        Some((rank, true)) => {
                            self.open_layer(ssrc, rank);
                            rank
                        }
                        None => continue,
                    };
                    if !dedup.insert(ssrc, pkt.header.sequence_number) {
                        Counters::inc(&counters.duplicates_in);
                        continue;
                    }
                    negotiated.refresh(&self);
                    let pt = pkt.header.payload_type;
                    let keyframe = negotiated.keyframe(pt, &pkt.payload);
                    let height = if keyframe && negotiated.codec(pt) == Some(VideoCodec::Vp8) {
                        vp8_keyframe_size(&pkt.payload).map(|(_, h)| h).unwrap_or(0)
                    } else {
                        0
                    };
                    if let Some(id) = negotiated.audio_level_id
                        && let Some(level) = pkt.header.get_extension(id)
                        && let Some(&byte) = level.first()
                        && let Some(room) = self.room.upgrade()
                    {
                        room.feed_audio_level(&self.info.participant, byte);
                    }
                    self.fan_out(pkt, rank, keyframe, height, &counters);
                }
                TrackRemoteEvent::OnEnded => break,
                _ => {}
            }
        }
        let mut st = self.lock();
        if st.remote.as_ref().is_some_and(|r| Arc::ptr_eq(r, &track)) {
            st.remote = None;
        }
        for l in &st.layers {
            dedup.forget(l.ssrc);
        }
    }

    fn open_layer(&self, ssrc: u32, rank: u8) {
        let first = {
            let mut st = self.lock();
            if !st.layers.iter().any(|l| l.ssrc == ssrc) {
                // A rank reused by a new SSRC (publisher restarted the encoder) replaces the old.
                st.layers.retain(|l| l.rank != rank);
                st.layers.push(Layer {
                    ssrc,
                    rank,
                    height: 0,
                    last_packet: Instant::now(),
                });
            }
            // An ended publication (its m-line unlisted before media came) is never announced.
            let first = !st.started && !st.ended;
            st.started = true;
            first
        };
        if first && let Some(room) = self.room.upgrade() {
            room.emit(SfuEvent::PublicationStarted {
                publication: self.info.clone(),
            });
        }
    }

    fn fan_out(
        &self,
        pkt: rtp::Packet,
        rank: u8,
        keyframe: bool,
        height: u16,
        counters: &Counters,
    ) {
        let now = Instant::now();
        let mut st = self.lock();
        if let Some(l) = st.layers.iter_mut().find(|l| l.ssrc == pkt.header.ssrc) {
            l.last_packet = now;
            if height > 0 {
                l.height = height;
            }
        }
        // Paused: the layers stay known and active (for the selection after resuming), but
        // nothing reaches any queue.
        if self.is_paused() {
            return;
        }
        let resumes = self.resumes.load(Ordering::Acquire);
        let bit = 1u32 << rank.min(31);
        for sink in &st.sinks {
            if sink.wanted.load(Ordering::Relaxed) & bit == 0 {
                continue;
            }
            let item = Forwarded {
                pkt: pkt.clone(),
                rank,
                keyframe,
                at: now,
                resumes,
            };
            if let Err(mpsc::error::TrySendError::Full(_)) = sink.tx.try_send(item) {
                Counters::inc(&counters.dropped_queue_full);
                if let Some(d) = &sink.dropped {
                    d.fetch_add(1, Ordering::Relaxed);
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{ParticipantId, PublicationId, Source};

    fn publication(shared: Arc<Shared>) -> Publication {
        Publication::new(
            PublicationInfo {
                id: PublicationId("p".into()),
                participant: ParticipantId("a".into()),
                mid: "0".into(),
                kind: MediaKind::Video,
                source: Source::Camera,
            },
            shared,
            Weak::new(),
        )
    }

    fn packet(seq: u16) -> rtp::Packet {
        rtp::Packet {
            header: rtp::header::Header {
                version: 2,
                ssrc: 5,
                sequence_number: seq,
                ..Default::default()
            },
            payload: bytes::Bytes::from_static(b"abc"),
        }
    }

    #[test]
    fn a_full_queue_drops_for_that_subscriber_only() {
        let shared = crate::tests::shared();
        let p = publication(shared.clone());
        p.open_layer(5, 0);
        let (fast_tx, mut fast_rx) = mpsc::channel(8);
        let (slow_tx, _slow_rx) = mpsc::channel(8); // never drained
        let (skip_tx, mut skip_rx) = mpsc::channel(8);
        p.add_sink(Sink {
            id: 1,
            tx: fast_tx,
            wanted: Arc::new(AtomicU32::new(1)),
            dropped: None,
        });
        p.add_sink(Sink {
            id: 2,
            tx: slow_tx,
            wanted: Arc::new(AtomicU32::new(1)),
            dropped: None,
        });
        // wants only layer 1: layer 0 packets never reach its queue
        p.add_sink(Sink {
            id: 3,
            tx: skip_tx,
            wanted: Arc::new(AtomicU32::new(0b10)),
            dropped: None,
        });
        let mut got = 0;
        for seq in 0..100 {
            p.fan_out(packet(seq), 0, false, 0, &shared.stats);
            while let Ok(f) = fast_rx.try_recv() {
                assert_eq!(f.pkt.header.sequence_number, got);
                got += 1;
            }
        }
        assert_eq!(got, 100, "the fast subscriber got everything");
        assert_eq!(
            shared.stats.dropped_queue_full.load(Ordering::Relaxed),
            92,
            "the slow one lost what did not fit in its 8 slots"
        );
        assert!(skip_rx.try_recv().is_err());
        p.remove_sink(2);
        p.fan_out(packet(100), 0, false, 0, &shared.stats);
        assert_eq!(shared.stats.dropped_queue_full.load(Ordering::Relaxed), 92);
    }

    #[test]
    fn a_renegotiation_renumbering_payload_types_is_followed() {
        let p = publication(crate::tests::shared());
        let vp8 = CodecSpec {
            mime_type: "video/VP8".into(),
            clock_rate: 90_000,
            fmtp: String::new(),
        };
        let key = [0x10, 0x00, 0x00, 0x9d, 0x01, 0x2a, 0x80, 0x02, 0x68, 0x01];
        p.set_negotiated(vec![(96, vp8.clone())], vec![]);
        let mut n = Negotiated::read(&p);
        assert!(n.keyframe(96, &key));
        assert!(
            !n.keyframe(100, &key),
            "an unknown payload type is no keyframe"
        );
        p.set_negotiated(vec![(100, vp8)], vec![(AUDIO_LEVEL_URI.to_owned(), 4)]);
        n.refresh(&p);
        assert!(n.keyframe(100, &key), "the new numbering is used");
        assert!(!n.keyframe(96, &key));
        assert_eq!(n.audio_level_id, Some(4));
    }

    #[test]
    fn only_announced_ssrcs_are_layers() {
        let mut m = LayerSsrcs::default();
        assert_eq!(m.rank(10), Some((0, true)), "the first SSRC opens layer 0");
        assert_eq!(m.rank(10), Some((0, false)));
        assert!(m.open(20, 1).is_empty());
        // Before its OnOpen, another layer's packets count as layer 0 without opening one.
        assert_eq!(m.rank(30), Some((0, false)));
        assert!(m.open(30, 2).is_empty());
        assert_eq!(m.rank(30), Some((2, false)));
        let strays: Vec<_> = (1_000..2_000).filter_map(|s| m.rank(s)).collect();
        assert_eq!(
            strays,
            vec![(0, false)],
            "one spare, then strays are ignored"
        );
        assert_eq!(
            m.rank_of.len(),
            MAX_LAYER_SSRCS,
            "strays are not remembered"
        );
        assert_eq!(m.rank(10), Some((0, false)));
        assert_eq!(
            m.open(40, 1),
            vec![20],
            "an encoder restart replaces its layer"
        );
        assert_eq!(
            m.rank(20),
            None,
            "the map is full: the old SSRC is gone for good"
        );
        assert_eq!(m.rank(40), Some((1, false)));
    }

    #[tokio::test]
    async fn a_paused_publication_queues_nothing_and_resumes_counted() {
        let shared = crate::tests::shared();
        let p = publication(shared.clone());
        p.open_layer(5, 0);
        let (tx, mut rx) = mpsc::channel(8);
        p.add_sink(Sink {
            id: 1,
            tx,
            wanted: Arc::new(AtomicU32::new(1)),
            dropped: None,
        });
        p.fan_out(packet(1), 0, true, 0, &shared.stats);
        assert_eq!(rx.try_recv().map(|f| f.resumes).ok(), Some(0));
        p.set_paused(true);
        p.fan_out(packet(2), 0, true, 360, &shared.stats);
        assert!(rx.try_recv().is_err(), "nothing queued while paused");
        let views = p.layer_views(Instant::now());
        assert!(
            views[0].active && views[0].height == 360,
            "layers still tracked"
        );
        p.set_paused(false);
        p.set_paused(false); // a second resume changes nothing
        p.fan_out(packet(3), 0, true, 0, &shared.stats);
        let f = rx.try_recv().expect("forwarded again");
        assert_eq!((f.pkt.header.sequence_number, f.resumes), (3, 1));
    }

    #[test]
    fn layers_are_active_while_packets_flow() {
        let shared = crate::tests::shared();
        let p = publication(shared.clone());
        p.open_layer(5, 2);
        p.fan_out(packet(1), 2, true, 720, &shared.stats);
        let v = p.layer_views(Instant::now());
        assert_eq!(
            v,
            vec![LayerView {
                rank: 2,
                height: 720,
                active: true
            }]
        );
        let later = p.layer_views(Instant::now() + Duration::from_secs(5));
        assert!(!later[0].active);
        assert!(p.started());
    }
}
