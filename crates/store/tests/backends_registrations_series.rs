//! Series and the join check on each backend (issue 6, G3/G5/G6): a session in a series
//! registers through the series' form; its own earlier registrations are kept and still open
//! it; only approved registrations do; the landing-domain allow-list.

#[macro_use]
mod store_common;
mod registrations_common;

use amphi_store::{RegistrationStatus, RegistrationTarget, SeriesId};
use registrations_common::*;
use store_common::*;

#[tokio::test]
async fn series_are_created_listed_renamed_and_deleted() {
    on_each_backend!(|db, backend| {
        let (owner, _room, _session) = organiser_room_session(&db).await;
        let other = user(&db, "other@example.org").await;
        let a = db
            .create_series(&owner.id, " Spring talks ")
            .await
            .expect("a");
        let b = db.create_series(&owner.id, "Autumn").await.expect("b");
        db.create_series(&other.id, "Theirs").await.expect("c");
        assert_eq!(a.title, "Spring talks");
        assert_eq!(a.owner_id, owner.id);
        assert_eq!(a.id.as_str().len(), 32);
        assert_eq!(db.series(&a.id).await.expect("read"), Some(a.clone()));
        assert_eq!(
            db.series_of_owner(&owner.id).await.expect("list"),
            vec![a.clone(), b.clone()],
            "{backend:?}"
        );
        assert!(matches!(
            db.create_series(&owner.id, "  ").await,
            Err(StoreError::Invalid(_))
        ));
        db.rename_series(&a.id, "Spring").await.expect("rename");
        assert_eq!(
            db.series(&a.id).await.expect("read").map(|s| s.title),
            Some("Spring".to_owned())
        );
        db.delete_series(&b.id).await.expect("delete");
        assert_eq!(db.series(&b.id).await.expect("read"), None);
        assert!(matches!(
            db.delete_series(&b.id).await,
            Err(StoreError::NotFound)
        ));
        assert!(matches!(
            db.rename_series(&b.id, "x").await,
            Err(StoreError::NotFound)
        ));
    });
}

#[tokio::test]
async fn a_session_in_a_series_uses_the_series_form_and_keeps_its_own_data() {
    on_each_backend!(|db, backend| {
        let (owner, room, s1) = organiser_room_session(&db).await;
        let s2 = session_in(&db, &room, &owner, "s2").await;
        let series = db.create_series(&owner.id, "Series").await.expect("series");
        let own = RegistrationTarget::Session(s1.id.clone());
        let shared = RegistrationTarget::Series(series.id.clone());

        // Before joining: the session's own form and registrations.
        assert_eq!(db.session_series(&s1.id).await.expect("read"), None);
        assert_eq!(
            db.session_registration_target(&s1.id)
                .await
                .expect("target"),
            own
        );
        db.set_registration_settings(&own, &standard_form(false, None))
            .await
            .expect("own form");
        let early = registered(&db, &own, "early@x.org").await;
        let early_pending = registered(&db, &own, "pending@x.org").await;
        db.set_registration_status(
            &own,
            std::slice::from_ref(&early.id),
            RegistrationStatus::Approved,
        )
        .await
        .expect("approve");

        // Joining the series: new registrations follow the series' form.
        db.set_registration_settings(&shared, &full_form(true, None))
            .await
            .expect("series form");
        for s in [&s1, &s2] {
            db.set_session_series(&s.id, Some(&series.id))
                .await
                .expect("join");
            assert_eq!(
                db.session_series(&s.id).await.expect("read"),
                Some(series.id.clone())
            );
            assert_eq!(
                db.session_registration_target(&s.id).await.expect("target"),
                shared,
                "{backend:?}"
            );
        }
        // Both start at T0: their order is the ids'.
        let mut expected = vec![s1.id.clone(), s2.id.clone()];
        expected.sort();
        assert_eq!(
            db.series_sessions(&series.id).await.expect("sessions"),
            expected
        );
        let fan = registered(&db, &shared, "fan@x.org").await;
        assert_eq!(fan.status, RegistrationStatus::Approved);

        // The data gathered before is kept, and still opens the session it was for.
        assert_eq!(
            db.registration_settings(&own)
                .await
                .expect("own form")
                .map(|f| f.auto_approve),
            Some(false)
        );
        assert_eq!(db.registrations(&own, None).await.expect("own").len(), 2);
        let admits = |session, email: &str, code: &str| {
            let (db, email, code) = (db.store.clone(), email.to_owned(), code.to_owned());
            async move {
                db.session_registrant(&session, &email, &code)
                    .await
                    .expect("registrant")
                    .map(|r| r.id)
            }
        };
        assert_eq!(
            admits(s1.id.clone(), &early.email, &early.code).await,
            Some(early.id.clone())
        );
        // ...but not another session of the series.
        assert_eq!(
            admits(s2.id.clone(), &early.email, &early.code).await,
            None,
            "{backend:?}"
        );
        // One series registration opens every session of the series.
        for s in [&s1, &s2] {
            assert_eq!(
                admits(s.id.clone(), "FAN@x.org", &fan.code.to_lowercase()).await,
                Some(fan.id.clone())
            );
            assert_eq!(
                db.session_registrant_by_token(&s.id, &fan.join_token)
                    .await
                    .expect("by token")
                    .map(|r| r.id),
                Some(fan.id.clone())
            );
        }
        // A wrong code, or someone else's, opens nothing.
        assert_eq!(admits(s1.id.clone(), &fan.email, &early.code).await, None);
        assert_eq!(admits(s1.id.clone(), &fan.email, "ABCDEFGHJ").await, None);

        // Pending, rejected and cancelled registrations never open a session.
        assert_eq!(
            admits(s1.id.clone(), &early_pending.email, &early_pending.code).await,
            None
        );
        assert_eq!(
            db.session_registrant_by_token(&s1.id, &early_pending.join_token)
                .await
                .expect("by token"),
            None
        );
        for status in [RegistrationStatus::Rejected, RegistrationStatus::Cancelled] {
            db.set_registration_status(&shared, std::slice::from_ref(&fan.id), status)
                .await
                .expect("status");
            assert_eq!(
                admits(s2.id.clone(), &fan.email, &fan.code).await,
                None,
                "{status:?}"
            );
            assert_eq!(
                db.session_registrant_by_token(&s2.id, &fan.join_token)
                    .await
                    .expect("by token"),
                None
            );
        }

        // Leaving the series: the series' registrations no longer open it; its own still do.
        db.set_session_series(&s1.id, None).await.expect("leave");
        assert_eq!(db.session_series(&s1.id).await.expect("read"), None);
        db.set_registration_status(
            &shared,
            std::slice::from_ref(&fan.id),
            RegistrationStatus::Approved,
        )
        .await
        .expect("approve");
        assert_eq!(admits(s1.id.clone(), &fan.email, &fan.code).await, None);
        assert_eq!(
            admits(s2.id.clone(), &fan.email, &fan.code).await,
            Some(fan.id.clone())
        );
        assert_eq!(
            admits(s1.id.clone(), &early.email, &early.code).await,
            Some(early.id)
        );
    });
}

