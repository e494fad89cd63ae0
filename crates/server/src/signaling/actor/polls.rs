//! The actor's handlers for live polls (C7): `poll_create`, `poll_open`, `poll_close`,
//! `poll_publish` (RunPolls) and `poll_vote` (Vote; attendees too). Polls are in the store
//! (crate::polls::Polls); each change is stored before anyone is told, then every connected
//! person gets `poll_updated` as they may see it: drafts and live counts only for those who
//! run polls, results for everyone once published, `voted` for the receiver.

use std::collections::HashSet;

use amphi_proto::{ClientMessage, ErrorCode, ParticipantId, PollInfo, Role, ServerMessage};
use amphi_room::{Action, may};
use amphi_store::{CollabPlace, Poll, PollId, PollState, Voter};

use super::Actor;
use crate::notes::Notes;
use crate::polls::PollError;

impl Actor {
    pub(super) async fn on_poll(&mut self, id: &ParticipantId, message: ClientMessage) {
        let id = id.clone();
        let request = message.type_name();
        let action = match message {
            ClientMessage::PollVote { .. } => Action::Vote,
            _ => Action::RunPolls,
        };
        if let Err(e) = self.room.check(&id, action) {
            return self.error_to(&id, e.code(), e.to_string(), request);
        }
        let owner = match self.collab_owner().await {
            Some(owner) => owner,
            None => {
                let message = "this room no longer exists";
                return self.error_to(&id, ErrorCode::InternalError, message, request);
            }
        };
        let polls = self.ctx.polls.clone();
        let result = match message {
            ClientMessage::PollCreate { poll } => polls.create(&owner, poll).await,
            ClientMessage::PollOpen { poll_id } => {
                polls
                    .advance(&owner, &store_id(&poll_id), PollState::Open)
                    .await
            }
            ClientMessage::PollClose { poll_id } => {
                polls
                    .advance(&owner, &store_id(&poll_id), PollState::Closed)
                    .await
            }
            ClientMessage::PollPublish { poll_id } => {
                polls.publish(&owner, &store_id(&poll_id)).await
            }
            ClientMessage::PollVote { poll_id, choices } => {
                let voter = self.voter(&id);
                match polls
                    .vote(&owner, &store_id(&poll_id), &voter, &choices)
                    .await
                {
                    // Only those who see counts, and the voter, hear of a vote.
                    Ok(poll) => return self.tell_poll(&poll, Some(&id)).await,
                    Err(e) => Err(e),
                }
            }
            _ => return,
        };
        match result {
            Ok(poll) => self.tell_poll(&poll, None).await,
            Err(e) => {
                if let PollError::Store(store) = &e {
                    tracing::error!(participant = %id, error = %store, "poll request failed");
                }
                self.error_to(&id, e.code(), e.message(), request);
            }
        }
    }

    /// The store's owner of this actor's notes and polls (`None` once the room is gone).
    pub(super) async fn collab_owner(&self) -> Option<CollabPlace> {
        if let Some(session) = &self.session {
            return Some(CollabPlace::Session(session.id.clone()));
        }
        match Notes::owner(&self.ctx.store, &self.collab_place()).await {
            Ok(owner) => owner,
            Err(e) => {
                tracing::error!(error = %e, "cannot find the room's owner row");
                None
            }
        }
    }

    /// Who votes: the signed-in user, else the browser's key, else this participant.
    fn voter(&self, id: &ParticipantId) -> Voter {
        let person = self.room.person(id);
        let key = person
            .and_then(|p| {
                let identity = p.identity();
                identity
                    .user
                    .as_ref()
                    .map(|u| format!("user:{u}"))
                    .or_else(|| identity.client_key.as_ref().map(|k| format!("key:{k}")))
            })
            .unwrap_or_else(|| format!("participant:{id}"));
        Voter {
            key,
            name: person.map(|p| p.name.clone()).unwrap_or_default(),
        }
    }

    /// Sends `poll_updated` to everyone who may see the poll; with `only_voter`, to those who
    /// see counts and to that voter only.
    async fn tell_poll(&mut self, poll: &Poll, only_voter: Option<&ParticipantId>) {
        let polls = self.ctx.polls.clone();
        let voters = polls.voters_of(poll).await.unwrap_or_default();
        let (Ok(runner_view), Ok(other_view)) = (
            polls.info(poll, true, false).await,
            polls.info(poll, false, false).await,
        ) else {
            tracing::error!(poll = %poll.id, "cannot read the poll's counts");
            return;
        };
        for (to, role) in self.connected_roles() {
            let runs = may(role, Action::RunPolls);
            if only_voter.is_some_and(|v| v != &to) && !runs {
                continue;
            }
            let view = if runs { &runner_view } else { &other_view };
            if let Some(mut info) = view.clone() {
                info.voted = voters.contains(&self.voter(&to).key);
                self.send_to(&to, ServerMessage::PollUpdated { poll: info });
            }
        }
    }

    /// Fills `welcome.polls`: every poll the joiner may see.
    pub(super) async fn fill_polls(&self, id: &ParticipantId, welcome: &mut ServerMessage) {
        let Some(role) = self.room.person(id).map(|p| p.role) else {
            return;
        };
        let list = match self.collab_owner().await {
            Some(owner) => self.polls_for(&owner, id, role).await,
            None => Vec::new(),
        };
        if let ServerMessage::Welcome { polls, .. } = welcome {
            *polls = list;
        }
    }

    async fn polls_for(
        &self,
        owner: &CollabPlace,
        id: &ParticipantId,
        role: Role,
    ) -> Vec<PollInfo> {
        let polls = self.ctx.polls.clone();
        let key = self.voter(id).key;
        let runs = may(role, Action::RunPolls);
        let mut out = Vec::new();
        let list = match polls.list(owner).await {
            Ok(list) => list,
            Err(e) => {
                tracing::error!(error = ?e, "cannot list polls");
                return out;
            }
        };
        for poll in list {
            let voted: HashSet<String> = polls.voters_of(&poll).await.unwrap_or_default();
            if let Ok(Some(info)) = polls.info(&poll, runs, voted.contains(&key)).await {
                out.push(info);
            }
        }
        out
    }
}

fn store_id(id: &amphi_proto::PollId) -> PollId {
    PollId::new(id.0.clone())
}
