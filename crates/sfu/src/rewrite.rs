//! Per-subscription RTP rewriting: what `write_rtp` needs (the subscriber leg's SSRC, payload
//! type and header-extension ids) and what the receiver needs (one continuous sequence-number
//! and timestamp space even when the forwarded source changes, e.g. a simulcast layer switch).

use std::time::Instant;

use rtc::rtp;

/// Maps one leg's ids to the other's. Built when the subscriber leg is negotiated.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct LegMapping {
    /// (publisher-leg payload type, subscriber-leg payload type).
    pub(crate) payload_types: Vec<(u8, u8)>,
    /// (publisher-leg extension id, subscriber-leg extension id) for URIs negotiated on both
    /// legs that mean the same thing end to end; every other extension is stripped.
    pub(crate) extensions: Vec<(u8, u8)>,
}

/// Why a packet was not rewritten.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum RewriteError {
    /// Its payload type has no counterpart on the subscriber leg.
    UnmappedPayloadType(u8),
}

/// Rewrites the packets of one subscription.
pub(crate) struct Rewriter {
    out_ssrc: u32,
    clock_rate: u32,
    mapping: LegMapping,
    /// The source SSRC currently forwarded.
    source: Option<u32>,
    seq_offset: u16,
    ts_offset: u32,
    /// Highest sequence number sent, last timestamp sent and when.
    last: Option<Sent>,
    /// VP8 picture numbering, when the codec is VP8.
    vp8: Option<crate::vp8::Vp8Renumber>,
}

#[derive(Clone, Copy)]
struct Sent {
    highest_seq: u16,
    timestamp: u32,
    at: Instant,
}

impl Rewriter {
    /// `vp8`: renumber VP8 PictureID/TL0PICIDX across source switches.
    pub(crate) fn new(out_ssrc: u32, clock_rate: u32, vp8: bool) -> Self {
        Self {
            vp8: vp8.then(crate::vp8::Vp8Renumber::default),
            out_ssrc,
            clock_rate: clock_rate.max(1),
            mapping: LegMapping::default(),
            source: None,
            seq_offset: 0,
            ts_offset: 0,
            last: None,
        }
    }

    pub(crate) fn set_mapping(&mut self, mapping: LegMapping) {
        self.mapping = mapping;
    }

    /// The source SSRC being forwarded, if any.
    pub(crate) fn source(&self) -> Option<u32> {
        self.source
    }

    /// Forwards nothing until the next [`Rewriter::switch_source`] (after a pause), which
    /// continues the output after what was sent.
    pub(crate) fn forget_source(&mut self) {
        self.source = None;
    }

    /// Starts forwarding `ssrc` from the packet `first` on: the output continues right after
    /// what was sent before (next sequence number; timestamp advanced by the wall time elapsed).
    pub(crate) fn switch_source(&mut self, first_packet: &rtp::Packet, now: Instant) {
        let first = &first_packet.header;
        self.source = Some(first.ssrc);
        if let Some(v) = self.vp8.as_mut() {
            v.switch(&first_packet.payload);
        }
        match self.last {
            None => {
                self.seq_offset = 0;
                self.ts_offset = 0;
            }
            Some(last) => {
                let elapsed = now.saturating_duration_since(last.at);
                let ticks = (elapsed.as_secs_f64() * f64::from(self.clock_rate)) as u64;
                let advance = ticks.clamp(1, u64::from(u32::MAX / 2)) as u32;
                self.seq_offset = last
                    .highest_seq
                    .wrapping_add(1)
                    .wrapping_sub(first.sequence_number);
                self.ts_offset = last
                    .timestamp
                    .wrapping_add(advance)
                    .wrapping_sub(first.timestamp);
            }
        }
    }

