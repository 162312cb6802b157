//! The HTTP edge every function shares: authentication, body limits, deadlines, metrics,
//! panic safety, and the one mapping from a [`Rejection`] to a response in the dialect's
//! own shape. A 500 never carries internals: the log has them, under the request id that
//! the response also returns.

use std::future::Future;
use std::panic::AssertUnwindSafe;
use std::sync::Arc;
use std::time::Duration;

use futures::FutureExt;
use lambda_http::http::{HeaderMap, HeaderValue, StatusCode, header};
use lambda_http::{Body, Request, RequestExt, Response};
use serde::Serialize;
use serde_json::Value;
use tracing::Instrument;

use crate::auth::{self, AuthError, KeyHash, KeyScheme, Principal, Scope};
use crate::idempotency::{self, Claim, Decision, SavedResponse, ScopedKey};
use crate::render;
use crate::store::{Backend, Deadline, StoreError};
use crate::telemetry::{self, RequestMetrics};
use crate::ttl_cache::KeyCache;

/// Largest request body accepted. A 1,000-item batch is far below it.
pub const MAX_BODY_BYTES: usize = 2 * 1024 * 1024;
/// Time kept back from the Lambda deadline to render and send the response. The work allowed
/// past the store deadline fits in it: confirming lost writes (700 ms), correcting a job
/// record (400 ms) and settling an idempotency key (300 ms).
pub const DEADLINE_MARGIN: Duration = Duration::from_millis(1500);
/// Work budget when the invocation carries no deadline (tests calling handlers directly).
pub const DEFAULT_BUDGET: Duration = Duration::from_secs(25);
/// The request id on every response, for support requests.
const X_REQUEST_ID: header::HeaderName = header::HeaderName::from_static("x-request-id");

/// A code a dialect puts in its error bodies: numeric (batchStock) or symbolic (Wix).
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum ErrorCode {
    Number(u32),
    Text(&'static str),
}

/// What kind of failure ended a request early.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum Kind {
    Auth(AuthError),
    TooLarge,
    /// A body encoded in a way the service does not decode (`Content-Encoding: gzip`).
    UnsupportedEncoding,
    Invalid,
    /// A request with the same `Idempotency-Key` is still running.
    Conflict,
    NotFound,
    Unavailable,
    Internal,
}

/// A request-level failure: the status, a client-safe message, and an optional code.
#[derive(Clone, PartialEq, Eq, Debug)]
pub struct Rejection {
    pub status: StatusCode,
    pub kind: Kind,
    pub message: String,
    pub code: Option<ErrorCode>,
    /// Structured detail a dialect renders in its own way (Wix field violations, say).
    pub detail: Option<Box<Value>>,
}

impl Rejection {
    pub fn new(status: StatusCode, kind: Kind, message: impl Into<String>) -> Self {
        Rejection {
            status,
            kind,
            message: message.into(),
            code: None,
            detail: None,
        }
    }

    /// 400 with a message the client can act on.
    pub fn invalid(message: impl Into<String>) -> Self {
        Rejection::new(StatusCode::BAD_REQUEST, Kind::Invalid, message)
    }

    pub fn not_found(message: impl Into<String>) -> Self {
        Rejection::new(StatusCode::NOT_FOUND, Kind::NotFound, message)
    }

    pub fn with_code(mut self, code: ErrorCode) -> Self {
        self.code = Some(code);
        self
    }

    pub fn with_detail(mut self, detail: Value) -> Self {
        self.detail = Some(Box::new(detail));
        self
    }

    pub fn with_status(mut self, status: StatusCode) -> Self {
        self.status = status;
        self
    }

    pub fn auth(err: AuthError, scheme: KeyScheme) -> Self {
        let how = match scheme {
            KeyScheme::Bearer { x_api_key: false } => "an Authorization: Bearer header",
            KeyScheme::Bearer { x_api_key: true } => {
                "an Authorization: Bearer header or an x-api-key header"
            }
            KeyScheme::Token => "an Authorization: Token header",
            KeyScheme::Bare => "the Authorization header",
        };
        let (status, message) = match err {
            AuthError::Missing => (
                StatusCode::UNAUTHORIZED,
                format!("Missing API key: send it in {how}"),
            ),
            AuthError::Malformed => (
                StatusCode::UNAUTHORIZED,
                format!("Malformed credentials: send the API key in {how}"),
            ),
            AuthError::Invalid => (StatusCode::UNAUTHORIZED, "Invalid API key".to_owned()),
            AuthError::MissingScope(scope) => (
                StatusCode::FORBIDDEN,
                format!("This API key does not have the {scope} scope"),
            ),
        };
        Rejection::new(status, Kind::Auth(err), message)
    }

