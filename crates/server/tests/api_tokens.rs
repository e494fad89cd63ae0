//! API tokens in the back office (`/account/tokens`, issue 10), on every test backend: a
//! signed-in user creates a token (shown once, stored hashed), the API accepts it, the list
//! shows name, scope and last use, revoking (after a confirmation page) refuses it at once.

mod api_common;
mod common;

use amphi_server::auth::token::hash_token;
use api_common::{Api, refused};
use common::{TestServer, hidden_field, test_backends};
use reqwest::StatusCode;

/// The secret shown after creation: the value of the read-only field `new-token`.
fn shown_token(html: &str) -> Option<String> {
    let marker = "id=\"new-token\" type=\"text\" readonly value=\"";
    let start = html.find(marker)? + marker.len();
    let end = html[start..].find('"')? + start;
    Some(html[start..end].to_owned())
}

#[tokio::test]
async fn create_use_list_and_revoke_a_token() {
    for backend in test_backends() {
        let s = TestServer::start(backend).await;
        let (ann, b) = s.signed_in("ann@example.org", false).await;

        let page = b.get("/account/tokens").await;
        assert_eq!(page.status, StatusCode::OK);
        assert!(page.body.contains("You have no API tokens."), "{backend:?}");
        let csrf = page.csrf();

        let r = b
            .post(
                "/account/tokens",
                &[("name", "LMS sync"), ("scope", "write"), ("csrf", &csrf)],
            )
            .await;
        assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
        let secret = shown_token(&r.body).expect("the token is shown");
        assert_eq!(secret.len(), 43);
        assert!(r.body.contains("copy-link"), "a copy button");
        assert_eq!(
            r.headers.get("cache-control").and_then(|v| v.to_str().ok()),
            Some("no-store")
        );
        // Stored hashed, never in clear.
        let stored = s.db.store.api_tokens_of_user(&ann.id).await.expect("list");
        assert_eq!(stored.len(), 1);
        assert_eq!(stored[0].name, "LMS sync");
        assert_eq!(stored[0].scope, amphi_store::ApiScope::Write);
        assert!(
            s.db.store
                .api_token_by_hash(&hash_token(&secret))
                .await
                .expect("lookup")
                .is_some()
        );
        assert!(
            s.db.store
                .api_token_by_hash(&secret)
                .await
                .expect("lookup")
                .is_none()
        );

        // The API accepts it as Ann; its use is recorded.
        let api = Api::new(&s.base, Some(&secret));
        let created = api
            .post("/rooms", &serde_json::json!({"name": "From the LMS"}))
            .await;
        assert_eq!(created.status, StatusCode::CREATED, "{}", created.text);
        let rooms = s.db.store.rooms_owned_by(&ann.id).await.expect("rooms");
        assert_eq!(rooms.len(), 1, "{backend:?}");
        let stored = s.db.store.api_tokens_of_user(&ann.id).await.expect("list");
        assert!(stored[0].last_used_at.is_some(), "last use recorded");

        // Listed, never shown again.
        let page = b.get("/account/tokens").await;
        assert!(page.body.contains("LMS sync"));
        assert!(page.body.contains("Write: look and change"));
        assert!(!page.body.contains(&secret), "shown once only");
        assert!(!page.body.contains("Never"), "last used is shown");

        // Revoke: a confirmation page, then refused at once.
        let id = stored[0].id.to_string();
        let confirm = b.get(&format!("/account/tokens/{id}/revoke")).await;
        assert_eq!(confirm.status, StatusCode::OK);
        assert!(confirm.body.contains("LMS sync"));
        let r = b
            .post(
                &format!("/account/tokens/{id}/revoke"),
                &[("csrf", &confirm.csrf())],
            )
            .await;
        assert_eq!(r.status, StatusCode::SEE_OTHER);
        assert_eq!(r.location(), "/account/tokens?notice=token_revoked");
        refused(
            &api.get("/rooms").await,
            StatusCode::UNAUTHORIZED,
            "unauthorized",
        );
        let page = b.get("/account/tokens?notice=token_revoked").await;
        assert!(page.body.contains("Token revoked."));
        assert!(page.body.contains("You have no API tokens."));
        s.stop().await;
    }
}

#[tokio::test]
async fn the_form_refuses_bad_input_and_other_users_tokens() {
    for backend in test_backends() {
        let s = TestServer::start(backend).await;
        let (_, ann) = s.signed_in("ann@example.org", false).await;
        let (bob_user, bob) = s.signed_in("bob@example.org", false).await;
        let csrf = ann.csrf().await;

        let r = ann
            .post(
                "/account/tokens",
                &[("name", "  "), ("scope", "admin"), ("csrf", &csrf)],
            )
            .await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{backend:?}");
        assert!(r.body.contains("Give the token a name."));
        assert!(r.body.contains("Choose a scope: read or write."));
        assert!(shown_token(&r.body).is_none());

        // Without the form's CSRF token: refused.
        let r = ann
            .post("/account/tokens", &[("name", "x"), ("scope", "read")])
            .await;
        assert_eq!(r.status, StatusCode::FORBIDDEN);

        // Bob's token is not Ann's to see or revoke.
        let bob_csrf = bob.csrf().await;
        bob.post(
            "/account/tokens",
            &[("name", "Bob's"), ("scope", "read"), ("csrf", &bob_csrf)],
        )
        .await;
        let bobs =
            s.db.store
                .api_tokens_of_user(&bob_user.id)
                .await
                .expect("list");
        let id = bobs[0].id.to_string();
        assert_eq!(
            ann.get(&format!("/account/tokens/{id}/revoke"))
                .await
                .status,
            StatusCode::NOT_FOUND
        );
        let r = ann
            .post(&format!("/account/tokens/{id}/revoke"), &[("csrf", &csrf)])
            .await;
        assert_eq!(r.status, StatusCode::NOT_FOUND);
        assert_eq!(
            s.db.store
                .api_tokens_of_user(&bob_user.id)
                .await
                .expect("list")
                .len(),
            1
        );

        // Signed out: to the sign-in page.
        let r = s.browser().get("/account/tokens").await;
        assert_eq!(r.status, StatusCode::SEE_OTHER);
        assert!(r.location().starts_with("/signin"));
        s.stop().await;
    }
}

#[tokio::test]
async fn a_browser_login_is_no_api_credential() {
    for backend in test_backends() {
        let s = TestServer::start(backend).await;
        let (_, b) = s.signed_in("ann@example.org", false).await;
        // The browser holds a login cookie: the API ignores it.
        let r = b.get("/api/v1/rooms").await;
        assert_eq!(
            r.status,
            StatusCode::UNAUTHORIZED,
            "{backend:?}: {}",
            r.body
        );
        assert!(hidden_field(&r.body, "csrf").is_none());
        s.stop().await;
    }
}
