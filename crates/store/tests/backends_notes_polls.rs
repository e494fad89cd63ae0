//! Shared notes and polls on each backend (issue 9, C5, C7): the notes' bytes and lock saved
//! and replaced; polls created with their options, moved only forward, one ballot per voter,
//! none while not open, anonymous ballots without identity; everything goes with its room.

#[macro_use]
mod store_common;

use amphi_store::{CollabPlace, NewPoll, PollState, StoreError, VoteOutcome, Voter};
use store_common::*;

fn voter(key: &str) -> Voter {
    Voter {
        key: key.to_owned(),
        name: format!("Name of {key}"),
    }
}

#[tokio::test]
async fn notes_are_saved_replaced_and_deleted_with_their_room() {
    on_each_backend!(|db, backend| {
        let owner = user(&db, "owner@example.org").await;
        let room = db
            .create_room(new_room("team", &owner.id))
            .await
            .expect("room");
        let place = CollabPlace::Room(room.id.clone());
        assert_eq!(db.notes(&place).await.expect("read"), None, "{backend:?}");
        let bytes: Vec<u8> = (0..=255u8).cycle().take(70_000).collect();
        db.save_notes(&place, &bytes, false).await.expect("save");
        db.save_notes(&place, &bytes[..1000], true)
            .await
            .expect("replace");
        let stored = db.notes(&place).await.expect("read").expect("saved");
        assert_eq!(
            (stored.state.as_slice(), stored.locked),
            (&bytes[..1000], true),
            "{backend:?}"
        );
        let gone = CollabPlace::Room(amphi_store::RoomId::new("0".repeat(32)));
        assert!(
            matches!(
                db.save_notes(&gone, b"x", false).await,
                Err(StoreError::NotFound)
            ),
            "{backend:?}"
        );
        db.delete_room(&room.id).await.expect("delete");
        assert_eq!(db.notes(&place).await.expect("read"), None, "{backend:?}");
    });
}

#[tokio::test]
async fn polls_move_forward_count_once_and_keep_anonymous_ballots_nameless() {
    on_each_backend!(|db, backend| {
        let owner = user(&db, "owner@example.org").await;
        let room = db
            .create_room(new_room("team", &owner.id))
            .await
            .expect("room");
        let place = CollabPlace::Room(room.id.clone());
        let new = |anonymous: bool| NewPoll {
            place: place.clone(),
            question: "Lunch?".into(),
            options: vec!["Pizza".into(), "Salad".into(), "Soup".into()],
            multiple: true,
            anonymous,
        };
        let poll = db.create_poll(new(false)).await.expect("poll");
        assert_eq!(
            db.poll(&poll.id).await.expect("read"),
            Some(poll.clone()),
            "{backend:?}"
        );
        // Not open yet: nothing stored.
        let v = voter("user:1");
        assert_eq!(
            db.vote(&poll.id, Some(&v), &[0]).await.expect("vote"),
            VoteOutcome::NotOpen
        );
        assert!(
            db.set_poll_state(&poll.id, PollState::Draft, PollState::Open)
                .await
                .expect("open")
        );
        assert!(
            !db.set_poll_state(&poll.id, PollState::Draft, PollState::Open)
                .await
                .expect("twice")
        );
        assert_eq!(
            db.vote(&poll.id, Some(&v), &[0, 2]).await.expect("vote"),
            VoteOutcome::Counted
        );
        assert_eq!(
            db.vote(&poll.id, Some(&v), &[1]).await.expect("again"),
            VoteOutcome::AlreadyVoted
        );
        // A choice outside the options: refused, nothing kept.
        assert!(matches!(
            db.vote(&poll.id, Some(&voter("user:2")), &[0, 7]).await,
            Err(StoreError::Invalid(_))
        ));
        assert_eq!(
            db.vote(&poll.id, Some(&voter("user:3")), &[2])
                .await
                .expect("vote"),
            VoteOutcome::Counted
        );
        assert_eq!(
            db.poll_counts(&poll.id, 3).await.expect("counts"),
            (vec![1, 0, 2], 2),
            "{backend:?}"
        );
        assert!(
            !db.publish_poll(&poll.id).await.expect("publish open"),
            "only closed ones"
        );
        assert!(
            db.set_poll_state(&poll.id, PollState::Open, PollState::Closed)
                .await
                .expect("close")
        );
        assert_eq!(
            db.vote(&poll.id, Some(&voter("user:4")), &[1])
                .await
                .expect("late"),
            VoteOutcome::NotOpen
        );
        assert!(db.publish_poll(&poll.id).await.expect("publish"));
        let ballots = db.poll_ballots(&poll.id).await.expect("ballots");
        assert_eq!(ballots.len(), 2);
        assert_eq!(ballots[0].voter_name.as_deref(), Some("Name of user:1"));
        assert_eq!(ballots[0].choices, vec![0, 2]);

        let anon = db.create_poll(new(true)).await.expect("anonymous poll");
        db.set_poll_state(&anon.id, PollState::Draft, PollState::Open)
            .await
            .expect("open");
        for _ in 0..2 {
            assert_eq!(
                db.vote(&anon.id, None, &[1]).await.expect("vote"),
                VoteOutcome::Counted
            );
        }
        let ballots = db.poll_ballots(&anon.id).await.expect("ballots");
        assert!(
            ballots
                .iter()
                .all(|b| b.voter_name.is_none() && b.voted_at.is_none()),
            "{backend:?}"
        );
        assert!(db.poll_voters(&anon.id).await.expect("voters").is_empty());
        let listed: Vec<_> = db
            .polls(&place)
            .await
            .expect("list")
            .into_iter()
            .map(|p| p.id)
            .collect();
        assert_eq!(
            listed,
            vec![poll.id.clone(), anon.id.clone()],
            "{backend:?}"
        );
        db.delete_room(&room.id).await.expect("delete");
        assert_eq!(db.poll(&poll.id).await.expect("read"), None, "{backend:?}");
    });
}
