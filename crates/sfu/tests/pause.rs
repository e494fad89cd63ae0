//! A moderator's mute: a paused publication forwards nothing until it is resumed, and then
//! the subscriber's stream goes on with no gap in sequence numbers, from a keyframe.

mod common;

use std::sync::atomic::Ordering;
use std::time::Duration;

use common::*;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_paused_publication_forwards_nothing_until_resumed() -> Result<(), BoxErr> {
    let mut call = Call::start(CallSetup {
        port_base: 43_100,
        layers: &[("", 0x7777)],
        uplink: Loss::default(),
        downlink_drop_every: None,
        downlink_persistent: false,
        video_size: None,
        viewer: false,
    })
    .await?;
    let publisher = call.publisher.take().expect("a publisher");
    let sent = publisher.sent.clone();
    // 6 s of video at 100 frames/s; keyframes only when asked for.
    let sending = publisher.spawn(600, Duration::from_millis(10), 2, 100_000, 300);
    let track = call.bob_browser.next_track().await;
    let rec = record(track);
    tokio::time::sleep(Duration::from_millis(800)).await;
    let received = || rec.lock().expect("not poisoned").packets.len();
    assert!(
        received() > 50,
        "forwarding before the pause: {}",
        received()
    );

    call.alice.set_paused(&call.publication, true).await?;
    // Packets already queued may still arrive just after the pause: wait until none does for
    // 300 ms (at most 3 s; a forwarding that never stops fails below).
    let mut at_pause = received();
    for _ in 0..10 {
        tokio::time::sleep(Duration::from_millis(300)).await;
        let now = received();
        if now == at_pause {
            break;
        }
        at_pause = now;
    }
    let sent_at_pause = sent.load(Ordering::Relaxed);
    tokio::time::sleep(Duration::from_millis(1000)).await;
    let sent_while_paused = sent.load(Ordering::Relaxed) - sent_at_pause;
    assert!(
        sent_while_paused > 100,
        "the publisher kept sending: {sent_while_paused}"
    );
    assert_eq!(received(), at_pause, "nothing forwarded while paused");

    let requests_before = call
        .alice_browser
        .wire
        .keyframe_requests_in
        .load(Ordering::Relaxed);
    call.alice.set_paused(&call.publication, false).await?;
    tokio::time::sleep(Duration::from_millis(800)).await;
    let after = received();
    assert!(
        after > at_pause + 50,
        "forwarding resumed: {at_pause} -> {after}"
    );
    assert!(
        call.alice_browser
            .wire
            .keyframe_requests_in
            .load(Ordering::Relaxed)
            > requests_before,
        "resuming asked the publisher for a keyframe"
    );
    let r = rec.lock().expect("not poisoned").packets.clone();
    let r = Received { packets: r };
    assert_eq!(r.gaps(), 0, "no gap in the subscriber's sequence numbers");
    assert_eq!(r.duplicates(), 0);
    // The output timestamp jumps by about the pause (wall time), not by nothing.
    let (before, resumed) = (r.packets[at_pause - 1].3, r.packets[at_pause].3);
    let jump = resumed.wrapping_sub(before);
    assert!(
        (90_000..=300_000).contains(&jump),
        "timestamp advanced by {jump} ticks (90 kHz) across a pause of about 1.2 s"
    );
    sending.abort();
    call.close().await;
    Ok(())
}
