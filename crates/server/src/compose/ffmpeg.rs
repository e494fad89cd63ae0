//! Starting the ffmpeg children of the compositor: no shell, stderr kept (its last lines say
//! why a child failed), killed when dropped, and a free pair of local UDP ports for an RTP
//! input (ffmpeg takes the even port for RTP and the next for RTCP).

use std::net::UdpSocket;
use std::process::Stdio;
use std::sync::{Arc, Mutex};

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
