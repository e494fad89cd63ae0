//! Test interceptors: a browser's wire, with loss on purpose and counts of what crossed it.

#[allow(unused_imports)]
use super::*;

/// What a browser counted on its wire.
#[derive(Default)]
pub struct Wire {
    /// First transmissions swallowed on purpose.
    pub dropped: AtomicU64,
    /// Retransmissions this peer sent (answers to NACKs).
    pub retransmissions_out: AtomicU64,
    /// NACK packets received.
    pub nacks_in: AtomicU64,
    /// PLI/FIR received.
    pub keyframe_requests_in: AtomicU64,
}

/// Wire-most: drops the first transmission of every `every`-th outgoing video packet
/// (`outgoing`), or the first arrival of every `every`-th incoming one; counts NACKs,
/// retransmissions and keyframe requests.
pub struct WireTap {
    pub(crate) every: u16,
    pub(crate) outgoing: bool,
    pub(crate) seen: HashSet<(u32, u16)>,
    pub(crate) wire: Arc<Wire>,
    pub(crate) reads: VecDeque<TaggedPacket>,
    pub(crate) writes: VecDeque<TaggedPacket>,
}

fn lossy(p: &rtp::Packet, every: u16) -> bool {
    // Video only: the test's video payloads are 600+ bytes, audio 80.
    every > 0 && p.payload.len() > 300 && p.header.sequence_number % every == every / 2
}

impl Protocol<TaggedPacket, TaggedPacket, ()> for WireTap {
    type Rout = TaggedPacket;
    type Wout = TaggedPacket;
    type Eout = ();
    type Error = rtc::shared::error::Error;
    type Time = Instant;

    fn handle_read(&mut self, msg: TaggedPacket) -> Result<(), Self::Error> {
        match &msg.message.packet {
            Packet::Rtcp(pkts) => {
                for p in pkts {
                    let a = p.as_any();
                    if a.is::<rtc::rtcp::transport_feedbacks::transport_layer_nack::TransportLayerNack>() {
                        self.wire.nacks_in.fetch_add(1, Ordering::Relaxed);
                    }
                    if a.is::<PictureLossIndication>() || a.is::<FullIntraRequest>() {
                        self.wire
                            .keyframe_requests_in
                            .fetch_add(1, Ordering::Relaxed);
                    }
                }
            }
            Packet::Rtp(p)
                if !self.outgoing
                    && lossy(p, self.every)
                    && self.seen.insert((p.header.ssrc, p.header.sequence_number)) =>
            {
                self.wire.dropped.fetch_add(1, Ordering::Relaxed);
                return Ok(());
            }
            _ => {}
        }
        self.reads.push_back(msg);
        Ok(())
    }
    fn poll_read(&mut self) -> Option<TaggedPacket> {
        self.reads.pop_front()
    }
    fn handle_write(&mut self, msg: TaggedPacket) -> Result<(), Self::Error> {
        if msg.message.has(&Attribute::Retransmission) {
            self.wire
                .retransmissions_out
                .fetch_add(1, Ordering::Relaxed);
        } else if let Packet::Rtp(p) = &msg.message.packet
            && self.outgoing
            && lossy(p, self.every)
            && self.seen.insert((p.header.ssrc, p.header.sequence_number))
        {
            self.wire.dropped.fetch_add(1, Ordering::Relaxed);
            return Ok(());
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

impl Interceptor for WireTap {
    fn bind_local_stream(&mut self, _: &StreamInfo) {}
    fn unbind_local_stream(&mut self, _: &StreamInfo) {}
    fn bind_remote_stream(&mut self, _: &StreamInfo) {}
    fn unbind_remote_stream(&mut self, _: &StreamInfo) {}
}
