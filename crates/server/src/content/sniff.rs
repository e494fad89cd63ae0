//! What a file is, decided by its first bytes only (never by its name or the browser's
//! Content-Type): PNG, JPEG, PDF, or MP4 (an ISO-BMFF `ftyp` box naming an MP4 brand).

/// The kinds of file we accept, as sniffed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Sniffed {
    Png,
    Jpeg,
    Pdf,
    Mp4,
}

/// How many leading bytes [`sniff`] wants to see (fewer when the file is shorter).
pub const SNIFF_LEN: usize = 64;

const PNG_MAGIC: &[u8] = b"\x89PNG\r\n\x1a\n";
const JPEG_MAGIC: &[u8] = &[0xFF, 0xD8, 0xFF];
const PDF_MAGIC: &[u8] = b"%PDF-";

/// Brands of the `ftyp` box that mean "an MP4 a browser opens" (ISO base media, MP4 v1/v2,
/// AVC, DASH, Apple's M4V). QuickTime (`qt  `) and 3GPP are not in the list.
const MP4_BRANDS: &[&[u8; 4]] = &[
    b"isom", b"iso2", b"iso3", b"iso4", b"iso5", b"iso6", b"iso7", b"iso8", b"iso9", b"mp41",
    b"mp42", b"mp71", b"avc1", b"dash", b"M4V ", b"M4VH", b"M4VP", b"mmp4", b"MSNV", b"f4v ",
];

impl Sniffed {
    /// The file name extension we store it under (the served Content-Type follows from it).
    pub fn extension(self) -> &'static str {
        match self {
            Sniffed::Png => "png",
            Sniffed::Jpeg => "jpg",
            Sniffed::Pdf => "pdf",
            Sniffed::Mp4 => "mp4",
        }
    }
}

/// What `head` (the first [`SNIFF_LEN`] bytes, or the whole file if shorter) is, if we
/// accept it.
pub fn sniff(head: &[u8]) -> Option<Sniffed> {
    if head.starts_with(PNG_MAGIC) {
        Some(Sniffed::Png)
    } else if head.starts_with(JPEG_MAGIC) {
        Some(Sniffed::Jpeg)
    } else if head.starts_with(PDF_MAGIC) {
        Some(Sniffed::Pdf)
    } else if is_mp4(head) {
        Some(Sniffed::Mp4)
    } else {
        None
    }
}

/// An `ftyp` box first, whose major brand or one of whose compatible brands (as far as `head`
/// shows them) is an MP4 brand.
fn is_mp4(head: &[u8]) -> bool {
    if head.len() < 16 || &head[4..8] != b"ftyp" {
        return false;
    }
    let size = u32::from_be_bytes([head[0], head[1], head[2], head[3]]) as usize;
    if size < 16 {
        return false;
    }
    let is_brand = |b: &[u8]| MP4_BRANDS.iter().any(|m| m.as_slice() == b);
    if is_brand(&head[8..12]) {
        return true;
    }
    // head[12..16] is the minor version; compatible brands follow, 4 bytes each.
    let end = size.min(head.len());
    head[16..end].chunks_exact(4).any(is_brand)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ftyp(major: &[u8; 4], compatible: &[&[u8; 4]]) -> Vec<u8> {
        let size = 16 + 4 * compatible.len();
        let mut b = (size as u32).to_be_bytes().to_vec();
        b.extend_from_slice(b"ftyp");
        b.extend_from_slice(major);
        b.extend_from_slice(&[0, 0, 2, 0]);
        for c in compatible {
            b.extend_from_slice(*c);
        }
        b.extend_from_slice(b"\0\0\0\x08free");
        b
    }

    #[test]
    fn known_magic() {
        assert_eq!(sniff(b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR"), Some(Sniffed::Png));
        assert_eq!(sniff(&[0xFF, 0xD8, 0xFF, 0xE0, 0, 16]), Some(Sniffed::Jpeg));
        assert_eq!(sniff(b"%PDF-1.7\n%\xe2\xe3"), Some(Sniffed::Pdf));
        assert_eq!(
            sniff(&ftyp(b"isom", &[b"isom", b"avc1"])),
            Some(Sniffed::Mp4)
        );
        assert_eq!(sniff(&ftyp(b"mp42", &[])), Some(Sniffed::Mp4));
    }

    #[test]
    fn mp4_by_compatible_brand_only() {
        assert_eq!(
            sniff(&ftyp(b"XAVC", &[b"XAVC", b"mp42"])),
            Some(Sniffed::Mp4)
        );
        assert_eq!(
            sniff(&ftyp(b"qt  ", &[b"qt  "])),
            None,
            "QuickTime is not MP4"
        );
        assert_eq!(sniff(&ftyp(b"3gp4", &[b"3gp4"])), None);
    }

    #[test]
    fn everything_else_is_refused() {
        assert_eq!(sniff(b""), None);
        assert_eq!(sniff(b"GIF89a"), None);
        assert_eq!(sniff(b"<svg xmlns="), None);
        assert_eq!(sniff(b"PK\x03\x04"), None, "a zip (docx, pptx)");
        assert_eq!(sniff(b"RIFF\0\0\0\0WEBPVP8 "), None);
        assert_eq!(sniff(b"\x1a\x45\xdf\xa3"), None, "WebM/Matroska");
        assert_eq!(sniff(b" %PDF-1.4"), None, "magic must come first");
        assert_eq!(sniff(b"\0\0\0\x04ftyp"), None, "a truncated box");
        let mut bad = ftyp(b"isom", &[]);
        bad[3] = 8; // a box size below its own header
        assert_eq!(sniff(&bad), None);
    }
}
