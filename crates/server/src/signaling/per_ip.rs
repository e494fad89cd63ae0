//! Signaling sockets open per client address. Every joined socket holds two UDP ports of the
//! media range, and joining needs no account: without a cap one address could take them all.

use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::{Arc, Mutex};

/// The count of open sockets per address, shared by every upgrade.
#[derive(Debug, Clone, Default)]
pub struct PerIp {
    open: Arc<Mutex<HashMap<IpAddr, usize>>>,
}

/// One socket's place in its address's count; given back on drop.
#[derive(Debug)]
pub struct IpSlot {
    open: Arc<Mutex<HashMap<IpAddr, usize>>>,
    ip: IpAddr,
}

impl PerIp {
    /// A place for one more socket from `ip`, or `None` if it already has `max` open.
    pub fn take(&self, ip: IpAddr, max: usize) -> Option<IpSlot> {
        // Only counts change under this lock: a poisoned map is still valid.
        let mut open = self.open.lock().unwrap_or_else(|p| p.into_inner());
        let n = open.entry(ip).or_insert(0);
        if *n >= max {
            return None;
        }
        *n += 1;
        Some(IpSlot {
            open: self.open.clone(),
            ip,
        })
    }
}

impl Drop for IpSlot {
    fn drop(&mut self) {
        let mut open = self.open.lock().unwrap_or_else(|p| p.into_inner());
        if let Some(n) = open.get_mut(&self.ip) {
            *n = n.saturating_sub(1);
            if *n == 0 {
                open.remove(&self.ip);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_address_has_its_own_cap_and_slots_come_back() {
        let per_ip = PerIp::default();
        let a: IpAddr = "192.0.2.1".parse().expect("an IP");
        let b: IpAddr = "192.0.2.2".parse().expect("an IP");
        let first = per_ip.take(a, 2).expect("room");
        let _second = per_ip.take(a, 2).expect("room");
        assert!(per_ip.take(a, 2).is_none(), "the third from one address");
        assert!(
            per_ip.take(b, 2).is_some(),
            "another address is not affected"
        );
        drop(first);
        assert!(
            per_ip.take(a, 2).is_some(),
            "a closed socket gives its place back"
        );
        assert!(per_ip.open.lock().expect("not poisoned").get(&b).is_none());
    }
}
