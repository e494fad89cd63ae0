//! Session content on each backend (issue 5, C2/C8): creating, listing, the one-way status
//! changes (processing → ready | failed), deleting, the start-up sweep, and what deleting the
//! session does.

#[macro_use]
mod store_common;

use amphi_store::{
    Content, ContentId, ContentKind, ContentStatus, NewContent, NewSession, Session, SessionStatus,
};
use store_common::*;

async fn session(db: &Store, slug: &str, owner: &User) -> Session {
    let room = db
        .create_room(new_room(&format!("room-{slug}"), &owner.id))
        .await
        .expect("room");
    db.create_session(NewSession {
        slug: slug.to_owned(),
        room_id: room.id,
        title: format!("Session {slug}"),
        description: String::new(),
        starts_at: 1_900_000_000_000,
        ends_at: 1_900_000_000_000 + HOUR_MS,
        time_zone: "Europe/Paris".to_owned(),
        status: SessionStatus::Draft,
        created_by: owner.id.clone(),
    })
    .await
    .expect("session")
}

fn new_content(session: &Session, kind: ContentKind, name: &str, by: &User) -> NewContent {
    NewContent {
        session_id: session.id.clone(),
        kind,
        name: name.to_owned(),
        bytes: 12_345,
        created_by: by.id.clone(),
    }
}

fn names(list: &[Content]) -> Vec<&str> {
    list.iter().map(|c| c.name.as_str()).collect()
}

#[tokio::test]
async fn create_list_and_read_back() {
    on_each_backend!(|db, backend| {
        let owner = user(&db, "owner@example.org").await;
        let s1 = session(&db, "s1", &owner).await;
        let s2 = session(&db, "s2", &owner).await;

        let pdf = db
            .create_content(new_content(&s1, ContentKind::Pdf, "slides.pdf", &owner))
            .await
            .expect("pdf");
        assert_eq!(pdf.status, ContentStatus::Processing, "{backend:?}");
        assert_eq!(
            (pdf.progress, pdf.pages, pdf.error.as_deref()),
            (0, None, None)
        );
        assert_eq!(pdf.bytes, 12_345);
        assert_eq!(pdf.id.as_str().len(), 32);
        assert_eq!(pdf.created_by, owner.id);

        let image = db
            .create_content(new_content(&s1, ContentKind::Image, "photo.png", &owner))
            .await
            .expect("image");
        db.create_content(new_content(&s2, ContentKind::Video, "clip.mp4", &owner))
            .await
            .expect("video");

        assert_eq!(
            db.content_by_id(&pdf.id).await.expect("read"),
            Some(pdf.clone()),
            "{backend:?}: the whole item comes back"
        );
        assert_eq!(
            db.content_by_id(&ContentId::new("nope"))
                .await
                .expect("read"),
            None
        );
        let list = db.session_contents(&s1.id).await.expect("list");
        assert_eq!(names(&list), ["slides.pdf", "photo.png"], "{backend:?}");
        assert_eq!(list[1].kind, ContentKind::Image);
        assert_eq!(list[1].id, image.id);
        let list = db.session_contents(&s2.id).await.expect("list");
        assert_eq!(names(&list), ["clip.mp4"]);
        assert_eq!(list[0].kind, ContentKind::Video);
    });
}

#[tokio::test]
async fn processing_goes_to_ready_or_failed_once() {
    on_each_backend!(|db, backend| {
        let owner = user(&db, "owner@example.org").await;
        let s = session(&db, "s", &owner).await;
        let pdf = db
            .create_content(new_content(&s, ContentKind::Pdf, "a.pdf", &owner))
            .await
            .expect("pdf");

        db.set_content_progress(&pdf.id, 40)
            .await
            .expect("progress");
        assert_eq!(
            db.content_by_id(&pdf.id)
                .await
                .expect("read")
                .expect("there")
                .progress,
            40
        );
        db.set_content_progress(&pdf.id, 250)
            .await
            .expect("progress");
        assert_eq!(
            db.content_by_id(&pdf.id)
                .await
                .expect("read")
                .expect("there")
                .progress,
            99,
            "{backend:?}: only ready is 100"
        );

        db.set_content_ready(&pdf.id, Some(12))
            .await
            .expect("ready");
        let ready = db
            .content_by_id(&pdf.id)
            .await
            .expect("read")
            .expect("there");
        assert_eq!(
            (ready.status, ready.progress, ready.pages),
            (ContentStatus::Ready, 100, Some(12)),
            "{backend:?}"
        );
        // Ready is final: nothing moves it any more.
        assert!(matches!(
            db.set_content_progress(&pdf.id, 10).await,
            Err(StoreError::NotFound)
        ));
        assert!(matches!(
            db.set_content_failed(&pdf.id, "late").await,
            Err(StoreError::NotFound)
        ));
        assert!(matches!(
            db.set_content_ready(&pdf.id, Some(1)).await,
            Err(StoreError::NotFound)
        ));
        assert_eq!(
            db.content_by_id(&pdf.id)
                .await
                .expect("read")
                .expect("there"),
            ready
        );

        let video = db
            .create_content(new_content(&s, ContentKind::Video, "v.mp4", &owner))
            .await
            .expect("video");
        db.set_content_failed(&video.id, "video_remux_failed")
            .await
            .expect("failed");
        let failed = db
            .content_by_id(&video.id)
            .await
            .expect("read")
            .expect("there");
        assert_eq!(failed.status, ContentStatus::Failed, "{backend:?}");
        assert_eq!(failed.error.as_deref(), Some("video_remux_failed"));
        // Failed is final too.
        assert!(matches!(
            db.set_content_ready(&video.id, None).await,
            Err(StoreError::NotFound)
        ));
        assert!(matches!(
            db.set_content_progress(&ContentId::new("nope"), 1).await,
            Err(StoreError::NotFound)
        ));
    });
}

