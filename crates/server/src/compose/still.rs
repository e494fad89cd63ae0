//! Still pictures in the content area: an image or a PDF page of a session's content,
//! annotated (`annotations::AnnotatedStills` wraps the source). A [`StillSource`] gives the
//! picture's bytes (PNG or JPEG) and a version; the compositor asks for it off its clock a few
//! times a second, decodes a new version once, at the size it needs, with a one-shot ffmpeg,
//! and keeps it until the version changes — no restart of anything.

use std::path::PathBuf;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use tokio::io::{AsyncReadExt, AsyncWriteExt};

use super::canvas::Picture;
use super::{ComposeError, ffmpeg};

/// A picture the content area can show.
#[derive(Debug, Clone)]
pub struct Still {
    /// Changes whenever the bytes do (e.g. a new stroke).
    pub version: u64,
    /// PNG or JPEG.
    pub bytes: Arc<Vec<u8>>,
}

/// Where still pictures come from. Called off the compositor's clock (a blocking task), a few
/// times a second per picture shown: answer the same version while nothing changed.
pub trait StillSource: Send + Sync {
    /// The picture of a content item (`page`: a PDF's, 1-based), if there is one now.
    fn still(&self, content_id: &str, page: Option<u32>) -> Option<Still>;
}

/// Session content as uploaded: `<data>/content/<id>/original.{png,jpg}` or `page-<n>.png`.
/// The version is the file's modification time. The compositor asks a few times a second:
/// the last file read is kept and read again only when its time changes.
pub struct ContentFiles {
    root: PathBuf,
    last: Mutex<Option<(PathBuf, Still)>>,
}

impl ContentFiles {
    /// `root`: the content folder (`<data dir>/content`).
    pub fn new(root: PathBuf) -> ContentFiles {
        ContentFiles {
            root,
            last: Mutex::new(None),
        }
    }
}

impl StillSource for ContentFiles {
    fn still(&self, content_id: &str, page: Option<u32>) -> Option<Still> {
        // Content ids are 32 hex digits: anything else is not ours to read.
        if content_id.len() != 32 || !content_id.bytes().all(|b| b.is_ascii_hexdigit()) {
            return None;
        }
        let dir = self.root.join(content_id);
        let candidates = match page {
            Some(n) => vec![dir.join(format!("page-{n}.png"))],
            None => vec![dir.join("original.png"), dir.join("original.jpg")],
        };
        let path = candidates.into_iter().find(|p| p.is_file())?;
        let version = std::fs::metadata(&path)
            .and_then(|m| m.modified())
            .ok()
            .and_then(|t| t.duration_since(std::time::UNIX_EPOCH).ok())
            .map_or(0, |d| d.as_millis() as u64);
        let mut last = self.last.lock().unwrap_or_else(|p| p.into_inner());
        if let Some((p, still)) = last.as_ref()
            && *p == path
            && still.version == version
        {
            return Some(still.clone());
        }
        let still = Still {
            version,
            bytes: Arc::new(std::fs::read(&path).ok()?),
        };
        *last = Some((path, still.clone()));
        Some(still)
    }
}

/// Decodes a PNG/JPEG into a `w`×`h` picture (scaled to fit, padded with the background).
pub async fn decode(bytes: &[u8], w: u32, h: u32) -> Result<Picture, ComposeError> {
    let vf = format!(
        "scale={w}:{h}:force_original_aspect_ratio=decrease,\
         pad={w}:{h}:(ow-iw)/2:(oh-ih)/2:color=0x1b2a3a,format=yuv420p"
    );
    let args: Vec<String> = [
        "-f",
        "image2pipe",
        "-i",
        "pipe:0",
        "-frames:v",
        "1",
        "-vf",
        &vf,
        "-f",
        "rawvideo",
        "pipe:1",
    ]
    .iter()
    .map(|s| (*s).to_owned())
    .collect();
    let (mut child, tail) = ffmpeg::spawn(&args)?;
    let mut stdin = child
        .stdin
        .take()
        .ok_or_else(|| ComposeError::Ffmpeg("no stdin".into()))?;
    let mut stdout = child
        .stdout
        .take()
        .ok_or_else(|| ComposeError::Ffmpeg("no stdout".into()))?;
    let input = bytes.to_vec();
    let writer = tokio::spawn(async move {
        let _ = stdin.write_all(&input).await;
        let _ = stdin.shutdown().await;
    });
    let mut out = Vec::with_capacity(Picture::size(w, h));
    let read = tokio::time::timeout(Duration::from_secs(20), stdout.read_to_end(&mut out)).await;
    writer.abort();
    let _ = child.stdout.take();
    let _ = tokio::time::timeout(Duration::from_secs(5), child.wait()).await;
    if read.is_err() {
        return Err(ComposeError::Ffmpeg(
            "decoding a still picture took too long".into(),
        ));
    }
    Picture::from_bytes(w, h, out)
        .ok_or_else(|| ComposeError::Ffmpeg(format!("still picture not decoded: {}", tail.text())))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn content_files_read_only_content_ids() {
        let dir = tempfile::tempdir().expect("temp dir");
        let id = "0123456789abcdef0123456789abcdef";
        std::fs::create_dir_all(dir.path().join(id)).expect("mkdir");
        std::fs::write(dir.path().join(id).join("page-2.png"), b"png").expect("write");
        let files = ContentFiles::new(dir.path().to_owned());
        assert_eq!(files.still(id, Some(2)).map(|s| s.bytes.len()), Some(3));
        assert!(files.still(id, Some(3)).is_none());
        assert!(files.still(id, None).is_none());
        assert!(files.still("../etc", None).is_none());
    }
}
