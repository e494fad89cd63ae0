//! The webinar's wire types: the live, the stage, content control, the audience, contents.

use crate::ids::{ContentId, ParticipantId, PublicationId};
use serde::{Deserialize, Serialize};

/// Where a session's live is: `not_started → live → ended`, never back.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum LiveState {
    NotStarted,
    Live,
    Ended,
}

/// The live as everyone sees it (`welcome.live`, `live_updated`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LiveInfo {
    pub state: LiveState,
    /// Unix milliseconds, once started.
    #[serde(default)]
    pub started_at: Option<u64>,
    /// Unix milliseconds, once ended.
    #[serde(default)]
    pub ended_at: Option<u64>,
    /// Who made the last change, when known (a display name).
    #[serde(default)]
    pub by: Option<String>,
}

impl LiveInfo {
    /// A live that has not started.
    pub fn not_started() -> Self {
        Self {
            state: LiveState::NotStarted,
            started_at: None,
            ended_at: None,
            by: None,
        }
    }
}

/// How the stage arranges what it shows.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum StageLayout {
    /// Members side by side.
    Grid,
    /// The active speaker large, the other members small.
    Speaker,
    /// The content large, the members small (needs content).
    Content,
}

/// A stage as a moderator asks for it in `set_stage`: the whole stage at once.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StageRequest {
    pub layout: StageLayout,
    /// Present staff participants, at most 9, in display order.
    pub members: Vec<ParticipantId>,
    #[serde(default)]
    pub content: Option<StageContentRequest>,
}

/// The content a moderator puts on the stage.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum StageContentRequest {
    /// This participant's screen share (it must be publishing one).
    Screen {
        participant_id: ParticipantId,
    },
    Image {
        content_id: ContentId,
    },
    /// A PDF at a page (1-based).
    Pdf {
        content_id: ContentId,
        page: u32,
    },
    /// A video, paused at its start.
    Video {
        content_id: ContentId,
    },
    /// An external video by its file's URL (http or https; a PeerTube page is made playable
    /// first by `POST /s/{slug}/content/link`), paused at its start; synced like `video`.
    Link {
        url: String,
        /// Its title, shown on the stage (at most 200 characters; empty: the URL's file name).
        #[serde(default)]
        name: String,
    },
}

/// The stage as everyone sees it (`welcome.stage`, `stage_updated`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Stage {
    pub layout: StageLayout,
    /// The members present now (a member who left is back on stage when they return).
    pub members: Vec<StageMember>,
    #[serde(default)]
    pub content: Option<StageContent>,
}

/// A participant on the stage.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StageMember {
    pub participant_id: ParticipantId,
    pub name: String,
}

/// The content on the stage, with what a client needs to show it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum StageContent {
    Screen {
        participant_id: ParticipantId,
        name: String,
        publication_id: PublicationId,
    },
    Image {
        content_id: ContentId,
        name: String,
        url: String,
    },
    Pdf {
        content_id: ContentId,
        name: String,
        /// 1-based.
        page: u32,
        pages: u32,
        /// The image of the shown page.
        url: String,
    },
    Video {
        content_id: ContentId,
        name: String,
        url: String,
        playing: bool,
        /// The position when the server sent this message (a client adds the time since).
        position_ms: u64,
    },
    /// An external video (C8), played in step like `video`.
    Link {
        url: String,
        name: String,
        playing: bool,
        position_ms: u64,
    },
}

/// What `content_control` does to the stage's content (`"action"` on the wire).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "action", rename_all = "snake_case")]
pub enum ContentAction {
    /// Show this page of the PDF (1-based).
    Page { page: u32 },
    /// Play the video from this position.
    Play { position_ms: u64 },
    /// Pause the video at this position.
    Pause { position_ms: u64 },
    /// Move the video to this position, playing or not as before.
    Seek { position_ms: u64 },
}

/// People connected to a session, for the roles that may see it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct Audience {
    pub attendees: u32,
    pub speakers: u32,
    /// Moderators, the room's owner and managers included.
    pub moderators: u32,
}

/// What kind of file a content item is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ContentKind {
    Image,
    Pdf,
    Video,
}

/// Where an uploaded content item is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ContentStatus {
    Processing,
    Ready,
    Failed,
}

/// One content item of the session, as staff see it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ContentInfo {
    pub content_id: ContentId,
    pub kind: ContentKind,
    pub name: String,
    pub status: ContentStatus,
    /// 0 to 100.
    pub progress: u8,
    /// A PDF's page count once ready.
    #[serde(default)]
    pub pages: Option<u32>,
    /// Why it failed, for a person.
    #[serde(default)]
    pub error: Option<String>,
}
