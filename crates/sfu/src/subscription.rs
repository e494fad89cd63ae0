//! A subscription: one publication forwarded to one participant's subscriber leg. Its own task
//! drains the bounded queue the ingress fills, picks the layer, rewrites and writes; a second
//! task relays the subscriber's keyframe requests to the publisher.

use std::sync::Arc;
use std::sync::atomic::{AtomicU8, AtomicU32, Ordering};
use std::time::{Duration, Instant};

use rtc::media_stream::MediaStreamTrack;
use rtc::rtp_transceiver::rtp_sender::{
    RTCRtpCodec, RTCRtpCodingParameters, RTCRtpEncodingParameters, RtpCodecKind,
};
use tokio::sync::{mpsc, watch};
use tokio::task::JoinHandle;
use webrtc::media_stream::track_local::static_rtp::TrackLocalStaticRTP;
use webrtc::media_stream::track_local::{TrackLocal, TrackLocalEvent};
use webrtc::rtp_transceiver::RtpSender;

use crate::codecs::CodecSpec;
use crate::downlink::{LossCap, ReceiverLoss};
use crate::layers::select_layer;
use crate::publication::{Forwarded, Publication, Sink};
use crate::rewrite::{LegMapping, Rewriter};
use crate::stats::Counters;
use crate::{MediaKind, Shared};

/// How often the forwarding task reconsiders the layer.
const RESELECT_EVERY: Duration = Duration::from_millis(500);
/// No rank chosen yet.
const NO_RANK: u8 = u8::MAX;

/// Changes the participant sends to a forwarding task.
pub(crate) enum Control {
    /// The subscriber leg was (re)negotiated: its payload types and extension ids.
    Mapping(LegMapping),
    /// The subscriber renders the video this tall (None: no preference).
    VideoHeight(Option<u16>),
}

/// The subscriber leg's end of a subscription.
pub(crate) struct Outbound {
    pub(crate) track: Arc<TrackLocalStaticRTP>,
    pub(crate) sender: Arc<dyn RtpSender>,
    pub(crate) ssrc: u32,
    pub(crate) clock_rate: u32,
    /// The codec is VP8: renumber its pictures across layer switches.
    pub(crate) vp8: bool,
    /// What the subscriber's receiver reports say about loss.
    pub(crate) receiver_loss: ReceiverLoss,
}

pub(crate) struct Subscription {
    pub(crate) publication: Arc<Publication>,
    pub(crate) sender: Arc<dyn RtpSender>,
    pub(crate) control: mpsc::UnboundedSender<Control>,
    sink_id: u64,
    tasks: Vec<JoinHandle<()>>,
    shared: Arc<Shared>,
}

/// The local track a subscription writes to.
pub(crate) fn local_track(
    publication: &Publication,
    codec: &CodecSpec,
    ssrc: u32,
) -> Arc<TrackLocalStaticRTP> {
    let kind = match publication.info.kind {
        MediaKind::Audio => RtpCodecKind::Audio,
        MediaKind::Video => RtpCodecKind::Video,
    };
    Arc::new(TrackLocalStaticRTP::new(MediaStreamTrack::new(
        // The browser groups tracks by stream id: one stream per publishing participant, so
        // its audio and video are synchronised together.
        publication.info.participant.0.clone(),
        publication.info.id.0.clone(),
        publication.info.id.0.clone(),
        kind,
        vec![RTCRtpEncodingParameters {
            rtp_coding_parameters: RTCRtpCodingParameters {
                ssrc: Some(ssrc),
                ..Default::default()
            },
            codec: RTCRtpCodec {
                mime_type: codec.mime_type.clone(),
                clock_rate: codec.clock_rate,
                channels: if kind == RtpCodecKind::Audio { 2 } else { 0 },
                sdp_fmtp_line: codec.fmtp.clone(),
                rtcp_feedback: vec![],
            },
            ..Default::default()
        }],
    )))
}

