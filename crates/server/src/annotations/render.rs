//! A page with its annotations drawn on it, as a PNG: what the compositor shows for the stage's
//! PDF page or image in recordings and the RTMP stream. The geometry is the browser's
//! (web/js/annotations_draw.js): the page fitted into the frame, centred, letterboxed in black;
//! widths and text heights in fractions of the page's width, so both draw alike.

use amphi_proto::{AnnotationColor, AnnotationTool, Point, Stroke};
use font8x8::UnicodeFonts;
use tiny_skia::{
    Color, FillRule, LineCap, LineJoin, Paint, PathBuilder, Pixmap, PixmapPaint, Rect,
    Stroke as Line, Transform,
};

/// The largest frame drawn (a 4K frame); larger asks are refused.
pub const MAX_FRAME_SIDE: u32 = 4096;

/// A pen line's width per size step, as a fraction of the page's width.
pub const WIDTH_PER_SIZE: f32 = 0.0025;
/// The highlighter is this much wider than the pen, and this opaque.
pub const HIGHLIGHTER_WIDTH: f32 = 5.0;
pub const HIGHLIGHTER_ALPHA: f32 = 0.4;
/// Text height: `TEXT_BASE + TEXT_PER_SIZE × size`, as a fraction of the page's width.
pub const TEXT_BASE: f32 = 0.015;
pub const TEXT_PER_SIZE: f32 = 0.008;

#[derive(Debug, thiserror::Error)]
pub enum RenderError {
    #[error("the page is not a PNG: {0}")]
    Page(String),
    #[error("a frame is 1 to {MAX_FRAME_SIDE} pixels a side, not {0}×{1}")]
    Size(u32, u32),
    #[error("the PNG could not be written: {0}")]
    Encode(String),
}

/// Draws `page_png` fitted into a `width`×`height` frame (centred, black around it) and
/// `strokes` over it, oldest first; returns the frame as a PNG.
pub fn render_png(
    page_png: &[u8],
    strokes: &[Stroke],
    width: u32,
    height: u32,
) -> Result<Vec<u8>, RenderError> {
    if width == 0 || height == 0 || width > MAX_FRAME_SIDE || height > MAX_FRAME_SIDE {
        return Err(RenderError::Size(width, height));
    }
    let page = Pixmap::decode_png(page_png).map_err(|e| RenderError::Page(e.to_string()))?;
    let mut frame = Pixmap::new(width, height).ok_or(RenderError::Size(width, height))?;
    frame.fill(Color::BLACK);
    let area = fit(page.width(), page.height(), width, height);
    let scale = Transform::from_row(
        area.w / page.width() as f32,
        0.0,
        0.0,
        area.h / page.height() as f32,
        area.x,
        area.y,
    );
    let smooth = PixmapPaint {
        quality: tiny_skia::FilterQuality::Bilinear,
        ..PixmapPaint::default()
    };
    frame.draw_pixmap(0, 0, page.as_ref(), &smooth, scale, None);
    for stroke in strokes {
        draw(&mut frame, &area, stroke);
    }
    frame
        .encode_png()
        .map_err(|e| RenderError::Encode(e.to_string()))
}

/// Draws `strokes` over `page_png` at the page's own size (what the compositor scales).
pub fn render_native(page_png: &[u8], strokes: &[Stroke]) -> Result<Vec<u8>, RenderError> {
    let page = Pixmap::decode_png(page_png).map_err(|e| RenderError::Page(e.to_string()))?;
    let (w, h) = (page.width(), page.height());
    if w > MAX_FRAME_SIDE || h > MAX_FRAME_SIDE {
        // A very large page is drawn at most 4096 pixels a side, its shape kept.
        let area = fit(w, h, MAX_FRAME_SIDE, MAX_FRAME_SIDE);
        return render_png(
            page_png,
            strokes,
            area.w.round() as u32,
            area.h.round() as u32,
        );
    }
    render_png(page_png, strokes, w, h)
}

/// Where the page lands in the frame, in pixels.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Area {
    pub x: f32,
    pub y: f32,
    pub w: f32,
    pub h: f32,
}

impl Area {
    fn at(&self, p: Point) -> (f32, f32) {
        (self.x + p.0 * self.w, self.y + p.1 * self.h)
    }
}

