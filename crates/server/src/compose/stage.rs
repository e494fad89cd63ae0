//! What the stage shows now, as the compositor needs it: kept by each room actor in a watch
//! channel (`signaling/actor/stage_view.rs` builds it) and read by the compositor on every
//! frame. Ids are the SFU's: the compositor taps publications by them.

use amphi_sfu::{ParticipantId, PublicationId};

/// How the picture is laid out.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum StageLayout {
    /// Everyone the same size (a meeting without a speaker; a session's grid).
    #[default]
    Grid,
    /// The active speaker (or the first person) large, the others in a strip.
    Speaker,
    /// The content large, the people in a strip.
    Content,
}

/// One person on the picture.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Tile {
    pub participant: ParticipantId,
    pub name: String,
    /// Their camera, if it is on (not muted); `None`: a plain tile.
    pub camera: Option<PublicationId>,
}

/// What the content area shows.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ContentView {
    /// A shared screen (a video publication).
    Screen { publication: PublicationId },
    /// A still picture: an image or a PDF page of a session's content (`page` 1-based), drawn
    /// by the [`crate::compose::StillSource`] of the compositor.
    Still {
        content_id: String,
        page: Option<u32>,
    },
}

/// The stage as the compositor lays it out.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct StageView {
    pub layout: StageLayout,
    /// The people shown, in order.
    pub tiles: Vec<Tile>,
    pub content: Option<ContentView>,
    pub active_speaker: Option<ParticipantId>,
    /// What is heard: microphones (and shared screens' sound), mixed.
    pub audio: Vec<PublicationId>,
}

impl StageView {
    /// The video publications this view shows (cameras, then a shared screen).
    pub fn videos(&self) -> Vec<PublicationId> {
        let mut v: Vec<PublicationId> =
            self.tiles.iter().filter_map(|t| t.camera.clone()).collect();
        if let Some(ContentView::Screen { publication }) = &self.content {
            v.push(publication.clone());
        }
        v
    }
}
