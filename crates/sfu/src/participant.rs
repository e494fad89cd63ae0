//! One participant's two peer connections. The publisher leg answers the browser's offers; the
//! subscriber leg offers whenever subscriptions change, one offer in flight at a time.

use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex as StdMutex};
use std::time::Duration;

use tokio::sync::{Mutex, mpsc, watch};
use tokio::task::JoinHandle;
use webrtc::media_stream::track_local::TrackLocal;
use webrtc::media_stream::track_remote::TrackRemote;
use webrtc::peer_connection::{PeerConnection, RTCIceCandidateInit, RTCSessionDescription};
use webrtc::rtp_transceiver::{RTCRtpTransceiverDirection, RTCRtpTransceiverInit};

use crate::codecs::{self, CodecSpec};
use crate::engine::{self, PcEvent};
use crate::ports::PortLease;
use crate::publication::Publication;
use crate::rewrite::LegMapping;
use crate::room::RoomInner;
use crate::sdp;
use crate::stats::Counters;
use crate::subscription::{self, Control, Subscription};
use crate::{
    ConnectionState, IceCandidate, Leg, MediaKind, OfferedTrack, ParticipantId, PublicationId,
    PublicationInfo, PublisherAnswer, SfuError, SfuEvent, Source, TrackSource,
};

/// How long to wait for ICE gathering (host candidates on one socket: milliseconds).
const GATHER_TIMEOUT: Duration = Duration::from_secs(3);

/// A participant's media handle. Cheap to clone; all clones drive the same connections.
#[derive(Clone)]
pub struct MediaParticipant {
    inner: Arc<Inner>,
}

struct Inner {
    id: ParticipantId,
    room: Arc<RoomInner>,
    publisher: Arc<dyn PeerConnection>,
    subscriber: Arc<dyn PeerConnection>,
    publisher_gathered: watch::Receiver<bool>,
    subscriber_gathered: watch::Receiver<bool>,
    subscriber_connected: watch::Receiver<bool>,
    receiver_loss: crate::downlink::ReceiverLoss,
    pub_state: Mutex<PublisherState>,
    sub_state: Mutex<SubscriberState>,
    leases: StdMutex<Vec<PortLease>>,
    tasks: StdMutex<Vec<JoinHandle<()>>>,
    closed: AtomicBool,
}

#[derive(Default)]
struct PublisherState {
    /// Publications by mid.
    publications: HashMap<String, Arc<Publication>>,
    has_remote: bool,
    pending_candidates: Vec<IceCandidate>,
}

#[derive(Default)]
struct SubscriberState {
    subscriptions: HashMap<PublicationId, Subscription>,
    /// An offer is out, waiting for its answer.
    offer_in_flight: bool,
    /// Subscriptions changed since the last offer.
    dirty: bool,
    has_remote: bool,
    pending_candidates: Vec<IceCandidate>,
    /// Requested video heights, kept across (re)subscriptions.
    video_heights: HashMap<PublicationId, Option<u16>>,
}

impl MediaParticipant {
    pub(crate) async fn create(room: Arc<RoomInner>, id: ParticipantId) -> Result<Self, SfuError> {
        let shared = room.shared.clone();
        let publisher = engine::build_pc(&shared, Leg::Publisher).await?;
        let subscriber = match engine::build_pc(&shared, Leg::Subscriber).await {
            Ok(s) => s,
            Err(e) => {
                let _ = publisher.pc.close().await;
                return Err(e);
            }
        };
        Counters::add(&shared.stats.peer_connections, 2);
        let (pub_gathered_tx, pub_gathered) = watch::channel(false);
        let (sub_gathered_tx, sub_gathered) = watch::channel(false);
        let (sub_connected_tx, sub_connected) = watch::channel(false);
        let inner = Arc::new(Inner {
            id,
            room,
            publisher: publisher.pc,
            subscriber: subscriber.pc,
            publisher_gathered: pub_gathered,
            subscriber_gathered: sub_gathered,
            subscriber_connected: sub_connected,
            receiver_loss: subscriber.receiver_loss,
            pub_state: Mutex::new(PublisherState::default()),
            sub_state: Mutex::new(SubscriberState::default()),
            leases: StdMutex::new(vec![publisher.lease, subscriber.lease]),
            tasks: StdMutex::new(Vec::new()),
            closed: AtomicBool::new(false),
        });
        let weak = Arc::downgrade(&inner);
        let t1 = tokio::spawn(leg_events(
            weak.clone(),
            Leg::Publisher,
            publisher.events,
            pub_gathered_tx,
            None,
        ));
        let t2 = tokio::spawn(leg_events(
            weak,
            Leg::Subscriber,
            subscriber.events,
            sub_gathered_tx,
            Some(sub_connected_tx),
        ));
        inner.lock_tasks().extend([t1, t2]);
        Ok(Self { inner })
    }

