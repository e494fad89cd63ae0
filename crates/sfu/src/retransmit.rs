//! Our own retransmission cache per subscriber leg: keeps what the SFU sent, answers that
//! subscriber's NACKs from it, at most [`MAX_RETRANSMISSIONS`] times per packet. Replaces the
//! stock NACK responder so that the count per loss is bounded and every answer is counted.

use std::collections::{HashMap, VecDeque};
use std::sync::Arc;
use std::time::{Duration, Instant};

use rtc::interceptor::{
    Attribute, AttributedPacket, Interceptor, Packet, StreamInfo, TaggedPacket,
};
use rtc::rtcp::transport_feedbacks::transport_layer_nack::TransportLayerNack;
use rtc::rtp;
use rtc::sansio::Protocol;
use rtc::shared::TransportContext;

use crate::stats::Counters;

/// Packets kept per stream (a power of two; ~0.5 s of video at 1000 packets/s).
const CACHE_SIZE: usize = 1024;
/// Resends per packet, whatever the subscriber asks.
pub(crate) const MAX_RETRANSMISSIONS: u8 = 2;
/// A packet older than this is too late to help the receiver's jitter buffer.
const MAX_AGE: Duration = Duration::from_millis(1500);
/// A NACK repeated sooner than this after our resend is a duplicate request, not a new loss.
const MIN_RESEND_GAP: Duration = Duration::from_millis(30);

struct Entry {
    pkt: rtp::Packet,
    sent_at: Instant,
    resent: u8,
    last_resent: Option<Instant>,
}

/// The sans-IO part: store sent packets, answer NACKed sequence numbers.
#[derive(Default)]
pub(crate) struct RetransmitCache {
    streams: HashMap<u32, Vec<Option<Entry>>>,
}

/// What one NACK produced.
#[derive(Debug, Default)]
pub(crate) struct NackAnswer {
    pub(crate) resend: Vec<rtp::Packet>,
    pub(crate) missed: u64,
}

impl RetransmitCache {
    pub(crate) fn track(&mut self, ssrc: u32) {
        self.streams
            .entry(ssrc)
            .or_insert_with(|| (0..CACHE_SIZE).map(|_| None).collect());
    }

    pub(crate) fn untrack(&mut self, ssrc: u32) {
        self.streams.remove(&ssrc);
    }

    /// Remembers a packet as sent (first transmission).
    pub(crate) fn store(&mut self, pkt: &rtp::Packet, now: Instant) {
        if let Some(ring) = self.streams.get_mut(&pkt.header.ssrc) {
            ring[usize::from(pkt.header.sequence_number) % CACHE_SIZE] = Some(Entry {
                pkt: pkt.clone(),
                sent_at: now,
                resent: 0,
                last_resent: None,
            });
        }
    }

    /// Answers the sequence numbers a subscriber reported lost on `ssrc`.
    pub(crate) fn answer(
        &mut self,
        ssrc: u32,
        seqs: impl IntoIterator<Item = u16>,
        now: Instant,
    ) -> NackAnswer {
        let mut out = NackAnswer::default();
        let Some(ring) = self.streams.get_mut(&ssrc) else {
            out.missed = seqs.into_iter().count() as u64;
            return out;
        };
        for seq in seqs {
            let slot = &mut ring[usize::from(seq) % CACHE_SIZE];
            match slot {
                Some(e)
                    if e.pkt.header.sequence_number == seq
                        && e.resent < MAX_RETRANSMISSIONS
                        && now.saturating_duration_since(e.sent_at) <= MAX_AGE =>
                {
                    if e.last_resent
                        .is_some_and(|t| now.saturating_duration_since(t) < MIN_RESEND_GAP)
                    {
                        continue; // just answered; the copy is on its way
                    }
                    e.resent += 1;
                    e.last_resent = Some(now);
                    out.resend.push(e.pkt.clone());
                }
                _ => out.missed += 1,
            }
        }
        out
    }
}

/// Sequence numbers listed in a NACK (packet id plus the bitmask of the following 16).
pub(crate) fn nacked_seqs(nack: &TransportLayerNack) -> Vec<u16> {
    let mut v = Vec::new();
    for pair in &nack.nacks {
        v.push(pair.packet_id);
        for i in 0..16u16 {
            if pair.lost_packets & (1 << i) != 0 {
                v.push(pair.packet_id.wrapping_add(i + 1));
            }
        }
    }
    v
}

/// The interceptor around [`RetransmitCache`], at the NACK responder's slot (wire-most but the
/// congestion-control ones, so retransmissions pass the same path as first transmissions).
pub(crate) struct Retransmitter {
    cache: RetransmitCache,
    counters: Arc<Counters>,
    reads: VecDeque<TaggedPacket>,
    writes: VecDeque<TaggedPacket>,
}

impl Retransmitter {
    pub(crate) fn new(counters: Arc<Counters>) -> Self {
        Self {
            cache: RetransmitCache::default(),
            counters,
            reads: VecDeque::new(),
            writes: VecDeque::new(),
        }
    }
}

impl Protocol<TaggedPacket, TaggedPacket, ()> for Retransmitter {
    type Rout = TaggedPacket;
    type Wout = TaggedPacket;
    type Eout = ();
    type Error = rtc::shared::error::Error;
    type Time = Instant;

