//! Media through the signaling WebSocket: webrtc-rs peers standing in for browsers, the real SFU.

mod signaling_common;

use std::time::Duration;

use amphi_proto::ServerMessage;
use serde_json::json;
use signaling_common::*;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn audio_published_through_the_websocket_reaches_the_other_participant() {
    let h = start(None, None, None).await;
    let (mut alice, wa) = h.join("Alice").await;
    let (mut bob, _) = h.join("Bob").await;
    alice.recv().await; // participant_joined

    // Alice publishes her microphone: her offer, the server's answer.
    let mut alice_pc = peer::Peer::new().await.expect("peer");
    let sending = peer::send_opus(&alice_pc).await.expect("track");
    let offer = alice_pc.offer().await.expect("offer");
    let mid = peer::first_mid(&offer);
    alice
        .send(json!({"type": "publish_offer", "sdp": offer, "tracks": [{"mid": mid, "source": "microphone"}]}))
        .await;
    let answer = alice
        .recv_until("publish_answer", |m| {
            matches!(m, ServerMessage::PublishAnswer { .. })
        })
        .await;
    let ServerMessage::PublishAnswer { sdp } = answer else {
        unreachable!()
    };
    alice_pc.accept_answer(&sdp).await.expect("answer applies");

    // Once media flows, everyone hears of the publication, Alice included.
    let added = |m: &ServerMessage| matches!(m, ServerMessage::PublicationAdded { .. });
    let ServerMessage::PublicationAdded { publication } =
        alice.recv_until("publication_added", added).await
    else {
        unreachable!()
    };
    assert_eq!(publication.participant_id, wa.id);
    assert_eq!(publication.source, amphi_proto::Source::Microphone);
    bob.recv_until("publication_added", added).await;

    // Bob is offered it on his subscriber leg, answers, and receives packets.
    let offer = bob
        .recv_until("subscribe_offer", |m| {
            matches!(m, ServerMessage::SubscribeOffer { .. })
        })
        .await;
    let ServerMessage::SubscribeOffer { sdp, tracks } = offer else {
        unreachable!()
    };
    assert_eq!(tracks.len(), 1, "{tracks:?}");
    assert_eq!(tracks[0].publication_id, publication.id);
    assert_eq!(tracks[0].participant_id, wa.id);
    assert_eq!(tracks[0].kind, amphi_proto::Kind::Audio);
    let mut bob_pc = peer::Peer::new().await.expect("peer");
    let answer = bob_pc.answer(&sdp).await.expect("answer");
    bob.send(json!({"type": "subscribe_answer", "sdp": answer}))
        .await;
    let received = bob_pc.count_first_track().await;
    let mut got = 0;
    for _ in 0..100 {
        got = received.load(std::sync::atomic::Ordering::Relaxed);
        if got >= 25 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert!(got >= 25, "Bob received only {got} packets");

    // Mute and leave are seen by Bob.
    alice
        .send(json!({"type": "set_muted", "source": "microphone", "muted": true}))
        .await;
    let muted = bob
        .recv_until("publication_muted", |m| {
            matches!(m, ServerMessage::PublicationMuted { .. })
        })
        .await;
    assert_eq!(
        muted,
        ServerMessage::PublicationMuted {
            publication_id: publication.id.clone(),
            muted: true
        }
    );
    alice.send(json!({"type": "leave"})).await;
    bob.recv_until("publication_removed", |m| {
        matches!(m, ServerMessage::PublicationRemoved { publication_id } if *publication_id == publication.id)
    })
    .await;
    bob.recv_until("participant_left", |m| {
        matches!(m, ServerMessage::ParticipantLeft { .. })
    })
    .await;
    sending.abort();
    let _ = alice_pc.pc.close().await;
    let _ = bob_pc.pc.close().await;
}
