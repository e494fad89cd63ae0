//! The subscriber leg of a participant: the SFU offers one m-line per subscription and
//! renegotiates by itself whenever subscriptions change, one offer in flight at a time.
//!
//! M-lines are recycled: an unsubscribed one (or one whose publication ended) goes inactive
//! and the next subscription of the same kind takes it over (new SSRC, new msid, possibly
//! another codec), so the SDP of a long webinar, whose stage changes all the time, holds at
//! most as many m-lines of a kind as subscriptions of that kind ever ran at once.

use std::collections::HashMap;
use std::sync::Arc;
use std::sync::atomic::Ordering;

use webrtc::media_stream::track_local::TrackLocal;
use webrtc::peer_connection::RTCSessionDescription;
use webrtc::rtp_transceiver::{
    RTCRtpTransceiverDirection, RTCRtpTransceiverInit, RtpSender, RtpTransceiver,
};

use crate::codecs::{self, CodecSpec};
use crate::participant::{MediaParticipant, add_candidate, local_sdp};
use crate::rewrite::LegMapping;
use crate::subscription::{self, Control, Subscription};
use crate::{IceCandidate, MediaKind, OfferedTrack, PublicationId, SfuError, SfuEvent};

#[derive(Default)]
pub(crate) struct SubscriberState {
    pub(crate) subscriptions: HashMap<PublicationId, Subscription>,
    /// An offer is out, waiting for its answer.
    pub(crate) offer_in_flight: bool,
    /// Subscriptions changed since the last offer.
    pub(crate) dirty: bool,
    pub(crate) has_remote: bool,
    pub(crate) pending_candidates: Vec<IceCandidate>,
    /// Requested video heights, kept across (re)subscriptions.
    pub(crate) video_heights: HashMap<PublicationId, Option<u16>>,
    /// The transceiver of each subscription (to free its m-line when it ends).
    pub(crate) transceivers: HashMap<PublicationId, (MediaKind, Arc<dyn RtpTransceiver>)>,
    /// M-lines whose subscription ended: inactive, waiting for the next subscription of their
    /// kind.
    pub(crate) free: Vec<(MediaKind, Arc<dyn RtpTransceiver>)>,
}

impl MediaParticipant {
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
        let kind = p.info.kind;
        let (transceiver, sender) = match self.reuse_mline(&mut st, kind, &track).await? {
            Some(reused) => reused,
            None => {
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
                let sender = transceiver.sender().await?.ok_or_else(|| {
                    SfuError::WebRtc("a sendonly transceiver without a sender".into())
                })?;
                (transceiver, sender)
            }
        };
        st.transceivers
            .insert(publication.clone(), (kind, transceiver));
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
        let transceiver = st.transceivers.remove(&sub.publication.info.id);
        match self.inner.subscriber.remove_track(&sub.sender).await {
            // The m-line goes inactive (no sender): the next subscription of its kind takes it.
            Ok(()) => st.free.extend(transceiver),
            Err(e) => tracing::debug!(error = %e, "remove_track failed"),
        }
        st.dirty = true;
    }

    /// Puts `track` on a free m-line of its kind, if there is one: the transceiver and its new
    /// sender, sendonly again.
    async fn reuse_mline(
        &self,
        st: &mut SubscriberState,
        kind: MediaKind,
        track: &Arc<webrtc::media_stream::track_local::static_rtp::TrackLocalStaticRTP>,
    ) -> Result<Option<(Arc<dyn RtpTransceiver>, Arc<dyn RtpSender>)>, SfuError> {
        if !st.free.iter().any(|(k, _)| *k == kind) {
            return Ok(None);
        }
        // `add_track` puts the track on the first transceiver of its kind without a sender
        // (W3C addTrack), which is one of ours. It takes the codec of the track only if the
        // transceiver has no preference left from its previous subscription: clear them all,
        // since the publication may use another codec than the last one did.
        for (k, t) in &st.free {
            if *k == kind {
                t.set_codec_preferences(Vec::new()).await?;
            }
        }
        let sender = self
            .inner
            .subscriber
            .add_track(track.clone() as Arc<dyn TrackLocal>)
            .await?;
        let mut found = None;
        for (i, (_, t)) in st.free.iter().enumerate() {
            if let Ok(Some(s)) = t.sender().await
                && s.id() == sender.id()
            {
                found = Some(i);
                break;
            }
        }
        let transceiver = match found {
            Some(i) => st.free.swap_remove(i).1,
            None => {
                // Not one of the free ones (cannot happen: they have no sender): find it.
                let mut any = None;
                for t in self.inner.subscriber.get_transceivers().await {
                    if let Ok(Some(s)) = t.sender().await
                        && s.id() == sender.id()
                    {
                        any = Some(t);
                        break;
                    }
                }
                any.ok_or_else(|| SfuError::WebRtc("a new sender without a transceiver".into()))?
            }
        };
        // addTrack offers sendrecv unless the transceiver never received; ours never do.
        transceiver
            .set_direction(RTCRtpTransceiverDirection::Sendonly)
            .await?;
        Ok(Some((transceiver, sender)))
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
}

fn random_ssrc(shared: &crate::Shared) -> u32 {
    // Unique per SFU and unpredictable enough; an SSRC only has to be unique per leg.
    let n = shared.next_id.fetch_add(1, Ordering::Relaxed);
    let mix = n.wrapping_mul(0x9E37_79B9_7F4A_7C15) ^ (n >> 17);
    (mix as u32) | 1
}
