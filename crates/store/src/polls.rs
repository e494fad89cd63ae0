//! Live polls (C7): a poll (question, options, single or multiple choice, anonymous or not),
//! its state `draft → open → closed` (never back) and whether its results were published, and
//! its ballots.
//!
//! Invariants: a ballot is only ever added while its poll is open (one conditional INSERT);
//! one ballot per voter and poll (a unique index); an anonymous poll's ballots carry no voter,
//! no name and no time. Choices are option positions, checked against the poll by the caller
//! and again here (nothing is stored for an unknown position).

use sqlx::Row;
use sqlx::any::AnyRow;

use crate::notes::CollabPlace;
use crate::row::{decode, flag, text_enum};
use crate::store::creation_ms;
use crate::{PollId, RoomId, SessionId, Store, StoreError};

/// Where a poll is in its life.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum PollState {
    Draft,
    Open,
    Closed,
}

text_enum!(PollState { Draft => "draft", Open => "open", Closed => "closed" });

/// A poll as stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Poll {
    pub id: PollId,
    pub place: CollabPlace,
    pub question: String,
    /// In display order; a choice is an index into this list.
    pub options: Vec<String>,
    pub multiple: bool,
    pub anonymous: bool,
    pub state: PollState,
    pub published: bool,
    pub created_at: i64,
}

/// What it takes to create a [`Poll`]: it starts as a draft, unpublished.
#[derive(Debug, Clone)]
pub struct NewPoll {
    pub place: CollabPlace,
    pub question: String,
    pub options: Vec<String>,
    pub multiple: bool,
    pub anonymous: bool,
}

/// Who votes, in a poll that is not anonymous.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Voter {
    /// Stable per person: `user:<id>` when signed in, else `key:<browser key>`.
    pub key: String,
    /// The display name, for the results' export.
    pub name: String,
}

/// What became of a vote.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum VoteOutcome {
    Counted,
    /// This voter already has a ballot in this poll: nothing changed.
    AlreadyVoted,
    /// The poll is not open (or is gone): nothing stored.
    NotOpen,
}

/// One ballot, for the export.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Ballot {
    /// `None` in an anonymous poll.
    pub voter_name: Option<String>,
    pub voted_at: Option<i64>,
    /// Option positions, ascending.
    pub choices: Vec<u32>,
}

const POLL_COLUMNS: &str =
    "id, room_id, session_id, question, multiple, anonymous, state, published, created_at";

fn poll_from_row(row: &AnyRow, options: Vec<String>) -> Result<Poll, sqlx::Error> {
    let room: Option<String> = row.try_get("room_id")?;
    let session: Option<String> = row.try_get("session_id")?;
    let place = match (room, session) {
        (Some(room), _) => CollabPlace::Room(RoomId::new(room)),
        (None, Some(session)) => CollabPlace::Session(SessionId::new(session)),
        // The table's CHECK makes exactly one of them set.
        (None, None) => {
            return Err(sqlx::Error::ColumnDecode {
                index: "room_id".into(),
                source: "a poll with neither room nor session".into(),
            });
        }
    };
    Ok(Poll {
        id: PollId::new(row.try_get::<String, _>("id")?),
        place,
        question: row.try_get("question")?,
        options,
        multiple: flag(row, "multiple")?,
        anonymous: flag(row, "anonymous")?,
        state: decode(row, "state", PollState::parse)?,
        published: flag(row, "published")?,
        created_at: row.try_get("created_at")?,
    })
}

impl Store {
    /// Creates a draft poll with its options (one transaction). A room or session that does
    /// not exist is [`StoreError::NotFound`]; fewer than 2 options is
    /// [`StoreError::Invalid`] (the caller checks the limits first).
    pub async fn create_poll(&self, new: NewPoll) -> Result<Poll, StoreError> {
        if new.options.len() < 2 {
            return Err(StoreError::Invalid("a poll needs at least two options"));
        }
        let id = PollId::generate();
        let created_at = creation_ms();
        let (room_id, session_id) = new.place.columns();
        let mut tx = self.pool.begin().await?;
        let inserted = sqlx::query(
            "INSERT INTO polls (id, room_id, session_id, question, multiple, anonymous, state, \
             published, created_at) VALUES ($1, $2, $3, $4, $5, $6, 'draft', $7, $8)",
        )
        .bind(id.as_str())
        .bind(room_id)
        .bind(session_id)
        .bind(new.question.as_str())
        .bind(new.multiple)
        .bind(new.anonymous)
        .bind(false)
        .bind(created_at)
        .execute(&mut *tx)
        .await;
        match inserted {
            Ok(_) => {}
            Err(sqlx::Error::Database(db)) if db.is_foreign_key_violation() => {
                return Err(StoreError::NotFound);
            }
            Err(e) => return Err(e.into()),
        }
        for (position, label) in new.options.iter().enumerate() {
            sqlx::query("INSERT INTO poll_options (poll_id, position, label) VALUES ($1, $2, $3)")
                .bind(id.as_str())
                .bind(position as i64)
                .bind(label.as_str())
                .execute(&mut *tx)
                .await?;
        }
        tx.commit().await?;
        Ok(Poll {
            id,
            place: new.place,
            question: new.question,
            options: new.options,
            multiple: new.multiple,
            anonymous: new.anonymous,
            state: PollState::Draft,
            published: false,
            created_at,
        })
    }

