//! REST API tokens on each backend (issue 10, O5): create, list, look up by hash, revoke,
//! `last_used_at` at most once a minute, and a disabled user's tokens found no more.

#[macro_use]
mod store_common;

use amphi_store::{ApiScope, ApiTokenId, LAST_USED_PRECISION_MS, NewApiToken};
use store_common::*;

fn new_token(user: &UserId, name: &str, scope: ApiScope, hash: &str) -> NewApiToken {
    NewApiToken {
        user_id: user.clone(),
        name: name.to_owned(),
        scope,
        token_hash: hash.to_owned(),
    }
}

#[tokio::test]
async fn create_list_find_revoke() {
    on_each_backend!(|db, backend| {
        let ann = user(&db, "ann@example.org").await;
        let bob = user(&db, "bob@example.org").await;
        let read = db
            .create_api_token(new_token(&ann.id, "LMS", ApiScope::Read, "h-read"))
            .await
            .expect("read token");
        let write = db
            .create_api_token(new_token(&ann.id, "CRM", ApiScope::Write, "h-write"))
            .await
            .expect("write token");
        assert_eq!(read.scope, ApiScope::Read, "{backend:?}");
        assert_eq!(read.last_used_at, None);
        assert_eq!(read.name, "LMS");
        assert!(matches!(
            db.create_api_token(new_token(&bob.id, "dup", ApiScope::Read, "h-read"))
                .await,
            Err(StoreError::Conflict)
        ));

        let listed = db.api_tokens_of_user(&ann.id).await.expect("list");
        assert_eq!(listed.len(), 2, "{backend:?}");
        assert!(listed.contains(&read) && listed.contains(&write));
        assert!(
            db.api_tokens_of_user(&bob.id)
                .await
                .expect("list")
                .is_empty()
        );

        let (found, owner) = db
            .api_token_by_hash("h-write")
            .await
            .expect("lookup")
            .expect("found");
        assert_eq!(found, write, "{backend:?}");
        assert_eq!(owner, ann);
        assert!(
            db.api_token_by_hash("nope")
                .await
                .expect("lookup")
                .is_none()
        );

        // Bob cannot revoke Ann's token; Ann can, and it is gone at once.
        assert!(matches!(
            db.revoke_api_token(&bob.id, &write.id).await,
            Err(StoreError::NotFound)
        ));
        db.revoke_api_token(&ann.id, &write.id)
            .await
            .expect("revoke");
        assert!(
            db.api_token_by_hash("h-write")
                .await
                .expect("lookup")
                .is_none()
        );
        assert!(matches!(
            db.revoke_api_token(&ann.id, &ApiTokenId::new("unknown"))
                .await,
            Err(StoreError::NotFound)
        ));
    });
}

#[tokio::test]
async fn last_used_is_written_at_most_once_a_minute() {
    on_each_backend!(|db, backend| {
        let ann = user(&db, "ann@example.org").await;
        let token = db
            .create_api_token(new_token(&ann.id, "LMS", ApiScope::Read, "h"))
            .await
            .expect("token");
        let t0 = 1_700_000_000_000;
        assert!(db.touch_api_token(&token.id, t0).await.expect("touch"));
        assert!(
            !db.touch_api_token(&token.id, t0 + LAST_USED_PRECISION_MS - 1)
                .await
                .expect("touch"),
            "{backend:?}: within the minute"
        );
        let (found, _) = db
            .api_token_by_hash("h")
            .await
            .expect("lookup")
            .expect("found");
        assert_eq!(found.last_used_at, Some(t0));
        assert!(
            db.touch_api_token(&token.id, t0 + LAST_USED_PRECISION_MS)
                .await
                .expect("touch")
        );
        let listed = db.api_tokens_of_user(&ann.id).await.expect("list");
        assert_eq!(listed[0].last_used_at, Some(t0 + LAST_USED_PRECISION_MS));
    });
}

#[tokio::test]
async fn a_disabled_user_has_no_working_token() {
    on_each_backend!(|db, backend| {
        let ann = user(&db, "ann@example.org").await;
        db.create_api_token(new_token(&ann.id, "LMS", ApiScope::Write, "h"))
            .await
            .expect("token");
        db.set_user_disabled(&ann.id, true).await.expect("disable");
        assert!(
            db.api_token_by_hash("h").await.expect("lookup").is_none(),
            "{backend:?}"
        );
        db.set_user_disabled(&ann.id, false).await.expect("enable");
        assert!(db.api_token_by_hash("h").await.expect("lookup").is_some());
        // Deleting the user deletes the tokens.
        db.delete_user(&ann.id).await.expect("delete");
        assert!(db.api_token_by_hash("h").await.expect("lookup").is_none());
    });
}
