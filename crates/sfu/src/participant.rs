//! One participant's two peer connections. The publisher leg answers the browser's offers; the
//! subscriber leg offers whenever subscriptions change, one offer in flight at a time.

use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex as StdMutex};
use std::time::Duration;

use tokio::sync::{Mutex, mpsc, watch};
use tokio::task::JoinHandle;
use webrtc::media_stream::track_remote::TrackRemote;
use webrtc::peer_connection::{PeerConnection, RTCIceCandidateInit, RTCSessionDescription};

use crate::engine::{self, PcEvent};
use crate::ports::PortLease;
use crate::publication::Publication;
use crate::room::RoomInner;
use crate::sdp;
use crate::stats::Counters;
use crate::{
    ConnectionState, IceCandidate, Leg, ParticipantId, PublicationId, PublicationInfo,
    PublisherAnswer, SfuError, SfuEvent, Source, TrackSource,
};

/// How long to wait for ICE gathering (host candidates on one socket: milliseconds).
const GATHER_TIMEOUT: Duration = Duration::from_secs(3);

/// A participant's media handle. Cheap to clone; all clones drive the same connections.
#[derive(Clone)]
pub struct MediaParticipant {
    pub(crate) inner: Arc<Inner>,
}

pub(crate) struct Inner {
    pub(crate) id: ParticipantId,
    pub(crate) room: Arc<RoomInner>,
    pub(crate) publisher: Arc<dyn PeerConnection>,
    pub(crate) subscriber: Arc<dyn PeerConnection>,
    pub(crate) publisher_gathered: watch::Receiver<bool>,
    pub(crate) subscriber_gathered: watch::Receiver<bool>,
    pub(crate) subscriber_connected: watch::Receiver<bool>,
    pub(crate) receiver_loss: crate::downlink::ReceiverLoss,
    pub(crate) pub_state: Mutex<PublisherState>,
    pub(crate) sub_state: Mutex<crate::subscriber_leg::SubscriberState>,
    pub(crate) leases: StdMutex<Vec<PortLease>>,
    pub(crate) tasks: StdMutex<Vec<JoinHandle<()>>>,
    pub(crate) closed: AtomicBool,
}

#[derive(Default)]
pub(crate) struct PublisherState {
    /// Publications by mid.
    publications: HashMap<String, Arc<Publication>>,
    has_remote: bool,
    pending_candidates: Vec<IceCandidate>,
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
            sub_state: Mutex::new(crate::subscriber_leg::SubscriberState::default()),
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
    /// m-line that publishes (see [`crate::check_tracks`], refused with
    /// [`SfuError::InvalidTracks`] before anything changes); a sending m-line not listed
    /// publishes nothing. A publication whose m-line is no longer listed, or listed with another
    /// source, ends.
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
        crate::check_tracks(sdp, tracks)?;
        // Refuse what cannot work before touching the connection.
        if !sdp.contains("a=ice-ufrag:") || !sdp.contains("a=fingerprint:") {
            return Err(SfuError::InvalidSdp(
                "no ICE credentials or DTLS fingerprint".into(),
            ));
        }
        let offer = RTCSessionDescription::offer(sdp.to_string())
            .map_err(|e| SfuError::InvalidSdp(e.to_string()))?;
        let mut st = inner.pub_state.lock().await;
        // A transceiver's remote track is read by one publication: a mid cannot change source
        // (the client uses a new transceiver for that).
        for t in tracks {
            if let Some(p) = st.publications.get(&t.mid)
                && p.info.source != t.source
            {
                return Err(SfuError::InvalidTracks(format!(
                    "mid {:?} already publishes {:?}",
                    t.mid, p.info.source
                )));
            }
        }
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

