//! Request bodies and path parameters, refused in the API's own shape: a body that is not
//! JSON is 400, a value of the wrong type or a missing field is 422 naming the field (by its
//! JSON path, through `serde_path_to_error`), a body over the limit is 413.

use axum::body::Bytes;
use axum::extract::rejection::BytesRejection;
use axum::extract::{FromRequest, FromRequestParts, Path, Request};
use axum::http::request::Parts;
use axum::http::{StatusCode, header};
use serde::Deserialize;
use serde::de::DeserializeOwned;

use super::error::ApiError;

/// A JSON request body of type `T`.
#[derive(Debug)]
pub struct ApiJson<T>(pub T);

impl<T: DeserializeOwned, S: Send + Sync> FromRequest<S> for ApiJson<T> {
    type Rejection = ApiError;

    async fn from_request(request: Request, state: &S) -> Result<Self, ApiError> {
        let is_json = request
            .headers()
            .get(header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.split(';').next())
            .is_some_and(|mime| {
                let mime = mime.trim().to_ascii_lowercase();
                mime == "application/json" || mime.ends_with("+json")
            });
        if !is_json {
            return Err(ApiError::unsupported_media_type());
        }
        let bytes = Bytes::from_request(request, state)
            .await
            .map_err(|e: BytesRejection| {
                if e.status() == StatusCode::PAYLOAD_TOO_LARGE {
                    ApiError::payload_too_large()
                } else {
                    ApiError::bad_request(format!("The body could not be read: {e}"))
                }
            })?;
        parse(&bytes).map(ApiJson)
    }
}

/// Parses a JSON body: syntax errors are 400, type errors 422 with the field's path.
pub fn parse<T: DeserializeOwned>(bytes: &[u8]) -> Result<T, ApiError> {
    // Syntax first, so that a broken body is told apart from a wrong value.
    let value: serde_json::Value = serde_json::from_slice(bytes)
        .map_err(|e| ApiError::bad_request(format!("The body is not valid JSON: {e}")))?;
    if !value.is_object() {
        return Err(ApiError::bad_request("The body must be a JSON object."));
    }
    serde_path_to_error::deserialize(value).map_err(|e| {
        let inner = e.inner().to_string();
        let path = e.path().to_string();
        // serde reports a missing field at the object itself: name it from the message.
        let field = if path == "." || path.is_empty() {
            missing_field(&inner).unwrap_or_default()
        } else {
            path
        };
        ApiError::invalid(field, capitalised(&inner))
    })
}

/// `missing field `name`` → `name`.
fn missing_field(message: &str) -> Option<String> {
    let rest = message.strip_prefix("missing field `")?;
    Some(rest.split('`').next()?.to_owned())
}

fn capitalised(message: &str) -> String {
    let mut chars = message.chars();
    match chars.next() {
        Some(first) => format!("{}{}.", first.to_uppercase(), chars.as_str()),
        None => String::new(),
    }
}

/// A path parameter of the API (a slug, an id): a segment that is not valid text finds
/// nothing (404), as an unknown slug does.
#[derive(Debug)]
pub struct ApiPath<T>(pub T);

impl<T, S> FromRequestParts<S> for ApiPath<T>
where
    T: DeserializeOwned + Send,
    S: Send + Sync,
{
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, ApiError> {
        Path::<T>::from_request_parts(parts, state)
            .await
            .map(|Path(v)| ApiPath(v))
            .map_err(|_| ApiError::not_found())
    }
}

/// `null` kept apart from absent, for PATCH fields that can be cleared: absent is `None`,
/// `null` is `Some(None)`. Use with `#[serde(default, deserialize_with = "nullable")]`.
pub fn nullable<'de, D, T>(deserializer: D) -> Result<Option<Option<T>>, D::Error>
where
    D: serde::Deserializer<'de>,
    T: Deserialize<'de>,
{
    Option::<T>::deserialize(deserializer).map(Some)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Debug, Deserialize)]
    #[allow(dead_code)] // read through Debug only
    struct Body {
        name: String,
        #[serde(default)]
        max: Option<u32>,
        #[serde(default, deserialize_with = "nullable")]
        cap: Option<Option<u32>>,
    }

    fn field_of(body: &str) -> Option<String> {
        let e = parse::<Body>(body.as_bytes()).expect_err("refused");
        let response = axum::response::IntoResponse::into_response(e.clone());
        assert_eq!(response.status(), e.status());
        e_field(&e)
    }

    fn e_field(e: &ApiError) -> Option<String> {
        // The field as the client would read it.
        let json = serde_json::to_value(super::super::error::ErrorBody {
            error: e.detail().clone(),
        })
        .expect("serialisable");
        json["error"]["field"].as_str().map(str::to_owned)
    }

    #[test]
    fn refusals_name_the_field() {
        assert_eq!(field_of(r#"{"name": 5}"#).as_deref(), Some("name"));
        assert_eq!(field_of(r#"{}"#).as_deref(), Some("name"));
        assert_eq!(
            field_of(r#"{"name": "a", "max": -1}"#).as_deref(),
            Some("max")
        );
        assert_eq!(
            field_of(r#"{"name": "a", "cap": "x"}"#).as_deref(),
            Some("cap")
        );
        assert_eq!(
            parse::<Body>(b"{nope").expect_err("syntax").status(),
            StatusCode::BAD_REQUEST
        );
        assert_eq!(
            parse::<Body>(b"[1]").expect_err("array").status(),
            StatusCode::BAD_REQUEST
        );
    }

    #[test]
    fn null_is_not_absent() {
        let b: Body = parse(br#"{"name": "a", "cap": null}"#).expect("valid");
        assert_eq!(b.cap, Some(None));
        let b: Body = parse(br#"{"name": "a"}"#).expect("valid");
        assert_eq!(b.cap, None);
        let b: Body = parse(br#"{"name": "a", "cap": 3}"#).expect("valid");
        assert_eq!(b.cap, Some(Some(3)));
    }
}
