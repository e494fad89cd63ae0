//! External video by link (C8): a direct MP4/WebM URL, or a PeerTube watch URL turned into one
//! of its files through PeerTube's API (`GET /api/v1/videos/{id}`). `POST /s/{slug}/content/link`
//! (staff who present content, header `x-csrf-token`, JSON `{url}`) answers
//! `{url, name, source}` for the stage (`set_stage` with content `{kind: "link", url, name}`),
//! or `{error, field: "url"}` in the person's language. Nothing is stored: the link lives on
//! the stage, played in step like an uploaded video.
//!
//! The server fetches only the PeerTube API's fixed path on the link's own host, without
//! following redirects, within [`FETCH_TIMEOUT`] and [`MAX_API_BYTES`], and keeps nothing of
//! the answer but the title and a file URL that passes the same checks as a typed one.

use std::time::Duration;

use axum::Json;
use axum::extract::{Path as UrlPath, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use reqwest::Url;
use serde::Deserialize;
use serde_json::json;

use super::access;
use super::manage::no_store;
use crate::AppState;
use crate::auth::MaybeLogin;
use crate::i18n::Lang;
use crate::pages::Ctx;

/// The longest link accepted, in bytes (the stage message carries it to everyone).
pub const MAX_URL_BYTES: usize = 2048;
/// The longest title kept, in characters.
pub const MAX_NAME_CHARS: usize = 200;
/// How long the PeerTube API may take to answer.
pub const FETCH_TIMEOUT: Duration = Duration::from_secs(10);
/// The largest API answer read.
pub const MAX_API_BYTES: usize = 2 * 1024 * 1024;

/// A link made playable.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Playable {
    /// The video file's URL, what browsers play.
    pub url: String,
    pub name: String,
    pub source: Source,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Source {
    Direct,
    PeerTube,
}

/// Why a link cannot be shown; each has a text in English and French.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum LinkRefusal {
    Empty,
    TooLong,
    /// Not an http(s) URL with a host (or it carries a user name or password).
    NotHttp,
    /// Neither a `.mp4`/`.webm` file nor a PeerTube video page.
    NotAVideo,
    /// The PeerTube server did not answer, or not as PeerTube does.
    Unreachable,
    /// PeerTube says there is no such (public) video.
    NotFound,
    /// A live stream, not a video file.
    Live,
    /// The video has no MP4 file to play.
    NoFile,
}

impl LinkRefusal {
    pub fn text(&self, lang: Lang) -> &'static str {
        let (en, fr) = match self {
            LinkRefusal::Empty => ("Paste the link of a video.", "Collez le lien d’une vidéo."),
            LinkRefusal::TooLong => (
                "This link is too long (2048 characters at most).",
                "Ce lien est trop long (2048 caractères au plus).",
            ),
            LinkRefusal::NotHttp => (
                "Only http:// and https:// links can be shown.",
                "Seuls les liens http:// et https:// peuvent être montrés.",
            ),
            LinkRefusal::NotAVideo => (
                "This link is neither an MP4 or WebM file nor a PeerTube video.",
                "Ce lien n’est ni un fichier MP4 ou WebM ni une vidéo PeerTube.",
            ),
            LinkRefusal::Unreachable => (
                "The PeerTube server did not answer as expected: try again later.",
                "Le serveur PeerTube n’a pas répondu comme prévu : réessayez plus tard.",
            ),
            LinkRefusal::NotFound => (
                "PeerTube has no public video at this link.",
                "PeerTube n’a pas de vidéo publique à ce lien.",
            ),
            LinkRefusal::Live => (
                "This PeerTube video is a live stream: only recorded videos can be shown.",
                "Cette vidéo PeerTube est un direct : seules les vidéos enregistrées peuvent être montrées.",
            ),
            LinkRefusal::NoFile => (
                "This PeerTube video has no MP4 file to play.",
                "Cette vidéo PeerTube n’a pas de fichier MP4 à lire.",
            ),
        };
        match lang {
            Lang::En => en,
            Lang::Fr => fr,
        }
    }

    fn status(&self) -> StatusCode {
        match self {
            LinkRefusal::Unreachable => StatusCode::BAD_GATEWAY,
            _ => StatusCode::UNPROCESSABLE_ENTITY,
        }
    }

    fn response(&self, lang: Lang) -> Response {
        tracing::info!(refusal = ?self, "video link refused");
        let body = json!({ "error": self.text(lang), "field": "url" });
        no_store((self.status(), Json(body)).into_response())
    }
}

