//! The connection layer and the layers every request passes: connections with read timeouts, the client's address, request limits,
//! security headers on every answer, and problem documents for every error status.

use crate::ServerState;
use axum::body::Body;
use axum::extract::{Request, State};
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use corridor_api::problem::ApiError;
use corridor_app::ClientIp;
use corridor_app::ErrorCode;
use std::future::Future;
use std::net::IpAddr;
use std::pin::Pin;
use std::task::{Context, Poll};
use std::time::Duration;

/// How the server meets the network; the defaults suit a server reached directly.
#[derive(Debug, Clone)]
pub struct ServerOptions {
    /// Mark cookies `Secure` and send `Strict-Transport-Security`: set when the server is
    /// reached over HTTPS (usually through a proxy that ends TLS).
    pub secure_cookies: bool,
    /// Proxies whose `X-Forwarded-For` names the client (its last entry is taken); from any
    /// other peer the header is ignored.
    pub trusted_proxies: Vec<IpAddr>,
    /// A request's head must arrive within this (also the keep-alive idle limit).
    pub header_timeout: Duration,
    /// A request's body must arrive within this, from its first byte to its last.
    pub body_timeout: Duration,
}

impl Default for ServerOptions {
    fn default() -> Self {
        ServerOptions {
            secure_cookies: false,
            trusted_proxies: Vec::new(),
            header_timeout: Duration::from_secs(10),
            body_timeout: Duration::from_secs(30),
        }
    }
}

/// The longest request target (path and query) answered; longer ones get 414.
pub const MAX_URI_BYTES: usize = 8 * 1024;
/// The largest request body read (axum's own limit for every extractor, which this checks from
/// the head); a larger announced body gets 413 before it is read.
pub const MAX_BODY_BYTES: usize = 2 * 1024 * 1024;
/// The most header bytes (names and values) a request may carry; more get 431.
pub const MAX_HEADER_BYTES: usize = 32 * 1024;
/// Headers a request may carry before the connection layer itself refuses it.
const MAX_HEADERS: usize = 200;

/// The Content-Security-Policy of every answer: no inline script or style; styles, images
/// and the one script (`/static/lot.js`, which refreshes an auction lot's page from this
/// site's API; every page works without it) come from this site (images also as `data:`
/// URLs, for QR codes).
pub const CSP: &str = "default-src 'none'; style-src 'self'; img-src 'self' data:; \
    script-src 'self'; connect-src 'self'; \
    form-action 'self'; frame-ancestors 'none'; base-uri 'none'";

/// Serves `router` on `listener` until `shutdown` completes, then lets requests in flight end.
pub async fn serve_router(
    router: axum::Router,
    listener: tokio::net::TcpListener,
    options: ServerOptions,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    use hyper_util::rt::{TokioIo, TokioTimer};
    let graceful = hyper_util::server::graceful::GracefulShutdown::new();
    let mut http = hyper::server::conn::http1::Builder::new();
    http.timer(TokioTimer::new())
        .header_read_timeout(options.header_timeout)
        .max_headers(MAX_HEADERS)
        .keep_alive(true);
    tokio::pin!(shutdown);
    loop {
        let (stream, peer) = tokio::select! {
            r = listener.accept() => match r {
                Ok(x) => x,
                Err(e) => {
                    // Out of descriptors and the like: wait a moment instead of spinning.
                    tracing::warn!(error = %e, "accept failed");
                    tokio::time::sleep(Duration::from_millis(50)).await;
                    continue;
                }
            },
            () = &mut shutdown => break,
        };
        let _ = stream.set_nodelay(true);
        let client = PeerIp(peer.ip());
        let svc = router.clone();
        let service = hyper::service::service_fn(move |mut req: Request<hyper::body::Incoming>| {
            req.extensions_mut().insert(client);
            let svc = svc.clone();
            async move {
                use tower::ServiceExt;
                svc.oneshot(req.map(Body::new)).await
            }
        });
        let conn = http.serve_connection(TokioIo::new(stream), service);
        let conn = graceful.watch(conn);
        tokio::spawn(async move {
            if let Err(e) = conn.await {
                tracing::debug!(error = %e, "connection ended with an error");
            }
        });
    }
    drop(listener);
    tokio::select! {
        () = graceful.shutdown() => {}
        () = tokio::time::sleep(Duration::from_secs(30)) => {
            tracing::warn!("requests still running 30 s after shutdown began; stopping anyway");
        }
    }
    Ok(())
}

/// The address of the socket's other end.
#[derive(Debug, Clone, Copy)]
pub struct PeerIp(pub IpAddr);

