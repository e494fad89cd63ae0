//! A participant's publisher leg: the browser offers, the SFU answers (recvonly) and turns each
//! declared m-line into a publication whose ingress loop reads the remote track. Viewers have
//! none: every call here answers [`SfuError::NotAPublisher`] for them.

use std::collections::HashMap;
use std::sync::Arc;
use std::sync::atomic::Ordering;

use tokio::sync::{Mutex, watch};
use webrtc::media_stream::track_remote::TrackRemote;
use webrtc::peer_connection::{PeerConnection, RTCSessionDescription};

use crate::participant::{Inner, MediaParticipant, add_candidate, local_sdp};
use crate::publication::Publication;
use crate::sdp;
use crate::{
    IceCandidate, PublicationId, PublicationInfo, PublisherAnswer, SfuError, Source, TrackSource,
};

/// The publisher peer connection and what it publishes.
pub(crate) struct PublisherLeg {
    pub(crate) pc: Arc<dyn PeerConnection>,
    pub(crate) gathered: watch::Receiver<bool>,
    pub(crate) state: Mutex<PublisherState>,
}

#[derive(Default)]
pub(crate) struct PublisherState {
    /// Publications by mid.
    pub(crate) publications: HashMap<String, Arc<Publication>>,
    pub(crate) has_remote: bool,
    pub(crate) pending_candidates: Vec<IceCandidate>,
}

impl MediaParticipant {
    /// The publisher leg, or [`SfuError::NotAPublisher`] for a viewer.
    pub(crate) fn publisher_leg(&self) -> Result<&PublisherLeg, SfuError> {
        self.inner
            .publisher
            .as_ref()
            .ok_or_else(|| SfuError::NotAPublisher(self.inner.id.0.clone()))
    }

    /// Whether this participant has a publisher leg (false for a viewer, see
    /// [`crate::MediaRoom::add_viewer`]).
    pub fn is_viewer(&self) -> bool {
        self.inner.publisher.is_none()
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
        let leg = self.publisher_leg()?;
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
        let mut st = leg.state.lock().await;
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
        if leg.pc.pending_remote_description().await.is_some()
            && let Ok(rb) = RTCSessionDescription::rollback(None)
        {
            let _ = leg.pc.set_remote_description(rb).await;
        }
        if let Err(e) = apply_offer(leg.pc.as_ref(), offer).await {
            // Whatever half-applied state the failure left, go back to the last stable one so
            // that the next offer is applied normally.
            if let Ok(rb) = RTCSessionDescription::rollback(None) {
                let _ = leg.pc.set_remote_description(rb).await;
            }
            return Err(e);
        }
        st.has_remote = true;
        let answer_sdp = local_sdp(
            leg.pc.as_ref(),
            leg.gathered.clone(),
            &inner.room.shared.config.announced_ips,
        )
        .await?;
        for c in std::mem::take(&mut st.pending_candidates) {
            if let Err(e) = add_candidate(leg.pc.as_ref(), &c).await {
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

    /// Ends one of this participant's publications (the room replaced it by a newer one of the
    /// same source): its subscriptions are removed and [`SfuEvent::PublicationEnded`] follows.
    /// Its m-line publishes nothing more until an offer lists it again. Unknown ids are ignored.
    pub async fn unpublish(&self, publication: &PublicationId) -> Result<(), SfuError> {
        self.check_open()?;
        let inner = &self.inner;
        let found = {
            let mut st = self.publisher_leg()?.state.lock().await;
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
            let st = self.publisher_leg()?.state.lock().await;
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

/// Finds the publication a new remote track belongs to (by mid) and starts its ingress loop.
pub(crate) async fn attach_track(inner: Arc<Inner>, track: Arc<dyn TrackRemote>) {
    let Some(leg) = inner.publisher.as_ref() else {
        return; // a viewer has no publisher leg, so no remote track
    };
    let track_id = track.track_id().await;
    let mut mid = None;
    for t in leg.pc.get_transceivers().await {
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
    let publication = leg.state.lock().await.publications.get(&mid).cloned();
    match publication {
        Some(p) => {
            let handle = tokio::spawn(p.ingress(track));
            inner.push_task(handle);
        }
        None => tracing::warn!(participant = %inner.id, %mid, "a remote track for no publication"),
    }
}