/// A typed link checked: trimmed, at most [`MAX_URL_BYTES`], http(s) with a host, no
/// credentials.
pub fn check_url(raw: &str) -> Result<Url, LinkRefusal> {
    let raw = raw.trim();
    if raw.is_empty() {
        return Err(LinkRefusal::Empty);
    }
    if raw.len() > MAX_URL_BYTES {
        return Err(LinkRefusal::TooLong);
    }
    let url = Url::parse(raw).map_err(|_| LinkRefusal::NotHttp)?;
    let ok = matches!(url.scheme(), "http" | "https")
        && url.host_str().is_some_and(|h| !h.is_empty())
        && url.username().is_empty()
        && url.password().is_none();
    if !ok {
        return Err(LinkRefusal::NotHttp);
    }
    if url.as_str().len() > MAX_URL_BYTES {
        return Err(LinkRefusal::TooLong);
    }
    Ok(url)
}

/// What a checked link points at.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum LinkKind {
    /// A file whose path ends in `.mp4` or `.webm`.
    File,
    /// A PeerTube video page (`/w/{id}`, `/videos/watch/{id}`, `/videos/embed/{id}`).
    PeerTube { id: String },
}

pub fn classify(url: &Url) -> Result<LinkKind, LinkRefusal> {
    let path = url.path();
    let lower = path.to_ascii_lowercase();
    if lower.ends_with(".mp4") || lower.ends_with(".webm") {
        return Ok(LinkKind::File);
    }
    let segments: Vec<&str> = path.split('/').filter(|s| !s.is_empty()).collect();
    let id = match segments.as_slice() {
        ["w", id] | ["videos", "watch", id] | ["videos", "embed", id] => *id,
        _ => return Err(LinkRefusal::NotAVideo),
    };
    let plausible = !id.is_empty()
        && id.len() <= 64
        && id.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-');
    if !plausible {
        return Err(LinkRefusal::NotAVideo);
    }
    Ok(LinkKind::PeerTube { id: id.to_owned() })
}

/// Makes a typed link playable: checked, and for PeerTube resolved through its API.
pub async fn resolve(client: &reqwest::Client, raw: &str) -> Result<Playable, LinkRefusal> {
    let url = check_url(raw)?;
    match classify(&url)? {
        LinkKind::File => Ok(Playable {
            name: file_name(&url),
            url: url.to_string(),
            source: Source::Direct,
        }),
        LinkKind::PeerTube { id } => peertube(client, &url, &id).await,
    }
}

/// The last path segment, as the title of a direct link.
fn file_name(url: &Url) -> String {
    let last = url
        .path_segments()
        .and_then(|mut s| s.next_back())
        .unwrap_or("");
    let name = if last.is_empty() {
        url.host_str().unwrap_or("video")
    } else {
        last
    };
    name.chars().take(MAX_NAME_CHARS).collect()
}