/// Every request passes here first: the client's address is resolved, over-long targets and
/// header sets are refused, the body gets its deadline; every answer gets the security
/// headers, `Secure` cookies where configured, and a problem document if it is an error
/// without one.
pub async fn harden(State(s): State<ServerState>, mut req: Request, next: Next) -> Response {
    let opts = &s.options;
    let peer = req
        .extensions()
        .get::<PeerIp>()
        .map(|p| p.0)
        .unwrap_or(IpAddr::from([0u8, 0, 0, 0]));
    let client = if opts.trusted_proxies.contains(&peer) {
        forwarded_for(req.headers()).unwrap_or(peer)
    } else {
        peer
    };
    req.extensions_mut().insert(ClientIp(client));
    let private = req.headers().contains_key(header::AUTHORIZATION)
        || req
            .headers()
            .get_all(header::COOKIE)
            .iter()
            .any(|v| v.as_bytes().windows(8).any(|w| w == b"session="));
    let refused = if req.uri().to_string().len() > MAX_URI_BYTES {
        Some((
            ErrorCode::UriTooLong,
            format!("the URL is longer than {MAX_URI_BYTES} bytes"),
        ))
    } else if announced_body(req.headers()) > body_limit(&req) as u64 {
        // Refused from the head: a body that cannot be accepted is not read first.
        Some((
            ErrorCode::PayloadTooLarge,
            format!("the body is larger than {} bytes", body_limit(&req)),
        ))
    } else if header_bytes(req.headers()) > MAX_HEADER_BYTES {
        Some((
            ErrorCode::HeadersTooLarge,
            format!("the headers are larger than {MAX_HEADER_BYTES} bytes"),
        ))
    } else {
        None
    };
    let mut res = match refused {
        Some((code, detail)) => ApiError::new(code, detail).into_response(),
        None => {
            let req = req.map(|b| Body::new(DeadlineBody::new(b, opts.body_timeout)));
            as_problem(next.run(req).await).await
        }
    };
    secure_headers(res.headers_mut(), opts.secure_cookies, private);
    res
}

/// The largest body a request may announce: an upload of a case's material may be larger
/// (its route reads up to [`corridor_app::materials::MAX_UPLOAD_BYTES`]; the configured
/// per-file limit is checked after), and so may a file or a bundle another node sends.
fn body_limit<B>(req: &Request<B>) -> usize {
    let p = req.uri().path();
    let upload = req.method() == axum::http::Method::POST
        && ((p.starts_with("/api/v1/cases/") && p.contains("/materials/"))
            || (p.starts_with("/cases/") && p.ends_with("/materials")));
    let post = req.method() == axum::http::Method::POST;
    if upload {
        corridor_app::materials::MAX_UPLOAD_BYTES
    } else if post && p == "/api/v1/exchange/files" {
        corridor_api::exchange::MAX_FILE_FRAME
    } else if post && p == "/api/v1/exchange/bundles" {
        corridor_app::outbox::MAX_BUNDLE
    } else if post && p == "/api/v1/exchange/batches" {
        corridor_app::outbox::MAX_BATCH
    } else {
        MAX_BODY_BYTES
    }
}

/// The body size a request announces (`Content-Length`), 0 when it announces none.
fn announced_body(h: &HeaderMap) -> u64 {
    h.get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.trim().parse().ok())
        .unwrap_or(0)
}

/// The last address in `X-Forwarded-For` (the one the trusted proxy added).
fn forwarded_for(h: &HeaderMap) -> Option<IpAddr> {
    h.get_all("x-forwarded-for")
        .iter()
        .next_back()
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.rsplit(',').next())
        .and_then(|a| a.trim().parse().ok())
}

fn header_bytes(h: &HeaderMap) -> usize {
    h.iter().map(|(k, v)| k.as_str().len() + v.len() + 4).sum()
}

fn secure_headers(h: &mut HeaderMap, secure: bool, private: bool) {
    let set = |h: &mut HeaderMap, k: header::HeaderName, v: &'static str| {
        h.insert(k, HeaderValue::from_static(v));
    };
    set(h, header::CONTENT_SECURITY_POLICY, CSP);
    set(h, header::X_CONTENT_TYPE_OPTIONS, "nosniff");
    set(h, header::X_FRAME_OPTIONS, "DENY");
    set(h, header::REFERRER_POLICY, "no-referrer");
    set(
        h,
        header::HeaderName::from_static("cross-origin-opener-policy"),
        "same-origin",
    );
    set(
        h,
        header::HeaderName::from_static("cross-origin-resource-policy"),
        "same-origin",
    );
    set(
        h,
        header::HeaderName::from_static("permissions-policy"),
        "camera=(), microphone=(), geolocation=(), interest-cohort=()",
    );
    // Answers to a signed-in caller may hold personal data: no cache keeps them.
    if private || !h.contains_key(header::CACHE_CONTROL) {
        set(h, header::CACHE_CONTROL, "no-store");
    }
    if secure {
        set(
            h,
            header::STRICT_TRANSPORT_SECURITY,
            "max-age=31536000; includeSubDomains",
        );
        let cookies: Vec<HeaderValue> = h
            .get_all(header::SET_COOKIE)
            .iter()
            .map(|c| {
                let s = c.to_str().unwrap_or("");
                if s.to_ascii_lowercase().contains("; secure") {
                    c.clone()
                } else {
                    HeaderValue::from_str(&format!("{s}; Secure")).unwrap_or_else(|_| c.clone())
                }
            })
            .collect();
        h.remove(header::SET_COOKIE);
        for c in cookies {
            h.append(header::SET_COOKIE, c);
        }
    }
}

