//! Interop check with a real browser: the SFU through its public API, driven over JSON lines
//! on stdin/stdout by `chrome_interop.js` (headless Chromium: one page publishes simulcast
//! VP8 or H.264 + Opus, another peer connection subscribes).
//!
//! `cargo build -p amphi-sfu --example chrome_interop && node crates/sfu/examples/chrome_interop.js`
//!
//! In:  {"type":"publish_offer","sdp"} {"type":"subscribe_answer","sdp"} {"type":"size","height"}
//! Out: {"type":"publish_answer","sdp"} {"type":"subscribe_offer","sdp"} {"type":"stats",...}

use std::time::Duration;

use amphi_sfu::{MediaKind, ParticipantId, Sfu, SfuConfig, SfuEvent};
use serde_json::{Value, json};
use tokio::io::{AsyncBufReadExt, BufReader};
use tokio::sync::mpsc;

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

    let mut lines = BufReader::new(tokio::io::stdin()).lines();
    let mut tick = tokio::time::interval(Duration::from_secs(1));
    loop {
        tokio::select! {
            line = lines.next_line() => {
                let Some(line) = line? else { break };
                let Ok(msg) = serde_json::from_str::<Value>(&line) else { continue };
                let sdp = msg["sdp"].as_str().unwrap_or("");
                match msg["type"].as_str() {
                    Some("publish_offer") => match publisher.publisher_offer(sdp, &[]).await {
                        Ok(a) => say(json!({"type": "publish_answer", "sdp": a.sdp})),
                        Err(e) => eprintln!("[sfu] publisher offer refused: {e}"),
                    },
                    Some("subscribe_answer") => {
                        if let Err(e) = subscriber.subscriber_answer(sdp).await {
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
                    say(json!({"type": "subscribe_offer", "sdp": sdp}));
                }
                SfuEvent::AudioLevels { .. } => {}
                other => eprintln!("[sfu] {other:?}"),
            },
            _ = tick.tick() => {
                let s = sfu.stats();
                say(json!({"type": "stats", "stats": format!("{s:?}")}));
            }
        }
    }
    room.close().await;
    Ok(())
}
