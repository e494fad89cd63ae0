//! Who may upload, see, list and delete session content (issue 5, C2/C8), on each backend;
//! byte ranges and the headers of served files; deleting; and what the start-up sweep does
//! with what a stopped server left behind.

mod common;
mod content_common;

use std::time::Duration;

use amphi_server::Config;
use amphi_server::serve::Server;
use amphi_store::{ContentKind, ContentStatus, NewContent};
use common::test_backends;
use content_common::*;
use reqwest::StatusCode;

#[tokio::test]
async fn only_the_sessions_staff_upload() {
    for backend in test_backends() {
        let scene = Scene::new(backend).await;
        let file = png(16, 16);

        let r = upload_as(
            &scene.anonymous,
            SLUG,
            Some("x"),
            "a.png",
            "image/png",
            &file,
            "en",
        )
        .await;
        assert_eq!(r.status, StatusCode::UNAUTHORIZED, "{backend:?}: anonymous");
        assert_eq!(r.error(), "Sign in to manage this session's content.");
        let a = &scene.attendee;
        let r = upload_as(
            &a.browser,
            SLUG,
            Some(&a.csrf),
            "a.png",
            "image/png",
            &file,
            "en",
        )
        .await;
        assert_eq!(r.status, StatusCode::FORBIDDEN, "a signed-in attendee");
        assert_eq!(
            r.error(),
            "Only the session's speakers and moderators can do this."
        );
        let o = &scene.other_staff;
        let r = upload_as(
            &o.browser,
            SLUG,
            Some(&o.csrf),
            "a.png",
            "image/png",
            &file,
            "en",
        )
        .await;
        assert_eq!(
            r.status,
            StatusCode::FORBIDDEN,
            "another session's moderator"
        );
        // The moderator without, or with someone else's, CSRF token.
        let m = &scene.moderator;
        let r = upload_as(&m.browser, SLUG, None, "a.png", "image/png", &file, "en").await;
        assert_eq!(r.status, StatusCode::FORBIDDEN, "no token");
        assert_eq!(
            r.error(),
            "This page is out of date: reload it and try again."
        );
        let r = upload_as(
            &m.browser,
            SLUG,
            Some(&a.csrf),
            "a.png",
            "image/png",
            &file,
            "en",
        )
        .await;
        assert_eq!(r.status, StatusCode::FORBIDDEN, "another login's token");
        // Another site's page cannot post at all (the Origin check).
        let (ct, body) = multipart("a.png", "image/png", &file);
        let r = m
            .browser
            .client
            .post(format!("{}/s/{SLUG}/content", m.browser.base))
            .header("content-type", ct)
            .header("x-csrf-token", &m.csrf)
            .header("origin", "https://evil.example")
            .body(body)
            .send()
            .await
            .expect("sent");
        assert_eq!(r.status(), StatusCode::FORBIDDEN, "cross-origin");
        scene.assert_nothing_kept("refused uploads").await;

        for (who, p) in [
            ("speaker", &scene.speaker),
            ("moderator", &scene.moderator),
            ("room owner", &scene.owner),
        ] {
            let r = upload(p, &format!("{who}.png"), "image/png", &file).await;
            assert_eq!(r.status, StatusCode::OK, "{backend:?}: {who}: {}", r.json);
        }
        let r = upload_as(
            &m.browser,
            "no-such-session",
            Some(&m.csrf),
            "a.png",
            "image/png",
            &file,
            "en",
        )
        .await;
        assert_eq!(r.status, StatusCode::NOT_FOUND);
        assert_eq!(scene.contents().await.len(), 3);
        scene.stop().await;
    }
}

