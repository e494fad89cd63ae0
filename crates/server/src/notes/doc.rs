//! One room's notes document: a `yrs` Doc with one text, [`amphi_proto::NOTES_TEXT`]. The CRDT
//! does the merging (never our code); this only checks what comes in.

use std::panic::{AssertUnwindSafe, catch_unwind};

use amphi_proto::{MAX_NOTES_DOC_BYTES, MAX_NOTES_UPDATE_BYTES, NOTES_TEXT};
use yrs::updates::decoder::Decode;
use yrs::{Doc, GetString, ReadTxn, StateVector, TextRef, Transact, Update};

use super::NotesError;

pub struct NotesDoc {
    doc: Doc,
    text: TextRef,
    /// An upper bound of the encoded size: the last encoding plus every update applied since
    /// (re-measured at each [`NotesDoc::encode`]).
    size: usize,
}

impl Default for NotesDoc {
    fn default() -> Self {
        Self::new()
    }
}

impl NotesDoc {
    pub fn new() -> Self {
        let doc = Doc::new();
        let text = doc.get_or_insert_text(NOTES_TEXT);
        Self { doc, text, size: 0 }
    }

    /// A document from its stored state; a state yrs cannot read gives an empty document (and
    /// is logged) rather than notes nobody can open.
    pub fn from_state(state: &[u8]) -> Self {
        let mut doc = Self::new();
        if !state.is_empty()
            && let Err(e) = doc.apply_unchecked(state)
        {
            tracing::error!(error = ?e, "stored notes unreadable: starting empty");
        }
        doc.size = state.len();
        doc
    }

    /// Applies a client's update: refused (and nothing applied) when larger than
    /// [`MAX_NOTES_UPDATE_BYTES`], when the document is full, or when it is not a Yjs update.
    pub fn apply(&mut self, update: &[u8]) -> Result<(), NotesError> {
        if update.is_empty() {
            // Even an update that changes nothing is 2 bytes long.
            return Err(NotesError::Malformed);
        }
        if update.len() > MAX_NOTES_UPDATE_BYTES {
            return Err(NotesError::TooLarge);
        }
        if self.size + update.len() > MAX_NOTES_DOC_BYTES {
            // Measure exactly before refusing: the bound may be loose.
            self.encode();
            if self.size + update.len() > MAX_NOTES_DOC_BYTES {
                return Err(NotesError::Full);
            }
        }
        self.apply_unchecked(update)?;
        self.size += update.len();
        Ok(())
    }

    fn apply_unchecked(&mut self, bytes: &[u8]) -> Result<(), NotesError> {
        let update = Update::decode_v1(bytes).map_err(|_| NotesError::Malformed)?;
        // yrs validates while decoding; integrating is guarded as well so that a hostile
        // update that slipped through is refused rather than taking the server down.
        let doc = &self.doc;
        match catch_unwind(AssertUnwindSafe(|| doc.transact_mut().apply_update(update))) {
            Ok(Ok(())) => Ok(()),
            Ok(Err(_)) | Err(_) => Err(NotesError::Malformed),
        }
    }

    /// The whole document as one update (v1): what late joiners and the store get.
    pub fn encode(&mut self) -> Vec<u8> {
        let state = self
            .doc
            .transact()
            .encode_state_as_update_v1(&StateVector::default());
        self.size = state.len();
        state
    }

    /// The plain text, for the export.
    pub fn text(&self) -> String {
        self.text.get_string(&self.doc.transact())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use yrs::Text;

    fn update_inserting(at: u32, s: &str, client: u64) -> Vec<u8> {
        let doc = Doc::with_client_id(client);
        let text = doc.get_or_insert_text(NOTES_TEXT);
        text.insert(&mut doc.transact_mut(), at, s);
        doc.transact()
            .encode_state_as_update_v1(&StateVector::default())
    }

    #[test]
    fn concurrent_inserts_both_kept() {
        let mut doc = NotesDoc::new();
        doc.apply(&update_inserting(0, "abc", 1)).unwrap();
        doc.apply(&update_inserting(0, "XYZ", 2)).unwrap();
        let text = doc.text();
        assert_eq!(text.len(), 6);
        assert!(text.contains("abc") && text.contains("XYZ"), "{text}");
        let state = doc.encode();
        assert_eq!(NotesDoc::from_state(&state).text(), text);
    }

    #[test]
    fn garbage_and_oversized_refused_nothing_applied() {
        let mut doc = NotesDoc::new();
        doc.apply(&update_inserting(0, "kept", 1)).unwrap();
        assert!(matches!(
            doc.apply(&[1, 2, 3, 255, 255]),
            Err(NotesError::Malformed)
        ));
        let big = update_inserting(0, &"x".repeat(MAX_NOTES_UPDATE_BYTES + 1), 3);
        assert!(matches!(doc.apply(&big), Err(NotesError::TooLarge)));
        assert_eq!(doc.text(), "kept");
    }
}
