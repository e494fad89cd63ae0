//! `POST /s/{slug}/content`: receive one file (multipart field `file`), decide what it is by
//! its first bytes, check it, and keep it, or refuse it and keep nothing.

use std::ffi::{OsStr, OsString};
use std::path::{Path, PathBuf};
use std::time::Duration;

use amphi_store::{ContentKind, NewContent};
use axum::Json;
use axum::extract::{Path as UrlPath, Request, State};
use axum::http::header;
use axum::response::{IntoResponse, Response};
use tokio::io::AsyncWriteExt;

use super::access::{self, Reject, Staff};
use super::image::checked_dimensions;
use super::process::{RunError, run};
use super::refusal::Refusal;
use super::sniff::{SNIFF_LEN, Sniffed, sniff};
use super::video::{FFPROBE_ARGS, VideoProblem, check_probe, moov_first};
use super::{content_dir, content_root, info, jobs, notify, original_name, remove_files};
use crate::auth::MaybeLogin;
use crate::config::ContentConfig;
use crate::pages::Ctx;
use crate::{AppState, Error};

/// `pdfinfo` and `ffprobe` read headers and indexes only: seconds, even for large files.
const PROBE_TIMEOUT: Duration = Duration::from_secs(30);
/// A name longer than this is cut (it is only shown).
const MAX_NAME_CHARS: usize = 200;
const MIB: u64 = 1024 * 1024;

/// The size caps, in bytes.
#[derive(Debug, Clone, Copy)]
struct Limits {
    image: u64,
    pdf: u64,
    video: u64,
    pdf_pages: u64,
}

impl Limits {
    fn of(c: &ContentConfig) -> Limits {
        Limits {
            image: c.max_image_mb.saturating_mul(MIB),
            pdf: c.max_pdf_mb.saturating_mul(MIB),
            video: c.max_video_mb.saturating_mul(MIB),
            pdf_pages: c.max_pdf_pages,
        }
    }

    fn bytes(&self, kind: Sniffed) -> u64 {
        match kind {
            Sniffed::Png | Sniffed::Jpeg => self.image,
            Sniffed::Pdf => self.pdf,
            Sniffed::Mp4 => self.video,
        }
    }

    /// How much of a refused body we still read (and discard) so the browser gets our
    /// answer rather than a reset connection: no more than an accepted upload could send.
    fn drain_budget(&self) -> u64 {
        self.image.max(self.pdf).max(self.video).saturating_add(MIB)
    }
}

/// The handler.
pub async fn upload(
    State(state): State<AppState>,
    UrlPath(slug): UrlPath<String>,
    ctx: Ctx,
    MaybeLogin(login): MaybeLogin,
    request: Request,
) -> Response {
    let (parts, body) = request.into_parts();
    let staff = match access::staff(&state, &slug, login, &parts.headers, true).await {
        Ok(staff) => staff,
        Err(reject) => return reject.response(ctx.lang),
    };
    match accept(&state, &staff, &parts.headers, body).await {
        Ok(response) => response,
        Err(reject) => reject.response(ctx.lang),
    }
}

