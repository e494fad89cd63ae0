//! The actor's side of annotations (C6): who may draw (Annotate, or everyone once a moderator
//! allows it), on which page (only the PDF page or image on the stage now), kept in the
//! meeting's [`Board`](crate::annotations::Board) and relayed to everyone connected, staff and
//! attendees alike. A refusal is answered with an `error` and changes nothing.

use amphi_proto::{AnnotationPage, ClientMessage, ParticipantId, ServerMessage, StageContent};
use amphi_room::{Action, Effect};

use super::Actor;
use crate::annotations::{Feed, Refusal};
use crate::signaling::{Place, Rooms};

impl Rooms {
    /// The annotations of a running room or session live, as they change; `None` if nobody is
    /// in. The compositor wraps its pictures in `annotations::AnnotatedStills` with it.
    pub fn annotation_feed(&self, place: &Place) -> Option<Feed> {
        self.running(place).map(|h| h.annotations.clone())
    }
}

impl Actor {
    /// One annotation request from a joined participant or attendee.
    pub(super) async fn on_annotation(&mut self, id: &ParticipantId, message: ClientMessage) {
        let request = message.type_name();
        match self.annotate(id, message) {
            Ok(effects) => self.apply(effects).await,
            Err(refusal) => {
                let reply = ServerMessage::error(refusal.code(), refusal.message(), Some(request));
                self.send_to(id, reply);
            }
        }
    }

    fn annotate(
        &mut self,
        id: &ParticipantId,
        message: ClientMessage,
    ) -> Result<Vec<Effect>, Refusal> {
        if let ClientMessage::SetAnnotationAccess { everyone } = message {
            self.room
                .check(id, Action::AllowAnnotation)
                .map_err(|_| forbidden("only moderators choose who may draw"))?;
            if !self.annotations.set_everyone(everyone) {
                return Ok(Vec::new());
            }
            let by = self.room.person(id).map(|p| p.name.clone());
            return Ok(self.to_everyone_but(None, ServerMessage::AnnotationAccess { everyone, by }));
        }
        self.may_draw(id)?;
        match message {
            ClientMessage::AnnotationAdd { page, stroke } => {
                self.on_stage(&page)?;
                let stroke = self.annotations.add(&page, id, stroke)?;
                Ok(self.to_everyone_but(None, ServerMessage::AnnotationAdded { page, stroke }))
            }
            ClientMessage::AnnotationExtend { stroke_id, points } => {
                // The stroke's page may have left the stage meanwhile: the stroke is kept there.
                self.annotations.extend(id, &stroke_id, points.clone())?;
                // Its author drew these points already.
                let message = ServerMessage::AnnotationExtended { stroke_id, points };
                Ok(self.to_everyone_but(Some(id), message))
            }
            ClientMessage::AnnotationRemove { page, stroke_ids } => {
                self.on_stage(&page)?;
                let stroke_ids = self.annotations.remove(&page, &stroke_ids)?;
                Ok(self.removed(page, stroke_ids))
            }
            ClientMessage::AnnotationUndo { page } => {
                self.on_stage(&page)?;
                let undone = self.annotations.undo(&page, id).into_iter().collect();
                Ok(self.removed(page, undone))
            }
            ClientMessage::AnnotationClear { page } => {
                self.on_stage(&page)?;
                if !self.annotations.clear(&page) {
                    return Ok(Vec::new());
                }
                let by = self.room.person(id).map(|p| p.name.clone());
                Ok(self.to_everyone_but(None, ServerMessage::AnnotationCleared { page, by }))
            }
            // Routed here only for the annotation requests.
            _ => Ok(Vec::new()),
        }
    }

    /// The role may (Annotate), or a moderator let everyone draw.
    fn may_draw(&self, id: &ParticipantId) -> Result<(), Refusal> {
        if self.room.person(id).is_none() {
            return Err(forbidden("you are not in this meeting"));
        }
        if self.annotations.everyone() || self.room.check(id, Action::Annotate).is_ok() {
            return Ok(());
        }
        Err(forbidden(
            "only presenters and moderators draw on the page, unless a moderator lets everyone",
        ))
    }

    /// The page must be the PDF page or image on the stage now.
    fn on_stage(&self, page: &AnnotationPage) -> Result<(), Refusal> {
        let shown = match self
            .room
            .stage(std::time::Instant::now())
            .and_then(|s| s.content)
        {
            Some(StageContent::Pdf {
                content_id, page, ..
            }) => Some(AnnotationPage { content_id, page }),
            Some(StageContent::Image { content_id, .. }) => Some(AnnotationPage {
                content_id,
                page: 1,
            }),
            _ => None,
        };
        match shown {
            Some(shown) if &shown == page => Ok(()),
            Some(_) => Err(Refusal::Invalid(
                "this page is not on the stage now: annotate the page shown".into(),
            )),
            None => Err(Refusal::Invalid(
                "there is no PDF page or image on the stage to annotate".into(),
            )),
        }
    }

    /// `annotation_removed` to everyone, if anything was removed.
    fn removed(&self, page: AnnotationPage, stroke_ids: Vec<String>) -> Vec<Effect> {
        if stroke_ids.is_empty() {
            return Vec::new();
        }
        self.to_everyone_but(None, ServerMessage::AnnotationRemoved { page, stroke_ids })
    }

    /// One `Effect::Send` per connected socket (participants and attendees), but `except`'s.
    fn to_everyone_but(
        &self,
        except: Option<&ParticipantId>,
        message: ServerMessage,
    ) -> Vec<Effect> {
        self.conns
            .keys()
            .filter(|to| Some(*to) != except)
            .map(|to| Effect::Send {
                to: to.clone(),
                message: message.clone(),
            })
            .collect()
    }

    /// The session's annotations for a `welcome` (a room has none: `null`).
    pub(super) fn fill_welcome_annotations(&self, welcome: &mut ServerMessage) {
        if let ServerMessage::Welcome { annotations, .. } = welcome
            && self.session.is_some()
        {
            *annotations = Some(self.annotations.state());
        }
    }
}

fn forbidden(message: &str) -> Refusal {
    Refusal::Forbidden(message.to_owned())
}