    pub async fn poll(&self, id: &PollId) -> Result<Option<Poll>, StoreError> {
        let sql = format!("SELECT {POLL_COLUMNS} FROM polls WHERE id = $1");
        let Some(row) = sqlx::query(&sql)
            .bind(id.as_str())
            .fetch_optional(&self.pool)
            .await?
        else {
            return Ok(None);
        };
        let options = self.poll_options(id).await?;
        Ok(Some(poll_from_row(&row, options)?))
    }

    /// A room's or session's polls, oldest first.
    pub async fn polls(&self, place: &CollabPlace) -> Result<Vec<Poll>, StoreError> {
        let sql = format!(
            "SELECT {POLL_COLUMNS} FROM polls WHERE {} = $1 ORDER BY created_at, id",
            place.column()
        );
        let rows = sqlx::query(&sql)
            .bind(place.id())
            .fetch_all(&self.pool)
            .await?;
        let mut polls = Vec::with_capacity(rows.len());
        for row in rows {
            let id = PollId::new(row.try_get::<String, _>("id")?);
            let options = self.poll_options(&id).await?;
            polls.push(poll_from_row(&row, options)?);
        }
        Ok(polls)
    }

    async fn poll_options(&self, id: &PollId) -> Result<Vec<String>, StoreError> {
        let rows =
            sqlx::query("SELECT label FROM poll_options WHERE poll_id = $1 ORDER BY position")
                .bind(id.as_str())
                .fetch_all(&self.pool)
                .await?;
        Ok(rows
            .iter()
            .map(|r| r.try_get("label"))
            .collect::<Result<_, _>>()?)
    }

    /// Moves a poll from `from` to `to` if it is in `from` (one conditional UPDATE): `false`
    /// when it was not (or is gone), and nothing changed.
    pub async fn set_poll_state(
        &self,
        id: &PollId,
        from: PollState,
        to: PollState,
    ) -> Result<bool, StoreError> {
        let done = sqlx::query("UPDATE polls SET state = $1 WHERE id = $2 AND state = $3")
            .bind(to.as_str())
            .bind(id.as_str())
            .bind(from.as_str())
            .execute(&self.pool)
            .await?;
        Ok(done.rows_affected() == 1)
    }

    /// Marks a closed poll's results published: `false` if it is not closed (nothing changed).
    pub async fn publish_poll(&self, id: &PollId) -> Result<bool, StoreError> {
        let done =
            sqlx::query("UPDATE polls SET published = $1 WHERE id = $2 AND state = 'closed'")
                .bind(true)
                .bind(id.as_str())
                .execute(&self.pool)
                .await?;
        Ok(done.rows_affected() == 1)
    }

