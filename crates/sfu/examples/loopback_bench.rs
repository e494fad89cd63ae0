//! Loopback benchmark: one publisher → the SFU → N subscribers, all in this process on
//! 127.0.0.1, webrtc-rs peers standing in for browsers. Reports CPU per forwarded packet,
//! packet rate, loss and memory per peer connection.
//!
//! `cargo run --release -p amphi-sfu --example loopback_bench -- [subscribers] [packets/s] [seconds]`
//!
//! The CPU figure is the whole process (publisher, SFU and subscribers): each forwarded packet
//! costs the SFU one decrypt (shared by all subscribers) and one encrypt, and the subscriber
//! one decrypt. The marginal figure subtracts a run with no subscriber.

#[path = "../tests/common/mod.rs"]
mod common;

use std::sync::atomic::Ordering;
use std::time::{Duration, Instant};

use amphi_sfu::ParticipantId;
use common::*;

fn cpu_seconds() -> f64 {
    // utime + stime of this process, in clock ticks (fields 14 and 15 of /proc/self/stat).
    let stat = std::fs::read_to_string("/proc/self/stat").unwrap_or_default();
    let after = stat.rsplit_once(')').map(|(_, r)| r).unwrap_or("");
    let f: Vec<&str> = after.split_whitespace().collect();
    let ticks = |i: usize| f.get(i).and_then(|v| v.parse::<f64>().ok()).unwrap_or(0.0);
    (ticks(11) + ticks(12)) / 100.0
}

fn rss_kib() -> u64 {
    std::fs::read_to_string("/proc/self/status")
        .unwrap_or_default()
        .lines()
        .find_map(|l| l.strip_prefix("VmRSS:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        .unwrap_or(0)
}

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() -> Result<(), BoxErr> {
    let args: Vec<String> = std::env::args().collect();
    let subscribers: usize = args.get(1).and_then(|v| v.parse().ok()).unwrap_or(3);
    let pps: u32 = args.get(2).and_then(|v| v.parse().ok()).unwrap_or(1000);
    let secs: u32 = args.get(3).and_then(|v| v.parse().ok()).unwrap_or(5);

    // Memory per peer connection: 10 idle participants (20 connections).
    let sfu = sfu(43_000);
    let (room, _events) = open_room(&sfu);
    let rss0 = rss_kib();
    let mut idle = Vec::new();
    for i in 0..10 {
        idle.push(
            room.add_participant(ParticipantId(format!("idle{i}")))
                .await?,
        );
    }
    tokio::time::sleep(Duration::from_millis(300)).await;
    let per_pc = (rss_kib().saturating_sub(rss0)) as f64 / 20.0;
    for p in idle {
        p.close().await;
    }
    room.close().await;

    let base = run(0, pps, secs, 43_100).await?;
    let full = run(subscribers, pps, secs, 43_300).await?;
    let marginal = (full.cpu - base.cpu) / full.forwarded.max(1) as f64 * 1e6;
    println!("memory: ~{per_pc:.0} KiB RSS per idle peer connection (SFU side)");
    println!(
        "no subscriber: {:.2} s CPU for {} packets in",
        base.cpu, base.sent
    );
    println!(
        "{subscribers} subscribers: sent {} packets at {pps}/s, forwarded {} ({:.0}/s), received {} (loss {:.3} %), CPU {:.2} s over {:.1} s wall",
        full.sent,
        full.forwarded,
        full.forwarded as f64 / full.wall,
        full.received,
        100.0 * (1.0 - full.received as f64 / (full.sent as f64 * subscribers as f64).max(1.0)),
        full.cpu,
        full.wall
    );
    println!(
        "CPU per forwarded packet: {:.1} µs whole process, {marginal:.1} µs marginal (SFU encrypt + subscriber decrypt)",
        full.cpu / full.forwarded.max(1) as f64 * 1e6
    );
    println!("sfu stats: {:?}", full.stats);
    Ok(())
}

struct Run {
    sent: u64,
    forwarded: u64,
    received: u64,
    cpu: f64,
    wall: f64,
    stats: amphi_sfu::SfuStats,
}

async fn run(subscribers: usize, pps: u32, secs: u32, port_base: u16) -> Result<Run, BoxErr> {
    let sfu = sfu(port_base);
    let (room, mut events) = open_room(&sfu);
    let alice = room.add_participant(ParticipantId("alice".into())).await?;
    let mut ab = Browser::new(Loss::default()).await?;
    let track = vp8_track("cam", &[("", 0x7777)]);
    add(&ab, &track).await?;
    let answer = ab.publish(&alice, &[]).await?;
    let cam = answer.publications[0].id.clone();
    ab.wait_connected().await?;
    let mut recs = Vec::new();
    let mut browsers = Vec::new();
    for i in 0..subscribers {
        let id = ParticipantId(format!("sub{i}"));
        let p = room.add_participant(id.clone()).await?;
        let mut b = Browser::new(Loss::default()).await?;
        p.subscribe(&cam).await?;
        let (offer, _) = events.offer_for(&id).await;
        b.answer(&p, &offer).await?;
        b.wait_connected().await?;
        browsers.push((p, b));
    }
    let publisher = Publisher {
        track,
        layers: vec![(String::new(), 0x7777, 1)],
        mid_id: None,
        rid_id: None,
        wire: ab.wire.clone(),
        sent: std::sync::Arc::new(std::sync::atomic::AtomicU64::new(0)),
    };
    let sent = publisher.sent.clone();
    // 5 packets per frame, 1000-byte payloads (a ~8 Mbit/s stream at 1000 packets/s)
    let frames = pps * secs / 5;
    let interval = Duration::from_micros(5_000_000 / u64::from(pps));
    let cpu0 = cpu_seconds();
    let t0 = Instant::now();
    let sending = publisher.spawn(frames, interval, 5, 30, 1000);
    for (_, b) in browsers.iter_mut() {
        recs.push(record(b.next_track().await));
    }
    sending.await?;
    tokio::time::sleep(Duration::from_millis(300)).await;
    let wall = t0.elapsed().as_secs_f64();
    let cpu = cpu_seconds() - cpu0;
    let stats = sfu.stats();
    let received = recs
        .iter()
        .map(|r| r.lock().unwrap().packets.len() as u64)
        .sum();
    room.close().await;
    ab.close().await;
    for (_, b) in &browsers {
        b.close().await;
    }
    Ok(Run {
        sent: sent.load(Ordering::Relaxed),
        forwarded: stats.packets_forwarded,
        received,
        cpu,
        wall,
        stats,
    })
}
