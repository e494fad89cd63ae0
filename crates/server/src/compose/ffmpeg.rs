//! Starting the ffmpeg children of the compositor: no shell, stderr kept (its last lines say
//! why a child failed), killed when dropped, and a free pair of local UDP ports for an RTP
//! input (ffmpeg takes the even port for RTP and the next for RTCP).

use std::net::UdpSocket;
use std::process::Stdio;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use tokio::io::{AsyncBufReadExt, BufReader};
use tokio::process::{Child, Command};

use super::ComposeError;

/// The last lines ffmpeg wrote on stderr.
#[derive(Clone, Default)]
pub struct Tail(Arc<Mutex<Vec<String>>>);

impl Tail {
    fn push(&self, line: String) {
        let mut lines = self.0.lock().unwrap_or_else(|p| p.into_inner());
        if lines.len() >= 8 {
            lines.remove(0);
        }
        lines.push(line);
    }

    pub fn text(&self) -> String {
        self.0.lock().unwrap_or_else(|p| p.into_inner()).join(" | ")
    }
}

/// Spawns `ffmpeg args` with piped stdin/stdout, stderr read into a [`Tail`].
pub fn spawn(args: &[String]) -> Result<(Child, Tail), ComposeError> {
    let mut child = Command::new("ffmpeg")
        .args(["-hide_banner", "-nostdin", "-loglevel", "error"])
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .kill_on_drop(true)
        .spawn()
        .map_err(|e| ComposeError::Ffmpeg(format!("cannot start ffmpeg: {e}")))?;
    let tail = Tail::default();
    read_stderr(&mut child, &tail);
    Ok((child, tail))
}

/// Keeps the child's last stderr lines in `tail` (and in the debug log).
pub fn read_stderr(child: &mut Child, tail: &Tail) {
    if let Some(stderr) = child.stderr.take() {
        let tail = tail.clone();
        tokio::spawn(async move {
            let mut lines = BufReader::new(stderr).lines();
            while let Ok(Some(line)) = lines.next_line().await {
                tracing::debug!(target: "amphi::compose::ffmpeg", "{line}");
                tail.push(line);
            }
        });
    }
}

/// An even local UDP port whose successor is free too, for an RTP input. (Free now: another
/// process may take it before ffmpeg binds it; then that input fails and is started again.)
pub fn free_rtp_port() -> Result<u16, ComposeError> {
    for _ in 0..50 {
        let probe = UdpSocket::bind("127.0.0.1:0")
            .map_err(|e| ComposeError::Ffmpeg(format!("no local UDP port: {e}")))?;
        let port = probe.local_addr().map(|a| a.port()).unwrap_or(0) & !1;
        drop(probe);
        if port < 1024 {
            continue;
        }
        let both = UdpSocket::bind(("127.0.0.1", port))
            .and_then(|a| UdpSocket::bind(("127.0.0.1", port + 1)).map(|b| (a, b)));
        if both.is_ok() {
            return Ok(port);
        }
    }
    Err(ComposeError::Ffmpeg(
        "no free pair of local UDP ports".into(),
    ))
}

/// Waits until some socket listens on local UDP `port` (the decoder ffmpeg, once it has read
/// its SDP), at most `within`; `false` if it did not. Packets sent before are lost, and the
/// first ones carry the keyframe the tap asked for. Reads Linux's `/proc/net/udp` (and
/// `udp6`); elsewhere it just waits `within`.
pub async fn wait_listening(port: u16, child: &mut Child, within: Duration) -> bool {
    let deadline = tokio::time::Instant::now() + within;
    while tokio::time::Instant::now() < deadline {
        match udp_port_bound(port).await {
            Some(true) => return true,
            Some(false) => {}
            None => {
                tokio::time::sleep_until(deadline).await;
                return false;
            }
        }
        if !matches!(child.try_wait(), Ok(None)) {
            return false;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    false
}

/// Whether a local UDP socket is bound to `port`; `None` if the system does not say.
async fn udp_port_bound(port: u16) -> Option<bool> {
    let mut known = false;
    for table in ["/proc/net/udp", "/proc/net/udp6"] {
        let Ok(text) = tokio::fs::read_to_string(table).await else {
            continue;
        };
        known = true;
        if listed(&text, port) {
            return Some(true);
        }
    }
    known.then_some(false)
}

/// Whether a `/proc/net/udp` table lists a socket whose local address has `port`.
fn listed(table: &str, port: u16) -> bool {
    table.lines().skip(1).any(|line| {
        line.split_whitespace()
            .nth(1)
            .and_then(|local| local.rsplit(':').next())
            .and_then(|hex| u16::from_str_radix(hex, 16).ok())
            == Some(port)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn proc_udp_ports_are_read() {
        let table = "  sl  local_address rem_address   st tx_queue rx_queue\n\
                     \x20 12: 0100007F:A028 00000000:0000 07 00000000:00000000\n";
        assert!(listed(table, 0xA028));
        assert!(!listed(table, 0xA029));
        assert!(!listed("  sl  local_address\n", 0xA028));
    }

    #[tokio::test]
    async fn a_bound_port_is_seen() {
        let socket = UdpSocket::bind("127.0.0.1:0").expect("bind");
        let port = socket.local_addr().expect("addr").port();
        assert_eq!(udp_port_bound(port).await, Some(true));
    }
}
