//! Subscriber m-line reuse: an unsubscribed m-line goes inactive and the next subscription of
//! its kind takes it over, so a viewer's SDP stays bounded however often the stage changes.

mod common;

use std::collections::HashSet;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use amphi_sfu::{MediaParticipant, ParticipantId, PublicationId, SfuEvent};
use common::*;

/// The m-lines of an SDP: (kind, direction).
fn mlines(sdp: &str) -> Vec<(String, String)> {
    let mut out: Vec<(String, String)> = Vec::new();
    for l in sdp.lines() {
        if let Some(rest) = l.strip_prefix("m=") {
            let kind = rest.split(' ').next().unwrap_or("").to_string();
            out.push((kind, String::new()));
        } else if let Some(last) = out.last_mut()
            && ["a=sendonly", "a=recvonly", "a=sendrecv", "a=inactive"].contains(&l.trim())
        {
            last.1 = l.trim()[2..].to_string();
        }
    }
    out
}

/// The SSRCs an SDP announces.
fn ssrcs(sdp: &str) -> HashSet<u32> {
    sdp.lines()
        .filter_map(|l| l.strip_prefix("a=ssrc:")?.split(' ').next()?.parse().ok())
        .collect()
}

/// Records every track the browser gets into one place (a reused m-line may or may not
/// announce a new track, the SSRC tells the subscriptions apart).
fn record_all(
    mut browser_tracks: tokio::sync::mpsc::UnboundedReceiver<
        Arc<dyn webrtc::media_stream::track_remote::TrackRemote>,
    >,
) -> Arc<Mutex<Received>> {
    let out = Arc::new(Mutex::new(Received::default()));
    let o = out.clone();
    tokio::spawn(async move {
        while let Some(track) = browser_tracks.recv().await {
            let o = o.clone();
            tokio::spawn(async move {
                use webrtc::media_stream::track_remote::TrackRemoteEvent;
                while let Some(ev) = track.poll().await {
                    if let TrackRemoteEvent::OnRtpPacket(p) = ev {
                        o.lock().unwrap().packets.push((
                            p.header.ssrc,
                            p.header.payload_type,
                            p.header.sequence_number,
                            p.header.timestamp,
                            p.payload.last().copied().unwrap_or(0),
                        ));
                    }
                }
            });
        }
    });
    out
}