#[tokio::test]
async fn delete_and_session_deletion() {
    on_each_backend!(|db, backend| {
        let owner = user(&db, "owner@example.org").await;
        let s = session(&db, "s", &owner).await;
        let a = db
            .create_content(new_content(&s, ContentKind::Image, "a.png", &owner))
            .await
            .expect("a");
        let b = db
            .create_content(new_content(&s, ContentKind::Image, "b.png", &owner))
            .await
            .expect("b");
        db.delete_content(&a.id).await.expect("delete");
        assert!(matches!(
            db.delete_content(&a.id).await,
            Err(StoreError::NotFound)
        ));
        // A background step on a deleted item learns it is gone.
        assert!(matches!(
            db.set_content_progress(&a.id, 5).await,
            Err(StoreError::NotFound)
        ));
        assert_eq!(
            names(&db.session_contents(&s.id).await.expect("list")),
            ["b.png"]
        );
        assert_eq!(db.content_ids().await.expect("ids"), vec![b.id.clone()]);

        db.delete_session(&s.id).await.expect("delete session");
        assert_eq!(
            db.content_by_id(&b.id).await.expect("read"),
            None,
            "{backend:?}: a session's content goes with it"
        );
        assert!(db.content_ids().await.expect("ids").is_empty());
    });
}

#[tokio::test]
async fn start_up_sweep_fails_what_was_processing() {
    on_each_backend!(|db, backend| {
        let owner = user(&db, "owner@example.org").await;
        let s = session(&db, "s", &owner).await;
        let done = db
            .create_content(new_content(&s, ContentKind::Image, "done.png", &owner))
            .await
            .expect("done");
        db.set_content_ready(&done.id, None).await.expect("ready");
        let half = db
            .create_content(new_content(&s, ContentKind::Pdf, "half.pdf", &owner))
            .await
            .expect("half");
        db.set_content_progress(&half.id, 30)
            .await
            .expect("progress");

        // The clock that stamps created_at: strictly after `half`, strictly before `fresh`
        // (now_ms() + 1 could fall behind it when many rows were created in this process).
        let before = amphi_store::creation_ms();
        let fresh = db
            .create_content(new_content(&s, ContentKind::Video, "fresh.mp4", &owner))
            .await
            .expect("fresh");
        let swept = db
            .fail_processing_contents(before, "interrupted")
            .await
            .expect("sweep");
        assert_eq!(names(&swept), ["half.pdf"], "{backend:?}");
        assert_eq!(swept[0].status, ContentStatus::Failed);
        let half = db
            .content_by_id(&half.id)
            .await
            .expect("read")
            .expect("there");
        assert_eq!(
            (half.status, half.error.as_deref()),
            (ContentStatus::Failed, Some("interrupted"))
        );
        let done = db
            .content_by_id(&done.id)
            .await
            .expect("read")
            .expect("there");
        assert_eq!(
            done.status,
            ContentStatus::Ready,
            "ready items are untouched"
        );
        let fresh = db
            .content_by_id(&fresh.id)
            .await
            .expect("read")
            .expect("there");
        assert_eq!(
            fresh.status,
            ContentStatus::Processing,
            "{backend:?}: work begun after the start is left alone"
        );
        assert!(
            db.fail_processing_contents(before, "interrupted")
                .await
                .expect("sweep")
                .is_empty()
        );
    });
}

#[tokio::test]
async fn unknown_session_is_refused() {
    on_each_backend!(|db, backend| {
        let owner = user(&db, "owner@example.org").await;
        let result = db
            .create_content(NewContent {
                session_id: amphi_store::SessionId::new("missing"),
                kind: ContentKind::Pdf,
                name: "x.pdf".to_owned(),
                bytes: 1,
                created_by: owner.id.clone(),
            })
            .await;
        assert!(result.is_err(), "{backend:?}: foreign key");
    });
}
