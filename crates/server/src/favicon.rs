//! `GET /favicon.ico`: a small SVG icon. Every page links it, and browsers ask for this path
//! anyway; without it each page view logged a 404.

use axum::http::header;
use axum::response::{IntoResponse, Response};

/// A rounded square with a white "A".
const ICON: &str = "<svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 16 16\">\
<rect width=\"16\" height=\"16\" rx=\"3\" fill=\"#2b5cab\"/>\
<path d=\"M4.5 12.5 8 3.5l3.5 9M5.8 9.3h4.4\" stroke=\"#fff\" stroke-width=\"1.6\" \
fill=\"none\" stroke-linejoin=\"round\"/></svg>";

pub async fn favicon() -> Response {
    (
        [
            (header::CONTENT_TYPE, "image/svg+xml"),
            (header::CACHE_CONTROL, "public, max-age=86400"),
        ],
        ICON,
    )
        .into_response()
}
