//! The stream settings pages (S1): who may see and change them (owner and managers; not
//! moderators, participants or strangers), the URL and key checks with messages in English and
//! French that store nothing, the key kept secret (masked, never echoed, not in the room list's
//! JSON nor in the logs), an empty key keeping the stored one, and turning streaming off.

mod common;
mod streaming_common;

use amphi_store::{Backend, ShareRole, StreamTarget};
use common::{TestServer, test_backends};
use reqwest::StatusCode;
use streaming_common::LogCapture;

const KEY: &str = "pt-live-Qm4c-9XvZ";

#[tokio::test]
async fn settings_keep_the_key_secret_and_check_what_is_typed() {
    for backend in test_backends() {
        settings_on(backend).await;
    }
}

async fn settings_on(backend: Backend) {
    let logs = LogCapture::install();
    let t = TestServer::start(backend).await;
    let (owner, browser) = t.signed_in("owner@example.org", false).await;
    assert_eq!(
        browser.create_room("Studio").await.status,
        StatusCode::SEE_OTHER
    );
    let room = t.db.store.rooms_visible_to(&owner.id).await.expect("rooms")[0]
        .room
        .clone();
    let path = format!("/rooms/{}/stream", room.slug);
    let target = StreamTarget::Room(room.id.clone());

    // The room's settings link to it.
    let settings = browser.get(&format!("/rooms/{}/settings", room.slug)).await;
    assert!(settings.body.contains(&format!("href=\"{path}\"")));
    let page = browser.get(&path).await;
    assert_eq!(page.status, StatusCode::OK);
    let csrf = page.csrf();

    // Bad input: clear messages, in the person's language, nothing stored.
    let bad = browser
        .post(
            &path,
            &[
                ("rtmp_url", "https://peertube.example.org/live"),
                ("stream_key", ""),
                ("csrf", &csrf),
            ],
        )
        .await;
    assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(bad.body.contains("must start with rtmp:// or rtmps://"));
    assert!(bad.body.contains("Enter the stream key."));
    let french = browser
        .post_with(
            &path,
            &[
                ("rtmp_url", "rtmp:///live"),
                ("stream_key", "a key with spaces"),
                ("csrf", &csrf),
            ],
            &[("accept-language", "fr")],
        )
        .await;
    assert_eq!(french.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        french.body.contains("Cette URL n’est pas valide"),
        "{}",
        french.body
    );
    assert!(french.body.contains("Cette clé n’est pas valide"));
    assert!(
        !french.body.contains("a key with spaces"),
        "a typed key is never echoed"
    );
    assert_eq!(
        t.db.store.stream_settings(&target).await.expect("read"),
        None
    );

    // Saved: the page shows the key masked, never in full.
    let saved = browser
        .post(
            &path,
            &[
                ("rtmp_url", " rtmp://127.0.0.1:1935/live/ "),
                ("stream_key", KEY),
                ("csrf", &csrf),
            ],
        )
        .await;
    assert_eq!(saved.status, StatusCode::SEE_OTHER);
    assert_eq!(saved.location(), format!("{path}?notice=saved"));
    let stored =
        t.db.store
            .stream_settings(&target)
            .await
            .expect("read")
            .expect("stored");
    assert_eq!(stored.rtmp_url, "rtmp://127.0.0.1:1935/live");
    assert_eq!(stored.key.expose(), KEY);
    assert!(!format!("{stored:?}").contains(KEY), "Debug hides the key");
    let shown = browser.get(&format!("{path}?notice=saved")).await;
    assert!(shown.body.contains("••••9XvZ"), "{}", shown.body);
    assert!(shown.body.contains("Stream settings saved."));
    assert!(!shown.body.contains(KEY));

    // An empty key keeps the stored one.
    let again = browser
        .post(
            &path,
            &[
                ("rtmp_url", "rtmps://live.example.org:443/app"),
                ("stream_key", ""),
                ("csrf", &csrf),
            ],
        )
        .await;
    assert_eq!(again.status, StatusCode::SEE_OTHER);
    let stored =
        t.db.store
            .stream_settings(&target)
            .await
            .expect("read")
            .expect("stored");
    assert_eq!(stored.rtmp_url, "rtmps://live.example.org:443/app");
    assert_eq!(stored.key.expose(), KEY);

    // The room list's states: the room streams, stopped (its room is not running).
    let json = browser.get("/rooms/streams.json").await;
    assert_eq!(json.status, StatusCode::OK);
    assert!(
        json.body.contains(&format!("\"slug\":\"{}\"", room.slug)),
        "{}",
        json.body
    );
    assert!(json.body.contains("\"state\":\"stopped\""));
    assert!(!json.body.contains(KEY));
    let list = browser.get("/rooms").await;
    assert!(
        list.body
            .contains(&format!("data-stream-room=\"{}\"", room.slug))
    );
    assert!(!list.body.contains(KEY));

    // Who may: managers yes; moderators, participants and strangers no.
    let (manager, manager_browser) = t.signed_in("manager@example.org", false).await;
    let (moderator, moderator_browser) = t.signed_in("moderator@example.org", false).await;
    let (_, stranger_browser) = t.signed_in("stranger@example.org", false).await;
    t.db.store
        .share_room(&room.id, &manager.id, ShareRole::Manager)
        .await
        .expect("share");
    t.db.store
        .share_room(&room.id, &moderator.id, ShareRole::Moderator)
        .await
        .expect("share");
    let as_manager = manager_browser.get(&path).await;
    assert_eq!(as_manager.status, StatusCode::OK);
    assert!(!as_manager.body.contains(KEY));
    for other in [&moderator_browser, &stranger_browser] {
        assert_eq!(other.get(&path).await.status, StatusCode::FORBIDDEN);
        let csrf = other.csrf().await;
        let post = other
            .post(
                &path,
                &[
                    ("rtmp_url", "rtmp://evil.example.org/x"),
                    ("stream_key", "x"),
                    ("csrf", &csrf),
                ],
            )
            .await;
        assert_eq!(post.status, StatusCode::FORBIDDEN);
        let remove = other
            .post(&format!("{path}/remove"), &[("csrf", &csrf)])
            .await;
        assert_eq!(remove.status, StatusCode::FORBIDDEN);
    }
    // The room list's states: moderators see the state of the rooms shared with them (never
    // the key), strangers see nothing of it.
    let json = moderator_browser.get("/rooms/streams.json").await;
    assert!(
        json.body.contains(&room.slug) && !json.body.contains(KEY),
        "{}",
        json.body
    );
    let json = stranger_browser.get("/rooms/streams.json").await;
    assert!(!json.body.contains(&room.slug), "{}", json.body);
    let anonymous = t.browser().get(&path).await;
    assert_eq!(anonymous.status, StatusCode::SEE_OTHER, "sign-in first");
    let stored =
        t.db.store
            .stream_settings(&target)
            .await
            .expect("read")
            .expect("kept");
    assert_eq!(stored.rtmp_url, "rtmps://live.example.org:443/app");

    // Turning it off forgets URL and key.
    let removed = browser
        .post(&format!("{path}/remove"), &[("csrf", &csrf)])
        .await;
    assert_eq!(removed.status, StatusCode::SEE_OTHER);
    assert_eq!(
        t.db.store.stream_settings(&target).await.expect("read"),
        None
    );
    assert!(!logs.text().contains(KEY), "the key is in the logs");
    t.stop().await;
}
