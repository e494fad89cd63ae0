//! The compositor's side (recordings, the RTMP stream): each room actor publishes its meeting's
//! annotations as a [`Snapshot`] on a watch channel ([`Feed`], from `Rooms::annotation_feed`),
//! and [`AnnotatedStills`] wraps the compositor's picture source so that a staged PDF page or
//! image comes out with its strokes drawn on it (a new version on every change).

use std::sync::{Arc, Mutex};

use amphi_proto::{PageAnnotations, Stroke};
use tokio::sync::watch;

use crate::compose::{Still, StillSource};
use crate::signaling::{Place, Rooms};

/// A meeting's annotations at one moment; `version` grows with every change.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Snapshot {
    pub version: u64,
    pub pages: Vec<PageAnnotations>,
}

impl Snapshot {
    /// The strokes of a page (an image is page 1), oldest first.
    pub fn strokes(&self, content_id: &str, page: u32) -> &[Stroke] {
        self.pages
            .iter()
            .find(|p| p.page.content_id.0 == content_id && p.page.page == page)
            .map_or(&[], |p| p.strokes.as_slice())
    }
}

/// A room's annotations as they change.
pub type Feed = watch::Receiver<Arc<Snapshot>>;

/// `base`'s pictures with the strokes of `feed` drawn on them, at the picture's own size.
/// A picture that is not a PNG (a JPEG image) is shown without its strokes.
pub struct AnnotatedStills {
    base: Arc<dyn StillSource>,
    feed: Feed,
    last: Mutex<Option<Drawn>>,
}

/// The last drawing, and what it was drawn from.
struct Drawn {
    content_id: String,
    page: u32,
    base_version: u64,
    annotations_version: u64,
    still: Still,
}

impl AnnotatedStills {
    pub fn new(base: Arc<dyn StillSource>, feed: Feed) -> Self {
        Self {
            base,
            feed,
            last: Mutex::new(None),
        }
    }

    /// The compositor's hook: the pictures of the room or live at `place` with its
    /// annotations (`base` itself if nobody is in, so there are none).
    pub fn wrap(base: Arc<dyn StillSource>, rooms: &Rooms, place: &Place) -> Arc<dyn StillSource> {
        match rooms.annotation_feed(place) {
            Some(feed) => Arc::new(AnnotatedStills::new(base, feed)),
            None => base,
        }
    }
}

impl StillSource for AnnotatedStills {
    fn still(&self, content_id: &str, page: Option<u32>) -> Option<Still> {
        let base = self.base.still(content_id, page)?;
        let snapshot = self.feed.borrow().clone();
        let n = page.unwrap_or(1);
        let strokes = snapshot.strokes(content_id, n);
        if strokes.is_empty() {
            return Some(base);
        }
        // Distinct from the plain picture's version and from every earlier drawing.
        let version = base
            .version
            .wrapping_mul(1_000_003)
            .wrapping_add(snapshot.version)
            .wrapping_add(1);
        let mut last = self.last.lock().unwrap_or_else(|p| p.into_inner());
        if let Some(d) = last.as_ref()
            && d.content_id == content_id
            && d.page == n
            && d.base_version == base.version
            && d.annotations_version == snapshot.version
        {
            return Some(d.still.clone());
        }
        let drawn = match super::render::render_native(&base.bytes, strokes) {
            Ok(png) => Still {
                version,
                bytes: Arc::new(png),
            },
            Err(e) => {
                tracing::debug!(error = %e, "page shown without its annotations");
                return Some(base);
            }
        };
        *last = Some(Drawn {
            content_id: content_id.to_owned(),
            page: n,
            base_version: base.version,
            annotations_version: snapshot.version,
            still: drawn.clone(),
        });
        Some(drawn)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use amphi_proto::{
        AnnotationColor, AnnotationPage, AnnotationTool, ContentId, ParticipantId, Point,
        StrokeInput,
    };

    /// One white PNG page for any content id.
    struct Page(Arc<Vec<u8>>);

    impl StillSource for Page {
        fn still(&self, _: &str, _: Option<u32>) -> Option<Still> {
            Some(Still {
                version: 1,
                bytes: self.0.clone(),
            })
        }
    }

    #[test]
    fn a_page_with_strokes_comes_out_drawn_and_versioned() {
        let mut white = tiny_skia::Pixmap::new(400, 200).expect("size");
        white.fill(tiny_skia::Color::WHITE);
        let page = Arc::new(Page(Arc::new(white.encode_png().expect("png"))));
        let mut board = super::super::Board::new();
        let stills = AnnotatedStills::new(page, board.feed());
        let id = "a".repeat(32);
        let plain = stills.still(&id, Some(1)).expect("still");
        assert_eq!(plain.version, 1, "no strokes: the page as it is");
        let on = AnnotationPage {
            content_id: ContentId(id.clone()),
            page: 1,
        };
        let line = StrokeInput {
            id: "s".into(),
            tool: AnnotationTool::Pen,
            color: AnnotationColor::Red,
            size: 4,
            points: vec![Point(0.0, 0.5), Point(1.0, 0.5)],
            text: None,
        };
        board
            .add(&on, &ParticipantId("p".into()), line)
            .expect("add");
        let drawn = stills.still(&id, Some(1)).expect("still");
        assert_ne!(drawn.version, plain.version);
        let pixmap = tiny_skia::Pixmap::decode_png(&drawn.bytes).expect("png");
        // A 4 px line (0.0025 × 4 × 400) across the middle row.
        let c = pixmap.pixel(200, 100).expect("inside");
        assert_eq!((c.red(), c.green(), c.blue()), AnnotationColor::Red.rgb());
        assert_eq!(
            stills.still(&id, Some(1)).expect("again").version,
            drawn.version
        );
        assert_eq!(stills.still(&id, Some(2)).expect("other page").version, 1);
    }
}
