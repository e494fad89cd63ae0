//! Live polls (C7): a moderator asks a question with options, opens it, closes it and may
//! publish its results to everyone.

use serde::{Deserialize, Serialize};

/// The fewest options a poll has.
pub const MIN_POLL_OPTIONS: usize = 2;
/// The most options a poll has.
pub const MAX_POLL_OPTIONS: usize = 10;
/// The longest question, in characters after trimming.
pub const MAX_POLL_QUESTION_CHARS: usize = 300;
/// The longest option, in characters after trimming.
pub const MAX_POLL_OPTION_CHARS: usize = 120;
/// The most polls one room (or session) keeps; older ones stay in the store but new ones are
/// refused beyond this, so a welcome stays small.
pub const MAX_POLLS: usize = 50;

/// One poll, unique on the server.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(transparent)]
pub struct PollId(pub String);

impl std::fmt::Display for PollId {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

/// Where a poll is in its life: draft → open → closed (never back).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PollState {
    /// Created, seen only by those who run polls.
    Draft,
    /// Everyone sees it and may vote once.
    Open,
    /// No more votes.
    Closed,
}

/// What a moderator asks for in `poll_create`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PollRequest {
    pub question: String,
    pub options: Vec<String>,
    /// Several options may be chosen (else exactly one).
    #[serde(default)]
    pub multiple: bool,
    /// No voter identity is stored.
    #[serde(default)]
    pub anonymous: bool,
}

/// The counts of a poll.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PollResults {
    /// Votes per option, in the options' order.
    pub counts: Vec<u32>,
    /// How many people voted.
    pub voters: u32,
}

/// A poll as its receiver may see it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PollInfo {
    pub id: PollId,
    pub question: String,
    pub options: Vec<String>,
    pub multiple: bool,
    pub anonymous: bool,
    pub state: PollState,
    /// The results were published to everyone.
    pub published: bool,
    /// Live to those who run polls; to everyone once published; else `null`.
    #[serde(default)]
    pub results: Option<PollResults>,
    /// The receiver has voted.
    #[serde(default)]
    pub voted: bool,
    /// Unix milliseconds.
    pub created_at: i64,
}
