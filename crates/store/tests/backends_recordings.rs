//! Recordings on each backend (issue 7): creating, listing, the one-way state changes, and the
//! durable job queue (claimed once, requeued after a restart).

#[macro_use]
mod store_common;

use amphi_store::{
    NewRecording, RecordingJobKind, RecordingJobState, RecordingOptions, RecordingSource,
    RecordingState, Visibility,
};
use store_common::*;

fn new_recording(room: &RoomId, source: RecordingSource, title: &str) -> NewRecording {
    NewRecording {
        room_id: room.clone(),
        session_id: None,
        title: title.to_owned(),
        options: RecordingOptions {
            webcams: false,
            audio_only: true,
        },
        source,
        created_by: None,
    }
}

#[tokio::test]
async fn a_recording_goes_recording_processing_ready() {
    on_each_backend!(|db, backend| {
        let owner = user(&db, "owner@example.org").await;
        let room = db
            .create_room(new_room("r1", &owner.id))
            .await
            .expect("room");
        let rec = db
            .create_recording(new_recording(&room.id, RecordingSource::Server, "First"))
            .await
            .expect("create");
        assert_eq!(rec.state, RecordingState::Recording, "{backend:?}");
        assert_eq!(rec.visibility, Visibility::Private);
        assert_eq!(
            rec.options,
            RecordingOptions {
                webcams: false,
                audio_only: true
            }
        );
        let up = db
            .create_recording(new_recording(&room.id, RecordingSource::Upload, "Up"))
            .await
            .expect("upload");
        assert_eq!(
            up.state,
            RecordingState::Processing,
            "an upload starts processing"
        );
        assert_eq!(db.room_recordings(&room.id).await.expect("list").len(), 2);

        let ended = db.end_recording(&rec.id, 42).await.expect("end");
        assert_eq!(
            (ended.state, ended.ended_at),
            (RecordingState::Processing, Some(42))
        );
        assert!(
            matches!(
                db.end_recording(&rec.id, 43).await,
                Err(StoreError::NotFound)
            ),
            "a stop applies once"
        );
        db.set_recording_state(&rec.id, RecordingState::Processing, 55, None)
            .await
            .expect("progress");
        assert_eq!(
            db.recording(&rec.id)
                .await
                .expect("read")
                .expect("some")
                .progress,
            55
        );
        let ready = db
            .finish_recording(&rec.id, 20_000, 1234)
            .await
            .expect("finish");
        assert_eq!(
            (ready.state, ready.progress, ready.duration_ms, ready.bytes),
            (RecordingState::Ready, 100, Some(20_000), Some(1234))
        );
        assert!(
            matches!(
                db.set_recording_state(&rec.id, RecordingState::Failed, 0, Some("late"))
                    .await,
                Err(StoreError::NotFound)
            ),
            "ready is final"
        );
        db.rename_recording(&rec.id, "Renamed")
            .await
            .expect("rename");
        db.set_recording_visibility(&rec.id, Visibility::Public)
            .await
            .expect("vis");
        let back = db.recording(&rec.id).await.expect("read").expect("some");
        assert_eq!(
            (back.title.as_str(), back.visibility),
            ("Renamed", Visibility::Public)
        );
        assert_eq!(
            db.recordings_in_state(RecordingState::Processing)
                .await
                .expect("list")
                .len(),
            1
        );
        db.delete_recording(&up.id).await.expect("delete");
        assert!(db.recording(&up.id).await.expect("read").is_none());
        assert!(matches!(
            db.delete_recording(&up.id).await,
            Err(StoreError::NotFound)
        ));
    });
}

#[tokio::test]
async fn jobs_are_claimed_once_and_requeued_after_a_restart() {
    on_each_backend!(|db, backend| {
        let owner = user(&db, "owner@example.org").await;
        let room = db
            .create_room(new_room("r1", &owner.id))
            .await
            .expect("room");
        let rec = db
            .create_recording(new_recording(&room.id, RecordingSource::Server, "R"))
            .await
            .expect("create");
        let job = db
            .enqueue_recording_job(&rec.id, RecordingJobKind::Finalize, None)
            .await
            .expect("enqueue");
        assert_eq!(job.state, RecordingJobState::Pending, "{backend:?}");
        let store = Arc::new(db.clone());
        let (a, b) = tokio::join!(store.claim_recording_job(), store.claim_recording_job());
        let claimed: Vec<_> = [a.expect("a"), b.expect("b")]
            .into_iter()
            .flatten()
            .collect();
        assert_eq!(claimed.len(), 1, "one worker gets it");
        assert_eq!(claimed[0].attempts, 1);
        assert!(db.claim_recording_job().await.expect("none").is_none());
        // A restart mid-job: it runs again.
        assert_eq!(
            db.requeue_running_recording_jobs().await.expect("requeue"),
            1
        );
        let again = db
            .claim_recording_job()
            .await
            .expect("claim")
            .expect("some");
        assert_eq!((again.id.as_str(), again.attempts), (job.id.as_str(), 2));
        assert_eq!(db.unfinished_recording_jobs().await.expect("list").len(), 1);
        db.complete_recording_job(&again.id, None)
            .await
            .expect("done");
        assert!(
            db.unfinished_recording_jobs()
                .await
                .expect("list")
                .is_empty()
        );
        assert!(matches!(
            db.complete_recording_job(&again.id, Some("x")).await,
            Err(StoreError::NotFound)
        ));
        // Deleting the recording deletes its jobs.
        db.enqueue_recording_job(&rec.id, RecordingJobKind::Import, Some("/tmp/x.webm"))
            .await
            .expect("enqueue");
        db.delete_recording(&rec.id).await.expect("delete");
        assert!(db.claim_recording_job().await.expect("claim").is_none());
    });
}
