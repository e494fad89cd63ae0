//! Who may do what to a room in the back office (issue 4: R2, R6, R7, C10): every room
//! endpoint, tried by the owner, a manager, a moderator, another signed-in user (an
//! administrator: no special power over other people's rooms) and an anonymous visitor.
//! Refused requests change nothing (room row, shares, outbox, room count compared before and
//! after); allowed ones succeed. On every test backend.

mod common;

use amphi_store::{ShareRole, User};
use common::{Browser, TestServer, test_backends};
use reqwest::StatusCode;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Who {
    Owner,
    Manager,
    Moderator,
    Other,
    Anonymous,
}

const EVERYONE: [Who; 5] = [
    Who::Owner,
    Who::Manager,
    Who::Moderator,
    Who::Other,
    Who::Anonymous,
];

struct Case {
    post: bool,
    path: String,
    form: Vec<(&'static str, String)>,
    allowed: &'static [Who],
    /// Status of an allowed request.
    ok: StatusCode,
}

/// Everything a refused request could have changed.
#[derive(Debug, PartialEq)]
struct Snapshot {
    room: Option<amphi_store::Room>,
    shares: Vec<(String, ShareRole)>,
    outbox: i64,
    rooms: u64,
}

async fn snapshot(s: &TestServer) -> Snapshot {
    let db = &s.db.store;
    let room = db.room_by_slug("weekly").await.expect("room");
    let shares = match &room {
        Some(r) => db
            .room_shares(&r.id)
            .await
            .expect("shares")
            .into_iter()
            .map(|sh| (sh.user.email, sh.role))
            .collect(),
        None => Vec::new(),
    };
    Snapshot {
        room,
        shares,
        outbox: db.count_outbox().await.expect("outbox"),
        rooms: db.count_rooms().await.expect("rooms"),
    }
}

struct People {
    owner: (User, Browser),
    manager: (User, Browser),
    moderator: (User, Browser),
    other: (User, Browser),
    /// Shared as moderator: the target of the share-change and share-remove cases.
    sam: User,
    anonymous: Browser,
}

impl People {
    fn browser(&self, who: Who) -> &Browser {
        match who {
            Who::Owner => &self.owner.1,
            Who::Manager => &self.manager.1,
            Who::Moderator => &self.moderator.1,
            Who::Other => &self.other.1,
            Who::Anonymous => &self.anonymous,
        }
    }
}

/// Puts the shares back as the cases expect them (an allowed case may have changed them).
async fn reset_shares(s: &TestServer, p: &People) {
    let room =
        s.db.store
            .room_by_slug("weekly")
            .await
            .expect("room")
            .expect("exists");
    for (user, role) in [
        (&p.manager.0, ShareRole::Manager),
        (&p.moderator.0, ShareRole::Moderator),
        (&p.sam, ShareRole::Moderator),
    ] {
        s.db.store
            .share_room(&room.id, &user.id, role)
            .await
            .expect("share");
    }
}

#[tokio::test]
async fn every_room_endpoint_for_every_access() {
    use Who::{Manager, Moderator, Owner};
    for backend in test_backends() {
        let s = TestServer::start(backend).await;
        let owner = s.signed_in("ann@example.org", false).await;
        let manager = s.signed_in("mia@example.org", false).await;
        let moderator = s.signed_in("max@example.org", false).await;
        let other = s.signed_in("root@example.org", true).await;
        let sam = s.user("sam@example.org", false).await;
        s.user("newcomer@example.org", false).await;
        let p = People {
            owner,
            manager,
            moderator,
            other,
            sam,
            anonymous: s.browser(),
        };
        p.owner.1.create_room("Weekly").await;
        reset_shares(&s, &p).await;
        let sam_id = p.sam.id.as_str().to_owned();

        let cases = vec![
            Case {
                post: false,
                path: "/rooms/weekly/settings".into(),
                form: vec![],
                allowed: &[Owner, Manager],
                ok: StatusCode::OK,
            },
            Case {
                post: true,
                path: "/rooms/weekly/settings".into(),
                form: vec![
                    ("name", "Renamed".into()),
                    ("waiting_room", "on".into()),
                    ("max_participants", "7".into()),
                ],
                allowed: &[Owner, Manager],
                ok: StatusCode::SEE_OTHER,
            },
            Case {
                post: false,
                path: "/rooms/weekly/rename".into(),
                form: vec![],
                allowed: &[Owner, Manager],
                ok: StatusCode::OK,
            },
            Case {
                post: true,
                path: "/rooms/weekly/rename".into(),
                form: vec![("name", "Renamed again".into())],
                allowed: &[Owner, Manager],
                ok: StatusCode::SEE_OTHER,
            },
            Case {
                post: true,
                path: "/rooms/weekly/open".into(),
                form: vec![],
                allowed: &[Owner, Manager, Moderator],
                ok: StatusCode::SEE_OTHER,
            },
            Case {
                post: true,
                path: "/rooms/weekly/close".into(),
                form: vec![],
                allowed: &[Owner, Manager, Moderator],
                ok: StatusCode::SEE_OTHER,
            },
            Case {
                post: false,
                path: "/rooms/weekly/share".into(),
                form: vec![],
                allowed: &[Owner, Manager],
                ok: StatusCode::OK,
            },
            Case {
                post: true,
                path: "/rooms/weekly/share".into(),
                form: vec![
                    ("email", "newcomer@example.org".into()),
                    ("role", "manager".into()),
                ],
                allowed: &[Owner, Manager],
                ok: StatusCode::SEE_OTHER,
            },
            Case {
                post: true,
                path: format!("/rooms/weekly/share/{sam_id}"),
                form: vec![("role", "manager".into())],
                allowed: &[Owner, Manager],
                ok: StatusCode::SEE_OTHER,
            },
            Case {
                post: true,
                path: format!("/rooms/weekly/share/{sam_id}/remove"),
                form: vec![],
                allowed: &[Owner, Manager],
                ok: StatusCode::SEE_OTHER,
            },
            Case {
                post: false,
                path: "/rooms/weekly/invite".into(),
                form: vec![],
                allowed: &[Owner, Manager],
                ok: StatusCode::OK,
            },
            Case {
                post: true,
                path: "/rooms/weekly/invite".into(),
                form: vec![
                    ("addresses", "guest@example.org".into()),
                    ("subject", "Come".into()),
                    ("body", "Please come.".into()),
                ],
                allowed: &[Owner, Manager],
                ok: StatusCode::SEE_OTHER,
            },
            Case {
                post: false,
                path: "/rooms/weekly/delete".into(),
                form: vec![],
                allowed: &[Owner],
                ok: StatusCode::OK,
            },
            // Last: it removes the room.
            Case {
                post: true,
                path: "/rooms/weekly/delete".into(),
                form: vec![],
                allowed: &[Owner],
                ok: StatusCode::SEE_OTHER,
            },
        ];

        let mut allowed_seen = 0;
        for case in &cases {
            let method = if case.post { "POST" } else { "GET" };
            // Refused first, each checked to change nothing.
            for who in EVERYONE.iter().filter(|w| !case.allowed.contains(w)) {
                let before = snapshot(&s).await;
                let b = p.browser(*who);
                let r = if case.post {
                    // Anonymous has no token of its own: it sends the owner's (a forged form).
                    let csrf = if *who == Who::Anonymous {
                        p.owner.1.csrf().await
                    } else {
                        b.csrf().await
                    };
                    let mut form: Vec<(&str, &str)> =
                        case.form.iter().map(|(k, v)| (*k, v.as_str())).collect();
                    form.push(("csrf", &csrf));
                    b.post(&case.path, &form).await
                } else {
                    b.get(&case.path).await
                };
                if *who == Who::Anonymous {
                    assert_eq!(
                        r.status,
                        StatusCode::SEE_OTHER,
                        "{backend:?} {method} {} anonymous",
                        case.path
                    );
                    assert!(r.location().starts_with("/signin"), "{}", r.location());
                } else {
                    assert_eq!(
                        r.status,
                        StatusCode::FORBIDDEN,
                        "{backend:?} {method} {} by {who:?}: {}",
                        case.path,
                        r.body
                    );
                }
                assert_eq!(
                    snapshot(&s).await,
                    before,
                    "{backend:?} {method} {} refused to {who:?} changed something",
                    case.path
                );
            }
            // Then each allowed access succeeds.
            for who in case.allowed {
                reset_shares(&s, &p).await;
                let b = p.browser(*who);
                let r = if case.post {
                    let csrf = b.csrf().await;
                    let mut form: Vec<(&str, &str)> =
                        case.form.iter().map(|(k, v)| (*k, v.as_str())).collect();
                    form.push(("csrf", &csrf));
                    b.post(&case.path, &form).await
                } else {
                    b.get(&case.path).await
                };
                assert_eq!(
                    r.status, case.ok,
                    "{backend:?} {method} {} by {who:?}: {}",
                    case.path, r.body
                );
                allowed_seen += 1;
                if case.path.ends_with("/delete") && case.post {
                    break; // the room is gone
                }
            }
        }
        assert_eq!(allowed_seen, 28, "every allowed pair ran");
        assert!(
            s.db.store
                .room_by_slug("weekly")
                .await
                .expect("lookup")
                .is_none(),
            "the owner deleted the room"
        );
        s.stop().await;
    }
}

#[tokio::test]
async fn the_list_offers_only_what_the_access_allows() {
    for backend in test_backends() {
        let s = TestServer::start(backend).await;
        let (_, ann) = s.signed_in("ann@example.org", false).await;
        let (mia, mia_b) = s.signed_in("mia@example.org", false).await;
        let (max, max_b) = s.signed_in("max@example.org", false).await;
        let (_, olga_b) = s.signed_in("olga@example.org", false).await;
        ann.create_room("Weekly").await;
        ann.create_room("Private").await;
        let room =
            s.db.store
                .room_by_slug("weekly")
                .await
                .expect("room")
                .expect("exists");
        s.db.store
            .share_room(&room.id, &mia.id, ShareRole::Manager)
            .await
            .expect("share");
        s.db.store
            .share_room(&room.id, &max.id, ShareRole::Moderator)
            .await
            .expect("share");

        let owner_list = ann.get("/rooms").await.body;
        for action in [
            "aria-label=\"Open room Weekly\"",
            "aria-label=\"Join room Weekly\"",
            "aria-label=\"Copy the link of room Weekly\"",
            "aria-label=\"Send an invitation to room Weekly\"",
            "aria-label=\"Share room Weekly\"",
            "aria-label=\"Settings of room Weekly\"",
            "aria-label=\"Delete room Weekly\"",
            // The sharing icon, with an accessible name, on the shared room only.
            "role=\"img\" aria-label=\"Shared with other users\"",
        ] {
            assert!(owner_list.contains(action), "{backend:?} owner: {action}");
        }
        assert_eq!(
            owner_list
                .matches("aria-label=\"Shared with other users\"")
                .count(),
            1,
            "only Weekly is shared"
        );
        assert!(
            !owner_list.contains("Shared with you"),
            "own rooms show no share"
        );

        let manager_list = mia_b.get("/rooms").await.body;
        assert!(manager_list.contains("Shared with you as manager"));
        assert!(!manager_list.contains("Private"), "not shared with mia");
        for action in [
            "Open room",
            "Send an invitation",
            "Share room",
            "Settings of room",
        ] {
            assert!(
                manager_list.contains(&format!("aria-label=\"{action}")),
                "manager: {action}"
            );
        }
        assert!(
            !manager_list.contains("Delete room"),
            "only the owner deletes"
        );

        let moderator_list = max_b.get("/rooms").await.body;
        assert!(moderator_list.contains("Shared with you as moderator"));
        assert!(moderator_list.contains("aria-label=\"Open room Weekly\""));
        for refused in [
            "Send an invitation",
            "Share room",
            "Settings of room",
            "Delete room",
        ] {
            assert!(
                !moderator_list.contains(refused),
                "moderator must not see {refused}"
            );
        }

        let other_list = olga_b.get("/rooms").await.body;
        assert!(!other_list.contains("weekly"), "{backend:?}");

        // French: the same list in the other language.
        let fr = ann
            .get_with("/rooms", &[("accept-language", "fr")])
            .await
            .body;
        assert!(fr.contains("aria-label=\"Ouvrir la salle Weekly\""));
        assert!(fr.contains("aria-label=\"Partagée avec d’autres utilisateurs\""));
        assert!(fr.contains("Fermée"));
        s.stop().await;
    }
}
