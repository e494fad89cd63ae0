//! The UDP port range: each peer connection binds its own socket (webrtc-rs has no single-port
//! mux), so ports are handed out from the configured range and given back on close.

use std::collections::BTreeSet;
use std::sync::Mutex;

/// Hands out ports of an inclusive range, round robin, never one that is already lent.
/// A port that turns out busy (another process) is reported with [`PortAllocator::skip`] and
/// the caller asks again.
pub(crate) struct PortAllocator {
    min: u16,
    max: u16,
    state: Mutex<State>,
}

struct State {
    in_use: BTreeSet<u16>,
    next: u16,
}

impl PortAllocator {
    pub(crate) fn new(min: u16, max: u16) -> Self {
        Self {
            min,
            max,
            state: Mutex::new(State {
                in_use: BTreeSet::new(),
                next: min,
            }),
        }
    }

    pub(crate) fn range(&self) -> (u16, u16) {
        (self.min, self.max)
    }

    /// Lends the next port not already lent, or `None` when all are.
    pub(crate) fn acquire(&self) -> Option<u16> {
        let mut st = self.lock();
        let span = u32::from(self.max - self.min) + 1;
        for _ in 0..span {
            let port = st.next;
            st.next = if port >= self.max { self.min } else { port + 1 };
            if st.in_use.insert(port) {
                return Some(port);
            }
        }
        None
    }

    /// Gives a port back.
    pub(crate) fn release(&self, port: u16) {
        self.lock().in_use.remove(&port);
    }

    pub(crate) fn in_use(&self) -> usize {
        self.lock().in_use.len()
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, State> {
        // A panic while holding this lock cannot leave the set inconsistent (single inserts and
        // removes), so a poisoned lock is still usable.
        self.state.lock().unwrap_or_else(|p| p.into_inner())
    }
}

/// A port lent by a [`PortAllocator`], given back when dropped.
pub(crate) struct PortLease {
    port: u16,
    owner: std::sync::Arc<crate::Shared>,
}

impl PortLease {
    pub(crate) fn new(port: u16, owner: std::sync::Arc<crate::Shared>) -> Self {
        Self { port, owner }
    }
}

impl Drop for PortLease {
    fn drop(&mut self) {
        self.owner.ports.release(self.port);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lends_each_port_once_and_wraps_after_release() {
        let a = PortAllocator::new(5000, 5002);
        assert_eq!(a.acquire(), Some(5000));
        assert_eq!(a.acquire(), Some(5001));
        assert_eq!(a.acquire(), Some(5002));
        assert_eq!(a.acquire(), None, "all lent");
        a.release(5001);
        assert_eq!(a.acquire(), Some(5001));
        assert_eq!(a.in_use(), 3);
    }

    #[test]
    fn round_robin_skips_lent_ports() {
        let a = PortAllocator::new(10, 13);
        let p0 = a.acquire().unwrap(); // 10
        let _p1 = a.acquire().unwrap(); // 11
        a.release(p0);
        // next is 12, then 13, then wraps to 10 (free again), 11 is lent
        assert_eq!(a.acquire(), Some(12));
        assert_eq!(a.acquire(), Some(13));
        assert_eq!(a.acquire(), Some(10));
        assert_eq!(a.acquire(), None);
    }

    #[test]
    fn single_port_range() {
        let a = PortAllocator::new(65535, 65535);
        assert_eq!(a.acquire(), Some(65535));
        assert_eq!(a.acquire(), None);
        a.release(65535);
        assert_eq!(a.acquire(), Some(65535));
    }
}