async fn accept(
    state: &AppState,
    staff: &Staff,
    headers: &axum::http::HeaderMap,
    body: axum::body::Body,
) -> Result<Response, Reject> {
    let boundary = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .and_then(|ct| multer::parse_boundary(ct).ok())
        .ok_or(Refusal::NoFile)?;
    let limits = Limits::of(&state.config.content);
    let tmp_dir = content_root(&state.config).join("tmp");
    tokio::fs::create_dir_all(&tmp_dir)
        .await
        .map_err(|e| Error::io(format!("creating {}", tmp_dir.display()), e))?;
    let mut multipart = multer::Multipart::new(body.into_data_stream(), boundary);
    let received = receive(&mut multipart, &tmp_dir, &limits).await?;
    let checked = check(&received, &limits).await?;

    let session = &staff.session;
    let content = state
        .store
        .create_content(NewContent {
            session_id: session.id.clone(),
            kind: checked.kind,
            name: received.name.clone(),
            bytes: i64::try_from(received.bytes).unwrap_or(i64::MAX),
            created_by: staff.user.id.clone(),
        })
        .await?;
    let dir = content_dir(&state.config, &content.id);
    let original = dir.join(original_name(
        checked.kind,
        received.sniffed == Sniffed::Jpeg,
    ));
    if let Err(e) = received.file.persist(&dir, &original).await {
        // Keep nothing of a file we could not place.
        let _ = state.store.delete_content(&content.id).await;
        remove_files(&state.config, &content.id).await;
        return Err(Error::io(format!("storing {}", original.display()), e).into());
    }
    tracing::info!(
        content = %content.id, session = %session.slug, kind = checked.kind.as_str(),
        bytes = received.bytes, "content uploaded"
    );
    match (checked.kind, checked.pages) {
        (ContentKind::Pdf, Some(pages)) => {
            jobs::spawn_pdf(
                state.clone(),
                session.slug.clone(),
                content.id.clone(),
                pages,
            );
        }
        (ContentKind::Video, _) if checked.needs_faststart => {
            jobs::spawn_faststart(state.clone(), session.slug.clone(), content.id.clone());
        }
        _ => state.store.set_content_ready(&content.id, None).await?,
    }
    notify(state, &session.slug).await;
    let content = state
        .store
        .content_by_id(&content.id)
        .await?
        .unwrap_or(content);
    Ok(Json(serde_json::json!({ "content": info(&content) })).into_response())
}

/// A file being received under `content/tmp/`; removed when dropped unless persisted.
struct TempFile {
    path: PathBuf,
    armed: bool,
}

impl TempFile {
    fn new(dir: &Path) -> TempFile {
        let name = format!("{}.part", hex::encode(rand::random::<[u8; 16]>()));
        TempFile {
            path: dir.join(name),
            armed: true,
        }
    }

    /// Moves the file to `to` inside `dir` (created; same file system, so a rename).
    async fn persist(mut self, dir: &Path, to: &Path) -> std::io::Result<()> {
        tokio::fs::create_dir_all(dir).await?;
        tokio::fs::rename(&self.path, to).await?;
        self.armed = false;
        Ok(())
    }
}

impl Drop for TempFile {
    fn drop(&mut self) {
        if self.armed {
            // Nothing to do if it is already gone.
            let _ = std::fs::remove_file(&self.path);
        }
    }
}

/// A complete file, received and sniffed, within its kind's size cap.
struct Received {
    file: TempFile,
    sniffed: Sniffed,
    name: String,
    bytes: u64,
}