async fn wait_for_packets(rec: &Arc<Mutex<Received>>, ssrc: u32, n: usize) -> Result<(), BoxErr> {
    let deadline = Instant::now() + Duration::from_secs(5);
    loop {
        let got = rec
            .lock()
            .unwrap()
            .packets
            .iter()
            .filter(|p| p.0 == ssrc)
            .count();
        if got >= n {
            return Ok(());
        }
        if Instant::now() > deadline {
            return Err(format!("only {got} packets on SSRC {ssrc}").into());
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

/// Subscribes or unsubscribes, then answers the SFU's offer; returns the offer.
async fn negotiate(
    events: &mut Events,
    browser: &mut Browser,
    viewer: &MediaParticipant,
) -> Result<String, BoxErr> {
    let (offer, _) = events.offer_for(viewer.id()).await;
    browser.answer(viewer, &offer).await?;
    Ok(offer)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn fifty_stage_changes_keep_one_mline_and_media_flows_on_it() -> Result<(), BoxErr> {
    let mut call = Call::start(CallSetup {
        port_base: 44_100,
        layers: &[("", 0x8888)],
        uplink: Loss::default(),
        downlink_drop_every: None,
        downlink_persistent: false,
        video_size: None,
        viewer: true,
    })
    .await?;
    let publisher = call.publisher.take().ok_or("publisher")?;
    // 30 fps, a keyframe every 10 frames (and on request): each new subscription starts fast.
    let sending = publisher.spawn(100_000, Duration::from_millis(33), 2, 10, 500);
    let tracks = std::mem::replace(
        &mut call.bob_browser.tracks,
        tokio::sync::mpsc::unbounded_channel().1,
    );
    let rec = record_all(tracks);
    let first = call
        .bob_browser
        .pc
        .remote_description()
        .await
        .ok_or("first offer")?
        .sdp;
    let first_ssrc = *ssrcs(&first).iter().next().ok_or("an SSRC")?;
    wait_for_packets(&rec, first_ssrc, 20).await?;

    let cam: PublicationId = call.publication.clone();
    let mut seen = HashSet::from([first_ssrc]);
    let mut largest = mlines(&first).len();
    for cycle in 0..50 {
        call.bob.unsubscribe(&cam).await?;
        let off = negotiate(&mut call.events, &mut call.bob_browser, &call.bob).await?;
        assert_eq!(
            mlines(&off),
            vec![("video".to_string(), "inactive".to_string())],
            "cycle {cycle}: unsubscribed, the m-line goes inactive:\n{off}"
        );
        call.bob.subscribe(&cam).await?;
        let on = negotiate(&mut call.events, &mut call.bob_browser, &call.bob).await?;
        let lines = mlines(&on);
        largest = largest.max(lines.len());
        assert_eq!(
            lines,
            vec![("video".to_string(), "sendonly".to_string())],
            "cycle {cycle}: the same m-line sends again:\n{on}"
        );
        let ssrc = *ssrcs(&on).iter().next().ok_or("an SSRC")?;
        assert!(seen.insert(ssrc), "a new subscription, a new SSRC");
        wait_for_packets(&rec, ssrc, 10).await?;
    }
    let last = *seen
        .iter()
        .max_by_key(|s| {
            rec.lock()
                .unwrap()
                .packets
                .iter()
                .rposition(|p| p.0 == **s)
                .unwrap_or(0)
        })
        .ok_or("ssrcs")?;
    // Media keeps flowing on the 51st subscription of that m-line, without a gap.
    wait_for_packets(&rec, last, 60).await?;
    let on_last = Received {
        packets: rec
            .lock()
            .unwrap()
            .packets
            .iter()
            .filter(|p| p.0 == last)
            .copied()
            .collect(),
    };
    println!(
        "51 subscriptions of one m-line: largest SDP {largest} m-line(s), {} SSRCs, last one {} packets, gaps {}",
        seen.len(),
        on_last.packets.len(),
        on_last.gaps()
    );
    assert_eq!(largest, 1);
    assert_eq!(on_last.gaps(), 0);
    sending.abort();
    call.close().await;
    Ok(())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_ended_publications_mline_is_reused_by_the_next_one_of_its_kind() -> Result<(), BoxErr> {
    let sfu = sfu(44_200);
    let (room, mut events) = open_room(&sfu);
    let viewer = room.add_viewer(ParticipantId("viewer".into())).await?;
    let mut vb = Browser::new(Loss::default()).await?;
    let mut largest = 0;
    let mut sent_ssrcs = HashSet::new();
    let tracks = std::mem::replace(&mut vb.tracks, tokio::sync::mpsc::unbounded_channel().1);
    let rec = record_all(tracks);
    // Ten speakers come on stage one after the other, each with audio and video; each leaves
    // (their publications end) before the next comes.
    for i in 0..10u32 {
        let id = ParticipantId(format!("speaker{i}"));
        let speaker = room.add_participant(id.clone()).await?;
        let mut sb = Browser::new(Loss::default()).await?;
        let video = vp8_track(&format!("cam{i}"), &[("", 0x1000 + i)]);
        let audio = opus_track(&format!("mic{i}"), 0x2000 + i);
        add(&sb, &audio).await?;
        add(&sb, &video).await?;
        let answer = sb
            .publish(
                &speaker,
                &[
                    amphi_sfu::TrackSource {
                        mid: "0".into(),
                        source: amphi_sfu::Source::Microphone,
                    },
                    amphi_sfu::TrackSource {
                        mid: "1".into(),
                        source: amphi_sfu::Source::Camera,
                    },
                ],
            )
            .await?;
        sb.wait_connected().await?;
        let (v, a) = (video.clone(), audio.clone());
        let sending = tokio::spawn(async move {
            use webrtc::media_stream::track_local::TrackLocal;
            for n in 0..10_000u32 {
                let _ = v
                    .write_rtp(rtp(
                        96,
                        0x1000 + i,
                        n as u16,
                        n * 3000,
                        true,
                        vp8_payload(n * 3, 5, 300, 1),
                    ))
                    .await;
                let _ = a
                    .write_rtp(rtp(
                        111,
                        0x2000 + i,
                        n as u16,
                        n * 960,
                        false,
                        bytes::Bytes::from_static(&[0xfc; 80]),
                    ))
                    .await;
                tokio::time::sleep(Duration::from_millis(20)).await;
            }
        });
        for p in &answer.publications {
            events
                .wait("started", |e| match e {
                    SfuEvent::PublicationStarted { publication } if publication.id == p.id => {
                        Some(())
                    }
                    _ => None,
                })
                .await;
            viewer.subscribe(&p.id).await?;
        }
        // One offer may carry both subscriptions, or two offers follow each other.
        let mut offer = negotiate(&mut events, &mut vb, &viewer).await?;
        while mlines(&offer)
            .iter()
            .filter(|(_, d)| d == "sendonly")
            .count()
            < 2
        {
            offer = negotiate(&mut events, &mut vb, &viewer).await?;
        }
        let lines = mlines(&offer);
        largest = largest.max(lines.len());
        if i == 0 {
            vb.wait_connected().await?;
        }
        for ssrc in ssrcs(&offer) {
            assert!(sent_ssrcs.insert(ssrc), "speaker {i}: fresh SSRCs");
            wait_for_packets(&rec, ssrc, 10).await?;
        }
        // The speaker leaves: both publications end, the viewer's m-lines go inactive.
        sending.abort();
        speaker.close().await;
        sb.close().await;
        let mut offer = negotiate(&mut events, &mut vb, &viewer).await?;
        while mlines(&offer).iter().any(|(_, d)| d == "sendonly") {
            offer = negotiate(&mut events, &mut vb, &viewer).await?;
        }
        assert_eq!(mlines(&offer).len(), 2, "speaker {i}:\n{offer}");
    }
    println!("10 speakers one after the other: largest viewer SDP {largest} m-lines");
    assert_eq!(
        largest, 2,
        "one audio and one video m-line, reused by every speaker"
    );
    room.close().await;
    vb.close().await;
    assert_eq!(sfu.stats().udp_ports_in_use, 0);
    Ok(())
}
