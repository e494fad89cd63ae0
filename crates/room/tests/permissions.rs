//! The roles → permissions table, row by row (R2, R4, R7, C4, C10), and who may aim a moderation
//! request at whom. The expected values are written out here, not derived from the code.

use amphi_proto::{Role, Source};
use amphi_room::{Action, may, may_target};

const ROLES: [Role; 6] = [
    Role::Owner,
    Role::Manager,
    Role::Moderator,
    Role::Participant,
    Role::Speaker,
    Role::Attendee,
];

/// Every action, so that a new one cannot be left out of the table: this match has no wildcard,
/// adding an `Action` fails to compile here until it has a row.
fn row_of(action: Action) -> usize {
    match action {
        Action::Publish(Source::Microphone) => 0,
        Action::Publish(Source::Camera) => 1,
        Action::Publish(Source::Screen) => 2,
        Action::Publish(Source::ScreenAudio) => 3,
        Action::RaiseHand => 4,
        Action::Chat => 5,
        Action::OpenClose => 6,
        Action::Admit => 7,
        Action::Lock => 8,
        Action::MuteOthers => 9,
        Action::StopVideoOthers => 10,
        Action::Remove => 11,
        Action::ChangeRole => 12,
        Action::LowerHands => 13,
        Action::Record => 14,
        Action::Invite => 15,
        Action::ManageRoom => 16,
        Action::DeleteRoom => 17,
        Action::StartStopLive => 18,
        Action::ArrangeStage => 19,
        Action::SeeAudience => 20,
        Action::PresentContent => 21,
        Action::Stream => 22,
        Action::EditNotes => 23,
        Action::ManageNotes => 24,
        Action::RunPolls => 25,
        Action::Vote => 26,
        Action::Annotate => 27,
        Action::AllowAnnotation => 28,
    }
}

#[test]
fn every_action_for_every_role() {
    use Action::*;
    const Y: bool = true;
    const N: bool = false;
    // (action, owner, manager, moderator, participant, speaker, attendee)
    let rows: &[(Action, [bool; 6])] = &[
        (Publish(Source::Microphone), [Y, Y, Y, Y, Y, N]),
        (Publish(Source::Camera), [Y, Y, Y, Y, Y, N]),
        (Publish(Source::Screen), [Y, Y, Y, Y, Y, N]),
        (Publish(Source::ScreenAudio), [Y, Y, Y, Y, Y, N]),
        (RaiseHand, [Y, Y, Y, Y, Y, N]),
        (Chat, [Y, Y, Y, Y, Y, N]),
        (OpenClose, [Y, Y, Y, N, N, N]),
        (Admit, [Y, Y, Y, N, N, N]),
        (Lock, [Y, Y, Y, N, N, N]),
        (MuteOthers, [Y, Y, Y, N, N, N]),
        (StopVideoOthers, [Y, Y, Y, N, N, N]),
        (Remove, [Y, Y, Y, N, N, N]),
        (ChangeRole, [Y, Y, Y, N, N, N]),
        (LowerHands, [Y, Y, Y, N, N, N]),
        (Record, [Y, Y, Y, N, N, N]),
        (Invite, [Y, Y, N, N, N, N]),
        (ManageRoom, [Y, Y, N, N, N, N]),
        (DeleteRoom, [Y, N, N, N, N, N]),
        (StartStopLive, [Y, Y, Y, N, N, N]),
        (ArrangeStage, [Y, Y, Y, N, N, N]),
        (SeeAudience, [Y, Y, Y, N, N, N]),
        (PresentContent, [Y, Y, Y, N, Y, N]),
        (Stream, [Y, Y, Y, N, N, N]),
        (EditNotes, [Y, Y, Y, Y, Y, N]),
        (ManageNotes, [Y, Y, Y, N, N, N]),
        (RunPolls, [Y, Y, Y, N, N, N]),
        (Vote, [Y, Y, Y, Y, Y, Y]),
        (Annotate, [Y, Y, Y, N, Y, N]),
        (AllowAnnotation, [Y, Y, Y, N, N, N]),
    ];
    // Every action has exactly one row, in order.
    for (i, (action, _)) in rows.iter().enumerate() {
        assert_eq!(row_of(*action), i, "{action:?} is not at its place");
    }
    assert_eq!(rows.len(), 29);
    for &(action, row) in rows {
        for (role, want) in ROLES.into_iter().zip(row) {
            assert_eq!(may(role, action), want, "{role:?} {action:?}");
        }
    }
}

#[test]
fn who_may_aim_at_whom() {
    // Rows: the actor; columns: the target (owner, manager, moderator, participant, speaker,
    // attendee). Nobody
    // targets the owner; nobody a higher rank; the same rank is fine.
    // Speakers rank as participants; attendees are never targets (nobody sees them).
    let table: [(Role, [bool; 6]); 6] = [
        (Role::Owner, [false, true, true, true, true, false]),
        (Role::Manager, [false, true, true, true, true, false]),
        (Role::Moderator, [false, false, true, true, true, false]),
        (Role::Participant, [false, false, false, true, true, false]),
        (Role::Speaker, [false, false, false, true, true, false]),
        (Role::Attendee, [false, false, false, false, false, false]),
    ];
    for (actor, row) in table {
        for (target, want) in ROLES.into_iter().zip(row) {
            assert_eq!(may_target(actor, target), want, "{actor:?} → {target:?}");
        }
    }
}
