//! Sessions (webinars, W3–W7, C9): the live, the stage, content control, attendees and the
//! audience counts.
//!
//! A session is a [`Room`] built with [`Room::webinar`]: always open, no waiting room. Its
//! staff (owner, manager, moderator, speaker) are its `participants` and see each other as in
//! a meeting (the backstage). Its attendees are kept apart: nobody lists them, they hear of
//! nobody joining or leaving, and they receive only the stage's publications, only while the
//! live is `live`.
//!
//! The live's state comes from the store (the truth): the caller writes it, then tells the room
//! ([`Room::set_live`]). The stage remembers its members by person (the signed-in user), so a
//! member who reloads is back on it at once; one who is away stays on it but is not shown.
//!
//! What everyone sees is derived, not pushed by each decision: [`Room::settle`] compares what
//! the stage shows, what attendees should receive and the audience counts with what was last
//! told, and emits the difference. The caller runs it after every decision (decisions that take
//! the time run it themselves).

use crate::admission::Identity;
use crate::admission::RoomSettings;
use crate::chat::ChatRate;
use crate::effects::Effect;
use crate::error::RoomError;
use crate::permissions::{Action, may};
use crate::room::{Fresh, Joined, Participant, Presence, Room, RoomConfig, same_secret};
use amphi_proto::{
    Audience, ContentAction, ContentId, ContentInfo, ContentKind, ContentStatus, LiveInfo,
    LiveState, MAX_STAGE_MEMBERS, MeetingEndReason, ParticipantId, PublicationId, PublicationInfo,
    Role, RoomInfo, ServerMessage, Source, Stage, StageContent, StageContentRequest, StageLayout,
    StageMember, StageRequest,
};
use std::time::{Duration, Instant};

/// Audience counts are told at most this often.
pub const AUDIENCE_INTERVAL: Duration = Duration::from_secs(1);

/// Whether a room holds meetings or is a session's live.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RoomKind {
    Meeting,
    Webinar { max_attendees: usize },
}

/// A stage member, or a screen's sharer, as the stage remembers them: by signed-in user, else
/// (never for staff today) by participant id.
#[derive(Debug, Clone, PartialEq, Eq)]
enum MemberKey {
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
enum ContentState {
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
}

/// What the stage shows, comparable with what was last told (a playing video's position is
/// kept as (position, at): time passing is not a change).
#[derive(Debug, Clone, PartialEq, Eq)]
struct Shown {
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
}

impl Shown {
    fn empty() -> Self {
        Shown {
            layout: StageLayout::Grid,
            members: Vec::new(),
            content: None,
        }
    }