    pub fn id(&self) -> &ParticipantId {
        &self.inner.id
    }

    /// Applies the browser's publisher offer and returns the answer. Used for the first offer
    /// and every renegotiation (tracks added or removed). `tracks` tells the source of each
    /// m-line; a sending m-line not listed is taken as camera (video) or microphone (audio).
    pub async fn publisher_offer(
        &self,
        sdp: &str,
        tracks: &[TrackSource],
    ) -> Result<PublisherAnswer, SfuError> {
        self.check_open()?;
        let inner = &self.inner;
        let sections = sdp::media_sections(sdp);
        if sections.is_empty() {
            return Err(SfuError::InvalidSdp("no media section".into()));
        }
        // Refuse what cannot work before touching the connection.
        if !sdp.contains("a=ice-ufrag:") || !sdp.contains("a=fingerprint:") {
            return Err(SfuError::InvalidSdp(
                "no ICE credentials or DTLS fingerprint".into(),
            ));
        }
        let offer = RTCSessionDescription::offer(sdp.to_string())
            .map_err(|e| SfuError::InvalidSdp(e.to_string()))?;
        let mut st = inner.pub_state.lock().await;
        // A previous call cancelled half-way (the caller's timeout) may have left an offer
        // applied without its answer: start from stable again.
        if inner.publisher.pending_remote_description().await.is_some()
            && let Ok(rb) = RTCSessionDescription::rollback(None)
        {
            let _ = inner.publisher.set_remote_description(rb).await;
        }
        if let Err(e) = apply_offer(inner.publisher.as_ref(), offer).await {
            // Whatever half-applied state the failure left, go back to the last stable one so
            // that the next offer is applied normally.
            if let Ok(rb) = RTCSessionDescription::rollback(None) {
                let _ = inner.publisher.set_remote_description(rb).await;
            }
            return Err(e);
        }
        st.has_remote = true;
        let answer_sdp = local_sdp(
            inner.publisher.as_ref(),
            inner.publisher_gathered.clone(),
            &inner.room.shared.config.announced_ips,
        )
        .await?;
        for c in std::mem::take(&mut st.pending_candidates) {
            if let Err(e) = add_candidate(inner.publisher.as_ref(), &c).await {
                tracing::debug!(error = %e, "buffered publisher candidate refused");
            }
        }

        // Publications: new sending m-lines start one, gone ones end theirs.
        let mut ended = Vec::new();
        let sending: HashMap<&str, MediaKind> = sections
            .iter()
            .filter(|s| s.sending)
            .filter_map(|s| s.kind.map(|k| (s.mid.as_str(), k)))
            .collect();
        st.publications.retain(|mid, p| {
            let keep = sending.get(mid.as_str()) == Some(&p.info.kind);
            if !keep {
                ended.push(p.info.id.clone());
            }
            keep
        });
        for (mid, kind) in &sending {
            if st.publications.contains_key(*mid) {
                continue;
            }
            let source = tracks
                .iter()
                .find(|t| t.mid == *mid)
                .map(|t| t.source)
                .unwrap_or(match kind {
                    MediaKind::Audio => Source::Microphone,
                    MediaKind::Video => Source::Camera,
                });
            let n = inner.room.shared.next_id.fetch_add(1, Ordering::Relaxed);
            let info = PublicationInfo {
                id: PublicationId(format!("{}-{}", inner.id.0, n)),
                participant: inner.id.clone(),
                mid: mid.to_string(),
                kind: *kind,
                source,
            };
            let p = Arc::new(Publication::new(
                info,
                inner.room.shared.clone(),
                Arc::downgrade(&inner.room),
            ));
            inner.room.add_publication(p.clone());
            st.publications.insert(mid.to_string(), p);
        }
        // What the publisher leg negotiated per m-line, from our answer: payload types and
        // extension ids. (The receivers' parameters exist only once media flows.)
        for section in sdp::media_sections(&answer_sdp) {
            if let Some(p) = st.publications.get(&section.mid) {
                p.set_negotiated(section.codecs, section.extensions);
            }
        }
        let mut publications: Vec<PublicationInfo> =
            st.publications.values().map(|p| p.info.clone()).collect();
        publications.sort_by(|a, b| a.mid.cmp(&b.mid));
        drop(st);
        for id in ended {
            inner.room.end_publication(&id);
        }
        Ok(PublisherAnswer {
            sdp: answer_sdp,
            publications,
        })
    }