impl Subscription {
    /// Starts forwarding `publication` into `out.track` (already added to the subscriber leg).
    pub(crate) fn start(
        shared: Arc<Shared>,
        publication: Arc<Publication>,
        out: Outbound,
        connected: watch::Receiver<bool>,
    ) -> Self {
        let Outbound {
            track,
            sender,
            ssrc: out_ssrc,
            clock_rate,
            vp8,
            receiver_loss,
        } = out;
        let (tx, rx) = mpsc::channel(shared.config.subscription_queue);
        let (ctl_tx, ctl_rx) = mpsc::unbounded_channel();
        let wanted = Arc::new(AtomicU32::new(0));
        let current_rank = Arc::new(AtomicU8::new(NO_RANK));
        let sink_id = shared.next_id.fetch_add(1, Ordering::Relaxed);
        let forward = Forwarder {
            shared: shared.clone(),
            publication: publication.clone(),
            track: track.clone(),
            rewriter: Rewriter::new(out_ssrc, clock_rate, vp8),
            negotiated: false,
            wanted: wanted.clone(),
            current_rank: current_rank.clone(),
            target: None,
            height: None,
            last_select: None,
            out_ssrc,
            receiver_loss,
            loss_cap: LossCap::default(),
            resumes: 0,
        };
        let forward_task = tokio::spawn(forward.run(rx, ctl_rx, connected));
        let relay_task = tokio::spawn(relay_keyframe_requests(
            shared.clone(),
            publication.clone(),
            track,
            current_rank,
        ));
        publication.add_sink(Sink {
            id: sink_id,
            tx,
            wanted,
            dropped: None,
        });
        Counters::inc(&shared.stats.subscriptions);
        Self {
            publication,
            sender,
            control: ctl_tx,
            sink_id,
            tasks: vec![forward_task, relay_task],
            shared,
        }
    }

    /// Stops both tasks and detaches from the publication. The caller removes the track from
    /// the peer connection.
    pub(crate) fn stop(&mut self) {
        self.publication.remove_sink(self.sink_id);
        for t in self.tasks.drain(..) {
            t.abort();
        }
    }
}

impl Drop for Subscription {
    fn drop(&mut self) {
        self.stop();
        Counters::dec(&self.shared.stats.subscriptions);
    }
}

struct Forwarder {
    shared: Arc<Shared>,
    publication: Arc<Publication>,
    track: Arc<TrackLocalStaticRTP>,
    rewriter: Rewriter,
    negotiated: bool,
    wanted: Arc<AtomicU32>,
    current_rank: Arc<AtomicU8>,
    target: Option<u8>,
    height: Option<u16>,
    last_select: Option<Instant>,
    out_ssrc: u32,
    receiver_loss: ReceiverLoss,
    loss_cap: LossCap,
    /// The publication's resume count last seen (see `Forwarded::resumes`).
    resumes: u32,
}

impl Forwarder {
    async fn run(
        mut self,
        mut rx: mpsc::Receiver<Forwarded>,
        mut control: mpsc::UnboundedReceiver<Control>,
        connected: watch::Receiver<bool>,
    ) {
        self.reselect(Instant::now(), true);
        loop {
            tokio::select! {
                biased;
                ctl = control.recv() => match ctl {
                    Some(Control::Mapping(m)) => {
                        self.negotiated = !m.payload_types.is_empty();
                        self.rewriter.set_mapping(m);
                    }
                    Some(Control::VideoHeight(h)) => {
                        self.height = h;
                        self.reselect(Instant::now(), true);
                    }
                    None => return,
                },
                item = rx.recv() => {
                    let Some(item) = item else { return };
                    if !*connected.borrow() || !self.negotiated {
                        // write_rtp would accept and silently drop it (FINDINGS §3.3).
                        Counters::inc(&self.shared.stats.dropped_not_connected);
                        continue;
                    }
                    self.forward(item).await;
                }
            }
        }
    }

