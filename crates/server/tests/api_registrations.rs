//! REST API, registrations (issues 6 and 10) of a session and of a room, on every test
//! backend: each endpoint with no token, a garbage token, a revoked token, a read token and a
//! write token; who sees what (a session: those who manage it, others 404; a room: owner and
//! managers, its moderator 403, others 404); the list's items and filter; validation errors
//! naming the field; approving and rejecting change the store and mail each person (the mail
//! outbox, the server having no SMTP); the CSV export neutralises formula cells.

mod api_common;
mod common;

use std::time::{Duration, Instant};

use amphi_store::{
    Answer, ApiScope, FieldKind, FormField, NewRegistration, NewRoom, NewSession, RegisterOutcome,
    Registration, RegistrationSettings, RegistrationStatus, RegistrationTarget, Room, Session,
    SessionStatus, ShareRole, Store, User,
};
use api_common::{Api, Endpoint, check_scopes, refused, revoked_token};
use common::{TestServer, test_backends};
use reqwest::StatusCode;
use serde_json::{Value, json};

/// A formula a spreadsheet would run if the export let it through.
const FORMULA: &str = "=cmd|' /C calc'!A0";

/// The room `hall` (owner ann, manager mia, moderator max) and the session `launch` held in
/// it, each with a registration form; eve has no access, root is an administrator.
struct Scene {
    s: TestServer,
    ann: User,
    mia: User,
    max: User,
    eve: User,
    root: User,
    room: Room,
    session: Session,
}

fn settings() -> RegistrationSettings {
    RegistrationSettings {
        enabled: true,
        auto_approve: false,
        cap: None,
        landing_url: None,
        fields: vec![
            FormField {
                key: "q1".into(),
                label: "Organisation".into(),
                kind: FieldKind::ShortText,
                required: false,
            },
            FormField {
                key: "q2".into(),
                label: "Days".into(),
                kind: FieldKind::MultipleChoice(vec!["Mon".into(), "Tue".into()]),
                required: false,
            },
        ],
    }
}

async fn register(
    store: &Store,
    target: &RegistrationTarget,
    name: &str,
    email: &str,
    organisation: &str,
) -> Registration {
    let new = NewRegistration {
        name: name.into(),
        email: email.into(),
        answers: vec![
            ("q1".into(), Answer::Text(organisation.into())),
            (
                "q2".into(),
                Answer::Choices(vec!["Mon".into(), "Tue".into()]),
            ),
        ],
        language: "en".into(),
    };
    match store.register(target, new).await.expect("registered") {
        RegisterOutcome::Registered(r) => r,
        other => panic!("not registered: {other:?}"),
    }
}

impl Scene {
    async fn new(backend: amphi_store::Backend) -> Scene {
        let s = TestServer::start(backend).await;
        let ann = s.user("ann@example.org", false).await;
        let mia = s.user("mia@example.org", false).await;
        let max = s.user("max@example.org", false).await;
        let eve = s.user("eve@example.org", false).await;
        let root = s.user("root@example.org", true).await;
        let store = &s.db.store;
        let room = store
            .create_room(NewRoom {
                slug: "hall".into(),
                name: "Hall".into(),
                owner_id: ann.id.clone(),
            })
            .await
            .expect("room");
        store
            .share_room(&room.id, &mia.id, ShareRole::Manager)
            .await
            .expect("share");
        store
            .share_room(&room.id, &max.id, ShareRole::Moderator)
            .await
            .expect("share");
        let session = store
            .create_session(NewSession {
                slug: "launch".into(),
                room_id: room.id.clone(),
                title: "Launch".into(),
                description: String::new(),
                starts_at: 1_900_000_000_000,
                ends_at: 1_900_000_003_600_000,
                time_zone: "Europe/Paris".into(),
                status: SessionStatus::Draft,
                created_by: ann.id.clone(),
            })
            .await
            .expect("session");
        for target in [
            RegistrationTarget::Session(session.id.clone()),
            RegistrationTarget::Room(room.id.clone()),
        ] {
            store
                .set_registration_settings(&target, &settings())
                .await
                .expect("settings");
        }
        Scene {
            s,
            ann,
            mia,
            max,
            eve,
            root,
            room,
            session,
        }
    }

    fn session_target(&self) -> RegistrationTarget {
        RegistrationTarget::Session(self.session.id.clone())
    }

    fn room_target(&self) -> RegistrationTarget {
        RegistrationTarget::Room(self.room.id.clone())
    }

    async fn api(&self, user: &User, scope: ApiScope) -> Api {
        Api::of(&self.s.base, &self.s.db.store, user, scope).await
    }

    async fn status_of(&self, r: &Registration) -> RegistrationStatus {
        let stored = self.s.db.store.registration_by_id(&r.id).await;
        stored.expect("read").expect("there").status
    }

