//! De-duplication by (SSRC, sequence number): a retransmission that arrives after the original
//! (or twice) must be forwarded once, or the subscriber's SRTP replay check drops it and counts
//! a duplicate.

use std::collections::HashMap;

const WINDOW: u64 = 1024;
const WORDS: usize = (WINDOW / 64) as usize;

/// Remembers the last [`WINDOW`] sequence numbers of each SSRC.
#[derive(Default)]
pub(crate) struct DedupWindow {
    streams: HashMap<u32, SeqWindow>,
}

impl DedupWindow {
    /// `true` the first time (SSRC, seq) is seen, `false` for a duplicate or a packet too old to
    /// tell (older than the window: forwarding it would not help the receiver anyway).
    pub(crate) fn insert(&mut self, ssrc: u32, seq: u16) -> bool {
        self.streams.entry(ssrc).or_default().insert(seq)
    }

    pub(crate) fn forget(&mut self, ssrc: u32) {
        self.streams.remove(&ssrc);
    }
}

/// A bitmap of the last WINDOW extended sequence numbers below and at `highest`.
#[derive(Default)]
struct SeqWindow {
    highest: Option<u64>,
    bits: [u64; WORDS],
}

impl SeqWindow {
    fn insert(&mut self, seq: u16) -> bool {
        let Some(highest) = self.highest else {
            // Start the extended space away from zero so that packets just before the first one
            // (reordering) do not underflow.
            let ext = (1u64 << 16) + u64::from(seq);
            self.highest = Some(ext);
            self.set(ext);
            return true;
        };
        let ext = extend(highest, seq);
        if ext > highest {
            let advance = ext - highest;
            if advance >= WINDOW {
                self.bits = [0; WORDS];
            } else {
                for e in highest + 1..ext {
                    self.clear(e);
                }
            }
            self.highest = Some(ext);
            self.set(ext);
            return true;
        }
        if highest - ext >= WINDOW {
            return false;
        }
        if self.is_set(ext) {
            return false;
        }
        self.set(ext);
        true
    }

    fn slot(ext: u64) -> (usize, u64) {
        let i = ext % WINDOW;
        ((i / 64) as usize, 1u64 << (i % 64))
    }
    fn set(&mut self, ext: u64) {
        let (w, b) = Self::slot(ext);
        self.bits[w] |= b;
    }
    fn clear(&mut self, ext: u64) {
        let (w, b) = Self::slot(ext);
        self.bits[w] &= !b;
    }
    fn is_set(&self, ext: u64) -> bool {
        let (w, b) = Self::slot(ext);
        self.bits[w] & b != 0
    }
}

/// The extended sequence number of `seq` closest to `reference` (RFC 3550 A.1 style).
pub(crate) fn extend(reference: u64, seq: u16) -> u64 {
    let ref_low = reference as u16;
    let diff = seq.wrapping_sub(ref_low) as i16;
    (reference as i64 + i64::from(diff)).max(0) as u64
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn first_copy_passes_duplicates_do_not() {
        let mut d = DedupWindow::default();
        assert!(d.insert(1, 10));
        assert!(d.insert(1, 11));
        assert!(!d.insert(1, 10));
        assert!(!d.insert(1, 11));
        // another SSRC has its own space
        assert!(d.insert(2, 10));
    }

    #[test]
    fn late_packet_inside_window_passes_once() {
        let mut d = DedupWindow::default();
        for s in 0..100u16 {
            if s != 40 {
                assert!(d.insert(7, s));
            }
        }
        assert!(d.insert(7, 40), "a retransmission of a lost packet is new");
        assert!(!d.insert(7, 40), "its second copy is not");
    }

    #[test]
    fn wraps_around_u16() {
        let mut d = DedupWindow::default();
        for i in 0..2000u32 {
            let s = (65000 + i) as u16;
            assert!(d.insert(3, s), "seq {s}");
        }
        assert!(!d.insert(3, 65535));
        assert!(!d.insert(3, 0));
    }

    #[test]
    fn too_old_is_refused_and_big_jump_resets() {
        let mut d = DedupWindow::default();
        assert!(d.insert(1, 0));
        assert!(d.insert(1, 2000));
        assert!(!d.insert(1, 500), "older than the window");
        assert!(d.insert(1, 1999), "inside the window, never seen");
    }

    #[test]
    fn extend_picks_nearest() {
        assert_eq!(extend(70_000, 70_000u32 as u16), 70_000);
        assert_eq!(extend(65_535 + 65_536, 1), 65_536 * 2 + 1);
        assert_eq!(extend(65_536 * 2 + 1, 65_535), 65_536 + 65_535);
    }
}