    /// 500, logged with its cause; the client sees only that something failed.
    pub fn internal(context: &str, error: &(dyn std::error::Error + 'static)) -> Self {
        tracing::error!(error = %error, cause = ?error.source(), "{context}");
        Rejection::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            Kind::Internal,
            "Internal server error",
        )
    }

    /// 503: the store could not finish in time or is unavailable; safe to retry.
    pub fn unavailable() -> Self {
        Rejection::new(
            StatusCode::SERVICE_UNAVAILABLE,
            Kind::Unavailable,
            "Service temporarily unavailable, please retry",
        )
    }
}

impl From<StoreError> for Rejection {
    fn from(err: StoreError) -> Self {
        match &err {
            StoreError::Deadline | StoreError::Unavailable(_) => {
                tracing::warn!(error = %err, cause = ?std::error::Error::source(&err), "store unavailable");
                Rejection::unavailable()
            }
            StoreError::Rejected(_) | StoreError::Corrupt(_) => {
                Rejection::internal("store error", &err)
            }
        }
    }
}

/// How a dialect writes its errors and how its clients send their key.
pub trait Dialect: Send + Sync + 'static {
    const KEY_SCHEME: KeyScheme;

    /// The JSON body of an error response.
    fn error_body(rejection: &Rejection) -> Value;

    /// Lets a dialect use its vendor's own texts for authentication failures.
    fn auth_rejection(err: AuthError) -> Rejection {
        Rejection::auth(err, Self::KEY_SCHEME)
    }
}

/// A successful response: a status and a serialised JSON body.
#[derive(Clone, Debug)]
pub struct Reply {
    pub status: StatusCode,
    pub body: Vec<u8>,
    /// A response kept from an earlier request with the same `Idempotency-Key`.
    pub replayed: bool,
}

impl Reply {
    pub fn json(status: StatusCode, body: &impl Serialize) -> Result<Reply, Rejection> {
        Reply::rendered(status, body, 128)
    }

    pub fn ok(body: &impl Serialize) -> Result<Reply, Rejection> {
        Reply::json(StatusCode::OK, body)
    }

    /// A 200 whose body is expected to take about `capacity` bytes: a large response is
    /// then written into one buffer instead of being copied each time the buffer doubles.
    pub fn ok_sized(body: &impl Serialize, capacity: usize) -> Result<Reply, Rejection> {
        Reply::rendered(StatusCode::OK, body, capacity)
    }

    /// A 200 whose body the handler wrote itself, without a way to fail.
    pub fn ok_bytes(body: Vec<u8>) -> Result<Reply, Rejection> {
        Ok(Reply {
            status: StatusCode::OK,
            body,
            replayed: false,
        })
    }

    /// A 200 whose body the handler wrote itself (with [`render::JsonWriter`], or serde_json
    /// where it echoes JSON text as sent).
    pub fn ok_written<E: std::error::Error + 'static>(
        body: Result<Vec<u8>, E>,
    ) -> Result<Reply, Rejection> {
        Reply::from_rendered(StatusCode::OK, body)
    }

    fn rendered(
        status: StatusCode,
        body: &impl Serialize,
        capacity: usize,
    ) -> Result<Reply, Rejection> {
        Reply::from_rendered(status, render::to_json(body, capacity))
    }

    fn from_rendered<E: std::error::Error + 'static>(
        status: StatusCode,
        body: Result<Vec<u8>, E>,
    ) -> Result<Reply, Rejection> {
        let body = body.map_err(|e| Rejection::internal("render", &e))?;
        Ok(Reply {
            status,
            body,
            replayed: false,
        })
    }
}

/// Per-request facts a handler may need.
#[derive(Clone, Debug)]
pub struct Ctx {
    pub request_id: String,
    pub deadline: Deadline,
    pub principal: Principal,
    pub metrics: Arc<RequestMetrics>,
}

/// State built once at init and shared by every invocation.
pub struct App<B> {
    pub store: B,
    /// Keys looked up in the last minute (see [`KeyCache`]).
    pub keys: KeyCache,
}

impl<B> App<B> {
    /// An app whose key cache follows `KEY_CACHE_SECONDS` (60 s by default).
    pub fn new(store: B) -> Self {
        App {
            store,
            keys: KeyCache::from_env(),
        }
    }

    /// An app that looks every key up (for tests that change keys or fault their lookup).
    pub fn uncached(store: B) -> Self {
        App {
            store,
            keys: KeyCache::off(),
        }
    }
}

