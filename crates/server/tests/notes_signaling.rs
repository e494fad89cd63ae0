//! Shared notes over the WebSocket (issue 9, C5): updates from two people typing in the same
//! place at once all survive and converge, late joiners get the whole text, the lock is
//! enforced by the server, bad updates are refused with nothing applied, and the document is
//! saved (a restart of the notes service reads it back).

mod signaling_common;

use std::time::Duration;

use amphi_proto::{ErrorCode, NotesInfo, ServerMessage};
use amphi_server::notes::{Notes, SAVE_DELAY};
use amphi_server::signaling::Place;
use amphi_store::{CollabPlace, ShareRole};
use base64::Engine;
use base64::engine::general_purpose::STANDARD as BASE64;
use serde_json::json;
use signaling_common::*;
use yrs::updates::decoder::Decode;
use yrs::{Doc, GetString, ReadTxn, StateVector, Text, TextRef, Transact, Update};

/// A browser's copy of the notes, as Yjs keeps it.
struct Copy {
    doc: Doc,
    text: TextRef,
}

impl Copy {
    fn from(notes: &NotesInfo) -> Copy {
        let doc = Doc::new();
        let text = doc.get_or_insert_text("notes");
        let copy = Copy { doc, text };
        copy.apply(&notes.state);
        copy
    }

    fn apply(&self, b64: &str) {
        let bytes = BASE64.decode(b64).expect("base64 from the server");
        let update = Update::decode_v1(&bytes).expect("a Yjs update from the server");
        self.doc
            .transact_mut()
            .apply_update(update)
            .expect("applies");
    }

    /// Types `s` at `at`; returns the update to send (base64).
    fn insert(&self, at: u32, s: &str) -> String {
        let before = self.doc.transact().state_vector();
        self.text.insert(&mut self.doc.transact_mut(), at, s);
        BASE64.encode(self.doc.transact().encode_state_as_update_v1(&before))
    }

    fn vector(&self) -> StateVector {
        self.doc.transact().state_vector()
    }

    /// What this copy holds beyond `sent` (base64).
    fn since(&self, sent: &StateVector) -> String {
        BASE64.encode(self.doc.transact().encode_state_as_update_v1(sent))
    }

    fn string(&self) -> String {
        self.text.get_string(&self.doc.transact())
    }
}

/// Joins and returns the welcome's notes.
async fn join_notes(c: &mut Client, name: &str) -> Option<NotesInfo> {
    match c.join_keyed(name, None).await {
        ServerMessage::Welcome { notes, .. } => notes,
        other => panic!("expected welcome, got {other:?}"),
    }
}

async fn next_update(c: &mut Client) -> String {
    match c
        .recv_until("notes_update", |m| {
            matches!(m, ServerMessage::NotesUpdate { .. })
        })
        .await
    {
        ServerMessage::NotesUpdate { update } => update,
        _ => unreachable!(),
    }
}

async fn next_state(c: &mut Client) -> NotesInfo {
    match c
        .recv_until("notes_state", |m| {
            matches!(m, ServerMessage::NotesState { .. })
        })
        .await
    {
        ServerMessage::NotesState { notes, .. } => notes,
        _ => unreachable!(),
    }
}

#[tokio::test]
async fn two_people_typing_in_the_same_place_converge_with_all_400_characters() {
    let h = start(None, None, None).await;
    let mut a = h.connect().await;
    let na = join_notes(&mut a, "Ann")
        .await
        .expect("notes for a participant");
    let mut b = h.connect().await;
    let nb = join_notes(&mut b, "Bob").await.expect("notes");
    assert!(na.can_edit && nb.can_edit && !na.locked);
    let (ca, cb) = (Copy::from(&na), Copy::from(&nb));
    // Both start from the same line.
    let base = ca.insert(0, "Title: ");
    a.send(json!({"type": "notes_update", "update": base}))
        .await;
    cb.apply(&next_update(&mut b).await);
    // 200 characters each, typed one by one at the end of the same line, sent interleaved
    // before either sees the other's (the worst case for a merge).
    let (sa, sb): (String, String) = (
        (0..200)
            .map(|i| char::from(b'a' + (i % 26) as u8))
            .collect(),
        (0..200)
            .map(|i| char::from(b'A' + (i % 26) as u8))
            .collect(),
    );
    // Each browser sends what was typed every 10 characters (as web/js/notes_doc.js batches
    // its updates), before either has seen the other's.
    let (mut sent_a, mut sent_b) = (ca.vector(), cb.vector());
    for i in 0..200 {
        let at = 7 + i as u32;
        ca.insert(at, &sa[i..=i]);
        cb.insert(at, &sb[i..=i]);
        if i % 10 == 9 {
            a.send(json!({"type": "notes_update", "update": ca.since(&sent_a)}))
                .await;
            b.send(json!({"type": "notes_update", "update": cb.since(&sent_b)}))
                .await;
            (sent_a, sent_b) = (ca.vector(), cb.vector());
        }
    }
    for _ in 0..20 {
        ca.apply(&next_update(&mut a).await);
        cb.apply(&next_update(&mut b).await);
    }
    let (ta, tb) = (ca.string(), cb.string());
    assert_eq!(ta, tb, "both copies converge");
    assert_eq!(ta.chars().count(), 7 + 400);
    assert!(ta.starts_with("Title: "));
    // Each person's 200 characters are all there, in their order.
    let only = |upper: bool| -> String {
        ta[7..]
            .chars()
            .filter(|c| c.is_ascii_uppercase() == upper)
            .collect()
    };
    assert_eq!(only(false), sa);
    assert_eq!(only(true), sb);
    // A late joiner gets the same text, whole.
    let mut c = h.connect().await;
    let nc = join_notes(&mut c, "Cat").await.expect("notes");
    assert_eq!(Copy::from(&nc).string(), ta);
}

