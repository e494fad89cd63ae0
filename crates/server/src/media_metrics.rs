//! The media plane in `/metrics`. The SFU keeps its own tallies ([`SfuStats`], atomics on its
//! hot path); at each scrape they are copied into counters and gauges of the registry, so the
//! SFU never learns about Prometheus and forwarding never touches the registry's lock.
//!
//! Names (all prefixed `amphi_sfu_`) and their meaning: see [`SfuMetrics::register`].

use amphi_sfu::{Sfu, SfuStats};

use crate::metrics::{Counter, Gauge, Metrics};

/// The registry's handles for one SFU's figures.
#[derive(Debug, Clone)]
pub struct SfuMetrics {
    packets_received: Counter,
    bytes_received: Counter,
    duplicates: Counter,
    packets_forwarded: Counter,
    bytes_forwarded: Counter,
    dropped_queue_full: Counter,
    dropped_not_connected: Counter,
    dropped_unmapped: Counter,
    dropped_write_error: Counter,
    nacks_sent: Counter,
    nacks_received: Counter,
    retransmissions_sent: Counter,
    retransmissions_missed: Counter,
    keyframe_requests_received: Counter,
    keyframe_requests_sent: Counter,
    layer_switches: Counter,
    peer_connections: Gauge,
    viewers: Gauge,
    subscriptions: Gauge,
    udp_ports_in_use: Gauge,
}

/// Exposes `sfu`'s figures in `metrics`, refreshed at every render. Call once per registry.
pub fn expose(metrics: &Metrics, sfu: Sfu) {
    let handles = SfuMetrics::register(metrics);
    metrics.on_render(move || handles.update(&sfu.stats()));
}

impl SfuMetrics {
    pub fn register(m: &Metrics) -> SfuMetrics {
        let dropped = |reason: &str| {
            m.counter_with(
                "amphi_sfu_dropped_packets_total",
                "RTP packets the SFU did not forward to a subscriber, by reason: queue_full \
                 (a slow subscriber), not_connected (its leg not connected yet), unmapped_codec \
                 (no matching codec on its leg), write_error (the stack refused the packet)",
                &[("reason", reason)],
            )
        };
        SfuMetrics {
            packets_received: m.counter(
                "amphi_sfu_packets_received_total",
                "RTP packets received from publishers, duplicates included",
            ),
            bytes_received: m.counter(
                "amphi_sfu_bytes_received_total",
                "Bytes of RTP packets received from publishers",
            ),
            duplicates: m.counter(
                "amphi_sfu_duplicate_packets_total",
                "Received RTP packets dropped as copies of one already received",
            ),
            packets_forwarded: m.counter(
                "amphi_sfu_packets_forwarded_total",
                "RTP packets sent to subscribers (first transmissions)",
            ),
            bytes_forwarded: m.counter(
                "amphi_sfu_bytes_forwarded_total",
                "Bytes of RTP packets sent to subscribers (first transmissions)",
            ),
            dropped_queue_full: dropped("queue_full"),
            dropped_not_connected: dropped("not_connected"),
            dropped_unmapped: dropped("unmapped_codec"),
            dropped_write_error: dropped("write_error"),
            nacks_sent: m.counter(
                "amphi_sfu_nacks_sent_total",
                "NACK packets the SFU sent to publishers for packets it lost",
            ),
            nacks_received: m.counter(
                "amphi_sfu_nacks_received_total",
                "NACK packets received from subscribers",
            ),
            retransmissions_sent: m.counter(
                "amphi_sfu_retransmissions_sent_total",
                "Packets retransmitted to subscribers from the SFU's cache",
            ),
            retransmissions_missed: m.counter(
                "amphi_sfu_retransmissions_missed_total",
                "Packets subscribers asked for that could not be retransmitted (not or no longer \
                 cached, or already retransmitted the maximum number of times)",
            ),
            keyframe_requests_received: m.counter(
                "amphi_sfu_keyframe_requests_received_total",
                "Keyframe requests (PLI/FIR) received from subscribers",
            ),
            keyframe_requests_sent: m.counter(
                "amphi_sfu_keyframe_requests_sent_total",
                "Keyframe requests (PLI) sent to publishers, after throttling",
            ),
            layer_switches: m.counter(
                "amphi_sfu_layer_switches_total",
                "Simulcast layer switches made by subscriptions",
            ),
            peer_connections: m.gauge("amphi_sfu_peer_connections", "Open peer connections"),
            viewers: m.gauge(
                "amphi_sfu_viewers",
                "Open viewers (subscribe-only participants: webinar attendees)",
            ),
            subscriptions: m.gauge(
                "amphi_sfu_subscriptions",
                "Tracks being forwarded to someone",
            ),
            udp_ports_in_use: m.gauge(
                "amphi_sfu_udp_ports_in_use",
                "UDP ports of the media range in use",
            ),
        }
    }

