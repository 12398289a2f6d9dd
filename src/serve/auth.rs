//! Who is asking: the organiser (a Bearer token on the API, or the session cookie the token URL
//! sets for the pages), with CSRF checks on what a cookie may change.

use std::sync::Arc;

use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use axum::http::{header, Method};

use super::store::same_secret;
use super::{ApiError, App};

/// The session cookie's name.
pub const COOKIE: &str = "mm_session";

/// An organiser's request. `csrf` is the session's token when the request came with the cookie
/// (pages); forms must send it back.
#[derive(Debug, Clone)]
pub struct Organiser {
    /// The CSRF token forms carry (`None` with a Bearer token).
    pub csrf: Option<String>,
}

impl Organiser {
    /// Checks the token a form sent (cookie sessions only; a Bearer token needs none).
    pub fn check_csrf(&self, sent: Option<&str>) -> Result<(), ApiError> {
        match &self.csrf {
            Some(expected) if !sent.is_some_and(|sent| same_secret(sent, expected)) => {
                Err(ApiError::Forbidden(
                    "the form's CSRF token is missing or stale; reload the page".into(),
                ))
            }
            _ => Ok(()),
        }
    }
}

/// The value of a cookie in the request.
pub fn cookie(parts: &Parts, name: &str) -> Option<String> {
    parts
        .headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|value| value.to_str().ok())
        .flat_map(|value| value.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(key, _)| *key == name)
        .map(|(_, value)| value.to_string())
}

fn bearer(parts: &Parts) -> Option<String> {
    let value = parts.headers.get(header::AUTHORIZATION)?.to_str().ok()?;
    let token = value.strip_prefix("Bearer ")?;
    Some(token.trim().to_string())
}

/// Whether the method changes state (and so needs CSRF protection with a cookie).
fn unsafe_method(method: &Method) -> bool {
    !matches!(*method, Method::GET | Method::HEAD | Method::OPTIONS)
}

impl FromRequestParts<Arc<App>> for Organiser {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, app: &Arc<App>) -> Result<Self, ApiError> {
        let token = bearer(parts);
        let session = cookie(parts, COOKIE);
        let header_csrf = parts
            .headers
            .get("x-csrf-token")
            .and_then(|v| v.to_str().ok())
            .map(str::to_string);
        let on_api = parts.uri.path().starts_with("/api/");
        let unsafe_request = unsafe_method(&parts.method);
        super::blocking(app, move |app| {
            if let Some(token) = token {
                return if app.store().is_organiser(&token)? {
                    Ok(Organiser { csrf: None })
                } else {
                    Err(ApiError::Unauthorized)
                };
            }
            let Some(session) = session else {
                return Err(ApiError::Unauthorized);
            };
            let Some(csrf) = app.store().session_csrf(&session)? else {
                return Err(ApiError::Unauthorized);
            };
            // The API with a cookie (the pages' own scripts) sends the token as a header.
            let csrf_sent = header_csrf.is_some_and(|sent| same_secret(&sent, &csrf));
            if on_api && unsafe_request && !csrf_sent {
                return Err(ApiError::Forbidden(
                    "X-CSRF-Token header missing or wrong".into(),
                ));
            }
            Ok(Organiser { csrf: Some(csrf) })
        })
        .await
    }
}
