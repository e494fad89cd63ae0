//! Shared notes (C5): the server's copy of each room's (or session's) Yjs document.
//!
//! [`Notes`] (in the room actors' context) keeps the documents of live rooms in memory, keyed
//! by [`Place`]. The room's actor is the only writer of its place; the export endpoint reads.
//! Saving is debounced ([`SAVE_DELAY`] after the first unsaved change) and done at once when
//! the actor stops (`release`) and at shutdown (`flush_all`); the lock is written to the store
//! before anyone is told. Saves are serialised so an older state never overwrites a newer one.

mod doc;
pub mod export;

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use amphi_store::{CollabPlace, Store, StoreError};

use crate::signaling::Place;
pub use doc::NotesDoc;

/// How long after a change the document is saved (later changes ride along).
pub const SAVE_DELAY: Duration = Duration::from_secs(2);

/// Why a notes request was refused; nothing was applied.
#[derive(Debug)]
pub enum NotesError {
    /// Not a Yjs update (v1), or one yrs could not integrate.
    Malformed,
    /// Larger than `MAX_NOTES_UPDATE_BYTES`.
    TooLarge,
    /// The document reached `MAX_NOTES_DOC_BYTES`.
    Full,
    /// Locked, and the sender may not manage the notes.
    Locked,
    /// The room or session is gone.
    Gone,
    Store(StoreError),
}

impl NotesError {
    /// For the `error` message (the client shows its own translation by code and request).
    pub fn message(&self) -> String {
        match self {
            NotesError::Malformed => "this notes update is not a valid Yjs update".into(),
            NotesError::TooLarge => format!(
                "this notes update is larger than {} bytes",
                amphi_proto::MAX_NOTES_UPDATE_BYTES
            ),
            NotesError::Full => "the notes are full".into(),
            NotesError::Locked => "the notes are locked (read-only)".into(),
            NotesError::Gone => "this room no longer exists".into(),
            NotesError::Store(_) => "the notes could not be saved".into(),
        }
    }
}

impl From<StoreError> for NotesError {
    fn from(e: StoreError) -> Self {
        match e {
            StoreError::NotFound => NotesError::Gone,
            e => NotesError::Store(e),
        }
    }
}

/// The notes as someone joining gets them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NotesView {
    pub state: Vec<u8>,
    pub locked: bool,
}

struct Entry {
    owner: CollabPlace,
    doc: NotesDoc,
    locked: bool,
    /// Changed since the last save.
    dirty: bool,
    save_scheduled: bool,
    /// Its actor stopped: the entry may be dropped once saved.
    released: bool,
}

/// The live notes of this server. Cheap to clone.
#[derive(Clone)]
pub struct Notes {
    inner: Arc<Inner>,
}

struct Inner {
    store: Store,
    /// Held only for in-memory work, never across an await.
    docs: Mutex<HashMap<Place, Entry>>,
    /// Serialises saves: encode and write happen under it, so writes land in order.
    saving: tokio::sync::Mutex<()>,
}

impl Notes {
    pub fn new(store: Store) -> Self {
        Self {
            inner: Arc::new(Inner {
                store,
                docs: Mutex::new(HashMap::new()),
                saving: tokio::sync::Mutex::new(()),
            }),
        }
    }

    fn docs(&self) -> std::sync::MutexGuard<'_, HashMap<Place, Entry>> {
        // A panic while holding this lock would have been in yrs, which `NotesDoc` guards.
        self.inner
            .docs
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// The store's owner of a place (its room or session id); `None` if it is gone.
    pub async fn owner(store: &Store, place: &Place) -> Result<Option<CollabPlace>, StoreError> {
        Ok(match place {
            Place::Room(slug) => store
                .room_by_slug(slug)
                .await?
                .map(|r| CollabPlace::Room(r.id)),
            Place::Session(slug) => store
                .session_by_slug(slug)
                .await?
                .map(|s| CollabPlace::Session(s.id)),
        })
    }