/// One endpoint: its name, dialect, needed scope and handler.
pub trait Endpoint: Send + Sync + 'static {
    /// The function's name, for logs and metrics.
    const NAME: &'static str;
    const SCOPE: Scope;
    type Dialect: Dialect;

    fn handle<B: Backend>(
        app: &App<B>,
        cx: &Ctx,
        req: Request,
    ) -> impl Future<Output = Result<Reply, Rejection>> + Send;
}

/// Serves one request through `E`: everything around the handler lives here, once.
pub async fn serve<E: Endpoint, B: Backend>(app: &App<B>, req: Request) -> Response<Body> {
    // Tokio's clock, which `Deadline` counts in (and tests can pause).
    let started = tokio::time::Instant::now();
    let lambda = req.lambda_context_ref();
    let request_id = lambda
        .map(|c| c.request_id.clone())
        .filter(|id| !id.is_empty())
        .unwrap_or_else(|| uuid::Uuid::new_v4().to_string());
    let lambda_deadline_ms = lambda.map(|c| c.deadline).unwrap_or(0);
    let deadline = deadline_of(lambda_deadline_ms, started);
    let metrics = Arc::new(RequestMetrics::default());
    let span = tracing::info_span!("request", requestId = %request_id, function = E::NAME);

    let work = async {
        // Boxed: the handler's future is large, and every wrapper below (and the runtime)
        // would otherwise copy all of it each time it moves the future.
        let result = AssertUnwindSafe(Box::pin(admit_and_handle::<E, B>(
            app,
            req,
            &request_id,
            (deadline, lambda_deadline_ms),
            metrics.clone(),
        )))
        .catch_unwind()
        .await
        .unwrap_or_else(|panic| {
            let what = panic
                .downcast_ref::<&str>()
                .map(|s| s.to_string())
                .or_else(|| panic.downcast_ref::<String>().cloned())
                .unwrap_or_default();
            tracing::error!(panic = %what, "handler panicked");
            Err(Rejection::new(
                StatusCode::INTERNAL_SERVER_ERROR,
                Kind::Internal,
                "Internal server error",
            ))
        });
        if result.is_err() {
            refused(&metrics);
        }
        let response = render::<E::Dialect>(result, &request_id);
        let counts = metrics.counts();
        tracing::info!(
            status = response.status().as_u16(),
            duration_ms = started.elapsed().as_millis() as u64,
            items_received = counts.items_received,
            items_stored = counts.items_stored,
            items_failed = counts.items_failed,
            dynamodb_calls = counts.dynamodb_calls,
            dynamodb_retries = counts.dynamodb_retries,
            dynamodb_calls_by_operation = %metrics.calls_by_operation(),
            wru = counts.wru(),
            rru = counts.rru(),
            round_trips = counts.round_trips,
            catalog_cache_hits = counts.catalog_cache_hits,
            resolve_ms = metrics.resolve_micros.load(std::sync::atomic::Ordering::Relaxed) / 1000,
            write_ms = metrics.write_micros.load(std::sync::atomic::Ordering::Relaxed) / 1000,
            "request finished"
        );
        telemetry::emit(
            E::NAME,
            &request_id,
            response.status().as_u16(),
            started.into_std(),
            counts,
        );
        response
    };
    telemetry::scope(metrics.clone(), work.instrument(span)).await
}