#[tokio::test]
async fn whoever_may_view_the_session_sees_its_content() {
    for backend in test_backends() {
        let scene = Scene::new(backend).await;
        let r = upload(&scene.speaker, "p.png", "image/png", &png(16, 16)).await;
        let path = format!("/s/{SLUG}/content/{}", r.content_id());

        // A draft: its staff only.
        for (who, browser, expected) in [
            ("anonymous", &scene.anonymous, StatusCode::FORBIDDEN),
            ("attendee", &scene.attendee.browser, StatusCode::FORBIDDEN),
            (
                "other staff",
                &scene.other_staff.browser,
                StatusCode::FORBIDDEN,
            ),
            ("speaker", &scene.speaker.browser, StatusCode::OK),
            ("moderator", &scene.moderator.browser, StatusCode::OK),
        ] {
            let (status, _, _) = fetch(browser, &path, &[]).await;
            assert_eq!(status, expected, "{backend:?}: draft, {who}");
        }
        // Published: everyone.
        scene.publish().await;
        for (who, browser) in [
            ("anonymous", &scene.anonymous),
            ("attendee", &scene.attendee.browser),
        ] {
            let (status, headers, _) = fetch(browser, &path, &[]).await;
            assert_eq!(status, StatusCode::OK, "published, {who}");
            assert_eq!(header(&headers, "x-content-type-options"), "nosniff");
            assert_eq!(header(&headers, "cache-control"), "private, max-age=3600");
        }
        // Not through another session's address, nor with a made-up id.
        let (status, _, _) = fetch(
            &scene.other_staff.browser,
            &path.replace(SLUG, "other"),
            &[],
        )
        .await;
        assert_eq!(status, StatusCode::NOT_FOUND, "another session's address");
        for bad in ["0123456789abcdef0123456789abcdef", "..%2F..%2Fetc", "x"] {
            let (status, _, _) =
                fetch(&scene.anonymous, &format!("/s/{SLUG}/content/{bad}"), &[]).await;
            assert_eq!(status, StatusCode::NOT_FOUND, "{bad}");
        }

        // The list and limits: staff only.
        let l = list(&scene.speaker.browser, SLUG).await;
        assert_eq!(l.status, StatusCode::OK);
        assert_eq!(l.json["contents"].as_array().map(Vec::len), Some(1));
        assert_eq!(l.json["limits"]["pdf_pages"], 300);
        assert_eq!(l.json["limits"]["video_mb"], 1024);
        assert_eq!(header(&l.headers, "cache-control"), "no-store");
        let l = list(&scene.attendee.browser, SLUG).await;
        assert_eq!(l.status, StatusCode::FORBIDDEN);
        let l = list(&scene.anonymous, SLUG).await;
        assert_eq!(l.status, StatusCode::UNAUTHORIZED);
        scene.stop().await;
    }
}

#[tokio::test]
async fn videos_are_served_in_ranges() {
    for backend in test_backends() {
        let scene = Scene::new(backend).await;
        scene.publish().await;
        let video = mp4_faststart();
        let r = upload(&scene.moderator, "clip.mp4", "video/mp4", &video).await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.json);
        let path = format!("/s/{SLUG}/content/{}", r.content_id());
        let viewer = &scene.anonymous;

        let (status, headers, bytes) = fetch(viewer, &path, &[("range", "bytes=0-99")]).await;
        assert_eq!(status, StatusCode::PARTIAL_CONTENT, "{backend:?}");
        assert_eq!(
            header(&headers, "content-range"),
            format!("bytes 0-99/{}", video.len())
        );
        assert_eq!(header(&headers, "content-type"), "video/mp4");
        assert_eq!(bytes, video[..100]);
        let from = video.len() - 50;
        let (status, _, bytes) =
            fetch(viewer, &path, &[("range", &format!("bytes={from}-"))]).await;
        assert_eq!(status, StatusCode::PARTIAL_CONTENT);
        assert_eq!(bytes, video[from..]);
        let (status, headers, _) = fetch(viewer, &path, &[("range", "bytes=-10")]).await;
        assert_eq!(status, StatusCode::PARTIAL_CONTENT, "a suffix range");
        assert_eq!(header(&headers, "content-length"), "10");
        let beyond = format!("bytes={}-", video.len() + 10);
        let (status, _, _) = fetch(viewer, &path, &[("range", &beyond)]).await;
        assert_eq!(status, StatusCode::RANGE_NOT_SATISFIABLE);
        let (status, headers, bytes) = fetch(viewer, &path, &[]).await;
        assert_eq!(status, StatusCode::OK);
        assert_eq!(header(&headers, "accept-ranges"), "bytes");
        assert_eq!(bytes.len(), video.len());
        scene.stop().await;
    }
}

