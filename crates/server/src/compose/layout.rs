//! Where each picture goes: a [`StageView`] and the output size → rectangles. Pure, so the
//! rules are tested as tables. Every coordinate and size is even (4:2:0 chroma is per 2×2).

use super::stage::{ContentView, StageLayout, StageView};
use amphi_sfu::{ParticipantId, PublicationId};

/// A rectangle of the output picture, in pixels.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Rect {
    pub x: u32,
    pub y: u32,
    pub w: u32,
    pub h: u32,
}

impl Rect {
    fn even(x: u32, y: u32, w: u32, h: u32) -> Rect {
        Rect {
            x: x & !1,
            y: y & !1,
            w: (w & !1).max(2),
            h: (h & !1).max(2),
        }
    }

    /// A margin of `m` pixels inside.
    fn inset(self, m: u32) -> Rect {
        if self.w <= 4 * m || self.h <= 4 * m {
            return self;
        }
        Rect::even(self.x + m, self.y + m, self.w - 2 * m, self.h - 2 * m)
    }
}

/// What fills one rectangle.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Source {
    /// A video publication (a camera or a shared screen), scaled to fit.
    Video(PublicationId),
    /// A person without a picture: a plain tile.
    Blank(ParticipantId),
    /// A still picture of the content (image, PDF page).
    Still {
        content_id: String,
        page: Option<u32>,
    },
}

/// One picture on the output.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Placement {
    pub source: Source,
    pub rect: Rect,
    /// The active speaker's tile: outlined.
    pub highlight: bool,
}

/// What the output shows, as options reduce it (V3).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Frame {
    pub width: u32,
    pub height: u32,
    /// People's cameras are shown.
    pub webcams: bool,
    /// Nothing is shown: a still background (the sound is what counts).
    pub audio_only: bool,
}

const MARGIN: u32 = 4;

/// The placements for `view` on a `frame`-sized picture.
pub fn layout(view: &StageView, frame: Frame) -> Vec<Placement> {
    if frame.audio_only {
        return Vec::new();
    }
    let content = view.content.as_ref().map(|c| match c {
        ContentView::Screen { publication } => Source::Video(publication.clone()),
        ContentView::Still { content_id, page } => Source::Still {
            content_id: content_id.clone(),
            page: *page,
        },
    });
    let people: Vec<(Source, bool)> = if frame.webcams {
        view.tiles
            .iter()
            .map(|t| {
                let source = match &t.camera {
                    Some(p) => Source::Video(p.clone()),
                    None => Source::Blank(t.participant.clone()),
                };
                (source, view.active_speaker.as_ref() == Some(&t.participant))
            })
            .collect()
    } else {
        Vec::new()
    };
    let whole = Rect::even(0, 0, frame.width, frame.height);
    match (content, view.layout) {
        (Some(content), _) => large_and_strip((content, false), people, whole),
        (None, StageLayout::Speaker) if people.len() > 1 => {
            let i = people.iter().position(|(_, hl)| *hl).unwrap_or(0);
            let mut people = people;
            let large = people.remove(i);
            large_and_strip(large, people, whole)
        }
        (None, _) => grid(people, whole),
    }
}

/// One picture large on the left, the others stacked in a strip on the right.
fn large_and_strip(large: (Source, bool), strip: Vec<(Source, bool)>, r: Rect) -> Vec<Placement> {
    if strip.is_empty() {
        return vec![Placement {
            source: large.0,
            rect: r.inset(MARGIN),
            highlight: large.1,
        }];
    }
    let strip_w = r.w / 5;
    let main = Rect::even(r.x, r.y, r.w - strip_w, r.h);
    let rows = strip.len().max(4) as u32;
    let cell_h = r.h / rows;
    let top = r.y + (r.h - cell_h * strip.len() as u32) / 2;
    let mut out = vec![Placement {
        source: large.0,
        rect: main.inset(MARGIN),
        highlight: large.1,
    }];
    for (i, (source, highlight)) in strip.into_iter().enumerate() {
        let cell = Rect::even(main.x + main.w, top + cell_h * i as u32, strip_w, cell_h);
        out.push(Placement {
            source,
            rect: cell.inset(MARGIN),
            highlight,
        });
    }
    out
}

