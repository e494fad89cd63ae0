//! A real SMTP server for tests: aiosmtpd (Python) on 127.0.0.1, delivering each mail as a
//! file in a temporary Maildir. Mails are read back through Python's own `email` package, so
//! the MIME structure (multipart/alternative, encodings, encoded subjects) is checked by an
//! independent parser, not by ours.
//!
//! ```ignore
//! let sink = SmtpSink::start().await;
//! // configure the server with `sink.url()` as `[mail] smtp_url`, make it send a mail...
//! let mail = sink.wait_for_mail_to("ann@example.org").await;
//! assert_eq!(mail.subject, "...");
//! assert!(mail.text.as_deref().unwrap_or("").contains("..."));
//! ```
//!
//! Python comes from `AMPHI_TEST_PYTHON`, else `<repo>/.venv/bin/python` (made by
//! `scripts/install-deps`, with aiosmtpd from tests/requirements.txt). If it is missing the
//! test FAILS with a message saying so: a mail test never passes without sending mail.
#![allow(dead_code)] // each test binary uses a different subset

use std::net::{Ipv4Addr, TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// Reads every mail of a Maildir (argument 1) and prints them as a JSON list, oldest first.
const READ_MAILDIR: &str = r#"
import email, email.policy, json, os, sys
new = os.path.join(sys.argv[1], "new")
names = sorted(os.listdir(new), key=lambda n: (os.stat(os.path.join(new, n)).st_mtime_ns, n))
out = []
for name in names:
    with open(os.path.join(new, name), "rb") as f:
        raw = f.read()
    msg = email.message_from_bytes(raw, policy=email.policy.default)
    text = html = None
    parts = []
    for part in msg.walk():
        ctype = part.get_content_type()
        parts.append(ctype)
        if part.is_multipart():
            continue
        if ctype == "text/plain" and text is None:
            text = part.get_content()
        elif ctype == "text/html" and html is None:
            html = part.get_content()
    out.append({
        "mail_from": msg.get("X-MailFrom", ""),
        "rcpt_to": [a.strip() for a in str(msg.get("X-RcptTo", "")).split(",") if a.strip()],
        "from": str(msg.get("From", "")),
        "to": str(msg.get("To", "")),
        "subject": str(msg.get("Subject", "")),
        "content_type": msg.get_content_type(),
        "parts": parts,
        "text": text,
        "html": html,
        "raw": raw.decode("utf-8", "replace"),
    })
json.dump(out, sys.stdout)
"#;

/// One mail the sink received.
#[derive(Debug, Clone)]
pub struct ReceivedMail {
    /// The envelope: `MAIL FROM` and `RCPT TO` as the SMTP server saw them.
    pub mail_from: String,
    pub rcpt_to: Vec<String>,
    /// Headers, decoded (RFC 2047 encoded words become text).
    pub from: String,
    pub to: String,
    pub subject: String,
    /// The top-level type, e.g. `multipart/alternative`.
    pub content_type: String,
    /// Every part's type in tree order, the top level first.
    pub parts: Vec<String>,
    /// The first `text/plain` part, decoded (quoted-printable or base64 undone).
    pub text: Option<String>,
    /// The first `text/html` part, decoded.
    pub html: Option<String>,
    /// The message as delivered.
    pub raw: String,
}

/// A running aiosmtpd; stopped (killed) when dropped.
pub struct SmtpSink {
    child: Option<Child>,
    port: u16,
    python: PathBuf,
    dir: tempfile::TempDir,
}

/// The Python to run: `AMPHI_TEST_PYTHON`, else the repository's `.venv`.
pub fn python() -> PathBuf {
    if let Some(p) = std::env::var_os("AMPHI_TEST_PYTHON").filter(|p| !p.is_empty()) {
        return PathBuf::from(p);
    }
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../.venv/bin/python")
}

/// A port free now and never handed out before in this process. Without the memory, two
/// tests starting sinks at once could be given the same just-released port: one aiosmtpd then
/// fails to bind, its test talks to the other's sink, and gets "connection refused" once that
/// test stops it.
fn free_port() -> u16 {
    static GIVEN: std::sync::Mutex<Vec<u16>> = std::sync::Mutex::new(Vec::new());
    let mut given = GIVEN.lock().unwrap_or_else(|e| e.into_inner());
    loop {
        let listener = TcpListener::bind((Ipv4Addr::LOCALHOST, 0)).expect("binding a free port");
        let port = listener.local_addr().expect("bound address").port();
        if !given.contains(&port) {
            given.push(port);
            return port;
        }
    }
}

impl SmtpSink {
    /// Starts aiosmtpd on a free port of 127.0.0.1 and waits until it accepts connections.
    pub async fn start() -> SmtpSink {
        let python = python();
        assert!(
            python.exists(),
            "no Python at {}: run scripts/install-deps (it makes .venv with aiosmtpd from \
             tests/requirements.txt), or set AMPHI_TEST_PYTHON to a Python that has aiosmtpd",
            python.display()
        );
        let dir = tempfile::tempdir().expect("temp Maildir");
        let maildir = dir.path().join("Maildir");
        let port = free_port();
        // A file, not a pipe: nobody reads while it runs, and a full pipe would block it.
        let log = std::fs::File::create(dir.path().join("aiosmtpd.log")).expect("log file");
        let child = Command::new(&python)
            .args(["-m", "aiosmtpd", "-n", "-l"])
            .arg(format!("127.0.0.1:{port}"))
            .args(["-c", "aiosmtpd.handlers.Mailbox"])
            .arg(&maildir)
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(log)
            .spawn()
            .unwrap_or_else(|e| panic!("cannot run {}: {e}", python.display()));
        let mut sink = SmtpSink {
            child: Some(child),
            port,
            python,
            dir,
        };
        sink.wait_until_listening().await;
        sink
    }

    async fn wait_until_listening(&mut self) {
        let deadline = Instant::now() + Duration::from_secs(15);
        loop {
            if TcpStream::connect((Ipv4Addr::LOCALHOST, self.port)).is_ok() {
                return;
            }
            let child = self.child.as_mut().expect("running");
            if let Ok(Some(status)) = child.try_wait() {
                let stderr = std::fs::read_to_string(self.dir.path().join("aiosmtpd.log"))
                    .unwrap_or_default();
                panic!(
                    "aiosmtpd exited ({status}) before listening: {stderr}\nIs aiosmtpd \
                     installed? Run scripts/install-deps (tests/requirements.txt)."
                );
            }
            assert!(
                Instant::now() < deadline,
                "aiosmtpd did not listen on 127.0.0.1:{} within 15 s",
                self.port
            );
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }

    pub fn port(&self) -> u16 {
        self.port
    }

    /// The server's `[mail] smtp_url` for this sink: `smtp://127.0.0.1:<port>`.
    pub fn url(&self) -> String {
        format!("smtp://127.0.0.1:{}", self.port)
    }

    /// Every mail received so far, oldest first.
    pub fn mails(&self) -> Vec<ReceivedMail> {
        let maildir = self.dir.path().join("Maildir");
        if !maildir.join("new").exists() {
            return Vec::new();
        }
        let out = Command::new(&self.python)
            .args(["-c", READ_MAILDIR])
            .arg(&maildir)
            .output()
            .expect("running the Maildir reader");
        assert!(
            out.status.success(),
            "reading the Maildir failed: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        let list: Vec<serde_json::Value> =
            serde_json::from_slice(&out.stdout).expect("the reader prints JSON");
        list.iter().map(received).collect()
    }

    /// Waits (up to 15 s) until at least `n` mails arrived; returns them all.
    pub async fn wait_for(&self, n: usize) -> Vec<ReceivedMail> {
        let deadline = Instant::now() + Duration::from_secs(15);
        loop {
            let mails = self.mails();
            if mails.len() >= n {
                return mails;
            }
            assert!(
                Instant::now() < deadline,
                "expected {n} mails within 15 s, got {}",
                mails.len()
            );
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    /// Waits (up to 15 s) for the latest mail whose envelope includes `address`.
    pub async fn wait_for_mail_to(&self, address: &str) -> ReceivedMail {
        let deadline = Instant::now() + Duration::from_secs(15);
        loop {
            if let Some(mail) = self.mails_to(address).pop() {
                return mail;
            }
            assert!(
                Instant::now() < deadline,
                "no mail to {address} within 15 s"
            );
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    /// The mails whose envelope includes `address` (case-insensitive), oldest first.
    pub fn mails_to(&self, address: &str) -> Vec<ReceivedMail> {
        self.mails()
            .into_iter()
            .filter(|m| m.rcpt_to.iter().any(|r| r.eq_ignore_ascii_case(address)))
            .collect()
    }

    /// Stops the server (later connections are refused); the mails stay readable.
    pub fn stop(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }
}

impl Drop for SmtpSink {
    fn drop(&mut self) {
        self.stop();
    }
}

fn received(v: &serde_json::Value) -> ReceivedMail {
    let s = |k: &str| v[k].as_str().unwrap_or_default().to_owned();
    let list = |k: &str| {
        v[k].as_array()
            .map(|a| {
                a.iter()
                    .filter_map(|x| x.as_str().map(str::to_owned))
                    .collect()
            })
            .unwrap_or_default()
    };
    ReceivedMail {
        mail_from: s("mail_from"),
        rcpt_to: list("rcpt_to"),
        from: s("from"),
        to: s("to"),
        subject: s("subject"),
        content_type: s("content_type"),
        parts: list("parts"),
        text: v["text"].as_str().map(str::to_owned),
        html: v["html"].as_str().map(str::to_owned),
        raw: s("raw"),
    }
}
