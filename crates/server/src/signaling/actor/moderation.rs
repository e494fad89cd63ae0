//! The actor's handlers for running the room from inside it (issue 4): open/close and the
//! waiting room (through the store, in `admission`), knocks, moderation, hands and chat. The
//! room decides and checks roles and targets; a refusal is answered with its `error`.

use amphi_proto::ClientMessage;
use amphi_room::{Effect, RoomError};

use super::admission::Requester;
use super::{Actor, Origin, ids, unix_ms};

impl Actor {
    pub(super) async fn on_request(&mut self, from: Origin, message: ClientMessage) {
        if !self.is_current(&from) {
            return;
        }
        let id = from.participant;
        let request = message.type_name();
        let metrics = self.ctx.metrics.clone();
        let result: Result<Vec<Effect>, RoomError> = match message {
            ClientMessage::SetRoomOpen { open } => {
                return self.request_open(Requester::Participant(id), open).await;
            }
            ClientMessage::SetWaitingRoom { enabled } => {
                return self.request_waiting_room(&id, enabled).await;
            }
            ClientMessage::Admit { knock_ids } => self.room.admit(&id, &knock_ids),
            ClientMessage::Deny { knock_ids } => self.room.deny(&id, &knock_ids),
            ClientMessage::Mute {
                participant_id,
                source,
            } => counted(self.room.mute(&id, &participant_id, source), &metrics.mutes),
            ClientMessage::Remove { participant_id } => {
                counted(self.room.remove(&id, &participant_id), &metrics.removals)
            }
            ClientMessage::SetRole {
                participant_id,
                role,
            } => counted(
                self.room.set_role(&id, &participant_id, role),
                &metrics.role_changes,
            ),
            ClientMessage::RaiseHand { raised } => self.room.raise_hand(&id, raised),
            ClientMessage::LowerHand { participant_id } => {
                let someone_else = participant_id != id;
                let result = self.room.lower_hand(&id, &participant_id);
                if someone_else {
                    counted(result, &metrics.hands_lowered)
                } else {
                    result
                }
            }
            ClientMessage::StartLive => return self.request_live(&id, true).await,
            message @ (ClientMessage::AnnotationAdd { .. }
            | ClientMessage::AnnotationExtend { .. }
            | ClientMessage::AnnotationRemove { .. }
            | ClientMessage::AnnotationUndo { .. }
            | ClientMessage::AnnotationClear { .. }
            | ClientMessage::SetAnnotationAccess { .. }) => {
                return self.on_annotation(&id, message).await;
            }
            ClientMessage::StopLive => return self.request_live(&id, false).await,
            ClientMessage::StartRecording { options } => {
                return self.request_recording(&id, Some(options));
            }
            ClientMessage::StopRecording => return self.request_recording(&id, None),
            message
            @ (ClientMessage::NotesUpdate { .. } | ClientMessage::SetNotesLocked { .. }) => {
                return self.on_notes(&id, message).await;
            }
            message @ (ClientMessage::PollCreate { .. }
            | ClientMessage::PollOpen { .. }
            | ClientMessage::PollClose { .. }
            | ClientMessage::PollPublish { .. }
            | ClientMessage::PollVote { .. }) => return self.on_poll(&id, message).await,
            ClientMessage::StartStream => return self.request_stream(&id, true),
            ClientMessage::StopStream => return self.request_stream(&id, false),
            ClientMessage::SetStage { stage } => {
                self.room.set_stage(std::time::Instant::now(), &id, stage)
            }
            ClientMessage::ContentControl { action } => {
                self.room
                    .content_control(std::time::Instant::now(), &id, action)
            }
            ClientMessage::ChatSend { text } => counted(
                self.room.chat(
                    std::time::Instant::now(),
                    unix_ms(),
                    &id,
                    &text,
                    ids::chat_message_id(),
                ),
                &metrics.chat_messages,
            ),
            // Not requests of this kind (the socket task routes them elsewhere).
            ClientMessage::Join { .. }
            | ClientMessage::PublishOffer { .. }
            | ClientMessage::SubscribeAnswer { .. }
            | ClientMessage::IceCandidate { .. }
            | ClientMessage::SetMuted { .. }
            | ClientMessage::SetVideoSize { .. }
            | ClientMessage::Leave
            | ClientMessage::Ping => return,
        };
        match result {
            Ok(effects) => self.apply(effects).await,
            Err(e) => self.answer_error(&Requester::Participant(id), &e, request),
        }
    }
}

/// Counts a request that did something (a request that changed nothing has no effects).
fn counted(
    result: Result<Vec<Effect>, RoomError>,
    counter: &crate::metrics::Counter,
) -> Result<Vec<Effect>, RoomError> {
    if let Ok(effects) = &result
        && !effects.is_empty()
    {
        counter.inc();
    }
    result
}