/// The parts of PeerTube's `VideoDetails` used here.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
struct VideoDetails {
    name: Option<String>,
    #[serde(default)]
    is_live: bool,
    #[serde(default)]
    files: Vec<VideoFile>,
    #[serde(default)]
    streaming_playlists: Vec<Playlist>,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
struct Playlist {
    #[serde(default)]
    files: Vec<VideoFile>,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
struct VideoFile {
    file_url: Option<String>,
    resolution: Option<Resolution>,
}

#[derive(Debug, Deserialize)]
struct Resolution {
    id: Option<i64>,
}

async fn peertube(client: &reqwest::Client, page: &Url, id: &str) -> Result<Playable, LinkRefusal> {
    let mut api = page.clone();
    api.set_path(&format!("/api/v1/videos/{id}"));
    api.set_query(None);
    api.set_fragment(None);
    let response = client
        .get(api)
        .header(header::ACCEPT, "application/json")
        .timeout(FETCH_TIMEOUT)
        .send()
        .await
        .map_err(|e| {
            tracing::info!(error = %e, "PeerTube API unreachable");
            LinkRefusal::Unreachable
        })?;
    match response.status() {
        s if s.is_success() => {}
        StatusCode::NOT_FOUND | StatusCode::UNAUTHORIZED | StatusCode::FORBIDDEN => {
            return Err(LinkRefusal::NotFound);
        }
        _ => return Err(LinkRefusal::Unreachable),
    }
    let body = read_capped(response).await?;
    let details: VideoDetails = serde_json::from_slice(&body).map_err(|e| {
        tracing::info!(error = %e, "PeerTube API answer unreadable");
        LinkRefusal::Unreachable
    })?;
    if details.is_live {
        return Err(LinkRefusal::Live);
    }
    let file = pick_file(&details).ok_or(LinkRefusal::NoFile)?;
    let file = check_url(&file).map_err(|_| LinkRefusal::NoFile)?;
    let name = details
        .name
        .map(|n| n.trim().chars().take(MAX_NAME_CHARS).collect::<String>())
        .filter(|n| !n.is_empty())
        .unwrap_or_else(|| file_name(&file));
    Ok(Playable {
        url: file.to_string(),
        name,
        source: Source::PeerTube,
    })
}

/// Web-video MP4 files first (progressive), then HLS fragmented MP4s: the highest resolution
/// up to 720p, else the smallest above it.
fn pick_file(details: &VideoDetails) -> Option<String> {
    let choose = |files: &[VideoFile]| {
        let with_url: Vec<(i64, &str)> = files
            .iter()
            .filter_map(|f| {
                let url = f.file_url.as_deref()?;
                let height = f.resolution.as_ref().and_then(|r| r.id).unwrap_or(0);
                // Resolution 0 is PeerTube's audio-only file.
                (height > 0).then_some((height, url))
            })
            .collect();
        let at_most = with_url
            .iter()
            .filter(|(h, _)| *h <= 720)
            .max_by_key(|(h, _)| *h);
        let above = with_url.iter().min_by_key(|(h, _)| *h);
        at_most.or(above).map(|(_, u)| (*u).to_owned())
    };
    choose(&details.files).or_else(|| {
        details
            .streaming_playlists
            .iter()
            .find_map(|p| choose(&p.files))
    })
}

async fn read_capped(mut response: reqwest::Response) -> Result<Vec<u8>, LinkRefusal> {
    let mut body = Vec::new();
    while let Some(chunk) = response
        .chunk()
        .await
        .map_err(|_| LinkRefusal::Unreachable)?
    {
        if body.len() + chunk.len() > MAX_API_BYTES {
            return Err(LinkRefusal::Unreachable);
        }
        body.extend_from_slice(&chunk);
    }
    Ok(body)
}

/// The client the server fetches PeerTube's API with: no redirects, rustls.
pub fn http_client() -> reqwest::Client {
    reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .connect_timeout(FETCH_TIMEOUT)
        .user_agent(concat!("amphi/", env!("CARGO_PKG_VERSION")))
        .build()
        // Only fails when the TLS backend cannot start; the default client then still works
        // for plain http, and https fails per request with a refusal.
        .unwrap_or_default()
}

#[derive(Debug, Deserialize)]
pub struct LinkRequest {
    #[serde(default)]
    url: String,
}

/// `POST /s/{slug}/content/link`: `{url, name, source: "direct" | "peertube"}`.
pub async fn resolve_link(
    State(state): State<AppState>,
    UrlPath(slug): UrlPath<String>,
    ctx: Ctx,
    MaybeLogin(login): MaybeLogin,
    headers: HeaderMap,
    body: Option<Json<LinkRequest>>,
) -> Response {
    if let Err(reject) = access::staff(&state, &slug, login, &headers, true).await {
        return reject.response(ctx.lang);
    }
    let raw = body.map(|Json(b)| b.url).unwrap_or_default();
    match resolve(&http_client(), &raw).await {
        Ok(p) => no_store(
            Json(json!({
                "url": p.url,
                "name": p.name,
                "source": match p.source {
                    Source::Direct => "direct",
                    Source::PeerTube => "peertube",
                },
            }))
            .into_response(),
        ),
        Err(refusal) => refusal.response(ctx.lang),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn links_are_checked_and_classified() {
        assert_eq!(check_url("  "), Err(LinkRefusal::Empty));
        assert_eq!(check_url("ftp://x.org/a.mp4"), Err(LinkRefusal::NotHttp));
        assert_eq!(check_url("javascript:alert(1)"), Err(LinkRefusal::NotHttp));
        assert_eq!(
            check_url("https://u:p@x.org/a.mp4"),
            Err(LinkRefusal::NotHttp)
        );
        assert_eq!(check_url("not a url"), Err(LinkRefusal::NotHttp));
        let long = format!("https://x.org/{}.mp4", "a".repeat(MAX_URL_BYTES));
        assert_eq!(check_url(&long), Err(LinkRefusal::TooLong));
        let kind = |s: &str| check_url(s).and_then(|u| classify(&u));
        assert_eq!(kind("https://x.org/v/clip.MP4?t=1"), Ok(LinkKind::File));
        assert_eq!(kind("http://x.org/clip.webm"), Ok(LinkKind::File));
        assert_eq!(
            kind("https://tube.example/w/9c9de5e8-0a1e-484a-b099-e80766180a6d"),
            Ok(LinkKind::PeerTube {
                id: "9c9de5e8-0a1e-484a-b099-e80766180a6d".into()
            })
        );
        assert_eq!(
            kind("https://tube.example/videos/watch/abc123"),
            Ok(LinkKind::PeerTube {
                id: "abc123".into()
            })
        );
        assert_eq!(kind("https://x.org/page.html"), Err(LinkRefusal::NotAVideo));
        assert_eq!(
            kind("https://x.org/w/../../etc"),
            Err(LinkRefusal::NotAVideo)
        );
        for r in [LinkRefusal::NotAVideo, LinkRefusal::Live] {
            assert_ne!(r.text(Lang::En), r.text(Lang::Fr));
        }
    }
}
