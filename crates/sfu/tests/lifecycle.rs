//! Refusing bad input, renegotiating on unsubscribe, and giving every port back.

mod common;

use std::net::UdpSocket;
use std::time::Duration;

use amphi_sfu::{
    IceCandidate, Leg, ParticipantId, PublicationId, SfuError, SfuEvent, Source, TrackSource,
};
use common::*;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn malformed_sdp_and_candidates_are_refused_without_harm() -> Result<(), BoxErr> {
    let sfu = sfu(42_100);
    let (room, mut events) = open_room(&sfu);
    let p = room.add_participant(ParticipantId("p".into())).await?;

    for bad in [
        "",
        "garbage",
        "v=0\r\nm=video 9 UDP/TLS/RTP/SAVPF 96\r\n",
        "v=0\r\no=- 0 0 IN IP4 127.0.0.1\r\ns=-\r\nt=0 0\r\nm=video 9 UDP/TLS/RTP/SAVPF 96\r\na=mid:0\r\na=sendonly\r\n",
        "\u{0}\u{ffff}m=audio",
    ] {
        match p.publisher_offer(bad, &[]).await {
            Err(SfuError::InvalidSdp(_)) => {}
            other => panic!("{bad:?} gave {other:?}"),
        }
    }
    assert!(matches!(
        p.subscriber_answer("v=0").await,
        Err(SfuError::NoOfferPending)
    ));
    assert!(matches!(
        p.subscribe(&PublicationId("nope".into())).await,
        Err(SfuError::UnknownPublication(_))
    ));
    // Candidates before any description are kept; garbage after one is refused.
    p.add_ice_candidate(
        Leg::Publisher,
        IceCandidate {
            candidate: "candidate:garbage".into(),
            ..Default::default()
        },
    )
    .await?;
    p.add_ice_candidate(Leg::Subscriber, IceCandidate::default())
        .await?;

    // The participant still works after all that: a real offer is answered.
    let mut b = Browser::new(Loss::default()).await?;
    let video = vp8_track("cam", &[("", 0x2222)]);
    add(&b, &video).await?;
    let answer = b
        .publish(
            &p,
            &[TrackSource {
                mid: "0".into(),
                source: Source::Screen,
            }],
        )
        .await?;
    assert_eq!(answer.publications.len(), 1);
    assert_eq!(answer.publications[0].source, Source::Screen);
    b.wait_connected().await?;
    let r = p
        .add_ice_candidate(
            Leg::Publisher,
            IceCandidate {
                candidate: "candidate:1 1 udp x".into(),
                sdp_mid: Some("0".into()),
                sdp_m_line_index: Some(0),
            },
        )
        .await;
    assert!(matches!(r, Err(SfuError::InvalidCandidate { .. })), "{r:?}");
    assert!(
        room.add_participant(ParticipantId("p".into()))
            .await
            .is_err(),
        "duplicate id"
    );
    let _ = events.drain();
    room.close().await;
    b.close().await;
    assert!(matches!(
        p.publisher_offer("v=0", &[]).await,
        Err(SfuError::Closed)
    ));
    assert_eq!(sfu.stats().udp_ports_in_use, 0);
    Ok(())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn unsubscribe_renegotiates_and_close_releases_ports() -> Result<(), BoxErr> {
    let base = 42_200;
    let sfu = sfu(base);
    let (room, mut events) = open_room(&sfu);
    let alice = room.add_participant(ParticipantId("alice".into())).await?;
    let bob_id = ParticipantId("bob".into());
    let bob = room.add_participant(bob_id.clone()).await?;
    assert_eq!(sfu.stats().udp_ports_in_use, 4);
    assert_eq!(sfu.stats().peer_connections, 4);

    // A port of the range held by someone else is skipped.
    let squatter = UdpSocket::bind(("127.0.0.1", base + 4))?;
    let carol = room.add_participant(ParticipantId("carol".into())).await?;
    assert_eq!(
        sfu.stats().udp_ports_in_use,
        6,
        "the busy port was skipped, not kept"
    );
    drop(squatter);
    carol.close().await;

    let mut ab = Browser::new(Loss::default()).await?;
    let video = vp8_track("cam", &[("", 0x3333)]);
    add(&ab, &video).await?;
    let answer = ab.publish(&alice, &camera()).await?;
    let cam = answer.publications[0].id.clone();
    ab.wait_connected().await?;
    let v = video.clone();
    let sender = tokio::spawn(async move {
        use webrtc::media_stream::track_local::TrackLocal;
        for i in 0..600u32 {
            let _ = v
                .write_rtp(rtp(
                    96,
                    0x3333,
                    i as u16,
                    i / 3 * 3000,
                    false,
                    vp8_payload(i, 10, 400, 1),
                ))
                .await;
            tokio::time::sleep(Duration::from_millis(5)).await;
        }
    });
    events
        .wait("started", |e| {
            matches!(e, SfuEvent::PublicationStarted { .. }).then_some(())
        })
        .await;

    let mut bb = Browser::new(Loss::default()).await?;
    bob.subscribe(&cam).await?;
    assert!(matches!(
        bob.subscribe(&cam).await,
        Err(SfuError::AlreadySubscribed(_))
    ));
    assert!(matches!(
        alice.subscribe(&cam).await,
        Err(SfuError::OwnPublication(_))
    ));
    let (offer, tracks) = events.offer_for(&bob_id).await;
    assert_eq!(tracks.len(), 1);
    assert!(offer.contains("a=sendonly"));
    bb.answer(&bob, &offer).await?;
    bb.wait_connected().await?;
    let t = bb.next_track().await;
    let rec = record(t);
    tokio::time::sleep(Duration::from_millis(700)).await;
    assert!(!rec.lock().unwrap().packets.is_empty());
    assert_eq!(bob.subscriptions().await, vec![cam.clone()]);

    bob.unsubscribe(&cam).await?;
    let (offer, tracks) = events.offer_for(&bob_id).await;
    assert!(tracks.is_empty(), "{tracks:?}");
    assert!(
        !offer.contains("a=sendonly"),
        "the m-line is no longer sending:\n{offer}"
    );
    bb.answer(&bob, &offer).await?;
    let before = rec.lock().unwrap().packets.len();
    tokio::time::sleep(Duration::from_millis(500)).await;
    assert_eq!(
        rec.lock().unwrap().packets.len(),
        before,
        "nothing forwarded after unsubscribe"
    );
    assert_eq!(sfu.stats().subscriptions, 0);

    // Subscribing again works on the renegotiated leg.
    bob.subscribe(&cam).await?;
    let (offer, tracks) = events.offer_for(&bob_id).await;
    assert_eq!(tracks.len(), 1);
    bb.answer(&bob, &offer).await?;

    // Alice leaves: her publication ends, Bob's subscription goes with it.
    alice.close().await;
    events
        .wait("publication ended", |e| match e {
            SfuEvent::PublicationEnded { publication, .. } if *publication == cam => Some(()),
            _ => None,
        })
        .await;
    let (_offer, tracks) = events.offer_for(&bob_id).await;
    assert!(tracks.is_empty());
    assert!(room.participant(&ParticipantId("alice".into())).is_none());
    assert!(room.publications().is_empty());

    room.close().await;
    sender.abort();
    ab.close().await;
    bb.close().await;
    assert_eq!(sfu.stats().udp_ports_in_use, 0);
    assert_eq!(sfu.stats().peer_connections, 0);
    // Every port of the range can be bound again: the sockets are really closed.
    tokio::time::sleep(Duration::from_millis(200)).await;
    for port in base..base + 8 {
        UdpSocket::bind(("127.0.0.1", port)).map_err(|e| format!("port {port}: {e}"))?;
    }
    Ok(())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn wildcard_bind_announces_the_configured_address() -> Result<(), BoxErr> {
    let sfu = amphi_sfu::Sfu::new(amphi_sfu::SfuConfig {
        bind_ip: "0.0.0.0".parse()?,
        announced_ips: vec!["203.0.113.9".parse()?],
        udp_port_min: 42_700,
        udp_port_max: 42_749,
        ..amphi_sfu::SfuConfig::default()
    })?;
    let (room, _events) = open_room(&sfu);
    let p = room.add_participant(ParticipantId("p".into())).await?;
    let mut b = Browser::new(Loss::default()).await?;
    add(&b, &vp8_track("cam", &[("", 0x9999)])).await?;
    let answer = b.publish(&p, &[]).await?;
    let hosts: Vec<&str> = answer
        .sdp
        .lines()
        .filter(|l| l.contains("typ host"))
        .collect();
    println!("host candidates: {hosts:?}");
    // Machines without a non-loopback interface have no host candidate to announce.
    assert!(
        hosts.iter().all(|l| l.contains(" 203.0.113.9 ")),
        "{hosts:?}"
    );
    assert!(
        hosts.iter().all(|l| {
            let port: u16 = l.split_whitespace().nth(5).unwrap().parse().unwrap();
            (42_700..=42_749).contains(&port)
        }),
        "{hosts:?}"
    );
    room.close().await;
    b.close().await;
    assert_eq!(sfu.stats().udp_ports_in_use, 0);
    Ok(())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn publisher_renegotiation_adds_and_ends_publications() -> Result<(), BoxErr> {
    let sfu = sfu(42_800);
    let (room, mut events) = open_room(&sfu);
    let p = room.add_participant(ParticipantId("p".into())).await?;
    let mut b = Browser::new(Loss::default()).await?;
    let cam = vp8_track("cam", &[("", 0xC001)]);
    let cam_sender = add(&b, &cam).await?;
    let first = b
        .publish(
            &p,
            &[TrackSource {
                mid: "0".into(),
                source: Source::Camera,
            }],
        )
        .await?;
    assert_eq!(first.publications.len(), 1);
    b.wait_connected().await?;

    // Screen sharing starts: a second m-line, the camera keeps its publication.
    let screen = vp8_track("screen", &[("", 0xC002)]);
    add(&b, &screen).await?;
    let second = b
        .publish(
            &p,
            &[
                TrackSource {
                    mid: "0".into(),
                    source: Source::Camera,
                },
                TrackSource {
                    mid: "1".into(),
                    source: Source::Screen,
                },
            ],
        )
        .await?;
    assert_eq!(second.publications.len(), 2);
    assert_eq!(second.publications[0], first.publications[0]);
    assert_eq!(second.publications[1].source, Source::Screen);

    // Both carry media.
    for (t, ssrc) in [(&cam, 0xC001u32), (&screen, 0xC002)] {
        use webrtc::media_stream::track_local::TrackLocal;
        for i in 0..5u32 {
            t.write_rtp(rtp(
                96,
                ssrc,
                i as u16,
                i * 3000,
                true,
                vp8_payload(i * 3, 1, 400, 0),
            ))
            .await?;
        }
    }
    for want in [&first.publications[0].id, &second.publications[1].id] {
        events
            .wait("started", |e| match e {
                SfuEvent::PublicationStarted { publication } if publication.id == *want => Some(()),
                _ => None,
            })
            .await;
    }
    assert_eq!(room.publications().len(), 2);

    // The camera stops: its publication ends, the screen stays.
    b.pc.remove_track(&cam_sender).await?;
    let third = b
        .publish(
            &p,
            &[TrackSource {
                mid: "1".into(),
                source: Source::Screen,
            }],
        )
        .await?;
    assert_eq!(third.publications.len(), 1);
    assert_eq!(third.publications[0].source, Source::Screen);
    let cam_id = first.publications[0].id.clone();
    events
        .wait("camera ended", |e| match e {
            SfuEvent::PublicationEnded { publication, .. } if *publication == cam_id => Some(()),
            _ => None,
        })
        .await;
    assert_eq!(room.publications().len(), 1);
    room.close().await;
    b.close().await;
    Ok(())
}

/// Only the media sections listed in `tracks` publish; lists that do not match the SDP are
/// refused before anything changes; a publication the room replaced can be ended.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn only_listed_sections_publish() -> Result<(), BoxErr> {
    let sfu = sfu(43_000);
    let (room, mut events) = open_room(&sfu);
    let p = room.add_participant(ParticipantId("p".into())).await?;
    let mut b = Browser::new(Loss::default()).await?;
    let cam = vp8_track("cam", &[("", 0xD001)]);
    let extra = vp8_track("extra", &[("", 0xD002)]);
    add(&b, &cam).await?;
    add(&b, &extra).await?;
    let answer = b.publish(&p, &camera()).await?;
    assert_eq!(answer.publications.len(), 1, "{:?}", answer.publications);
    assert_eq!(answer.publications[0].mid, "0");
    let cam_id = answer.publications[0].id.clone();
    b.wait_connected().await?;
    // Both m-lines send until the test ends (the first packets may precede DTLS).
    let writer = {
        let (cam, extra) = (cam.clone(), extra.clone());
        tokio::spawn(async move {
            use webrtc::media_stream::track_local::TrackLocal;
            for i in 0..u32::MAX {
                for (t, ssrc) in [(&cam, 0xD001u32), (&extra, 0xD002)] {
                    let pkt = rtp(
                        96,
                        ssrc,
                        i as u16,
                        i * 3000,
                        true,
                        vp8_payload(i * 3, 1, 400, 0),
                    );
                    let _ = t.write_rtp(pkt).await;
                }
                tokio::time::sleep(Duration::from_millis(20)).await;
            }
        })
    };
    events
        .wait("camera started", |e| match e {
            SfuEvent::PublicationStarted { publication } if publication.id == cam_id => Some(()),
            _ => None,
        })
        .await;
    tokio::time::sleep(Duration::from_millis(300)).await;
    let started: Vec<_> = events
        .drain()
        .into_iter()
        .filter(|e| matches!(e, SfuEvent::PublicationStarted { .. }))
        .collect();
    assert!(
        started.is_empty(),
        "the unlisted m-line published: {started:?}"
    );
    assert_eq!(room.publications().len(), 1);

    let sdp = b.pc.local_description().await.ok_or("no offer")?.sdp;
    let t = |mid: &str, source| TrackSource {
        mid: mid.into(),
        source,
    };
    for bad in [
        vec![t("7", Source::Camera)],
        vec![t("0", Source::Camera), t("1", Source::Camera)],
        vec![t("0", Source::Microphone)],
        vec![t("0", Source::Screen)], // mid 0 already publishes the camera
        vec![
            t("0", Source::Camera),
            t("1", Source::Screen),
            t("2", Source::Microphone),
            t("3", Source::ScreenAudio),
            t("4", Source::Camera),
        ],
    ] {
        let r = p.publisher_offer(&sdp, &bad).await;
        assert!(
            matches!(r, Err(SfuError::InvalidTracks(_))),
            "{bad:?}: {r:?}"
        );
    }
    assert_eq!(
        room.publications().len(),
        1,
        "refused offers changed nothing"
    );

    p.unpublish(&cam_id).await?;
    events
        .wait("camera ended", |e| match e {
            SfuEvent::PublicationEnded { publication, .. } if *publication == cam_id => Some(()),
            _ => None,
        })
        .await;
    assert!(room.publications().is_empty());
    writer.abort();
    room.close().await;
    b.close().await;
    Ok(())
}

/// Candidates kept before a leg's remote description are capped (64 per leg).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn early_candidates_are_capped() -> Result<(), BoxErr> {
    let sfu = sfu(43_050);
    let (room, _events) = open_room(&sfu);
    let p = room.add_participant(ParticipantId("p".into())).await?;
    for leg in [Leg::Publisher, Leg::Subscriber] {
        let c = |i: usize| IceCandidate {
            candidate: format!(
                "candidate:{i} 1 udp 2130706431 127.0.0.1 {} typ host",
                5000 + i
            ),
            sdp_mid: Some("0".into()),
            sdp_m_line_index: Some(0),
        };
        for i in 0..64 {
            p.add_ice_candidate(leg, c(i)).await?;
        }
        let r = p.add_ice_candidate(leg, c(64)).await;
        assert!(
            matches!(r, Err(SfuError::InvalidCandidate { .. })),
            "{leg:?}: {r:?}"
        );
    }
    room.close().await;
    Ok(())
}
