//! Pictures in planar YUV 4:2:0 (what ffmpeg decodes to and x264 encodes from), and the only
//! drawing the compositor does itself: filling, copying a decoded picture into place row by
//! row, and outlining a rectangle. Scaling is ffmpeg's (each input is decoded at its tile's
//! size), so every operation here is a run of `copy_from_slice`/`fill`: cheap even unoptimised.

use super::layout::Rect;

/// A YUV colour.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Yuv(pub u8, pub u8, pub u8);

/// The background: a dark blue-grey.
pub const BACKGROUND: Yuv = Yuv(40, 136, 122);
/// A person without a picture.
pub const BLANK_TILE: Yuv = Yuv(70, 134, 124);
/// The active speaker's outline: a light yellow-green.
pub const HIGHLIGHT: Yuv = Yuv(200, 60, 140);

/// A `w`×`h` picture, `w` and `h` even: Y plane, then U, then V.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Picture {
    pub w: u32,
    pub h: u32,
    pub data: Vec<u8>,
}

impl Picture {
    /// Bytes of a `w`×`h` picture.
    pub fn size(w: u32, h: u32) -> usize {
        (w * h + 2 * (w / 2) * (h / 2)) as usize
    }

    pub fn filled(w: u32, h: u32, c: Yuv) -> Picture {
        let mut p = Picture {
            w,
            h,
            data: vec![0; Picture::size(w, h)],
        };
        p.fill(Rect { x: 0, y: 0, w, h }, c);
        p
    }

    /// A picture from a decoder's bytes; `None` if the length is not a `w`×`h` picture's.
    pub fn from_bytes(w: u32, h: u32, data: Vec<u8>) -> Option<Picture> {
        (data.len() == Picture::size(w, h)).then_some(Picture { w, h, data })
    }

    fn planes(&self) -> [(usize, u32, u32); 3] {
        let (w, h) = (self.w, self.h);
        let y = (w * h) as usize;
        let c = ((w / 2) * (h / 2)) as usize;
        [(0, w, h), (y, w / 2, h / 2), (y + c, w / 2, h / 2)]
    }

    /// Fills `r` (clipped to the picture) with `c`.
    pub fn fill(&mut self, r: Rect, c: Yuv) {
        let Some(r) = self.clip(r) else { return };
        for (i, (base, pw, _)) in self.planes().into_iter().enumerate() {
            let (value, div) = match i {
                0 => (c.0, 1),
                1 => (c.1, 2),
                _ => (c.2, 2),
            };
            for row in (r.y / div)..((r.y + r.h) / div) {
                let start = base + (row * pw + r.x / div) as usize;
                self.data[start..start + (r.w / div) as usize].fill(value);
            }
        }
    }

    /// Copies `src` with its top-left corner at (`x`, `y`), clipped to this picture.
    pub fn blit(&mut self, src: &Picture, x: u32, y: u32) {
        let (x, y) = (x & !1, y & !1);
        if x >= self.w || y >= self.h {
            return;
        }
        let w = src.w.min(self.w - x);
        let h = src.h.min(self.h - y);
        let dst_planes = self.planes();
        for (i, (sbase, spw, _)) in src.planes().into_iter().enumerate() {
            let (dbase, dpw, _) = dst_planes[i];
            let div = if i == 0 { 1 } else { 2 };
            let len = (w / div) as usize;
            for row in 0..h / div {
                let s = sbase + (row * spw) as usize;
                let d = dbase + ((y / div + row) * dpw + x / div) as usize;
                self.data[d..d + len].copy_from_slice(&src.data[s..s + len]);
            }
        }
    }

    /// A `t`-pixel frame just inside `r`.
    pub fn outline(&mut self, r: Rect, t: u32, c: Yuv) {
        let t = (t & !1).max(2).min(r.w / 2).min(r.h / 2);
        self.fill(Rect { h: t, ..r }, c);
        self.fill(
            Rect {
                y: r.y + r.h - t,
                h: t,
                ..r
            },
            c,
        );
        self.fill(Rect { w: t, ..r }, c);
        self.fill(
            Rect {
                x: r.x + r.w - t,
                w: t,
                ..r
            },
            c,
        );
    }

    fn clip(&self, r: Rect) -> Option<Rect> {
        let (x, y) = (r.x & !1, r.y & !1);
        if x >= self.w || y >= self.h {
            return None;
        }
        Some(Rect {
            x,
            y,
            w: (r.w & !1).min(self.w - x),
            h: (r.h & !1).min(self.h - y),
        })
    }

    /// The mean luma of `r`: tests check what was drawn where.
    #[cfg(test)]
    pub fn mean_luma(&self, r: Rect) -> f64 {
        let Some(r) = self.clip(r) else { return 0.0 };
        let mut sum = 0u64;
        for row in r.y..r.y + r.h {
            let s = (row * self.w + r.x) as usize;
            sum += self.data[s..s + r.w as usize]
                .iter()
                .map(|&b| u64::from(b))
                .sum::<u64>();
        }
        sum as f64 / f64::from((r.w * r.h).max(1))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn blit_fill_and_outline_land_where_asked() {
        let mut canvas = Picture::filled(64, 32, Yuv(16, 128, 128));
        let tile = Picture::filled(20, 10, Yuv(200, 100, 150));
        canvas.blit(&tile, 10, 6);
        let inside = Rect {
            x: 10,
            y: 6,
            w: 20,
            h: 10,
        };
        assert_eq!(canvas.mean_luma(inside), 200.0);
        assert_eq!(
            canvas.mean_luma(Rect {
                x: 40,
                y: 0,
                w: 24,
                h: 32
            }),
            16.0
        );
        let u = (64 * 32) + (3 * 32 + 5);
        assert_eq!(canvas.data[u], 100, "chroma copied at half resolution");
        // Clipped at the right edge, no panic.
        canvas.blit(&tile, 56, 28);
        assert_eq!(
            canvas.mean_luma(Rect {
                x: 56,
                y: 28,
                w: 8,
                h: 4
            }),
            200.0
        );
        canvas.outline(
            Rect {
                x: 0,
                y: 0,
                w: 64,
                h: 32,
            },
            2,
            Yuv(255, 128, 128),
        );
        assert_eq!(canvas.data[0], 255);
        assert_eq!(canvas.data[(31 * 64 + 63) as usize], 255);
        assert!(Picture::from_bytes(4, 4, vec![0; 23]).is_none());
        assert!(Picture::from_bytes(4, 4, vec![0; 24]).is_some());
    }
}
