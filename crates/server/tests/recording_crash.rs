//! Issue 7's proof with the real `amphi` binary: `kill -9` of the server while it records,
//! then a restart on the same data folder and database, gives a replay of everything up to
//! ≤ 5 s before the crash; `kill -9` while the replay is being made resumes the job.
//!
//! The server is a child process (SQLite in a temp folder, shared with this test, which
//! creates the room and the organiser and reads the recording's row). Two publishers send
//! real media (`testsrc2` + 440 Hz); the organiser starts and stops recording over the
//! WebSocket. `std::process::Child::kill` sends SIGKILL.
//!
//! Its ffmpeg children outlive a SIGKILL of their parent (nothing kills them): that is what
//! happens outside systemd, or with `KillMode=process`. One test leaves them running across
//! the restart (the encoder sees its input end and closes its last segment; the restarted
//! server must not finalize while an old ffmpeg still writes into the folder); another kills
//! the whole process tree at once, as a container stop or the OOM killer would (the last
//! segment is cut mid-write). With systemd's default `KillMode=control-group` the children get
//! SIGTERM and close their files before the restart: the gentler case of the first test.

mod recording_common;
mod signaling_common;

use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use amphi_proto::ServerMessage;
use amphi_store::testing::TestStore;
use amphi_store::{Recording, RecordingId, RecordingJobState, RecordingState};
use recording_common::publisher::Publisher;
use recording_common::{check, second_voice};
use serde_json::json;
use signaling_common::{Client, Harness};

const BIN: &str = env!("CARGO_BIN_EXE_amphi");

/// One server at a time: each runs a compositor and two publishers on a shared machine.
static SERIAL: tokio::sync::Mutex<()> = tokio::sync::Mutex::const_new(());

/// The room `team` (open) and its owner in a fresh SQLite database, with signaling_common's
/// helpers: its in-process server stays idle, `base` points them at the binary (the
/// organiser's Login goes into the shared database, which the binary reads).
async fn world() -> Harness {
    signaling_common::start(None, None, None).await
}

/// Points `h`'s WebSocket clients at `server`.
fn aim(h: &mut Harness, server: &Server) {
    h.base = server.http.replacen("http://", "ws://", 1);
}

/// The `amphi` binary, serving.
struct Server {
    child: Child,
    http: String,
}

impl Server {
    /// Starts `amphi` on `data` and `db_url` with a small composition (a busy machine) and
    /// no free-disk guard; returns once it listens.
    fn start(data: &Path, db_url: &str) -> Server {
        let mut child = Command::new(BIN)
            .env_clear()
            .env("PATH", std::env::var("PATH").unwrap_or_default())
            .env("AMPHI_HTTP_LISTEN", "127.0.0.1:0")
            .env("AMPHI_DATA_DIR", data)
            .env("DATABASE_URL", db_url)
            .env("AMPHI_MEDIA_BIND_IP", "127.0.0.1")
            .env("AMPHI_MEDIA_ANNOUNCED_IPS", "127.0.0.1")
            .env("AMPHI_RECORDING_WIDTH", "640")
            .env("AMPHI_RECORDING_HEIGHT", "360")
            .env("AMPHI_RECORDING_FPS", "15")
            .env("AMPHI_RECORDING_VIDEO_KBPS", "600")
            .env("AMPHI_RECORDING_AUDIO_KBPS", "96")
            .env("AMPHI_RECORDING_MIN_FREE_START_BYTES", "0")
            .env("AMPHI_RECORDING_MIN_FREE_STOP_BYTES", "0")
            .env("AMPHI_LOG", "warn,amphi_server::recording=info")
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .expect("amphi starts");
        let stdout = child.stdout.take().expect("piped stdout");
        let (tx, rx) = std::sync::mpsc::channel();
        std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines().map_while(Result::ok) {
                let _ = tx.send(line);
            }
        });
        let first = rx
            .recv_timeout(Duration::from_secs(60))
            .expect("amphi says where it listens");
        let http = first
            .strip_prefix("amphi: listening on ")
            .unwrap_or_else(|| panic!("first line: {first}"))
            .to_owned();
        Server { child, http }
    }

    fn pid(&self) -> u32 {
        self.child.id()
    }

    /// `kill -9` (std sends SIGKILL), then reaps it.
    fn kill_9(&mut self) {
        self.child.kill().expect("SIGKILL sent");
        let status = self.child.wait().expect("reaped");
        assert_eq!(
            std::os::unix::process::ExitStatusExt::signal(&status),
            Some(9),
            "{status:?}"
        );
    }
}

