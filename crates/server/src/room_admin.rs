//! Room operations shared by the back office and the command line.

use amphi_store::{NewRoom, Room, Store, StoreError, UserId};

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
