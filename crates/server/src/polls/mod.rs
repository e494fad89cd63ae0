//! Live polls (C7): checking moderators' polls and people's votes, and what each person may
//! see of a poll. The store holds polls and ballots; this adds one thing memory-only: who
//! voted in an open anonymous poll (the store keeps no voter identity for those), so one vote
//! per person holds without a trace. A restart forgets it: an anonymous poll found open by a
//! new process is closed then (`list`), rather than let people vote twice.

pub mod csv;
pub mod export;

use std::collections::{HashMap, HashSet};
use std::sync::{Arc, Mutex};

use amphi_proto::{
    MAX_POLL_OPTION_CHARS, MAX_POLL_OPTIONS, MAX_POLL_QUESTION_CHARS, MAX_POLLS, MIN_POLL_OPTIONS,
    PollInfo, PollRequest, PollResults,
};
use amphi_store::{
    CollabPlace, NewPoll, Poll, PollId, PollState, Store, StoreError, VoteOutcome, Voter,
};

/// Why a poll request was refused; nothing was stored.
#[derive(Debug)]
pub enum PollError {
    /// Bad input; the text says what (English; the client shows its own by code + request).
    Invalid(String),
    /// No such poll here.
    Unknown,
    /// Not in the state the request needs (vote while not open, close a draft, …).
    WrongState,
    AlreadyVoted,
    Store(StoreError),
}

impl From<StoreError> for PollError {
    fn from(e: StoreError) -> Self {
        PollError::Store(e)
    }
}

impl PollError {
    pub fn code(&self) -> amphi_proto::ErrorCode {
        use amphi_proto::ErrorCode;
        match self {
            PollError::Invalid(_) | PollError::Unknown => ErrorCode::InvalidMessage,
            PollError::WrongState => ErrorCode::PollNotOpen,
            PollError::AlreadyVoted => ErrorCode::AlreadyVoted,
            PollError::Store(_) => ErrorCode::InternalError,
        }
    }

    pub fn message(&self) -> String {
        match self {
            PollError::Invalid(text) => text.clone(),
            PollError::Unknown => "no such poll in this room".into(),
            PollError::WrongState => "the poll is not in a state that allows this".into(),
            PollError::AlreadyVoted => "you already voted in this poll".into(),
            PollError::Store(_) => "the poll could not be saved".into(),
        }
    }
}

/// A moderator's poll, checked and trimmed.
pub fn check_request(request: PollRequest) -> Result<PollRequest, PollError> {
    let question = request.question.trim().to_owned();
    if question.is_empty() {
        return Err(PollError::Invalid("the question is empty".into()));
    }
    if question.chars().count() > MAX_POLL_QUESTION_CHARS {
        return Err(PollError::Invalid(format!(
            "the question is longer than {MAX_POLL_QUESTION_CHARS} characters"
        )));
    }
    if !(MIN_POLL_OPTIONS..=MAX_POLL_OPTIONS).contains(&request.options.len()) {
        return Err(PollError::Invalid(format!(
            "a poll has {MIN_POLL_OPTIONS} to {MAX_POLL_OPTIONS} options, not {}",
            request.options.len()
        )));
    }
    let mut options = Vec::with_capacity(request.options.len());
    for option in &request.options {
        let option = option.trim();
        if option.is_empty() {
            return Err(PollError::Invalid("an option is empty".into()));
        }
        if option.chars().count() > MAX_POLL_OPTION_CHARS {
            return Err(PollError::Invalid(format!(
                "an option is longer than {MAX_POLL_OPTION_CHARS} characters"
            )));
        }
        if options.iter().any(|o: &String| o == option) {
            return Err(PollError::Invalid(format!(
                "the option {option:?} is there twice"
            )));
        }
        options.push(option.to_owned());
    }
    Ok(PollRequest {
        question,
        options,
        multiple: request.multiple,
        anonymous: request.anonymous,
    })
}

/// A vote's choices, checked against its poll: one for a single-choice poll, at least one for
/// a multiple-choice poll, each an option's index, none twice.
pub fn check_choices(poll: &Poll, choices: &[u32]) -> Result<(), PollError> {
    if choices.is_empty() || (!poll.multiple && choices.len() != 1) {
        return Err(PollError::Invalid(if poll.multiple {
            "choose at least one option".into()
        } else {
            "choose exactly one option".into()
        }));
    }
    let mut seen = HashSet::new();
    for &c in choices {
        let index = usize::try_from(c).unwrap_or(usize::MAX);
        if index >= poll.options.len() || !seen.insert(c) {
            return Err(PollError::Invalid(format!(
                "{c} is not an option of this poll"
            )));
        }
    }
    Ok(())
}

/// The polls of this server. Cheap to clone.
#[derive(Clone)]
pub struct Polls {
    store: Store,
    /// Who voted in each anonymous poll opened by this process (memory only, by design).
    anonymous_voters: Arc<Mutex<HashMap<PollId, HashSet<String>>>>,
}

impl Polls {
    pub fn new(store: Store) -> Self {
        Self {
            store,
            anonymous_voters: Arc::new(Mutex::new(HashMap::new())),
        }
    }