/// Everyone the same size, as square a grid as the count allows.
fn grid(people: Vec<(Source, bool)>, r: Rect) -> Vec<Placement> {
    let n = people.len() as u32;
    if n == 0 {
        return Vec::new();
    }
    let cols = (1..=n).find(|c| c * c >= n).unwrap_or(n);
    let rows = n.div_ceil(cols);
    let (cw, ch) = (r.w / cols, r.h / rows);
    people
        .into_iter()
        .enumerate()
        .map(|(i, (source, highlight))| {
            let (col, row) = (i as u32 % cols, i as u32 / cols);
            // The last row, if shorter, is centred.
            let in_row = if row == rows - 1 {
                n - cols * row
            } else {
                cols
            };
            let left = r.x + (r.w - cw * in_row) / 2;
            Placement {
                source,
                rect: Rect::even(left + cw * col, r.y + ch * row, cw, ch).inset(MARGIN),
                highlight,
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::compose::stage::Tile;

    fn tile(p: &str, camera: bool) -> Tile {
        Tile {
            participant: ParticipantId(p.into()),
            name: p.into(),
            camera: camera.then(|| PublicationId(format!("cam-{p}"))),
        }
    }

    const HD: Frame = Frame {
        width: 1280,
        height: 720,
        webcams: true,
        audio_only: false,
    };

    #[test]
    fn a_grid_of_two_then_four() {
        let mut view = StageView {
            tiles: vec![tile("a", true), tile("b", false)],
            ..StageView::default()
        };
        let p = layout(&view, HD);
        assert_eq!(p.len(), 2);
        assert_eq!(p[0].source, Source::Video(PublicationId("cam-a".into())));
        assert_eq!(p[1].source, Source::Blank(ParticipantId("b".into())));
        assert_eq!((p[0].rect.w, p[0].rect.h), (632, 712), "two columns");
        view.tiles.extend([tile("c", true), tile("d", true)]);
        let p = layout(&view, HD);
        assert_eq!(
            p[3].rect,
            Rect {
                x: 644,
                y: 364,
                w: 632,
                h: 352
            },
            "2×2"
        );
        for pl in &p {
            let r = pl.rect;
            assert!(r.x % 2 == 0 && r.y % 2 == 0 && r.w % 2 == 0 && r.h % 2 == 0);
            assert!(r.x + r.w <= 1280 && r.y + r.h <= 720);
        }
    }

    #[test]
    fn the_active_speaker_is_large_and_content_larger() {
        let mut view = StageView {
            layout: StageLayout::Speaker,
            tiles: vec![tile("a", true), tile("b", true), tile("c", true)],
            active_speaker: Some(ParticipantId("b".into())),
            ..StageView::default()
        };
        let p = layout(&view, HD);
        assert_eq!(p[0].source, Source::Video(PublicationId("cam-b".into())));
        assert!(p[0].highlight && p[0].rect.w > 900);
        assert!(p[1].rect.w < 300 && p[2].rect.w < 300);
        view.content = Some(ContentView::Screen {
            publication: PublicationId("screen".into()),
        });
        let p = layout(&view, HD);
        assert_eq!(p[0].source, Source::Video(PublicationId("screen".into())));
        assert_eq!(p.len(), 4, "the screen and three people in the strip");
        assert!(p[2].highlight, "the speaker stays outlined in the strip");
    }

    #[test]
    fn options_reduce_the_picture() {
        let view = StageView {
            tiles: vec![tile("a", true)],
            content: Some(ContentView::Still {
                content_id: "c1".into(),
                page: Some(2),
            }),
            ..StageView::default()
        };
        let no_cams = Frame {
            webcams: false,
            ..HD
        };
        let p = layout(&view, no_cams);
        assert_eq!(p.len(), 1, "content only");
        assert_eq!(
            p[0].rect,
            Rect {
                x: 4,
                y: 4,
                w: 1272,
                h: 712
            }
        );
        let audio = Frame {
            audio_only: true,
            ..HD
        };
        assert!(layout(&view, audio).is_empty());
        assert!(layout(&StageView::default(), HD).is_empty());
    }
}
