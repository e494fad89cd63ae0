//! One participant's peer connections: creation, ICE candidates, connection events, close.
//! The publisher leg (absent for a viewer) is in `publisher_leg`, the subscriber leg in
//! `subscriber_leg`.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex as StdMutex};
use std::time::Duration;

use tokio::sync::{Mutex, mpsc, watch};
use tokio::task::JoinHandle;
use webrtc::peer_connection::{PeerConnection, RTCIceCandidateInit};

use crate::engine::{self, PcEvent};
use crate::ports::PortLease;
use crate::publisher_leg::{PublisherLeg, PublisherState, attach_track};
use crate::room::RoomInner;
use crate::sdp;
use crate::stats::Counters;
use crate::{ConnectionState, IceCandidate, Leg, ParticipantId, PublicationId, SfuError, SfuEvent};

/// A participant with both legs, or a viewer (subscriber leg only).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Kind {
    Participant,
    Viewer,
}

impl Kind {
    fn peer_connections(self) -> u64 {
        match self {
            Kind::Participant => 2,
            Kind::Viewer => 1,
        }
    }
}

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
    /// None for a viewer (subscribe-only).
    pub(crate) publisher: Option<PublisherLeg>,
    pub(crate) subscriber: Arc<dyn PeerConnection>,
    pub(crate) subscriber_gathered: watch::Receiver<bool>,
    pub(crate) subscriber_connected: watch::Receiver<bool>,
    pub(crate) receiver_loss: crate::downlink::ReceiverLoss,
    pub(crate) sub_state: Mutex<crate::subscriber_leg::SubscriberState>,
    pub(crate) leases: StdMutex<Vec<PortLease>>,
    pub(crate) tasks: StdMutex<Vec<JoinHandle<()>>>,
    pub(crate) closed: AtomicBool,
}

impl MediaParticipant {
    /// Builds the connections: both legs, or only the subscriber leg for a viewer.
    pub(crate) async fn create(
        room: Arc<RoomInner>,
        id: ParticipantId,
        kind: Kind,
    ) -> Result<Self, SfuError> {
        let shared = room.shared.clone();
        let publisher = match kind {
            Kind::Participant => Some(engine::build_pc(&shared, Leg::Publisher).await?),
            Kind::Viewer => None,
        };
        let subscriber = match engine::build_pc(&shared, Leg::Subscriber).await {
            Ok(s) => s,
            Err(e) => {
                if let Some(p) = publisher {
                    let _ = p.pc.close().await;
                }
                return Err(e);
            }
        };
        Counters::add(&shared.stats.peer_connections, kind.peer_connections());
        if kind == Kind::Viewer {
            Counters::inc(&shared.stats.viewers);
        }
        let (sub_gathered_tx, sub_gathered) = watch::channel(false);
        let (sub_connected_tx, sub_connected) = watch::channel(false);
        let mut leases = vec![subscriber.lease];
        let mut publisher_events = None;
        let publisher = publisher.map(|p| {
            let (gathered_tx, gathered) = watch::channel(false);
            leases.push(p.lease);
            publisher_events = Some((p.events, gathered_tx));
            PublisherLeg {
                pc: p.pc,
                gathered,
                state: Mutex::new(PublisherState::default()),
            }
        });
        let inner = Arc::new(Inner {
            id,
            room,
            publisher,
            subscriber: subscriber.pc,
            subscriber_gathered: sub_gathered,
            subscriber_connected: sub_connected,
            receiver_loss: subscriber.receiver_loss,
            sub_state: Mutex::new(crate::subscriber_leg::SubscriberState::default()),
            leases: StdMutex::new(leases),
            tasks: StdMutex::new(Vec::new()),
            closed: AtomicBool::new(false),
        });
        let weak = Arc::downgrade(&inner);
        let mut tasks = vec![tokio::spawn(leg_events(
            weak.clone(),
            Leg::Subscriber,
            subscriber.events,
            sub_gathered_tx,
            Some(sub_connected_tx),
        ))];
        if let Some((events, gathered_tx)) = publisher_events {
            tasks.push(tokio::spawn(leg_events(
                weak,
                Leg::Publisher,
                events,
                gathered_tx,
                None,
            )));
        }
        inner.lock_tasks().extend(tasks);
        Ok(Self { inner })
    }

    pub fn id(&self) -> &ParticipantId {
        &self.inner.id
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
                let publisher = self.publisher_leg()?;
                let mut st = publisher.state.lock().await;
                if !st.has_remote {
                    return keep_candidate(&mut st.pending_candidates, candidate, leg);
                }
                add_candidate(publisher.pc.as_ref(), &candidate).await
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

    /// Closes the peer connections, ends this participant's publications, stops every task
    /// and gives the UDP ports back. Idempotent.
    pub async fn close(&self) {
        let inner = &self.inner;
        if inner.closed.swap(true, Ordering::AcqRel) {
            return;
        }
        let pubs: Vec<PublicationId> = match &inner.publisher {
            Some(leg) => leg
                .state
                .lock()
                .await
                .publications
                .drain()
                .map(|(_, p)| p.info.id.clone())
                .collect(),
            None => Vec::new(),
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
        if let Some(leg) = &inner.publisher {
            let _ = leg.pc.close().await;
        }
        let _ = inner.subscriber.close().await;
        for t in inner.lock_tasks().drain(..) {
            t.abort();
        }
        inner
            .leases
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .clear();
        let stats = &inner.room.shared.stats;
        if inner.publisher.is_some() {
            Counters::dec(&stats.peer_connections);
        } else {
            Counters::dec(&stats.viewers);
        }
        Counters::dec(&stats.peer_connections);
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
    pub(crate) fn push_task(&self, task: JoinHandle<()>) {
        let mut tasks = self.lock_tasks();
        tasks.retain(|t| !t.is_finished());
        tasks.push(task);
    }
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
