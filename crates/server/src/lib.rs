//! Corridor's server: the JSON API (`corridor_api`) and the pages (`corridor_web`) side by
//! side over one application, behind the layers every request passes — security headers and
//! size limits (`harden`), metrics, admission control (`admit`) — on a connection layer with
//! read deadlines (`http`). Neither face mounts the other; this crate composes them.

pub mod client;
pub mod http;

use axum::Router;
use corridor_api::AppState;
use corridor_app::App;
use std::future::Future;
use std::sync::Arc;

pub use http::{ServerOptions, CSP, MAX_HEADER_BYTES, MAX_URI_BYTES};

/// How many requests the server serves at once unless told otherwise.
pub const DEFAULT_MAX_IN_FLIGHT: usize = 256;

/// What the server's layers share: the API's state (the application and its metrics), the
/// admission permits and the network options.
#[derive(Clone)]
pub struct ServerState {
    pub api: AppState,
    /// Admission control: one permit per request being served.
    pub admission: Arc<tokio::sync::Semaphore>,
    pub options: Arc<ServerOptions>,
}

impl ServerState {
    /// The state of a server that serves at most `max_in_flight` requests at once.
    pub fn new(app: Arc<App>, max_in_flight: usize) -> ServerState {
        ServerState {
            api: AppState::new(app),
            admission: Arc::new(tokio::sync::Semaphore::new(max_in_flight.max(1))),
            options: Arc::new(ServerOptions::default()),
        }
    }

    /// The same state with other server options.
    pub fn with_options(mut self, options: ServerOptions) -> ServerState {
        self.options = Arc::new(options);
        self
    }
}

/// The API and the pages on one router; unknown paths and methods answer problem documents,
/// and every request passes `harden`, the metrics and `admit`.
pub fn router(state: ServerState) -> Router {
    Router::new()
        .merge(corridor_api::routes(state.api.clone()))
        .merge(corridor_web::router(state.api.app.clone()))
        .fallback(corridor_api::not_found)
        .method_not_allowed_fallback(corridor_api::method_not_allowed)
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            http::admit,
        ))
        .layer(axum::middleware::from_fn_with_state(
            state.api.clone(),
            corridor_api::metrics::track,
        ))
        .layer(axum::middleware::from_fn_with_state(state, http::harden))
}

/// Serves until `shutdown` completes, then lets the requests in flight end.
pub async fn serve(
    state: ServerState,
    listener: tokio::net::TcpListener,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    let options = (*state.options).clone();
    http::serve_router(router(state), listener, options, shutdown).await
}
