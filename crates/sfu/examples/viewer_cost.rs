//! What an idle viewer costs the SFU, compared with a participant (two legs): resident memory,
//! tasks' CPU while nothing flows, and UDP ports. Media costs per packet are measured end to
//! end by tests/load/attendees_load.py against the real server.
//!
//! `cargo run --release -p amphi-sfu --example viewer_cost -- [count] [seconds]`

use std::time::{Duration, Instant};

use amphi_sfu::{ParticipantId, Sfu, SfuConfig};
use tokio::sync::mpsc;

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
async fn main() -> Result<(), Box<dyn std::error::Error + Send + Sync>> {
    let args: Vec<String> = std::env::args().collect();
    let count: usize = args.get(1).and_then(|v| v.parse().ok()).unwrap_or(200);
    let secs: u64 = args.get(2).and_then(|v| v.parse().ok()).unwrap_or(10);
    let sfu = Sfu::new(SfuConfig {
        bind_ip: "127.0.0.1".parse()?,
        udp_port_min: 30_000,
        udp_port_max: 39_999,
        ..SfuConfig::default()
    })?;
    for viewer in [true, false] {
        let (tx, mut rx) = mpsc::channel(4096);
        tokio::spawn(async move { while rx.recv().await.is_some() {} });
        let room = sfu.open_room(tx);
        let rss0 = rss_kib();
        let t0 = Instant::now();
        let mut all = Vec::new();
        for i in 0..count {
            let id = ParticipantId(format!("p{i}"));
            all.push(if viewer {
                room.add_viewer(id).await?
            } else {
                room.add_participant(id).await?
            });
        }
        let build = t0.elapsed();
        tokio::time::sleep(Duration::from_millis(500)).await;
        let rss1 = rss_kib();
        let stats = sfu.stats();
        let cpu0 = cpu_seconds();
        tokio::time::sleep(Duration::from_secs(secs)).await;
        let idle_cpu = cpu_seconds() - cpu0;
        println!(
            "{count} idle {}: {:.0} KiB RSS each, {:.2} ms to create each, idle CPU {:.3} ms/s each, {} peer connections, {} ports",
            if viewer { "viewers" } else { "participants" },
            (rss1.saturating_sub(rss0)) as f64 / count as f64,
            build.as_secs_f64() * 1000.0 / count as f64,
            idle_cpu * 1000.0 / secs as f64 / count as f64,
            stats.peer_connections,
            stats.udp_ports_in_use,
        );
        room.close().await;
        drop(all);
        tokio::time::sleep(Duration::from_millis(500)).await;
    }
    Ok(())
}