    /// Applies the browser's answer to the last [`SfuEvent::SubscriberOffer`]. If subscriptions
    /// changed meanwhile, the next offer is emitted right away.
    pub async fn subscriber_answer(&self, sdp: &str) -> Result<(), SfuError> {
        self.check_open()?;
        let inner = &self.inner;
        let mut st = inner.sub_state.lock().await;
        if !st.offer_in_flight {
            return Err(SfuError::NoOfferPending);
        }
        let applied = match RTCSessionDescription::answer(sdp.to_string()) {
            Ok(answer) => inner.subscriber.set_remote_description(answer).await,
            Err(e) => Err(e),
        };
        if let Err(e) = applied {
            // Back to stable, so that the next change can offer again.
            if let Ok(rb) = RTCSessionDescription::rollback(None)
                && let Err(re) = inner.subscriber.set_local_description(rb).await
            {
                tracing::warn!(error = %re, "subscriber offer rollback failed");
            }
            st.offer_in_flight = false;
            st.dirty = true;
            return Err(SfuError::InvalidSdp(e.to_string()));
        }
        st.offer_in_flight = false;
        st.has_remote = true;
        for c in std::mem::take(&mut st.pending_candidates) {
            if let Err(e) = add_candidate(inner.subscriber.as_ref(), &c).await {
                tracing::debug!(error = %e, "buffered subscriber candidate refused");
            }
        }
        // Tell each forwarding task how this leg numbers payload types and extensions.
        for sub in st.subscriptions.values() {
            let mapping = match sub.sender.get_parameters().await {
                Ok(params) => {
                    let to_codecs: Vec<(u8, CodecSpec)> = params
                        .rtp_parameters
                        .codecs
                        .iter()
                        .map(|c| (c.payload_type, CodecSpec::from_rtc(&c.rtp_codec)))
                        .collect();
                    let to_exts: Vec<(String, u8)> = params
                        .rtp_parameters
                        .header_extensions
                        .iter()
                        .map(|e| (e.uri.clone(), e.id as u8))
                        .collect();
                    LegMapping {
                        payload_types: codecs::map_payload_types(
                            &sub.publication.codecs(),
                            &to_codecs,
                        ),
                        extensions: codecs::map_extensions(&sub.publication.extensions(), &to_exts),
                    }
                }
                Err(e) => {
                    tracing::warn!(error = %e, "no send parameters for a subscription");
                    LegMapping::default()
                }
            };
            if mapping.payload_types.is_empty() {
                tracing::warn!(
                    publication = %sub.publication.info.id,
                    "the subscriber accepted none of the publication's codecs"
                );
            }
            let _ = sub.control.send(Control::Mapping(mapping));
        }
        if st.dirty {
            self.offer(&mut st).await?;
        }
        Ok(())
    }

