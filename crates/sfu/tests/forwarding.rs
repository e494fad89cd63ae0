//! Publisher → SFU → subscribers on 127.0.0.1, with webrtc-rs peers standing in for browsers.

mod common;

use std::time::Duration;

use amphi_sfu::{Leg, ParticipantId, SfuEvent, Source, TrackSource};
use common::*;

const VIDEO_SSRC: u32 = 0x1111_0001;
const AUDIO_SSRC: u32 = 0x1111_0002;

/// Sends `n` video packets (3 per frame, keyframe every 30 frames) and audio alongside.
fn stream(
    video: std::sync::Arc<webrtc::media_stream::track_local::static_rtp::TrackLocalStaticRTP>,
    audio: std::sync::Arc<webrtc::media_stream::track_local::static_rtp::TrackLocalStaticRTP>,
    audio_level_id: Option<u8>,
    n: u32,
    interval: Duration,
) -> tokio::task::JoinHandle<()> {
    use webrtc::media_stream::track_local::TrackLocal;
    tokio::spawn(async move {
        let mut tick = tokio::time::interval(interval);
        for i in 0..n {
            tick.tick().await;
            let p = rtp(
                96,
                VIDEO_SSRC,
                i as u16,
                (i / 3) * 3000,
                i % 3 == 2,
                vp8_payload(i, 30, 700, 7),
            );
            let _ = video.write_rtp(p).await;
            if i % 3 == 0 {
                let mut a = rtp(
                    111,
                    AUDIO_SSRC,
                    (i / 3) as u16,
                    (i / 3) * 960,
                    false,
                    bytes::Bytes::from(vec![0xAB; 80]),
                );
                if let Some(id) = audio_level_id {
                    let _ = a.header.set_extension(id, bytes::Bytes::from_static(&[25]));
                }
                let _ = audio.write_rtp(a).await;
            }
        }
    })
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn forwards_with_the_subscribers_ssrc_pt_and_contiguous_sequence() -> Result<(), BoxErr> {
    let sfu = sfu(42_000);
    let (room, mut events) = open_room(&sfu);
    let alice_id = ParticipantId("alice".into());
    let bob_id = ParticipantId("bob".into());
    let carol_id = ParticipantId("carol".into());
    let alice = room.add_participant(alice_id.clone()).await?;
    let bob = room.add_participant(bob_id.clone()).await?;
    let carol = room.add_participant(carol_id.clone()).await?;
    assert_eq!(sfu.stats().udp_ports_in_use, 6);

    // Alice publishes camera + microphone.
    let mut alice_browser = Browser::new(Loss::default()).await?;
    let video = vp8_track("cam", &[("", VIDEO_SSRC)]);
    let audio = opus_track("mic", AUDIO_SSRC);
    add(&alice_browser, &video).await?;
    let audio_sender = add(&alice_browser, &audio).await?;
    let answer = alice_browser
        .publish(
            &alice,
            &[
                TrackSource {
                    mid: "0".into(),
                    source: Source::Camera,
                },
                TrackSource {
                    mid: "1".into(),
                    source: Source::Microphone,
                },
            ],
        )
        .await?;
    assert_eq!(answer.publications.len(), 2);
    assert!(
        !answer.sdp.contains("rtx"),
        "no RTX on the publisher leg:\n{}",
        answer.sdp
    );
    assert!(
        answer.sdp.contains("a=candidate:"),
        "candidates are in the answer"
    );
    assert!(answer.sdp.contains("a=recvonly"));
    let cam = answer
        .publications
        .iter()
        .find(|p| p.source == Source::Camera)
        .unwrap()
        .id
        .clone();
    let mic = answer
        .publications
        .iter()
        .find(|p| p.source == Source::Microphone)
        .unwrap()
        .id
        .clone();
    alice_browser.wait_connected().await?;
    let level_id = ext_id(&audio_sender.get_parameters().await?, AUDIO_LEVEL_URI);
    assert!(level_id.is_some(), "audio level negotiated");
    let sending = stream(
        video.clone(),
        audio.clone(),
        level_id,
        1500,
        Duration::from_millis(2),
    );

    events
        .wait("video started", |e| match e {
            SfuEvent::PublicationStarted { publication } if publication.id == cam => Some(()),
            _ => None,
        })
        .await;
    events
        .wait("audio started", |e| match e {
            SfuEvent::PublicationStarted { publication } if publication.id == mic => Some(()),
            _ => None,
        })
        .await;

    // Bob and Carol subscribe to both.
    let mut browsers = Vec::new();
    for (who, id) in [(&bob, &bob_id), (&carol, &carol_id)] {
        let mut b = Browser::new(Loss::default()).await?;
        who.subscribe(&cam).await?;
        // The first offer may carry one or both m-lines; answer until both are there.
        who.subscribe(&mic).await?;
        let (offer, tracks) = events.offer_for(id).await;
        b.answer(who, &offer).await?;
        let (offer, tracks) = if tracks.len() < 2 {
            let (o, t) = events.offer_for(id).await;
            b.answer(who, &o).await?;
            (o, t)
        } else {
            (offer, tracks)
        };
        assert_eq!(tracks.len(), 2, "{tracks:?}");
        assert!(tracks.iter().all(|t| t.participant == alice_id));
        b.wait_connected().await?;
        browsers.push((b, offer));
    }

    let mut recorded = Vec::new();
    for (b, offer) in browsers.iter_mut() {
        let t1 = b.next_track().await;
        let t2 = b.next_track().await;
        recorded.push((record(t1), record(t2), offer.clone()));
    }
    sending.await?;
    tokio::time::sleep(Duration::from_millis(500)).await;

    for (r1, r2, offer) in &recorded {
        let vp8_pt = pt_of(offer, "VP8").unwrap();
        let opus_pt = pt_of(offer, "opus").unwrap();
        let (v, a) = {
            let (x, y) = (r1.lock().unwrap(), r2.lock().unwrap());
            if x.packets.first().map(|p| p.1) == Some(vp8_pt) {
                (x.packets.clone(), y.packets.clone())
            } else {
                (y.packets.clone(), x.packets.clone())
            }
        };
        assert!(v.len() > 1000, "video packets received: {}", v.len());
        assert!(a.len() > 300, "audio packets received: {}", a.len());
        assert!(
            v.iter()
                .all(|p| p.1 == vp8_pt && p.0 != VIDEO_SSRC && p.0 == v[0].0)
        );
        assert!(
            a.iter()
                .all(|p| p.1 == opus_pt && p.0 != AUDIO_SSRC && p.0 == a[0].0)
        );
        let rv = common::Received { packets: v.clone() };
        assert_eq!(rv.gaps(), 0, "video sequence numbers are contiguous");
        assert_eq!(rv.duplicates(), 0);
        // Forwarding started on a keyframe: the first packet is one.
        assert_eq!(common::Received { packets: a }.gaps(), 0);
    }
    let stats = sfu.stats();
    assert!(stats.packets_forwarded > 2 * 1300, "{stats:?}");
    assert_eq!(stats.write_errors, 0, "{stats:?}");
    assert_eq!(stats.subscriptions, 4);

    // Alice was talking: audio levels and an active speaker.
    events
        .wait("active speaker", |e| match e {
            SfuEvent::ActiveSpeaker {
                participant: Some(p),
            } if *p == alice_id => Some(()),
            _ => None,
        })
        .await;

    // Connection states reached the room actor.
    events
        .wait("bob's subscriber leg connected", |e| match e {
            SfuEvent::ConnectionState {
                participant,
                leg: Leg::Subscriber,
                state: amphi_sfu::ConnectionState::Connected,
            } if *participant == bob_id => Some(()),
            _ => None,
        })
        .await;

    room.close().await;
    alice_browser.close().await;
    for (b, _) in &browsers {
        b.close().await;
    }
    let stats = sfu.stats();
    assert_eq!(stats.udp_ports_in_use, 0, "{stats:?}");
    assert_eq!(stats.peer_connections, 0);
    assert_eq!(stats.subscriptions, 0);
    Ok(())
}
