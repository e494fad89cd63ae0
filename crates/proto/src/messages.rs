//! The two message enums, one per direction.

use crate::annotations::{AnnotationPage, AnnotationsState, Point, Stroke, StrokeInput};
use crate::ids::{KnockId, ParticipantId, PublicationId};
use crate::notes::NotesInfo;
use crate::polls::{PollId, PollInfo, PollRequest};
use crate::recording::{RecordingInfo, RecordingRequest, RecordingStopReason};
use crate::stream::StreamInfo;
use crate::types::{
    ActedBy, ChatMessage, ErrorCode, IceCandidate, IceServer, Knock, KnockOutcome, LeaveReason,
    Leg, MeetingEndReason, ModerationAction, ParticipantInfo, PublicationInfo, PublishTrack, Role,
    RoomInfo, Source, SubscribeTrack, WaitingReason,
};
use crate::webinar::{Audience, ContentAction, ContentInfo, LiveInfo, Stage, StageRequest};
use serde::{Deserialize, Serialize};

/// Client to server.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum ClientMessage {
    /// The first message on a socket.
    Join {
        version: u32,
        name: String,
        #[serde(default)]
        resume_token: Option<String>,
        /// A random id the browser keeps (`localStorage["amphi.client_key"]`), used only to
        /// recognise a removed person; 8 to 64 of `[A-Za-z0-9_-]`, else ignored.
        #[serde(default)]
        client_key: Option<String>,
    },
    /// The publisher leg's offer, and what each sending mid carries.
    PublishOffer {
        sdp: String,
        tracks: Vec<PublishTrack>,
    },
    /// The answer to the last `subscribe_offer`.
    SubscribeAnswer { sdp: String },
    /// A trickled candidate of one of the client's legs.
    IceCandidate { leg: Leg, candidate: IceCandidate },
    /// The client muted or unmuted one of its sources.
    SetMuted { source: Source, muted: bool },
    /// The size a received video is shown at (0×0: not shown).
    SetVideoSize {
        publication_id: PublicationId,
        width: u32,
        height: u32,
    },
    /// Leave for good.
    Leave,
    /// Answered by `pong`.
    Ping,
    /// Open or close the room (OpenClose); also allowed while waiting.
    SetRoomOpen { open: bool },
    /// Switch the waiting room on or off (Lock); off admits everyone knocking.
    SetWaitingRoom { enabled: bool },
    /// Let these knocks in (Admit); unknown ids are ignored.
    Admit { knock_ids: Vec<KnockId> },
    /// Turn these knocks away (Admit); unknown ids are ignored.
    Deny { knock_ids: Vec<KnockId> },
    /// Mute someone's microphone or screen audio (MuteOthers), or stop their camera or screen
    /// (StopVideoOthers).
    Mute {
        participant_id: ParticipantId,
        source: Source,
    },
    /// Remove someone from the meeting (Remove); they must knock to come back.
    Remove { participant_id: ParticipantId },
    /// Make someone a moderator or a participant (ChangeRole).
    SetRole {
        participant_id: ParticipantId,
        role: Role,
    },
    /// Raise or lower one's own hand (RaiseHand).
    RaiseHand { raised: bool },
    /// Lower someone's hand (LowerHands; one's own needs only RaiseHand).
    LowerHand { participant_id: ParticipantId },
    /// Say something in the meeting's chat (Chat).
    ChatSend { text: String },
    /// Start the session's live (StartStopLive).
    StartLive,
    /// End the session's live for good (StartStopLive); the client confirms first.
    StopLive,
    /// Replace the whole stage (ArrangeStage).
    SetStage { stage: StageRequest },
    /// Turn the stage's PDF page, or play, pause or seek its video (PresentContent).
    ContentControl {
        #[serde(flatten)]
        action: ContentAction,
    },
    /// A Yjs update (v1, base64) of the shared notes (EditNotes; refused while locked unless
    /// ManageNotes). Relayed as `notes_update` to the others.
    NotesUpdate { update: String },
    /// Lock the notes to read-only, or unlock them (ManageNotes).
    SetNotesLocked { locked: bool },
    /// Create a poll, as a draft (RunPolls); answered by `poll_updated`.
    PollCreate {
        #[serde(flatten)]
        poll: PollRequest,
    },
    /// Open a draft poll to votes (RunPolls).
    PollOpen { poll_id: PollId },
    /// Stop an open poll's votes (RunPolls).
    PollClose { poll_id: PollId },
    /// Show a closed poll's results to everyone (RunPolls).
    PollPublish { poll_id: PollId },
    /// Vote in an open poll (Vote): one option's index, or several for a multiple-choice poll.
    PollVote { poll_id: PollId, choices: Vec<u32> },
    /// Start the server's recording of the room or live (Record); answered by
    /// `recording_updated` to everyone.
    StartRecording {
        #[serde(flatten)]
        options: RecordingRequest,
    },
    /// Stop the running recording (Record).
    StopRecording,
    /// Start (or restart) the room's stream to its RTMP server (Stream); answered by
    /// `stream_updated` to everyone.
    StartStream,
    /// Stop the room's stream (Stream); it stays stopped until started again.
    StopStream,
    /// Draw a stroke on the stage's page (Annotate, or everyone when allowed).
    AnnotationAdd {
        page: AnnotationPage,
        stroke: StrokeInput,
    },
    /// More points of one's own pen or highlighter stroke, as it is drawn.
    AnnotationExtend {
        stroke_id: String,
        points: Vec<Point>,
    },
    /// Erase these strokes of the stage's page (the eraser).
    AnnotationRemove {
        page: AnnotationPage,
        stroke_ids: Vec<String>,
    },
    /// Remove one's own last stroke on this page.
    AnnotationUndo { page: AnnotationPage },
    /// Remove every stroke of this page.
    AnnotationClear { page: AnnotationPage },
    /// Let everyone draw, or only presenters and moderators (AllowAnnotation).
    SetAnnotationAccess { everyone: bool },
}

