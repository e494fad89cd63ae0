//! Why an upload or a request on content is refused: each reason has its status, the form
//! field it concerns, and a text in the reader's language (`i18n/content.rs`).

use axum::Json;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde::Serialize;

use super::image::ImageProblem;
use super::sniff::Sniffed;
use super::video::VideoProblem;
use crate::i18n::Lang;

/// A refusal. Nothing it concerns is kept: no file on disk, no item in the store.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Refusal {
    /// Not signed in.
    SignIn,
    /// The `x-csrf-token` header is missing or wrong.
    Csrf,
    /// Signed in, but not staff of this session (or not allowed this action on this item).
    NotStaff,
    /// No `file` field in a multipart body.
    NoFile,
    /// The file is empty.
    Empty,
    /// Not a PNG, JPEG, PDF or MP4, by its first bytes.
    WrongType,
    /// Larger than the limit for its kind (in MB).
    TooLarge {
        kind: Sniffed,
        limit_mb: u64,
    },
    Image(ImageProblem),
    /// `pdfinfo` cannot read it (damaged, or protected by a password), or it has no page.
    PdfUnreadable,
    TooManyPages {
        pages: u64,
        limit: u64,
    },
    Video(VideoProblem),
    /// The body ended before the file did (the browser stopped sending).
    Interrupted,
}

/// The JSON body of a refusal: `{"error": "<for people>", "field": "file" | null}`.
#[derive(Debug, Serialize)]
struct RefusalBody {
    error: String,
    field: Option<&'static str>,
}

impl Refusal {
    pub fn status(&self) -> StatusCode {
        match self {
            Refusal::SignIn => StatusCode::UNAUTHORIZED,
            Refusal::Csrf | Refusal::NotStaff => StatusCode::FORBIDDEN,
            Refusal::TooLarge { .. } => StatusCode::PAYLOAD_TOO_LARGE,
            Refusal::WrongType => StatusCode::UNSUPPORTED_MEDIA_TYPE,
            Refusal::NoFile | Refusal::Empty | Refusal::Interrupted => StatusCode::BAD_REQUEST,
            Refusal::Image(_)
            | Refusal::PdfUnreadable
            | Refusal::TooManyPages { .. }
            | Refusal::Video(_) => StatusCode::UNPROCESSABLE_ENTITY,
        }
    }

    /// The form field the message belongs next to.
    pub fn field(&self) -> Option<&'static str> {
        match self {
            Refusal::SignIn | Refusal::Csrf | Refusal::NotStaff => None,
            _ => Some("file"),
        }
    }

    /// The JSON response, in `lang`.
    pub fn response(&self, lang: Lang) -> Response {
        tracing::info!(refusal = ?self, "content request refused");
        let body = RefusalBody {
            error: crate::i18n::content::refusal(lang, self),
            field: self.field(),
        };
        let mut response = (self.status(), Json(body)).into_response();
        response.headers_mut().insert(
            axum::http::header::CACHE_CONTROL,
            axum::http::HeaderValue::from_static("no-store"),
        );
        response
    }
}