    /// Adds a remote ICE candidate of either leg (trickle). Candidates that arrive before the
    /// leg's remote description are kept and applied with it. An empty candidate (end of
    /// candidates) is accepted and ignored.
    pub async fn add_ice_candidate(
        &self,
        leg: Leg,
        candidate: IceCandidate,
    ) -> Result<(), SfuError> {
        self.check_open()?;
        if candidate.candidate.trim().is_empty() {
            return Ok(());
        }
        let inner = &self.inner;
        let result = match leg {
            Leg::Publisher => {
                let mut st = inner.pub_state.lock().await;
                if !st.has_remote {
                    st.pending_candidates.push(candidate);
                    return Ok(());
                }
                add_candidate(inner.publisher.as_ref(), &candidate).await
            }
            Leg::Subscriber => {
                let mut st = inner.sub_state.lock().await;
                if !st.has_remote {
                    st.pending_candidates.push(candidate);
                    return Ok(());
                }
                add_candidate(inner.subscriber.as_ref(), &candidate).await
            }
        };
        result.map_err(|e| SfuError::InvalidCandidate {
            leg,
            reason: e.to_string(),
        })
    }

    /// Starts forwarding a publication of the room to this participant. The SFU then offers
    /// the new m-line ([`SfuEvent::SubscriberOffer`]) by itself.
    pub async fn subscribe(&self, publication: &PublicationId) -> Result<(), SfuError> {
        self.check_open()?;
        let inner = &self.inner;
        let p = inner
            .room
            .publication(publication)
            .ok_or_else(|| SfuError::UnknownPublication(publication.0.clone()))?;
        if p.info.participant == inner.id {
            return Err(SfuError::OwnPublication(publication.0.clone()));
        }
        let codec = p
            .primary_codec()
            .ok_or_else(|| SfuError::UnknownPublication(publication.0.clone()))?;
        let mut st = inner.sub_state.lock().await;
        if st.subscriptions.contains_key(publication) {
            return Err(SfuError::AlreadySubscribed(publication.0.clone()));
        }
        let out_ssrc = random_ssrc(&inner.room.shared);
        let track = subscription::local_track(&p, &codec, out_ssrc);
        // sendonly: the subscriber leg never receives (add_track would offer sendrecv).
        let transceiver = inner
            .subscriber
            .add_transceiver_from_track(
                track.clone() as Arc<dyn TrackLocal>,
                Some(RTCRtpTransceiverInit {
                    direction: RTCRtpTransceiverDirection::Sendonly,
                    streams: vec![p.info.participant.0.clone()],
                    send_encodings: vec![],
                }),
            )
            .await?;
        let sender = transceiver
            .sender()
            .await?
            .ok_or_else(|| SfuError::WebRtc("a sendonly transceiver without a sender".into()))?;
        let sub = Subscription::start(
            inner.room.shared.clone(),
            p,
            subscription::Outbound {
                track,
                sender,
                ssrc: out_ssrc,
                clock_rate: codec.clock_rate,
                vp8: codec.kind() == crate::codecs::VideoCodec::Vp8,
                receiver_loss: inner.receiver_loss.clone(),
            },
            inner.subscriber_connected.clone(),
        );
        if let Some(h) = st.video_heights.get(publication) {
            let _ = sub.control.send(Control::VideoHeight(*h));
        }
        st.subscriptions.insert(publication.clone(), sub);
        st.dirty = true;
        self.offer(&mut st).await
    }

    /// Stops forwarding a publication to this participant and renegotiates.
    pub async fn unsubscribe(&self, publication: &PublicationId) -> Result<(), SfuError> {
        self.check_open()?;
        let mut st = self.inner.sub_state.lock().await;
        let Some(sub) = st.subscriptions.remove(publication) else {
            return Err(SfuError::UnknownPublication(publication.0.clone()));
        };
        self.remove_subscription(&mut st, sub).await;
        self.offer(&mut st).await
    }

    /// Sets the size this participant renders a publication at; the SFU forwards the simulcast
    /// layer that fits (switching on the next keyframe). 0×0 means no preference (highest).
    pub async fn set_video_size(
        &self,
        publication: &PublicationId,
        width: u32,
        height: u32,
    ) -> Result<(), SfuError> {
        self.check_open()?;
        let _ = width; // layers keep the publisher's aspect ratio: the height decides
        let h = (height > 0).then(|| height.min(u32::from(u16::MAX)) as u16);
        let mut st = self.inner.sub_state.lock().await;
        st.video_heights.insert(publication.clone(), h);
        if let Some(sub) = st.subscriptions.get(publication) {
            let _ = sub.control.send(Control::VideoHeight(h));
        }
        Ok(())
    }