/// The largest rectangle of the page's shape inside the frame, centred.
pub fn fit(page_w: u32, page_h: u32, frame_w: u32, frame_h: u32) -> Area {
    let (pw, ph) = (page_w.max(1) as f32, page_h.max(1) as f32);
    let (fw, fh) = (frame_w as f32, frame_h as f32);
    let k = (fw / pw).min(fh / ph);
    let (w, h) = (pw * k, ph * k);
    Area {
        x: (fw - w) / 2.0,
        y: (fh - h) / 2.0,
        w,
        h,
    }
}

fn paint(color: AnnotationColor, alpha: f32) -> Paint<'static> {
    let (r, g, b) = color.rgb();
    let mut paint = Paint::default();
    paint.set_color(Color::from_rgba8(r, g, b, (alpha * 255.0).round() as u8));
    paint.anti_alias = true;
    paint
}

fn draw(frame: &mut Pixmap, area: &Area, stroke: &Stroke) {
    let width = (area.w * WIDTH_PER_SIZE * f32::from(stroke.size)).max(1.0);
    match stroke.tool {
        AnnotationTool::Pen | AnnotationTool::Highlighter => {
            let (width, alpha) = if stroke.tool == AnnotationTool::Highlighter {
                (width * HIGHLIGHTER_WIDTH, HIGHLIGHTER_ALPHA)
            } else {
                (width, 1.0)
            };
            let mut pb = PathBuilder::new();
            let mut points = stroke.points.iter().map(|p| area.at(*p));
            let Some((x0, y0)) = points.next() else {
                return;
            };
            pb.move_to(x0, y0);
            // A single point is a dot: a zero-length segment with round caps.
            pb.line_to(x0 + 0.01, y0);
            for (x, y) in points {
                pb.line_to(x, y);
            }
            outline(frame, pb.finish(), stroke.color, alpha, width);
        }
        AnnotationTool::Arrow => {
            let [a, b] = [stroke.points.first(), stroke.points.get(1)];
            let (Some(a), Some(b)) = (a, b) else { return };
            let ((x0, y0), (x1, y1)) = (area.at(*a), area.at(*b));
            let head = (width * 4.0).max(area.w * 0.015);
            let angle = (y1 - y0).atan2(x1 - x0);
            let mut pb = PathBuilder::new();
            pb.move_to(x0, y0);
            pb.line_to(x1, y1);
            for side in [-1.0f32, 1.0] {
                let t = angle + std::f32::consts::PI - side * 0.45;
                pb.move_to(x1, y1);
                pb.line_to(x1 + head * t.cos(), y1 + head * t.sin());
            }
            outline(frame, pb.finish(), stroke.color, 1.0, width);
        }
        AnnotationTool::Rectangle => {
            let [a, b] = [stroke.points.first(), stroke.points.get(1)];
            let (Some(a), Some(b)) = (a, b) else { return };
            let ((x0, y0), (x1, y1)) = (area.at(*a), area.at(*b));
            let rect = Rect::from_ltrb(x0.min(x1), y0.min(y1), x0.max(x1), y0.max(y1));
            outline(
                frame,
                rect.map(PathBuilder::from_rect),
                stroke.color,
                1.0,
                width,
            );
        }
        AnnotationTool::Text => {
            let (Some(p), Some(text)) = (stroke.points.first(), &stroke.text) else {
                return;
            };
            let height = area.w * (TEXT_BASE + TEXT_PER_SIZE * f32::from(stroke.size));
            let (x, y) = area.at(*p);
            text_at(frame, x, y, height, text, stroke.color);
        }
    }
}

/// Strokes `path` (if any) with round caps and joins.
fn outline(
    frame: &mut Pixmap,
    path: Option<tiny_skia::Path>,
    color: AnnotationColor,
    alpha: f32,
    width: f32,
) {
    let Some(path) = path else { return };
    let line = Line {
        width,
        line_cap: LineCap::Round,
        line_join: LineJoin::Round,
        ..Line::default()
    };
    frame.stroke_path(
        &path,
        &paint(color, alpha),
        &line,
        Transform::identity(),
        None,
    );
}

