//! The meeting's chat over the WebSocket (issue 4, C3): everyone gets every message, late
//! joiners get the history, bad input is refused and nothing of it is kept, markup is text.

mod signaling_common;

use std::time::Duration;

use amphi_proto::{ChatMessage, ErrorCode, ServerMessage};
use serde_json::json;
use signaling_common::*;

async fn chat(c: &mut Client) -> ChatMessage {
    match c
        .recv_until("chat_message", |m| {
            matches!(m, ServerMessage::ChatMessage { .. })
        })
        .await
    {
        ServerMessage::ChatMessage { message } => message,
        _ => unreachable!(),
    }
}

#[tokio::test]
async fn messages_reach_everyone_and_late_joiners_get_the_history() {
    let h = start(None, None, None).await;
    let (mut a, wa) = h.join("Ann").await;
    let (mut b, _) = h.join("Bob").await;
    a.recv().await; // participant_joined
    let texts = [
        "  hello  ",
        "line one\nline two\tand a tab",
        "<img src=x onerror=alert(1)>",
    ];
    for text in texts {
        a.send(json!({"type": "chat_send", "text": text})).await;
        let mine = chat(&mut a).await;
        let theirs = chat(&mut b).await;
        assert_eq!(mine, theirs);
        assert_eq!(mine.participant_id, wa.id);
        assert_eq!(mine.name, "Ann");
        assert_eq!(mine.text, text.trim(), "kept verbatim, trimmed");
        assert!(mine.sent_at > 1_600_000_000_000, "unix ms");
    }
    let (_c, wc) = h.join("Cat").await;
    let history: Vec<&str> = wc.chat.iter().map(|m| m.text.as_str()).collect();
    assert_eq!(
        history,
        vec![
            "hello",
            "line one\nline two\tand a tab",
            "<img src=x onerror=alert(1)>"
        ]
    );
    // The markup is a string in JSON, never anything else.
    let raw = serde_json::to_string(&wc.chat[2]).expect("json");
    assert!(
        raw.contains(r#""text":"<img src=x onerror=alert(1)>""#),
        "{raw}"
    );
}

#[tokio::test]
async fn bad_messages_are_refused_and_nothing_is_kept() {
    let h = start(None, None, None).await;
    let (mut a, _) = h.join("Ann").await;
    let (mut b, _) = h.join("Bob").await;
    a.recv().await; // participant_joined

    // 100 kB: over the frame limit, refused before parsing.
    let big = "x".repeat(100_000);
    a.send(json!({"type": "chat_send", "text": big})).await;
    a.expect_error(ErrorCode::MessageTooLarge, None).await;
    // Over 2000 characters (in a frame that fits).
    let long = "é".repeat(amphi_proto::MAX_CHAT_CHARS + 1);
    a.send(json!({"type": "chat_send", "text": long})).await;
    a.expect_error(ErrorCode::InvalidMessage, Some("chat_send"))
        .await;
    // Exactly 2000 is fine (characters, not bytes).
    let longest = "é".repeat(amphi_proto::MAX_CHAT_CHARS);
    a.send(json!({"type": "chat_send", "text": longest})).await;
    assert_eq!(chat(&mut a).await.text.chars().count(), 2000);
    chat(&mut b).await;
    for text in [
        "",
        "   \n\t ",
        "bell \u{7}",
        "nul \u{0}",
        "esc \u{1b}[31m",
        "c\rr",
    ] {
        a.send(json!({"type": "chat_send", "text": text})).await;
        a.expect_error(ErrorCode::InvalidMessage, Some("chat_send"))
            .await;
    }
    b.expect_nothing(Duration::from_millis(300)).await;
    let (_c, wc) = h.join("Cat").await;
    assert_eq!(wc.chat.len(), 1, "only the valid message is kept");
}

#[tokio::test]
async fn chat_is_rate_limited_per_participant() {
    let h = start(None, None, None).await;
    let (mut a, _) = h.join("Ann").await;
    let (mut b, _) = h.join("Bob").await;
    a.recv().await; // participant_joined
    for i in 0..5 {
        a.send(json!({"type": "chat_send", "text": format!("burst {i}")}))
            .await;
        chat(&mut a).await;
    }
    a.send(json!({"type": "chat_send", "text": "one too many"}))
        .await;
    a.expect_error(ErrorCode::RateLimited, Some("chat_send"))
        .await;
    // Bob's own budget is untouched.
    b.send(json!({"type": "chat_send", "text": "me too"})).await;
    b.recv_until(
        "Bob's own message",
        |m| matches!(m, ServerMessage::ChatMessage { message } if message.text == "me too"),
    )
    .await;
    // One more for Ann after 2 s.
    tokio::time::sleep(Duration::from_millis(2100)).await;
    a.send(json!({"type": "chat_send", "text": "later"})).await;
    assert_eq!(
        a.recv_until("chat", |m| matches!(m, ServerMessage::ChatMessage { message } if message.text == "later"))
            .await,
        ServerMessage::ChatMessage {
            message: match b
                .recv_until("chat", |m| matches!(m, ServerMessage::ChatMessage { message } if message.text == "later"))
                .await
            {
                ServerMessage::ChatMessage { message } => message,
                _ => unreachable!(),
            }
        }
    );
    let (_c, wc) = h.join("Cat").await;
    assert_eq!(wc.chat.len(), 7, "refused messages are not kept");
}

#[tokio::test]
async fn an_open_room_keeps_its_chat_while_empty() {
    let h = start(None, Some(short_limits()), None).await;
    let (mut a, _) = h.join("Ann").await;
    a.send(json!({"type": "chat_send", "text": "anyone?"}))
        .await;
    chat(&mut a).await;
    a.send(json!({"type": "leave"})).await;
    a.expect_close().await;
    // Past the empty room's usual linger (5 s) the history is still there.
    tokio::time::sleep(Duration::from_millis(5500)).await;
    let (_b, wb) = h.join("Bob").await;
    assert_eq!(wb.chat.len(), 1);
    assert_eq!(wb.chat[0].text, "anyone?");
}
