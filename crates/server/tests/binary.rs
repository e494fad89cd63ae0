//! The real `amphi` binary: start-up lines, the CLI, configuration errors, clean shutdown.

use std::io::{BufRead, BufReader, Write};
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::time::Duration;

use amphi_store::Backend;
use amphi_store::testing::{fresh_store, test_backends};

const BIN: &str = env!("CARGO_BIN_EXE_amphi");

/// The environment of contract §1, with `database_url` if given; nothing inherited that
/// could change the outcome.
fn command(data: &std::path::Path, database_url: Option<&str>) -> Command {
    let mut c = Command::new(BIN);
    c.env_clear()
        .env("PATH", std::env::var("PATH").unwrap_or_default())
        .env("AMPHI_HTTP_LISTEN", "127.0.0.1:0")
        .env("AMPHI_DATA_DIR", data)
        .env("AMPHI_MEDIA_BIND_IP", "127.0.0.1")
        .env("AMPHI_MEDIA_ANNOUNCED_IPS", "127.0.0.1")
        .env("AMPHI_LOG", "warn");
    if let Some(url) = database_url {
        c.env("DATABASE_URL", url);
    }
    c
}

struct Running {
    child: Child,
    lines: mpsc::Receiver<String>,
}

impl Drop for Running {
    /// A failed assertion must not leave a server running.
    fn drop(&mut self) {
        if matches!(self.child.try_wait(), Ok(None)) {
            let _ = self.child.kill();
            let _ = self.child.wait();
        }
    }
}

impl Running {
    fn start(mut c: Command) -> Running {
        let mut child = c
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .expect("amphi starts");
        let stdout = child.stdout.take().expect("piped stdout");
        let (tx, lines) = mpsc::channel();
        std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines().map_while(Result::ok) {
                if tx.send(line).is_err() {
                    break;
                }
            }
        });
        Running { child, lines }
    }

    fn line(&self) -> String {
        self.lines
            .recv_timeout(Duration::from_secs(30))
            .expect("a line on stdout within 30 s")
    }

    /// SIGTERM, then the exit status within 15 s.
    fn terminate(mut self) -> std::process::ExitStatus {
        self.terminate_in_place()
    }

    fn terminate_in_place(&mut self) -> std::process::ExitStatus {
        let pid = self.child.id().to_string();
        let killed = Command::new("kill")
            .args(["-TERM", &pid])
            .status()
            .expect("kill runs");
        assert!(killed.success());
        for _ in 0..150 {
            if let Some(status) = self.child.try_wait().expect("wait") {
                return status;
            }
            std::thread::sleep(Duration::from_millis(100));
        }
        panic!("amphi did not stop within 15 s of SIGTERM");
    }
}

