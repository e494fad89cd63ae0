//! The roles → permissions table, row by row (R2, R4, R7, C4, C10), and who may aim a moderation
//! request at whom. The expected values are written out here, not derived from the code.

use amphi_proto::{Role, Source};
use amphi_room::{Action, may, may_target};

const ROLES: [Role; 4] = [
    Role::Owner,
    Role::Manager,
    Role::Moderator,
    Role::Participant,
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
    }
}

#[test]
fn every_action_for_every_role() {
    use Action::*;
    // (action, owner, manager, moderator, participant)
    let rows: &[(Action, bool, bool, bool, bool)] = &[
        (Publish(Source::Microphone), true, true, true, true),
        (Publish(Source::Camera), true, true, true, true),
        (Publish(Source::Screen), true, true, true, true),
        (Publish(Source::ScreenAudio), true, true, true, true),
        (RaiseHand, true, true, true, true),
        (Chat, true, true, true, true),
        (OpenClose, true, true, true, false),
        (Admit, true, true, true, false),
        (Lock, true, true, true, false),
        (MuteOthers, true, true, true, false),
        (StopVideoOthers, true, true, true, false),
        (Remove, true, true, true, false),
        (ChangeRole, true, true, true, false),
        (LowerHands, true, true, true, false),
        (Record, true, true, true, false),
        (Invite, true, true, false, false),
        (ManageRoom, true, true, false, false),
        (DeleteRoom, true, false, false, false),
    ];
    // Every action has exactly one row, in order.
    for (i, (action, ..)) in rows.iter().enumerate() {
        assert_eq!(row_of(*action), i, "{action:?} is not at its place");
    }
    assert_eq!(rows.len(), 18);
    for &(action, owner, manager, moderator, participant) in rows {
        for (role, want) in ROLES
            .into_iter()
            .zip([owner, manager, moderator, participant])
        {
            assert_eq!(may(role, action), want, "{role:?} {action:?}");
        }
    }
}

#[test]
fn who_may_aim_at_whom() {
    // Rows: the actor; columns: the target (owner, manager, moderator, participant). Nobody
    // targets the owner; nobody a higher rank; the same rank is fine.
    let table: [(Role, [bool; 4]); 4] = [
        (Role::Owner, [false, true, true, true]),
        (Role::Manager, [false, true, true, true]),
        (Role::Moderator, [false, false, true, true]),
        (Role::Participant, [false, false, false, true]),
    ];
    for (actor, row) in table {
        for (target, want) in ROLES.into_iter().zip(row) {
            assert_eq!(may_target(actor, target), want, "{actor:?} → {target:?}");
        }
    }
}
