//! Shared by the streaming tests (streaming_*.rs): a real RTMP server on 127.0.0.1 (nginx with
//! libnginx-mod-rtmp, `record all` into a temp folder, one process in the foreground so a
//! test can kill it and start it again on the same port), ffprobe of what it received, and a
//! log capture to prove the stream key never reaches a log line.
#![allow(dead_code)] // each test file uses a part

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex, OnceLock};
use std::time::Duration;

pub const NGINX: &str = "/usr/sbin/nginx";
pub const RTMP_MODULE: &str = "/usr/lib/nginx/modules/ngx_rtmp_module.so";

/// nginx-rtmp recording every published stream to `rec/` (`<key>-<unix time>.flv`).
pub struct RtmpServer {
    pub port: u16,
    dir: tempfile::TempDir,
    child: Option<Child>,
}

impl RtmpServer {
    /// Starts it on a free port. Panics (the test fails) when nginx or its RTMP module is
    /// missing: scripts/install-deps installs them.
    pub fn start() -> RtmpServer {
        assert!(
            Path::new(NGINX).exists() && Path::new(RTMP_MODULE).exists(),
            "nginx with libnginx-mod-rtmp is needed (scripts/install-deps)"
        );
        let port = free_port();
        let dir = tempfile::tempdir().expect("temp dir");
        for sub in ["rec", "logs", "tmp"] {
            std::fs::create_dir_all(dir.path().join(sub)).expect("mkdir");
        }
        let root = dir.path().display();
        let conf = format!(
            "load_module {RTMP_MODULE};\n\
             user root;\ndaemon off;\nmaster_process off;\nworker_processes 1;\n\
             pid {root}/nginx.pid;\nerror_log {root}/logs/error.log info;\n\
             events {{ worker_connections 64; }}\n\
             rtmp {{ server {{ listen 127.0.0.1:{port}; chunk_size 4096;\n\
               application live {{ live on; record all; record_path {root}/rec; record_unique on; }}\n\
             }} }}\n"
        );
        std::fs::write(dir.path().join("nginx.conf"), conf).expect("write nginx.conf");
        let mut server = RtmpServer {
            port,
            dir,
            child: None,
        };
        server.restart();
        server
    }

    /// `rtmp://127.0.0.1:PORT/live`: the URL a room's settings take (the key comes after).
    pub fn url(&self) -> String {
        format!("rtmp://127.0.0.1:{}/live", self.port)
    }

    /// (Re)starts nginx on the same port and waits until it accepts connections.
    pub fn restart(&mut self) {
        assert!(self.child.is_none(), "already running");
        let root = self.dir.path();
        let child = Command::new(NGINX)
            .arg("-p")
            .arg(root)
            .arg("-c")
            .arg(root.join("nginx.conf"))
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("nginx starts");
        self.child = Some(child);
        for _ in 0..100 {
            if std::net::TcpStream::connect(("127.0.0.1", self.port)).is_ok() {
                return;
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        panic!("nginx-rtmp did not listen on {}", self.port);
    }

    /// Kills the server at once (SIGKILL): publishers see their connection drop.
    pub fn kill(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }

    /// The recordings received so far, oldest first.
    pub fn recordings(&self) -> Vec<PathBuf> {
        let mut files: Vec<PathBuf> = std::fs::read_dir(self.dir.path().join("rec"))
            .expect("rec dir")
            .filter_map(|e| e.ok().map(|e| e.path()))
            .filter(|p| p.extension().is_some_and(|x| x == "flv"))
            .collect();
        files.sort_by_key(|p| {
            std::fs::metadata(p)
                .and_then(|m| m.modified())
                .unwrap_or(std::time::SystemTime::UNIX_EPOCH)
        });
        files
    }
}

impl Drop for RtmpServer {
    fn drop(&mut self) {
        self.kill();
    }
}

/// A port free now and never handed out before in this process: two servers of one test
/// binary must not be given the same just-released port.
pub fn free_port() -> u16 {
    static GIVEN: std::sync::Mutex<Vec<u16>> = std::sync::Mutex::new(Vec::new());
    let mut given = GIVEN.lock().unwrap_or_else(|e| e.into_inner());
    loop {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
        let port = listener.local_addr().expect("addr").port();
        if !given.contains(&port) {
            given.push(port);
            return port;
        }
    }
}

/// What ffprobe says of a received file.
#[derive(Debug)]
pub struct Probe {
    pub codecs: Vec<String>,
    pub duration: f64,
}

pub fn probe(file: &Path) -> Probe {
    let out = Command::new("ffprobe")
        .args([
            "-v",
            "error",
            "-show_entries",
            "stream=codec_name:format=duration",
            "-of",
            "default=noprint_wrappers=1",
        ])
        .arg(file)
        .output()
        .expect("ffprobe runs (scripts/install-deps installs ffmpeg)");
    let text = String::from_utf8_lossy(&out.stdout);
    let mut probe = Probe {
        codecs: Vec::new(),
        duration: 0.0,
    };
    for line in text.lines() {
        if let Some(c) = line.strip_prefix("codec_name=") {
            probe.codecs.push(c.to_owned());
        } else if let Some(d) = line.strip_prefix("duration=") {
            probe.duration = d.parse().unwrap_or(0.0);
        }
    }
    probe
}

/// Waits (up to `secs`) for `check` to hold, polling.
pub async fn eventually(secs: u64, what: &str, mut check: impl FnMut() -> bool) {
    let end = tokio::time::Instant::now() + Duration::from_secs(secs);
    while tokio::time::Instant::now() < end {
        if check() {
            return;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("{what}: not within {secs} s");
}

/// Every log line of this test process (all targets, down to TRACE for ours), kept in memory
/// so a test can search it for a secret.
#[derive(Clone, Default)]
pub struct LogCapture(Arc<Mutex<Vec<u8>>>);

impl LogCapture {
    /// Installs the capture as the process's subscriber (once per test binary).
    pub fn install() -> LogCapture {
        static CAPTURE: OnceLock<LogCapture> = OnceLock::new();
        CAPTURE
            .get_or_init(|| {
                let capture = LogCapture::default();
                let writer = capture.clone();
                tracing_subscriber::fmt()
                    .with_env_filter("debug,amphi_server=trace")
                    .with_writer(move || writer.clone())
                    .with_ansi(false)
                    .init();
                capture
            })
            .clone()
    }

    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.0.lock().unwrap_or_else(|p| p.into_inner())).into_owned()
    }
}

impl Write for LogCapture {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .extend_from_slice(buf);
        Ok(buf.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}