    /// Rewrites a packet of the current source in place.
    pub(crate) fn rewrite(
        &mut self,
        pkt: &mut rtp::Packet,
        now: Instant,
    ) -> Result<(), RewriteError> {
        let h = &mut pkt.header;
        let pt = self
            .mapping
            .payload_types
            .iter()
            .find(|(from, _)| *from == h.payload_type)
            .map(|(_, to)| *to)
            .ok_or(RewriteError::UnmappedPayloadType(h.payload_type))?;
        h.payload_type = pt;
        h.ssrc = self.out_ssrc;
        h.sequence_number = h.sequence_number.wrapping_add(self.seq_offset);
        if let Some(v) = self.vp8.as_mut() {
            pkt.payload = v.apply(&pkt.payload);
        }
        let h = &mut pkt.header;
        h.timestamp = h.timestamp.wrapping_add(self.ts_offset);
        // Translate the extensions both legs know, drop the rest (ids are per leg; mid, rid and
        // transport-cc are hop-by-hop and must not leak).
        if h.extension {
            let ext = &self.mapping.extensions;
            h.extensions
                .retain_mut(|e| match ext.iter().find(|(from, _)| *from == e.id) {
                    Some((_, to)) => {
                        e.id = *to;
                        true
                    }
                    None => false,
                });
            // The padding the publisher's block needed is wrong for ours: marshal_size would
            // count it and the packet would carry stray bytes after its payload.
            h.extensions_padding = 0;
            if h.extensions.is_empty() {
                h.extension = false;
                h.extension_profile = 0;
            }
        }
        let newer = match self.last {
            None => true,
            Some(l) => (h.sequence_number.wrapping_sub(l.highest_seq) as i16) > 0,
        };
        if newer {
            self.last = Some(Sent {
                highest_seq: h.sequence_number,
                timestamp: h.timestamp,
                at: now,
            });
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use bytes::Bytes;
    use rtc::rtp::header::{Extension, Header};
    use std::time::Duration;

    fn pkt(ssrc: u32, pt: u8, seq: u16, ts: u32, exts: &[(u8, &'static [u8])]) -> rtp::Packet {
        rtp::Packet {
            header: Header {
                version: 2,
                payload_type: pt,
                sequence_number: seq,
                timestamp: ts,
                ssrc,
                extension: !exts.is_empty(),
                extension_profile: if exts.is_empty() { 0 } else { 0xBEDE },
                extensions: exts
                    .iter()
                    .map(|(id, p)| Extension {
                        id: *id,
                        payload: Bytes::from_static(p),
                    })
                    .collect(),
                ..Default::default()
            },
            payload: Bytes::from_static(b"x"),
        }
    }

    fn rewriter() -> Rewriter {
        let mut r = Rewriter::new(0xAAAA, 90_000, false);
        r.set_mapping(LegMapping {
            payload_types: vec![(96, 100), (97, 101)],
            extensions: vec![(1, 5)],
        });
        r
    }

    #[test]
    fn rewrites_ssrc_pt_and_translates_or_strips_extensions() {
        let mut r = rewriter();
        let t0 = Instant::now();
        let mut p = pkt(0x1111, 96, 10, 1000, &[(1, b"\x30"), (3, b"q")]);
        r.switch_source(&p, t0);
        r.rewrite(&mut p, t0).unwrap();
        assert_eq!(p.header.ssrc, 0xAAAA);
        assert_eq!(p.header.payload_type, 100);
        assert_eq!(p.header.sequence_number, 10);
        assert_eq!(p.header.extensions.len(), 1);
        assert_eq!(p.header.extensions[0].id, 5);
        assert_eq!(&p.header.extensions[0].payload[..], b"\x30");

        let mut p = pkt(0x1111, 96, 11, 1000, &[(3, b"q")]);
        r.rewrite(&mut p, t0).unwrap();
        assert!(!p.header.extension, "nothing left to carry");
        assert!(p.header.extensions.is_empty());
    }

    #[test]
    fn rewritten_extension_block_marshals_to_its_announced_size() {
        use rtc::shared::marshal::{Marshal, MarshalSize, Unmarshal};
        // As received from a browser: 3 extensions whose block needed padding.
        let mut raw = pkt(
            0x1111,
            96,
            10,
            1000,
            &[(1, b"\x30"), (3, b"abc"), (4, b"xy")],
        );
        raw.header.extensions_padding = 3;
        let mut r = rewriter();
        r.switch_source(&raw, Instant::now());
        r.rewrite(&mut raw, Instant::now()).unwrap();
        let bytes = raw.marshal().unwrap();
        assert_eq!(bytes.len(), raw.marshal_size());
        let back = rtp::Packet::unmarshal(&mut bytes.clone()).unwrap();
        assert_eq!(back.payload, raw.payload);
        assert_eq!(back.header.get_extension(5).as_deref(), Some(&b"\x30"[..]));
    }

    #[test]
    fn unknown_payload_type_is_refused() {
        let mut r = rewriter();
        let mut p = pkt(1, 120, 1, 1, &[]);
        r.switch_source(&p, Instant::now());
        assert_eq!(
            r.rewrite(&mut p, Instant::now()),
            Err(RewriteError::UnmappedPayloadType(120))
        );
    }

    #[test]
    fn source_switch_continues_sequence_and_advances_timestamp() {
        let mut r = rewriter();
        let t0 = Instant::now();
        let mut out = Vec::new();
        let mut first = true;
        for i in 0..5u16 {
            let mut p = pkt(
                0x1,
                96,
                65533u16.wrapping_add(i),
                5000 + u32::from(i) * 3000,
                &[],
            );
            if first {
                r.switch_source(&p, t0);
                first = false;
            }
            r.rewrite(&mut p, t0).unwrap();
            out.push(p.header.clone());
        }
        // the new layer has unrelated numbers; 100 ms later
        let t1 = t0 + Duration::from_millis(100);
        for i in 0..3u16 {
            let mut p = pkt(0x2, 97, 40000 + i, 999_999 + u32::from(i) * 3000, &[]);
            if i == 0 {
                r.switch_source(&p, t1);
            }
            r.rewrite(&mut p, t1).unwrap();
            assert_eq!(p.header.payload_type, 101);
            out.push(p.header.clone());
        }
        for w in out.windows(2) {
            assert_eq!(w[1].sequence_number, w[0].sequence_number.wrapping_add(1));
        }
        let jump = out[5].timestamp.wrapping_sub(out[4].timestamp);
        assert_eq!(jump, 9000, "100 ms at 90 kHz");
        assert!(out.iter().all(|h| h.ssrc == 0xAAAA));
    }

    #[test]
    fn late_packet_of_the_current_source_keeps_its_place() {
        let mut r = rewriter();
        let t0 = Instant::now();
        let mut a = pkt(1, 96, 100, 0, &[]);
        r.switch_source(&a, t0);
        r.rewrite(&mut a, t0).unwrap();
        let mut c = pkt(1, 96, 102, 0, &[]);
        r.rewrite(&mut c, t0).unwrap();
        let mut b = pkt(1, 96, 101, 0, &[]); // a retransmission arriving late
        r.rewrite(&mut b, t0).unwrap();
        assert_eq!(b.header.sequence_number, 101);
        // a switch after that continues after the highest, not after the late one
        let mut d = pkt(2, 96, 7, 0, &[]);
        r.switch_source(&d, t0);
        r.rewrite(&mut d, t0).unwrap();
        assert_eq!(d.header.sequence_number, 103);
    }
}
