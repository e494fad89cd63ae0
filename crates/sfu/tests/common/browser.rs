//! In-process browsers: a webrtc-rs peer connection that publishes or subscribes.

#[allow(unused_imports)]
use super::*;

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
