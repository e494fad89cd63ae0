//! Every JSON example in docs/protocol.md parses as the message it illustrates, serialises back to
//! the same JSON, and every message type has an example: the document cannot drift from the code.

use amphi_proto::{ClientMessage, ServerMessage};
use serde_json::Value;
use std::collections::BTreeSet;

const DOC: &str = include_str!("../../../docs/protocol.md");

/// The fenced blocks whose info string is `json c2s` or `json s2c`, with their direction.
fn examples() -> Vec<(&'static str, String)> {
    let mut out = Vec::new();
    let mut current: Option<(&'static str, String)> = None;
    for line in DOC.lines() {
        match &mut current {
            None => {
                let info = line.trim();
                if info == "```json c2s" {
                    current = Some(("c2s", String::new()));
                } else if info == "```json s2c" {
                    current = Some(("s2c", String::new()));
                }
            }
            Some((dir, body)) => {
                if line.trim() == "```" {
                    out.push((*dir, std::mem::take(body)));
                    current = None;
                } else {
                    body.push_str(line);
                    body.push('\n');
                }
            }
        }
    }
    assert!(
        current.is_none(),
        "unterminated example block in protocol.md"
    );
    out
}

/// Null-valued fields are the same as absent ones on the wire.
fn strip_nulls(v: Value) -> Value {
    match v {
        Value::Object(map) => Value::Object(
            map.into_iter()
                .filter(|(_, v)| !v.is_null())
                .map(|(k, v)| (k, strip_nulls(v)))
                .collect(),
        ),
        Value::Array(items) => Value::Array(items.into_iter().map(strip_nulls).collect()),
        other => other,
    }
}

fn type_of(v: &Value) -> String {
    v["type"].as_str().unwrap_or_default().to_owned()
}

#[test]
fn every_example_round_trips_and_every_type_is_documented() {
    let mut client_types = BTreeSet::new();
    let mut server_types = BTreeSet::new();
    let examples = examples();
    assert!(
        examples.len() >= 20,
        "found only {} examples",
        examples.len()
    );
    for (dir, text) in examples {
        let doc_value: Value =
            serde_json::from_str(&text).unwrap_or_else(|e| panic!("not JSON: {e}\n{text}"));
        let back = if dir == "c2s" {
            let msg = ClientMessage::parse(&text).unwrap_or_else(|e| panic!("{e}\n{text}"));
            client_types.insert(type_of(&doc_value));
            serde_json::from_str::<Value>(&msg.to_json()).expect("our own JSON")
        } else {
            let msg = ServerMessage::parse(&text).unwrap_or_else(|e| panic!("{e}\n{text}"));
            server_types.insert(type_of(&doc_value));
            serde_json::from_str::<Value>(&msg.to_json()).expect("our own JSON")
        };
        assert_eq!(
            strip_nulls(back),
            strip_nulls(doc_value),
            "the example does not round-trip exactly (a misspelt or extra field?):\n{text}"
        );
    }
    let want_client: BTreeSet<String> = [
        "join",
        "publish_offer",
        "subscribe_answer",
        "ice_candidate",
        "set_muted",
        "set_video_size",
        "leave",
        "ping",
        "set_room_open",
        "set_waiting_room",
        "admit",
        "deny",
        "mute",
        "remove",
        "set_role",
        "raise_hand",
        "lower_hand",
        "chat_send",
        "start_live",
        "stop_live",
        "set_stage",
        "content_control",
        "start_recording",
        "stop_recording",
        "start_stream",
        "stop_stream",
        "annotation_add",
        "annotation_extend",
        "annotation_remove",
        "annotation_undo",
        "annotation_clear",
        "set_annotation_access",
        "notes_update",
        "set_notes_locked",
        "poll_create",
        "poll_open",
        "poll_close",
        "poll_publish",
        "poll_vote",
    ]
    .map(String::from)
    .into();
    let want_server: BTreeSet<String> = [
        "welcome",
        "error",
        "publish_answer",
        "subscribe_offer",
        "ice_candidate",
        "participant_joined",
        "participant_updated",
        "participant_left",
        "publication_added",
        "publication_removed",
        "publication_muted",
        "active_speaker",
        "pong",
        "waiting",
        "room_updated",
        "knock_added",
        "knock_removed",
        "moderated",
        "chat_message",
        "meeting_ended",
        "live_updated",
        "stage_updated",
        "audience",
        "contents_updated",
        "recording_updated",
        "stream_updated",
        "annotation_added",
        "annotation_extended",
        "annotation_removed",
        "annotation_cleared",
        "annotation_access",
        "notes_update",
        "notes_state",
        "poll_updated",
    ]
    .map(String::from)
    .into();
    assert_eq!(client_types, want_client);
    assert_eq!(server_types, want_server);
}

#[test]
fn every_error_code_is_in_the_doc_table() {
    let codes = [
        "invalid_message",
        "message_too_large",
        "rate_limited",
        "not_joined",
        "already_joined",
        "invalid_name",
        "unsupported_version",
        "room_full",
        "room_closed",
        "room_not_found",
        "join_timeout",
        "no_offer_pending",
        "invalid_sdp",
        "unknown_publication",
        "forbidden",
        "replaced",
        "removed",
        "too_many_connections",
        "denied",
        "knock_expired",
        "internal_error",
        "live_ended",
        "live_not_started",
        "registration_required",
    ];
    for code in codes {
        let parsed: amphi_proto::ErrorCode =
            serde_json::from_value(Value::String(code.into())).expect("a known code");
        assert_eq!(parsed.as_str(), code);
        let fatal = if parsed.is_fatal() { "yes" } else { "no" };
        let row = format!("| `{code}` | {fatal} |");
        assert!(DOC.contains(&row), "protocol.md lacks the row `{row}`");
    }
}
