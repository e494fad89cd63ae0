//! Room operations shared by the back office and the command line: creating a room, and who
//! may do what to it (the back office asks [`room_for`] before every action).

use amphi_proto::Role;
use amphi_room::{Action, may};
use amphi_store::{NewRoom, Room, RoomAccess, ShareRole, Store, StoreError, UserId};

use crate::Error;
use crate::slug;

/// How many `-N` suffixes to try before giving up (only reached if something is wrong).
const MAX_SLUG_TRIES: usize = 1000;

/// Creates a room named `name` (already validated) for `owner`, with the first free slug
/// among `base`, `base-2`, `base-3`, ... Two concurrent creations cannot take the same slug:
/// the store's unique constraint refuses the second, which moves on to the next candidate.
pub async fn create_room(store: &Store, name: &str, owner: &UserId) -> Result<Room, Error> {
    let base = slug::slugify(name);
    for candidate in slug::candidates(&base).take(MAX_SLUG_TRIES) {
        if store.slug_exists(&candidate).await? {
            continue;
        }
        match store
            .create_room(NewRoom {
                slug: candidate,
                name: name.to_owned(),
                owner_id: owner.clone(),
            })
            .await
        {
            Ok(room) => return Ok(room),
            Err(StoreError::Conflict) => continue,
            Err(e) => return Err(e.into()),
        }
    }
    Err(Error::Internal(format!("no free slug for base {base:?}")))
}

/// A signed-in user's role on a room, for the back office: the owner, a share (manager or
/// moderator), else [`Role::Participant`] (anyone with the link may join; no back-office
/// action is theirs). Administrators have no special access to other people's rooms.
pub async fn role_of(store: &Store, room: &Room, user: &UserId) -> Result<Role, Error> {
    Ok(match store.room_access(room, user).await? {
        Some(RoomAccess::Owner) => Role::Owner,
        Some(RoomAccess::Shared(share)) => share_to_role(share),
        None => Role::Participant,
    })
}

/// The in-room role a share gives (contracts §1: owner and manager roles come from shares).
pub fn share_to_role(share: ShareRole) -> Role {
    match share {
        ShareRole::Manager => Role::Manager,
        ShareRole::Moderator => Role::Moderator,
    }
}

/// The room at `slug` and the user's role on it, if that role may do `action` (the one
/// permissions table, `amphi_room::may`): [`Error::NotFound`] if there is no such room,
/// [`Error::Forbidden`] if the role may not.
pub async fn room_for(
    store: &Store,
    slug: &str,
    user: &UserId,
    action: Action,
) -> Result<(Room, Role), Error> {
    let room = store.room_by_slug(slug).await?.ok_or(Error::NotFound)?;
    let role = role_of(store, &room, user).await?;
    if !may(role, action) {
        return Err(Error::Forbidden);
    }
    Ok((room, role))
}

/// Opens or closes `room` (already checked: the caller may), in this order: the store (the
/// truth), the live room (people waiting get in, or the meeting ends, naming `by`), then the
/// `room.opened` / `room.closed` webhook. The back office and the REST API call it; the CLI,
/// which has no live rooms, writes the store and queues the webhook itself.
pub async fn set_open(
    state: &crate::AppState,
    room: &Room,
    open: bool,
    by: Option<String>,
) -> Result<(), Error> {
    state.rooms.expect_room_change(&room.slug).await;
    state.store.set_room_open(&room.id, open).await?;
    state.rooms.set_open(&room.slug, open, by.clone()).await;
    let room_slug = room.slug.clone();
    state.webhooks.emit(if open {
        crate::webhooks::WebhookEvent::RoomOpened { room_slug, by }
    } else {
        crate::webhooks::WebhookEvent::RoomClosed { room_slug, by }
    });
    Ok(())
}

/// Delete a room: its sessions go first (their content files, their lives), then the room's
/// row, then its live meeting ends. The one way to delete a room (back office, API).
pub async fn delete_room(state: &crate::AppState, room: &Room) -> Result<(), Error> {
    for session in state.store.sessions_of_room(&room.id).await? {
        crate::session_admin::delete_session(state, &session).await?;
    }
    state.store.delete_room(&room.id).await?;
    // After the store: the live room ends its meeting and tells the people waiting.
    state.rooms.room_deleted(&room.slug).await;
    tracing::info!(room = %room.id, slug = %room.slug, "room deleted");
    Ok(())
}