#[tokio::test]
async fn locked_notes_refuse_participants_edits_but_not_moderators() {
    let h = start(None, None, None).await;
    let moderator = h
        .shared_user("mod@example.org", "Mo", ShareRole::Moderator)
        .await;
    let mut m = h.connect_as(&moderator).await;
    let nm = join_notes(&mut m, "Mo").await.expect("notes");
    let mut p = h.connect().await;
    let np = join_notes(&mut p, "Pat").await.expect("notes");
    let (cm, cp) = (Copy::from(&nm), Copy::from(&np));
    m.send(json!({"type": "notes_update", "update": cm.insert(0, "agenda")}))
        .await;
    cp.apply(&next_update(&mut p).await);

    // A participant may not lock.
    p.send(json!({"type": "set_notes_locked", "locked": true}))
        .await;
    p.expect_refused(ErrorCode::Forbidden, "set_notes_locked")
        .await;
    m.send(json!({"type": "set_notes_locked", "locked": true}))
        .await;
    let seen_by_p = next_state(&mut p).await;
    assert!(seen_by_p.locked && !seen_by_p.can_edit);
    let seen_by_m = next_state(&mut m).await;
    assert!(seen_by_m.locked && seen_by_m.can_edit);

    // The participant's edit over the WebSocket is refused, and its copy reset.
    p.send(json!({"type": "notes_update", "update": cp.insert(6, " HACKED")}))
        .await;
    p.expect_refused(ErrorCode::NotesLocked, "notes_update")
        .await;
    let reset = next_state(&mut p).await;
    assert_eq!(Copy::from(&reset).string(), "agenda");
    // The moderator still edits; the participant receives it.
    m.send(json!({"type": "notes_update", "update": cm.insert(6, ": 1.")}))
        .await;
    let fresh = Copy::from(&reset);
    fresh.apply(&next_update(&mut p).await);
    assert_eq!(fresh.string(), "agenda: 1.");
    // A late joiner sees the lock and the moderator's text only.
    let mut l = h.connect().await;
    let nl = join_notes(&mut l, "Late").await.expect("notes");
    assert!(nl.locked && !nl.can_edit);
    assert_eq!(Copy::from(&nl).string(), "agenda: 1.");
    // The lock is stored.
    let stored =
        h.db.notes(&CollabPlace::Room(h.room.id.clone()))
            .await
            .expect("read")
            .expect("saved with the lock");
    assert!(stored.locked);
}

#[tokio::test]
async fn bad_updates_are_refused_and_nothing_is_applied() {
    let h = start(None, None, None).await;
    let mut a = h.connect().await;
    let na = join_notes(&mut a, "Ann").await.expect("notes");
    let mut b = h.connect().await;
    join_notes(&mut b, "Bob").await;
    a.recv().await; // participant_joined
    let ca = Copy::from(&na);
    a.send(json!({"type": "notes_update", "update": ca.insert(0, "kept")}))
        .await;
    next_update(&mut b).await;

    let bad = [
        json!("not base64 at all!"),
        json!(BASE64.encode([1u8, 2, 3, 255, 255, 7])),
        json!(""),
    ];
    for update in bad {
        a.send(json!({"type": "notes_update", "update": update}))
            .await;
        a.expect_refused(ErrorCode::InvalidMessage, "notes_update")
            .await;
        next_state(&mut a).await;
    }
    // 40 KB decoded (a frame under the 64 KB limit): over the 32 KB update limit.
    let big = Copy::from(&na).insert(0, &"x".repeat(40_000));
    assert!(big.len() < amphi_proto::MAX_MESSAGE_BYTES);
    a.send(json!({"type": "notes_update", "update": big})).await;
    a.expect_refused(ErrorCode::MessageTooLarge, "notes_update")
        .await;
    let after = next_state(&mut a).await;
    assert_eq!(Copy::from(&after).string(), "kept");
    // Bob heard nothing of the refused updates.
    b.send(json!({"type": "ping"})).await;
    loop {
        match b.recv().await {
            ServerMessage::Pong => break,
            ServerMessage::NotesUpdate { .. } => panic!("a refused update was relayed"),
            _ => {}
        }
    }
}

#[tokio::test]
async fn notes_are_saved_and_read_back_after_a_restart() {
    let h = start(None, None, None).await;
    let mut a = h.connect().await;
    let na = join_notes(&mut a, "Ann").await.expect("notes");
    let ca = Copy::from(&na);
    a.send(json!({"type": "notes_update", "update": ca.insert(0, "décisions : ✓")}))
        .await;
    a.ping_pong().await; // the update was handled
    let owner = CollabPlace::Room(h.room.id.clone());
    // Saved after the debounce, without anyone leaving.
    tokio::time::sleep(SAVE_DELAY).await;
    let deadline = tokio::time::Instant::now() + Duration::from_secs(15);
    let stored = loop {
        if let Some(notes) = h.db.notes(&owner).await.expect("read") {
            break notes;
        }
        assert!(tokio::time::Instant::now() < deadline, "notes never saved");
        tokio::time::sleep(Duration::from_millis(100)).await;
    };
    assert!(!stored.locked);
    // A new process's notes service (nothing in memory) reads it back.
    let restarted = Notes::new(h.db.store.clone());
    let place = Place::Room("team".into());
    assert_eq!(restarted.text(&place).await.expect("text"), "décisions : ✓");
    let view = restarted.view(&place).await.expect("view");
    let doc = Doc::new();
    let text = doc.get_or_insert_text("notes");
    doc.transact_mut()
        .apply_update(Update::decode_v1(&view.state).expect("update"))
        .expect("applies");
    assert_eq!(text.get_string(&doc.transact()), "décisions : ✓");
}