    /// The mails in the outbox to `email` whose subject starts with `subject`.
    async fn mails(&self, email: &str, subject: &str) -> Vec<amphi_store::OutboxMail> {
        let all = self.s.db.store.outbox(1000).await.expect("outbox");
        all.into_iter()
            .filter(|m| m.recipients.iter().any(|r| r == email) && m.subject.starts_with(subject))
            .collect()
    }

    /// Waits (up to 10 s) for `count` such mails.
    async fn wait_for_mails(&self, email: &str, subject: &str, count: usize) {
        let deadline = Instant::now() + Duration::from_secs(10);
        while self.mails(email, subject).await.len() < count {
            assert!(Instant::now() < deadline, "no mail {subject:?} to {email}");
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }
}

/// A token of `user` that was revoked: refused as if unknown.
async fn revoked(s: &TestServer, user: &User) -> Api {
    Api::new(&s.base, Some(&revoked_token(&s.db.store, user).await))
}

/// Every registrations endpoint under `base` (`/sessions/launch` or `/rooms/hall`).
fn endpoints(base: &str, approve: &str, reject: &str) -> Vec<Endpoint> {
    let e = Endpoint::new;
    let ok = StatusCode::OK;
    vec![
        e("GET", format!("{base}/registrations"), None, false, ok),
        e(
            "GET",
            format!("{base}/registrations?status=pending"),
            None,
            false,
            ok,
        ),
        e("GET", format!("{base}/registrations.csv"), None, false, ok),
        e(
            "POST",
            format!("{base}/registrations/approve"),
            Some(json!({"ids": [approve]})),
            true,
            ok,
        ),
        e(
            "POST",
            format!("{base}/registrations/reject"),
            Some(json!({"ids": [reject]})),
            true,
            ok,
        ),
    ]
}

#[tokio::test]
async fn every_registration_endpoint_with_no_token_a_revoked_one_a_read_and_a_write_token() {
    for backend in test_backends() {
        let sc = Scene::new(backend).await;
        let store = &sc.s.db.store;
        let zoe = register(store, &sc.session_target(), "Zoé", "zoe@example.org", "A").await;
        let leo = register(store, &sc.session_target(), "Léo", "leo@example.org", "B").await;
        let ida = register(store, &sc.room_target(), "Ida", "ida@example.org", "C").await;
        let ned = register(store, &sc.room_target(), "Ned", "ned@example.org", "D").await;
        let anonymous = Api::new(&sc.s.base, None);
        let garbage = Api::new(&sc.s.base, Some("not-a-token"));
        let gone = revoked(&sc.s, &sc.ann).await;
        let reader = sc.api(&sc.ann, ApiScope::Read).await;
        let writer = sc.api(&sc.ann, ApiScope::Write).await;
        let label = format!("{backend:?}");
        let unauthenticated = [&anonymous, &garbage, &gone];
        let (z, l) = (zoe.id.to_string(), leo.id.to_string());
        let session = endpoints("/sessions/launch", &z, &l);
        check_scopes(&label, &unauthenticated, &reader, &writer, session).await;
        let (i, n) = (ida.id.to_string(), ned.id.to_string());
        let room = endpoints("/rooms/hall", &i, &n);
        check_scopes(&label, &unauthenticated, &reader, &writer, room).await;
        // The write token's decisions reached the store; the read token's did not.
        assert_eq!(sc.status_of(&zoe).await, RegistrationStatus::Approved);
        assert_eq!(sc.status_of(&leo).await, RegistrationStatus::Rejected);
        assert_eq!(sc.status_of(&ida).await, RegistrationStatus::Approved);
        assert_eq!(sc.status_of(&ned).await, RegistrationStatus::Rejected);
        sc.s.stop().await;
    }
}

#[tokio::test]
async fn who_sees_and_decides_follows_the_back_office() {
    for backend in test_backends() {
        let sc = Scene::new(backend).await;
        let store = &sc.s.db.store;
        let zoe = register(store, &sc.session_target(), "Zoé", "zoe@example.org", "A").await;
        let ida = register(store, &sc.room_target(), "Ida", "ida@example.org", "C").await;
        let body = |r: &Registration| json!({"ids": [r.id.to_string()]});
        // (who, session answer, room answer): a session's organisers are its room's owner
        // and managers and the administrators; others do not know it (404). A room's owner
        // and manager may, its moderator sees it but may not (403), others 404 (even an
        // administrator, as /rooms).
        let cases = [
            ("manager", &sc.mia, StatusCode::OK, StatusCode::OK),
            ("admin", &sc.root, StatusCode::OK, StatusCode::NOT_FOUND),
            (
                "room moderator",
                &sc.max,
                StatusCode::NOT_FOUND,
                StatusCode::FORBIDDEN,
            ),
            (
                "no access",
                &sc.eve,
                StatusCode::NOT_FOUND,
                StatusCode::NOT_FOUND,
            ),
        ];
        for (who, user, on_session, on_room) in cases {
            let api = sc.api(user, ApiScope::Write).await;
            for (base, expected, id) in [
                ("/sessions/launch", on_session, &zoe),
                ("/rooms/hall", on_room, &ida),
            ] {
                let calls = [
                    api.get(&format!("{base}/registrations")).await,
                    api.get(&format!("{base}/registrations.csv")).await,
                    api.post(&format!("{base}/registrations/reject"), &body(id))
                        .await,
                ];
                for a in calls {
                    assert_eq!(a.status, expected, "{backend:?} {who} {base}: {}", a.text);
                    if expected != StatusCode::OK {
                        let code = if expected == StatusCode::NOT_FOUND {
                            "not_found"
                        } else {
                            "forbidden"
                        };
                        refused(&a, expected, code);
                    }
                }
            }
        }
        // Those refused changed nothing; the manager's and admin's rejections did.
        assert_eq!(sc.status_of(&zoe).await, RegistrationStatus::Rejected);
        assert_eq!(sc.status_of(&ida).await, RegistrationStatus::Rejected);
        // Unknown session or room: 404.
        let ann = sc.api(&sc.ann, ApiScope::Write).await;
        for path in [
            "/sessions/nope/registrations",
            "/rooms/nope/registrations",
            "/rooms/nope/registrations.csv",
        ] {
            refused(&ann.get(path).await, StatusCode::NOT_FOUND, "not_found");
        }
        let a = ann
            .post("/sessions/nope/registrations/approve", &body(&zoe))
            .await;
        refused(&a, StatusCode::NOT_FOUND, "not_found");
        sc.s.stop().await;
    }
}

/// The item of `email` in a list answer.
fn item<'a>(list: &'a Value, email: &str) -> &'a Value {
    list["registrations"]
        .as_array()
        .expect("a list")
        .iter()
        .find(|r| r["email"] == email)
        .unwrap_or_else(|| panic!("{email} in {list}"))
}

