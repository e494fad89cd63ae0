//! Roles to permissions: the one table. Every check in the server goes through [`may`].

use amphi_proto::{Role, Source};

/// Something a participant (or a signed-in user acting on a room) may try to do.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Action {
    /// Send one kind of media.
    Publish(Source),
    /// Raise or lower one's own hand.
    RaiseHand,
    /// Write in the group chat.
    Chat,
    /// Open or close the room (R2).
    OpenClose,
    /// Admit or deny people waiting in the lobby (R4).
    Admit,
    /// Switch the waiting room (lock) on or off (R4).
    Lock,
    /// Mute someone else's microphone (C10).
    MuteOthers,
    /// Stop someone else's camera or screen (C10).
    StopVideoOthers,
    /// Remove a participant (C10).
    Remove,
    /// Change a participant's role in the room (C10).
    ChangeRole,
    /// Lower someone else's raised hand (C4); one's own needs only `RaiseHand`.
    LowerHands,
    /// Type in the shared notes while they are not locked (C5).
    EditNotes,
    /// Lock the shared notes to read-only and unlock them; edit them even when locked (C5).
    ManageNotes,
    /// Create, open, close and publish polls, and see their answers live (C7).
    RunPolls,
    /// Vote in an open poll (C7); attendees too.
    Vote,
    /// Start or stop a recording (V1).
    Record,
    /// Start or stop the room's stream to its RTMP server (S2).
    Stream,
    /// Invite people by link or e-mail (R6, R7).
    Invite,
    /// Share the room with moderators and managers, change its settings (R7).
    ManageRoom,
    /// Delete the room.
    DeleteRoom,
    /// Start or stop a session's live (W4).
    StartStopLive,
    /// Choose who and what is on a session's stage (C9).
    ArrangeStage,
    /// See how many people are connected to a session (W7).
    SeeAudience,
    /// Turn the staged PDF's pages, play, pause or seek the staged video (C2, C8).
    PresentContent,
    /// Draw on the staged PDF page or image, erase, undo, clear a page (C6); when a moderator
    /// lets everyone draw, the server allows it to every role (signaling/actor/annotations.rs).
    Annotate,
    /// Let everyone draw on the stage's page, or only presenters and moderators (C6).
    AllowAnnotation,
}

/// Whether `role` may do `action`. The only place where roles become permissions.
pub fn may(role: Role, action: Action) -> bool {
    use Role::{Manager, Moderator, Owner, Participant, Speaker};
    // Attendees appear only in `Vote`: otherwise they only receive.
    let allowed: &[Role] = match action {
        Action::Publish(_) | Action::RaiseHand | Action::Chat => {
            &[Owner, Manager, Moderator, Participant, Speaker]
        }
        Action::OpenClose
        | Action::Admit
        | Action::Lock
        | Action::MuteOthers
        | Action::StopVideoOthers
        | Action::Remove
        | Action::ChangeRole
        | Action::LowerHands
        | Action::Record
        | Action::Stream
        | Action::StartStopLive
        | Action::ArrangeStage
        | Action::SeeAudience => &[Owner, Manager, Moderator],
        Action::PresentContent | Action::Annotate => &[Owner, Manager, Moderator, Speaker],
        Action::AllowAnnotation => &[Owner, Manager, Moderator],
        Action::EditNotes => &[Owner, Manager, Moderator, Participant, Speaker],
        Action::ManageNotes | Action::RunPolls => &[Owner, Manager, Moderator],
        Action::Vote => &[
            Owner,
            Manager,
            Moderator,
            Participant,
            Speaker,
            Role::Attendee,
        ],
        Action::Invite | Action::ManageRoom => &[Owner, Manager],
        Action::DeleteRoom => &[Owner],
    };
    allowed.contains(&role)
}

/// Whether someone with role `actor` may aim a moderation request (mute, remove, set_role,
/// lower_hand) at someone with role `target`, the action itself being allowed: never at the
/// owner, never at a higher rank (owner > manager > moderator > participant = speaker), never
/// at an attendee (nobody sees them). Aiming at oneself is decided by the room (only one's own
/// hand may be lowered).
pub fn may_target(actor: Role, target: Role) -> bool {
    target != Role::Owner && target != Role::Attendee && rank(target) <= rank(actor)
}

/// Owner 4 > manager 3 > moderator 2 > participant = speaker 1 > attendee 0.
fn rank(role: Role) -> u8 {
    match role {
        Role::Owner => 4,
        Role::Manager => 3,
        Role::Moderator => 2,
        Role::Participant | Role::Speaker => 1,
        Role::Attendee => 0,
    }
}
