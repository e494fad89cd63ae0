//! Interop check with a real browser: the SFU through its public API, driven over JSON lines
//! on stdin/stdout by `chrome_interop.js` (headless Chromium: one page publishes simulcast
//! VP8 or H.264 + Opus, another peer connection subscribes).
//!
//! `cargo build -p amphi-sfu --example chrome_interop && node crates/sfu/examples/chrome_interop.js`
//!
//! In:  {"type":"publish_offer","sdp"} {"type":"subscribe_answer","sdp"} {"type":"size","height"}
//! Out: {"type":"publish_answer","sdp"} {"type":"subscribe_offer","sdp"} {"type":"stats",...}
//!
//! LOSS_UP=2 / LOSS_DOWN=2: route the publisher (subscriber) leg through a UDP relay that loses
//! that percentage of the media packets towards the SFU (towards the subscriber).

use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use amphi_sfu::{MediaKind, ParticipantId, Sfu, SfuConfig, SfuEvent};
use serde_json::{Value, json};
use tokio::io::{AsyncBufReadExt, BufReader};
use tokio::sync::mpsc;

/// A UDP relay between a browser and the SFU that loses `percent` % of the RTP media packets
/// (not RTCP, not ICE/DTLS) in one direction. The SRTP header is in clear, so this is real loss
/// on the wire: repairs must come from NACK and retransmission.
struct Relay {
    addr: SocketAddr,
    lost: Arc<AtomicU64>,
}

impl Relay {
    async fn start(sfu: SocketAddr, percent: u64, towards_sfu: bool) -> std::io::Result<Self> {
        let front = tokio::net::UdpSocket::bind("127.0.0.1:0").await?;
        let back = tokio::net::UdpSocket::bind("127.0.0.1:0").await?;
        let addr = front.local_addr()?;
        let lost = Arc::new(AtomicU64::new(0));
        let l = lost.clone();
        tokio::spawn(async move {
            let mut browser: Option<SocketAddr> = None;
            let mut x: u64 = 0x2545_F491_4F6C_DD1D;
            let (mut a, mut b) = ([0u8; 2048], [0u8; 2048]);
            let mut lose = |p: &[u8]| {
                let media = p.len() > 200
                    && (128..192).contains(&p[0])
                    && !(72..=79).contains(&(p[1] & 0x7f));
                x ^= x << 13;
                x ^= x >> 7;
                x ^= x << 17;
                media && x % 1000 < percent * 10
            };
            loop {
                tokio::select! {
                    r = front.recv_from(&mut a) => {
                        let Ok((n, from)) = r else { return };
                        browser = Some(from);
                        if towards_sfu && lose(&a[..n]) { l.fetch_add(1, Ordering::Relaxed); continue; }
                        let _ = back.send_to(&a[..n], sfu).await;
                    }
                    r = back.recv_from(&mut b) => {
                        let Ok((n, _)) = r else { return };
                        if !towards_sfu && lose(&b[..n]) { l.fetch_add(1, Ordering::Relaxed); continue; }
                        if let Some(c) = browser { let _ = front.send_to(&b[..n], c).await; }
                    }
                }
            }
        });
        Ok(Self { addr, lost })
    }

    /// Points the SFU's host candidate of `sdp` at the relay.
    async fn wrap(sdp: &str, percent: u64, towards_sfu: bool) -> std::io::Result<(String, Self)> {
        let sfu: SocketAddr = sdp
            .lines()
            .find_map(|l| {
                let f: Vec<&str> = l
                    .trim()
                    .strip_prefix("a=candidate:")?
                    .split_whitespace()
                    .collect();
                format!("{}:{}", f.get(4)?, f.get(5)?).parse().ok()
            })
            .ok_or_else(|| std::io::Error::other("no candidate"))?;
        let relay = Self::start(sfu, percent, towards_sfu).await?;
        let sdp = sdp.replace(
            &format!("{} {} typ host", sfu.ip(), sfu.port()),
            &format!("{} {} typ host", relay.addr.ip(), relay.addr.port()),
        );
        Ok((sdp, relay))
    }
}

/// Without the browser's own candidates the SFU reaches it only through the relay.
fn strip_candidates(sdp: &str) -> String {
    sdp.split_inclusive('\n')
        .filter(|l| !l.starts_with("a=candidate"))
        .collect()
}