impl ClientMessage {
    /// The wire `type`, for `error.request` and logs.
    pub fn type_name(&self) -> &'static str {
        match self {
            ClientMessage::Join { .. } => "join",
            ClientMessage::PublishOffer { .. } => "publish_offer",
            ClientMessage::SubscribeAnswer { .. } => "subscribe_answer",
            ClientMessage::IceCandidate { .. } => "ice_candidate",
            ClientMessage::SetMuted { .. } => "set_muted",
            ClientMessage::SetVideoSize { .. } => "set_video_size",
            ClientMessage::Leave => "leave",
            ClientMessage::Ping => "ping",
            ClientMessage::SetRoomOpen { .. } => "set_room_open",
            ClientMessage::SetWaitingRoom { .. } => "set_waiting_room",
            ClientMessage::Admit { .. } => "admit",
            ClientMessage::Deny { .. } => "deny",
            ClientMessage::Mute { .. } => "mute",
            ClientMessage::Remove { .. } => "remove",
            ClientMessage::SetRole { .. } => "set_role",
            ClientMessage::RaiseHand { .. } => "raise_hand",
            ClientMessage::LowerHand { .. } => "lower_hand",
            ClientMessage::ChatSend { .. } => "chat_send",
            ClientMessage::StartLive => "start_live",
            ClientMessage::StopLive => "stop_live",
            ClientMessage::SetStage { .. } => "set_stage",
            ClientMessage::ContentControl { .. } => "content_control",
            ClientMessage::NotesUpdate { .. } => "notes_update",
            ClientMessage::SetNotesLocked { .. } => "set_notes_locked",
            ClientMessage::PollCreate { .. } => "poll_create",
            ClientMessage::PollOpen { .. } => "poll_open",
            ClientMessage::PollClose { .. } => "poll_close",
            ClientMessage::PollPublish { .. } => "poll_publish",
            ClientMessage::PollVote { .. } => "poll_vote",
            ClientMessage::StartRecording { .. } => "start_recording",
            ClientMessage::StopRecording => "stop_recording",
            ClientMessage::AnnotationAdd { .. } => "annotation_add",
            ClientMessage::AnnotationExtend { .. } => "annotation_extend",
            ClientMessage::AnnotationRemove { .. } => "annotation_remove",
            ClientMessage::AnnotationUndo { .. } => "annotation_undo",
            ClientMessage::AnnotationClear { .. } => "annotation_clear",
            ClientMessage::SetAnnotationAccess { .. } => "set_annotation_access",
            ClientMessage::StartStream => "start_stream",
            ClientMessage::StopStream => "stop_stream",
        }
    }
}

