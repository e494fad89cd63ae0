//! Viewers (`MediaRoom::add_viewer`, webinar attendees): one peer connection, subscribe only.
//! They receive, their lost packets are repaired from the SFU's cache, their keyframe requests
//! reach the publisher throttled, they cannot publish, and closing one gives its port back.

mod common;

use std::net::UdpSocket;
use std::sync::atomic::Ordering;
use std::time::Duration;

use amphi_sfu::{IceCandidate, Leg, ParticipantId, SfuError};
use common::*;
use rtc::rtcp::payload_feedbacks::picture_loss_indication::PictureLossIndication;

fn viewer_call(port_base: u16, downlink_drop_every: Option<u16>) -> CallSetup<'static> {
    CallSetup {
        port_base,
        layers: &[("", 0x7777)],
        uplink: Loss::default(),
        downlink_drop_every,
        downlink_persistent: false,
        video_size: None,
        viewer: true,
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_viewer_receives_cannot_publish_and_closes_cleanly() -> Result<(), BoxErr> {
    let base = 44_000;
    let mut call = Call::start(viewer_call(base, None)).await?;
    let stats = call.sfu.stats();
    assert_eq!(
        (
            stats.peer_connections,
            stats.viewers,
            stats.udp_ports_in_use
        ),
        (3, 1, 3),
        "alice has two legs, the viewer one: {stats:?}"
    );
    assert!(call.bob.is_viewer() && !call.alice.is_viewer());

    // Every publisher-leg call is refused, with nothing changed.
    let offer = call
        .alice_browser
        .pc
        .local_description()
        .await
        .ok_or("alice has an offer")?
        .sdp;
    assert!(matches!(
        call.bob.publisher_offer(&offer, &camera()).await,
        Err(SfuError::NotAPublisher(who)) if who == "bob"
    ));
    let candidate = IceCandidate {
        candidate: "candidate:1 1 udp 1 127.0.0.1 9 typ host".into(),
        ..Default::default()
    };
    assert!(matches!(
        call.bob.add_ice_candidate(Leg::Publisher, candidate).await,
        Err(SfuError::NotAPublisher(_))
    ));
    assert!(matches!(
        call.bob.unpublish(&call.publication).await,
        Err(SfuError::NotAPublisher(_))
    ));
    assert!(matches!(
        call.bob.set_paused(&call.publication, true).await,
        Err(SfuError::NotAPublisher(_))
    ));
    // One id space: a viewer cannot take a participant's id.
    assert!(matches!(
        call.room.add_viewer(ParticipantId("alice".into())).await,
        Err(SfuError::DuplicateParticipant(_))
    ));

    // It receives what alice sends, every packet, in order.
    let publisher = call.publisher.take().ok_or("publisher")?;
    let sent = publisher.sent.clone();
    let sending = publisher.spawn(150, Duration::from_millis(10), 3, 30, 600);
    let rec = record(call.bob_browser.next_track().await);
    sending.await?;
    tokio::time::sleep(Duration::from_millis(500)).await;
    let got = common::Received {
        packets: rec.lock().unwrap().packets.clone(),
    };
    println!(
        "viewer: sent={} received={} gaps={}",
        sent.load(Ordering::Relaxed),
        got.packets.len(),
        got.gaps()
    );
    assert!(
        got.packets.len() as u64 >= sent.load(Ordering::Relaxed) - 30,
        "the viewer gets the stream from the first keyframe on"
    );
    assert_eq!(got.gaps(), 0);
    assert_eq!(
        call.bob.subscriptions().await,
        vec![call.publication.clone()]
    );
    assert_eq!(call.room.publications().len(), 1, "alice still publishes");

    // Closing the viewer gives its one port back; alice goes on.
    let viewer_port = LossyProxy::sfu_addr(
        &call
            .bob_browser
            .pc
            .remote_description()
            .await
            .ok_or("the viewer's offer")?
            .sdp,
    )
    .ok_or("an SFU candidate")?
    .port();
    call.bob.close().await;
    call.bob.close().await; // idempotent
    let stats = call.sfu.stats();
    assert_eq!(
        (
            stats.peer_connections,
            stats.viewers,
            stats.udp_ports_in_use,
            stats.subscriptions
        ),
        (2, 0, 2, 0),
        "{stats:?}"
    );
    assert!(
        call.room
            .participant(&ParticipantId("bob".into()))
            .is_none()
    );
    assert!(matches!(
        call.bob.subscribe(&call.publication).await,
        Err(SfuError::Closed)
    ));
    tokio::time::sleep(Duration::from_millis(200)).await;
    UdpSocket::bind(("127.0.0.1", viewer_port))
        .map_err(|e| format!("the viewer's port {viewer_port} is still held: {e}"))?;
    call.close().await;
    Ok(())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_viewers_losses_are_repaired_and_its_keyframe_requests_throttled() -> Result<(), BoxErr> {
    let mut call = Call::start(viewer_call(44_050, Some(50))).await?;
    let publisher = call.publisher.take().ok_or("publisher")?;
    // 300 frames x 3 packets at 10 ms a frame; one keyframe only (then on request).
    let sending = publisher.spawn(300, Duration::from_millis(10), 3, 100_000, 900);
    let track = call.bob_browser.next_track().await;
    let rec = record(track.clone());
    tokio::time::sleep(Duration::from_millis(1200)).await;

    // The viewer asks for a keyframe 10 times in 1 s: the publisher hears it at most twice.
    let ssrc = rec.lock().unwrap().packets.first().ok_or("media flows")?.0;
    let wire = call.alice_browser.wire.clone();
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
    sending.await?;
    tokio::time::sleep(Duration::from_millis(800)).await;

    let lost = call
        .proxy
        .as_ref()
        .ok_or("proxy")?
        .dropped
        .load(Ordering::Relaxed);
    let stats = call.sfu.stats();
    let got = common::Received {
        packets: rec.lock().unwrap().packets.clone(),
    };
    println!(
        "viewer: PLIs 10 -> relayed {relayed}; lost={lost} nacks_received={} retransmissions_sent={} received={} gaps={}",
        stats.nacks_received,
        stats.retransmissions_sent,
        got.packets.len(),
        got.gaps()
    );
    assert_eq!(stats.keyframe_requests_received, 10);
    assert!((1..=2).contains(&relayed), "relayed {relayed}: at most 1/s");
    assert!(lost >= 10, "loss was injected: {lost}");
    assert!(stats.nacks_received > 0, "the viewer NACKs");
    assert!(stats.retransmissions_sent >= lost, "{stats:?}");
    assert!(stats.retransmissions_sent <= 2 * lost, "{stats:?}");
    assert_eq!(got.gaps(), 0, "the viewer has every packet");
    assert_eq!(got.duplicates(), 0);
    call.close().await;
    Ok(())
}
