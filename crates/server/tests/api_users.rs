//! REST API, users (issue 10, O5), on every test backend: administrators only; each endpoint
//! with no token, a read token and a write token; a disabled user's token is refused at once;
//! validation errors name the field; a taken e-mail is 409.

mod api_common;
mod common;

use amphi_store::ApiScope;
use api_common::{Api, Endpoint, check_scopes, refused};
use common::{TestServer, test_backends};
use reqwest::StatusCode;
use serde_json::json;

#[tokio::test]
async fn every_user_endpoint_with_no_token_a_read_token_and_a_write_token() {
    for backend in test_backends() {
        let s = TestServer::start(backend).await;
        let admin = s.user("admin@example.org", true).await;
        let bob = s.user("bob@example.org", false).await;
        let anonymous = Api::new(&s.base, None);
        let reader = Api::of(&s.base, &s.db.store, &admin, ApiScope::Read).await;
        let writer = Api::of(&s.base, &s.db.store, &admin, ApiScope::Write).await;
        let bob_id = bob.id.to_string();
        let e = Endpoint::new;
        let endpoints = vec![
            e("GET", "/users".to_owned(), None, false, StatusCode::OK),
            e(
                "POST",
                "/users".to_owned(),
                Some(json!({"email": "new@example.org", "display_name": "New"})),
                true,
                StatusCode::CREATED,
            ),
            e(
                "GET",
                format!("/users/{bob_id}"),
                None,
                false,
                StatusCode::OK,
            ),
            e(
                "POST",
                format!("/users/{bob_id}/disable"),
                None,
                true,
                StatusCode::OK,
            ),
            e(
                "POST",
                format!("/users/{bob_id}/enable"),
                None,
                true,
                StatusCode::OK,
            ),
        ];
        let label = format!("{backend:?}");
        check_scopes(&label, &[&anonymous], &reader, &writer, endpoints).await;
        let list = reader.get("/users").await.json();
        let emails: Vec<&str> = list["users"]
            .as_array()
            .expect("users")
            .iter()
            .filter_map(|u| u["email"].as_str())
            .collect();
        assert_eq!(
            emails,
            ["admin@example.org", "bob@example.org", "new@example.org"],
            "{backend:?}"
        );
        assert!(
            !list.to_string().contains("password"),
            "no password hash leaves the server"
        );
        refused(
            &reader.get("/users/0123456789abcdef").await,
            StatusCode::NOT_FOUND,
            "not_found",
        );
        s.stop().await;
    }
}

#[tokio::test]
async fn users_endpoints_are_refused_to_non_administrators() {
    for backend in test_backends() {
        let s = TestServer::start(backend).await;
        let admin = s.user("admin@example.org", true).await;
        let bob = s.user("bob@example.org", false).await;
        let bob_api = Api::of(&s.base, &s.db.store, &bob, ApiScope::Write).await;
        let admin_id = admin.id.to_string();
        for (method, path, body) in [
            ("GET", "/users".to_owned(), None),
            (
                "POST",
                "/users".to_owned(),
                Some(json!({"email": "x@example.org"})),
            ),
            ("GET", format!("/users/{admin_id}"), None),
            ("POST", format!("/users/{admin_id}/disable"), None),
            ("POST", format!("/users/{admin_id}/enable"), None),
        ] {
            let r = bob_api.call(method, &path, body.as_ref()).await;
            refused(&r, StatusCode::FORBIDDEN, "forbidden");
        }
        assert!(
            s.db.store
                .user_by_email("x@example.org")
                .await
                .expect("lookup")
                .is_none(),
            "{backend:?}"
        );
        assert!(
            !s.db
                .store
                .user_by_id(&admin.id)
                .await
                .expect("lookup")
                .expect("admin")
                .disabled
        );
        s.stop().await;
    }
}

#[tokio::test]
async fn disabling_a_user_refuses_their_token_at_once() {
    for backend in test_backends() {
        let s = TestServer::start(backend).await;
        let admin = s.user("admin@example.org", true).await;
        let bob = s.user("bob@example.org", false).await;
        let admin_api = Api::of(&s.base, &s.db.store, &admin, ApiScope::Write).await;
        let bob_api = Api::of(&s.base, &s.db.store, &bob, ApiScope::Read).await;
        assert_eq!(bob_api.get("/rooms").await.status, StatusCode::OK);

        let r = admin_api
            .call("POST", &format!("/users/{}/disable", bob.id), None)
            .await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.text);
        assert_eq!(r.json()["disabled"], true);
        refused(
            &bob_api.get("/rooms").await,
            StatusCode::UNAUTHORIZED,
            "unauthorized",
        );

        let r = admin_api
            .call("POST", &format!("/users/{}/enable", bob.id), None)
            .await;
        assert_eq!(r.json()["disabled"], false);
        assert_eq!(
            bob_api.get("/rooms").await.status,
            StatusCode::OK,
            "{backend:?}"
        );

        // An administrator cannot lock themselves out through their own token.
        let r = admin_api
            .call("POST", &format!("/users/{}/disable", admin.id), None)
            .await;
        refused(&r, StatusCode::CONFLICT, "conflict");
        s.stop().await;
    }
}

#[tokio::test]
async fn creating_users_checks_each_field() {
    for backend in test_backends() {
        let s = TestServer::start(backend).await;
        let admin = s.user("admin@example.org", true).await;
        let api = Api::of(&s.base, &s.db.store, &admin, ApiScope::Write).await;
        for (body, field) in [
            (json!({}), "email"),
            (json!({"email": "not an address"}), "email"),
            (json!({"email": 7}), "email"),
            (
                json!({"email": "a@example.org", "password": "short"}),
                "password",
            ),
            (
                json!({"email": "a@example.org", "display_name": "x".repeat(101)}),
                "display_name",
            ),
            (
                json!({"email": "a@example.org", "is_admin": "yes"}),
                "is_admin",
            ),
        ] {
            let r = api.post("/users", &body).await;
            refused(&r, StatusCode::UNPROCESSABLE_ENTITY, "invalid");
            assert_eq!(r.field(), field, "{backend:?} {body}");
        }
        let r = api
            .post(
                "/users",
                &json!({"email": "Olivia@Example.org", "display_name": "Olivia",
                        "password": "correct horse battery", "is_admin": true}),
            )
            .await;
        assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
        assert_eq!(r.json()["email"], "olivia@example.org");
        assert_eq!(r.json()["is_admin"], true);
        // The password works in the back office.
        let b = s.browser();
        let signin = b
            .sign_in("olivia@example.org", "correct horse battery")
            .await;
        assert_eq!(signin.status, StatusCode::SEE_OTHER, "{backend:?}");

        let r = api
            .post("/users", &json!({"email": "OLIVIA@example.org"}))
            .await;
        refused(&r, StatusCode::CONFLICT, "conflict");
        s.stop().await;
    }
}
