//! Typed ids: random text (16 random bytes as 32 hex digits), never an autoincrement.

use std::fmt;

/// 16 bytes from the thread-local CSPRNG, hex-encoded: unguessable and collision-free in practice.
pub(crate) fn new_id() -> String {
    hex::encode(rand::random::<[u8; 16]>())
}

macro_rules! id_type {
    ($(#[$doc:meta])* $name:ident) => {
        $(#[$doc])*
        #[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub struct $name(String);

        impl $name {
            /// Wraps an id read from outside (a URL, a form). It is not checked: a lookup with
            /// an unknown id simply finds nothing.
            pub fn new(id: impl Into<String>) -> Self {
                Self(id.into())
            }

            pub fn as_str(&self) -> &str {
                &self.0
            }

            pub(crate) fn generate() -> Self {
                Self(new_id())
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(&self.0)
            }
        }

        impl From<String> for $name {
            fn from(id: String) -> Self {
                Self(id)
            }
        }

        impl From<$name> for String {
            fn from(id: $name) -> Self {
                id.0
            }
        }
    };
}

id_type!(
    /// Identifies a user account.
    UserId
);
id_type!(
    /// Identifies a room (its URL uses the slug instead).
    RoomId
);
id_type!(
    /// Identifies a programme session (its URL uses the slug instead).
    SessionId
);
id_type!(
    /// Identifies a session's content item.
    ContentId
);
id_type!(
    /// Identifies an API token (not the secret: the secret is only ever shown once).
    ApiTokenId
);
id_type!(
    /// Identifies a poll, or one of its ballots (C7).
    PollId
);
id_type!(
    /// Identifies a recording (a replay once processed).
    RecordingId
);
id_type!(
    /// Identifies a registration (not the registration ID people type: that is its `code`).
    RegistrationId
);
id_type!(
    /// Identifies a series of sessions sharing one registration form.
    SeriesId
);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_are_32_hex_digits_and_differ() {
        let a = new_id();
        let b = new_id();
        assert_eq!(a.len(), 32);
        assert!(a.bytes().all(|c| c.is_ascii_hexdigit()));
        assert_ne!(a, b);
    }
}