    /// Records one ballot if the poll is open. `voter` is `None` for an anonymous poll (the
    /// caller enforces one vote per person for those). Choices must be distinct positions of
    /// the poll's options (else [`StoreError::Invalid`], nothing stored).
    pub async fn vote(
        &self,
        poll: &PollId,
        voter: Option<&Voter>,
        choices: &[u32],
    ) -> Result<VoteOutcome, StoreError> {
        let ballot = PollId::generate();
        let mut tx = self.pool.begin().await?;
        let inserted = sqlx::query(
            "INSERT INTO poll_ballots (id, poll_id, voter, voter_name, voted_at) \
             SELECT $1, $2, $3, $4, $5 WHERE EXISTS \
             (SELECT 1 FROM polls WHERE id = $6 AND state = 'open')",
        )
        .bind(ballot.as_str())
        .bind(poll.as_str())
        .bind(voter.map(|v| v.key.as_str()))
        .bind(voter.map(|v| v.name.as_str()))
        .bind(voter.map(|_| creation_ms()))
        .bind(poll.as_str())
        .execute(&mut *tx)
        .await;
        match inserted {
            Ok(done) if done.rows_affected() == 0 => return Ok(VoteOutcome::NotOpen),
            Ok(_) => {}
            Err(e) => {
                return match StoreError::from(e) {
                    StoreError::Conflict => Ok(VoteOutcome::AlreadyVoted),
                    e => Err(e),
                };
            }
        }
        let options: i64 = sqlx::query("SELECT COUNT(*) AS n FROM poll_options WHERE poll_id = $1")
            .bind(poll.as_str())
            .fetch_one(&mut *tx)
            .await?
            .try_get("n")?;
        let mut seen = std::collections::BTreeSet::new();
        for &choice in choices {
            if i64::from(choice) >= options || !seen.insert(choice) {
                // Dropping the transaction rolls the ballot back.
                return Err(StoreError::Invalid("a choice is not an option of the poll"));
            }
            sqlx::query(
                "INSERT INTO poll_choices (ballot_id, poll_id, position) VALUES ($1, $2, $3)",
            )
            .bind(ballot.as_str())
            .bind(poll.as_str())
            .bind(i64::from(choice))
            .execute(&mut *tx)
            .await?;
        }
        tx.commit().await?;
        Ok(VoteOutcome::Counted)
    }

    /// Votes per option (in the options' order, `options` long) and the number of ballots.
    pub async fn poll_counts(
        &self,
        poll: &PollId,
        options: usize,
    ) -> Result<(Vec<u32>, u32), StoreError> {
        let mut counts = vec![0u32; options];
        let rows = sqlx::query(
            "SELECT position, COUNT(*) AS n FROM poll_choices WHERE poll_id = $1 GROUP BY position",
        )
        .bind(poll.as_str())
        .fetch_all(&self.pool)
        .await?;
        for row in rows {
            let position: i64 = row.try_get("position")?;
            let n: i64 = row.try_get("n")?;
            if let Some(slot) = usize::try_from(position)
                .ok()
                .and_then(|p| counts.get_mut(p))
            {
                *slot = u32::try_from(n).unwrap_or(u32::MAX);
            }
        }
        let voters: i64 = sqlx::query("SELECT COUNT(*) AS n FROM poll_ballots WHERE poll_id = $1")
            .bind(poll.as_str())
            .fetch_one(&self.pool)
            .await?
            .try_get("n")?;
        Ok((counts, u32::try_from(voters).unwrap_or(u32::MAX)))
    }

    /// The voter keys of a poll's ballots (none for an anonymous poll).
    pub async fn poll_voters(&self, poll: &PollId) -> Result<Vec<String>, StoreError> {
        let rows =
            sqlx::query("SELECT voter FROM poll_ballots WHERE poll_id = $1 AND voter IS NOT NULL")
                .bind(poll.as_str())
                .fetch_all(&self.pool)
                .await?;
        Ok(rows
            .iter()
            .map(|r| r.try_get("voter"))
            .collect::<Result<_, _>>()?)
    }

    /// Every ballot of a poll with its choices, for the export (named ones by time, then id).
    pub async fn poll_ballots(&self, poll: &PollId) -> Result<Vec<Ballot>, StoreError> {
        let rows = sqlx::query(
            "SELECT b.id AS id, b.voter_name AS voter_name, b.voted_at AS voted_at, \
             c.position AS position FROM poll_ballots b \
             LEFT JOIN poll_choices c ON c.ballot_id = b.id \
             WHERE b.poll_id = $1 ORDER BY b.voted_at, b.id, c.position",
        )
        .bind(poll.as_str())
        .fetch_all(&self.pool)
        .await?;
        let mut ballots: Vec<(String, Ballot)> = Vec::new();
        for row in rows {
            let id: String = row.try_get("id")?;
            let position: Option<i64> = row.try_get("position")?;
            if ballots.last().is_none_or(|(last, _)| *last != id) {
                ballots.push((
                    id,
                    Ballot {
                        voter_name: row.try_get("voter_name")?,
                        voted_at: row.try_get("voted_at")?,
                        choices: Vec::new(),
                    },
                ));
            }
            if let (Some(p), Some((_, ballot))) = (position, ballots.last_mut()) {
                ballot.choices.push(u32::try_from(p).unwrap_or(u32::MAX));
            }
        }
        Ok(ballots.into_iter().map(|(_, b)| b).collect())
    }
}