async fn admit_and_handle<E: Endpoint, B: Backend>(
    app: &App<B>,
    req: Request,
    request_id: &str,
    (deadline, lambda_deadline_ms): (Deadline, u64),
    metrics: Arc<RequestMetrics>,
) -> Result<Reply, Rejection> {
    let scheme = <E::Dialect as Dialect>::KEY_SCHEME;
    let presented = auth::presented_key(req.headers(), scheme)
        .map_err(<E::Dialect as Dialect>::auth_rejection)?;
    let hash = KeyHash::of(presented);
    let stored = match app.keys.get(&hash) {
        Some(key) => Some(key),
        None => {
            let stored = app.store.find_key(&hash, deadline).await?;
            if let Some(key) = &stored {
                app.keys.put(key.hash, key.clone());
            }
            stored
        }
    };
    let principal = auth::admit(&hash, stored, E::SCOPE).map_err(|e| {
        tracing::info!(key_id = %hash.key_id(), reason = %e, "authentication refused");
        <E::Dialect as Dialect>::auth_rejection(e)
    })?;
    tracing::debug!(tenant = %principal.tenant, key_id = %principal.key_id, "authenticated");
    if body_len(&req) > MAX_BODY_BYTES {
        return Err(Rejection::new(
            StatusCode::PAYLOAD_TOO_LARGE,
            Kind::TooLarge,
            format!("Request body is larger than {MAX_BODY_BYTES} bytes"),
        ));
    }
    if let Some(encoding) = unsupported_encoding(req.headers()) {
        return Err(Rejection::new(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            Kind::UnsupportedEncoding,
            format!("Content-Encoding {encoding} is not supported: send the body as is (identity)"),
        ));
    }
    let cx = Ctx {
        request_id: request_id.to_owned(),
        deadline,
        principal,
        metrics,
    };
    let key = match <E as Endpoint>::SCOPE {
        // Reads are safe to repeat: the header means nothing to them.
        Scope::InventoryRead => None,
        Scope::InventoryWrite => idempotency::key_of(req.headers())
            .map_err(|e| Rejection::invalid(e.to_string()))?
            .map(|key| ScopedKey::new(&cx.principal.tenant, E::NAME, key)),
    };
    let Some(key) = key else {
        return E::handle(app, &cx, req).await;
    };
    let claim = Claim::new(
        fingerprint_of(&req),
        epoch_ms(),
        running_until_ms(lambda_deadline_ms),
    );
    match app.store.claim(&key, &claim, deadline).await? {
        None => {}
        Some(held) => {
            return match idempotency::decide(held, &claim.fingerprint) {
                Decision::Replay(saved) => Ok(Reply {
                    status: StatusCode::from_u16(saved.status)
                        .unwrap_or(StatusCode::INTERNAL_SERVER_ERROR),
                    body: saved.body,
                    replayed: true,
                }),
                Decision::InFlight => Err(Rejection::new(
                    StatusCode::CONFLICT,
                    Kind::Conflict,
                    idempotency::IN_FLIGHT,
                )),
                Decision::Mismatch => Err(Rejection::invalid(idempotency::MISMATCH)
                    .with_status(StatusCode::UNPROCESSABLE_ENTITY)),
            };
        }
    }
    let result = E::handle(app, &cx, req).await;
    settle::<E::Dialect, B>(app, &key, &claim, &result, &cx).await;
    result
}

/// After a request that claimed an idempotency key: keeps its final response for replay if
/// it wrote anything, else gives the key up so a corrected request may use it.
async fn settle<D: Dialect, B: Backend>(
    app: &App<B>,
    key: &ScopedKey,
    claim: &Claim,
    result: &Result<Reply, Rejection>,
    cx: &Ctx,
) {
    // Within the margin kept for the response.
    let deadline = cx.deadline.grace(SETTLE_GRACE);
    let wrote = cx.metrics.wrote.load(std::sync::atomic::Ordering::Relaxed);
    let outcome = if wrote {
        let response = match result {
            Ok(reply) => SavedResponse {
                status: reply.status.as_u16(),
                body: reply.body.clone(),
            },
            Err(rejection) => SavedResponse {
                status: rejection.status.as_u16(),
                body: serde_json::to_vec(&D::error_body(rejection)).unwrap_or_default(),
            },
        };
        match app.store.keep(key, claim, &response, deadline).await {
            Err(StoreError::Rejected(e)) if response.compressed_body().is_none() => {
                tracing::warn!(error = %e, "the response is too large to keep; the key is released");
                app.store.release(key, claim, deadline).await
            }
            other => other,
        }
    } else {
        app.store.release(key, claim, deadline).await
    };
    if let Err(e) = outcome {
        // The key stays claimed until its in-flight mark expires; a retry gets a 409 until
        // then, and runs again after.
        tracing::error!(error = %e, wrote, "could not settle the idempotency key");
    }
}

/// Time past the request's deadline the idempotency record may take to settle (within
/// [`DEADLINE_MARGIN`]).
const SETTLE_GRACE: Duration = Duration::from_millis(300);

/// The fingerprint of a request: method, path, query and body.
fn fingerprint_of(req: &Request) -> [u8; 32] {
    let body: &[u8] = match req.body() {
        Body::Text(text) => text.as_bytes(),
        Body::Binary(bytes) => bytes,
        _ => &[],
    };
    idempotency::fingerprint(
        req.method().as_str(),
        req.uri().path(),
        req.uri().query().unwrap_or_default(),
        body,
    )
}

fn epoch_ms() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_millis() as i64)
}

/// Until when a request may still be running: its invocation's deadline, or, without one
/// (local emulators), the default budget and margin from now.
fn running_until_ms(lambda_deadline_ms: u64) -> i64 {
    let now = epoch_ms();
    let deadline = lambda_deadline_ms as i64;
    if deadline > now {
        deadline
    } else {
        now + (DEFAULT_BUDGET + DEADLINE_MARGIN).as_millis() as i64
    }
}