    /// Loads a place's notes into memory (once), dropping released, saved ones of others.
    async fn ensure(&self, place: &Place) -> Result<(), NotesError> {
        {
            let mut docs = self.docs();
            docs.retain(|p, e| p == place || !(e.released && !e.dirty && !e.save_scheduled));
            if let Some(entry) = docs.get_mut(place) {
                entry.released = false;
                return Ok(());
            }
        }
        let owner = Self::owner(&self.inner.store, place)
            .await?
            .ok_or(NotesError::Gone)?;
        let stored = self.inner.store.notes(&owner).await?;
        let (doc, locked) = match stored {
            Some(s) => (NotesDoc::from_state(&s.state), s.locked),
            None => (NotesDoc::new(), false),
        };
        self.docs().entry(place.clone()).or_insert(Entry {
            owner,
            doc,
            locked,
            dirty: false,
            save_scheduled: false,
            released: false,
        });
        Ok(())
    }

    /// The whole document and the lock.
    pub async fn view(&self, place: &Place) -> Result<NotesView, NotesError> {
        self.ensure(place).await?;
        let mut docs = self.docs();
        let entry = docs.get_mut(place).ok_or(NotesError::Gone)?;
        Ok(NotesView {
            state: entry.doc.encode(),
            locked: entry.locked,
        })
    }

    /// Applies a participant's update. `may_manage`: the sender may edit locked notes.
    pub async fn apply(
        &self,
        place: &Place,
        update: &[u8],
        may_manage: bool,
    ) -> Result<(), NotesError> {
        self.ensure(place).await?;
        let schedule = {
            let mut docs = self.docs();
            let entry = docs.get_mut(place).ok_or(NotesError::Gone)?;
            if entry.locked && !may_manage {
                return Err(NotesError::Locked);
            }
            entry.doc.apply(update)?;
            entry.dirty = true;
            !std::mem::replace(&mut entry.save_scheduled, true)
        };
        if schedule {
            let notes = self.clone();
            let place = place.clone();
            tokio::spawn(async move {
                tokio::time::sleep(SAVE_DELAY).await;
                notes.save(&place).await;
            });
        }
        Ok(())
    }

    /// Locks or unlocks: in the store first (with the document), then in memory.
    pub async fn set_locked(&self, place: &Place, locked: bool) -> Result<NotesView, NotesError> {
        self.ensure(place).await?;
        let _saving = self.inner.saving.lock().await;
        let (owner, state) = {
            let mut docs = self.docs();
            let entry = docs.get_mut(place).ok_or(NotesError::Gone)?;
            (entry.owner.clone(), entry.doc.encode())
        };
        self.inner.store.save_notes(&owner, &state, locked).await?;
        let mut docs = self.docs();
        if let Some(entry) = docs.get_mut(place) {
            entry.locked = locked;
            entry.dirty = false;
        }
        Ok(NotesView { state, locked })
    }

    /// Saves a place's document if it changed since the last save.
    pub async fn save(&self, place: &Place) {
        let _saving = self.inner.saving.lock().await;
        let pending = {
            let mut docs = self.docs();
            match docs.get_mut(place) {
                Some(entry) if entry.dirty => {
                    entry.dirty = false;
                    entry.save_scheduled = false;
                    Some((entry.owner.clone(), entry.doc.encode(), entry.locked))
                }
                Some(entry) => {
                    entry.save_scheduled = false;
                    None
                }
                None => None,
            }
        };
        let Some((owner, state, locked)) = pending else {
            return;
        };
        if let Err(e) = self.inner.store.save_notes(&owner, &state, locked).await {
            tracing::error!(?place, error = %e, "saving the notes failed; kept for the next save");
            if let Some(entry) = self.docs().get_mut(place) {
                entry.dirty = true;
            }
        }
    }

    /// The place's actor stopped (its meeting is over for now): save now; the memory copy is
    /// dropped later, once saved.
    pub async fn release(&self, place: &Place) {
        self.save(place).await;
        if let Some(entry) = self.docs().get_mut(place) {
            entry.released = true;
        }
    }

    /// Saves every changed document (shutdown).
    pub async fn flush_all(&self) {
        let places: Vec<Place> = self.docs().keys().cloned().collect();
        for place in places {
            self.save(&place).await;
        }
    }

    /// The notes' plain text: the live copy if the room is running, else the stored one.
    pub async fn text(&self, place: &Place) -> Result<String, NotesError> {
        if let Some(entry) = self.docs().get(place) {
            return Ok(entry.doc.text());
        }
        let owner = Self::owner(&self.inner.store, place)
            .await?
            .ok_or(NotesError::Gone)?;
        Ok(match self.inner.store.notes(&owner).await? {
            Some(stored) => NotesDoc::from_state(&stored.state).text(),
            None => String::new(),
        })
    }
}
