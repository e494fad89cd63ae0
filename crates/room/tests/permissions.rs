//! The roles → permissions table, row by row (R2, R4, R7, C10).

use amphi_proto::{Role, Source};
use amphi_room::{Action, may};

#[test]
fn the_table() {
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
        (Record, true, true, true, false),
        (Invite, true, true, false, false),
        (ManageRoom, true, true, false, false),
        (DeleteRoom, true, false, false, false),
    ];
    for &(action, owner, manager, moderator, participant) in rows {
        for (role, want) in [
            (Role::Owner, owner),
            (Role::Manager, manager),
            (Role::Moderator, moderator),
            (Role::Participant, participant),
        ] {
            assert_eq!(may(role, action), want, "{role:?} {action:?}");
        }
    }
}