/// Writes `text` from its top-left corner in the 8×8 bitmap font scaled to `height` pixels;
/// characters the font lacks show as `?`.
fn text_at(frame: &mut Pixmap, x: f32, y: f32, height: f32, text: &str, color: AnnotationColor) {
    let cell = height / 8.0;
    let mut pb = PathBuilder::new();
    for (i, c) in text.chars().enumerate() {
        let glyph = font8x8::BASIC_FONTS
            .get(c)
            .or_else(|| font8x8::LATIN_FONTS.get(c))
            .or_else(|| font8x8::BASIC_FONTS.get('?'))
            .unwrap_or([0; 8]);
        let left = x + i as f32 * height;
        for (row, bits) in glyph.iter().enumerate() {
            for col in 0..8 {
                // font8x8 keeps the leftmost pixel in the lowest bit.
                if bits & (1 << col) != 0
                    && let Some(r) =
                        Rect::from_xywh(left + col as f32 * cell, y + row as f32 * cell, cell, cell)
                {
                    pb.push_rect(r);
                }
            }
        }
    }
    if let Some(path) = pb.finish() {
        frame.fill_path(
            &path,
            &paint(color, 1.0),
            FillRule::Winding,
            Transform::identity(),
            None,
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use amphi_proto::ParticipantId;

    fn white_page(w: u32, h: u32) -> Vec<u8> {
        let mut p = Pixmap::new(w, h).expect("size");
        p.fill(Color::WHITE);
        p.encode_png().expect("png")
    }

    fn stroke(tool: AnnotationTool, points: Vec<Point>, text: Option<&str>) -> Stroke {
        Stroke {
            id: "s".into(),
            author: ParticipantId("p".into()),
            tool,
            color: AnnotationColor::Red,
            size: 4,
            points,
            text: text.map(str::to_owned),
        }
    }

    fn pixel(png: &[u8], x: u32, y: u32) -> (u8, u8, u8) {
        let p = Pixmap::decode_png(png).expect("png");
        let c = p.pixel(x, y).expect("inside");
        (c.red(), c.green(), c.blue())
    }

    #[test]
    fn strokes_land_where_the_page_is_in_the_frame() {
        // A 4:3 page in a 16:9 frame: pillarboxed, 480×360 at x = 80.
        let page = white_page(400, 300);
        let pen = stroke(
            AnnotationTool::Pen,
            vec![Point(0.0, 0.5), Point(1.0, 0.5)],
            None,
        );
        let png = render_png(&page, &[pen], 640, 360).expect("render");
        assert_eq!(pixel(&png, 10, 180), (0, 0, 0), "letterbox");
        assert_eq!(pixel(&png, 320, 20), (255, 255, 255), "page");
        assert_eq!(
            pixel(&png, 320, 180),
            AnnotationColor::Red.rgb(),
            "the line across the middle"
        );
    }

    #[test]
    fn every_tool_draws_something() {
        let page = white_page(200, 200);
        let blank = render_png(&page, &[], 200, 200).expect("render");
        let cases = [
            stroke(
                AnnotationTool::Highlighter,
                vec![Point(0.2, 0.2), Point(0.8, 0.2)],
                None,
            ),
            stroke(
                AnnotationTool::Arrow,
                vec![Point(0.1, 0.9), Point(0.9, 0.1)],
                None,
            ),
            stroke(
                AnnotationTool::Rectangle,
                vec![Point(0.1, 0.1), Point(0.9, 0.9)],
                None,
            ),
            stroke(AnnotationTool::Text, vec![Point(0.1, 0.4)], Some("Hi é?")),
        ];
        for s in cases {
            let png = render_png(&page, std::slice::from_ref(&s), 200, 200).expect("render");
            assert_ne!(png, blank, "{:?} drew nothing", s.tool);
        }
    }

    #[test]
    fn bad_input_is_an_error_not_a_panic() {
        assert!(matches!(
            render_png(b"not a png", &[], 10, 10),
            Err(RenderError::Page(_))
        ));
        let page = white_page(4, 4);
        assert!(matches!(
            render_png(&page, &[], 0, 10),
            Err(RenderError::Size(..))
        ));
        assert!(matches!(
            render_png(&page, &[], 10, MAX_FRAME_SIDE + 1),
            Err(RenderError::Size(..))
        ));
    }
}
