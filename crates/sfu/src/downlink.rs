//! A cheap downlink congestion signal for layer choice: the loss the subscriber reports in its
//! RTCP receiver reports. (webrtc-rs 0.21's GCC needs the pacer on every subscriber leg and
//! ramps slowly without probing, FINDINGS §1.7; receiver reports cost nothing.)
//! Sustained loss caps the layer one step below the one forwarded; a clean stretch lifts the
//! cap one step at a time.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// Loss (percent) that counts as congestion, and below which the path is clean.
const CONGESTED_PERCENT: u32 = 10;
const CLEAN_PERCENT: u32 = 2;
/// Consecutive congested reports before stepping down (one report can be a burst).
const CONGESTED_REPORTS: u8 = 2;
/// Time between two changes of the cap, down and up.
const MIN_DOWN_INTERVAL: Duration = Duration::from_secs(2);
const MIN_UP_INTERVAL: Duration = Duration::from_secs(10);

/// The latest `fraction_lost` (RFC 3550: loss since the last report, in 1/256) each SSRC's
/// receiver reported, with a counter so a reader can tell a new report from an old one.
pub(crate) type ReceiverLoss = Arc<Mutex<HashMap<u32, (u64, u8)>>>;

/// One subscription's layer cap from reported loss.
#[derive(Debug, Default)]
pub(crate) struct LossCap {
    cap: Option<u8>,
    congested: u8,
    last_change: Option<Instant>,
    last_report: u64,
}

impl LossCap {
    pub(crate) fn cap(&self) -> Option<u8> {
        self.cap
    }

    /// Feeds a report (if `seq` is new); `current` is the layer forwarded, `top` the highest
    /// layer the publication has.
    pub(crate) fn on_report(
        &mut self,
        seq: u64,
        fraction_lost: u8,
        current: Option<u8>,
        top: u8,
        now: Instant,
    ) {
        if seq == self.last_report {
            return;
        }
        self.last_report = seq;
        let percent = u32::from(fraction_lost) * 100 / 256;
        let since_change = self
            .last_change
            .map_or(Duration::MAX, |t| now.saturating_duration_since(t));
        if percent >= CONGESTED_PERCENT {
            self.congested = self.congested.saturating_add(1);
            let level = self.cap.unwrap_or(top).min(current.unwrap_or(top));
            if self.congested >= CONGESTED_REPORTS && since_change >= MIN_DOWN_INTERVAL && level > 0
            {
                self.cap = Some(level - 1);
                self.last_change = Some(now);
                self.congested = 0;
            }
            return;
        }
        self.congested = 0;
        if percent < CLEAN_PERCENT
            && let Some(cap) = self.cap
            && since_change >= MIN_UP_INTERVAL
        {
            self.cap = if cap + 1 >= top { None } else { Some(cap + 1) };
            self.last_change = Some(now);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sustained_loss_steps_down_and_clean_time_steps_back_up() {
        let mut c = LossCap::default();
        let t0 = Instant::now();
        let s = |n: u64| Duration::from_secs(n);
        let lossy = 40; // 15 %
        c.on_report(1, lossy, Some(2), 2, t0);
        assert_eq!(c.cap(), None, "one report may be a burst");
        c.on_report(1, lossy, Some(2), 2, t0 + s(1));
        assert_eq!(c.cap(), None, "the same report again is not new");
        c.on_report(2, lossy, Some(2), 2, t0 + s(1));
        assert_eq!(c.cap(), Some(1));
        c.on_report(3, lossy, Some(2), 2, t0 + s(2));
        c.on_report(4, lossy, Some(2), 2, t0 + s(2));
        assert_eq!(c.cap(), Some(1), "not twice within 2 s");
        c.on_report(5, lossy, Some(1), 2, t0 + s(4));
        c.on_report(6, lossy, Some(1), 2, t0 + s(4));
        assert_eq!(c.cap(), Some(0));
        c.on_report(7, lossy, Some(0), 2, t0 + s(7));
        c.on_report(8, lossy, Some(0), 2, t0 + s(7));
        assert_eq!(c.cap(), Some(0), "nothing below the lowest layer");
        c.on_report(9, 0, Some(0), 2, t0 + s(10));
        assert_eq!(c.cap(), Some(0), "too soon to go up");
        c.on_report(10, 0, Some(0), 2, t0 + s(15));
        assert_eq!(c.cap(), Some(1));
        c.on_report(11, 10, Some(1), 2, t0 + s(20)); // 3.9 %: neither clean nor congested
        assert_eq!(c.cap(), Some(1));
        c.on_report(12, 0, Some(1), 2, t0 + s(26));
        assert_eq!(c.cap(), None, "back to no cap");
    }
}
