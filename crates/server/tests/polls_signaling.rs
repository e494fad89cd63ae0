//! Live polls over the WebSocket (issue 9, C7): a moderator creates, opens, closes and
//! publishes; three people vote and the counts are exact; a second vote is refused (the same
//! person coming back too); an anonymous poll stores no voter identity; bad polls are refused
//! with nothing stored; participants may not run polls.

mod signaling_common;

use amphi_proto::{ErrorCode, PollInfo, PollState, ServerMessage};
use amphi_store::{CollabPlace, ShareRole};
use serde_json::{Value, json};
use signaling_common::*;

async fn join_polls(c: &mut Client, name: &str, key: &str) -> Vec<PollInfo> {
    match c.join_keyed(name, Some(key)).await {
        ServerMessage::Welcome { polls, .. } => polls,
        other => panic!("expected welcome, got {other:?}"),
    }
}

async fn next_poll(c: &mut Client) -> PollInfo {
    match c
        .recv_until("poll_updated", |m| {
            matches!(m, ServerMessage::PollUpdated { .. })
        })
        .await
    {
        ServerMessage::PollUpdated { poll } => poll,
        _ => unreachable!(),
    }
}

/// Nothing about polls reached `c` (other events may have).
async fn no_poll_before_pong(c: &mut Client) {
    c.send(json!({"type": "ping"})).await;
    loop {
        match c.recv().await {
            ServerMessage::Pong => return,
            ServerMessage::PollUpdated { poll } => panic!("unexpected poll {poll:?}"),
            _ => {}
        }
    }
}

/// Skips poll updates until one says the receiver voted.
async fn voted(c: &mut Client) -> PollInfo {
    for _ in 0..10 {
        let poll = next_poll(c).await;
        if poll.voted {
            return poll;
        }
    }
    panic!("no poll_updated with voted");
}

fn poll_request(question: &str, options: &[&str], anonymous: bool) -> Value {
    json!({"type": "poll_create", "question": question, "options": options,
           "multiple": false, "anonymous": anonymous})
}

/// A moderator (signed in, shared as moderator) and two participants, all joined.
async fn three(h: &Harness) -> (Client, Client, Client) {
    let moderator = h
        .shared_user("mod@example.org", "Mo", ShareRole::Moderator)
        .await;
    let mut m = h.connect_as(&moderator).await;
    join_polls(&mut m, "Mo", "key-moderator-1").await;
    let mut p = h.connect().await;
    join_polls(&mut p, "Pat", "key-pat-000001").await;
    let mut q = h.connect().await;
    join_polls(&mut q, "Quinn", "key-quinn-00001").await;
    (m, p, q)
}

