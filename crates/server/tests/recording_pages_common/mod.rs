//! Shared by the recording page suites (recording_pages*.rs): the content suites' scene (a
//! session in the owner's room with a moderator and a speaker named, a signed-in outsider, the
//! moderator of another session, an anonymous visitor), plus the room's manager and moderator
//! by share, an administrator, and recordings made ready in the store with a real file on disk.
#![allow(dead_code)] // each suite uses a part

use std::path::PathBuf;

use amphi_store::{
    Backend, NewRecording, Recording, RecordingOptions, RecordingSource, ShareRole, Visibility,
};

use crate::common::Browser;
use crate::content_common::{Person, Scene};

pub struct Cast {
    pub scene: Scene,
    pub manager: Person,
    pub room_moderator: Person,
    pub admin: Person,
}

async fn person(scene: &Scene, email: &str, is_admin: bool) -> Person {
    let (user, browser) = scene.ts.signed_in(email, is_admin).await;
    let csrf = browser.csrf().await;
    Person {
        user,
        browser,
        csrf,
    }
}

impl Cast {
    pub async fn new(backend: Backend) -> Cast {
        let scene = Scene::new(backend).await;
        scene.publish().await;
        let manager = person(&scene, "manager@example.org", false).await;
        let room_moderator = person(&scene, "roommod@example.org", false).await;
        let admin = person(&scene, "admin@example.org", true).await;
        let store = &scene.ts.db.store;
        let room = store
            .room_by_id(&scene.session.room_id)
            .await
            .expect("read")
            .expect("room");
        store
            .share_room(&room.id, &manager.user.id, ShareRole::Manager)
            .await
            .expect("shared");
        store
            .share_room(&room.id, &room_moderator.user.id, ShareRole::Moderator)
            .await
            .expect("shared");
        Cast {
            scene,
            manager,
            room_moderator,
            admin,
        }
    }

    pub fn data_dir(&self) -> PathBuf {
        self.scene.data_dir()
    }

    pub fn anonymous(&self) -> &Browser {
        &self.scene.anonymous
    }

    /// A ready recording of the scene's session (`other`: of the other session) with
    /// `visibility`, its `replay.mp4` holding `bytes`.
    pub async fn ready(
        &self,
        title: &str,
        other: bool,
        visibility: Visibility,
        bytes: &[u8],
    ) -> Recording {
        let session = if other {
            &self.scene.other_session
        } else {
            &self.scene.session
        };
        let store = &self.scene.ts.db.store;
        let r = store
            .create_recording(NewRecording {
                room_id: session.room_id.clone(),
                session_id: Some(session.id.clone()),
                title: title.to_owned(),
                options: RecordingOptions::default(),
                source: RecordingSource::Upload,
                created_by: None,
            })
            .await
            .expect("created");
        let replay = self.scene.ts.server().state.recordings.replay_path(&r.id);
        std::fs::create_dir_all(replay.parent().expect("a folder")).expect("folder");
        std::fs::write(&replay, bytes).expect("file");
        store
            .finish_recording(&r.id, 20_000, bytes.len() as i64)
            .await
            .expect("ready");
        store
            .set_recording_visibility(&r.id, visibility)
            .await
            .expect("visibility");
        store.recording(&r.id).await.expect("read").expect("there")
    }

    /// Everyone of the cast with a name, the anonymous visitor included.
    pub fn everyone(&self) -> Vec<(&'static str, &Browser)> {
        let s = &self.scene;
        vec![
            ("owner", &s.owner.browser),
            ("manager", &self.manager.browser),
            ("room moderator", &self.room_moderator.browser),
            ("session moderator", &s.moderator.browser),
            ("speaker", &s.speaker.browser),
            ("attendee", &s.attendee.browser),
            ("other staff", &s.other_staff.browser),
            ("admin", &self.admin.browser),
            ("anonymous", &s.anonymous),
        ]
    }

    pub async fn stop(self) {
        self.scene.stop().await;
    }
}
