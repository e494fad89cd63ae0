//! The server's one error type, and the only place errors become HTTP responses.
//!
//! A handler returns `Result<_, Error>`. [`Error::into_response`] picks the status, logs the
//! detail, and tags the response with an [`ErrorPage`]; the `error_pages` middleware in
//! `app.rs` then renders the friendly page in the request's language (an error has no
//! language of its own).

use amphi_store::StoreError;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};

#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// Invalid configuration: the message names the key.
    #[error("{0}")]
    Config(String),
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error("{context}: {source}")]
    Io {
        context: String,
        source: std::io::Error,
    },
    /// A command-line request that cannot be done (unknown owner, taken e-mail...).
    #[error("{0}")]
    Cli(String),
    #[error("page not found")]
    NotFound,
    #[error("room not found")]
    RoomNotFound,
    #[error("not allowed")]
    Forbidden,
    /// A POST without the right CSRF token, or from another origin.
    #[error("cross-site request refused: {0}")]
    Csrf(&'static str),
    /// Anonymous access to a page that needs a login: redirect to the sign-in page.
    #[error("sign-in required")]
    SignInRequired { next: String },
    #[error("setup link used, expired or unknown")]
    SetupLinkInvalid,
    #[error("template rendering failed: {0}")]
    Template(#[from] askama::Error),
    #[error("password hashing failed: {0}")]
    Password(String),
    #[error("internal error: {0}")]
    Internal(String),
}

/// Which friendly page to show; set as a response extension and rendered by the
/// `error_pages` middleware.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ErrorPage {
    NotFound,
    RoomNotFound,
    Forbidden,
    Csrf,
    SetupLinkInvalid,
    Internal,
}

impl Error {
    pub fn io(context: impl Into<String>, source: std::io::Error) -> Error {
        Error::Io {
            context: context.into(),
            source,
        }
    }

    fn page(&self) -> (StatusCode, ErrorPage) {
        match self {
            Error::NotFound => (StatusCode::NOT_FOUND, ErrorPage::NotFound),
            Error::RoomNotFound => (StatusCode::NOT_FOUND, ErrorPage::RoomNotFound),
            Error::Forbidden => (StatusCode::FORBIDDEN, ErrorPage::Forbidden),
            Error::Csrf(_) => (StatusCode::FORBIDDEN, ErrorPage::Csrf),
            Error::SetupLinkInvalid => (StatusCode::GONE, ErrorPage::SetupLinkInvalid),
            Error::Store(StoreError::NotFound) => (StatusCode::NOT_FOUND, ErrorPage::NotFound),
            _ => (StatusCode::INTERNAL_SERVER_ERROR, ErrorPage::Internal),
        }
    }
}

impl IntoResponse for Error {
    fn into_response(self) -> Response {
        if let Error::SignInRequired { next } = &self {
            let location = format!("/signin?next={}", crate::pages::encode_query(next));
            let mut response = StatusCode::SEE_OTHER.into_response();
            if let Ok(value) = HeaderValue::from_str(&location) {
                response.headers_mut().insert(header::LOCATION, value);
            }
            return response;
        }
        let (status, page) = self.page();
        if status.is_server_error() {
            tracing::error!(error = %self, "request failed");
        } else {
            tracing::info!(error = %self, status = status.as_u16(), "request refused");
        }
        // The plain body is replaced by the friendly page; it stays for non-HTML clients if
        // rendering ever fails.
        let mut response = (status, status.canonical_reason().unwrap_or("error")).into_response();
        response.extensions_mut().insert(page);
        response
    }
}
