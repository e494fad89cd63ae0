//! Simulcast: the layer follows the subscriber's video size, switches on a keyframe, and the
//! subscriber sees one continuous sequence.

mod common;

use std::time::Duration;

use common::*;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn layer_follows_video_size_without_sequence_gaps() -> Result<(), BoxErr> {
    let mut call = Call::start(CallSetup {
        port_base: 42_500,
        layers: &[("q", 0xA001), ("h", 0xA002), ("f", 0xA003)],
        uplink: Loss::default(),
        downlink_drop_every: None,
        downlink_persistent: false,
        video_size: Some((320, 180)),
        viewer: false,
    })
    .await?;
    let publisher = call.publisher.take().unwrap();
    // keyframes only every 2 s unless asked: switches must ask
    let sending = publisher.spawn(500, Duration::from_millis(10), 2, 200, 400);
    let rec = record(call.bob_browser.next_track().await);
    tokio::time::sleep(Duration::from_millis(1500)).await;
    let tags_small: Vec<u8> = rec.lock().unwrap().packets.iter().map(|p| p.4).collect();
    assert!(!tags_small.is_empty());
    assert!(
        tags_small.iter().all(|t| *t == 0),
        "320x180 gets q: {:?}",
        &tags_small[..tags_small.len().min(20)]
    );

    call.bob
        .set_video_size(&call.publication, 1280, 720)
        .await?;
    tokio::time::sleep(Duration::from_millis(1500)).await;
    call.bob.set_video_size(&call.publication, 640, 360).await?;
    sending.await?;
    tokio::time::sleep(Duration::from_millis(300)).await;

    let r = common::Received {
        packets: rec.lock().unwrap().packets.clone(),
    };
    let tags: Vec<u8> = r.packets.iter().map(|p| p.4).collect();
    let mut order = tags.clone();
    order.dedup();
    println!(
        "layers in order: {order:?}, packets {}, gaps {}",
        r.packets.len(),
        r.gaps()
    );
    assert_eq!(order, vec![0, 2, 1], "q, then f, then h");
    assert_eq!(r.gaps(), 0, "one continuous sequence across switches");
    assert_eq!(r.duplicates(), 0);
    let ssrcs: std::collections::HashSet<u32> = r.packets.iter().map(|p| p.0).collect();
    assert_eq!(ssrcs.len(), 1, "one SSRC for the subscriber");
    // timestamps never go backwards across a switch
    for w in r.packets.windows(2) {
        assert!(
            (w[1].3.wrapping_sub(w[0].3) as i32) >= 0,
            "timestamp went back: {:?}",
            w
        );
    }
    let stats = call.sfu.stats();
    assert!(stats.layer_switches >= 2, "{stats:?}");
    assert!(
        stats.keyframe_requests_sent >= 2,
        "switches asked for keyframes: {stats:?}"
    );
    call.close().await;
    Ok(())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sustained_downlink_loss_lowers_the_layer() -> Result<(), BoxErr> {
    let mut call = Call::start(CallSetup {
        port_base: 42_900,
        layers: &[("q", 0xB001), ("h", 0xB002), ("f", 0xB003)],
        uplink: Loss::default(),
        // every 6th video packet lost for good: ~16 % loss in the receiver reports
        downlink_drop_every: Some(6),
        downlink_persistent: true,
        video_size: None,
        viewer: false,
    })
    .await?;
    let publisher = call.publisher.take().unwrap();
    let sending = publisher.spawn(900, Duration::from_millis(10), 2, 100, 400);
    let rec = record(call.bob_browser.next_track().await);
    sending.await?;
    let tags: Vec<u8> = rec.lock().unwrap().packets.iter().map(|p| p.4).collect();
    let mut order = tags.clone();
    order.dedup();
    println!("layers in order under loss: {order:?}");
    // Before the layers' rids are known the first keyframe of any layer may start the
    // subscription (publisher legs run on their own reactor threads, so which one comes first
    // varies): what matters is that it reaches the highest layer, then steps down.
    let top = order
        .iter()
        .position(|&l| l == 2)
        .unwrap_or_else(|| panic!("reaches the highest layer: {order:?}"));
    assert!(
        order[top..].contains(&1),
        "stepped down under loss: {order:?}"
    );
    call.close().await;
    Ok(())
}
