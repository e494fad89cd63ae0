//! Background processing: a PDF's pages rendered to PNG by `pdftoppm`, an MP4 remuxed for
//! fast start by `ffmpeg`. One job at a time on the whole server (the machine's cores belong
//! to the media plane first); each step is stored and announced, so staff see progress.
//!
//! Failures are stored as short keys the client translates (`web/locales/*/content.json`,
//! `errors.<key>`): `pdf_render_failed`, `pdf_render_timeout`, `video_faststart_failed`,
//! `video_faststart_timeout`, and `interrupted` (the server stopped mid-job: `recovery.rs`).

use std::ffi::{OsStr, OsString};
use std::path::Path;
use std::time::{Duration, Instant};

use amphi_store::{ContentId, StoreError};
use tokio::sync::Semaphore;

use super::process::{RunError, run};
use super::upload::arg_path;
use super::{content_dir, notify, remove_files};
use crate::AppState;

/// One heavy job at a time, server-wide.
static JOBS: Semaphore = Semaphore::const_new(1);

/// Staff hear of progress at most this often (and always of the end).
const PROGRESS_EVERY: Duration = Duration::from_millis(500);

/// The longest side of a rendered page, in pixels (sharp on a 1080p stage, ~200 KB a page).
pub const PAGE_PIXELS: u32 = 1600;
/// The resolution `pdftoppm` starts from; `-scale-to` then fits the page in [`PAGE_PIXELS`].
const PAGE_DPI: u32 = 150;

/// Renders the `pages` pages of a stored PDF, in the background.
pub fn spawn_pdf(state: AppState, session_slug: String, id: ContentId, pages: u64) {
    tokio::spawn(async move {
        // The semaphore is never closed.
        let Ok(_permit) = JOBS.acquire().await else {
            return;
        };
        let outcome = render_pdf(&state, &session_slug, &id, pages).await;
        finish(&state, &session_slug, &id, outcome, Some(pages)).await;
    });
}

/// Remuxes a stored MP4 with its index first, in the background.
pub fn spawn_faststart(state: AppState, session_slug: String, id: ContentId) {
    tokio::spawn(async move {
        let Ok(_permit) = JOBS.acquire().await else {
            return;
        };
        let outcome = faststart(&state, &id).await;
        finish(&state, &session_slug, &id, outcome, None).await;
    });
}

/// How a job ended.
enum Outcome {
    Done,
    /// Failed, with the key stored as the item's error.
    Failed(&'static str),
    /// The item was deleted meanwhile.
    Gone,
}

async fn finish(
    state: &AppState,
    session_slug: &str,
    id: &ContentId,
    outcome: Outcome,
    pages: Option<u64>,
) {
    let stored = match outcome {
        Outcome::Done => {
            let pages = pages.and_then(|p| i64::try_from(p).ok());
            state.store.set_content_ready(id, pages).await
        }
        Outcome::Failed(key) => {
            // Nothing of a failed item can be shown: free the disk now, keep the row to say why.
            remove_files(&state.config, id).await;
            state.store.set_content_failed(id, key).await
        }
        Outcome::Gone => Err(StoreError::NotFound),
    };
    match stored {
        Ok(()) => {}
        // Deleted meanwhile (its delete removed the folder; a step may have written after).
        Err(StoreError::NotFound) => remove_files(&state.config, id).await,
        Err(e) => tracing::warn!(content = %id, error = %e, "storing a content job's end failed"),
    }
    notify(state, session_slug).await;
}

async fn render_pdf(state: &AppState, session_slug: &str, id: &ContentId, pages: u64) -> Outcome {
    let dir = content_dir(&state.config, id);
    let original = arg_path(&dir.join("original.pdf"));
    let limit = Duration::from_secs(state.config.content.pdf_page_timeout_secs);
    let mut last_told = Instant::now();
    for n in 1..=pages {
        let number = n.to_string();
        // `-singlefile` writes exactly `<prefix>.png`; it becomes `page-<n>.png` once whole,
        // so a half-written page is never served.
        let prefix = dir.join(format!("page-{n}.part"));
        let args: Vec<OsString> = vec![
            "-png".into(),
            "-r".into(),
            PAGE_DPI.to_string().into(),
            "-scale-to".into(),
            PAGE_PIXELS.to_string().into(),
            "-f".into(),
            number.clone().into(),
            "-l".into(),
            number.into(),
            "-singlefile".into(),
            original.clone(),
            prefix.into_os_string(),
        ];
        let args: Vec<&OsStr> = args.iter().map(OsString::as_os_str).collect();
        if let Err(e) = run("pdftoppm", &args, limit).await {
            tracing::warn!(content = %id, page = n, error = %e, "rendering a PDF page failed");
            return Outcome::Failed(match e {
                RunError::TimedOut { .. } => "pdf_render_timeout",
                _ => "pdf_render_failed",
            });
        }
        let rendered = dir.join(format!("page-{n}.part.png"));
        if let Err(e) = tokio::fs::rename(&rendered, dir.join(format!("page-{n}.png"))).await {
            if !dir_exists(&dir).await {
                return Outcome::Gone;
            }
            tracing::warn!(content = %id, page = n, error = %e, "a rendered page is missing");
            return Outcome::Failed("pdf_render_failed");
        }
        if n == pages {
            break; // `finish` stores 100 and tells staff
        }
        let progress = i64::try_from(n * 100 / pages).unwrap_or(99);
        match state.store.set_content_progress(id, progress).await {
            Ok(()) => {}
            Err(StoreError::NotFound) => return Outcome::Gone,
            Err(e) => tracing::warn!(content = %id, error = %e, "storing progress failed"),
        }
        if last_told.elapsed() >= PROGRESS_EVERY {
            notify(state, session_slug).await;
            last_told = Instant::now();
        }
    }
    Outcome::Done
}

async fn faststart(state: &AppState, id: &ContentId) -> Outcome {
    let dir = content_dir(&state.config, id);
    let original = dir.join("original.mp4");
    let remuxed = dir.join("faststart.part.mp4");
    let limit = Duration::from_secs(state.config.content.video_faststart_timeout_secs);
    let args: Vec<OsString> = vec![
        "-nostdin".into(),
        "-v".into(),
        "error".into(),
        "-y".into(),
        "-i".into(),
        arg_path(&original),
        // The first video and (if any) the first sound track: data tracks may not copy.
        "-map".into(),
        "0:v:0".into(),
        "-map".into(),
        "0:a:0?".into(),
        "-c".into(),
        "copy".into(),
        "-movflags".into(),
        "+faststart".into(),
        "-f".into(),
        "mp4".into(),
        arg_path(&remuxed),
    ];
    let args: Vec<&OsStr> = args.iter().map(OsString::as_os_str).collect();
    match run("ffmpeg", &args, limit).await {
        Ok(_) => {}
        Err(e) => {
            if !dir_exists(&dir).await {
                return Outcome::Gone;
            }
            tracing::warn!(content = %id, error = %e, "remuxing a video failed");
            return Outcome::Failed(match e {
                RunError::TimedOut { .. } => "video_faststart_timeout",
                _ => "video_faststart_failed",
            });
        }
    }
    match tokio::fs::rename(&remuxed, &original).await {
        Ok(()) => Outcome::Done,
        Err(_) if !dir_exists(&dir).await => Outcome::Gone,
        Err(e) => {
            tracing::warn!(content = %id, error = %e, "placing a remuxed video failed");
            Outcome::Failed("video_faststart_failed")
        }
    }
}

async fn dir_exists(dir: &Path) -> bool {
    tokio::fs::metadata(dir).await.is_ok_and(|m| m.is_dir())
}