    /// Publications this participant subscribes to.
    pub async fn subscriptions(&self) -> Vec<PublicationId> {
        let mut v: Vec<PublicationId> = self
            .inner
            .sub_state
            .lock()
            .await
            .subscriptions
            .keys()
            .cloned()
            .collect();
        v.sort();
        v
    }

    /// Closes both peer connections, ends this participant's publications, stops every task
    /// and gives the UDP ports back. Idempotent.
    pub async fn close(&self) {
        let inner = &self.inner;
        if inner.closed.swap(true, Ordering::AcqRel) {
            return;
        }
        let pubs: Vec<PublicationId> = {
            let mut st = inner.pub_state.lock().await;
            st.publications
                .drain()
                .map(|(_, p)| p.info.id.clone())
                .collect()
        };
        for id in pubs {
            inner.room.end_publication(&id);
        }
        {
            let mut st = inner.sub_state.lock().await;
            for (_, mut sub) in st.subscriptions.drain() {
                sub.stop();
            }
        }
        let _ = inner.publisher.close().await;
        let _ = inner.subscriber.close().await;
        for t in inner.lock_tasks().drain(..) {
            t.abort();
        }
        inner
            .leases
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .clear();
        Counters::dec(&inner.room.shared.stats.peer_connections);
        Counters::dec(&inner.room.shared.stats.peer_connections);
        inner.room.remove_participant(&inner.id);
    }

    /// Removes a subscription whose publication ended (called by the room).
    pub(crate) async fn drop_subscription(&self, publication: &PublicationId) {
        if self.inner.closed.load(Ordering::Acquire) {
            return;
        }
        let mut st = self.inner.sub_state.lock().await;
        st.video_heights.remove(publication);
        let Some(sub) = st.subscriptions.remove(publication) else {
            return;
        };
        self.remove_subscription(&mut st, sub).await;
        if let Err(e) = self.offer(&mut st).await {
            tracing::warn!(error = %e, "renegotiation after a publication ended failed");
        }
    }

    async fn remove_subscription(&self, st: &mut SubscriberState, mut sub: Subscription) {
        sub.stop();
        if let Err(e) = self.inner.subscriber.remove_track(&sub.sender).await {
            tracing::debug!(error = %e, "remove_track failed");
        }
        st.dirty = true;
    }

    /// Emits a subscriber offer unless one is in flight (then the answer triggers the next).
    async fn offer(&self, st: &mut SubscriberState) -> Result<(), SfuError> {
        if st.offer_in_flight || !st.dirty {
            return Ok(());
        }
        let inner = &self.inner;
        if st.subscriptions.is_empty() && !st.has_remote {
            // Nothing was ever offered and nothing to offer.
            st.dirty = false;
            return Ok(());
        }
        let offer = inner.subscriber.create_offer(None).await?;
        inner.subscriber.set_local_description(offer).await?;
        let sdp = local_sdp(
            inner.subscriber.as_ref(),
            inner.subscriber_gathered.clone(),
            &inner.room.shared.config.announced_ips,
        )
        .await?;
        let mut tracks = Vec::new();
        for t in inner.subscriber.get_transceivers().await {
            let Ok(Some(sender)) = t.sender().await else {
                continue;
            };
            let Some(sub) = st
                .subscriptions
                .values()
                .find(|s| s.sender.id() == sender.id())
            else {
                continue;
            };
            let Ok(Some(mid)) = t.mid().await else {
                continue;
            };
            let info = &sub.publication.info;
            tracks.push(OfferedTrack {
                mid,
                publication: info.id.clone(),
                participant: info.participant.clone(),
                kind: info.kind,
                source: info.source,
            });
        }
        st.offer_in_flight = true;
        st.dirty = false;
        inner.room.emit(SfuEvent::SubscriberOffer {
            participant: inner.id.clone(),
            sdp,
            tracks,
        });
        Ok(())
    }

    fn check_open(&self) -> Result<(), SfuError> {
        if self.inner.closed.load(Ordering::Acquire) {
            Err(SfuError::Closed)
        } else {
            Ok(())
        }
    }
}

impl Inner {
    fn lock_tasks(&self) -> std::sync::MutexGuard<'_, Vec<JoinHandle<()>>> {
        // Only pushes and drains: a poisoned lock is still consistent.
        self.tasks.lock().unwrap_or_else(|p| p.into_inner())
    }
}