/// Reads the body up to the `file` field and streams it to a temporary file, deciding what it
/// is from its first bytes and enforcing that kind's cap as bytes arrive. A refused body is
/// still read to its end (within [`Limits::drain_budget`], discarding it) so the browser
/// receives the refusal.
async fn receive(
    multipart: &mut multer::Multipart<'static>,
    tmp_dir: &Path,
    limits: &Limits,
) -> Result<Received, Reject> {
    let interrupted = |_| Reject::from(Refusal::Interrupted);
    let mut field = loop {
        match multipart.next_field().await.map_err(interrupted)? {
            Some(field) if field.name() == Some("file") => break field,
            // Other fields are skipped (multer reads past them).
            Some(_) => continue,
            None => return Err(Refusal::NoFile.into()),
        }
    };
    let given_name = field.file_name().map(str::to_owned);
    let temp = TempFile::new(tmp_dir);
    let file = tokio::fs::File::create(&temp.path)
        .await
        .map_err(|e| Error::io(format!("creating {}", temp.path.display()), e))?;
    let mut out = Some((temp, tokio::io::BufWriter::with_capacity(256 * 1024, file)));
    let mut head: Vec<u8> = Vec::with_capacity(SNIFF_LEN);
    let mut sniffed: Option<Sniffed> = None;
    let mut refusal: Option<Refusal> = None;
    let mut total: u64 = 0;
    while let Some(chunk) = field.chunk().await.map_err(interrupted)? {
        total = total.saturating_add(chunk.len() as u64);
        if let Some(r) = &refusal {
            if total > limits.drain_budget() {
                return Err(r.clone().into());
            }
            continue;
        }
        if sniffed.is_none() {
            let take = (SNIFF_LEN - head.len()).min(chunk.len());
            head.extend_from_slice(&chunk[..take]);
            if head.len() == SNIFF_LEN {
                sniffed = sniff(&head);
                if sniffed.is_none() {
                    refusal = Some(Refusal::WrongType);
                }
            }
        }
        if let Some(kind) = sniffed
            && total > limits.bytes(kind)
        {
            refusal = Some(too_large(kind, limits));
        }
        if refusal.is_some() {
            out = None; // the temporary file goes now
            continue;
        }
        if let Some((temp, writer)) = out.as_mut() {
            writer
                .write_all(&chunk)
                .await
                .map_err(|e| Error::io(format!("writing {}", temp.path.display()), e))?;
        }
    }
    drop(field);
    // Read the body to its end (the closing boundary, any later field): a reply sent while
    // the browser is still sending can reach it as a reset connection instead.
    drain_rest(multipart, limits.drain_budget().saturating_sub(total)).await;
    if let Some(r) = refusal {
        return Err(r.into());
    }
    if total == 0 {
        return Err(Refusal::Empty.into());
    }
    // A file shorter than SNIFF_LEN is sniffed on what there is.
    let sniffed = match sniffed.or_else(|| sniff(&head)) {
        Some(kind) if total > limits.bytes(kind) => return Err(too_large(kind, limits).into()),
        Some(kind) => kind,
        None => return Err(Refusal::WrongType.into()),
    };
    let Some((temp, mut writer)) = out else {
        return Err(Refusal::Interrupted.into());
    };
    writer
        .flush()
        .await
        .map_err(|e| Error::io(format!("writing {}", temp.path.display()), e))?;
    Ok(Received {
        file: temp,
        sniffed,
        name: display_name(given_name.as_deref(), sniffed),
        bytes: total,
    })
}

/// Reads (and discards) what is left of the body, up to `budget` bytes.
async fn drain_rest(multipart: &mut multer::Multipart<'static>, budget: u64) {
    let mut read: u64 = 0;
    while let Ok(Some(mut field)) = multipart.next_field().await {
        while let Ok(Some(chunk)) = field.chunk().await {
            read = read.saturating_add(chunk.len() as u64);
            if read > budget {
                return;
            }
        }
    }
}

fn too_large(kind: Sniffed, limits: &Limits) -> Refusal {
    Refusal::TooLarge {
        kind,
        limit_mb: limits.bytes(kind) / MIB,
    }
}

/// What a received file turned out to be.
struct Checked {
    kind: ContentKind,
    /// A PDF's page count.
    pages: Option<u64>,
    /// An MP4 whose `moov` comes after its `mdat`.
    needs_faststart: bool,
}

/// The checks of each kind: an image's header, a PDF's page count, a video's codecs.
async fn check(received: &Received, limits: &Limits) -> Result<Checked, Reject> {
    let path = received.file.path.clone();
    match received.sniffed {
        kind @ (Sniffed::Png | Sniffed::Jpeg) => {
            tokio::task::spawn_blocking(move || checked_dimensions(&path, kind))
                .await
                .map_err(|e| Error::Internal(format!("image check: {e}")))?
                .map_err(Refusal::Image)?;
            Ok(Checked {
                kind: ContentKind::Image,
                pages: None,
                needs_faststart: false,
            })
        }
        Sniffed::Pdf => {
            let out = tool(run("pdfinfo", &[&arg_path(&path)], PROBE_TIMEOUT).await)?
                .ok_or(Refusal::PdfUnreadable)?;
            let pages = pdfinfo_pages(&out)
                .filter(|&p| p > 0)
                .ok_or(Refusal::PdfUnreadable)?;
            if pages > limits.pdf_pages {
                return Err(Refusal::TooManyPages {
                    pages,
                    limit: limits.pdf_pages,
                }
                .into());
            }
            Ok(Checked {
                kind: ContentKind::Pdf,
                pages: Some(pages),
                needs_faststart: false,
            })
        }
        Sniffed::Mp4 => {
            let mut args: Vec<OsString> = FFPROBE_ARGS.iter().map(OsString::from).collect();
            args.push(arg_path(&path));
            let args: Vec<&OsStr> = args.iter().map(OsString::as_os_str).collect();
            let out = tool(run("ffprobe", &args, PROBE_TIMEOUT).await)?
                .ok_or(Refusal::Video(VideoProblem::Unreadable))?;
            check_probe(&out).map_err(Refusal::Video)?;
            let moov_first = tokio::task::spawn_blocking(move || moov_first(&path))
                .await
                .map_err(|e| Error::Internal(format!("mp4 check: {e}")))?
                .map_err(|e| Error::io("reading an uploaded video", e))?;
            Ok(Checked {
                kind: ContentKind::Video,
                pages: None,
                // ffprobe read it, so the index exists; if we cannot tell where, remux.
                needs_faststart: moov_first != Some(true),
            })
        }
    }
}

