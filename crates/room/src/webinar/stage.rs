//! A session's stage: arranging it, content control and content items, and what it shows now.

use super::Webinar;
use crate::effects::Effect;
use crate::error::RoomError;
use crate::permissions::Action;
use crate::room::{Participant, Room};
use amphi_proto::{
    ContentAction, ContentId, ContentInfo, ContentKind, ContentStatus, MAX_STAGE_MEMBERS,
    ParticipantId, PublicationId, ServerMessage, Source, Stage, StageContent, StageContentRequest,
    StageLayout, StageMember, StageRequest,
};
use std::time::{Duration, Instant};

/// A stage member, or a screen's sharer, as the stage remembers them: by signed-in user, else
/// (never for staff today) by participant id.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) enum MemberKey {
    User(String),
    Participant(ParticipantId),
}

impl MemberKey {
    fn of(p: &Participant) -> Self {
        match &p.identity.user {
            Some(user) => MemberKey::User(user.clone()),
            None => MemberKey::Participant(p.id.clone()),
        }
    }

    fn is(&self, p: &Participant) -> bool {
        match self {
            MemberKey::User(user) => p.identity.user.as_ref() == Some(user),
            MemberKey::Participant(id) => &p.id == id,
        }
    }
}

/// The content on the stage, as kept.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) enum ContentState {
    Screen(MemberKey),
    Image(ContentId),
    Pdf {
        id: ContentId,
        page: u32,
    },
    /// `position_ms` at `at`; while playing, the position moves on with time.
    Video {
        id: ContentId,
        playing: bool,
        position_ms: u64,
        at: Instant,
    },
    /// An external video (C8): played like `Video`.
    Link {
        url: String,
        name: String,
        playing: bool,
        position_ms: u64,
        at: Instant,
    },
}

/// What the stage shows, comparable with what was last told (a playing video's position is
/// kept as (position, at): time passing is not a change).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct Shown {
    layout: StageLayout,
    members: Vec<StageMember>,
    content: Option<ShownContent>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum ShownContent {
    Still(StageContent),
    Video {
        content_id: ContentId,
        name: String,
        url: String,
        playing: bool,
        position_ms: u64,
        at: Instant,
    },
    Link {
        url: String,
        name: String,
        playing: bool,
        position_ms: u64,
        at: Instant,
    },
}

impl Shown {
    pub(super) fn empty() -> Self {
        Shown {
            layout: StageLayout::Grid,
            members: Vec::new(),
            content: None,
        }
    }

    /// On the wire, as of `now` (`None`: no time known, the kept position).
    pub(super) fn render(&self, now: Option<Instant>) -> Stage {
        let content = self.content.as_ref().map(|c| match c {
            ShownContent::Still(content) => content.clone(),
            ShownContent::Video {
                content_id,
                name,
                url,
                playing,
                position_ms,
                at,
            } => StageContent::Video {
                content_id: content_id.clone(),
                name: name.clone(),
                url: url.clone(),
                playing: *playing,
                position_ms: video_position(*playing, *position_ms, *at, now),
            },
            ShownContent::Link {
                url,
                name,
                playing,
                position_ms,
                at,
            } => StageContent::Link {
                url: url.clone(),
                name: name.clone(),
                playing: *playing,
                position_ms: video_position(*playing, *position_ms, *at, now),
            },
        });
        Stage {
            layout: self.layout,
            members: self.members.clone(),
            content,
        }
    }
}

fn video_position(playing: bool, position_ms: u64, at: Instant, now: Option<Instant>) -> u64 {
    if !playing {
        return position_ms;
    }
    let elapsed = now.map_or(Duration::ZERO, |n| n.saturating_duration_since(at));
    position_ms.saturating_add(u64::try_from(elapsed.as_millis()).unwrap_or(u64::MAX))
}

