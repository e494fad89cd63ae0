//! VP8 payload descriptor (RFC 7741) fields a forwarder must keep continuous across a source
//! switch: each simulcast layer numbers its pictures (PictureID) and base-layer frames
//! (TL0PICIDX) on its own, and a receiver that sees these numbers jump back treats the new
//! frames as old and stops decoding (measured with Chromium: frozen after a q→f switch).

/// Where the numbered fields sit in one packet's descriptor.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Vp8Fields {
    /// (value, 15-bit?, byte offset)
    pub(crate) picture_id: Option<(u16, bool, usize)>,
    /// (value, byte offset)
    pub(crate) tl0picidx: Option<(u8, usize)>,
}

/// Reads the descriptor's PictureID and TL0PICIDX, if present.
pub(crate) fn parse(b: &[u8]) -> Option<Vp8Fields> {
    let first = *b.first()?;
    let mut out = Vp8Fields {
        picture_id: None,
        tl0picidx: None,
    };
    if first & 0x80 == 0 {
        return Some(out);
    }
    let x = *b.get(1)?;
    let mut i = 2;
    if x & 0x80 != 0 {
        let m = *b.get(i)?;
        if m & 0x80 != 0 {
            let lo = *b.get(i + 1)?;
            out.picture_id = Some(((u16::from(m & 0x7f) << 8) | u16::from(lo), true, i));
            i += 2;
        } else {
            out.picture_id = Some((u16::from(m), false, i));
            i += 1;
        }
    }
    if x & 0x40 != 0 {
        out.tl0picidx = Some((*b.get(i)?, i));
    }
    Some(out)
}

/// Keeps one subscription's PictureID and TL0PICIDX continuous.
#[derive(Debug, Default)]
pub(crate) struct Vp8Renumber {
    pid_offset: u16,
    tl0_offset: u8,
    last_pid: Option<u16>,
    last_tl0: Option<u8>,
}

impl Vp8Renumber {
    /// A new source starts with this packet: its numbers continue ours.
    pub(crate) fn switch(&mut self, payload: &[u8]) {
        let Some(f) = parse(payload) else { return };
        if let (Some((pid, wide, _)), Some(last)) = (f.picture_id, self.last_pid) {
            let mask = if wide { 0x7fff } else { 0x7f };
            self.pid_offset = last.wrapping_add(1).wrapping_sub(pid) & mask;
        }
        if let (Some((t, _)), Some(last)) = (f.tl0picidx, self.last_tl0) {
            self.tl0_offset = last.wrapping_add(1).wrapping_sub(t);
        }
    }

    /// The payload with renumbered fields (a copy only when a number changes).
    pub(crate) fn apply(&mut self, payload: &bytes::Bytes) -> bytes::Bytes {
        let Some(f) = parse(payload) else {
            return payload.clone();
        };
        let mut out: Option<Vec<u8>> = None;
        if let Some((pid, wide, at)) = f.picture_id {
            let mask = if wide { 0x7fff } else { 0x7f };
            let new = pid.wrapping_add(self.pid_offset) & mask;
            let newer = self
                .last_pid
                .is_none_or(|l| ((new.wrapping_sub(l) & mask) as i32) < i32::from(mask / 2) + 1);
            if newer {
                self.last_pid = Some(new);
            }
            if self.pid_offset != 0 {
                let buf = out.get_or_insert_with(|| payload.to_vec());
                if wide {
                    buf[at] = 0x80 | (new >> 8) as u8;
                    buf[at + 1] = new as u8;
                } else {
                    buf[at] = new as u8;
                }
            }
        }
        if let Some((t, at)) = f.tl0picidx {
            let new = t.wrapping_add(self.tl0_offset);
            if self
                .last_tl0
                .is_none_or(|l| (new.wrapping_sub(l) as i8) >= 0)
            {
                self.last_tl0 = Some(new);
            }
            if self.tl0_offset != 0 {
                out.get_or_insert_with(|| payload.to_vec())[at] = new;
            }
        }
        match out {
            Some(v) => bytes::Bytes::from(v),
            None => payload.clone(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use bytes::Bytes;

    /// X=1,S=1; I=1,L=1; 15-bit picture id; tl0picidx; then a frame byte.
    fn desc(pid: u16, tl0: u8) -> Bytes {
        Bytes::from(vec![
            0x90,
            0xC0,
            0x80 | (pid >> 8) as u8,
            pid as u8,
            tl0,
            0x00,
            0xAA,
        ])
    }

    #[test]
    fn parses_descriptor_fields() {
        let f = parse(&desc(0x1234, 9)).unwrap();
        assert_eq!(f.picture_id, Some((0x1234, true, 2)));
        assert_eq!(f.tl0picidx, Some((9, 4)));
        let short = parse(&[0x90, 0x80, 0x05, 0x00]).unwrap();
        assert_eq!(short.picture_id, Some((5, false, 2)));
        assert_eq!(parse(&[0x10, 0x00]).unwrap().picture_id, None);
        assert!(parse(&[0x90]).is_none(), "truncated");
        assert!(parse(&[0x90, 0x80, 0x85]).is_none(), "truncated 15-bit id");
    }

    #[test]
    fn numbers_continue_across_a_switch() {
        let mut r = Vp8Renumber::default();
        // layer A: pictures 1000..1003, tl0 50..53 — forwarded untouched
        for i in 0..4u16 {
            let p = desc(1000 + i, 50 + i as u8);
            assert_eq!(r.apply(&p), p);
        }
        // switch to layer B whose numbers are lower
        let first_b = desc(10, 200);
        r.switch(&first_b);
        let out = r.apply(&first_b);
        let f = parse(&out).unwrap();
        assert_eq!(f.picture_id.unwrap().0, 1004);
        assert_eq!(f.tl0picidx.unwrap().0, 54);
        assert_eq!(out[6], 0xAA, "the rest of the payload is untouched");
        let f = parse(&r.apply(&desc(11, 201))).unwrap();
        assert_eq!(
            (f.picture_id.unwrap().0, f.tl0picidx.unwrap().0),
            (1005, 55)
        );
        // 15-bit wrap
        let mut r = Vp8Renumber::default();
        r.apply(&desc(0x7fff, 0));
        r.switch(&desc(3, 0));
        assert_eq!(
            parse(&r.apply(&desc(3, 0))).unwrap().picture_id.unwrap().0,
            0
        );
    }
}