/// A helper's output; `None` when it ran and found the file bad (failed or too slow); an
/// error when it could not run at all (not installed: the server's fault, not the file's).
fn tool(result: Result<Vec<u8>, RunError>) -> Result<Option<Vec<u8>>, Error> {
    match result {
        Ok(out) => Ok(Some(out)),
        Err(e @ RunError::Spawn { .. }) => Err(Error::Internal(e.to_string())),
        Err(e) => {
            tracing::info!(error = %e, "an uploaded file did not pass its check");
            Ok(None)
        }
    }
}

/// The `Pages:` line of `pdfinfo`'s output (other lines may hold any bytes: titles).
fn pdfinfo_pages(out: &[u8]) -> Option<u64> {
    String::from_utf8_lossy(out)
        .lines()
        .find_map(|line| line.strip_prefix("Pages:"))
        .and_then(|n| n.trim().parse().ok())
}

/// A path as a program argument that cannot be taken for an option.
pub(super) fn arg_path(path: &Path) -> OsString {
    if path.is_absolute() {
        path.as_os_str().to_owned()
    } else {
        Path::new(".").join(path).into_os_string()
    }
}

/// The uploaded file's name as people will see it: its last path component, without control
/// characters, at most [`MAX_NAME_CHARS`]; a neutral name if nothing is left.
fn display_name(given: Option<&str>, kind: Sniffed) -> String {
    let base = given.unwrap_or("").rsplit(['/', '\\']).next().unwrap_or("");
    let clean: String = base
        .chars()
        .filter(|c| !c.is_control())
        .take(MAX_NAME_CHARS)
        .collect();
    let clean = clean.trim();
    if clean.is_empty() {
        match kind {
            Sniffed::Png => "image.png",
            Sniffed::Jpeg => "image.jpg",
            Sniffed::Pdf => "document.pdf",
            Sniffed::Mp4 => "video.mp4",
        }
        .to_owned()
    } else {
        clean.to_owned()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_cleaned() {
        assert_eq!(
            display_name(Some("C:\\Users\\me\\Deck.pdf"), Sniffed::Pdf),
            "Deck.pdf"
        );
        assert_eq!(
            display_name(Some("../../etc/passwd"), Sniffed::Png),
            "passwd"
        );
        assert_eq!(
            display_name(Some("a\u{0}b\nc.png"), Sniffed::Png),
            "abc.png"
        );
        assert_eq!(display_name(Some("  "), Sniffed::Mp4), "video.mp4");
        assert_eq!(display_name(None, Sniffed::Jpeg), "image.jpg");
        assert_eq!(
            display_name(Some(&"é".repeat(500)), Sniffed::Pdf)
                .chars()
                .count(),
            MAX_NAME_CHARS
        );
    }

    #[test]
    fn pdfinfo_page_count() {
        let out = b"Title:          \xff\xfe odd\nPages:          12\nEncrypted:      no\n";
        assert_eq!(pdfinfo_pages(out), Some(12));
        assert_eq!(pdfinfo_pages(b"Producer: x\n"), None);
    }

    #[test]
    fn paths_never_look_like_options() {
        assert_eq!(
            arg_path(Path::new("-x/a.pdf")),
            OsString::from("./-x/a.pdf")
        );
        assert_eq!(arg_path(Path::new("/d/a.pdf")), OsString::from("/d/a.pdf"));
    }
}
