//! The free-disk guard (V7): free bytes of the file system holding the recordings, asked of
//! `df` (POSIX, in coreutils) so that no unsafe `statvfs` call is needed.

use std::path::Path;
use std::time::Duration;

use super::RecordingError;

/// Bytes available to us on the file system of `path` (which must exist).
pub async fn free_bytes(path: &Path) -> Result<u64, RecordingError> {
    let out = tokio::time::timeout(
        Duration::from_secs(10),
        tokio::process::Command::new("df")
            .arg("--output=avail")
            .arg("-B1")
            .arg("--")
            .arg(path)
            .kill_on_drop(true)
            .output(),
    )
    .await
    .map_err(|_| RecordingError::Io("df took too long".into()))?
    .map_err(|e| RecordingError::Io(format!("cannot run df: {e}")))?;
    if !out.status.success() {
        return Err(RecordingError::Io(format!(
            "df failed: {}",
            String::from_utf8_lossy(&out.stderr).trim()
        )));
    }
    parse_df(&String::from_utf8_lossy(&out.stdout))
        .ok_or_else(|| RecordingError::Io("df gave no free space".into()))
}

/// `df --output=avail` prints a header line, then the number.
fn parse_df(out: &str) -> Option<u64> {
    out.lines().nth(1)?.trim().parse().ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn df_output() {
        assert_eq!(parse_df("   Avail\n123456789\n"), Some(123_456_789));
        assert_eq!(parse_df("Avail\n"), None);
    }

    #[tokio::test]
    async fn this_disk_has_some_room() {
        let free = free_bytes(Path::new(".")).await.expect("df works here");
        assert!(free > 0);
    }
}