/// Applies a remote offer and sets our answer as the local description.
async fn apply_offer(
    pc: &dyn PeerConnection,
    offer: RTCSessionDescription,
) -> Result<(), SfuError> {
    pc.set_remote_description(offer)
        .await
        .map_err(|e| SfuError::InvalidSdp(e.to_string()))?;
    let answer = pc
        .create_answer(None)
        .await
        .map_err(|e| SfuError::InvalidSdp(e.to_string()))?;
    pc.set_local_description(answer).await?;
    Ok(())
}

/// The local description once gathering is complete, with announced addresses.
async fn local_sdp(
    pc: &dyn PeerConnection,
    mut gathered: watch::Receiver<bool>,
    announced: &[std::net::IpAddr],
) -> Result<String, SfuError> {
    // Host candidates only, one socket: this takes milliseconds. On timeout the SDP carries
    // what was gathered so far.
    let _ = tokio::time::timeout(GATHER_TIMEOUT, gathered.wait_for(|g| *g)).await;
    let desc = pc
        .local_description()
        .await
        .ok_or_else(|| SfuError::WebRtc("no local description".into()))?;
    Ok(sdp::announce_ips(&desc.sdp, announced))
}

async fn add_candidate(
    pc: &dyn PeerConnection,
    c: &IceCandidate,
) -> Result<(), webrtc::error::Error> {
    pc.add_ice_candidate(RTCIceCandidateInit {
        candidate: c.candidate.clone(),
        sdp_mid: c.sdp_mid.clone(),
        sdp_mline_index: c.sdp_m_line_index,
        username_fragment: None,
        ..Default::default()
    })
    .await
}

fn random_ssrc(shared: &crate::Shared) -> u32 {
    // Unique per SFU and unpredictable enough; an SSRC only has to be unique per leg.
    let n = shared.next_id.fetch_add(1, Ordering::Relaxed);
    let mix = n.wrapping_mul(0x9E37_79B9_7F4A_7C15) ^ (n >> 17);
    (mix as u32) | 1
}

/// Consumes one leg's connection events: state changes to the room actor, gathering to the
/// SDP producers, tracks to their publications.
async fn leg_events(
    inner: std::sync::Weak<Inner>,
    leg: Leg,
    mut events: mpsc::UnboundedReceiver<PcEvent>,
    gathered: watch::Sender<bool>,
    connected: Option<watch::Sender<bool>>,
) {
    while let Some(ev) = events.recv().await {
        let Some(inner) = inner.upgrade() else { return };
        match ev {
            PcEvent::GatheringComplete => {
                let _ = gathered.send(true);
            }
            PcEvent::State(state) => {
                if let Some(c) = &connected {
                    let _ = c.send(state == ConnectionState::Connected);
                }
                inner.room.emit(SfuEvent::ConnectionState {
                    participant: inner.id.clone(),
                    leg,
                    state,
                });
            }
            PcEvent::Track(track) => {
                // Resolving the mid locks the connection; spawned so this loop never waits
                // on it while a state change is pending.
                let inner = inner.clone();
                tokio::spawn(async move { attach_track(inner, track).await });
            }
        }
    }
}

/// Finds the publication a new remote track belongs to (by mid) and starts its ingress loop.
async fn attach_track(inner: Arc<Inner>, track: Arc<dyn TrackRemote>) {
    let track_id = track.track_id().await;
    let mut mid = None;
    for t in inner.publisher.get_transceivers().await {
        if let Ok(Some(r)) = t.receiver().await
            && r.track().track_id().await == track_id
        {
            mid = t.mid().await.ok().flatten();
            break;
        }
    }
    let Some(mid) = mid else {
        tracing::warn!(participant = %inner.id, "a remote track without a transceiver mid");
        return;
    };
    let publication = inner.pub_state.lock().await.publications.get(&mid).cloned();
    match publication {
        Some(p) => {
            let handle = tokio::spawn(p.ingress(track));
            inner.lock_tasks().push(handle);
        }
        None => tracing::warn!(participant = %inner.id, %mid, "a remote track for no publication"),
    }
}
