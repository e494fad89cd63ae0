//! `web/` under `/static/`. Release builds embed the folder in the binary (rust-embed), so
//! the server runs from any directory; debug builds read it from disk, so edits show on
//! reload. Responses carry the content type, a strong ETag (the file's SHA-256) and a short
//! public cache lifetime: file names carry no hash, so browsers revalidate after 5 minutes
//! and get `304 Not Modified` when nothing changed.

use axum::extract::Path;
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use rust_embed::RustEmbed;

use crate::Error;

#[derive(RustEmbed)]
#[folder = "../../web/"]
#[exclude = "*.md"]
struct Web;

const CACHE_CONTROL: &str = if cfg!(debug_assertions) {
    "no-cache"
} else {
    "public, max-age=300"
};

/// `GET /static/{*path}`.
pub async fn serve(Path(path): Path<String>, headers: HeaderMap) -> Result<Response, Error> {
    if path
        .split('/')
        .any(|part| part == ".." || part.starts_with('.'))
    {
        return Err(Error::NotFound);
    }
    let file = Web::get(&path).ok_or(Error::NotFound)?;
    let etag = format!("\"{}\"", hex::encode(file.metadata.sha256_hash()));
    let matches = headers
        .get(header::IF_NONE_MATCH)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.split(',').any(|t| t.trim() == etag || t.trim() == "*"));
    let content_type = mime_guess::from_path(&path)
        .first_raw()
        .map_or("application/octet-stream", |m| m);
    let content_type = if content_type.starts_with("text/")
        || content_type == "application/javascript"
        || content_type == "application/json"
    {
        format!("{content_type}; charset=utf-8")
    } else {
        content_type.to_owned()
    };
    let mut response = if matches {
        StatusCode::NOT_MODIFIED.into_response()
    } else {
        (StatusCode::OK, file.data.into_owned()).into_response()
    };
    let h = response.headers_mut();
    if let Ok(v) = HeaderValue::from_str(&content_type) {
        h.insert(header::CONTENT_TYPE, v);
    }
    if let Ok(v) = HeaderValue::from_str(&etag) {
        h.insert(header::ETAG, v);
    }
    h.insert(
        header::CACHE_CONTROL,
        HeaderValue::from_static(CACHE_CONTROL),
    );
    Ok(response)
}
