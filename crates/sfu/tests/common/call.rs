//! Whole calls: a lossy UDP relay, a publisher's sending loop, and Alice publishing to Bob.

#[allow(unused_imports)]
use super::*;

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

/// Alice publishes one video track (simulcast if several layers), Bob (a participant or a
/// viewer) subscribes to it, optionally through a lossy proxy.
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
    /// Bob is a viewer (subscriber leg only, `MediaRoom::add_viewer`).
    pub viewer: bool,
}

impl Call {
    pub async fn start(s: CallSetup<'_>) -> Result<Self, BoxErr> {
        let sfu = sfu(s.port_base);
        let (room, mut events) = open_room(&sfu);
        let alice = room.add_participant(ParticipantId("alice".into())).await?;
        let bob_id = ParticipantId("bob".into());
        let bob = if s.viewer {
            room.add_viewer(bob_id.clone()).await?
        } else {
            room.add_participant(bob_id.clone()).await?
        };
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