/// An error answer that is neither a problem document nor a page (the framework's own 413,
/// 415, 422 and the like) becomes a problem document with the code its status stands for.
async fn as_problem(res: Response) -> Response {
    let status = res.status();
    if !(status.is_client_error() || status.is_server_error()) {
        return res;
    }
    let ct = res
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    if ct.starts_with("application/problem+json") || ct.starts_with("text/html") {
        return res;
    }
    let retry = res.headers().get(header::RETRY_AFTER).cloned();
    let text = match axum::body::to_bytes(res.into_body(), 4096).await {
        Ok(b) => String::from_utf8_lossy(&b).chars().take(300).collect(),
        Err(_) => String::new(),
    };
    let code = match status {
        StatusCode::NOT_FOUND => ErrorCode::NotFound,
        StatusCode::METHOD_NOT_ALLOWED => ErrorCode::MethodNotAllowed,
        StatusCode::REQUEST_TIMEOUT => ErrorCode::RequestTimeout,
        StatusCode::PAYLOAD_TOO_LARGE => ErrorCode::PayloadTooLarge,
        StatusCode::URI_TOO_LONG => ErrorCode::UriTooLong,
        StatusCode::UNSUPPORTED_MEDIA_TYPE => ErrorCode::UnsupportedMediaType,
        StatusCode::REQUEST_HEADER_FIELDS_TOO_LARGE => ErrorCode::HeadersTooLarge,
        StatusCode::UNPROCESSABLE_ENTITY => ErrorCode::ValidationFailed,
        StatusCode::SERVICE_UNAVAILABLE => ErrorCode::Overloaded,
        s if s.is_server_error() => ErrorCode::Internal,
        _ => ErrorCode::BadRequest,
    };
    let detail = if text.trim().is_empty() {
        code.title_en().to_string()
    } else {
        text
    };
    let mut out = ApiError::new(code, detail).into_response();
    *out.status_mut() = status;
    if let Some(r) = retry {
        out.headers_mut().insert(header::RETRY_AFTER, r);
    }
    out
}

/// A request body that must arrive whole before a deadline, however slowly its bytes come.
struct DeadlineBody {
    inner: Body,
    deadline: Pin<Box<tokio::time::Sleep>>,
}

impl DeadlineBody {
    fn new(inner: Body, within: Duration) -> Self {
        DeadlineBody {
            inner,
            deadline: Box::pin(tokio::time::sleep(within)),
        }
    }
}

#[derive(Debug)]
struct BodyTimedOut;

impl std::fmt::Display for BodyTimedOut {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("the request body did not arrive in time")
    }
}

impl std::error::Error for BodyTimedOut {}

impl http_body::Body for DeadlineBody {
    type Data = axum::body::Bytes;
    type Error = axum::BoxError;

    fn poll_frame(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<http_body::Frame<Self::Data>, Self::Error>>> {
        if self.deadline.as_mut().poll(cx).is_ready() {
            return Poll::Ready(Some(Err(Box::new(BodyTimedOut))));
        }
        Pin::new(&mut self.inner)
            .poll_frame(cx)
            .map(|f| f.map(|r| r.map_err(Into::into)))
    }

    fn is_end_stream(&self) -> bool {
        self.inner.is_end_stream()
    }

    fn size_hint(&self) -> http_body::SizeHint {
        self.inner.size_hint()
    }
}

/// Admission control: beyond the configured number of requests in flight the answer is at
/// once 503 `overloaded` with `Retry-After`, so that an overload cannot queue requests (and
/// their memory) without bound, and the requests admitted keep their latency.
pub async fn admit(
    State(s): State<ServerState>,
    req: axum::extract::Request,
    next: axum::middleware::Next,
) -> Response {
    match s.admission.clone().try_acquire_owned() {
        Ok(permit) => {
            let r = next.run(req).await;
            drop(permit);
            r
        }
        Err(_) => {
            note_refusal();
            let mut r = ApiError::new(
                ErrorCode::Overloaded,
                "too many requests in flight; retry in a moment",
            )
            .into_response();
            r.headers_mut()
                .insert(header::RETRY_AFTER, header::HeaderValue::from_static("1"));
            r
        }
    }
}

/// Counts refused requests and logs a warning with the count at most once a second.
fn note_refusal() {
    use std::sync::atomic::{AtomicU64, Ordering};
    static REFUSED: AtomicU64 = AtomicU64::new(0);
    static LOGGED_AT: AtomicU64 = AtomicU64::new(0);
    let n = REFUSED.fetch_add(1, Ordering::Relaxed) + 1;
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs());
    let last = LOGGED_AT.load(Ordering::Relaxed);
    if now > last
        && LOGGED_AT
            .compare_exchange(last, now, Ordering::Relaxed, Ordering::Relaxed)
            .is_ok()
    {
        tracing::warn!(
            refused_total = n,
            "overloaded: refusing requests beyond --max-in-flight (503, Retry-After: 1)"
        );
    }
}