#[tokio::test]
async fn the_list_validation_decisions_and_their_mails() {
    for backend in test_backends() {
        let sc = Scene::new(backend).await;
        let store = &sc.s.db.store;
        let st = sc.session_target();
        let zoe = register(store, &st, "Zoé", "zoe@example.org", FORMULA).await;
        let leo = register(store, &st, "Léo", "leo@example.org", "B").await;
        let ida = register(store, &sc.room_target(), "Ida", "ida@example.org", "C").await;
        let ann = sc.api(&sc.ann, ApiScope::Write).await;

        let list = ann.get("/sessions/launch/registrations").await;
        assert_eq!(list.status, StatusCode::OK, "{}", list.text);
        let list = list.json();
        assert_eq!(list["registrations"].as_array().map(Vec::len), Some(2));
        let z = item(&list, "zoe@example.org");
        assert_eq!(z["id"], zoe.id.to_string());
        assert_eq!(z["name"], "Zoé");
        assert_eq!(z["status"], "pending");
        assert_eq!(z["code"], zoe.code);
        assert_eq!(z["registered_at"], zoe.created_at);
        assert_eq!(
            z["answers"],
            json!({"Organisation": FORMULA, "Days": "Mon; Tue"})
        );
        // The personal link's secret is never shown.
        let text = list.to_string();
        assert!(!text.contains(&zoe.join_token) && !text.contains("join_token"));

        // The filter, and its refusals.
        let approved = ann
            .get("/sessions/launch/registrations?status=approved")
            .await;
        assert_eq!(approved.json(), json!({"registrations": []}));
        for bad in ["status=bogus", "status=", "status=pending&status=approved"] {
            let a = ann
                .get(&format!("/sessions/launch/registrations?{bad}"))
                .await;
            refused(&a, StatusCode::UNPROCESSABLE_ENTITY, "invalid");
            assert_eq!(a.field(), "status", "{bad}");
        }

        // Decisions are POSTs only (the larger body limit of these routes keeps the JSON 405).
        for method in ["GET", "PUT", "DELETE"] {
            let a = ann
                .call(method, "/sessions/launch/registrations/approve", None)
                .await;
            refused(&a, StatusCode::METHOD_NOT_ALLOWED, "method_not_allowed");
        }

        // Refused bodies name `ids` and change nothing.
        let too_many: Vec<String> = (0..10_001).map(|i| format!("{i:032x}")).collect();
        for bad in [
            json!({"ids": []}),
            json!({}),
            json!({"ids": "x"}),
            json!({"ids": [1]}),
            json!({"ids": too_many}),
        ] {
            let a = ann
                .post("/sessions/launch/registrations/approve", &bad)
                .await;
            refused(&a, StatusCode::UNPROCESSABLE_ENTITY, "invalid");
            assert!(a.field().starts_with("ids"), "{}", a.text);
        }
        assert_eq!(sc.status_of(&zoe).await, RegistrationStatus::Pending);

        // Approve: repeated, malformed and another place's ids are left out; zoe is mailed
        // her registration ID and personal link, once.
        let ids =
            json!({"ids": [zoe.id.to_string(), zoe.id.to_string(), "x\u{0}y", ida.id.to_string()]});
        let a = ann
            .post("/sessions/launch/registrations/approve", &ids)
            .await;
        assert_eq!(a.status, StatusCode::OK, "{}", a.text);
        let changed = a.json();
        assert_eq!(changed["registrations"].as_array().map(Vec::len), Some(1));
        assert_eq!(item(&changed, "zoe@example.org")["status"], "approved");
        assert_eq!(sc.status_of(&zoe).await, RegistrationStatus::Approved);
        assert_eq!(sc.status_of(&ida).await, RegistrationStatus::Pending);
        let subject = "Your registration is approved: Launch";
        sc.wait_for_mails("zoe@example.org", subject, 1).await;
        let mail = &sc.mails("zoe@example.org", subject).await[0];
        assert!(
            mail.text.contains(&format!("/join/{}", zoe.join_token)),
            "{}",
            mail.text
        );
        let again = ann
            .post("/sessions/launch/registrations/approve", &ids)
            .await;
        assert_eq!(again.json(), json!({"registrations": []}), "no change");
        tokio::time::sleep(Duration::from_millis(300)).await;
        assert_eq!(sc.mails("zoe@example.org", subject).await.len(), 1);
        assert!(sc.mails("ida@example.org", "").await.is_empty());

        // Reject leo (session), approve ida (room): each mailed.
        let a = ann
            .post(
                "/sessions/launch/registrations/reject",
                &json!({"ids": [leo.id.to_string()]}),
            )
            .await;
        assert_eq!(item(&a.json(), "leo@example.org")["status"], "rejected");
        sc.wait_for_mails("leo@example.org", "Your registration was declined", 1)
            .await;
        let a = ann
            .post(
                "/rooms/hall/registrations/approve",
                &json!({"ids": [ida.id.to_string()]}),
            )
            .await;
        assert_eq!(item(&a.json(), "ida@example.org")["status"], "approved");
        sc.wait_for_mails("ida@example.org", "Your registration is approved: Hall", 1)
            .await;
        sc.s.stop().await;
    }
}