impl Room {
    /// A moderator replaces the stage (ArrangeStage). Members must be staff connected now, at
    /// most 9, each once; a screen must be shared now; content items must be ready and of their
    /// kind; a PDF page in range; layout `content` needs content. A video already on the stage
    /// keeps its playback. A refusal changes nothing.
    pub fn set_stage(
        &mut self,
        now: Instant,
        by: &ParticipantId,
        request: StageRequest,
    ) -> Result<Vec<Effect>, RoomError> {
        self.clock = Some(now);
        self.check(by, Action::ArrangeStage)?;
        let w = self.webinar.as_deref().ok_or(RoomError::NotASession)?;
        if request.members.len() > MAX_STAGE_MEMBERS {
            return Err(invalid(format!(
                "a stage has at most {MAX_STAGE_MEMBERS} members"
            )));
        }
        let mut members = Vec::with_capacity(request.members.len());
        for id in &request.members {
            let p = self.present_staff(id)?;
            let key = MemberKey::of(p);
            if members.contains(&key) {
                return Err(invalid(format!("{id} is on the stage twice")));
            }
            members.push(key);
        }
        let content = match request.content {
            None => None,
            Some(StageContentRequest::Screen { participant_id }) => {
                let p = self.present_staff(&participant_id)?;
                if self.publication_of(&p.id, Source::Screen).is_none() {
                    return Err(invalid(format!("{participant_id} is not sharing a screen")));
                }
                Some(ContentState::Screen(MemberKey::of(p)))
            }
            Some(StageContentRequest::Image { content_id }) => {
                ready_content(w, &content_id, ContentKind::Image)?;
                Some(ContentState::Image(content_id))
            }
            Some(StageContentRequest::Pdf { content_id, page }) => {
                let info = ready_content(w, &content_id, ContentKind::Pdf)?;
                check_page(info, page)?;
                Some(ContentState::Pdf {
                    id: content_id,
                    page,
                })
            }
            Some(StageContentRequest::Video { content_id }) => {
                ready_content(w, &content_id, ContentKind::Video)?;
                match &w.content {
                    Some(kept @ ContentState::Video { id, .. }) if id == &content_id => {
                        Some(kept.clone())
                    }
                    _ => Some(ContentState::Video {
                        id: content_id,
                        playing: false,
                        position_ms: 0,
                        at: now,
                    }),
                }
            }
            Some(StageContentRequest::Link { url, name }) => {
                let (url, name) = check_link(&url, &name)?;
                // The same link again keeps its playback (its title may change).
                let (playing, position_ms, at) = match &w.content {
                    Some(ContentState::Link {
                        url: same,
                        playing,
                        position_ms,
                        at,
                        ..
                    }) if same == &url => (*playing, *position_ms, *at),
                    _ => (false, 0, now),
                };
                Some(ContentState::Link {
                    url,
                    name,
                    playing,
                    position_ms,
                    at,
                })
            }
        };
        if request.layout == StageLayout::Content && content.is_none() {
            return Err(invalid(
                "the content layout needs content on the stage".into(),
            ));
        }
        if let Some(w) = self.webinar.as_deref_mut() {
            w.layout = request.layout;
            w.members = members;
            w.content = content;
        }
        Ok(self.settle(now))
    }

    /// A moderator or speaker acts on the stage's content (PresentContent): a PDF's page, a
    /// video's play, pause, seek. A refusal changes nothing.
    pub fn content_control(
        &mut self,
        now: Instant,
        by: &ParticipantId,
        action: ContentAction,
    ) -> Result<Vec<Effect>, RoomError> {
        self.clock = Some(now);
        self.check(by, Action::PresentContent)?;
        let w = self.webinar.as_deref_mut().ok_or(RoomError::NotASession)?;
        let pages = match &w.content {
            Some(ContentState::Pdf { id, .. }) => w
                .contents
                .iter()
                .find(|c| &c.content_id == id)
                .map(pages_of),
            _ => None,
        };
        match (&mut w.content, action) {
            (None, _) => {
                return Err(RoomError::InvalidContentControl(
                    "there is no content on the stage",
                ));
            }
            (Some(ContentState::Pdf { page, .. }), ContentAction::Page { page: to }) => {
                if to == 0 || to > pages.unwrap_or(1) {
                    return Err(RoomError::InvalidContentControl("no such page in this PDF"));
                }
                *page = to;
            }
            (
                Some(
                    ContentState::Video {
                        playing,
                        position_ms,
                        at,
                        ..
                    }
                    | ContentState::Link {
                        playing,
                        position_ms,
                        at,
                        ..
                    },
                ),
                ContentAction::Play { position_ms: to }
                | ContentAction::Pause { position_ms: to }
                | ContentAction::Seek { position_ms: to },
            ) => {
                match action {
                    ContentAction::Play { .. } => *playing = true,
                    ContentAction::Pause { .. } => *playing = false,
                    _ => {}
                }
                *position_ms = to;
                *at = now;
            }
            _ => {
                return Err(RoomError::InvalidContentControl(
                    "this action does not apply to the content on the stage",
                ));
            }
        }
        Ok(self.settle(now))
    }