#[tokio::test]
async fn binary_prints_its_lines_serves_and_stops_cleanly() {
    for backend in test_backends() {
        let db = fresh_store(backend).await;
        let data = tempfile::tempdir().expect("temp dir");
        // The binary uses the test's database (SQLite file or PostgreSQL), so the test can
        // look inside; the data folder stays empty.
        let url = Some(db.url.as_str());
        assert!(backend == Backend::Sqlite || db.url.starts_with("postgres"));
        let server = Running::start(command(data.path(), url));
        let listening = server.line();
        let base = listening
            .strip_prefix("amphi: listening on ")
            .unwrap_or_else(|| panic!("first line: {listening}"))
            .to_owned();
        assert!(
            base.starts_with("http://127.0.0.1:") && !base.ends_with(":0"),
            "{base}"
        );
        let setup = server.line();
        let link = setup
            .strip_prefix("amphi: first-run setup link: ")
            .unwrap_or_else(|| panic!("second line: {setup}"));
        assert!(link.starts_with(&format!("{base}/setup/")), "{link}");

        let client = reqwest::Client::new();
        let health = client
            .get(format!("{base}/healthz"))
            .send()
            .await
            .expect("get");
        assert_eq!(health.status(), 200);
        let page = client.get(link).send().await.expect("get");
        assert_eq!(page.status(), 200);
        let css = client
            .get(format!("{base}/static/css/backoffice.css"))
            .send()
            .await
            .expect("get");
        assert_eq!(css.status(), 200, "static files are found from any folder");

        // The CLI works on the same database while the server runs.
        let mut add = command(data.path(), url);
        add.args([
            "user",
            "add",
            "ann@example.org",
            "--admin",
            "--password-stdin",
        ])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
        let mut child = add.spawn().expect("user add runs");
        child
            .stdin
            .take()
            .expect("stdin")
            .write_all(b"a long enough password\n")
            .expect("write");
        let out = child.wait_with_output().expect("user add ends");
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        assert_eq!(
            String::from_utf8_lossy(&out.stdout).trim(),
            "amphi: administrator ann@example.org created"
        );
        let user = db
            .store
            .user_by_email("ann@example.org")
            .await
            .expect("lookup")
            .expect("created");
        assert!(user.is_admin);

        let out = command(data.path(), url)
            .args(["room", "add", "Équipe Paris", "--owner", "ann@example.org"])
            .output()
            .expect("room add runs");
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        assert_eq!(
            String::from_utf8_lossy(&out.stdout).trim(),
            "http://127.0.0.1:0/r/equipe-paris"
        );
        let room = client
            .get(format!("{base}/r/equipe-paris"))
            .send()
            .await
            .expect("get");
        assert_eq!(room.status(), 200);

        let out = command(data.path(), url)
            .args(["room", "add", "X", "--owner", "nobody@example.org"])
            .output()
            .expect("room add runs");
        assert!(!out.status.success());
        assert!(String::from_utf8_lossy(&out.stderr).contains("no user with the e-mail address"));

        let status = server.terminate();
        assert!(status.success(), "clean exit on SIGTERM: {status:?}");
    }
}

#[test]
fn no_setup_link_once_a_user_exists_and_migrate_works() {
    let data = tempfile::tempdir().expect("temp dir");
    let out = command(data.path(), None)
        .arg("migrate")
        .output()
        .expect("migrate runs");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        data.path().join("amphi.db").exists(),
        "SQLite in the data folder"
    );
    let out = command(data.path(), None)
        .args(["user", "add", "ann@example.org"])
        .output()
        .expect("user add runs");
    assert!(out.status.success());
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        stdout.contains("amphi: password for ann@example.org: "),
        "{stdout}"
    );

    let server = Running::start(command(data.path(), None));
    assert!(
        server
            .line()
            .starts_with("amphi: listening on http://127.0.0.1:")
    );
    assert!(
        server
            .lines
            .recv_timeout(Duration::from_millis(1500))
            .is_err(),
        "no setup link when a user exists"
    );
    assert!(server.terminate().success());
}

#[test]
fn invalid_configuration_names_the_key() {
    let data = tempfile::tempdir().expect("temp dir");
    let out = command(data.path(), None)
        .env("AMPHI_HTTP_LISTEN", "foo")
        .output()
        .expect("runs");
    assert!(!out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("invalid configuration: http.listen = \"foo\": invalid socket address"),
        "{stderr}"
    );

    let file = data.path().join("amphi.toml");
    std::fs::write(&file, "[rooms]\nmax_participants = \"many\"\n").expect("write");
    let out = command(data.path(), None)
        .args(["--config", file.to_str().expect("utf-8 path"), "migrate"])
        .output()
        .expect("runs");
    assert!(!out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("rooms.max_participants"), "{stderr}");
}

#[test]
fn environment_wins_over_the_config_file() {
    let data = tempfile::tempdir().expect("temp dir");
    let file = data.path().join("amphi.toml");
    // The file asks for port 1; the environment says port 0, and wins.
    std::fs::write(
        &file,
        "[http]\nlisten = \"127.0.0.1:1\"\npublic_url = \"https://meet.example.org\"\n",
    )
    .expect("write");
    let mut c = command(data.path(), None);
    c.args(["--config", file.to_str().expect("utf-8 path"), "serve"]);
    let server = Running::start(c);
    let listening = server.line();
    assert!(
        listening.starts_with("amphi: listening on http://127.0.0.1:"),
        "{listening}"
    );
    assert!(!listening.ends_with(":1"), "{listening}");
    // The file's other key still applies: the link uses the public URL.
    let setup = server.line();
    assert!(
        setup.starts_with("amphi: first-run setup link: https://meet.example.org/setup/"),
        "{setup}"
    );
    assert!(server.terminate().success());
}
