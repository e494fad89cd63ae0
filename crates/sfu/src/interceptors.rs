//! Small interceptors the SFU adds to the webrtc-rs chain.

use std::collections::{HashSet, VecDeque};
use std::sync::Arc;
use std::time::Instant;

use rtc::interceptor::{Attribute, Interceptor, Packet, StreamInfo, TaggedPacket};
use rtc::rtcp::payload_feedbacks::full_intra_request::FullIntraRequest;
use rtc::rtcp::payload_feedbacks::picture_loss_indication::PictureLossIndication;
use rtc::rtcp::receiver_report::ReceiverReport;
use rtc::rtcp::sender_report::SenderReport;
use rtc::rtcp::transport_feedbacks::transport_layer_nack::TransportLayerNack;
use rtc::sansio::Protocol;

use crate::stats::Counters;

/// App-most: hands inbound PLI/FIR to the application (`TrackLocal::poll`); without it the
/// chain swallows all inbound RTCP. Everything else stops here, as it would have.
#[derive(Default)]
pub(crate) struct KeyframeRequestsToApp {
    reads: VecDeque<TaggedPacket>,
    writes: VecDeque<TaggedPacket>,
}

impl Protocol<TaggedPacket, TaggedPacket, ()> for KeyframeRequestsToApp {
    type Rout = TaggedPacket;
    type Wout = TaggedPacket;
    type Eout = ();
    type Error = rtc::shared::error::Error;
    type Time = Instant;

