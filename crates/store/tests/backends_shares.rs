//! Room shares on each backend (issue 4: R7, C10): sharing, changing, removing, listing, the
//! rooms a user sees, and what deleting a room or a user does to shares.

#[macro_use]
mod store_common;

use amphi_store::{RoomAccess, ShareRole, VisibleRoom};
use store_common::*;

fn access(rooms: &[VisibleRoom]) -> Vec<(String, RoomAccess, u32)> {
    rooms
        .iter()
        .map(|v| (v.room.slug.clone(), v.access, v.share_count))
        .collect()
}

#[tokio::test]
async fn share_change_and_unshare() {
    on_each_backend!(|db, backend| {
        let owner = user(&db, "owner@example.org").await;
        let mia = user(&db, "mia@example.org").await;
        let max = user(&db, "max@example.org").await;
        let room = db
            .create_room(new_room("weekly", &owner.id))
            .await
            .expect("room");

        assert!(db.room_shares(&room.id).await.expect("shares").is_empty());
        assert_eq!(db.share_role(&room.id, &mia.id).await.expect("role"), None);

        db.share_room(&room.id, &mia.id, ShareRole::Manager)
            .await
            .expect("share mia");
        db.share_room(&room.id, &max.id, ShareRole::Moderator)
            .await
            .expect("share max");
        assert_eq!(
            db.share_role(&room.id, &mia.id).await.expect("role"),
            Some(ShareRole::Manager),
            "{backend:?}"
        );
        assert_eq!(
            db.share_role(&room.id, &max.id).await.expect("role"),
            Some(ShareRole::Moderator)
        );
        assert_eq!(
            db.share_role(&room.id, &owner.id).await.expect("role"),
            None,
            "the owner's access does not come from a share"
        );

        let shares = db.room_shares(&room.id).await.expect("shares");
        assert_eq!(shares.len(), 2, "{backend:?}");
        let mia_share = shares
            .iter()
            .find(|s| s.user.id == mia.id)
            .expect("mia listed");
        assert_eq!(
            mia_share.user, mia,
            "{backend:?}: the whole user comes back"
        );
        assert_eq!(mia_share.role, ShareRole::Manager);
        let first_given = mia_share.created_at;

        // Sharing again changes the role; still one share, same creation time.
        db.share_room(&room.id, &mia.id, ShareRole::Moderator)
            .await
            .expect("change role");
        let shares = db.room_shares(&room.id).await.expect("shares");
        assert_eq!(shares.len(), 2, "{backend:?}: no duplicate share");
        let mia_share = shares.iter().find(|s| s.user.id == mia.id).expect("mia");
        assert_eq!(mia_share.role, ShareRole::Moderator);
        assert_eq!(mia_share.created_at, first_given);

        // set_share_role changes an existing share only.
        db.set_share_role(&room.id, &mia.id, ShareRole::Manager)
            .await
            .expect("set role");
        assert_eq!(
            db.share_role(&room.id, &mia.id).await.expect("role"),
            Some(ShareRole::Manager),
            "{backend:?}"
        );
        let stranger = user(&db, "stranger@example.org").await;
        assert!(matches!(
            db.set_share_role(&room.id, &stranger.id, ShareRole::Manager)
                .await,
            Err(StoreError::NotFound)
        ));
        assert_eq!(
            db.share_role(&room.id, &stranger.id).await.expect("role"),
            None,
            "{backend:?}: set_share_role never creates a share"
        );

        db.unshare_room(&room.id, &mia.id).await.expect("unshare");
        assert_eq!(db.share_role(&room.id, &mia.id).await.expect("role"), None);
        assert!(matches!(
            db.unshare_room(&room.id, &mia.id).await,
            Err(StoreError::NotFound)
        ));
        let left: Vec<UserId> = db
            .room_shares(&room.id)
            .await
            .expect("shares")
            .into_iter()
            .map(|s| s.user.id)
            .collect();
        assert_eq!(left, vec![max.id.clone()], "{backend:?}");

        // Unknown room or user: a database error, nothing stored.
        let ghost_room = db
            .share_room(&RoomId::new("ghost"), &mia.id, ShareRole::Manager)
            .await;
        assert!(
            matches!(ghost_room, Err(StoreError::Database(_))),
            "{backend:?}: {ghost_room:?}"
        );
        let ghost_user = db
            .share_room(&room.id, &UserId::new("ghost"), ShareRole::Manager)
            .await;
        assert!(
            matches!(ghost_user, Err(StoreError::Database(_))),
            "{backend:?}: {ghost_user:?}"
        );
        assert_eq!(db.room_shares(&room.id).await.expect("shares").len(), 1);
    });
}

#[tokio::test]
async fn room_access_distinguishes_owner_share_and_stranger() {
    on_each_backend!(|db, backend| {
        let owner = user(&db, "owner@example.org").await;
        let mia = user(&db, "mia@example.org").await;
        let stranger = user(&db, "stranger@example.org").await;
        let room = db
            .create_room(new_room("weekly", &owner.id))
            .await
            .expect("room");
        db.share_room(&room.id, &mia.id, ShareRole::Moderator)
            .await
            .expect("share");
        assert_eq!(
            db.room_access(&room, &owner.id).await.expect("owner"),
            Some(RoomAccess::Owner),
            "{backend:?}"
        );
        assert_eq!(
            db.room_access(&room, &mia.id).await.expect("mia"),
            Some(RoomAccess::Shared(ShareRole::Moderator))
        );
        assert_eq!(
            db.room_access(&room, &stranger.id).await.expect("stranger"),
            None
        );
    });
}