#[tokio::test]
async fn three_vote_counts_are_exact_a_second_vote_is_refused_results_reach_everyone() {
    let h = start(None, None, None).await;
    let (mut m, mut p, mut q) = three(&h).await;
    m.send(poll_request("Lunch?", &["Pizza", "Salad", "Soup"], false))
        .await;
    let draft = next_poll(&mut m).await;
    assert_eq!(draft.state, PollState::Draft);
    assert_eq!(draft.results.as_ref().map(|r| r.voters), Some(0));
    // A draft is the moderators' only.
    no_poll_before_pong(&mut p).await;
    let id = draft.id.0.clone();
    m.send(json!({"type": "poll_open", "poll_id": id})).await;
    assert_eq!(next_poll(&mut m).await.state, PollState::Open);
    let seen = next_poll(&mut p).await;
    assert_eq!(seen.state, PollState::Open);
    assert!(
        seen.results.is_none(),
        "no counts for participants before publishing"
    );
    next_poll(&mut q).await;

    // Three votes: the moderator sees each arrive.
    m.send(json!({"type": "poll_vote", "poll_id": id, "choices": [0]}))
        .await;
    assert_eq!(
        next_poll(&mut m).await.results.expect("counts").counts,
        [1, 0, 0]
    );
    p.send(json!({"type": "poll_vote", "poll_id": id, "choices": [2]}))
        .await;
    let after_p = next_poll(&mut p).await;
    assert!(after_p.voted && after_p.results.is_none());
    assert_eq!(
        next_poll(&mut m).await.results.expect("counts").counts,
        [1, 0, 1]
    );
    q.send(json!({"type": "poll_vote", "poll_id": id, "choices": [2]}))
        .await;
    assert!(next_poll(&mut q).await.voted);
    let live = next_poll(&mut m).await.results.expect("counts");
    assert_eq!((live.counts, live.voters), (vec![1, 0, 2], 3));

    // A second vote is refused, also after coming back with the same browser key.
    p.send(json!({"type": "poll_vote", "poll_id": id, "choices": [1]}))
        .await;
    p.expect_refused(ErrorCode::AlreadyVoted, "poll_vote").await;
    drop(p);
    let mut p2 = h.connect().await;
    let polls = join_polls(&mut p2, "Pat again", "key-pat-000001").await;
    assert!(polls[0].voted, "the welcome says this person voted");
    p2.send(json!({"type": "poll_vote", "poll_id": id, "choices": [1]}))
        .await;
    p2.expect_refused(ErrorCode::AlreadyVoted, "poll_vote")
        .await;
    // Bad choices are refused too.
    q.send(json!({"type": "poll_vote", "poll_id": id, "choices": [0, 1]}))
        .await;
    q.expect_refused(ErrorCode::InvalidMessage, "poll_vote")
        .await;

    // Publishing needs a closed poll; then everyone gets the results.
    m.send(json!({"type": "poll_publish", "poll_id": id})).await;
    m.expect_refused(ErrorCode::PollNotOpen, "poll_publish")
        .await;
    m.send(json!({"type": "poll_close", "poll_id": id})).await;
    assert_eq!(next_poll(&mut m).await.state, PollState::Closed);
    assert_eq!(next_poll(&mut q).await.state, PollState::Closed);
    q.send(json!({"type": "poll_vote", "poll_id": id, "choices": [1]}))
        .await;
    q.expect_refused(ErrorCode::PollNotOpen, "poll_vote").await;
    m.send(json!({"type": "poll_publish", "poll_id": id})).await;
    next_poll(&mut m).await;
    for c in [&mut p2, &mut q] {
        // p2 also has the `closed` update queued: skip to the publication.
        let mut published = next_poll(c).await;
        while !published.published && published.state == PollState::Closed {
            published = next_poll(c).await;
        }
        assert!(published.published);
        let results = published.results.expect("published results");
        assert_eq!((results.counts, results.voters), (vec![1, 0, 2], 3));
    }
    // Kept in the store, with who voted what (not anonymous).
    let ballots =
        h.db.poll_ballots(&amphi_store::PollId::new(id))
            .await
            .expect("ballots");
    let mut named: Vec<(String, Vec<u32>)> = ballots
        .into_iter()
        .map(|b| (b.voter_name.expect("named"), b.choices))
        .collect();
    named.sort();
    assert_eq!(
        named,
        vec![
            ("Mo".to_owned(), vec![0]),
            ("Pat".to_owned(), vec![2]),
            ("Quinn".to_owned(), vec![2])
        ]
    );
}