impl Drop for Server {
    /// A failed assertion must not leave a server running.
    fn drop(&mut self) {
        if matches!(self.child.try_wait(), Ok(None)) {
            let _ = self.child.kill();
            let _ = self.child.wait();
        }
    }
}

/// Processes of a killed server's tree (its ffmpeg children): SIGKILLed when the test ends,
/// whatever happened, so none outlives the test.
struct Leftovers(Vec<u32>);

impl Drop for Leftovers {
    fn drop(&mut self) {
        for pid in self.0.iter().filter(|p| alive(**p)) {
            let _ = Command::new("kill")
                .args(["-KILL", &pid.to_string()])
                .status();
        }
    }
}

/// Every process below `pid` (Linux `/proc`).
fn descendants(pid: u32) -> Vec<u32> {
    let mut all = Vec::new();
    let mut stack = vec![pid];
    while let Some(p) = stack.pop() {
        for task in std::fs::read_dir(format!("/proc/{p}/task"))
            .into_iter()
            .flatten()
            .flatten()
        {
            if let Ok(children) = std::fs::read_to_string(task.path().join("children")) {
                for c in children.split_whitespace().filter_map(|c| c.parse().ok()) {
                    all.push(c);
                    stack.push(c);
                }
            }
        }
    }
    all
}

/// Whether `pid` runs (a zombie does not).
fn alive(pid: u32) -> bool {
    std::fs::read_to_string(format!("/proc/{pid}/stat"))
        .ok()
        .and_then(|s| {
            s.rsplit_once(')')
                .map(|(_, r)| r.trim_start().chars().next())
        })
        .flatten()
        .is_some_and(|state| state != 'Z' && state != 'X')
}

/// A process's arguments, space-separated.
fn cmdline(pid: u32) -> String {
    std::fs::read(format!("/proc/{pid}/cmdline"))
        .map(|b| String::from_utf8_lossy(&b).replace('\0', " "))
        .unwrap_or_default()
}

