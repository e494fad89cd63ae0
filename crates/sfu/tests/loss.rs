//! Loss recovery under injected loss: 2 % of the video packets lost once, upstream (at the
//! publisher's wire) or downstream (a relay between the SFU and the subscriber). The receiver
//! must end up with every packet, and the repair must cost at most two retransmissions per
//! loss.

mod common;

use std::sync::atomic::Ordering;
use std::time::Duration;

use common::*;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn upstream_loss_is_repaired_with_bounded_nacks() -> Result<(), BoxErr> {
    let mut call = Call::start(CallSetup {
        port_base: 42_300,
        layers: &[("", 0x4444)],
        uplink: Loss {
            outgoing_every: 50,
            incoming_every: 0,
        },
        downlink_drop_every: None,
        downlink_persistent: false,
        video_size: None,
        viewer: false,
    })
    .await?;
    let publisher = call.publisher.take().unwrap();
    let sent = publisher.sent.clone();
    // 400 frames x 3 packets at 10 ms per frame: 300 packets/s for 4 s
    let sending = publisher.spawn(400, Duration::from_millis(10), 3, 50, 900);
    let rec = record(call.bob_browser.next_track().await);
    sending.await?;
    tokio::time::sleep(Duration::from_millis(800)).await;

    let wire = &call.alice_browser.wire;
    let lost = wire.dropped.load(Ordering::Relaxed);
    let resent = wire.retransmissions_out.load(Ordering::Relaxed);
    let stats = call.sfu.stats();
    let r = common::Received {
        packets: rec.lock().unwrap().packets.clone(),
    };
    println!(
        "upstream: sent={} lost={lost} publisher_retransmissions={resent} sfu_nacks_sent={} received={} gaps={} dups_dropped={}",
        sent.load(Ordering::Relaxed),
        stats.nacks_sent,
        r.packets.len(),
        r.gaps(),
        stats.duplicates_in
    );
    assert!(lost >= 15, "loss was injected: {lost}");
    assert!(resent >= lost, "every loss was asked for and resent");
    assert!(
        resent <= 2 * lost,
        "at most two retransmissions per loss: {resent} for {lost}"
    );
    assert_eq!(r.gaps(), 0, "the subscriber has every packet");
    assert_eq!(r.duplicates(), 0);
    assert!(
        r.packets.len() as u64 >= sent.load(Ordering::Relaxed) - 60,
        "{} of {}",
        r.packets.len(),
        sent.load(Ordering::Relaxed)
    );
    call.close().await;
    Ok(())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn downstream_loss_is_repaired_from_the_retransmission_cache() -> Result<(), BoxErr> {
    let mut call = Call::start(CallSetup {
        port_base: 42_400,
        layers: &[("", 0x5555)],
        uplink: Loss::default(),
        downlink_drop_every: Some(50),
        downlink_persistent: false,
        video_size: None,
        viewer: false,
    })
    .await?;
    let publisher = call.publisher.take().unwrap();
    let sending = publisher.spawn(400, Duration::from_millis(10), 3, 50, 900);
    let rec = record(call.bob_browser.next_track().await);
    sending.await?;
    tokio::time::sleep(Duration::from_millis(800)).await;

    let lost = call.proxy.as_ref().unwrap().dropped.load(Ordering::Relaxed);
    let stats = call.sfu.stats();
    let r = common::Received {
        packets: rec.lock().unwrap().packets.clone(),
    };
    println!(
        "downstream: lost={lost} nacks_received={} retransmissions_sent={} missed={} received={} gaps={}",
        stats.nacks_received,
        stats.retransmissions_sent,
        stats.retransmissions_missed,
        r.packets.len(),
        r.gaps()
    );
    assert!(lost >= 15, "loss was injected: {lost}");
    assert!(stats.nacks_received > 0);
    assert!(stats.retransmissions_sent >= lost, "{stats:?}");
    assert!(
        stats.retransmissions_sent <= 2 * lost,
        "at most two per loss: {stats:?}"
    );
    assert_eq!(r.gaps(), 0, "the subscriber has every packet");
    assert_eq!(r.duplicates(), 0);
    call.close().await;
    Ok(())
}