#[tokio::test]
async fn the_csv_is_the_back_offices_with_formulas_neutralised() {
    for backend in test_backends() {
        let sc = Scene::new(backend).await;
        let store = &sc.s.db.store;
        register(
            store,
            &sc.session_target(),
            "Zoé",
            "zoe@example.org",
            FORMULA,
        )
        .await;
        let reader = sc.api(&sc.ann, ApiScope::Read).await;
        let a = reader.get("/sessions/launch/registrations.csv").await;
        assert_eq!(a.status, StatusCode::OK, "{}", a.text);
        let content_type = a.headers.get("content-type").and_then(|v| v.to_str().ok());
        assert_eq!(content_type, Some("text/csv; charset=utf-8"));
        let lines: Vec<&str> = a.text.trim_start_matches('\u{feff}').lines().collect();
        assert_eq!(
            lines[0],
            "Name,E-mail address,Status,Registration ID,Registered,Organisation,Days"
        );
        assert!(
            lines[1].starts_with("Zoé,zoe@example.org,Pending,"),
            "{}",
            lines[1]
        );
        assert!(lines[1].contains(",'=cmd|' /C calc'!A0,"), "{}", lines[1]);
        assert!(!a.text.contains(",=cmd"), "a live formula: {}", a.text);

        // A place without registration settings: an empty list, a file with its titles only.
        let bare = store
            .create_room(NewRoom {
                slug: "bare".into(),
                name: "Bare".into(),
                owner_id: sc.ann.id.clone(),
            })
            .await
            .expect("room");
        assert_eq!(bare.slug, "bare");
        let list = reader.get("/rooms/bare/registrations").await;
        assert_eq!(list.status, StatusCode::OK, "{}", list.text);
        assert_eq!(list.json(), json!({"registrations": []}));
        let csv = reader.get("/rooms/bare/registrations.csv").await;
        assert_eq!(csv.status, StatusCode::OK);
        assert_eq!(csv.text.trim_start_matches('\u{feff}').lines().count(), 1);
        sc.s.stop().await;
    }
}