#[tokio::test]
async fn an_anonymous_poll_stores_no_voter_identity_and_still_one_vote_each() {
    let h = start(None, None, None).await;
    let (mut m, mut p, mut q) = three(&h).await;
    m.send(poll_request("Rate the talk", &["Good", "Bad"], true))
        .await;
    let id = next_poll(&mut m).await.id.0;
    m.send(json!({"type": "poll_open", "poll_id": id})).await;
    next_poll(&mut m).await;
    next_poll(&mut p).await;
    next_poll(&mut q).await;
    for (c, choice) in [(&mut p, 0), (&mut q, 1), (&mut m, 0)] {
        c.send(json!({"type": "poll_vote", "poll_id": id, "choices": [choice]}))
            .await;
        voted(c).await;
    }
    q.send(json!({"type": "poll_vote", "poll_id": id, "choices": [0]}))
        .await;
    q.expect_refused(ErrorCode::AlreadyVoted, "poll_vote").await;
    let poll = amphi_store::PollId::new(id);
    let (counts, voters) = h.db.poll_counts(&poll, 2).await.expect("counts");
    assert_eq!((counts, voters), (vec![2, 1], 3));
    // The rows themselves: no voter, no name, no time.
    let pool = sqlx::AnyPool::connect(&h.db.url).await.expect("pool");
    let rows: Vec<(Option<String>, Option<String>, Option<i64>)> =
        sqlx::query_as("SELECT voter, voter_name, voted_at FROM poll_ballots WHERE poll_id = $1")
            .bind(poll.as_str())
            .fetch_all(&pool)
            .await
            .expect("rows");
    assert_eq!(rows.len(), 3);
    assert!(rows.iter().all(|r| r == &(None, None, None)), "{rows:?}");
    for name in ["Mo", "Pat", "Quinn", "key-pat", "mod@example.org"] {
        let hits: i64 = sqlx::query_scalar(
            "SELECT COUNT(*) FROM poll_ballots WHERE poll_id = $1 AND \
             (COALESCE(voter, '') LIKE $2 OR COALESCE(voter_name, '') LIKE $2)",
        )
        .bind(poll.as_str())
        .bind(format!("%{name}%"))
        .fetch_one(&pool)
        .await
        .expect("count");
        assert_eq!(hits, 0, "{name} stored");
    }
}

#[tokio::test]
async fn bad_polls_and_participants_running_polls_are_refused_nothing_stored() {
    let h = start(None, None, None).await;
    let (mut m, mut p, _q) = three(&h).await;
    let many: Vec<String> = (0..1000).map(|i| format!("o{i}")).collect();
    let many: Vec<&str> = many.iter().map(String::as_str).collect();
    let bad = [
        poll_request("No options?", &[], false),
        poll_request("One option?", &["only"], false),
        poll_request("Too many?", &many, false),
        poll_request("   ", &["a", "b"], false),
        poll_request("Twice?", &["same", "same"], false),
        poll_request("Empty option?", &["a", " "], false),
        poll_request(&"?".repeat(301), &["a", "b"], false),
    ];
    for request in bad {
        m.send(request).await;
        m.expect_refused(ErrorCode::InvalidMessage, "poll_create")
            .await;
    }
    // Participants may neither create nor run polls.
    p.send(poll_request("Mine?", &["a", "b"], false)).await;
    p.expect_refused(ErrorCode::Forbidden, "poll_create").await;
    let polls =
        h.db.polls(&CollabPlace::Room(h.room.id.clone()))
            .await
            .expect("polls");
    assert!(polls.is_empty(), "nothing stored: {polls:?}");
    // A real one; a participant cannot open it, a late joiner can vote in it once open.
    m.send(poll_request("Ok?", &["yes", "no"], false)).await;
    let id = next_poll(&mut m).await.id.0;
    p.send(json!({"type": "poll_open", "poll_id": id})).await;
    p.expect_refused(ErrorCode::Forbidden, "poll_open").await;
    p.send(json!({"type": "poll_vote", "poll_id": id, "choices": [0]}))
        .await;
    p.expect_refused(ErrorCode::PollNotOpen, "poll_vote").await;
    m.send(json!({"type": "poll_open", "poll_id": id})).await;
    next_poll(&mut m).await;
    let mut late = h.connect().await;
    let polls = join_polls(&mut late, "Late", "key-late-000001").await;
    assert_eq!(polls.len(), 1);
    assert_eq!(polls[0].state, PollState::Open);
    late.send(json!({"type": "poll_vote", "poll_id": id, "choices": [1]}))
        .await;
    assert!(next_poll(&mut late).await.voted);
    // Unknown polls are refused.
    late.send(
        json!({"type": "poll_vote", "poll_id": "0123456789abcdef0123456789abcdef", "choices": [0]}),
    )
    .await;
    late.expect_refused(ErrorCode::InvalidMessage, "poll_vote")
        .await;
}