/// A request refused as a whole stored nothing of what it received: every received item not
/// already counted (stored or failed) failed with it.
fn refused(metrics: &RequestMetrics) {
    let counts = metrics.counts();
    let unaccounted = counts
        .items_received
        .saturating_sub(counts.items_stored + counts.items_failed);
    metrics
        .items_failed
        .fetch_add(unaccounted, std::sync::atomic::Ordering::Relaxed);
}

/// The Lambda deadline (epoch milliseconds) as a store deadline, keeping a margin. An
/// invocation never starts after its deadline on Lambda; a missing or past one (direct
/// calls, local emulators) gets the default budget.
/// Counted from `started`, the request's start: one clock read fewer than a fresh one.
fn deadline_of(epoch_ms: u64, started: tokio::time::Instant) -> Deadline {
    let now_ms = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap_or_default()
        .as_millis() as u64;
    if epoch_ms <= now_ms {
        return Deadline::at(started + DEFAULT_BUDGET);
    }
    let remaining = Duration::from_millis(epoch_ms - now_ms);
    Deadline::at(started + remaining.saturating_sub(DEADLINE_MARGIN))
}

/// The first coding of a `Content-Encoding` header other than `identity`: bodies are read
/// as sent, never decompressed, so a compressed one would only be misread.
fn unsupported_encoding(headers: &HeaderMap) -> Option<String> {
    headers
        .get_all(header::CONTENT_ENCODING)
        .iter()
        .flat_map(|value| value.as_bytes().split(|b| *b == b','))
        .map(|coding| coding.trim_ascii())
        .find(|coding| !coding.is_empty() && !coding.eq_ignore_ascii_case(b"identity"))
        .map(|coding| String::from_utf8_lossy(coding).into_owned())
}

fn body_len(req: &Request) -> usize {
    match req.body() {
        Body::Empty => 0,
        Body::Text(t) => t.len(),
        Body::Binary(b) => b.len(),
        _ => 0,
    }
}

/// The one mapping from a handler's result to an HTTP response.
fn render<D: Dialect>(result: Result<Reply, Rejection>, request_id: &str) -> Response<Body> {
    let mut replayed = false;
    let (status, body, rejection) = match result {
        Ok(reply) => {
            replayed = reply.replayed;
            (reply.status, reply.body, None)
        }
        Err(rejection) => {
            let body = serde_json::to_vec(&D::error_body(&rejection)).unwrap_or_default();
            (rejection.status, body, Some(rejection))
        }
    };
    // JSON is text: sent as text, API Gateway need not base64-decode it.
    let body = match String::from_utf8(body) {
        Ok(text) => Body::Text(text),
        Err(e) => Body::Binary(e.into_bytes()),
    };
    let mut response = Response::new(body);
    *response.status_mut() = status;
    let headers = response.headers_mut();
    headers.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json"),
    );
    if let Ok(id) = HeaderValue::from_str(request_id) {
        headers.insert(X_REQUEST_ID, id);
    }
    match rejection.map(|r| r.kind) {
        Some(Kind::Auth(AuthError::Missing | AuthError::Malformed | AuthError::Invalid)) => {
            let challenge = match D::KEY_SCHEME {
                KeyScheme::Bearer { .. } => "Bearer",
                KeyScheme::Token => "Token",
                KeyScheme::Bare => "ApiKey",
            };
            headers.insert(
                header::WWW_AUTHENTICATE,
                HeaderValue::from_static(challenge),
            );
        }
        Some(Kind::Unavailable | Kind::Conflict) => {
            headers.insert(header::RETRY_AFTER, HeaderValue::from_static("1"));
        }
        _ => {}
    }
    if replayed {
        headers.insert(idempotency::REPLAYED, HeaderValue::from_static("true"));
    }
    response
}

/// Runs an endpoint as a Lambda function: init once (logs, store from the environment),
/// then serve every invocation, several at once where Lambda allows it.
pub async fn run<E: Endpoint>() -> Result<(), lambda_http::Error> {
    crate::keep_freed_memory();
    telemetry::init();
    let store = crate::store::dynamo::DynamoStore::from_env().await?;
    let app = Arc::new(App::new(store));
    lambda_http::run_concurrent(lambda_http::service_fn(move |req| {
        let app = app.clone();
        async move { Ok::<_, std::convert::Infallible>(serve::<E, _>(&app, req).await) }
    }))
    .await
}
