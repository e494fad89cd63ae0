//! What the stage shows, for the compositor (recording, streaming): the actor keeps a
//! [`StageView`] in a watch channel, rebuilt from its `Room` after every step it takes (only a
//! change wakes the readers), and [`Rooms::stage_feed`] hands it out with the room's media
//! side, so a compositor taps publications and follows the stage without ever sending the
//! actor a command (it may be started from inside the actor).
//!
//! - A session: the stage as attendees see it — its layout, members (their camera if on) and
//!   content (a shared screen, an image or a PDF page); what attendees hear.
//! - A meeting: everyone but attendees, in joining order, with their camera if on; a shared
//!   screen as content; the active speaker large from three people on; every microphone and
//!   screen sound.

use std::time::Instant;

use amphi_proto::{Role, Source, StageContent};
use amphi_room::Room;
use amphi_sfu::MediaRoom;
use tokio::sync::watch;

use crate::compose::{ContentView, StageLayout, StageView, Tile};
use crate::signaling::media::{participant_id, publication_id};
use crate::signaling::{Place, Rooms};

/// A running room's media side and the stage it shows.
#[derive(Clone)]
pub struct StageFeed {
    pub media: MediaRoom,
    pub view: watch::Receiver<StageView>,
}

impl std::fmt::Debug for StageFeed {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("StageFeed")
            .field("view", &*self.view.borrow())
            .finish()
    }
}

/// The actor's end.
pub(in crate::signaling) struct StageSlot {
    tx: watch::Sender<StageView>,
}

impl StageSlot {
    pub(in crate::signaling) fn new() -> (StageSlot, watch::Receiver<StageView>) {
        let (tx, rx) = watch::channel(StageView::default());
        (StageSlot { tx }, rx)
    }

    /// Rebuilds the view; readers wake only if it changed.
    pub(in crate::signaling) fn refresh(&self, room: &Room) {
        if self.tx.receiver_count() == 0 {
            return;
        }
        let view = view_of(room, Instant::now());
        self.tx.send_if_modified(|old| {
            if *old == view {
                return false;
            }
            *old = view;
            true
        });
    }
}

impl Rooms {
    /// The stage and media of a running room or session live; `None` if nobody is in.
    pub fn stage_feed(&self, place: &Place) -> Option<StageFeed> {
        self.running(place).map(|h| h.stage.clone())
    }
}

/// The camera of `who`, if it is on (published, not muted, not paused by a moderator).
fn camera_of(room: &Room, who: &amphi_proto::ParticipantId) -> Option<amphi_sfu::PublicationId> {
    room.publications()
        .iter()
        .find(|p| &p.participant == who && p.source == Source::Camera && !p.muted && !p.paused)
        .map(|p| publication_id(&p.id))
}

fn is_sound(source: Source) -> bool {
    matches!(source, Source::Microphone | Source::ScreenAudio)
}

/// The view of `room` at `now`.
pub fn view_of(room: &Room, now: Instant) -> StageView {
    let active_speaker = room.active_speaker().map(participant_id);
    if let Some(stage) = room.stage(now) {
        let staged = room.staged_publications();
        let layout = match stage.layout {
            amphi_proto::StageLayout::Grid => StageLayout::Grid,
            amphi_proto::StageLayout::Speaker => StageLayout::Speaker,
            amphi_proto::StageLayout::Content => StageLayout::Content,
        };
        let tiles = stage
            .members
            .iter()
            .map(|m| Tile {
                participant: participant_id(&m.participant_id),
                name: m.name.clone(),
                camera: camera_of(room, &m.participant_id),
            })
            .collect();
        let content = stage.content.and_then(|c| match c {
            StageContent::Screen {
                publication_id: p, ..
            } => Some(ContentView::Screen {
                publication: publication_id(&p),
            }),
            StageContent::Image { content_id, .. } => Some(ContentView::Still {
                content_id: content_id.0.clone(),
                page: None,
            }),
            StageContent::Pdf {
                content_id, page, ..
            } => Some(ContentView::Still {
                content_id: content_id.0.clone(),
                page: Some(page),
            }),
            // A video plays in people's browsers; the compositor does not play files (yet).
            StageContent::Video { .. } | StageContent::Link { .. } => None,
        });
        let audio = room
            .publications()
            .iter()
            .filter(|p| staged.contains(&p.id) && is_sound(p.source) && !p.paused)
            .map(|p| publication_id(&p.id))
            .collect();
        return StageView {
            layout,
            tiles,
            content,
            active_speaker,
            audio,
        };
    }
    let tiles: Vec<Tile> = room
        .participants()
        .iter()
        .filter(|p| p.role != Role::Attendee)
        .map(|p| Tile {
            participant: participant_id(&p.id),
            name: p.name.clone(),
            camera: camera_of(room, &p.id),
        })
        .collect();
    let content = room
        .publications()
        .iter()
        .find(|p| p.source == Source::Screen && !p.muted && !p.paused)
        .map(|p| ContentView::Screen {
            publication: publication_id(&p.id),
        });
    let layout = if content.is_some() {
        StageLayout::Content
    } else if active_speaker.is_some() && tiles.len() >= 3 {
        StageLayout::Speaker
    } else {
        StageLayout::Grid
    };
    let audio = room
        .publications()
        .iter()
        .filter(|p| is_sound(p.source) && !p.paused)
        .map(|p| publication_id(&p.id))
        .collect();
    StageView {
        layout,
        tiles,
        content,
        active_speaker,
        audio,
    }
}