    fn handle_read(&mut self, msg: TaggedPacket) -> Result<(), Self::Error> {
        if let Packet::Rtcp(pkts) = &msg.message.packet {
            for p in pkts {
                if let Some(nack) = p.as_any().downcast_ref::<TransportLayerNack>() {
                    Counters::inc(&self.counters.nacks_received);
                    let answer = self
                        .cache
                        .answer(nack.media_ssrc, nacked_seqs(nack), msg.now);
                    Counters::add(&self.counters.retransmissions_missed, answer.missed);
                    Counters::add(
                        &self.counters.retransmissions_sent,
                        answer.resend.len() as u64,
                    );
                    for pkt in answer.resend {
                        self.writes.push_back(TaggedPacket {
                            now: msg.now,
                            transport: TransportContext::default(),
                            message: AttributedPacket::new(Packet::Rtp(pkt))
                                .with(Attribute::Retransmission),
                        });
                    }
                }
            }
        }
        self.reads.push_back(msg);
        Ok(())
    }

    fn poll_read(&mut self) -> Option<TaggedPacket> {
        self.reads.pop_front()
    }

    fn handle_write(&mut self, msg: TaggedPacket) -> Result<(), Self::Error> {
        if let Packet::Rtp(p) = &msg.message.packet
            && !msg.message.has(&Attribute::Retransmission)
        {
            self.cache.store(p, msg.now);
        }
        self.writes.push_back(msg);
        Ok(())
    }

    fn poll_write(&mut self) -> Option<TaggedPacket> {
        self.writes.pop_front()
    }

    fn handle_timeout(&mut self, _now: Instant) -> Result<(), Self::Error> {
        Ok(())
    }

    fn poll_timeout(&mut self) -> Option<Instant> {
        None
    }
}

impl Interceptor for Retransmitter {
    fn bind_local_stream(&mut self, info: &StreamInfo) {
        // Only streams the subscriber may NACK (video); audio is not worth the memory.
        if info
            .rtcp_feedback
            .iter()
            .any(|fb| fb.typ == "nack" && fb.parameter.is_empty())
        {
            self.cache.track(info.ssrc);
        }
    }
    fn unbind_local_stream(&mut self, info: &StreamInfo) {
        self.cache.untrack(info.ssrc);
    }
    fn bind_remote_stream(&mut self, _info: &StreamInfo) {}
    fn unbind_remote_stream(&mut self, _info: &StreamInfo) {}
}

#[cfg(test)]
mod tests {
    use super::*;
    use rtc::rtcp::transport_feedbacks::transport_layer_nack::NackPair;

    fn pkt(ssrc: u32, seq: u16) -> rtp::Packet {
        rtp::Packet {
            header: rtp::header::Header {
                version: 2,
                ssrc,
                sequence_number: seq,
                ..Default::default()
            },
            payload: bytes::Bytes::from(vec![seq as u8; 10]),
        }
    }

    #[test]
    fn answers_at_most_twice_per_packet() {
        let mut c = RetransmitCache::default();
        c.track(9);
        let t0 = Instant::now();
        for s in 0..100u16 {
            c.store(&pkt(9, s), t0);
        }
        let t = |ms| t0 + Duration::from_millis(ms);
        let a = c.answer(9, [10, 11], t(50));
        assert_eq!(
            a.resend
                .iter()
                .map(|p| p.header.sequence_number)
                .collect::<Vec<_>>(),
            vec![10, 11]
        );
        assert_eq!(a.missed, 0);
        // repeated at once: the copy is in flight
        assert!(c.answer(9, [10], t(60)).resend.is_empty());
        assert_eq!(c.answer(9, [10], t(150)).resend.len(), 1, "second try");
        let third = c.answer(9, [10], t(300));
        assert!(third.resend.is_empty(), "capped at {MAX_RETRANSMISSIONS}");
        assert_eq!(third.missed, 1);
    }

    #[test]
    fn unknown_overwritten_and_stale_packets_are_missed() {
        let mut c = RetransmitCache::default();
        c.track(1);
        let t0 = Instant::now();
        c.store(&pkt(1, 5), t0);
        c.store(&pkt(1, 5 + CACHE_SIZE as u16), t0); // same slot, newer packet
        assert_eq!(c.answer(1, [5], t0).missed, 1);
        assert_eq!(c.answer(2, [5, 6], t0).missed, 2, "untracked stream");
        c.store(&pkt(1, 7), t0);
        assert_eq!(
            c.answer(1, [7], t0 + Duration::from_secs(2)).missed,
            1,
            "too old"
        );
        // untracked streams store nothing
        c.store(&pkt(3, 1), t0);
        assert_eq!(c.answer(3, [1], t0).missed, 1);
    }

    #[test]
    fn nack_bitmask_expands() {
        let n = TransportLayerNack {
            sender_ssrc: 0,
            media_ssrc: 1,
            nacks: vec![NackPair {
                packet_id: 65535,
                lost_packets: 0b101,
            }],
        };
        assert_eq!(nacked_seqs(&n), vec![65535, 0, 2]);
    }
}
