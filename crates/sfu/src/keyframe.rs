//! Keyframe detection (where a subscriber may start or switch layers) and the throttle on
//! keyframe requests sent to publishers (at most one per second per source, as mediasoup does).

use std::collections::HashMap;
use std::time::{Duration, Instant};

use crate::codecs::VideoCodec;

/// Is this RTP payload the first packet of a keyframe?
pub(crate) fn is_keyframe(codec: VideoCodec, payload: &[u8]) -> bool {
    match codec {
        VideoCodec::Vp8 => vp8_keyframe_size(payload).is_some(),
        VideoCodec::Vp9 => is_vp9_keyframe(payload),
        VideoCodec::H264 => is_h264_keyframe(payload),
        // Audio has no inter-frame dependency; an unknown video codec cannot be inspected, so
        // waiting for a keyframe would wait forever.
        VideoCodec::NotVideo | VideoCodec::Other => true,
    }
}

/// VP8 (RFC 7741): the first packet of a keyframe, with its (width, height) when the frame
/// header is in this packet.
pub(crate) fn vp8_keyframe_size(b: &[u8]) -> Option<(u16, u16)> {
    let first = *b.first()?;
    let extended = first & 0x80 != 0;
    let start = first & 0x10 != 0;
    let partition = first & 0x07;
    if !start || partition != 0 {
        return None;
    }
    let mut i = 1;
    if extended {
        let x = *b.get(i)?;
        i += 1;
        if x & 0x80 != 0 {
            // PictureID: 7 or 15 bits
            i += if *b.get(i)? & 0x80 != 0 { 2 } else { 1 };
        }
        if x & 0x40 != 0 {
            i += 1; // TL0PICIDX
        }
        if x & 0x30 != 0 {
            i += 1; // TID / KEYIDX
        }
    }
    let frame = b.get(i..)?;
    // Inverse key-frame flag in bit 0 of the frame tag.
    if frame.first()? & 0x01 != 0 {
        return None;
    }
    // 3-byte frame tag, then start code 9d 01 2a, then 14-bit width and height.
    if frame.len() >= 10 && frame[3..6] == [0x9d, 0x01, 0x2a] {
        let w = u16::from_le_bytes([frame[6], frame[7]]) & 0x3fff;
        let h = u16::from_le_bytes([frame[8], frame[9]]) & 0x3fff;
        return Some((w, h));
    }
    Some((0, 0))
}

/// VP9 (RFC 9628 payload descriptor): start of a frame (B) that is not inter-predicted (P = 0).
fn is_vp9_keyframe(b: &[u8]) -> bool {
    let Some(&first) = b.first() else {
        return false;
    };
    let inter_predicted = first & 0x40 != 0;
    let begins_frame = first & 0x08 != 0;
    begins_frame && !inter_predicted
}

/// H.264 (RFC 6184): an IDR slice or an SPS in a single NAL unit, a STAP-A, or the first
/// fragment of an FU-A.
fn is_h264_keyframe(b: &[u8]) -> bool {
    let Some(&first) = b.first() else {
        return false;
    };
    let key = |nal_type: u8| nal_type == 5 || nal_type == 7;
    match first & 0x1f {
        24 => {
            // STAP-A: 16-bit sizes, each followed by a NAL unit
            let mut i = 1;
            while i + 2 < b.len() {
                let size = usize::from(u16::from_be_bytes([b[i], b[i + 1]]));
                let Some(&hdr) = b.get(i + 2) else {
                    return false;
                };
                if key(hdr & 0x1f) {
                    return true;
                }
                i += 2 + size;
            }
            false
        }
        28 => {
            let Some(&fu) = b.get(1) else {
                return false;
            };
            fu & 0x80 != 0 && key(fu & 0x1f)
        }
        t => key(t),
    }
}

/// At most one keyframe request per `interval` per source SSRC.
pub(crate) struct KeyframeThrottle {
    interval: Duration,
    last: HashMap<u32, Instant>,
}

impl KeyframeThrottle {
    pub(crate) fn new(interval: Duration) -> Self {
        Self {
            interval,
            last: HashMap::new(),
        }
    }

    /// `true` if a request for `ssrc` may go out now (and records it).
    pub(crate) fn allow(&mut self, ssrc: u32, now: Instant) -> bool {
        match self.last.get(&ssrc) {
            Some(t) if now.saturating_duration_since(*t) < self.interval => false,
            _ => {
                self.last.insert(ssrc, now);
                true
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn vp8_keyframe_with_size_and_delta_frame() {
        // descriptor: X=1,S=1; ext: I=1; picture id 15-bit; then keyframe tag + start code + 640x360
        let key = [
            0x90, 0x80, 0x81, 0x23, 0x10, 0x02, 0x00, 0x9d, 0x01, 0x2a, 0x80, 0x02, 0x68, 0x01,
        ];
        assert_eq!(vp8_keyframe_size(&key), Some((640, 360)));
        assert!(is_keyframe(VideoCodec::Vp8, &key));
        let delta = [0x90, 0x80, 0x81, 0x23, 0x11, 0x02, 0x00];
        assert!(!is_keyframe(VideoCodec::Vp8, &delta));
        // a middle packet of a keyframe (S=0)
        let middle = [0x80, 0x80, 0x81, 0x23, 0x10];
        assert!(!is_keyframe(VideoCodec::Vp8, &middle));
        // short keyframe payload (the probe's synthetic packets): key, size unknown
        assert_eq!(vp8_keyframe_size(&[0x10, 0x00]), Some((0, 0)));
        assert!(!is_keyframe(VideoCodec::Vp8, &[]));
        assert!(!is_keyframe(VideoCodec::Vp8, &[0x90]), "truncated");
    }

    #[test]
    fn h264_idr_sps_stap_and_fu() {
        assert!(is_keyframe(VideoCodec::H264, &[0x65, 0x88]));
        assert!(is_keyframe(VideoCodec::H264, &[0x67, 0x42]));
        assert!(!is_keyframe(VideoCodec::H264, &[0x41, 0x9a]));
        // STAP-A with a SEI (6) then an SPS (7)
        assert!(is_keyframe(
            VideoCodec::H264,
            &[0x78, 0x00, 0x02, 0x06, 0x00, 0x00, 0x02, 0x67, 0x42]
        ));
        // FU-A start of an IDR, and a continuation
        assert!(is_keyframe(VideoCodec::H264, &[0x7c, 0x85, 0x00]));
        assert!(!is_keyframe(VideoCodec::H264, &[0x7c, 0x05, 0x00]));
        assert!(
            !is_keyframe(VideoCodec::H264, &[0x78, 0x00]),
            "truncated STAP-A"
        );
    }

    #[test]
    fn vp9_start_of_intra_frame() {
        assert!(is_keyframe(VideoCodec::Vp9, &[0x08]));
        assert!(!is_keyframe(VideoCodec::Vp9, &[0x48]));
        assert!(!is_keyframe(VideoCodec::Vp9, &[0x00]));
    }

    #[test]
    fn throttle_allows_one_per_interval_per_source() {
        let mut t = KeyframeThrottle::new(Duration::from_secs(1));
        let t0 = Instant::now();
        assert!(t.allow(1, t0));
        assert!(!t.allow(1, t0 + Duration::from_millis(500)));
        assert!(t.allow(2, t0 + Duration::from_millis(500)), "other source");
        assert!(t.allow(1, t0 + Duration::from_millis(1000)));
    }
}