#[tokio::test]
async fn rooms_visible_to_lists_owned_and_shared_with_the_access() {
    on_each_backend!(|db, backend| {
        let alice = user(&db, "alice@example.org").await;
        let bob = user(&db, "bob@example.org").await;
        let carol = user(&db, "carol@example.org").await;
        let a1 = db
            .create_room(new_room("a-1", &alice.id))
            .await
            .expect("a-1");
        let a2 = db
            .create_room(new_room("a-2", &alice.id))
            .await
            .expect("a-2");
        let b1 = db.create_room(new_room("b-1", &bob.id)).await.expect("b-1");
        db.create_room(new_room("b-2", &bob.id)).await.expect("b-2");

        db.share_room(&a1.id, &bob.id, ShareRole::Manager)
            .await
            .expect("share");
        db.share_room(&a1.id, &carol.id, ShareRole::Moderator)
            .await
            .expect("share");
        db.share_room(&b1.id, &alice.id, ShareRole::Moderator)
            .await
            .expect("share");
        db.set_room_waiting_room(&a2.id, true)
            .await
            .expect("waiting room");

        let mut seen = access(&db.rooms_visible_to(&alice.id).await.expect("alice"));
        seen.sort_by(|x, y| x.0.cmp(&y.0));
        assert_eq!(
            seen,
            vec![
                ("a-1".to_owned(), RoomAccess::Owner, 2),
                ("a-2".to_owned(), RoomAccess::Owner, 0),
                (
                    "b-1".to_owned(),
                    RoomAccess::Shared(ShareRole::Moderator),
                    1
                ),
            ],
            "{backend:?}"
        );
        let mut seen = access(&db.rooms_visible_to(&bob.id).await.expect("bob"));
        seen.sort_by(|x, y| x.0.cmp(&y.0));
        assert_eq!(
            seen,
            vec![
                ("a-1".to_owned(), RoomAccess::Shared(ShareRole::Manager), 2),
                ("b-1".to_owned(), RoomAccess::Owner, 1),
                ("b-2".to_owned(), RoomAccess::Owner, 0),
            ],
            "{backend:?}"
        );
        assert_eq!(
            access(&db.rooms_visible_to(&carol.id).await.expect("carol")),
            vec![(
                "a-1".to_owned(),
                RoomAccess::Shared(ShareRole::Moderator),
                2
            )]
        );
        // The rooms come back whole (the settings the list shows).
        let alice_rooms = db.rooms_visible_to(&alice.id).await.expect("alice");
        let a2_seen = alice_rooms
            .iter()
            .find(|v| v.room.id == a2.id)
            .expect("a-2");
        assert!(a2_seen.room.waiting_room, "{backend:?}");
        assert_eq!(a2_seen.room.slug, "a-2");
        let stranger = user(&db, "dan@example.org").await;
        assert!(
            db.rooms_visible_to(&stranger.id)
                .await
                .expect("dan")
                .is_empty()
        );
    });
}

#[tokio::test]
async fn deleting_a_room_or_a_user_removes_their_shares() {
    on_each_backend!(|db, backend| {
        let owner = user(&db, "owner@example.org").await;
        let mia = user(&db, "mia@example.org").await;
        let max = user(&db, "max@example.org").await;
        let kept = db
            .create_room(new_room("kept", &owner.id))
            .await
            .expect("room");
        let gone = db
            .create_room(new_room("gone", &owner.id))
            .await
            .expect("room");
        for room in [&kept, &gone] {
            db.share_room(&room.id, &mia.id, ShareRole::Manager)
                .await
                .expect("share");
            db.share_room(&room.id, &max.id, ShareRole::Moderator)
                .await
                .expect("share");
        }

        db.delete_room(&gone.id).await.expect("delete room");
        assert!(
            db.room_shares(&gone.id).await.expect("shares").is_empty(),
            "{backend:?}: cascade from rooms"
        );
        assert_eq!(
            access(&db.rooms_visible_to(&mia.id).await.expect("mia")),
            vec![("kept".to_owned(), RoomAccess::Shared(ShareRole::Manager), 2)]
        );

        db.delete_user(&max.id).await.expect("delete user");
        let left: Vec<UserId> = db
            .room_shares(&kept.id)
            .await
            .expect("shares")
            .into_iter()
            .map(|s| s.user.id)
            .collect();
        assert_eq!(
            left,
            vec![mia.id.clone()],
            "{backend:?}: cascade from users"
        );

        // Deleting the owner deletes the room and so every share of it.
        db.delete_user(&owner.id).await.expect("delete owner");
        assert!(
            db.rooms_visible_to(&mia.id).await.expect("mia").is_empty(),
            "{backend:?}"
        );
    });
}