    fn handle_read(&mut self, mut msg: TaggedPacket) -> Result<(), Self::Error> {
        if let Packet::Rtcp(pkts) = &msg.message.packet {
            let keep: Vec<Box<dyn rtc::rtcp::Packet>> = pkts
                .iter()
                .filter(|p| {
                    let a = p.as_any();
                    a.is::<PictureLossIndication>() || a.is::<FullIntraRequest>()
                })
                .cloned()
                .collect();
            if keep.is_empty() {
                return Ok(());
            }
            msg.message.packet = Packet::Rtcp(keep);
            msg.message.add(Attribute::DeliverToApplication);
        }
        self.reads.push_back(msg);
        Ok(())
    }
    fn poll_read(&mut self) -> Option<TaggedPacket> {
        self.reads.pop_front()
    }
    fn handle_write(&mut self, msg: TaggedPacket) -> Result<(), Self::Error> {
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

impl Interceptor for KeyframeRequestsToApp {
    fn bind_local_stream(&mut self, _: &StreamInfo) {}
    fn unbind_local_stream(&mut self, _: &StreamInfo) {}
    fn bind_remote_stream(&mut self, _: &StreamInfo) {}
    fn unbind_remote_stream(&mut self, _: &StreamInfo) {}
}

/// Wire-most on the publisher leg: counts the NACKs the generator sends upstream.
pub(crate) struct NackCounter {
    counters: Arc<Counters>,
    reads: VecDeque<TaggedPacket>,
    writes: VecDeque<TaggedPacket>,
}

impl NackCounter {
    pub(crate) fn new(counters: Arc<Counters>) -> Self {
        Self {
            counters,
            reads: VecDeque::new(),
            writes: VecDeque::new(),
        }
    }
}

impl Protocol<TaggedPacket, TaggedPacket, ()> for NackCounter {
    type Rout = TaggedPacket;
    type Wout = TaggedPacket;
    type Eout = ();
    type Error = rtc::shared::error::Error;
    type Time = Instant;

    fn handle_read(&mut self, msg: TaggedPacket) -> Result<(), Self::Error> {
        self.reads.push_back(msg);
        Ok(())
    }
    fn poll_read(&mut self) -> Option<TaggedPacket> {
        self.reads.pop_front()
    }
    fn handle_write(&mut self, msg: TaggedPacket) -> Result<(), Self::Error> {
        if let Packet::Rtcp(pkts) = &msg.message.packet {
            let n = pkts
                .iter()
                .filter(|p| p.as_any().is::<TransportLayerNack>())
                .count();
            Counters::add(&self.counters.nacks_sent, n as u64);
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

impl Interceptor for NackCounter {
    fn bind_local_stream(&mut self, _: &StreamInfo) {}
    fn unbind_local_stream(&mut self, _: &StreamInfo) {}
    fn bind_remote_stream(&mut self, _: &StreamInfo) {}
    fn unbind_remote_stream(&mut self, _: &StreamInfo) {}
}

/// Records the loss each receiver report gives per media SSRC (subscriber leg), for
/// [`crate::downlink::LossCap`].
pub(crate) struct ReceiverReports {
    loss: crate::downlink::ReceiverLoss,
    /// SSRCs this leg sends: reports about any other SSRC are the remote peer's invention
    /// and would grow `loss` without bound.
    local: HashSet<u32>,
    seq: u64,
    reads: VecDeque<TaggedPacket>,
    writes: VecDeque<TaggedPacket>,
}

impl ReceiverReports {
    pub(crate) fn new(loss: crate::downlink::ReceiverLoss) -> Self {
        Self {
            loss,
            local: HashSet::new(),
            seq: 0,
            reads: VecDeque::new(),
            writes: VecDeque::new(),
        }
    }
}

impl Protocol<TaggedPacket, TaggedPacket, ()> for ReceiverReports {
    type Rout = TaggedPacket;
    type Wout = TaggedPacket;
    type Eout = ();
    type Error = rtc::shared::error::Error;
    type Time = Instant;

    fn handle_read(&mut self, msg: TaggedPacket) -> Result<(), Self::Error> {
        if let Packet::Rtcp(pkts) = &msg.message.packet {
            for p in pkts {
                let a = p.as_any();
                let reports = if let Some(rr) = a.downcast_ref::<ReceiverReport>() {
                    &rr.reports
                } else if let Some(sr) = a.downcast_ref::<SenderReport>() {
                    &sr.reports
                } else {
                    continue;
                };
                if reports.is_empty() {
                    continue;
                }
                self.record(reports.iter().map(|r| (r.ssrc, r.fraction_lost)));
            }
        }
        self.reads.push_back(msg);
        Ok(())
    }
    fn poll_read(&mut self) -> Option<TaggedPacket> {
        self.reads.pop_front()
    }
    fn handle_write(&mut self, msg: TaggedPacket) -> Result<(), Self::Error> {
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

impl ReceiverReports {
    /// Keeps the latest loss of each SSRC we send; reports about others are ignored.
    fn record(&mut self, reports: impl Iterator<Item = (u32, u8)>) {
        self.seq += 1;
        // Only inserts and reads: a poisoned lock is still consistent.
        let mut loss = self.loss.lock().unwrap_or_else(|e| e.into_inner());
        for (ssrc, fraction_lost) in reports {
            if self.local.contains(&ssrc) {
                loss.insert(ssrc, (self.seq, fraction_lost));
            }
        }
    }
}

impl Interceptor for ReceiverReports {
    fn bind_local_stream(&mut self, info: &StreamInfo) {
        self.local.insert(info.ssrc);
    }
    fn unbind_local_stream(&mut self, info: &StreamInfo) {
        self.local.remove(&info.ssrc);
        self.loss
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .remove(&info.ssrc);
    }
    fn bind_remote_stream(&mut self, _: &StreamInfo) {}
    fn unbind_remote_stream(&mut self, _: &StreamInfo) {}
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_ssrcs_we_send_are_recorded() {
        let loss = crate::downlink::ReceiverLoss::default();
        let mut rr = ReceiverReports::new(loss.clone());
        rr.bind_local_stream(&StreamInfo {
            ssrc: 7,
            ..Default::default()
        });
        rr.record((0..10_000u32).map(|ssrc| (ssrc, 3)));
        let seen: Vec<u32> = loss.lock().unwrap().keys().copied().collect();
        assert_eq!(seen, vec![7], "a remote peer cannot grow the map");
        rr.unbind_local_stream(&StreamInfo {
            ssrc: 7,
            ..Default::default()
        });
        assert!(loss.lock().unwrap().is_empty());
    }
}
