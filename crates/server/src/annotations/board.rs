//! A meeting's annotations, kept by its room actor for as long as the meeting lasts: strokes
//! per page in drawing order, who may draw, and the bounds that keep memory and `welcome` small.
//! Pure state: the actor checks rights and which page is on the stage before calling.

use amphi_proto::{
    AnnotationPage, AnnotationTool, AnnotationsState, MAX_MEETING_POINTS, MAX_PAGE_STROKES,
    MAX_STROKE_POINTS, PageAnnotations, ParticipantId, Point, Stroke, StrokeInput,
};

use std::sync::Arc;

use tokio::sync::watch;

use super::stills::{Feed, Snapshot};
use super::{Refusal, validate};

/// Ids one `annotation_remove` names at most.
pub const MAX_REMOVE_IDS: usize = 100;

#[derive(Debug)]
pub struct Board {
    everyone: bool,
    /// Pages in the order they were first annotated; a page with no stroke left is dropped.
    pages: Vec<PageAnnotations>,
    /// Points kept, every page together (at most [`MAX_MEETING_POINTS`]).
    points: usize,
    /// Every change, for the compositor ([`Board::feed`]).
    version: u64,
    published: watch::Sender<Arc<Snapshot>>,
}

impl Default for Board {
    fn default() -> Self {
        Self::new()
    }
}

impl Board {
    pub fn new() -> Self {
        Board {
            everyone: false,
            pages: Vec::new(),
            points: 0,
            version: 0,
            published: watch::channel(Arc::new(Snapshot::default())).0,
        }
    }

    /// The strokes as they change (the compositor draws the staged page with them).
    pub fn feed(&self) -> Feed {
        self.published.subscribe()
    }

    /// Tells the feed's readers, if any, of a change.
    fn publish(&mut self) {
        self.version += 1;
        if self.published.receiver_count() > 0 {
            self.published.send_replace(Arc::new(Snapshot {
                version: self.version,
                pages: self.pages.clone(),
            }));
        }
    }

    /// Whether a moderator let everyone draw.
    pub fn everyone(&self) -> bool {
        self.everyone
    }

    /// Sets who may draw; `true` if it changed.
    pub fn set_everyone(&mut self, everyone: bool) -> bool {
        let changed = self.everyone != everyone;
        self.everyone = everyone;
        changed
    }

    /// What a `welcome` carries.
    pub fn state(&self) -> AnnotationsState {
        AnnotationsState {
            everyone: self.everyone,
            pages: self.pages.clone(),
        }
    }

    /// The strokes of a page, oldest first (for drawing it).
    pub fn strokes(&self, page: &AnnotationPage) -> &[Stroke] {
        self.pages
            .iter()
            .find(|p| &p.page == page)
            .map_or(&[], |p| p.strokes.as_slice())
    }

    /// Keeps a new stroke by `author` on `page`, checked first; returns it as everyone gets it.
    pub fn add(
        &mut self,
        page: &AnnotationPage,
        author: &ParticipantId,
        input: StrokeInput,
    ) -> Result<Stroke, Refusal> {
        validate::page(page)?;
        validate::stroke(&input)?;
        if self.find(&input.id).is_some() {
            return Err(Refusal::Invalid(format!(
                "stroke {} exists already: choose a new id",
                input.id
            )));
        }
        if self.strokes(page).len() >= MAX_PAGE_STROKES {
            return Err(Refusal::Full(format!(
                "this page holds {MAX_PAGE_STROKES} strokes already: erase or clear some"
            )));
        }
        self.budget(input.points.len())?;
        let stroke = Stroke {
            id: input.id,
            author: author.clone(),
            tool: input.tool,
            color: input.color,
            size: input.size,
            points: input.points,
            text: input.text.map(|t| t.trim().to_owned()),
        };
        self.points += stroke.points.len();
        match self.pages.iter_mut().find(|p| &p.page == page) {
            Some(p) => p.strokes.push(stroke.clone()),
            None => self.pages.push(PageAnnotations {
                page: page.clone(),
                strokes: vec![stroke.clone()],
            }),
        }
        self.publish();
        Ok(stroke)
    }

    /// Adds points to `author`'s own pen or highlighter stroke; returns the stroke's page.
    pub fn extend(
        &mut self,
        author: &ParticipantId,
        stroke_id: &str,
        points: Vec<Point>,
    ) -> Result<AnnotationPage, Refusal> {
        validate::stroke_id(stroke_id)?;
        validate::points(&points)?;
        let (page_index, stroke_index) = self
            .find(stroke_id)
            .ok_or_else(|| Refusal::Invalid(format!("no stroke {stroke_id} to extend")))?;
        let stroke = &self.pages[page_index].strokes[stroke_index];
        if &stroke.author != author {
            return Err(Refusal::Forbidden(
                "only its author extends a stroke".into(),
            ));
        }
        if !matches!(
            stroke.tool,
            AnnotationTool::Pen | AnnotationTool::Highlighter
        ) {
            return Err(Refusal::Invalid(
                "only pen and highlighter strokes grow".into(),
            ));
        }
        if stroke.points.len() + points.len() > MAX_STROKE_POINTS {
            return Err(Refusal::Full(format!(
                "a stroke has at most {MAX_STROKE_POINTS} points: start a new one"
            )));
        }
        self.budget(points.len())?;
        self.points += points.len();
        let page = &mut self.pages[page_index];
        page.strokes[stroke_index].points.extend(points);
        let page = page.page.clone();
        self.publish();
        Ok(page)
    }