/// Waits until the server has received media for a while (both publishers flowing).
async fn wait_media(http: &str) {
    let client = reqwest::Client::new();
    for _ in 0..300 {
        let body = client
            .get(format!("{http}/metrics"))
            .send()
            .await
            .expect("GET /metrics")
            .text()
            .await
            .expect("body");
        let received = body
            .lines()
            .find(|l| l.starts_with("amphi_sfu_packets_received_total"))
            .and_then(|l| l.rsplit(' ').next())
            .and_then(|v| v.parse::<u64>().ok())
            .unwrap_or(0);
        if received > 1000 {
            return;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("no media reached the server");
}

/// The organiser, joined; two publishers (camera + microphone each), media flowing.
async fn meeting(h: &Harness, http: &str) -> (Client, Vec<Publisher>) {
    let (organiser, _) = h.join_as(&h.owner, "Owner").await;
    let media = recording_common::media().await;
    let alice = Publisher::join(h, "Alice", "camera", true, &media).await;
    // Another pitch: the same tone from two publishers may cancel out in the mix.
    let bob = Publisher::join(h, "Bob", "camera", true, &second_voice().await).await;
    wait_media(http).await;
    (organiser, vec![alice, bob])
}

/// `start_recording` over the WebSocket; the recording's id once everyone is told.
async fn start_recording(organiser: &mut Client) -> RecordingId {
    organiser
        .send(json!({"type": "start_recording", "webcams": true, "audio_only": false}))
        .await;
    let m = organiser
        .recv_until("recording_updated", |m| {
            matches!(
                m,
                ServerMessage::RecordingUpdated {
                    recording: Some(_),
                    ..
                } | ServerMessage::Error { .. }
            )
        })
        .await;
    match m {
        ServerMessage::RecordingUpdated {
            recording: Some(info),
            ..
        } => RecordingId::new(info.id),
        other => panic!("recording refused: {other:?}"),
    }
}

async fn row(db: &TestStore, id: &RecordingId) -> Recording {
    db.store
        .recording(id)
        .await
        .expect("read")
        .expect("the recording's row")
}

/// Polls the database until the recording is `ready` (fails on `failed`).
async fn wait_ready(db: &TestStore, id: &RecordingId, within: Duration) -> Recording {
    let deadline = Instant::now() + within;
    loop {
        let r = row(db, id).await;
        match r.state {
            RecordingState::Ready => return r,
            RecordingState::Failed => panic!("processing failed: {:?}", r.error),
            RecordingState::Recording | RecordingState::Processing => {}
        }
        assert!(
            Instant::now() < deadline,
            "not ready within {within:?}: {:?} {}%",
            r.state,
            r.progress
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}

/// After recovery: the folder holds the replay alone, and no process works in it any more.
async fn assert_settled(dir: &Path) {
    let needle = format!("{}/", dir.display());
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        let files: Vec<String> = std::fs::read_dir(dir)
            .expect("the recording's folder")
            .flatten()
            .map(|e| e.file_name().to_string_lossy().into_owned())
            .collect();
        let writers: Vec<u32> = std::fs::read_dir("/proc")
            .expect("/proc")
            .flatten()
            .filter_map(|e| e.file_name().to_str()?.parse::<u32>().ok())
            .filter(|p| alive(*p) && cmdline(*p).contains(&needle))
            .collect();
        if files == ["replay.mp4"] && writers.is_empty() {
            return;
        }
        assert!(
            Instant::now() < deadline,
            "left behind: files {files:?}, processes {writers:?}"
        );
        tokio::time::sleep(Duration::from_millis(250)).await;
    }
}

/// How the crash takes the ffmpeg children.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Children {
    /// They outlive the server (nothing kills them) and still run when it restarts.
    Survive,
    /// SIGKILLed with the server, at the same instant.
    DieWithIt,
}

/// Records ~15 s, `kill -9`, restarts at once: the replay covers up to ≤ 5 s before the crash.
async fn crash_while_recording(children: Children) {
    let _serial = SERIAL.lock().await;
    let mut h = world().await;
    let data_dir = tempfile::tempdir().expect("temp dir");
    let data = data_dir.path().to_owned();
    let url = h.db.url.clone();
    let mut server = Server::start(&data, &url);
    aim(&mut h, &server);
    let rec_root = data.join("recordings");
    let (mut organiser, publishers) = meeting(&h, &server.http).await;
    let id = start_recording(&mut organiser).await;
    let started = Instant::now();
    let dir = rec_root.join(id.as_str());
    tokio::time::sleep(Duration::from_secs(15)).await;

    let family = descendants(server.pid());
    let in_folder: Vec<u32> = family
        .iter()
        .copied()
        .filter(|p| cmdline(*p).contains(&format!("{}/", dir.display())))
        .collect();
    assert_eq!(in_folder.len(), 1, "one encoder writes the segments");
    server.kill_9();
    let crashed_after = started.elapsed().as_secs_f64();
    if children == Children::DieWithIt {
        // Right after the server (which cannot react any more): the encoder is cut in the
        // middle of a segment.
        let mut kill = Command::new("kill");
        kill.arg("-KILL");
        for p in &family {
            kill.arg(p.to_string());
        }
        let _ = kill.status().expect("kill runs");
    }
    let _leftovers = Leftovers(family.clone());
    drop(publishers);
    drop(organiser);
    let left = row(&h.db, &id).await;
    assert_eq!(left.state, RecordingState::Recording, "nobody was told");
    let orphans = family.iter().filter(|p| alive(**p)).count();
    println!(
        "{children:?}: killed after {crashed_after:.1} s; {} children, {orphans} alive after the kill",
        family.len()
    );
    let encoder_alive = in_folder.iter().any(|p| alive(*p));
    println!("{children:?}: the encoder still runs at the restart: {encoder_alive}");

    // Restart at once, on the same folder and database.
    let _server = Server::start(&data, &url);
    let ready = wait_ready(&h.db, &id, Duration::from_secs(90)).await;
    let secs = ready.duration_ms.expect("a duration") as f64 / 1000.0;
    println!("{children:?}: replay of {secs:.1} s for a crash after {crashed_after:.1} s");
    assert!(
        secs >= crashed_after - 5.0,
        "up to ≤ 5 s before the crash: {secs} s of {crashed_after} s"
    );
    assert!(secs <= crashed_after + 1.0, "{secs} s of {crashed_after} s");
    check::assert_replay(&dir.join("replay.mp4"), secs, 0.5, true);
    assert_settled(&dir).await;
    let still: Vec<(u32, String)> = family
        .iter()
        .filter(|p| alive(**p))
        .map(|p| (*p, cmdline(*p)))
        .collect();
    println!("{children:?}: still running from the killed server: {still:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn kill_9_while_recording_children_survive() {
    crash_while_recording(Children::Survive).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn kill_9_while_recording_whole_tree() {
    crash_while_recording(Children::DieWithIt).await;
}

/// Records ~8 s, stops, and `kill -9`s the server while its finalize job runs: the restart
/// runs the job again, and the replay is whole.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn kill_9_while_processing_resumes_the_job() {
    let _serial = SERIAL.lock().await;
    let mut h = world().await;
    let data_dir = tempfile::tempdir().expect("temp dir");
    let data = data_dir.path().to_owned();
    let url = h.db.url.clone();
    let mut server = Server::start(&data, &url);
    aim(&mut h, &server);
    let (mut organiser, publishers) = meeting(&h, &server.http).await;
    let id = start_recording(&mut organiser).await;
    let started = Instant::now();
    tokio::time::sleep(Duration::from_secs(8)).await;
    organiser.send(json!({"type": "stop_recording"})).await;
    let recorded = started.elapsed().as_secs_f64();

    // The moment the worker claims the job (its row says `running`), the server dies.
    let deadline = Instant::now() + Duration::from_secs(30);
    let family = loop {
        let jobs = h.db.store.unfinished_recording_jobs().await.expect("jobs");
        if jobs
            .iter()
            .any(|j| j.recording_id == id && j.state == RecordingJobState::Running)
        {
            let family = descendants(server.pid());
            server.kill_9();
            break family;
        }
        assert!(Instant::now() < deadline, "the finalize job never ran");
        tokio::time::sleep(Duration::from_millis(5)).await;
    };
    let _leftovers = Leftovers(family);
    drop(publishers);
    drop(organiser);
    let jobs = h.db.store.unfinished_recording_jobs().await.expect("jobs");
    assert!(
        jobs.iter()
            .any(|j| j.recording_id == id && j.state == RecordingJobState::Running),
        "killed while the job ran: {jobs:?}"
    );
    assert_eq!(row(&h.db, &id).await.state, RecordingState::Processing);

    let _server = Server::start(&data, &url);
    let ready = wait_ready(&h.db, &id, Duration::from_secs(90)).await;
    let secs = ready.duration_ms.expect("a duration") as f64 / 1000.0;
    println!("processing killed; replay of {secs:.1} s for {recorded:.1} s recorded");
    assert!(
        h.db.store
            .unfinished_recording_jobs()
            .await
            .expect("jobs")
            .is_empty()
    );
    let dir = data.join("recordings").join(id.as_str());
    check::assert_replay(&dir.join("replay.mp4"), secs, 0.5, true);
    assert!((secs - recorded).abs() <= 2.0, "{secs} s of {recorded} s");
    assert_settled(&dir).await;
}
