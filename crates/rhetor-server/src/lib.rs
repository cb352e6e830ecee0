//! rhetor in a browser: `rhetor serve` (a JSON API described by an OpenAPI document, and web
//! pages) and `rhetor report` (one self-contained HTML file).
//!
//! Layout:
//! - [`state`]: the shared state: read connections to the store, models loaded on first need.
//! - [`api`]: the JSON API under `/api` and its OpenAPI document ([`api::ApiDoc`]).
//! - [`pages`]: the HTML pages; [`views`]: the views they share with [`report`].
//! - [`cache`]: answers of the JSON API kept until the store changes, computed once however
//!   many requests ask at once.
//! - [`router`]: routes plus the layers every answer passes: security headers (a strict
//!   Content-Security-Policy with no inline script, `nosniff`, `frame-ancestors 'none'`), body
//!   size and time limits, request logs.
//!
//! The server never touches the file system beyond the store: styles and script are compiled in
//! ([`assets`]), ids are looked up in the store, never used as paths.

pub mod api;
pub mod assets;
pub mod cache;
pub mod error;
pub mod pages;
pub mod report;
pub mod state;
pub mod testkit;
pub mod views;

use std::future::Future;
use std::sync::Arc;

use axum::extract::{DefaultBodyLimit, Request};
use axum::http::{header, HeaderValue, StatusCode};
use axum::middleware::{self, Next};
use axum::response::Response;
use axum::routing::{get, post};
use axum::Router;
use tower_http::timeout::TimeoutLayer;
use tower_http::trace::{DefaultMakeSpan, DefaultOnResponse, TraceLayer};

pub use error::ApiError;
pub use state::{AppState, ServerConfig};

/// The Content-Security-Policy of every answer: only our own styles and script, no inline
/// script, no plugins, no framing, forms only to ourselves.
pub const CSP: &str =
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; \
font-src 'self'; connect-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; \
frame-ancestors 'none'";

/// Largest request body outside `POST /api/analyze`.
pub const BODY_LIMIT: usize = 16 * 1024;

async fn security_headers(req: Request, next: Next) -> Response {
    let mut res = next.run(req).await;
    let h = res.headers_mut();
    h.insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static(CSP),
    );
    h.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    h.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    h.insert(
        header::REFERRER_POLICY,
        HeaderValue::from_static("no-referrer"),
    );
    h.insert(
        "cross-origin-opener-policy",
        HeaderValue::from_static("same-origin"),
    );
    h.insert(
        "cross-origin-resource-policy",
        HeaderValue::from_static("same-origin"),
    );
    res
}

/// Every route, with its layers.
pub fn router(state: Arc<AppState>) -> Router {
    let analyze = Router::new()
        .route("/api/analyze", post(api::analyze))
        .layer(DefaultBodyLimit::max(state.config.analyze_max_bytes))
        .layer(TimeoutLayer::with_status_code(
            StatusCode::REQUEST_TIMEOUT,
            state.config.analyze_timeout,
        ));
    let rest = Router::new()
        .route("/api/openapi.json", get(api::openapi))
        .route("/api/articles", get(api::articles))
        .route("/api/articles/{id}", get(api::article))
        .route("/api/stories", get(api::stories))
        .route("/api/stories/{id}", get(api::story))
        .route("/api/outlets", get(api::outlets))
        .route("/api/outlets/{name}", get(api::outlet))
        .route("/api/search", get(api::search_api))
        .route("/api/techniques", get(api::techniques))
        .route("/api/{*rest}", get(api::not_found).post(api::not_found))
        .route("/", get(pages::overview))
        .route("/articles", get(pages::articles))
        .route("/articles/{id}", get(pages::article))
        .route("/stories", get(pages::stories))
        .route("/stories/{id}", get(pages::story))
        .route("/outlets/{name}", get(pages::outlet))
        .route("/outlets/{name}/data.csv", get(pages::outlet_csv))
        .route("/search", get(pages::search))
        .route("/techniques", get(pages::techniques))
        .route("/static/{name}", get(assets::serve))
        .fallback(pages::not_found)
        .layer(middleware::from_fn_with_state(
            Arc::clone(&state),
            cache::layer,
        ))
        .layer(DefaultBodyLimit::max(BODY_LIMIT))
        .layer(TimeoutLayer::with_status_code(
            StatusCode::REQUEST_TIMEOUT,
            state.config.request_timeout,
        ));
    analyze
        .merge(rest)
        .with_state(state)
        .layer(middleware::from_fn(security_headers))
        .layer(
            TraceLayer::new_for_http()
                .make_span_with(DefaultMakeSpan::new().level(tracing::Level::INFO))
                .on_response(DefaultOnResponse::new().level(tracing::Level::INFO)),
        )
}

/// Connections the kernel queues before `accept` takes them. tokio's `TcpListener::bind` asks
/// for 1,024; a burst of a thousand fresh connections on two busy cores overflows that queue,
/// and each dropped SYN costs its client a one-second retransmission (measured: p99 1.4 s with
/// every answer cached). The kernel caps this at `net.core.somaxconn` (4,096 here).
pub const LISTEN_BACKLOG: u32 = 4096;

/// Binds `addr` with a listen queue of [`LISTEN_BACKLOG`].
pub fn bind(addr: std::net::SocketAddr) -> std::io::Result<tokio::net::TcpListener> {
    let socket = if addr.is_ipv4() {
        tokio::net::TcpSocket::new_v4()?
    } else {
        tokio::net::TcpSocket::new_v6()?
    };
    socket.set_reuseaddr(true)?;
    socket.bind(addr)?;
    socket.listen(LISTEN_BACKLOG)
}

/// Serves on `listener` until `shutdown` resolves, then finishes the requests in flight.
pub async fn serve(
    listener: tokio::net::TcpListener,
    state: Arc<AppState>,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    axum::serve(listener, router(state))
        .with_graceful_shutdown(shutdown)
        .await
}

/// Resolves on Ctrl-C or SIGTERM.
pub async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let term = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! {
        _ = ctrl_c => {},
        _ = term => {},
    }
    tracing::info!("shutting down: finishing the requests in flight");
}

/// What `rhetor serve` runs: opens the store, binds, serves until Ctrl-C or SIGTERM.
/// `on_ready` is told the address once the socket is bound.
pub fn run(
    config: ServerConfig,
    on_ready: impl FnOnce(std::net::SocketAddr),
) -> Result<(), ApiError> {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .max_blocking_threads(64)
        .build()
        .map_err(|e| ApiError::internal(format!("runtime: {e}")))?;
    let addr = std::net::SocketAddr::new(config.bind, config.port);
    let state = Arc::new(AppState::open(config)?);
    rt.block_on(async move {
        let listener =
            bind(addr).map_err(|e| ApiError::internal(format!("cannot listen on {addr}: {e}")))?;
        let local = listener
            .local_addr()
            .map_err(|e| ApiError::internal(e.to_string()))?;
        on_ready(local);
        serve(listener, state, shutdown_signal())
            .await
            .map_err(|e| ApiError::internal(format!("server: {e}")))
    })
}
