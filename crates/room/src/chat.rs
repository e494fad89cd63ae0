//! The meeting's group chat (C3): what a message may hold, how often one may be sent, and the
//! history late joiners receive.

use crate::effects::Effect;
use crate::error::RoomError;
use crate::permissions::Action;
use crate::room::Room;
use amphi_proto::{
    ChatMessage, ChatMessageId, MAX_CHAT_CHARS, MAX_CHAT_HISTORY, ParticipantId, ServerMessage,
};
use std::time::{Duration, Instant};

/// One message every `CHAT_INTERVAL` in the long run...
const CHAT_INTERVAL: Duration = Duration::from_secs(2);
/// ...after a burst of this many at once.
const CHAT_BURST: u32 = 5;

/// A participant's chat allowance: a generic cell rate algorithm (one instant per participant
/// instead of a bucket of tokens). `next` is when the participant's allowance is back to full
/// minus one message; a message is accepted while `next` is at most `(BURST - 1) × INTERVAL`
/// ahead of now.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub(crate) struct ChatRate {
    next: Option<Instant>,
}

impl ChatRate {
    /// Takes one message from the allowance, if there is one.
    fn take(&mut self, now: Instant) -> bool {
        let next = self.next.map_or(now, |n| n.max(now));
        if next.saturating_duration_since(now) > CHAT_INTERVAL * (CHAT_BURST - 1) {
            return false;
        }
        self.next = Some(next + CHAT_INTERVAL);
        true
    }
}

/// A chat text as the room keeps it: trimmed, 1 to `MAX_CHAT_CHARS` characters, no control
/// characters but line breaks and tabs.
pub fn valid_chat_text(raw: &str) -> Result<String, RoomError> {
    let text = raw.trim();
    if text.is_empty() {
        return Err(RoomError::InvalidChat("an empty message is not sent"));
    }
    if text.chars().count() > MAX_CHAT_CHARS {
        return Err(RoomError::InvalidChat(
            "a chat message has at most 2000 characters",
        ));
    }
    if text
        .chars()
        .any(|c| c.is_control() && c != '\n' && c != '\t')
    {
        return Err(RoomError::InvalidChat(
            "a chat message may not hold control characters (but line breaks and tabs)",
        ));
    }
    Ok(text.to_owned())
}

impl Room {
    /// `by` says something (Chat). `id` is fresh from the caller, `unix_ms` is now. Everyone
    /// in the room, the sender included, gets `chat_message`; the meeting keeps the last
    /// `MAX_CHAT_HISTORY`. A refused message (permission, text, rate) is not kept.
    pub fn chat(
        &mut self,
        now: Instant,
        unix_ms: u64,
        by: &ParticipantId,
        text: &str,
        id: ChatMessageId,
    ) -> Result<Vec<Effect>, RoomError> {
        self.check(by, Action::Chat)?;
        let text = valid_chat_text(text)?;
        let Some(sender) = self.participants.iter_mut().find(|p| &p.id == by) else {
            return Err(RoomError::UnknownParticipant);
        };
        if !sender.chat_rate.take(now) {
            return Err(RoomError::ChatRateLimited);
        }
        let message = ChatMessage {
            id,
            participant_id: by.clone(),
            name: sender.name.clone(),
            text,
            sent_at: unix_ms,
        };
        if self.chat.len() >= MAX_CHAT_HISTORY {
            self.chat.pop_front();
        }
        self.chat.push_back(message.clone());
        Ok(self.to_all(ServerMessage::ChatMessage { message }))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_allowance_is_a_burst_then_one_every_interval() {
        let t0 = Instant::now();
        let mut rate = ChatRate::default();
        for i in 0..CHAT_BURST {
            assert!(rate.take(t0), "message {i} of the burst");
        }
        assert!(!rate.take(t0));
        assert!(!rate.take(t0 + CHAT_INTERVAL - Duration::from_millis(1)));
        assert!(rate.take(t0 + CHAT_INTERVAL));
        assert!(!rate.take(t0 + CHAT_INTERVAL));
        // A long silence refills the burst, no more.
        let later = t0 + Duration::from_secs(3600);
        for _ in 0..CHAT_BURST {
            assert!(rate.take(later));
        }
        assert!(!rate.take(later));
    }
}
