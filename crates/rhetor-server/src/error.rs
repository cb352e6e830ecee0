//! Errors as the API answers them: a status and a message, as JSON.

use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde::Serialize;
use utoipa::ToSchema;

/// The body of every error answer of `/api/...`.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ErrorBody {
    /// The HTTP status, repeated for clients that only see the body.
    pub status: u16,
    /// What went wrong, for a person.
    pub message: String,
}

/// An error with the status it answers with.
#[derive(Debug, Clone, thiserror::Error)]
#[error("{message}")]
pub struct ApiError {
    pub status: StatusCode,
    pub message: String,
}

impl ApiError {
    pub fn new(status: StatusCode, message: impl Into<String>) -> Self {
        ApiError {
            status,
            message: message.into(),
        }
    }
    pub fn bad_request(message: impl Into<String>) -> Self {
        Self::new(StatusCode::BAD_REQUEST, message)
    }
    pub fn not_found(message: impl Into<String>) -> Self {
        Self::new(StatusCode::NOT_FOUND, message)
    }
    pub fn internal(message: impl Into<String>) -> Self {
        Self::new(StatusCode::INTERNAL_SERVER_ERROR, message)
    }
    pub fn unavailable(message: impl Into<String>) -> Self {
        Self::new(StatusCode::SERVICE_UNAVAILABLE, message)
    }
    pub fn body(&self) -> ErrorBody {
        ErrorBody {
            status: self.status.as_u16(),
            message: self.message.clone(),
        }
    }
}

impl From<rhetor_corpus::CorpusError> for ApiError {
    fn from(e: rhetor_corpus::CorpusError) -> Self {
        match e {
            rhetor_corpus::CorpusError::NotFound { .. } => ApiError::not_found(e.to_string()),
            rhetor_corpus::CorpusError::Invalid(m) => ApiError::bad_request(m),
            rhetor_corpus::CorpusError::Busy(_) => ApiError::unavailable(e.to_string()),
            other => {
                tracing::error!("store: {other}");
                ApiError::internal(other.to_string())
            }
        }
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        (self.status, axum::Json(self.body())).into_response()
    }
}