    /// Re-picks the target layer and publishes which layers this subscription wants.
    fn reselect(&mut self, now: Instant, force: bool) {
        if !force
            && self
                .last_select
                .is_some_and(|t| now.saturating_duration_since(t) < RESELECT_EVERY)
        {
            return;
        }
        self.last_select = Some(now);
        let current = self.current_rank.load(Ordering::Relaxed);
        let current = (current != NO_RANK).then_some(current);
        let views = self.publication.layer_views(now);
        if views.len() > 1 {
            let report = self
                .receiver_loss
                .lock()
                .unwrap_or_else(|e| e.into_inner())
                .get(&self.out_ssrc)
                .copied();
            if let Some((seq, fraction_lost)) = report {
                let top = views.iter().map(|v| v.rank).max().unwrap_or(0);
                self.loss_cap
                    .on_report(seq, fraction_lost, current, top, now);
            }
        }
        self.target = select_layer(&views, self.height, self.loss_cap.cap(), current);
        let mut mask = 0u32;
        match self.target {
            // Nothing known yet: take whatever comes until layers appear.
            None => mask = u32::MAX,
            Some(t) => mask |= 1 << t.min(31),
        }
        if let Some(c) = current {
            mask |= 1 << c.min(31);
        }
        self.wanted.store(mask, Ordering::Relaxed);
    }

    async fn forward(&mut self, item: Forwarded) {
        let Forwarded {
            mut pkt,
            rank,
            keyframe,
            at,
            resumes,
        } = item;
        if resumes != self.resumes {
            // Resumed after a pause: start over on a keyframe, continuing the output.
            self.resumes = resumes;
            self.rewriter.forget_source();
        }
        self.reselect(at, false);
        let target = self.target.unwrap_or(rank);
        let ssrc = pkt.header.ssrc;
        if self.rewriter.source() != Some(ssrc) {
            if rank != target {
                return;
            }
            if !keyframe {
                // Switch (or start) only on a keyframe of the target layer; ask for one.
                self.publication.request_keyframe(target);
                return;
            }
            if self.rewriter.source().is_some() {
                Counters::inc(&self.shared.stats.layer_switches);
            }
            self.rewriter.switch_source(&pkt, at);
            self.current_rank.store(rank, Ordering::Relaxed);
            self.reselect(at, true);
        } else if rank != target {
            // Keep forwarding the current layer until the target's keyframe arrives.
            self.publication.request_keyframe(target);
        }
        if self.rewriter.rewrite(&mut pkt, at).is_err() {
            Counters::inc(&self.shared.stats.dropped_unmapped);
            return;
        }
        let bytes = pkt.payload.len() as u64;
        match self.track.write_rtp(pkt).await {
            Ok(()) => {
                Counters::inc(&self.shared.stats.packets_forwarded);
                Counters::add(&self.shared.stats.bytes_forwarded, bytes);
            }
            Err(e) => {
                if Counters::bump_first(&self.shared.stats.write_errors) {
                    tracing::warn!(error = %e, "forwarding refused by write_rtp");
                }
            }
        }
    }
}

/// Relays the subscriber's PLI/FIR (delivered by `KeyframeRequestsToApp`) to the publisher's
/// currently forwarded layer; the publication throttles.
async fn relay_keyframe_requests(
    shared: Arc<Shared>,
    publication: Arc<Publication>,
    track: Arc<TrackLocalStaticRTP>,
    current_rank: Arc<AtomicU8>,
) {
    while let Some(ev) = track.poll().await {
        if let TrackLocalEvent::OnRtcpPacket(pkts) = ev {
            Counters::add(&shared.stats.keyframe_requests_received, pkts.len() as u64);
            let rank = current_rank.load(Ordering::Relaxed);
            publication.request_keyframe(if rank == NO_RANK { 0 } else { rank });
        }
    }
}