    /// On the wire, as of `now` (`None`: no time known, the kept position).
    fn render(&self, now: Option<Instant>) -> Stage {
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

/// A session's own state, beside the room's.
#[derive(Debug, Clone)]
pub(crate) struct Webinar {
    max_attendees: usize,
    live: LiveInfo,
    layout: StageLayout,
    /// In display order; shown only while present.
    members: Vec<MemberKey>,
    content: Option<ContentState>,
    contents: Vec<ContentInfo>,
    /// The publications attendees receive now (empty unless live).
    staged: Vec<PublicationId>,
    /// What the stage showed when last told.
    shown: Shown,
    audience_sent: Audience,
    audience_at: Option<Instant>,
}

/// The session's part of a `welcome`.
pub(crate) struct WebinarWelcome {
    pub(crate) live: Option<LiveInfo>,
    pub(crate) stage: Option<Stage>,
    pub(crate) audience: Option<Audience>,
    pub(crate) contents: Vec<ContentInfo>,
}

impl Room {
    /// A session's live: open, no waiting room, at most `max_attendees` attendees (staff count
    /// against `config.max_participants`), with the stored live state and content items.
    pub fn webinar(
        info: RoomInfo,
        config: RoomConfig,
        max_attendees: usize,
        live: LiveInfo,
        contents: Vec<ContentInfo>,
    ) -> Self {
        let mut room = Room::with_settings(
            info,
            config,
            RoomSettings {
                open: true,
                waiting_room: false,
            },
        );
        room.webinar = Some(Box::new(Webinar {
            max_attendees,
            live,
            layout: StageLayout::Grid,
            members: Vec::new(),
            content: None,
            contents,
            staged: Vec::new(),
            shown: Shown::empty(),
            audience_sent: Audience::default(),
            audience_at: None,
        }));
        room
    }

    pub fn kind(&self) -> RoomKind {
        match &self.webinar {
            Some(w) => RoomKind::Webinar {
                max_attendees: w.max_attendees,
            },
            None => RoomKind::Meeting,
        }
    }

    /// The session's live; `None` in a meeting room.
    pub fn live(&self) -> Option<&LiveInfo> {
        self.webinar.as_ref().map(|w| &w.live)
    }

    /// A session whose live is on.
    pub fn is_live(&self) -> bool {
        self.live().is_some_and(|l| l.state == LiveState::Live)
    }

    /// The stage as everyone sees it at `now`; `None` in a meeting room.
    pub fn stage(&self, now: Instant) -> Option<Stage> {
        let w = self.webinar.as_deref()?;
        Some(self.shown_now(w).render(Some(now)))
    }

    /// The people connected now; `None` in a meeting room.
    pub fn audience(&self) -> Option<Audience> {
        self.webinar.as_ref().map(|_| self.count_audience())
    }

    /// The session's content items as last given.
    pub fn contents(&self) -> &[ContentInfo] {
        self.webinar.as_deref().map_or(&[], |w| &w.contents)
    }

    /// The publications attendees receive now.
    pub fn staged_publications(&self) -> &[PublicationId] {
        self.webinar.as_deref().map_or(&[], |w| &w.staged)
    }

    /// Changes the attendee cap; those already in stay.
    pub fn set_max_attendees(&mut self, max: usize) {
        if let Some(w) = self.webinar.as_deref_mut() {
            w.max_attendees = max;
        }
    }

    /// May `by` start (`start`) or stop the live now? The check alone, for a caller that writes
    /// the store first: the role (StartStopLive), a session, and the live's state as the room
    /// knows it (`live_ended`, `live_not_started`). `Ok(false)`: allowed, nothing to do (already
    /// live, already ended).
    pub fn check_live(&self, by: &ParticipantId, start: bool) -> Result<bool, RoomError> {
        self.check(by, Action::StartStopLive)?;
        let w = self.webinar.as_deref().ok_or(RoomError::NotASession)?;
        match (start, w.live.state) {
            (true, LiveState::NotStarted) | (false, LiveState::Live) => Ok(true),
            (true, LiveState::Live) | (false, LiveState::Ended) => Ok(false),
            (true, LiveState::Ended) => Err(RoomError::LiveEnded),
            (false, LiveState::NotStarted) => Err(RoomError::LiveNotStarted),
        }
    }

    /// The stored live changed (the caller wrote it, or read it): everyone gets `live_updated`;
    /// attendees start or stop receiving the stage. An ended live never changes again; the same
    /// state again changes nothing.
    pub fn set_live(&mut self, now: Instant, live: LiveInfo) -> Vec<Effect> {
        let Some(w) = self.webinar.as_deref_mut() else {
            return Vec::new();
        };
        if w.live.state == live.state || w.live.state == LiveState::Ended {
            return Vec::new();
        }
        w.live = live.clone();
        let mut effects = self.to_everyone(ServerMessage::LiveUpdated { live });
        effects.extend(self.settle(now));
        effects
    }

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
                Some(ContentState::Video {
                    playing,
                    position_ms,
                    at,
                    ..
                }),
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
            Some(ContentState::Screen(_)) | None => None,
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

    /// The session was deleted: everyone, staff and attendees, gets `meeting_ended`
    /// (`session_deleted`) and is disconnected. The actor stops.
    pub fn session_deleted(&mut self, by: Option<String>) -> Vec<Effect> {
        let message = ServerMessage::MeetingEnded {
            reason: MeetingEndReason::SessionDeleted,
            by: by.clone(),
        };
        let mut effects = Vec::new();
        for a in self.attendees.drain(..) {
            if a.is_connected() {
                effects.push(Effect::Disconnect {
                    participant: a.id.clone(),
                    message: message.clone(),
                });
                effects.push(Effect::CloseMedia { participant: a.id });
            }
        }
        effects.extend(self.end_meeting(MeetingEndReason::SessionDeleted, by));
        if let Some(w) = self.webinar.as_deref_mut() {
            w.staged.clear();
        }
        effects
    }

    /// Tells what changed since last told: the stage (`stage_updated` to everyone), what
    /// attendees receive (while live: the members' microphone and camera, the staged screen and
    /// its audio), and the audience counts (to those who may see them, at most once per
    /// [`AUDIENCE_INTERVAL`]). Nothing in a meeting room. Run it after every decision.
    pub fn settle(&mut self, now: Instant) -> Vec<Effect> {
        self.clock = Some(now);
        let Some(w) = self.webinar.as_deref() else {
            return Vec::new();
        };
        let shown = self.shown_now(w);
        let desired = if w.live.state == LiveState::Live {
            self.desired_staged(&shown)
        } else {
            Vec::new()
        };
        let stage_changed = shown != w.shown;
        let left: Vec<PublicationId> = w
            .staged
            .iter()
            .filter(|p| !desired.contains(p))
            .cloned()
            .collect();
        let entered: Vec<PublicationId> = desired
            .iter()
            .filter(|p| !w.staged.contains(p))
            .cloned()
            .collect();
        let audience = self.count_audience();
        let audience_due = audience != w.audience_sent
            && w.audience_at.is_none_or(|at| now >= at + AUDIENCE_INTERVAL);

        let mut effects = Vec::new();
        if stage_changed {
            effects.extend(self.to_everyone(ServerMessage::StageUpdated {
                stage: shown.render(Some(now)),
            }));
        }
        let watching: Vec<ParticipantId> = self
            .attendees
            .iter()
            .filter(|a| a.is_connected())
            .map(|a| a.id.clone())
            .collect();
        for publication in &left {
            let exists = self.publication(publication).is_some();
            for a in &watching {
                if exists {
                    effects.push(Effect::Unsubscribe {
                        subscriber: a.clone(),
                        publication: publication.clone(),
                    });
                }
                effects.push(Effect::Send {
                    to: a.clone(),
                    message: ServerMessage::PublicationRemoved {
                        publication_id: publication.clone(),
                    },
                });
            }
        }
        for publication in &entered {
            let Some(info) = self.publication(publication).map(|p| p.info()) else {
                continue;
            };
            for a in &watching {
                effects.push(Effect::Send {
                    to: a.clone(),
                    message: ServerMessage::PublicationAdded {
                        publication: info.clone(),
                    },
                });
                effects.push(Effect::Subscribe {
                    subscriber: a.clone(),
                    publication: publication.clone(),
                });
            }
        }
        if audience_due {
            effects.extend(
                self.participants
                    .iter()
                    .filter(|p| p.is_connected() && may(p.role, Action::SeeAudience))
                    .map(|p| Effect::Send {
                        to: p.id.clone(),
                        message: ServerMessage::Audience { audience },
                    }),
            );
        }
        if let Some(w) = self.webinar.as_deref_mut() {
            w.shown = shown;
            w.staged = desired;
            if audience_due {
                w.audience_sent = audience;
                w.audience_at = Some(now);
            }
        }
        effects
    }

    /// When a held-back audience change is due (part of [`Room::next_deadline`]).
    pub(crate) fn audience_deadline(&self) -> Option<Instant> {
        let w = self.webinar.as_deref()?;
        let at = w.audience_at?;
        (self.count_audience() != w.audience_sent).then_some(at + AUDIENCE_INTERVAL)
    }

    /// A new attendee: capped, unlisted, subscribed to what the stage shows (while live).
    pub(crate) fn add_attendee(
        &mut self,
        name: String,
        identity: Identity,
        fresh: Fresh,
        mut effects: Vec<Effect>,
    ) -> Result<Joined, RoomError> {
        let w = self.webinar.as_deref().ok_or(RoomError::Forbidden)?;
        if self.attendees.len() >= w.max_attendees {
            return Err(RoomError::RoomFull(w.max_attendees));
        }
        self.attendees.push(Participant {
            id: fresh.participant_id.clone(),
            name,
            role: Role::Attendee,
            presence: Presence::Connected,
            hand: None,
            resume_token: fresh.resume_token.clone(),
            identity,
            chat_rate: ChatRate::default(),
        });
        let welcome = self.welcome_now(&fresh.participant_id, &fresh.resume_token, false);
        effects.extend(self.staged_for(&fresh.participant_id));
        Ok(Joined {
            participant_id: fresh.participant_id,
            resume_token: fresh.resume_token,
            resumed: false,
            replaced: false,
            effects,
            welcome,
        })
    }

    /// A resume by an attendee's token (part of `resume`): connected again, told nobody.
    pub(crate) fn resume_attendee(
        &mut self,
        name: &str,
        resume_token: Option<&str>,
        fresh: &Fresh,
        effects: &mut Vec<Effect>,
    ) -> Option<Joined> {
        let idx = resume_token.and_then(|token| {
            self.attendees
                .iter()
                .position(|p| !token.is_empty() && same_secret(&p.resume_token, token))
        })?;
        let a = &mut self.attendees[idx];
        let was_connected = a.is_connected();
        a.name = name.to_owned();
        a.presence = Presence::Connected;
        a.resume_token = fresh.resume_token.clone();
        let id = a.id.clone();
        let welcome = self.welcome_now(&id, &fresh.resume_token, true);
        effects.extend(self.staged_for(&id));
        Some(Joined {
            participant_id: id,
            resume_token: fresh.resume_token.clone(),
            resumed: true,
            replaced: was_connected,
            effects: std::mem::take(effects),
            welcome,
        })
    }

    /// An attendee is gone (left, timed out): nobody is told.
    pub(crate) fn remove_attendee(&mut self, id: &ParticipantId) -> Vec<Effect> {
        let Some(idx) = self.attendees.iter().position(|p| &p.id == id) else {
            return Vec::new();
        };
        let gone = self.attendees.remove(idx);
        if gone.is_connected() {
            vec![Effect::CloseMedia {
                participant: gone.id,
            }]
        } else {
            Vec::new()
        }
    }

    /// The session's part of a `welcome` for `role`.
    pub(crate) fn webinar_welcome(&self, role: Role) -> WebinarWelcome {
        let Some(w) = self.webinar.as_deref() else {
            return WebinarWelcome {
                live: None,
                stage: None,
                audience: None,
                contents: Vec::new(),
            };
        };
        WebinarWelcome {
            live: Some(w.live.clone()),
            stage: Some(self.shown_now(w).render(self.clock)),
            audience: may(role, Action::SeeAudience).then(|| self.count_audience()),
            contents: if role == Role::Attendee {
                Vec::new()
            } else {
                w.contents.clone()
            },
        }
    }

    /// What an attendee's `welcome` lists as publications: the staged ones.
    pub(crate) fn staged_infos(&self) -> Vec<PublicationInfo> {
        self.staged_publications()
            .iter()
            .filter_map(|id| self.publication(id).map(|p| p.info()))
            .collect()
    }

    /// To the connected attendees that receive this publication (its `publication_muted`).
    pub(crate) fn to_staged_attendees(
        &self,
        publication: &PublicationId,
        message: ServerMessage,
    ) -> Vec<Effect> {
        if !self.staged_publications().contains(publication) {
            return Vec::new();
        }
        self.to_attendees(message)
    }

    /// To every connected attendee.
    pub(crate) fn to_attendees(&self, message: ServerMessage) -> Vec<Effect> {
        self.attendees
            .iter()
            .filter(|a| a.is_connected())
            .map(|a| Effect::Send {
                to: a.id.clone(),
                message: message.clone(),
            })
            .collect()
    }

    /// To everyone connected: staff and attendees.
    fn to_everyone(&self, message: ServerMessage) -> Vec<Effect> {
        let mut effects = self.to_all(message.clone());
        effects.extend(self.to_attendees(message));
        effects
    }

    fn staged_for(&self, id: &ParticipantId) -> Vec<Effect> {
        self.staged_publications()
            .iter()
            .map(|p| Effect::Subscribe {
                subscriber: id.clone(),
                publication: p.clone(),
            })
            .collect()
    }

    fn count_audience(&self) -> Audience {
        let count = |n: usize| u32::try_from(n).unwrap_or(u32::MAX);
        let connected = self.participants.iter().filter(|p| p.is_connected());
        Audience {
            attendees: count(self.attendees.iter().filter(|a| a.is_connected()).count()),
            speakers: count(
                connected
                    .clone()
                    .filter(|p| p.role == Role::Speaker)
                    .count(),
            ),
            moderators: count(
                connected
                    .filter(|p| matches!(p.role, Role::Owner | Role::Manager | Role::Moderator))
                    .count(),
            ),
        }
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
    fn shown_now(&self, w: &Webinar) -> Shown {
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
        });
        Shown {
            layout: w.layout,
            members,
            content,
        }
    }

    /// The publications on the stage: the shown members' microphone and camera, the shown
    /// screen and its audio; in publishing order.
    fn desired_staged(&self, shown: &Shown) -> Vec<PublicationId> {
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