fn say(v: Value) {
    println!("{v}");
}

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error + Send + Sync>> {
    let sfu = Sfu::new(SfuConfig {
        bind_ip: "127.0.0.1".parse()?,
        udp_port_min: 44_000,
        udp_port_max: 44_049,
        ..SfuConfig::default()
    })?;
    let (tx, mut events) = mpsc::channel(256);
    let room = sfu.open_room(tx);
    let publisher = room.add_participant(ParticipantId("pub".into())).await?;
    let subscriber = room.add_participant(ParticipantId("sub".into())).await?;
    let mut video = None;
    let pct = |k: &str| {
        std::env::var(k)
            .ok()
            .and_then(|v| v.parse::<u64>().ok())
            .unwrap_or(0)
    };
    let (loss_up, loss_down) = (pct("LOSS_UP"), pct("LOSS_DOWN"));
    let mut relays: Vec<(&str, Relay)> = Vec::new();

    let mut lines = BufReader::new(tokio::io::stdin()).lines();
    let mut tick = tokio::time::interval(Duration::from_secs(1));
    loop {
        tokio::select! {
            line = lines.next_line() => {
                let Some(line) = line? else { break };
                let Ok(msg) = serde_json::from_str::<Value>(&line) else { continue };
                let sdp = msg["sdp"].as_str().unwrap_or("");
                match msg["type"].as_str() {
                    Some("publish_offer") => {
                        let offer = if loss_up > 0 { strip_candidates(sdp) } else { sdp.to_string() };
                        match publisher.publisher_offer(&offer, &[]).await {
                            Ok(a) => {
                                let mut answer = a.sdp;
                                if loss_up > 0 {
                                    let (sdp, relay) = Relay::wrap(&answer, loss_up, true).await?;
                                    answer = sdp;
                                    relays.push(("up", relay));
                                }
                                say(json!({"type": "publish_answer", "sdp": answer}));
                            }
                            Err(e) => eprintln!("[sfu] publisher offer refused: {e}"),
                        }
                    }
                    Some("subscribe_answer") => {
                        let answer = if loss_down > 0 { strip_candidates(sdp) } else { sdp.to_string() };
                        if let Err(e) = subscriber.subscriber_answer(&answer).await {
                            eprintln!("[sfu] subscriber answer refused: {e}");
                        }
                    }
                    Some("size") => {
                        if let Some(v) = &video {
                            let h = msg["height"].as_u64().unwrap_or(0) as u32;
                            subscriber.set_video_size(v, h * 16 / 9, h).await?;
                            eprintln!("[sfu] subscriber asks for {h}p");
                        }
                    }
                    _ => {}
                }
            }
            Some(ev) = events.recv() => match ev {
                SfuEvent::PublicationStarted { publication } => {
                    eprintln!("[sfu] publication started: {publication:?}");
                    if publication.kind == MediaKind::Video {
                        video = Some(publication.id.clone());
                    }
                    subscriber.subscribe(&publication.id).await?;
                }
                SfuEvent::SubscriberOffer { sdp, tracks, .. } => {
                    eprintln!("[sfu] subscriber offer with {} tracks", tracks.len());
                    let mut offer = sdp;
                    if loss_down > 0 {
                        if relays.iter().any(|(d, _)| *d == "down") {
                            // Later offers keep the relay: same SFU socket.
                            let addr = relays.iter().find(|(d, _)| *d == "down").map(|(_, r)| r.addr);
                            if let (Some(addr), Some(line)) = (addr, offer.lines().find(|l| l.contains("typ host")).map(str::to_string)) {
                                let f: Vec<&str> = line.split_whitespace().collect();
                                if f.len() > 5 {
                                    offer = offer.replace(&format!("{} {} typ host", f[4], f[5]), &format!("{} {} typ host", addr.ip(), addr.port()));
                                }
                            }
                        } else {
                            let (sdp, relay) = Relay::wrap(&offer, loss_down, false).await?;
                            offer = sdp;
                            relays.push(("down", relay));
                        }
                    }
                    say(json!({"type": "subscribe_offer", "sdp": offer}));
                }
                SfuEvent::AudioLevels { levels } => { if std::env::var("SHOW_LEVELS").is_ok() { eprintln!("[sfu] levels {levels:?}"); } }
                other => eprintln!("[sfu] {other:?}"),
            },
            _ = tick.tick() => {
                let s = sfu.stats();
                let lost: Vec<String> = relays.iter().map(|(d, r)| format!("{d}={}", r.lost.load(Ordering::Relaxed))).collect();
                say(json!({"type": "stats", "stats": format!("relay_lost[{}] {s:?}", lost.join(","))}));
            }
        }
    }
    room.close().await;
    Ok(())
}