    /// The session's content items changed in the store: staff get `contents_updated`; an item
    /// on the stage that is gone or no longer ready leaves it (layout `content` becomes
    /// `grid`).
    pub fn set_contents(&mut self, now: Instant, contents: Vec<ContentInfo>) -> Vec<Effect> {
        let Some(w) = self.webinar.as_deref_mut() else {
            return Vec::new();
        };
        w.contents = contents.clone();
        let staged_id = match &w.content {
            Some(ContentState::Image(id))
            | Some(ContentState::Pdf { id, .. })
            | Some(ContentState::Video { id, .. }) => Some(id.clone()),
            Some(ContentState::Screen(_) | ContentState::Link { .. }) | None => None,
        };
        if let Some(id) = staged_id {
            let still_ready = w
                .contents
                .iter()
                .any(|c| c.content_id == id && c.status == ContentStatus::Ready);
            if !still_ready {
                w.content = None;
                if w.layout == StageLayout::Content {
                    w.layout = StageLayout::Grid;
                }
            }
        }
        let mut effects = self.to_all(ServerMessage::ContentsUpdated { contents });
        effects.extend(self.settle(now));
        effects
    }

    /// A staff participant connected now, for the stage.
    fn present_staff(&self, id: &ParticipantId) -> Result<&Participant, RoomError> {
        self.participant(id)
            .filter(|p| p.is_connected())
            .ok_or_else(|| invalid(format!("{id} is not a staff participant connected now")))
    }

    /// The connected participant a stage key stands for (the latest to join, if two tabs).
    fn resolve(&self, key: &MemberKey) -> Option<&Participant> {
        self.participants
            .iter()
            .rev()
            .find(|p| p.is_connected() && key.is(p))
    }

    fn publication_of(&self, id: &ParticipantId, source: Source) -> Option<&crate::Publication> {
        self.publications
            .iter()
            .find(|p| &p.participant == id && p.source == source)
    }

    /// What the stage shows now: present members, content that can be shown.
    pub(super) fn shown_now(&self, w: &Webinar) -> Shown {
        let members = w
            .members
            .iter()
            .filter_map(|key| self.resolve(key))
            .map(|p| StageMember {
                participant_id: p.id.clone(),
                name: p.name.clone(),
            })
            .collect();
        let slug = &self.info.slug;
        let named = |id: &ContentId| {
            w.contents
                .iter()
                .find(|c| &c.content_id == id)
                .map(|c| (c.name.clone(), pages_of(c)))
        };
        let content = w.content.as_ref().and_then(|c| match c {
            ContentState::Screen(key) => {
                let p = self.resolve(key)?;
                let screen = self.publication_of(&p.id, Source::Screen)?;
                Some(ShownContent::Still(StageContent::Screen {
                    participant_id: p.id.clone(),
                    name: p.name.clone(),
                    publication_id: screen.id.clone(),
                }))
            }
            ContentState::Image(id) => {
                let (name, _) = named(id)?;
                Some(ShownContent::Still(StageContent::Image {
                    content_id: id.clone(),
                    name,
                    url: format!("/s/{slug}/content/{id}"),
                }))
            }
            ContentState::Pdf { id, page } => {
                let (name, pages) = named(id)?;
                Some(ShownContent::Still(StageContent::Pdf {
                    content_id: id.clone(),
                    name,
                    page: *page,
                    pages,
                    url: format!("/s/{slug}/content/{id}/page/{page}"),
                }))
            }
            ContentState::Video {
                id,
                playing,
                position_ms,
                at,
            } => {
                let (name, _) = named(id)?;
                Some(ShownContent::Video {
                    content_id: id.clone(),
                    name,
                    url: format!("/s/{slug}/content/{id}"),
                    playing: *playing,
                    position_ms: *position_ms,
                    at: *at,
                })
            }
            ContentState::Link {
                url,
                name,
                playing,
                position_ms,
                at,
            } => Some(ShownContent::Link {
                url: url.clone(),
                name: name.clone(),
                playing: *playing,
                position_ms: *position_ms,
                at: *at,
            }),
        });
        Shown {
            layout: w.layout,
            members,
            content,
        }
    }

