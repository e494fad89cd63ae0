//! Amphi's persistence: one API over SQLite (default, a file) and PostgreSQL, through sqlx's
//! `AnyPool`. The only crate that names tables; nothing outside it branches on the backend.
//!
//! # Use
//! ```ignore
//! let store = amphi_store::Store::connect("sqlite://data/amphi.db").await?; // or postgres://...
//! let user = store.create_user(NewUser { email, display_name, password_hash, is_admin }).await?;
//! ```
//! [`Store::connect`] applies the embedded migrations (`migrations/sqlite/`,
//! `migrations/postgres/`: one file per change, never edited once landed). [`Store`] is cheap
//! to clone. Every method returns [`StoreError`]; a taken unique value (e-mail, slug, token
//! hash) is [`StoreError::Conflict`] on both backends, a missing row addressed by id is
//! [`StoreError::NotFound`].
//!
//! # Conventions
//! - Ids are random text: 16 random bytes as 32 hex digits ([`UserId`], [`RoomId`]). No
//!   autoincrement is exposed.
//! - Times are `i64` Unix milliseconds ([`now_ms`]). The store stamps `created_at` of users
//!   and rooms itself; expiry checks take `now` from the caller.
//! - Flags are BOOLEAN on PostgreSQL and INTEGER 0/1 on SQLite (the `Any` driver cannot carry
//!   SQLite's BOOLEAN); the store decodes both.
//! - Secrets are stored hashed by the caller: passwords (argon2 PHC string), login and setup
//!   tokens (their hash). The store never sees a clear token.
//!
//! # Tables and invariants
//! - `users (id, email UNIQUE, display_name, password_hash NULL, is_admin, disabled, created_at)`:
//!   `email` is stored lowercased, so uniqueness and lookup ignore case. Disabling a user
//!   deletes their logins ([`Store::set_user_disabled`]).
//! - `setup_tokens (token_hash PK, expires_at, used_at NULL)`: the first-run link. A token is
//!   used at most once, atomically, and only before it expires
//!   ([`Store::consume_setup_token`], or [`Store::complete_setup`] which also creates the
//!   first user in the same transaction, and refuses once any user exists: every start prints
//!   a new link while there is none, and none of them may create a second administrator).
//! - `logins (token_hash PK, user_id -> users ON DELETE CASCADE, csrf_token, created_at,
//!   expires_at)`: a signed-in browser. [`Store::login_by_token_hash`] returns it only while
//!   unexpired and while its user is not disabled.
//! - `rooms (id, slug UNIQUE, name, owner_id -> users ON DELETE CASCADE, is_open DEFAULT false,
//!   max_participants NULL, waiting_room DEFAULT false, created_at)`: rooms start closed (R2)
//!   without a waiting room (R4); a NULL cap means the server's default. Slug generation is
//!   the server's; a taken slug is Conflict.
//! - `room_shares (room_id -> rooms ON DELETE CASCADE, user_id -> users ON DELETE CASCADE,
//!   role 'manager'|'moderator', created_at, PK (room_id, user_id))`: one share per user and
//!   room ([`Store::share_room`] changes its role). The owner has no share (the server refuses
//!   it); [`Store::rooms_visible_to`] lists owned and shared rooms with the access.
//! - Deleting a user deletes their logins and the rooms they own (disable them instead to keep
//!   the rooms). Tables added later that belong to a room reference it `ON DELETE CASCADE`.
//!
//! # Rules for queries (inside this crate)
//! - The same SQL text on both backends, `$1` placeholders; `RETURNING` where a row is created.
//!   Where a query must differ, branch on [`Store::backend`] here, never outside.
//! - On SQLite, a transaction must start with a write (UPDATE/INSERT/DELETE): a read-then-write
//!   transaction can fail with SQLITE_BUSY instead of waiting for the busy timeout.
//! - Atomicity through single conditional statements where possible (e.g. consuming a token is
//!   one `UPDATE ... WHERE used_at IS NULL`, winners counted by `rows_affected`).
//!
//! # Tests
//! `cargo test -p amphi-store --features testing` runs the suite on SQLite;
//! `scripts/with-postgres cargo test -p amphi-store --features testing` on both backends.
//! [`testing`] (feature `testing`) gives other crates fresh empty databases.

mod api_tokens;
mod error;
mod ids;
mod landing_domains;
mod logins;
mod notes;
mod outbox;
mod polls;
mod recording_settings;
mod recordings;
mod registration_forms;
mod registrations;
mod rooms;
mod row;
mod series;
mod session_content;
mod sessions;
mod setup;
mod shares;
mod signin_codes;
mod staff_codes;
mod store;
mod streams;
mod users;
mod webhooks;

#[cfg(feature = "testing")]
pub mod testing;

pub use api_tokens::{ApiScope, ApiToken, LAST_USED_PRECISION_MS, NewApiToken};
pub use error::StoreError;
pub use ids::{
    ApiTokenId, ContentId, PollId, RecordingId, RegistrationId, RoomId, SeriesId, SessionId, UserId,
};
pub use logins::{Login, NewLogin};
pub use notes::{CollabPlace, StoredNotes};
pub use outbox::{NewOutboxMail, OutboxMail};
pub use polls::{Ballot, NewPoll, Poll, PollState, VoteOutcome, Voter};
pub use recording_settings::{NewRecordingUpload, RecordingDefaults, RecordingUpload};
pub use recordings::{
    NewRecording, Recording, RecordingJob, RecordingJobKind, RecordingJobState, RecordingOptions,
    RecordingSource, RecordingState, Visibility,
};
pub use registration_forms::{
    Answer, FieldKind, FormField, RegistrationSettings, RegistrationTarget,
};
pub use registrations::{
    CODE_ALPHABET, CODE_LENGTH, NewRegistration, RegisterOutcome, Registration, RegistrationStatus,
};
pub use rooms::{NewRoom, Room};
pub use series::Series;
pub use session_content::{Content, ContentKind, ContentStatus, NewContent};
pub use sessions::{
    LiveState, LiveTransition, NewSession, Session, SessionStaff, SessionStatus, SessionUpdate,
    StaffRole,
};
pub use shares::{RoomAccess, RoomShare, ShareRole, VisibleRoom};
pub use signin_codes::CodeCheck;
pub use store::{Backend, Store, creation_ms, now_ms};
pub use streams::{StreamKey, StreamSettings, StreamTarget};
pub use users::{NewUser, User};
pub use webhooks::{
    AttemptResult, DeliveryStatus, DueDelivery, NewWebhookEndpoint, NewWebhookEvent,
    WebhookAttempt, WebhookDelivery, WebhookEndpoint,
};
