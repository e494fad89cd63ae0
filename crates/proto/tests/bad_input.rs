//! What the parser refuses, and what it tolerates.

use amphi_proto::{ClientMessage, MAX_MESSAGE_BYTES, ProtoError};

fn invalid(text: &str) -> bool {
    matches!(ClientMessage::parse(text), Err(ProtoError::Invalid(_)))
}

#[test]
fn refuses_what_is_not_a_known_message() {
    let cases = [
        "",
        "not json",
        "[]",
        "42",
        r#"{"name":"no type"}"#,
        r#"{"type":"teleport"}"#,
        r#"{"type":"Join","version":1,"name":"A"}"#,
        r#"{"type":"join","version":"1","name":"A"}"#,
        r#"{"type":"join","version":-1,"name":"A"}"#,
        r#"{"type":"join","name":"A"}"#,
        r#"{"type":"join","version":1,"name":null}"#,
        r#"{"type":"publish_offer","sdp":"v=0","tracks":[{"mid":"0","source":"webcam"}]}"#,
        r#"{"type":"publish_offer","sdp":"v=0","tracks":{}}"#,
        r#"{"type":"subscribe_answer","sdp":42}"#,
        r#"{"type":"ice_candidate","leg":"sideways","candidate":{"candidate":""}}"#,
        r#"{"type":"ice_candidate","leg":"publisher","candidate":{"candidate":"c","sdpMLineIndex":"0"}}"#,
        r#"{"type":"set_muted","source":"microphone","muted":"yes"}"#,
        r#"{"type":"set_video_size","publication_id":"p","width":-5,"height":1}"#,
        r#"{"type":"set_video_size","publication_id":7,"width":5,"height":1}"#,
        r#"{"type":"welcome"}"#,
        r#"{"type":"join","version":1,"name":"A","client_key":42}"#,
        r#"{"type":"set_room_open"}"#,
        r#"{"type":"set_room_open","open":"yes"}"#,
        r#"{"type":"set_waiting_room","enabled":1}"#,
        r#"{"type":"admit","knock_ids":"k-1"}"#,
        r#"{"type":"deny","knock_ids":[1]}"#,
        r#"{"type":"mute","participant_id":"p","source":"voice"}"#,
        r#"{"type":"mute","source":"microphone"}"#,
        r#"{"type":"remove","participant_id":null}"#,
        r#"{"type":"set_role","participant_id":"p","role":"king"}"#,
        r#"{"type":"raise_hand"}"#,
        r#"{"type":"lower_hand","participant_id":7}"#,
        r#"{"type":"chat_send","text":null}"#,
        r#"{"type":"chat_send","text":["a"]}"#,
        r#"{"type":"waiting","reason":"room_closed","can_open":false}"#,
    ];
    for text in cases {
        assert!(invalid(text), "accepted: {text}");
    }
}

#[test]
fn refuses_oversized_frames_before_parsing() {
    let big = format!(
        r#"{{"type":"subscribe_answer","sdp":"{}"}}"#,
        "a".repeat(MAX_MESSAGE_BYTES)
    );
    assert!(matches!(
        ClientMessage::parse(&big),
        Err(ProtoError::TooLarge(n)) if n == big.len()
    ));
    let fits = format!(
        r#"{{"type":"subscribe_answer","sdp":"{}"}}"#,
        "a".repeat(MAX_MESSAGE_BYTES - 100)
    );
    assert!(ClientMessage::parse(&fits).is_ok());
}

#[test]
fn tolerates_unknown_fields_and_optional_ones() {
    let msg = ClientMessage::parse(r#"{"type":"join","version":1,"name":"A","future":true}"#)
        .expect("unknown fields are ignored");
    assert_eq!(
        msg,
        ClientMessage::Join {
            version: 1,
            name: "A".into(),
            resume_token: None,
            client_key: None,
        }
    );
    let msg = ClientMessage::parse(
        r#"{"type":"ice_candidate","leg":"subscriber","candidate":{"candidate":""}}"#,
    )
    .expect("sdpMid and friends are optional");
    assert_eq!(msg.type_name(), "ice_candidate");
    assert_eq!(
        ClientMessage::parse(r#"{"type":"leave","why":"bye"}"#).expect("unit with extras"),
        ClientMessage::Leave
    );
}
