//! Counting users and rooms (for `/metrics`), on every backend.

use amphi_store::testing::{fresh_store, test_backends};
use amphi_store::{NewRoom, NewUser};

#[tokio::test]
async fn counts_follow_creations_and_deletions() {
    for backend in test_backends() {
        let db = fresh_store(backend).await;
        assert_eq!(db.count_rooms().await.expect("ok"), 0, "{backend:?}");
        let owner = db
            .create_user(NewUser {
                email: "ann@example.org".to_owned(),
                display_name: String::new(),
                password_hash: None,
                is_admin: false,
            })
            .await
            .expect("user");
        let mut rooms = Vec::new();
        for slug in ["one", "two", "three"] {
            let room = db
                .create_room(NewRoom {
                    slug: slug.to_owned(),
                    name: slug.to_owned(),
                    owner_id: owner.id.clone(),
                })
                .await
                .expect("room");
            rooms.push(room);
        }
        assert_eq!(db.count_rooms().await.expect("ok"), 3, "{backend:?}");
        db.delete_room(&rooms[1].id).await.expect("deleted");
        assert_eq!(db.count_rooms().await.expect("ok"), 2, "{backend:?}");
        assert_eq!(db.count_users().await.expect("ok"), 1, "{backend:?}");
        db.delete_user(&owner.id).await.expect("deleted");
        assert_eq!(
            db.count_rooms().await.expect("ok"),
            0,
            "{backend:?}: cascaded"
        );
    }
}