    /// The publications on the stage: the shown members' microphone and camera, the shown
    /// screen and its audio; in publishing order.
    pub(super) fn desired_staged(&self, shown: &Shown) -> Vec<PublicationId> {
        let screen_owner = match &shown.content {
            Some(ShownContent::Still(StageContent::Screen { participant_id, .. })) => {
                Some(participant_id)
            }
            _ => None,
        };
        self.publications
            .iter()
            .filter(|p| {
                let member = shown
                    .members
                    .iter()
                    .any(|m| m.participant_id == p.participant)
                    && matches!(p.source, Source::Microphone | Source::Camera);
                let screen = screen_owner == Some(&p.participant)
                    && matches!(p.source, Source::Screen | Source::ScreenAudio);
                member || screen
            })
            .map(|p| p.id.clone())
            .collect()
    }
}

fn invalid(message: String) -> RoomError {
    RoomError::InvalidStage(message)
}

fn pages_of(c: &ContentInfo) -> u32 {
    c.pages.unwrap_or(1).max(1)
}

/// A content item of this session, ready, of this kind.
fn ready_content<'a>(
    w: &'a Webinar,
    id: &ContentId,
    kind: ContentKind,
) -> Result<&'a ContentInfo, RoomError> {
    let info = w
        .contents
        .iter()
        .find(|c| &c.content_id == id)
        .ok_or_else(|| invalid(format!("no content item {id} in this session")))?;
    if info.kind != kind {
        return Err(invalid(format!("content item {id} is not of that kind")));
    }
    if info.status != ContentStatus::Ready {
        return Err(invalid(format!("content item {id} is not ready")));
    }
    Ok(info)
}

fn check_page(info: &ContentInfo, page: u32) -> Result<(), RoomError> {
    if page == 0 || page > pages_of(info) {
        return Err(invalid(format!(
            "page {page} is not in this PDF (1 to {})",
            pages_of(info)
        )));
    }
    Ok(())
}

/// The longest external video link, in bytes, and its title, in characters.
const MAX_LINK_BYTES: usize = 2048;
const MAX_LINK_NAME_CHARS: usize = 200;

/// An external video's link and title, checked: http(s), at most 2048 bytes, no spaces or
/// control characters; the title trimmed, at most 200 characters (empty: the link's last
/// path segment).
fn check_link(url: &str, name: &str) -> Result<(String, String), RoomError> {
    let url = url.trim();
    let lower = url.to_ascii_lowercase();
    let rest = lower
        .strip_prefix("https://")
        .or_else(|| lower.strip_prefix("http://"));
    if !rest.is_some_and(|r| !r.is_empty() && !r.starts_with('/')) {
        return Err(invalid(
            "a video link starts with http:// or https:// and a host".into(),
        ));
    }
    if url.len() > MAX_LINK_BYTES {
        return Err(invalid(format!(
            "a video link has at most {MAX_LINK_BYTES} bytes"
        )));
    }
    if url.chars().any(|c| c.is_whitespace() || c.is_control()) {
        return Err(invalid("a video link has no spaces".into()));
    }
    let name = name.trim();
    if name.chars().count() > MAX_LINK_NAME_CHARS || name.chars().any(char::is_control) {
        return Err(invalid(format!(
            "a video's title has at most {MAX_LINK_NAME_CHARS} characters, on one line"
        )));
    }
    let name = if name.is_empty() {
        let path = url.split(['?', '#']).next().unwrap_or(url);
        path.rsplit('/')
            .next()
            .unwrap_or(path)
            .chars()
            .take(MAX_LINK_NAME_CHARS)
            .collect()
    } else {
        name.to_owned()
    };
    Ok((url.to_owned(), name))
}
