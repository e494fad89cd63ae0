//! The media side of one room: its participants and publications, its event channel, and the
//! active speaker detector fed by every audio publication of the room.

use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, Weak};
use std::time::Instant;

use tokio::sync::mpsc;

use crate::active_speaker::ActiveSpeakerDetector;
use crate::participant::{Kind, MediaParticipant};
use crate::publication::Publication;
use crate::{ParticipantId, PublicationId, PublicationInfo, SfuError, SfuEvent, Shared};

/// The media side of one room. Cheap to clone. Closing it closes every participant.
#[derive(Clone)]
pub struct MediaRoom {
    inner: Arc<RoomInner>,
}

pub(crate) struct RoomInner {
    pub(crate) shared: Arc<Shared>,
    events: mpsc::Sender<SfuEvent>,
    /// Events that must never be lost, forwarded in order by their own task (see `emit`).
    must_deliver: mpsc::UnboundedSender<SfuEvent>,
    state: Mutex<RoomState>,
    speaker: Mutex<ActiveSpeakerDetector<ParticipantId>>,
    closed: AtomicBool,
    ticks: std::sync::atomic::AtomicU64,
}

#[derive(Default)]
struct RoomState {
    participants: HashMap<ParticipantId, MediaParticipant>,
    publications: HashMap<PublicationId, Arc<Publication>>,
}

impl MediaRoom {
    pub(crate) fn new(shared: Arc<Shared>, events: mpsc::Sender<SfuEvent>) -> Self {
        let (must_deliver, backlog) = mpsc::unbounded_channel();
        tokio::spawn(deliver(backlog, events.clone()));
        let inner = Arc::new(RoomInner {
            shared,
            events,
            must_deliver,
            state: Mutex::new(RoomState::default()),
            speaker: Mutex::new(ActiveSpeakerDetector::new()),
            closed: AtomicBool::new(false),
            ticks: std::sync::atomic::AtomicU64::new(0),
        });
        tokio::spawn(speaker_ticker(Arc::downgrade(&inner)));
        Self { inner }
    }

    /// Creates a participant's two peer connections (two UDP ports of the range).
    pub async fn add_participant(&self, id: ParticipantId) -> Result<MediaParticipant, SfuError> {
        self.add(id, Kind::Participant).await
    }

    /// Creates a viewer: a participant with the subscriber leg only (one peer connection, one
    /// UDP port), for webinar attendees. It subscribes like anyone (the SFU offers, it
    /// answers); every publisher-leg call on it answers [`SfuError::NotAPublisher`]. Viewers
    /// and participants share one id space in the room.
    pub async fn add_viewer(&self, id: ParticipantId) -> Result<MediaParticipant, SfuError> {
        self.add(id, Kind::Viewer).await
    }

    async fn add(&self, id: ParticipantId, kind: Kind) -> Result<MediaParticipant, SfuError> {
        if self.inner.closed.load(Ordering::Acquire) {
            return Err(SfuError::Closed);
        }
        if self.inner.lock().participants.contains_key(&id) {
            return Err(SfuError::DuplicateParticipant(id.0));
        }
        let p = MediaParticipant::create(self.inner.clone(), id.clone(), kind).await?;
        let duplicate = {
            let mut st = self.inner.lock();
            if st.participants.contains_key(&id) {
                true
            } else {
                st.participants.insert(id.clone(), p.clone());
                false
            }
        };
        if duplicate {
            // Two concurrent adds of one id: the loser gives its connections back.
            p.close().await;
            return Err(SfuError::DuplicateParticipant(id.0));
        }
        Ok(p)
    }

    /// The participant with this id, if it is in the room.
    pub fn participant(&self, id: &ParticipantId) -> Option<MediaParticipant> {
        self.inner.lock().participants.get(id).cloned()
    }

    /// Publications whose media has started (the ones that can be subscribed to).
    pub fn publications(&self) -> Vec<PublicationInfo> {
        let mut v: Vec<PublicationInfo> = self
            .inner
            .lock()
            .publications
            .values()
            .filter(|p| p.started())
            .map(|p| p.info.clone())
            .collect();
        v.sort_by(|a, b| a.id.cmp(&b.id));
        v
    }

    /// Closes every participant (their sockets and tasks) and stops the room's events.
    pub async fn close(&self) {
        self.inner.closed.store(true, Ordering::Release);
        let all: Vec<MediaParticipant> = self.inner.lock().participants.values().cloned().collect();
        for p in all {
            p.close().await;
        }
    }
}

impl MediaRoom {
    /// For the crate's other modules (`tap.rs`).
    pub(crate) fn inner(&self) -> &Arc<RoomInner> {
        &self.inner
    }
}