        // Publications: listed m-lines start one, the others (and changed sources) end theirs.
        // `check_tracks` made sure each listed mid is a sending section of the right kind.
        let mut ended = Vec::new();
        let listed: HashMap<&str, Source> =
            tracks.iter().map(|t| (t.mid.as_str(), t.source)).collect();
        st.publications.retain(|mid, p| {
            let keep = listed.get(mid.as_str()) == Some(&p.info.source);
            if !keep {
                ended.push(p.info.id.clone());
            }
            keep
        });
        for t in tracks {
            if st.publications.contains_key(&t.mid) {
                continue;
            }
            let n = inner.room.shared.next_id.fetch_add(1, Ordering::Relaxed);
            let info = PublicationInfo {
                id: PublicationId(format!("{}-{}", inner.id.0, n)),
                participant: inner.id.clone(),
                mid: t.mid.clone(),
                kind: t.source.kind(),
                source: t.source,
            };
            let p = Arc::new(Publication::new(
                info,
                inner.room.shared.clone(),
                Arc::downgrade(&inner.room),
            ));
            inner.room.add_publication(p.clone());
            st.publications.insert(t.mid.clone(), p);
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

    /// Adds a remote ICE candidate of either leg (trickle). Candidates that arrive before the
    /// leg's remote description are kept (at most 64 per leg, then refused) and applied with
    /// it. An empty candidate (end of candidates) is accepted and ignored.
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
                    return keep_candidate(&mut st.pending_candidates, candidate, leg);
                }
                add_candidate(inner.publisher.as_ref(), &candidate).await
            }
            Leg::Subscriber => {
                let mut st = inner.sub_state.lock().await;
                if !st.has_remote {
                    return keep_candidate(&mut st.pending_candidates, candidate, leg);
                }
                add_candidate(inner.subscriber.as_ref(), &candidate).await
            }
        };
        result.map_err(|e| SfuError::InvalidCandidate {
            leg,
            reason: e.to_string(),
        })
    }

    /// Ends one of this participant's publications (the room replaced it by a newer one of the
    /// same source): its subscriptions are removed and [`SfuEvent::PublicationEnded`] follows.
    /// Its m-line publishes nothing more until an offer lists it again. Unknown ids are ignored.
    pub async fn unpublish(&self, publication: &PublicationId) -> Result<(), SfuError> {
        self.check_open()?;
        let inner = &self.inner;
        let found = {
            let mut st = inner.pub_state.lock().await;
            let mid = st
                .publications
                .iter()
                .find(|(_, p)| &p.info.id == publication)
                .map(|(mid, _)| mid.clone());
            mid.and_then(|m| st.publications.remove(&m))
        };
        if found.is_some() {
            inner.room.end_publication(publication);
        }
        Ok(())
    }

    /// Pauses (`true`) or resumes forwarding of one of this participant's publications (a
    /// moderator muted it; its owner unmuted it). A paused publication forwards nothing to any
    /// subscription, whatever the publisher sends; resuming asks the publisher for a keyframe
    /// and each subscription starts again on one, with no gap in what it sends. Subscriptions
    /// made while paused forward nothing either. Unknown ids are ignored.
    pub async fn set_paused(
        &self,
        publication: &PublicationId,
        paused: bool,
    ) -> Result<(), SfuError> {
        self.check_open()?;
        let found = {
            let st = self.inner.pub_state.lock().await;
            st.publications
                .values()
                .find(|p| &p.info.id == publication)
                .cloned()
        };
        if let Some(p) = found {
            p.set_paused(paused);
        }
        Ok(())
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

    pub(crate) fn check_open(&self) -> Result<(), SfuError> {
        if self.inner.closed.load(Ordering::Acquire) {
            Err(SfuError::Closed)
        } else {
            Ok(())
        }
    }
}

impl Inner {
    pub(crate) fn lock_tasks(&self) -> std::sync::MutexGuard<'_, Vec<JoinHandle<()>>> {
        // Only pushes and drains: a poisoned lock is still consistent.
        self.tasks.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Keeps a task to abort on close, forgetting finished ones (ingress loops end with their
    /// track, and renegotiations start new ones).
    fn push_task(&self, task: JoinHandle<()>) {
        let mut tasks = self.lock_tasks();
        tasks.retain(|t| !t.is_finished());
        tasks.push(task);
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
pub(crate) async fn local_sdp(
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

/// Remote candidates kept per leg before its remote description: a browser gathers a handful;
/// more is a client gone wrong, refused rather than kept without bound.
pub(crate) const MAX_PENDING_CANDIDATES: usize = 64;

/// Keeps a candidate until the leg's remote description is set, up to the cap.
fn keep_candidate(
    pending: &mut Vec<IceCandidate>,
    candidate: IceCandidate,
    leg: Leg,
) -> Result<(), SfuError> {
    if pending.len() >= MAX_PENDING_CANDIDATES {
        return Err(SfuError::InvalidCandidate {
            leg,
            reason: format!(
                "more than {MAX_PENDING_CANDIDATES} candidates before the remote description"
            ),
        });
    }
    pending.push(candidate);
    Ok(())
}

pub(crate) async fn add_candidate(
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
            inner.push_task(handle);
        }
        None => tracing::warn!(participant = %inner.id, %mid, "a remote track for no publication"),
    }
}
