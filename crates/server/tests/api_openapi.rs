//! The API's OpenAPI document (issue 10, O5): served without a token, OpenAPI 3.1 with the
//! bearer scheme and the error shapes; every route the router registers under /api/v1 is in
//! it and every operation in it is registered (checked against the route table, and live: each
//! documented operation answers, 401 without a token); what matches no route is a JSON 404 or
//! 405; bodies over the limit are 413.

mod api_common;
mod common;

use std::collections::BTreeSet;

use amphi_server::api::{BODY_LIMIT, openapi, route_table};
use amphi_store::ApiScope;
use api_common::{Api, refused};
use common::{TestServer, test_backends};
use reqwest::StatusCode;
use serde_json::Value;

const METHODS: [&str; 5] = ["get", "post", "put", "patch", "delete"];

/// (METHOD, path) of every operation in a document.
fn operations(doc: &Value) -> BTreeSet<(String, String)> {
    let mut ops = BTreeSet::new();
    for (path, item) in doc["paths"].as_object().expect("paths") {
        for method in METHODS {
            if item.get(method).is_some() {
                ops.insert((method.to_uppercase(), path.clone()));
            }
        }
    }
    ops
}

#[test]
fn every_registered_route_is_documented_and_every_documented_one_is_registered() {
    let doc = serde_json::to_value(openapi::openapi()).expect("serialisable");
    let documented = operations(&doc);
    let registered: BTreeSet<(String, String)> = route_table()
        .into_iter()
        .map(|(m, p)| (m.as_str().to_owned(), p.to_owned()))
        .collect();
    assert_eq!(route_table().len(), registered.len(), "no route twice");
    let undocumented: Vec<_> = registered.difference(&documented).collect();
    let unregistered: Vec<_> = documented.difference(&registered).collect();
    assert!(
        undocumented.is_empty(),
        "registered, not documented: {undocumented:?}"
    );
    assert!(
        unregistered.is_empty(),
        "documented, not registered: {unregistered:?}"
    );
    assert!(registered.iter().all(|(_, p)| p.starts_with("/api/v1/")));
    assert!(registered.len() >= 14, "{registered:?}");
}

#[test]
fn the_document_declares_the_bearer_scheme_and_every_error() {
    let doc = serde_json::to_value(openapi::openapi()).expect("serialisable");
    assert!(
        doc["openapi"].as_str().unwrap_or("").starts_with("3.1"),
        "{}",
        doc["openapi"]
    );
    assert_eq!(
        doc["components"]["securitySchemes"]["bearer"]["scheme"],
        "bearer"
    );
    let codes = &doc["components"]["schemas"]["ErrorCode"]["enum"];
    for code in [
        "unauthorized",
        "forbidden",
        "not_found",
        "invalid",
        "conflict",
    ] {
        assert!(
            codes
                .as_array()
                .is_some_and(|c| c.iter().any(|v| v == code)),
            "{code} in {codes}"
        );
    }
    for (path, item) in doc["paths"].as_object().expect("paths") {
        for method in METHODS {
            let Some(op) = item.get(method) else { continue };
            let responses = op["responses"].as_object().expect("responses");
            if path == "/api/v1/openapi.json" {
                assert_eq!(op["security"], serde_json::json!([{}]), "public");
                continue;
            }
            assert!(
                op["security"].to_string().contains("bearer"),
                "{method} {path} needs the bearer token"
            );
            assert!(responses.contains_key("401"), "{method} {path}: 401");
            let writes = method != "get";
            if writes {
                assert!(responses.contains_key("403"), "{method} {path}: 403");
            }
            if path.contains('{') {
                assert!(responses.contains_key("404"), "{method} {path}: 404");
            }
            if op.get("requestBody").is_some() {
                assert!(responses.contains_key("422"), "{method} {path}: 422");
            }
            // Every error response has the error shape and an example.
            for (status, response) in responses {
                if status.starts_with('4') {
                    let r = response["$ref"].as_str().unwrap_or("");
                    let name = r.rsplit('/').next().unwrap_or("");
                    let resolved = &doc["components"]["responses"][name];
                    let json = &resolved["content"]["application/json"];
                    assert_eq!(
                        json["schema"]["$ref"], "#/components/schemas/ErrorBody",
                        "{method} {path} {status}"
                    );
                    assert!(json.get("example").is_some(), "{method} {path} {status}");
                }
            }
        }
    }
}

#[tokio::test]
async fn served_document_answers_live_for_every_operation() {
    for backend in test_backends() {
        let s = TestServer::start_with(backend, |c| c.rooms.max_participants = 77).await;
        let anonymous = Api::new(&s.base, None);
        let r = anonymous.get("/openapi.json").await;
        assert_eq!(r.status, StatusCode::OK, "{backend:?}");
        let doc = r.json();
        assert_eq!(
            doc["components"]["schemas"]["NewRoomBody"]["properties"]["max_participants"]["maximum"],
            77,
            "the configured cap is in the document"
        );
        // Each documented operation is routed: without a token it is 401 (not 404/405).
        for (method, path) in operations(&doc) {
            if path == "/api/v1/openapi.json" {
                continue;
            }
            let concrete = path
                .replace("{slug}", "no-such-room")
                .replace("{id}", "no-such-id");
            let concrete = concrete.trim_start_matches("/api/v1");
            let r = anonymous.call(&method, concrete, None).await;
            refused(&r, StatusCode::UNAUTHORIZED, "unauthorized");
        }
        // What no route matches under the prefix: JSON 404 and 405.
        let ann = s.user("ann@example.org", false).await;
        let api = Api::of(&s.base, &s.db.store, &ann, ApiScope::Write).await;
        refused(
            &api.get("/nothing/here").await,
            StatusCode::NOT_FOUND,
            "not_found",
        );
        let r = api.call("PUT", "/rooms", None).await;
        refused(&r, StatusCode::METHOD_NOT_ALLOWED, "method_not_allowed");
        assert!(r.headers.get("allow").is_some(), "405 says what is allowed");

        // A body over the limit: 413, nothing created.
        let big = serde_json::json!({"name": "x".repeat(BODY_LIMIT + 1)});
        let r = api.post("/rooms", &big).await;
        refused(&r, StatusCode::PAYLOAD_TOO_LARGE, "payload_too_large");
        assert!(
            s.db.store
                .rooms_owned_by(&ann.id)
                .await
                .expect("rooms")
                .is_empty()
        );

        // No Origin check on the API: a bearer token is no ambient credential.
        let r = api
            .request("POST", "/rooms")
            .header("origin", "https://elsewhere.example")
            .json(&serde_json::json!({"name": "Cross-origin"}))
            .send()
            .await
            .expect("sent");
        assert_eq!(r.status(), StatusCode::CREATED, "{backend:?}");
        s.stop().await;
    }
}