    /// Copies a snapshot in.
    pub fn update(&self, stats: &SfuStats) {
        // Destructured in full: a figure added to `SfuStats` fails to compile here until it is
        // exposed.
        let SfuStats {
            packets_in,
            bytes_in,
            duplicates_in,
            packets_forwarded,
            bytes_forwarded,
            dropped_queue_full,
            dropped_not_connected,
            dropped_unmapped,
            write_errors,
            nacks_sent,
            nacks_received,
            retransmissions_sent,
            retransmissions_missed,
            keyframe_requests_received,
            keyframe_requests_sent,
            layer_switches,
            peer_connections,
            viewers,
            subscriptions,
            udp_ports_in_use,
        } = *stats;
        self.packets_received.raise_to(packets_in);
        self.bytes_received.raise_to(bytes_in);
        self.duplicates.raise_to(duplicates_in);
        self.packets_forwarded.raise_to(packets_forwarded);
        self.bytes_forwarded.raise_to(bytes_forwarded);
        self.dropped_queue_full.raise_to(dropped_queue_full);
        self.dropped_not_connected.raise_to(dropped_not_connected);
        self.dropped_unmapped.raise_to(dropped_unmapped);
        self.dropped_write_error.raise_to(write_errors);
        self.nacks_sent.raise_to(nacks_sent);
        self.nacks_received.raise_to(nacks_received);
        self.retransmissions_sent.raise_to(retransmissions_sent);
        self.retransmissions_missed.raise_to(retransmissions_missed);
        self.keyframe_requests_received
            .raise_to(keyframe_requests_received);
        self.keyframe_requests_sent.raise_to(keyframe_requests_sent);
        self.layer_switches.raise_to(layer_switches);
        let gauge = |g: &Gauge, v: u64| g.set(i64::try_from(v).unwrap_or(i64::MAX));
        gauge(&self.peer_connections, peer_connections);
        gauge(&self.viewers, viewers);
        gauge(&self.subscriptions, subscriptions);
        gauge(&self.udp_ports_in_use, udp_ports_in_use);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn snapshot_is_rendered_and_counters_never_go_down() {
        let m = Metrics::new();
        let sfu = SfuMetrics::register(&m);
        sfu.update(&SfuStats {
            packets_forwarded: 40,
            retransmissions_sent: 3,
            dropped_queue_full: 2,
            peer_connections: 4,
            ..SfuStats::default()
        });
        let text = m.render();
        assert!(
            text.contains("# TYPE amphi_sfu_packets_forwarded_total counter\n"),
            "{text}"
        );
        assert!(
            text.contains("amphi_sfu_packets_forwarded_total 40\n"),
            "{text}"
        );
        assert!(
            text.contains("amphi_sfu_retransmissions_sent_total 3\n"),
            "{text}"
        );
        assert!(
            text.contains("amphi_sfu_dropped_packets_total{reason=\"queue_full\"} 2\n"),
            "{text}"
        );
        assert!(
            text.contains("# TYPE amphi_sfu_peer_connections gauge\n"),
            "{text}"
        );
        assert!(text.contains("amphi_sfu_peer_connections 4\n"), "{text}");
        // A smaller total (cannot happen with one SFU, but a counter must not go down).
        sfu.update(&SfuStats {
            packets_forwarded: 10,
            peer_connections: 1,
            ..SfuStats::default()
        });
        let text = m.render();
        assert!(
            text.contains("amphi_sfu_packets_forwarded_total 40\n"),
            "{text}"
        );
        assert!(text.contains("amphi_sfu_peer_connections 1\n"), "{text}");
    }

    #[test]
    fn render_refreshes_from_the_sfu() {
        let m = Metrics::new();
        let sfu = Sfu::new(amphi_sfu::SfuConfig::default()).expect("default config is valid");
        expose(&m, sfu);
        let text = m.render();
        for name in [
            "amphi_sfu_packets_received_total 0\n",
            "amphi_sfu_nacks_received_total 0\n",
            "amphi_sfu_keyframe_requests_sent_total 0\n",
            "amphi_sfu_udp_ports_in_use 0\n",
        ] {
            assert!(text.contains(name), "{name} missing from:\n{text}");
        }
    }
}
