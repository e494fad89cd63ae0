//! Shared by the registration tests (registration_*.rs): the programme scene with the published
//! session `launch` (moderator mod@), the organiser's settings form, a visitor registering
//! through the public form, and a WebSocket join carrying (or not) the `amphi_reg` cookie.
#![allow(dead_code)] // each test binary uses a different subset

use amphi_store::{RegistrationTarget, Session};
use futures::{SinkExt, StreamExt};
use reqwest::StatusCode;
use serde_json::{Value, json};
use tokio_tungstenite::tungstenite::{self, Message};

use crate::common::{Browser, Page, TestServer, hidden_field};
use crate::programme_common::{NOV_21_1430_PARIS, Scene, publish, scene, stored_session};

/// A scene and the published session `launch` in the room `hall`, moderated by mod@.
pub async fn launch_scene(s: &TestServer) -> (Scene, Session) {
    let scene = scene(s).await;
    let session = stored_session(s, "launch", NOV_21_1430_PARIS).await;
    publish(s, &session, "mod@example.org").await;
    (scene, session)
}

pub fn target(session: &Session) -> RegistrationTarget {
    RegistrationTarget::Session(session.id.clone())
}

/// Posts the organiser's settings form at `{base}/registration` (signed in as `who`):
/// `settings` are the rule inputs (`enabled`, `auto_approve`, `cap`, `landing_url`) and
/// `fields` the custom fields as (label, kind, required, choices).
pub async fn save_settings(
    who: &Browser,
    base: &str,
    settings: &[(&str, &str)],
    fields: &[(&str, &str, bool, &str)],
) -> Page {
    let csrf = who.csrf().await;
    let count = fields.len().to_string();
    let mut form: Vec<(String, String)> = vec![
        ("csrf".into(), csrf),
        ("count".into(), count),
        ("action".into(), "save".into()),
    ];
    form.extend(
        settings
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned())),
    );
    for (i, (label, kind, required, choices)) in fields.iter().enumerate() {
        form.push((format!("key_{i}"), format!("q{}", i + 1)));
        form.push((format!("label_{i}"), (*label).to_owned()));
        form.push((format!("kind_{i}"), (*kind).to_owned()));
        form.push((format!("choices_{i}"), (*choices).to_owned()));
        if *required {
            form.push((format!("required_{i}"), "on".to_owned()));
        }
    }
    let pairs: Vec<(&str, &str)> = form.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
    who.post(&format!("{base}/registration"), &pairs).await
}

/// Turns registration on for `base` with automatic approval or not, and no custom field.
pub async fn enable(who: &Browser, base: &str, auto: bool) {
    let mut settings = vec![("enabled", "on")];
    if auto {
        settings.push(("auto_approve", "on"));
    }
    let saved = save_settings(who, base, &settings, &[]).await;
    assert_eq!(saved.status, StatusCode::SEE_OTHER, "{}", saved.body);
    assert_eq!(
        saved.location(),
        format!("{base}/registration?notice=saved")
    );
}

/// A visitor's browser posts the public form at `{page}/register` (GET first, for the form
/// token; when the form is full, the gate's): `fields` besides the token.
pub async fn register(visitor: &Browser, page: &str, fields: &[(&str, &str)]) -> Page {
    let form = visitor.get(&format!("{page}/register")).await;
    assert_eq!(form.status, StatusCode::OK, "{}", form.body);
    // A full form shows no form: a post from an older page takes the gate's token.
    let csrf = match hidden_field(&form.body, "csrf") {
        Some(csrf) => csrf,
        None => hidden_field(&visitor.get(page).await.body, "csrf").expect("a form token"),
    };
    let mut all = vec![("csrf", csrf.as_str())];
    all.extend_from_slice(fields);
    visitor.post(&format!("{page}/register"), &all).await
}

/// The gate's e-mail + registration ID form at `{page}/registration/check`.
pub async fn check(visitor: &Browser, page: &str, email: &str, code: &str) -> Page {
    let gate = visitor.get(page).await;
    let csrf = hidden_field(&gate.body, "csrf").expect("the gate's form token");
    visitor
        .post(
            &format!("{page}/registration/check"),
            &[("csrf", &csrf), ("email", email), ("code", code)],
        )
        .await
}

/// The `amphi_reg=...` pair a response set, if any.
pub fn reg_cookie(page: &Page) -> Option<String> {
    page.set_cookies()
        .iter()
        .find(|c| c.starts_with("amphi_reg="))
        .map(|c| c.split(';').next().unwrap_or("").to_owned())
}

/// Whether a page is the gate (the e-mail + registration ID form) rather than the client.
pub fn is_gate(page: &Page) -> bool {
    page.body.contains("id=\"gate-code\"")
}

pub type Ws =
    tokio_tungstenite::WebSocketStream<tokio_tungstenite::MaybeTlsStream<tokio::net::TcpStream>>;

/// Opens `{path}/ws` (with `cookies`), sends `join` and returns the socket with the first
/// answer's type and code: `("welcome", None)`, `("error", Some(code))`, or `("close",
/// reason)` when the socket was closed first.
pub async fn ws_open(
    base: &str,
    path: &str,
    cookies: Option<&str>,
) -> (Ws, String, Option<String>) {
    let url = format!("{}{path}/ws", base.replacen("http", "ws", 1));
    let mut request =
        tungstenite::client::IntoClientRequest::into_client_request(url).expect("request");
    if let Some(c) = cookies {
        request
            .headers_mut()
            .insert("cookie", c.parse().expect("header"));
    }
    let (mut ws, _) = tokio_tungstenite::connect_async(request)
        .await
        .expect("upgrade");
    let join = json!({"type": "join", "version": 1, "name": "Visitor"}).to_string();
    // A refused socket may be closed before the join is read: that is fine.
    let _ = ws.send(Message::Text(join.into())).await;
    let (kind, code) = next_answer(&mut ws).await;
    (ws, kind, code)
}

/// The next message's type and code (pings and pongs skipped), or `("close", reason)`.
pub async fn next_answer(ws: &mut Ws) -> (String, Option<String>) {
    loop {
        let next = tokio::time::timeout(std::time::Duration::from_secs(10), ws.next())
            .await
            .expect("an answer within 10 s");
        match next {
            Some(Ok(Message::Text(t))) => {
                let v: Value = serde_json::from_str(t.as_str()).expect("JSON");
                let kind = v["type"].as_str().unwrap_or("").to_owned();
                if kind == "ping" || kind == "pong" {
                    continue;
                }
                let code = v["code"].as_str().map(str::to_owned);
                return (kind, code);
            }
            Some(Ok(Message::Close(frame))) => {
                return ("close".into(), frame.map(|f| f.reason.to_string()));
            }
            Some(Ok(_)) => continue,
            other => panic!("socket ended: {other:?}"),
        }
    }
}

/// As [`ws_open`], the socket dropped.
pub async fn ws_join(base: &str, path: &str, cookies: Option<&str>) -> (String, Option<String>) {
    let (_, kind, code) = ws_open(base, path, cookies).await;
    (kind, code)
}

/// A login cookie (`amphi_login=...`) for `user`, for a WebSocket.
pub async fn login_cookie(s: &TestServer, user: &amphi_store::User) -> String {
    let set =
        amphi_server::auth::login::create_login(&s.server().state, &user.id, &Default::default())
            .await
            .expect("a login");
    set.to_str()
        .expect("ASCII")
        .split(';')
        .next()
        .expect("name=value")
        .to_owned()
}