#[tokio::test]
async fn delete_removes_the_item_and_its_files() {
    for backend in test_backends() {
        let scene = Scene::new(backend).await;
        let (m, s) = (&scene.moderator, &scene.speaker);
        let mine = upload(s, "speaker.png", "image/png", &png(8, 8))
            .await
            .content_id();
        let theirs = upload(m, "mod.pdf", "application/pdf", &pdf(2))
            .await
            .content_id();
        scene.settled(&theirs, Duration::from_secs(60)).await;
        assert_eq!(scene.content_folders().len(), 2);

        // A speaker deletes their own items only; attendees and other staff nothing.
        let r = delete(s, SLUG, &theirs).await;
        assert_eq!(r.status, StatusCode::FORBIDDEN, "{backend:?}");
        let r = delete(&scene.attendee, SLUG, &mine).await;
        assert_eq!(r.status, StatusCode::FORBIDDEN);
        let r = delete(&scene.other_staff, "other", &mine).await;
        assert_eq!(
            r.status,
            StatusCode::NOT_FOUND,
            "not through another session"
        );
        let r = delete(s, SLUG, &mine).await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.json);
        assert_eq!(r.json["deleted"], mine.as_str());
        // A moderator deletes anyone's.
        let r = delete(m, SLUG, &theirs).await;
        assert_eq!(r.status, StatusCode::OK);
        let r = delete(m, SLUG, &theirs).await;
        assert_eq!(r.status, StatusCode::NOT_FOUND, "already gone");

        assert!(scene.contents().await.is_empty());
        assert!(scene.content_folders().is_empty(), "files removed");
        let (status, _, _) = fetch(
            &m.browser,
            &format!("/s/{SLUG}/content/{theirs}/page/1"),
            &[],
        )
        .await;
        assert_eq!(status, StatusCode::NOT_FOUND);

        // Deleting a session's contents (before the session itself) removes files too.
        let id = upload(m, "again.png", "image/png", &png(8, 8))
            .await
            .content_id();
        assert_eq!(scene.content_folders(), [id]);
        amphi_server::content::delete_session_contents(&scene.ts.server().state, &scene.session.id)
            .await
            .expect("deleted");
        assert!(scene.contents().await.is_empty());
        assert!(scene.content_folders().is_empty());
        scene.stop().await;
    }
}

#[tokio::test]
async fn a_restart_fails_unfinished_items_and_sweeps_leftovers() {
    for backend in test_backends() {
        let scene = Scene::new(backend).await;
        let store = scene.ts.db.store.clone();
        let data = scene.data_dir();
        let kept = upload(&scene.moderator, "kept.png", "image/png", &png(8, 8))
            .await
            .content_id();
        // What a server stopped mid-job leaves: an item processing with half its pages, an
        // upload's temporary file, and the folder of an item deleted without its files.
        let half = store
            .create_content(NewContent {
                session_id: scene.session.id.clone(),
                kind: ContentKind::Pdf,
                name: "half.pdf".into(),
                bytes: 10,
                created_by: scene.moderator.user.id.clone(),
            })
            .await
            .expect("created");
        let half_dir = data.join("content").join(half.id.as_str());
        std::fs::create_dir_all(&half_dir).expect("dir");
        std::fs::write(half_dir.join("page-1.png"), b"x").expect("page");
        let orphan = data
            .join("content")
            .join("0123456789abcdef0123456789abcdef");
        std::fs::create_dir_all(&orphan).expect("orphan");
        std::fs::write(orphan.join("original.png"), b"x").expect("orphan file");
        std::fs::create_dir_all(data.join("content/tmp")).expect("tmp");
        std::fs::write(data.join("content/tmp/abc.part"), b"half an upload").expect("temp");
        tokio::time::sleep(Duration::from_millis(20)).await;

        // A new server on the same database and data folder.
        let mut config = Config::default();
        config.http.listen = "127.0.0.1:0".parse().expect("address");
        config.data.dir = data.clone();
        let again = Server::start_with_store(config, store.clone())
            .await
            .expect("restarts");
        let temp = data.join("content/tmp/abc.part");
        // The sweep does the rows, then the folders, then the temporary files: wait for all.
        let swept = async {
            loop {
                let c = store
                    .content_by_id(&half.id)
                    .await
                    .expect("read")
                    .expect("there");
                if c.status != ContentStatus::Processing
                    && !orphan.exists()
                    && !half_dir.exists()
                    && !temp.exists()
                {
                    return c;
                }
                tokio::time::sleep(Duration::from_millis(50)).await;
            }
        };
        let half = tokio::time::timeout(Duration::from_secs(10), swept)
            .await
            .expect("the sweep ran");
        assert_eq!(half.status, ContentStatus::Failed, "{backend:?}");
        assert_eq!(half.error.as_deref(), Some("interrupted"));
        assert_eq!(
            scene.content_folders(),
            std::slice::from_ref(&kept),
            "ready items keep their files"
        );
        again.stop().await.expect("stops");
        scene.stop().await;
    }
}
