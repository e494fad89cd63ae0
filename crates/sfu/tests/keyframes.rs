//! Keyframe requests: asked for on subscribe, subscribers' PLIs relayed to the publisher at
//! most once a second.

mod common;

use std::sync::atomic::Ordering;
use std::time::Duration;

use common::*;
use rtc::rtcp::payload_feedbacks::picture_loss_indication::PictureLossIndication;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn subscriber_plis_are_relayed_throttled() -> Result<(), BoxErr> {
    let mut call = Call::start(CallSetup {
        port_base: 42_600,
        layers: &[("", 0x6666)],
        uplink: Loss::default(),
        downlink_drop_every: None,
        downlink_persistent: false,
        video_size: None,
        viewer: false,
    })
    .await?;
    let publisher = call.publisher.take().unwrap();
    // No periodic keyframe after the first frame.
    let sending = publisher.spawn(500, Duration::from_millis(10), 2, 100_000, 300);
    tokio::time::sleep(Duration::from_millis(300)).await;
    let track = call.bob_browser.next_track().await;
    let rec = record(track.clone());
    tokio::time::sleep(Duration::from_millis(1200)).await;
    let wire = call.alice_browser.wire.clone();
    assert!(
        !rec.lock().unwrap().packets.is_empty(),
        "forwarding started on a keyframe"
    );

    // The subscriber asks 10 times in 1 s.
    let ssrc = rec.lock().unwrap().packets[0].0;
    let before = wire.keyframe_requests_in.load(Ordering::Relaxed);
    for _ in 0..10 {
        track
            .write_rtcp(vec![Box::new(PictureLossIndication {
                sender_ssrc: 0,
                media_ssrc: ssrc,
            })])
            .await?;
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    tokio::time::sleep(Duration::from_millis(100)).await;
    let relayed = wire.keyframe_requests_in.load(Ordering::Relaxed) - before;
    let stats = call.sfu.stats();
    println!(
        "subscriber PLIs 10, received by SFU {}, relayed {relayed}",
        stats.keyframe_requests_received
    );
    assert_eq!(stats.keyframe_requests_received, 10);
    assert!(
        (1..=2).contains(&relayed),
        "relayed {relayed}: at most one per second"
    );
    sending.abort();
    call.close().await;
    Ok(())
}
