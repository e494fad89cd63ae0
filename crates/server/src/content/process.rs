//! Running the helper programs (`pdfinfo`, `pdftoppm`, `ffprobe`, `ffmpeg`): directly, never
//! through a shell, with no input, a time limit, and killed when the limit passes (or when
//! the waiting task is dropped).

use std::ffi::OsStr;
use std::fmt;
use std::process::Stdio;
use std::time::Duration;

use tokio::process::Command;

/// How a helper program run went wrong.
#[derive(Debug)]
pub enum RunError {
    /// It could not be started (most likely not installed: `scripts/install-deps`).
    Spawn {
        program: String,
        source: std::io::Error,
    },
    /// It ran past its time limit and was killed.
    TimedOut { program: String, after: Duration },
    /// It exited with a failure; `stderr` holds the end of what it said.
    Failed {
        program: String,
        status: std::process::ExitStatus,
        stderr: String,
    },
}

impl fmt::Display for RunError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            RunError::Spawn { program, source } => write!(f, "cannot run {program}: {source}"),
            RunError::TimedOut { program, after } => {
                write!(f, "{program} ran longer than {after:?} and was stopped")
            }
            RunError::Failed {
                program,
                status,
                stderr,
            } => write!(f, "{program} failed ({status}): {stderr}"),
        }
    }
}

/// At most this much of a program's stderr is kept for logs.
const STDERR_KEPT: usize = 2000;

/// Runs `program args...` and returns its standard output once it exits successfully within
/// `limit`.
pub async fn run(program: &str, args: &[&OsStr], limit: Duration) -> Result<Vec<u8>, RunError> {
    let child = Command::new(program)
        .args(args)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        // Dropping the child (the timeout below, or a dropped task) kills it.
        .kill_on_drop(true)
        .spawn()
        .map_err(|source| RunError::Spawn {
            program: program.to_owned(),
            source,
        })?;
    let output = match tokio::time::timeout(limit, child.wait_with_output()).await {
        Ok(Ok(output)) => output,
        Ok(Err(source)) => {
            return Err(RunError::Spawn {
                program: program.to_owned(),
                source,
            });
        }
        Err(_) => {
            return Err(RunError::TimedOut {
                program: program.to_owned(),
                after: limit,
            });
        }
    };
    if !output.status.success() {
        let text = String::from_utf8_lossy(&output.stderr);
        let start = text.len().saturating_sub(STDERR_KEPT);
        let start = (start..text.len())
            .find(|&i| text.is_char_boundary(i))
            .unwrap_or(text.len());
        return Err(RunError::Failed {
            program: program.to_owned(),
            status: output.status,
            stderr: text[start..].trim().to_owned(),
        });
    }
    Ok(output.stdout)
}

#[cfg(test)]
mod tests {
    use std::time::Instant;

    use super::*;

    #[tokio::test]
    async fn output_failure_and_missing_program() {
        let out = run("echo", &[OsStr::new("a b")], Duration::from_secs(5))
            .await
            .expect("echo runs");
        assert_eq!(out, b"a b\n", "arguments are passed as they are, no shell");
        let err = run("false", &[], Duration::from_secs(5))
            .await
            .expect_err("false fails");
        assert!(matches!(err, RunError::Failed { .. }), "{err}");
        let err = run("amphi-no-such-program", &[], Duration::from_secs(5))
            .await
            .expect_err("missing");
        assert!(matches!(err, RunError::Spawn { .. }), "{err}");
    }

    #[tokio::test]
    async fn a_slow_program_is_killed_at_its_limit() {
        let started = Instant::now();
        let err = run("sleep", &[OsStr::new("30")], Duration::from_millis(300))
            .await
            .expect_err("too slow");
        assert!(matches!(err, RunError::TimedOut { .. }), "{err}");
        assert!(started.elapsed() < Duration::from_secs(5));
    }
}