    /// Erases the named strokes of `page`; returns those that were there.
    pub fn remove(
        &mut self,
        page: &AnnotationPage,
        ids: &[String],
    ) -> Result<Vec<String>, Refusal> {
        if ids.is_empty() || ids.len() > MAX_REMOVE_IDS {
            return Err(Refusal::Invalid(format!(
                "name 1 to {MAX_REMOVE_IDS} strokes to erase"
            )));
        }
        for id in ids {
            validate::stroke_id(id)?;
        }
        let mut removed = Vec::new();
        self.retain(page, |s| {
            let gone = ids.contains(&s.id);
            if gone {
                removed.push(s.id.clone());
            }
            !gone
        });
        Ok(removed)
    }

    /// Removes `author`'s last stroke on `page`; its id, if there was one.
    pub fn undo(&mut self, page: &AnnotationPage, author: &ParticipantId) -> Option<String> {
        let last = self
            .strokes(page)
            .iter()
            .rev()
            .find(|s| &s.author == author)?
            .id
            .clone();
        self.retain(page, |s| s.id != last);
        Some(last)
    }

    /// Removes every stroke of `page`; `true` if there were any.
    pub fn clear(&mut self, page: &AnnotationPage) -> bool {
        let had = !self.strokes(page).is_empty();
        self.retain(page, |_| false);
        had
    }

    /// Refuses `more` points past the meeting's budget.
    fn budget(&self, more: usize) -> Result<(), Refusal> {
        if self.points + more > MAX_MEETING_POINTS {
            return Err(Refusal::Full(
                "this meeting holds as many annotations as it can: clear a page first".into(),
            ));
        }
        Ok(())
    }

    fn find(&self, stroke_id: &str) -> Option<(usize, usize)> {
        self.pages.iter().enumerate().find_map(|(pi, p)| {
            p.strokes
                .iter()
                .position(|s| s.id == stroke_id)
                .map(|si| (pi, si))
        })
    }

    /// Keeps the strokes of `page` for which `keep` is true; the point count follows.
    fn retain(&mut self, page: &AnnotationPage, mut keep: impl FnMut(&Stroke) -> bool) {
        let Some(index) = self.pages.iter().position(|p| &p.page == page) else {
            return;
        };
        let strokes = &mut self.pages[index].strokes;
        let mut dropped = 0;
        strokes.retain(|s| {
            let kept = keep(s);
            if !kept {
                dropped += s.points.len();
            }
            kept
        });
        self.points -= dropped;
        if strokes.is_empty() {
            self.pages.remove(index);
        }
        if dropped > 0 {
            self.publish();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use amphi_proto::{AnnotationColor, ContentId};

    fn page(n: u32) -> AnnotationPage {
        AnnotationPage {
            content_id: ContentId("c".repeat(32)),
            page: n,
        }
    }

    fn pen(id: &str, n: usize) -> StrokeInput {
        StrokeInput {
            id: id.into(),
            tool: AnnotationTool::Pen,
            color: AnnotationColor::Blue,
            size: 2,
            points: vec![Point(0.5, 0.5); n],
            text: None,
        }
    }

    fn who(s: &str) -> ParticipantId {
        ParticipantId(s.into())
    }

    #[test]
    fn strokes_are_kept_per_page_extended_undone_erased_cleared() {
        let mut b = Board::new();
        let (alice, bob) = (who("alice"), who("bob"));
        b.add(&page(1), &alice, pen("a1", 2)).expect("add");
        b.add(&page(1), &bob, pen("b1", 2)).expect("add");
        b.add(&page(2), &alice, pen("a2", 2)).expect("add");
        assert_eq!(b.state().pages.len(), 2);
        assert!(
            b.add(&page(1), &bob, pen("a1", 1)).is_err(),
            "ids are unique"
        );
        assert_eq!(
            b.extend(&alice, "a1", vec![Point(0.1, 0.2)])
                .expect("extend"),
            page(1)
        );
        assert!(
            b.extend(&bob, "a1", vec![Point(0.1, 0.2)]).is_err(),
            "only the author"
        );
        assert_eq!(b.strokes(&page(1))[0].points.len(), 3);
        assert_eq!(b.undo(&page(1), &alice).as_deref(), Some("a1"));
        assert_eq!(b.undo(&page(1), &alice), None);
        assert_eq!(b.points, 4);
        let erased = b
            .remove(&page(1), &["b1".into(), "zz".into()])
            .expect("remove");
        assert_eq!(erased, vec!["b1".to_owned()]);
        assert_eq!(b.state().pages.len(), 1, "an emptied page is dropped");
        assert!(b.clear(&page(2)));
        assert!(!b.clear(&page(2)));
        assert_eq!(b.points, 0);
        assert!(b.state().pages.is_empty());
    }

    #[test]
    fn bounds_are_kept() {
        let mut b = Board::new();
        let me = who("me");
        b.add(&page(1), &me, pen("long", 500)).expect("add");
        b.extend(&me, "long", vec![Point(0.0, 0.0); 500])
            .expect("to 1000");
        assert!(b.extend(&me, "long", vec![Point(0.0, 0.0)]).is_err());
        for i in 1..MAX_PAGE_STROKES {
            b.add(&page(2), &me, pen(&format!("s{i}"), 1)).expect("add");
        }
        b.add(&page(2), &me, pen("last", 1)).expect("the 300th");
        assert!(b.add(&page(2), &me, pen("over", 1)).is_err());
        // The meeting's budget: fill it from other pages, then one more point is refused.
        let mut n = 0;
        while b.points + 500 <= MAX_MEETING_POINTS {
            n += 1;
            b.add(&page(100 + n / 200), &me, pen(&format!("f{n}"), 500))
                .expect("fill");
        }
        let left = MAX_MEETING_POINTS - b.points;
        let over = b.add(&page(9999), &me, pen("over2", left + 1));
        assert!(matches!(over, Err(Refusal::Full(_))), "{over:?}");
    }
}
