//! The actor's handlers for the shared notes (C5): `notes_update` (EditNotes; while locked,
//! ManageNotes), `set_notes_locked` (ManageNotes). The document lives in
//! [`crate::notes::Notes`]; this checks who asks, relays accepted updates to the others, and
//! resets a refused sender's copy with `notes_state`. Attendees have no notes.

use amphi_proto::{ClientMessage, ErrorCode, NotesInfo, ParticipantId, Role, ServerMessage};
use amphi_room::{Action, may};
use base64::Engine;
use base64::engine::general_purpose::STANDARD as BASE64;

use super::Actor;
use crate::notes::{NotesError, NotesView};
use crate::signaling::Place;

impl Actor {
    /// Where this actor's notes and polls belong.
    pub(super) fn collab_place(&self) -> Place {
        let slug = self.room.info().slug.clone();
        match self.session {
            Some(_) => Place::Session(slug),
            None => Place::Room(slug),
        }
    }

    /// Connected people and their roles (attendees included).
    pub(super) fn connected_roles(&self) -> Vec<(ParticipantId, Role)> {
        self.conns
            .keys()
            .filter_map(|id| self.room.person(id).map(|p| (id.clone(), p.role)))
            .collect()
    }

    pub(super) async fn on_notes(&mut self, id: &ParticipantId, message: ClientMessage) {
        let id = id.clone();
        let request = message.type_name();
        match message {
            ClientMessage::NotesUpdate { update } => self.notes_update(&id, update).await,
            ClientMessage::SetNotesLocked { locked } => {
                if let Err(e) = self.room.check(&id, Action::ManageNotes) {
                    return self.error_to(&id, e.code(), e.to_string(), request);
                }
                let place = self.collab_place();
                match self.ctx.notes.set_locked(&place, locked).await {
                    Ok(view) => {
                        let by = self.room.person(&id).map(|p| p.name.clone());
                        for (to, role) in self.connected_roles() {
                            if role != Role::Attendee {
                                let notes = notes_info(&view, role);
                                let by = by.clone();
                                self.send_to(&to, ServerMessage::NotesState { notes, by });
                            }
                        }
                    }
                    Err(e) => self.notes_refused(&id, &e, request),
                }
            }
            _ => {}
        }
    }

    async fn notes_update(&mut self, id: &ParticipantId, update: String) {
        const REQUEST: &str = "notes_update";
        if let Err(e) = self.room.check(id, Action::EditNotes) {
            return self.error_to(id, e.code(), e.to_string(), REQUEST);
        }
        let may_manage = self.room.check(id, Action::ManageNotes).is_ok();
        let place = self.collab_place();
        let applied = match BASE64.decode(update.as_bytes()) {
            Ok(bytes) => self.ctx.notes.apply(&place, &bytes, may_manage).await,
            Err(_) => Err(NotesError::Malformed),
        };
        match applied {
            Ok(()) => {
                for (to, role) in self.connected_roles() {
                    if &to != id && role != Role::Attendee {
                        let update = update.clone();
                        self.send_to(&to, ServerMessage::NotesUpdate { update });
                    }
                }
            }
            Err(e) => {
                self.notes_refused(id, &e, REQUEST);
                // The sender already shows its edit: give it the server's copy to start over.
                if let Some(notes) = self.notes_for(id).await {
                    self.send_to(id, ServerMessage::NotesState { notes, by: None });
                }
            }
        }
    }

    fn notes_refused(&mut self, id: &ParticipantId, e: &NotesError, request: &str) {
        let code = match e {
            NotesError::Locked => ErrorCode::NotesLocked,
            NotesError::Malformed => ErrorCode::InvalidMessage,
            NotesError::TooLarge | NotesError::Full => ErrorCode::MessageTooLarge,
            NotesError::Gone | NotesError::Store(_) => {
                tracing::error!(participant = %id, error = ?e, "notes request failed");
                ErrorCode::InternalError
            }
        };
        self.error_to(id, code, e.message(), request);
    }

    /// The notes as `id` may see them (`None` for attendees, or if they cannot be read).
    pub(super) async fn notes_for(&self, id: &ParticipantId) -> Option<NotesInfo> {
        let role = self.room.person(id)?.role;
        if role == Role::Attendee {
            return None;
        }
        match self.ctx.notes.view(&self.collab_place()).await {
            Ok(view) => Some(notes_info(&view, role)),
            Err(e) => {
                tracing::error!(participant = %id, error = ?e, "cannot read the notes");
                None
            }
        }
    }

    /// Fills `welcome.notes`.
    pub(super) async fn fill_notes(&self, id: &ParticipantId, welcome: &mut ServerMessage) {
        let info = self.notes_for(id).await;
        if let ServerMessage::Welcome { notes, .. } = welcome {
            *notes = info;
        }
    }
}

fn notes_info(view: &NotesView, role: Role) -> NotesInfo {
    let can_edit = may(role, Action::ManageNotes) || (may(role, Action::EditNotes) && !view.locked);
    NotesInfo {
        state: BASE64.encode(&view.state),
        locked: view.locked,
        can_edit,
    }
}
