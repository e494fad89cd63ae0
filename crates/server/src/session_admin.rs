//! Who may do what to a programme session: the one place that decides it (the back office,
//! the session pages, the signaling upgrade and the content routes all ask here).
//!
//! Rules (contracts, "Model"): a signed-in user whose e-mail is named on the session's staff
//! gets that role (speaker or moderator); the owner and managers of the session's room, and
//! administrators, are moderators; everyone else, signed in or not, is an attendee. The
//! highest wins. Managing the session (editing it, its staff, deleting it) is for the room's
//! owner and managers and for administrators; being named moderator on the staff does not
//! give it.

use amphi_proto::Role;
use amphi_store::{
    NewSession, Room, RoomAccess, Session, SessionStatus, ShareRole, StaffRole, Store, StoreError,
    User,
};

use crate::{Error, slug};

/// How many `-N` suffixes to try before giving up (only reached if something is wrong).
const MAX_SLUG_TRIES: usize = 1000;

/// Creates `new` (already checked) with the first free slug among its title's `base`,
/// `base-2`, ... (`new.slug` is replaced). The one way to create a session (back office, API),
/// as [`crate::room_admin::create_room`] for rooms: two concurrent creations cannot take the
/// same slug, the store's unique constraint refuses the second, which moves on to the next
/// candidate. The store's other refusals (`NoModerator`) come back as [`Error::Store`].
pub async fn create_session(store: &Store, new: NewSession) -> Result<Session, Error> {
    let base = slug::slugify(&new.title);
    for candidate in slug::candidates(&base).take(MAX_SLUG_TRIES) {
        if store.session_slug_exists(&candidate).await? {
            continue;
        }
        let attempt = NewSession {
            slug: candidate,
            ..new.clone()
        };
        match store.create_session(attempt).await {
            Ok(session) => return Ok(session),
            Err(StoreError::Conflict) => continue,
            Err(e) => return Err(e.into()),
        }
    }
    Err(Error::Internal(format!(
        "no free session slug for {base:?}"
    )))
}

/// Whether `user` organises sessions held in `room`: its owner or a manager (a moderator
/// share is not enough: it opens and closes the room, nothing more).
pub async fn organises(store: &Store, room: &Room, user: &User) -> Result<bool, Error> {
    Ok(store
        .room_access(room, &user.id)
        .await?
        .is_some_and(is_organiser))
}

/// Whether this access to a room makes one an organiser of its sessions (see [`organises`]).
pub fn is_organiser(access: RoomAccess) -> bool {
    matches!(
        access,
        RoomAccess::Owner | RoomAccess::Shared(ShareRole::Manager)
    )
}

/// The session at `slug`, [`Error::NotFound`] if there is none (a malformed slug is not
/// looked up). Who may see or manage it is the caller's next question.
pub async fn session_at(store: &Store, slug: &str) -> Result<Session, Error> {
    if !slug::is_well_formed(slug) {
        return Err(Error::NotFound);
    }
    store.session_by_slug(slug).await?.ok_or(Error::NotFound)
}

/// Whether `user` may edit the session, its staff, or delete it: an administrator, or an
/// organiser of its room. A session whose room is gone (cannot happen: deleting the room
/// deletes its sessions) is managed by administrators only.
pub async fn may_manage(store: &Store, session: &Session, user: &User) -> Result<bool, Error> {
    if user.is_admin {
        return Ok(true);
    }
    match store.room_by_id(&session.room_id).await? {
        Some(room) => organises(store, &room, user).await,
        None => Ok(false),
    }
}

/// The role `user` (`None`: not signed in) has in the session: [`Role::Moderator`],
/// [`Role::Speaker`] or [`Role::Attendee`].
pub async fn role_of(store: &Store, session: &Session, user: Option<&User>) -> Result<Role, Error> {
    let Some(user) = user else {
        return Ok(Role::Attendee);
    };
    if may_manage(store, session, user).await? {
        return Ok(Role::Moderator);
    }
    Ok(match store.staff_role(&session.id, &user.email).await? {
        Some(StaffRole::Moderator) => Role::Moderator,
        Some(StaffRole::Speaker) => Role::Speaker,
        None => Role::Attendee,
    })
}

/// Whether the role is staff (reaches the backstage).
pub fn is_staff(role: Role) -> bool {
    matches!(role, Role::Moderator | Role::Speaker)
}

/// Whether `user` may see the session's page: anyone once it is published; before, its staff
/// and organisers only.
pub async fn may_view(
    store: &Store,
    session: &Session,
    user: Option<&User>,
) -> Result<bool, Error> {
    if session.status == SessionStatus::Published {
        return Ok(true);
    }
    Ok(is_staff(role_of(store, session, user).await?))
}

/// Delete a session: its content files, then its rows (staff and content cascade), then its
/// live ends for everyone in it. The one way to delete a session (back office, API), so no
/// caller forgets the files on disk.
pub async fn delete_session(state: &crate::AppState, session: &Session) -> Result<(), Error> {
    crate::content::delete_session_contents(state, &session.id).await?;
    state.store.delete_session(&session.id).await?;
    state.rooms.session_deleted(&session.slug).await;
    tracing::info!(session = %session.id, slug = %session.slug, "session deleted");
    Ok(())
}
