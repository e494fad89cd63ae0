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

/// `base`'s pictures with the strokes of `feed` drawn on them, at the picture's own size. A
/// JPEG image is turned into a PNG first (once per version, by ffmpeg). The compositor calls
/// it off its clock, a few times a second: it draws only when the page or its strokes change.
pub struct AnnotatedStills {
    base: Arc<dyn StillSource>,
    feed: Feed,
    last: Mutex<Option<Drawn>>,
    converted: Mutex<Option<Converted>>,
}

/// The last JPEG turned into a PNG.
struct Converted {
    content_id: String,
    page: u32,
    base_version: u64,
    png: Arc<Vec<u8>>,
}

/// The last drawing, and what it was drawn from.
struct Drawn {
    content_id: String,
    page: u32,
    base_version: u64,
    annotations_version: u64,
    /// The page's strokes then: a change elsewhere (another page) draws nothing again.
    strokes: Vec<Stroke>,
    still: Still,
}

impl AnnotatedStills {
    pub fn new(base: Arc<dyn StillSource>, feed: Feed) -> Self {
        Self {
            base,
            feed,
            last: Mutex::new(None),
            converted: Mutex::new(None),
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

impl AnnotatedStills {
    /// `base` as a PNG: itself, or the last conversion of this picture's version.
    fn png(&self, content_id: &str, page: u32, base: &Still) -> Result<Arc<Vec<u8>>, String> {
        if base.bytes.starts_with(PNG_SIGNATURE) {
            return Ok(base.bytes.clone());
        }
        let mut converted = self.converted.lock().unwrap_or_else(|p| p.into_inner());
        if let Some(c) = converted.as_ref()
            && c.content_id == content_id
            && c.page == page
            && c.base_version == base.version
        {
            return Ok(c.png.clone());
        }
        let png = Arc::new(to_png(&base.bytes)?);
        *converted = Some(Converted {
            content_id: content_id.to_owned(),
            page,
            base_version: base.version,
            png: png.clone(),
        });
        Ok(png)
    }
}

const PNG_SIGNATURE: &[u8] = b"\x89PNG\r\n\x1a\n";

/// An image (a JPEG) as a PNG, by a one-shot ffmpeg. Blocking: the compositor calls the still
/// source from a blocking task.
fn to_png(image: &[u8]) -> Result<Vec<u8>, String> {
    use std::io::Write;
    use std::process::{Command, Stdio};
    let mut child = Command::new("ffmpeg")
        .args(["-hide_banner", "-nostdin", "-loglevel", "error"])
        .args(["-f", "image2pipe", "-i", "pipe:0", "-frames:v", "1"])
        .args(["-c:v", "png", "-f", "image2pipe", "pipe:1"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .map_err(|e| format!("cannot start ffmpeg: {e}"))?;
    let mut stdin = child.stdin.take().ok_or("no stdin")?;
    let input = image.to_vec();
    // Written from another thread: ffmpeg may write before it has read everything.
    let writer = std::thread::spawn(move || {
        let _ = stdin.write_all(&input);
    });
    let out = child.wait_with_output().map_err(|e| e.to_string())?;
    let _ = writer.join();
    if !out.status.success() || !out.stdout.starts_with(PNG_SIGNATURE) {
        return Err(format!(
            "not converted to PNG: {}",
            String::from_utf8_lossy(&out.stderr).trim()
        ));
    }
    Ok(out.stdout)
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
            && (d.annotations_version == snapshot.version || d.strokes == strokes)
        {
            return Some(d.still.clone());
        }
        let page_png = match self.png(content_id, n, &base) {
            Ok(png) => png,
            Err(e) => {
                tracing::debug!(error = %e, "picture shown without its annotations");
                return Some(base);
            }
        };
        let drawn = match super::render::render_native(&page_png, strokes) {
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
            strokes: strokes.to_vec(),
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

    /// A red 4-size pen line across the middle of page 1 of `id`.
    fn red_line_across(board: &mut super::super::Board, id: &str) {
        let on = AnnotationPage {
            content_id: ContentId(id.to_owned()),
            page: 1,
        };
        let line = StrokeInput {
            id: "line".into(),
            tool: AnnotationTool::Pen,
            color: AnnotationColor::Red,
            size: 4,
            points: vec![Point(0.0, 0.5), Point(1.0, 0.5)],
            text: None,
        };
        board
            .add(&on, &ParticipantId("p".into()), line)
            .expect("add");
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
        red_line_across(&mut board, &id);
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

    #[test]
    fn a_jpeg_image_is_drawn_on_too() {
        let jpeg = std::process::Command::new("ffmpeg")
            .args(["-hide_banner", "-loglevel", "error", "-f", "lavfi"])
            .args(["-i", "color=c=white:s=320x240", "-frames:v", "1"])
            .args(["-c:v", "mjpeg", "-f", "image2pipe", "pipe:1"])
            .output()
            .expect("ffmpeg runs (apt install ffmpeg)")
            .stdout;
        assert!(jpeg.starts_with(&[0xff, 0xd8]), "a JPEG");
        let mut board = super::super::Board::new();
        let stills = AnnotatedStills::new(Arc::new(Page(Arc::new(jpeg))), board.feed());
        let id = "b".repeat(32);
        red_line_across(&mut board, &id);
        let drawn = stills.still(&id, None).expect("still");
        let pixmap = tiny_skia::Pixmap::decode_png(&drawn.bytes).expect("a PNG now");
        assert_eq!((pixmap.width(), pixmap.height()), (320, 240));
        let c = pixmap.pixel(160, 120).expect("inside");
        assert_eq!((c.red(), c.green(), c.blue()), AnnotationColor::Red.rgb());
        let white = pixmap.pixel(160, 20).expect("inside");
        assert!(white.red() > 240 && white.green() > 240 && white.blue() > 240);
    }
}
