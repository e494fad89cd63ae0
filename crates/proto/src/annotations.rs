//! Annotations on the stage's PDF page or image (C6): strokes in page coordinates normalised
//! to 0..1 (x to the right, y down), so every screen size draws them at the same place.

use crate::ids::{ContentId, ParticipantId};
use serde::{Deserialize, Serialize};

/// Points of one stroke at most (a pen stroke grows by `annotation_extend`).
pub const MAX_STROKE_POINTS: usize = 1000;
/// Points one `annotation_add` or `annotation_extend` carries at most.
pub const MAX_POINTS_PER_MESSAGE: usize = 500;
/// Strokes kept on one page at most.
pub const MAX_PAGE_STROKES: usize = 300;
/// Points kept in one meeting at most (every page together): bounds memory and `welcome`.
pub const MAX_MEETING_POINTS: usize = 60_000;
/// Characters of a text annotation at most.
pub const MAX_TEXT_CHARS: usize = 200;
/// A stroke id: 1 to 32 of `[A-Za-z0-9_-]`, chosen by the drawing client.
pub const MAX_STROKE_ID: usize = 32;

/// What draws a stroke. The eraser is no stroke: it sends `annotation_remove`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AnnotationTool {
    /// A free line through its points.
    Pen,
    /// A wide, translucent free line.
    Highlighter,
    /// From the first point to the second, with a head at the second.
    Arrow,
    /// The rectangle with these two opposite corners.
    Rectangle,
    /// `text` written from its one point (its top-left corner).
    Text,
}

/// The palette: a few colours everyone can tell apart.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AnnotationColor {
    Red,
    Orange,
    Yellow,
    Green,
    Blue,
    Black,
    White,
}

impl AnnotationColor {
    /// Red, green, blue.
    pub fn rgb(self) -> (u8, u8, u8) {
        match self {
            AnnotationColor::Red => (0xe5, 0x39, 0x35),
            AnnotationColor::Orange => (0xfb, 0x8c, 0x00),
            AnnotationColor::Yellow => (0xfd, 0xd8, 0x35),
            AnnotationColor::Green => (0x43, 0xa0, 0x47),
            AnnotationColor::Blue => (0x1e, 0x88, 0xe5),
            AnnotationColor::Black => (0x21, 0x21, 0x21),
            AnnotationColor::White => (0xff, 0xff, 0xff),
        }
    }
}

/// Line width (or text height) steps: 1 (thin) to 4 (thick).
pub const MAX_STROKE_SIZE: u8 = 4;

/// A page that carries annotations: a PDF page (1-based) or an image (page 1).
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct AnnotationPage {
    pub content_id: ContentId,
    pub page: u32,
}

/// A point in page coordinates, each in 0..=1: `[x, y]` on the wire.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Point(pub f32, pub f32);

/// One stroke as a client draws it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct StrokeInput {
    pub id: String,
    pub tool: AnnotationTool,
    pub color: AnnotationColor,
    /// 1 to [`MAX_STROKE_SIZE`].
    pub size: u8,
    pub points: Vec<Point>,
    /// The words of a `text` stroke; absent otherwise.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub text: Option<String>,
}

/// A kept stroke, as everyone receives it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Stroke {
    pub id: String,
    /// Who drew it.
    pub author: ParticipantId,
    pub tool: AnnotationTool,
    pub color: AnnotationColor,
    pub size: u8,
    pub points: Vec<Point>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub text: Option<String>,
}

/// One annotated page and its strokes, oldest first.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PageAnnotations {
    pub page: AnnotationPage,
    pub strokes: Vec<Stroke>,
}

/// The meeting's annotations (`welcome.annotations`, in a session).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct AnnotationsState {
    /// A moderator let everyone draw (else: presenters and moderators).
    pub everyone: bool,
    /// Pages with at least one stroke.
    pub pages: Vec<PageAnnotations>,
}

// Coordinates are checked finite (JSON has no NaN nor infinity) and within 0..=1 before
// anything is kept or relayed, so equality is total on every value that exists here; the
// message enums derive `Eq` and hold these types.
impl Eq for Point {}
impl Eq for StrokeInput {}
impl Eq for Stroke {}
impl Eq for PageAnnotations {}
impl Eq for AnnotationsState {}
