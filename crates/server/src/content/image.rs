//! An image's dimensions, read from its header (PNG `IHDR`, JPEG start-of-frame) without
//! decoding it, to refuse pictures no browser should be asked to decode.

use std::io::{BufRead, BufReader, Read, Seek};
use std::path::Path;

use super::sniff::Sniffed;

/// Either side above this is refused (a 16K picture is already far beyond any screen).
pub const MAX_SIDE: u32 = 16_384;
/// More pixels than this are refused: decoded, 50 megapixels are 200 MB in a browser.
pub const MAX_PIXELS: u64 = 50_000_000;

/// Why an image is refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ImageProblem {
    /// The header cannot be read: not really a PNG/JPEG, or cut short.
    Unreadable,
    /// Zero, or beyond [`MAX_SIDE`] / [`MAX_PIXELS`].
    BadSize { width: u32, height: u32 },
}

/// Reads the dimensions of the PNG or JPEG at `path` and checks them. Blocking: call it from
/// `spawn_blocking`.
pub fn checked_dimensions(path: &Path, kind: Sniffed) -> Result<(u32, u32), ImageProblem> {
    let file = std::fs::File::open(path).map_err(|_| ImageProblem::Unreadable)?;
    let mut reader = BufReader::new(file);
    let (width, height) = match kind {
        Sniffed::Png => png_size(&mut reader),
        Sniffed::Jpeg => jpeg_size(&mut reader),
        Sniffed::Pdf | Sniffed::Mp4 => None,
    }
    .ok_or(ImageProblem::Unreadable)?;
    let pixels = u64::from(width) * u64::from(height);
    if width == 0 || height == 0 || width > MAX_SIDE || height > MAX_SIDE || pixels > MAX_PIXELS {
        return Err(ImageProblem::BadSize { width, height });
    }
    Ok((width, height))
}

/// The signature, then the first chunk, which must be `IHDR` (13 bytes: width, height, ...).
fn png_size(r: &mut impl Read) -> Option<(u32, u32)> {
    let mut head = [0u8; 24];
    r.read_exact(&mut head).ok()?;
    if &head[..8] != b"\x89PNG\r\n\x1a\n" || &head[8..16] != b"\0\0\0\x0dIHDR" {
        return None;
    }
    let width = u32::from_be_bytes([head[16], head[17], head[18], head[19]]);
    let height = u32::from_be_bytes([head[20], head[21], head[22], head[23]]);
    Some((width, height))
}

/// Walks the JPEG's marker segments up to the first start-of-frame (SOFn), which holds the
/// height and width. EXIF thumbnails sit in APP1 segments and are skipped whole.
fn jpeg_size<R: BufRead + Seek>(r: &mut R) -> Option<(u32, u32)> {
    let mut soi = [0u8; 2];
    r.read_exact(&mut soi).ok()?;
    if soi != [0xFF, 0xD8] {
        return None;
    }
    // A real file reaches its frame header within a few dozen segments; the bound keeps a
    // crafted file of empty segments from looping for long.
    for _ in 0..10_000 {
        let mut byte = [0u8; 1];
        r.read_exact(&mut byte).ok()?;
        if byte[0] != 0xFF {
            return None;
        }
        // Any number of 0xFF fill bytes may precede the marker code.
        let mut marker = 0xFF;
        while marker == 0xFF {
            r.read_exact(&mut byte).ok()?;
            marker = byte[0];
        }
        match marker {
            // Markers without a length: TEM, RSTn. SOI again is malformed but harmless.
            0x01 | 0xD0..=0xD8 => continue,
            // End of image or start of scan before any frame header: no size to be found.
            0xD9 | 0xDA => return None,
            _ => {}
        }
        let mut len = [0u8; 2];
        r.read_exact(&mut len).ok()?;
        let len = u16::from_be_bytes(len);
        if len < 2 {
            return None;
        }
        let is_sof = matches!(marker, 0xC0..=0xCF) && !matches!(marker, 0xC4 | 0xC8 | 0xCC);
        if is_sof {
            let mut frame = [0u8; 5];
            r.read_exact(&mut frame).ok()?;
            let height = u16::from_be_bytes([frame[1], frame[2]]);
            let width = u16::from_be_bytes([frame[3], frame[4]]);
            return Some((u32::from(width), u32::from(height)));
        }
        r.seek_relative(i64::from(len) - 2).ok()?;
    }
    None
}