/// Server to client.
// `welcome` is much larger than the rest; it is sent once per join, so boxing its fields for
// every reader's sake would cost more clarity than the memory it saves.
#[allow(clippy::large_enum_variant)]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum ServerMessage {
    /// The answer to a successful `join`.
    Welcome {
        participant_id: ParticipantId,
        resume_token: String,
        resumed: bool,
        role: Role,
        room: RoomInfo,
        /// Everyone else, the receiver excluded.
        participants: Vec<ParticipantInfo>,
        /// Every publication of the others.
        publications: Vec<PublicationInfo>,
        ice_servers: Vec<IceServer>,
        /// Whether the room's waiting room is on.
        #[serde(default)]
        waiting_room: bool,
        /// The meeting's chat so far, oldest first (at most `MAX_CHAT_HISTORY`).
        #[serde(default)]
        chat: Vec<ChatMessage>,
        /// Who is knocking now; empty for roles that may not admit.
        #[serde(default)]
        knocks: Vec<Knock>,
        #[serde(default)]
        active_speaker: Option<ParticipantId>,
        /// A session's live; `null` in a room.
        #[serde(default)]
        live: Option<LiveInfo>,
        /// A session's stage; `null` in a room.
        #[serde(default)]
        stage: Option<Stage>,
        /// Who is connected to the session; `null` unless the role may see it.
        #[serde(default)]
        audience: Option<Audience>,
        /// The session's content items; empty unless staff.
        #[serde(default)]
        contents: Vec<ContentInfo>,
        /// A session's annotations (who may draw, the annotated pages); `null` in a room.
        #[serde(default)]
        annotations: Option<AnnotationsState>,
        /// The shared notes; `null` for attendees.
        #[serde(default)]
        notes: Option<NotesInfo>,
        /// The polls the receiver may see (drafts only for those who run polls); left out
        /// when there are none.
        #[serde(default, skip_serializing_if = "Vec::is_empty")]
        polls: Vec<PollInfo>,
        /// The server's recording running now, if any (everyone sees the indicator).
        #[serde(default)]
        recording: Option<RecordingInfo>,
        /// The room's (or live's) stream; `null` when none is configured.
        #[serde(default)]
        stream: Option<StreamInfo>,
    },
    /// The `join` is held (closed room, or knocking); `welcome` follows when the person gets in.
    Waiting {
        reason: WaitingReason,
        /// The role may open the room (the client offers an "Open the room" button).
        can_open: bool,
    },
    /// Something went wrong; fatal codes are followed by a close.
    Error {
        code: ErrorCode,
        message: String,
        /// The `type` of the client message this answers, if known.
        request: Option<String>,
        /// Who did it, when a person did (`removed`, `denied`): the client names them in its
        /// own language rather than show `message`.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        by: Option<String>,
    },
    PublishAnswer {
        sdp: String,
    },
    SubscribeOffer {
        sdp: String,
        tracks: Vec<SubscribeTrack>,
    },
    IceCandidate {
        leg: Leg,
        candidate: IceCandidate,
    },
    ParticipantJoined {
        participant: ParticipantInfo,
    },
    ParticipantUpdated {
        participant: ParticipantInfo,
    },
    ParticipantLeft {
        participant_id: ParticipantId,
        reason: LeaveReason,
    },
    PublicationAdded {
        publication: PublicationInfo,
    },
    PublicationRemoved {
        publication_id: PublicationId,
    },
    PublicationMuted {
        publication_id: PublicationId,
        muted: bool,
    },
    ActiveSpeaker {
        participant_id: Option<ParticipantId>,
    },
    Pong,
    /// A room setting changed.
    RoomUpdated {
        waiting_room: bool,
    },
    /// Someone knocked (only to those who may admit).
    KnockAdded {
        knock: Knock,
    },
    /// A knock ended (only to those who may admit); `by` names who admitted or denied.
    KnockRemoved {
        knock_id: KnockId,
        outcome: KnockOutcome,
        by: Option<String>,
    },
    /// A moderator did something to the receiver.
    Moderated {
        action: ModerationAction,
        by: ActedBy,
        /// For `muted`, `camera_stopped`, `screen_stopped`.
        source: Option<Source>,
        /// For `role_changed`: the new role.
        role: Option<Role>,
    },
    ChatMessage {
        message: ChatMessage,
    },
    /// The meeting is over; the server closes the socket normally (1000) after it.
    MeetingEnded {
        reason: MeetingEndReason,
        /// Who closed or deleted the room, when known.
        by: Option<String>,
    },
    /// The session's live changed (to everyone).
    LiveUpdated {
        live: LiveInfo,
    },
    /// What the stage shows changed (to everyone).
    StageUpdated {
        stage: Stage,
    },
    /// The counts of people connected (only to roles that may see them; at most once a second).
    Audience {
        audience: Audience,
    },
    /// The session's content items changed (to staff).
    ContentsUpdated {
        contents: Vec<ContentInfo>,
    },
    /// Someone else's Yjs update of the shared notes (v1, base64): apply it.
    NotesUpdate {
        update: String,
    },
    /// The whole notes, replacing the receiver's copy: after one of its updates was refused
    /// (its local edit must be undone), or when the lock changes.
    NotesState {
        notes: NotesInfo,
        /// Who locked or unlocked them, when that is why.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        by: Option<String>,
    },
    /// A poll appeared or changed, as the receiver may see it.
    PollUpdated {
        poll: PollInfo,
    },
    /// The server's recording started (`recording` set) or stopped (`null`, with `reason`),
    /// to everyone in the room or live.
    RecordingUpdated {
        recording: Option<RecordingInfo>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        reason: Option<RecordingStopReason>,
    },
    /// The stream's state changed (to everyone in the room or live).
    StreamUpdated {
        stream: StreamInfo,
    },
    /// A stroke was drawn on a page (to everyone).
    AnnotationAdded {
        page: AnnotationPage,
        stroke: Stroke,
    },
    /// A stroke being drawn got more points (to everyone but its author).
    AnnotationExtended {
        stroke_id: String,
        points: Vec<Point>,
    },
    /// Strokes were erased or undone (to everyone).
    AnnotationRemoved {
        page: AnnotationPage,
        stroke_ids: Vec<String>,
    },
    /// Every stroke of a page was removed (to everyone).
    AnnotationCleared {
        page: AnnotationPage,
        by: Option<String>,
    },
    /// Who may draw changed (to everyone).
    AnnotationAccess {
        everyone: bool,
        by: Option<String>,
    },
}
