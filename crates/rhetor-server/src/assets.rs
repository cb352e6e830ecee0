//! The static files, compiled into the binary. `/static/{name}` looks the name up in this fixed
//! table: nothing is read from the file system, so no path can reach a file.

use axum::extract::Path;
use axum::http::header;
use axum::response::{IntoResponse, Response};

use crate::error::ApiError;
use crate::pages::PageError;

/// The stylesheet of the pages and the report.
pub const CSS: &str = include_str!("assets/app.css");
/// The one script (optional enhancement of the article page).
pub const JS: &str = include_str!("assets/app.js");

/// (name, content type, body)
const FILES: &[(&str, &str, &str)] = &[
    ("app.css", "text/css; charset=utf-8", CSS),
    ("app.js", "text/javascript; charset=utf-8", JS),
];

/// `GET /static/{name}`.
pub async fn serve(Path(name): Path<String>) -> Response {
    match FILES.iter().find(|(n, _, _)| *n == name) {
        Some((_, ct, body)) => (
            [
                (header::CONTENT_TYPE, *ct),
                (header::CACHE_CONTROL, "public, max-age=3600"),
            ],
            *body,
        )
            .into_response(),
        None => PageError(ApiError::not_found("no such file")).into_response(),
    }
}