#[cfg(test)]
mod tests {
    use std::io::Cursor;

    use super::*;

    fn png_header(width: u32, height: u32) -> Vec<u8> {
        let mut b = b"\x89PNG\r\n\x1a\n\0\0\0\x0dIHDR".to_vec();
        b.extend_from_slice(&width.to_be_bytes());
        b.extend_from_slice(&height.to_be_bytes());
        b.extend_from_slice(&[8, 6, 0, 0, 0, 0, 0, 0, 0]);
        b
    }

    fn jpeg_header(width: u16, height: u16, app1: usize) -> Vec<u8> {
        let mut b = vec![0xFF, 0xD8];
        // An APP1 (EXIF) segment of `app1` bytes, then fill bytes, a DQT, and SOF2.
        b.extend_from_slice(&[0xFF, 0xE1]);
        b.extend_from_slice(&u16::try_from(app1 + 2).expect("small").to_be_bytes());
        b.extend(std::iter::repeat_n(0xAB, app1));
        b.extend_from_slice(&[0xFF, 0xFF, 0xDB, 0, 4, 1, 2]);
        b.extend_from_slice(&[0xFF, 0xC2, 0, 11, 8]);
        b.extend_from_slice(&height.to_be_bytes());
        b.extend_from_slice(&width.to_be_bytes());
        b.extend_from_slice(&[1, 1, 0x11, 0]);
        b
    }

    #[test]
    fn png_dimensions() {
        assert_eq!(
            png_size(&mut Cursor::new(png_header(640, 480))),
            Some((640, 480))
        );
        let mut bad = png_header(1, 1);
        bad[12] = b'X';
        assert_eq!(
            png_size(&mut Cursor::new(bad)),
            None,
            "IHDR must come first"
        );
        assert_eq!(png_size(&mut Cursor::new(b"\x89PNG\r\n".to_vec())), None);
    }

    #[test]
    fn jpeg_dimensions_past_exif() {
        let b = jpeg_header(1920, 1080, 30_000);
        assert_eq!(jpeg_size(&mut Cursor::new(b)), Some((1920, 1080)));
        let b = jpeg_header(3, 2, 0);
        assert_eq!(jpeg_size(&mut Cursor::new(b)), Some((3, 2)));
    }

    #[test]
    fn jpeg_without_frame_or_cut_short() {
        let mut b = jpeg_header(10, 10, 4);
        b.truncate(12);
        assert_eq!(jpeg_size(&mut Cursor::new(b)), None);
        let b = vec![0xFF, 0xD8, 0xFF, 0xDA, 0, 2];
        assert_eq!(jpeg_size(&mut Cursor::new(b)), None, "scan before frame");
        let b = vec![0xFF, 0xD8, 0x00, 0x00];
        assert_eq!(jpeg_size(&mut Cursor::new(b)), None);
    }

    #[test]
    fn sizes_are_checked() {
        let dir = tempfile::tempdir().expect("temp dir");
        let check = |bytes: Vec<u8>, kind| {
            let path = dir.path().join("x");
            std::fs::write(&path, bytes).expect("write");
            checked_dimensions(&path, kind)
        };
        assert_eq!(check(png_header(800, 600), Sniffed::Png), Ok((800, 600)));
        assert_eq!(
            check(png_header(0, 600), Sniffed::Png),
            Err(ImageProblem::BadSize {
                width: 0,
                height: 600
            })
        );
        assert_eq!(
            check(png_header(20_000, 10), Sniffed::Png),
            Err(ImageProblem::BadSize {
                width: 20_000,
                height: 10
            })
        );
        assert_eq!(
            check(png_header(10_000, 10_000), Sniffed::Png),
            Err(ImageProblem::BadSize {
                width: 10_000,
                height: 10_000
            }),
            "100 megapixels"
        );
        assert_eq!(
            check(jpeg_header(4000, 3000, 10), Sniffed::Jpeg),
            Ok((4000, 3000))
        );
        assert_eq!(
            check(b"%PDF-".to_vec(), Sniffed::Png),
            Err(ImageProblem::Unreadable)
        );
    }
}
