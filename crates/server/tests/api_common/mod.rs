//! Shared by the API suites (api_*.rs): a JSON client with a bearer token, tokens created as
//! the back office does (a random secret, its hash in the store), and the check every resource
//! runs of each endpoint with no token, a read token and a write token.
#![allow(dead_code)] // each suite uses a part

use amphi_server::auth::token::{hash_token, new_token};
use amphi_store::{ApiScope, NewApiToken, Store, User};
use reqwest::StatusCode;
use reqwest::header::HeaderMap;
use serde_json::Value;

/// A token's secret, created for `user` with `scope` directly in the store.
pub async fn token(store: &Store, user: &User, scope: ApiScope) -> String {
    let secret = new_token();
    store
        .create_api_token(NewApiToken {
            user_id: user.id.clone(),
            name: format!("test {}", scope.as_str()),
            scope,
            token_hash: hash_token(&secret),
        })
        .await
        .expect("token stored");
    secret
}

/// The secret of a write token of `user` that was revoked: refused as if unknown.
pub async fn revoked_token(store: &Store, user: &User) -> String {
    let secret = new_token();
    let token = store
        .create_api_token(NewApiToken {
            user_id: user.id.clone(),
            name: "revoked".into(),
            scope: ApiScope::Write,
            token_hash: hash_token(&secret),
        })
        .await
        .expect("token stored");
    store
        .revoke_api_token(&user.id, &token.id)
        .await
        .expect("revoked");
    secret
}

/// An answer of the API.
#[derive(Debug)]
pub struct Answer {
    pub status: StatusCode,
    pub headers: HeaderMap,
    pub text: String,
}

impl Answer {
    pub fn json(&self) -> Value {
        serde_json::from_str(&self.text)
            .unwrap_or_else(|e| panic!("not JSON ({e}): {} {}", self.status, self.text))
    }

    /// The `error.code` of an error answer.
    pub fn code(&self) -> String {
        self.json()["error"]["code"]
            .as_str()
            .unwrap_or_else(|| panic!("no error code: {}", self.text))
            .to_owned()
    }

    /// The `error.field` of a 422.
    pub fn field(&self) -> String {
        self.json()["error"]["field"]
            .as_str()
            .unwrap_or_else(|| panic!("no error field: {}", self.text))
            .to_owned()
    }
}

/// A program calling the API: with a token, or without one (`None`).
#[derive(Clone)]
pub struct Api {
    pub client: reqwest::Client,
    pub base: String,
    pub token: Option<String>,
}

impl Api {
    pub fn new(base: &str, token: Option<&str>) -> Api {
        Api {
            client: reqwest::Client::builder()
                .redirect(reqwest::redirect::Policy::none())
                .build()
                .expect("client"),
            base: base.to_owned(),
            token: token.map(str::to_owned),
        }
    }

    /// A client for `user` with a new token of `scope`.
    pub async fn of(base: &str, store: &Store, user: &User, scope: ApiScope) -> Api {
        Api::new(base, Some(&token(store, user, scope).await))
    }

    /// A request to `/api/v1{path}` with the token (if any), for bodies `call` does not send
    /// (not JSON, other headers).
    pub fn request(&self, method: &str, path: &str) -> reqwest::RequestBuilder {
        let method = reqwest::Method::from_bytes(method.as_bytes()).expect("method");
        let request = self
            .client
            .request(method, format!("{}/api/v1{path}", self.base));
        match &self.token {
            Some(token) => request.bearer_auth(token),
            None => request,
        }
    }

    pub async fn call(&self, method: &str, path: &str, body: Option<&Value>) -> Answer {
        let mut request = self.request(method, path);
        if let Some(body) = body {
            request = request.json(body);
        }
        let response = request.send().await.expect("request sent");
        Answer {
            status: response.status(),
            headers: response.headers().clone(),
            text: response.text().await.expect("body read"),
        }
    }

    pub async fn get(&self, path: &str) -> Answer {
        self.call("GET", path, None).await
    }

    pub async fn post(&self, path: &str, body: &Value) -> Answer {
        self.call("POST", path, Some(body)).await
    }

    pub async fn patch(&self, path: &str, body: &Value) -> Answer {
        self.call("PATCH", path, Some(body)).await
    }

    pub async fn delete(&self, path: &str) -> Answer {
        self.call("DELETE", path, None).await
    }
}

/// Asserts an error answer: its status, its JSON code, and for 401 the `WWW-Authenticate`.
#[track_caller]
pub fn refused(answer: &Answer, status: StatusCode, code: &str) {
    assert_eq!(answer.status, status, "{}", answer.text);
    assert_eq!(answer.code(), code, "{}", answer.text);
    if status == StatusCode::UNAUTHORIZED {
        let www = answer
            .headers
            .get("www-authenticate")
            .and_then(|v| v.to_str().ok())
            .unwrap_or("");
        assert!(www.starts_with("Bearer"), "WWW-Authenticate: {www:?}");
    }
}

/// One endpoint for [`check_scopes`]: its method, path (under `/api/v1`), body, whether it
/// writes, and the status a write token gets.
pub struct Endpoint {
    pub method: &'static str,
    pub path: String,
    pub body: Option<Value>,
    pub writes: bool,
    pub written: StatusCode,
}

impl Endpoint {
    /// The fields in their declared order: tables of endpoints read as one line each.
    pub fn new(
        method: &'static str,
        path: String,
        body: Option<Value>,
        writes: bool,
        written: StatusCode,
    ) -> Endpoint {
        Endpoint {
            method,
            path,
            body,
            writes,
            written,
        }
    }
}

/// Calls each endpoint, in order, as each of `unauthenticated` (401), `reader` (403 if it
/// writes, else 200) and `writer` (its `written` status). `label` names the run in failures.
pub async fn check_scopes(
    label: &str,
    unauthenticated: &[&Api],
    reader: &Api,
    writer: &Api,
    endpoints: Vec<Endpoint>,
) {
    for e in endpoints {
        let (method, path, body) = (e.method, &e.path, e.body.as_ref());
        let what = format!("{label} {method} {path}");
        for api in unauthenticated {
            let a = api.call(method, path, body).await;
            refused(&a, StatusCode::UNAUTHORIZED, "unauthorized");
        }
        let r = reader.call(method, path, body).await;
        if e.writes {
            refused(&r, StatusCode::FORBIDDEN, "forbidden");
        } else {
            assert_eq!(r.status, StatusCode::OK, "{what} (read): {}", r.text);
        }
        let w = writer.call(method, path, body).await;
        assert_eq!(w.status, e.written, "{what} (write): {}", w.text);
    }
}