impl RoomInner {
    fn lock(&self) -> MutexGuard<'_, RoomState> {
        // Critical sections are map inserts/removes: a poisoned lock is still consistent.
        self.state.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Sends an event without waiting. Offers and publications' starts and ends are never
    /// dropped: a lost offer would freeze a subscriber leg, a lost end leave a ghost
    /// publication; they wait in an unbounded backlog (bounded in practice: one offer in flight
    /// per participant, a few publications each) that a task forwards in order. The others
    /// (levels, speaker, connection states) are dropped when the channel is full, and logged
    /// by kind only (an offer's SDP is not for the logs).
    pub(crate) fn emit(&self, ev: SfuEvent) {
        if matches!(
            ev,
            SfuEvent::SubscriberOffer { .. }
                | SfuEvent::PublicationStarted { .. }
                | SfuEvent::PublicationEnded { .. }
        ) {
            // Fails only once the forwarder stopped, i.e. the caller dropped its receiver.
            let _ = self.must_deliver.send(ev);
            return;
        }
        if let Err(mpsc::error::TrySendError::Full(ev)) = self.events.try_send(ev) {
            tracing::warn!(kind = ev.kind(), "SFU event channel full, event dropped");
        }
    }

    pub(crate) fn feed_audio_level(&self, who: &ParticipantId, byte: u8) {
        self.speaker
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .feed(who.clone(), byte);
    }

    pub(crate) fn add_publication(&self, p: Arc<Publication>) {
        self.lock().publications.insert(p.info.id.clone(), p);
    }

    pub(crate) fn publication(&self, id: &PublicationId) -> Option<Arc<Publication>> {
        self.lock().publications.get(id).cloned()
    }

    /// Ends a publication: stops its fan-out, tells the room actor, and removes the
    /// subscriptions to it (each subscriber leg renegotiates).
    pub(crate) fn end_publication(&self, id: &PublicationId) {
        let (publication, others) = {
            let mut st = self.lock();
            let Some(p) = st.publications.remove(id) else {
                return;
            };
            let others: Vec<MediaParticipant> = st
                .participants
                .values()
                .filter(|o| *o.id() != p.info.participant)
                .cloned()
                .collect();
            (p, others)
        };
        publication.end();
        self.emit(SfuEvent::PublicationEnded {
            participant: publication.info.participant.clone(),
            publication: id.clone(),
        });
        for o in others {
            let id = id.clone();
            tokio::spawn(async move { o.drop_subscription(&id).await });
        }
    }

    pub(crate) fn remove_participant(&self, id: &ParticipantId) {
        self.lock().participants.remove(id);
        let changed = self
            .speaker
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .remove(id);
        if let Some(now) = changed {
            self.emit(SfuEvent::ActiveSpeaker { participant: now });
        }
    }

    fn tick(&self, now: Instant) {
        let tick = self
            .speaker
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .tick(now);
        let n = self.ticks.fetch_add(1, Ordering::Relaxed);
        if n.is_multiple_of(2) && !tick.levels.is_empty() {
            self.emit(SfuEvent::AudioLevels {
                levels: tick.levels,
            });
        }
        if let Some(now) = tick.speaker_changed {
            self.emit(SfuEvent::ActiveSpeaker { participant: now });
        }
    }
}

/// Forwards the events that must not be lost, in order, waiting for room in the channel.
async fn deliver(mut backlog: mpsc::UnboundedReceiver<SfuEvent>, events: mpsc::Sender<SfuEvent>) {
    while let Some(ev) = backlog.recv().await {
        if events.send(ev).await.is_err() {
            return;
        }
    }
}

/// Ticks the active speaker detector until the room is gone or closed. It emits audio levels
/// every other tick (~2 Hz).
async fn speaker_ticker(room: Weak<RoomInner>) {
    let mut interval =
        tokio::time::interval(ActiveSpeakerDetector::<ParticipantId>::tick_interval());
    interval.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        interval.tick().await;
        let Some(room) = room.upgrade() else { return };
        if room.closed.load(Ordering::Acquire) {
            return;
        }
        room.tick(Instant::now());
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ParticipantId;

    #[tokio::test]
    async fn offers_and_publication_ends_survive_a_full_channel() {
        let (tx, mut rx) = mpsc::channel(2);
        let room = MediaRoom::new(crate::tests::shared(), tx);
        let who = ParticipantId("a".into());
        for i in 0..10 {
            room.inner.emit(SfuEvent::AudioLevels {
                levels: vec![(who.clone(), 1)],
            });
            room.inner.emit(SfuEvent::PublicationEnded {
                participant: who.clone(),
                publication: PublicationId(format!("p{i}")),
            });
            room.inner.emit(SfuEvent::SubscriberOffer {
                participant: who.clone(),
                sdp: format!("offer {i}"),
                tracks: vec![],
            });
        }
        let mut ended = Vec::new();
        let mut offers = Vec::new();
        while ended.len() < 10 || offers.len() < 10 {
            let ev = tokio::time::timeout(std::time::Duration::from_secs(2), rx.recv())
                .await
                .expect("every offer and end arrives")
                .expect("the room is open");
            match ev {
                SfuEvent::PublicationEnded { publication, .. } => ended.push(publication.0),
                SfuEvent::SubscriberOffer { sdp, .. } => offers.push(sdp),
                _ => {}
            }
        }
        let want: Vec<String> = (0..10).map(|i| format!("p{i}")).collect();
        assert_eq!(ended, want, "in order, none lost");
        assert_eq!(offers[9], "offer 9");
    }
}
