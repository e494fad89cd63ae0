//! Counters the server exposes as metrics. Relaxed atomics: each is an independent tally.

use std::sync::atomic::{AtomicU64, Ordering};

use crate::ports::PortAllocator;

#[derive(Default)]
pub(crate) struct Counters {
    pub(crate) packets_in: AtomicU64,
    pub(crate) bytes_in: AtomicU64,
    pub(crate) duplicates_in: AtomicU64,
    pub(crate) packets_forwarded: AtomicU64,
    pub(crate) bytes_forwarded: AtomicU64,
    pub(crate) dropped_queue_full: AtomicU64,
    pub(crate) dropped_not_connected: AtomicU64,
    pub(crate) dropped_unmapped: AtomicU64,
    pub(crate) write_errors: AtomicU64,
    pub(crate) nacks_sent: AtomicU64,
    pub(crate) nacks_received: AtomicU64,
    pub(crate) retransmissions_sent: AtomicU64,
    pub(crate) retransmissions_missed: AtomicU64,
    pub(crate) keyframe_requests_received: AtomicU64,
    pub(crate) keyframe_requests_sent: AtomicU64,
    pub(crate) layer_switches: AtomicU64,
    pub(crate) peer_connections: AtomicU64,
    pub(crate) viewers: AtomicU64,
    pub(crate) subscriptions: AtomicU64,
}

impl Counters {
    pub(crate) fn add(counter: &AtomicU64, n: u64) {
        counter.fetch_add(n, Ordering::Relaxed);
    }
    pub(crate) fn inc(counter: &AtomicU64) {
        counter.fetch_add(1, Ordering::Relaxed);
    }
    /// Increments; `true` if this was the first (to log an error class once, not per packet).
    pub(crate) fn bump_first(counter: &AtomicU64) -> bool {
        counter.fetch_add(1, Ordering::Relaxed) == 0
    }
    pub(crate) fn dec(counter: &AtomicU64) {
        // Gauges never go below zero; a saturating update keeps a double close harmless.
        let _ = counter.fetch_update(Ordering::Relaxed, Ordering::Relaxed, |v| {
            Some(v.saturating_sub(1))
        });
    }

    pub(crate) fn snapshot(&self, ports: &PortAllocator) -> SfuStats {
        let g = |c: &AtomicU64| c.load(Ordering::Relaxed);
        SfuStats {
            packets_in: g(&self.packets_in),
            bytes_in: g(&self.bytes_in),
            duplicates_in: g(&self.duplicates_in),
            packets_forwarded: g(&self.packets_forwarded),
            bytes_forwarded: g(&self.bytes_forwarded),
            dropped_queue_full: g(&self.dropped_queue_full),
            dropped_not_connected: g(&self.dropped_not_connected),
            dropped_unmapped: g(&self.dropped_unmapped),
            write_errors: g(&self.write_errors),
            nacks_sent: g(&self.nacks_sent),
            nacks_received: g(&self.nacks_received),
            retransmissions_sent: g(&self.retransmissions_sent),
            retransmissions_missed: g(&self.retransmissions_missed),
            keyframe_requests_received: g(&self.keyframe_requests_received),
            keyframe_requests_sent: g(&self.keyframe_requests_sent),
            layer_switches: g(&self.layer_switches),
            peer_connections: g(&self.peer_connections),
            viewers: g(&self.viewers),
            subscriptions: g(&self.subscriptions),
            udp_ports_in_use: ports.in_use() as u64,
        }
    }
}

/// A snapshot of the media plane's counters (totals since start, except the gauges).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct SfuStats {
    /// RTP packets received from publishers (after SRTP, before de-duplication).
    pub packets_in: u64,
    pub bytes_in: u64,
    /// Received packets dropped as copies of one already received (same SSRC and sequence).
    pub duplicates_in: u64,
    /// RTP packets handed to subscriber legs (first transmissions, not retransmissions).
    pub packets_forwarded: u64,
    pub bytes_forwarded: u64,
    /// Dropped because a subscription's queue was full (a slow subscriber).
    pub dropped_queue_full: u64,
    /// Dropped because the subscriber leg was not connected yet.
    pub dropped_not_connected: u64,
    /// Dropped because the codec has no counterpart on the subscriber leg.
    pub dropped_unmapped: u64,
    /// `write_rtp` refused a packet.
    pub write_errors: u64,
    /// NACK packets the SFU sent to publishers.
    pub nacks_sent: u64,
    /// NACK packets received from subscribers.
    pub nacks_received: u64,
    /// Packets retransmitted to subscribers from the retransmission cache.
    pub retransmissions_sent: u64,
    /// Sequence numbers subscribers asked for that were no longer (or never) in the cache, or
    /// already retransmitted the maximum number of times.
    pub retransmissions_missed: u64,
    /// PLI/FIR received from subscribers.
    pub keyframe_requests_received: u64,
    /// PLI sent to publishers (after throttling).
    pub keyframe_requests_sent: u64,
    /// Simulcast layer switches done by subscriptions.
    pub layer_switches: u64,
    /// Gauge: open peer connections.
    pub peer_connections: u64,
    /// Gauge: open viewers (subscribe-only participants, one peer connection each).
    pub viewers: u64,
    /// Gauge: live subscriptions.
    pub subscriptions: u64,
    /// Gauge: UDP ports lent from the range.
    pub udp_ports_in_use: u64,
}