#[tokio::test]
async fn deleting_a_series_detaches_its_sessions() {
    on_each_backend!(|db, backend| {
        let (owner, _room, s1) = organiser_room_session(&db).await;
        let series = db.create_series(&owner.id, "Series").await.expect("series");
        let shared = RegistrationTarget::Series(series.id.clone());
        let own = RegistrationTarget::Session(s1.id.clone());
        db.set_registration_settings(&shared, &standard_form(true, None))
            .await
            .expect("form");
        db.set_registration_settings(&own, &standard_form(true, None))
            .await
            .expect("form");
        let fan = registered(&db, &shared, "fan@x.org").await;
        let mine = registered(&db, &own, "mine@x.org").await;
        db.set_session_series(&s1.id, Some(&series.id))
            .await
            .expect("join");

        // Unknown session or series: NotFound, nothing changes.
        let missing = SeriesId::new("0".repeat(32));
        assert!(matches!(
            db.set_session_series(&s1.id, Some(&missing)).await,
            Err(StoreError::NotFound)
        ));
        assert_eq!(
            db.session_series(&s1.id).await.expect("read"),
            Some(series.id.clone())
        );
        let no_session = amphi_store::SessionId::new("0".repeat(32));
        assert!(matches!(
            db.set_session_series(&no_session, Some(&series.id)).await,
            Err(StoreError::NotFound)
        ));

        db.delete_series(&series.id).await.expect("delete");
        assert_eq!(
            db.session_series(&s1.id).await.expect("read"),
            None,
            "{backend:?}"
        );
        assert!(db.session_by_id(&s1.id).await.expect("read").is_some());
        assert_eq!(db.registration_by_id(&fan.id).await.expect("read"), None);
        assert_eq!(db.registration_settings(&shared).await.expect("read"), None);
        assert_eq!(
            db.registration_by_id(&mine.id).await.expect("read"),
            Some(mine)
        );

        // Deleting the owner's account deletes their series; the sessions they joined stay.
        let other = user(&db, "other@example.org").await;
        let theirs = db.create_series(&other.id, "Theirs").await.expect("series");
        db.set_session_series(&s1.id, Some(&theirs.id))
            .await
            .expect("join");
        db.delete_user(&other.id).await.expect("delete user");
        assert_eq!(db.series(&theirs.id).await.expect("read"), None);
        assert_eq!(db.session_series(&s1.id).await.expect("read"), None);
        assert!(db.session_by_id(&s1.id).await.expect("read").is_some());
    });
}

#[tokio::test]
async fn landing_domains_are_replaced_whole() {
    on_each_backend!(|db, backend| {
        assert!(db.landing_domains().await.expect("read").is_empty());
        db.set_landing_domains(&[
            " Example.ORG ".to_owned(),
            "events.example.com.".to_owned(),
            "example.org".to_owned(),
        ])
        .await
        .expect("set");
        assert_eq!(
            db.landing_domains().await.expect("read"),
            ["events.example.com", "example.org"],
            "{backend:?}"
        );
        assert!(matches!(
            db.set_landing_domains(&["ok.org".to_owned(), " ".to_owned()])
                .await,
            Err(StoreError::Invalid(_))
        ));
        assert_eq!(db.landing_domains().await.expect("read").len(), 2);
        db.set_landing_domains(&["b.org".to_owned()])
            .await
            .expect("replace");
        assert_eq!(db.landing_domains().await.expect("read"), ["b.org"]);
        db.set_landing_domains(&[]).await.expect("clear");
        assert!(db.landing_domains().await.expect("read").is_empty());
    });
}