    fn voters(&self) -> std::sync::MutexGuard<'_, HashMap<PollId, HashSet<String>>> {
        // Only plain set operations run under this lock: it cannot be poisoned by them.
        self.anonymous_voters
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// A place's polls, oldest first; anonymous polls left open by an earlier process are
    /// closed first (their voters are forgotten).
    pub async fn list(&self, owner: &CollabPlace) -> Result<Vec<Poll>, PollError> {
        let mut polls = self.store.polls(owner).await?;
        for poll in &mut polls {
            let orphan = poll.anonymous
                && poll.state == PollState::Open
                && !self.voters().contains_key(&poll.id);
            if orphan {
                self.store
                    .set_poll_state(&poll.id, PollState::Open, PollState::Closed)
                    .await?;
                poll.state = PollState::Closed;
            }
        }
        Ok(polls)
    }

    /// The poll `id` if it belongs to `owner`.
    pub async fn get(&self, owner: &CollabPlace, id: &PollId) -> Result<Poll, PollError> {
        match self.store.poll(id).await? {
            Some(poll) if &poll.place == owner => Ok(poll),
            _ => Err(PollError::Unknown),
        }
    }

    pub async fn create(
        &self,
        owner: &CollabPlace,
        request: PollRequest,
    ) -> Result<Poll, PollError> {
        let request = check_request(request)?;
        if self.store.polls(owner).await?.len() >= MAX_POLLS {
            return Err(PollError::Invalid(format!(
                "this room already has {MAX_POLLS} polls"
            )));
        }
        Ok(self
            .store
            .create_poll(NewPoll {
                place: owner.clone(),
                question: request.question,
                options: request.options,
                multiple: request.multiple,
                anonymous: request.anonymous,
            })
            .await?)
    }

    /// Draft → open, open → closed.
    pub async fn advance(
        &self,
        owner: &CollabPlace,
        id: &PollId,
        to: PollState,
    ) -> Result<Poll, PollError> {
        let poll = self.get(owner, id).await?;
        let from = match to {
            PollState::Open => PollState::Draft,
            PollState::Closed => PollState::Open,
            PollState::Draft => return Err(PollError::WrongState),
        };
        if to == PollState::Open && poll.anonymous {
            self.voters().entry(id.clone()).or_default();
        }
        if !self.store.set_poll_state(id, from, to).await? {
            return Err(PollError::WrongState);
        }
        if to == PollState::Closed {
            self.voters().remove(id);
        }
        self.get(owner, id).await
    }

    pub async fn publish(&self, owner: &CollabPlace, id: &PollId) -> Result<Poll, PollError> {
        self.get(owner, id).await?;
        if !self.store.publish_poll(id).await? {
            return Err(PollError::WrongState);
        }
        self.get(owner, id).await
    }

    /// One person's vote. `voter.key` identifies the person (user id or browser key); in an
    /// anonymous poll it is only remembered in memory, never stored.
    pub async fn vote(
        &self,
        owner: &CollabPlace,
        id: &PollId,
        voter: &Voter,
        choices: &[u32],
    ) -> Result<Poll, PollError> {
        let poll = self.get(owner, id).await?;
        if poll.state != PollState::Open {
            return Err(PollError::WrongState);
        }
        check_choices(&poll, choices)?;
        let outcome = if poll.anonymous {
            {
                let mut voters = self.voters();
                let Some(set) = voters.get_mut(id) else {
                    return Err(PollError::WrongState);
                };
                if !set.insert(voter.key.clone()) {
                    return Err(PollError::AlreadyVoted);
                }
            }
            let outcome = self.store.vote(id, None, choices).await;
            if !matches!(outcome, Ok(VoteOutcome::Counted))
                && let Some(set) = self.voters().get_mut(id)
            {
                set.remove(&voter.key);
            }
            outcome?
        } else {
            self.store.vote(id, Some(voter), choices).await?
        };
        match outcome {
            VoteOutcome::Counted => Ok(poll),
            VoteOutcome::AlreadyVoted => Err(PollError::AlreadyVoted),
            VoteOutcome::NotOpen => Err(PollError::WrongState),
        }
    }

    /// The keys of those who voted in this poll (for anonymous ones, from memory).
    pub async fn voters_of(&self, poll: &Poll) -> Result<HashSet<String>, PollError> {
        if poll.anonymous {
            return Ok(self.voters().get(&poll.id).cloned().unwrap_or_default());
        }
        Ok(self
            .store
            .poll_voters(&poll.id)
            .await?
            .into_iter()
            .collect())
    }

    /// The poll as someone sees it: `None` for a draft unless `runs_polls`; results live for
    /// those who run polls, to everyone once published.
    pub async fn info(
        &self,
        poll: &Poll,
        runs_polls: bool,
        voted: bool,
    ) -> Result<Option<PollInfo>, PollError> {
        if poll.state == PollState::Draft && !runs_polls {
            return Ok(None);
        }
        let results = if runs_polls || poll.published {
            let (counts, voters) = self.store.poll_counts(&poll.id, poll.options.len()).await?;
            Some(PollResults { counts, voters })
        } else {
            None
        };
        Ok(Some(PollInfo {
            id: amphi_proto::PollId(poll.id.to_string()),
            question: poll.question.clone(),
            options: poll.options.clone(),
            multiple: poll.multiple,
            anonymous: poll.anonymous,
            state: match poll.state {
                PollState::Draft => amphi_proto::PollState::Draft,
                PollState::Open => amphi_proto::PollState::Open,
                PollState::Closed => amphi_proto::PollState::Closed,
            },
            published: poll.published,
            results,
            voted,
            created_at: poll.created_at,
        }))
    }
}
