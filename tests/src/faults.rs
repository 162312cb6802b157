//! A fault-injecting proxy between the functions and the local DynamoDB endpoint.
//!
//! Neither dynalite nor DynamoDB Local ever throttles or leaves work unprocessed, so the
//! retry and reporting paths are proven here: the proxy forwards the DynamoDB JSON protocol
//! and, by rule, leaves part of a batch unprocessed (really not writing it), answers with
//! throttling or server errors, drops connections before or after forwarding, or delays.
//! It also counts every call per operation, which the benchmark uses.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use bytes::Bytes;
use http_body_util::{BodyExt, Full};
use hyper::body::Incoming;
use hyper::server::conn::http1;
use hyper::service::service_fn;
use hyper::{Request, Response};
use hyper_util::rt::TokioIo;
use serde_json::{Value, json};
use tokio::net::TcpListener;

/// What to do to a call.
#[derive(Clone, Debug)]
pub enum Fault {
    /// Write only the first `keep` requests of a `BatchWriteItem` (per table) and report the
    /// rest in `UnprocessedItems`.
    Unprocessed { keep: usize },
    /// Read only the first `keep` keys of a `BatchGetItem` and report the rest in
    /// `UnprocessedKeys`.
    UnprocessedKeys { keep: usize },
    /// Answer with an error without forwarding: `ProvisionedThroughputExceededException`,
    /// `ThrottlingException` (400) or `InternalServerError` (500).
    Error { status: u16, kind: &'static str },
    /// Drop the connection without forwarding or answering.
    Reset,
    /// Forward the call (it takes effect), then drop the connection without answering.
    ResetAfterForward,
    /// Wait, then forward.
    Delay(Duration),
}

impl Fault {
    pub fn throttle() -> Fault {
        Fault::Error {
            status: 400,
            kind: "ProvisionedThroughputExceededException",
        }
    }
    pub fn throttling() -> Fault {
        Fault::Error {
            status: 400,
            kind: "ThrottlingException",
        }
    }
    pub fn server_error() -> Fault {
        Fault::Error {
            status: 500,
            kind: "InternalServerError",
        }
    }
}

#[derive(Debug)]
struct Rule {
    operation: String,
    fault: Fault,
    /// How many more calls it applies to; `None` for every call.
    remaining: Option<usize>,
}

#[derive(Default, Debug)]
struct State {
    rules: Vec<Rule>,
    calls: HashMap<String, usize>,
    faults_injected: usize,
}

/// A running proxy. Dropping it stops it.
pub struct FaultProxy {
    pub url: String,
    state: Arc<Mutex<State>>,
    server: tokio::task::JoinHandle<()>,
}

impl Drop for FaultProxy {
    fn drop(&mut self) {
        self.server.abort();
        crate::report("faults_injected", self.faults_injected());
        crate::report(
            "dynamodb_calls_through_the_fault_proxy",
            self.state().calls.values().sum(),
        );
    }
}

impl FaultProxy {
    /// Starts a proxy on a free loopback port in front of `upstream`.
    pub async fn start(upstream: &str) -> FaultProxy {
        let listener = TcpListener::bind("127.0.0.1:0")
            .await
            .expect("a loopback port");
        let url = format!("http://{}", listener.local_addr().expect("address"));
        let state = Arc::new(Mutex::new(State::default()));
        let upstream = upstream.trim_end_matches('/').to_owned();
        let http = reqwest::Client::builder()
            .no_proxy()
            .build()
            .expect("client");
        let shared = state.clone();
        let server = tokio::spawn(async move {
            loop {
                let Ok((stream, _)) = listener.accept().await else {
                    continue;
                };
                let (state, upstream, http) = (shared.clone(), upstream.clone(), http.clone());
                tokio::spawn(async move {
                    let service = service_fn(move |req| {
                        handle(req, state.clone(), upstream.clone(), http.clone())
                    });
                    // A service error closes the connection without an answer: the Reset faults.
                    let _ = http1::Builder::new()
                        .serve_connection(TokioIo::new(stream), service)
                        .await;
                });
            }
        });
        FaultProxy { url, state, server }
    }

    fn state(&self) -> std::sync::MutexGuard<'_, State> {
        self.state
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// Applies `fault` to the next `times` calls of `operation` (`BatchWriteItem`, ...), or to
    /// all of them with `None`. Rules apply in the order they were added.
    pub fn inject(&self, operation: &str, fault: Fault, times: Option<usize>) {
        self.state().rules.push(Rule {
            operation: operation.to_owned(),
            fault,
            remaining: times,
        });
    }

    pub fn clear(&self) {
        self.state().rules.clear();
    }

    /// Calls received for `operation`, faulted or not.
    pub fn calls(&self, operation: &str) -> usize {
        self.state().calls.get(operation).copied().unwrap_or(0)
    }

    pub fn all_calls(&self) -> HashMap<String, usize> {
        self.state().calls.clone()
    }

    pub fn reset_counts(&self) {
        let mut s = self.state();
        s.calls.clear();
        s.faults_injected = 0;
    }

    pub fn faults_injected(&self) -> usize {
        self.state().faults_injected
    }
}

type Reply = Result<Response<Full<Bytes>>, std::io::Error>;

async fn handle(
    req: Request<Incoming>,
    state: Arc<Mutex<State>>,
    upstream: String,
    http: reqwest::Client,
) -> Reply {
    let (parts, body) = req.into_parts();
    let body = body
        .collect()
        .await
        .map_err(std::io::Error::other)?
        .to_bytes();
    let operation = parts
        .headers
        .get("x-amz-target")
        .and_then(|v| v.to_str().ok())
        .and_then(|t| t.rsplit('.').next())
        .unwrap_or("")
        .to_owned();
    let fault = {
        let mut s = state
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        *s.calls.entry(operation.clone()).or_default() += 1;
        let chosen = s
            .rules
            .iter_mut()
            .find(|r| r.operation == operation && r.remaining != Some(0));
        let fault = chosen.map(|rule| {
            if let Some(n) = rule.remaining.as_mut() {
                *n -= 1;
            }
            rule.fault.clone()
        });
        if fault.is_some() {
            s.faults_injected += 1;
        }
        fault
    };

    let forward = |body: Bytes| {
        let mut request = http.post(&upstream).body(body);
        for (name, value) in &parts.headers {
            if name != "host" && name != "content-length" {
                request = request.header(name, value);
            }
        }
        async move {
            let response = request.send().await.map_err(std::io::Error::other)?;
            let status = response.status().as_u16();
            let text = response.bytes().await.map_err(std::io::Error::other)?;
            Ok::<_, std::io::Error>((status, text))
        }
    };

    match fault {
        None => {
            let (status, text) = forward(body).await?;
            Ok(respond(status, text))
        }
        Some(Fault::Delay(wait)) => {
            tokio::time::sleep(wait).await;
            let (status, text) = forward(body).await?;
            Ok(respond(status, text))
        }
        Some(Fault::Error { status, kind }) => Ok(respond(
            status,
            Bytes::from(json!({"__type": format!("com.amazonaws.dynamodb.v20120810#{kind}"), "message": "injected fault"}).to_string()),
        )),
        Some(Fault::Reset) => Err(std::io::Error::other("injected connection reset")),
        Some(Fault::ResetAfterForward) => {
            let _ = forward(body).await?;
            Err(std::io::Error::other("injected connection reset after forwarding"))
        }
        Some(Fault::Unprocessed { keep }) => {
            let (forwarded, held) = split_requests(&body, keep, |list| list);
            let (status, text) = match forwarded {
                Some(forwarded) => forward(forwarded).await?,
                None => (200, Bytes::from_static(b"{}")),
            };
            Ok(respond(status, with_leftovers(&text, "UnprocessedItems", held)))
        }
        Some(Fault::UnprocessedKeys { keep }) => {
            let (forwarded, held) = split_requests(&body, keep, |entry| &mut entry["Keys"]);
            let (status, text) = match forwarded {
                Some(forwarded) => forward(forwarded).await?,
                None => (200, Bytes::from_static(b"{\"Responses\": {}}")),
            };
            Ok(respond(status, with_leftovers(&text, "UnprocessedKeys", held)))
        }
    }
}

/// Keeps the first `keep` entries of each table's list (found by `list`) in the request to
/// forward, if any entry is left to forward; returns it and the held-back remainder, shaped
/// as the response reports it.
fn split_requests(
    body: &[u8],
    keep: usize,
    list: impl Fn(&mut Value) -> &mut Value,
) -> (Option<Bytes>, Value) {
    let mut request: Value = serde_json::from_slice(body).unwrap_or(Value::Null);
    let mut held = serde_json::Map::new();
    let mut forwarded = serde_json::Map::new();
    if let Some(tables) = request["RequestItems"].as_object_mut() {
        for (table, entry) in tables.iter_mut() {
            let mut rest_entry = entry.clone();
            let items = list(entry).as_array().cloned().unwrap_or_default();
            let keep = keep.min(items.len());
            *list(entry) = Value::Array(items[..keep].to_vec());
            *list(&mut rest_entry) = Value::Array(items[keep..].to_vec());
            if keep > 0 {
                forwarded.insert(table.clone(), entry.clone());
            }
            if keep < items.len() {
                held.insert(table.clone(), rest_entry);
            }
        }
    }
    let forward = !forwarded.is_empty();
    request["RequestItems"] = Value::Object(forwarded);
    (
        forward.then(|| Bytes::from(request.to_string())),
        Value::Object(held),
    )
}

/// The answer, with the held-back work reported as left undone.
fn with_leftovers(answer: &[u8], field: &str, held: Value) -> Bytes {
    let mut response: Value = serde_json::from_slice(answer).unwrap_or_else(|_| json!({}));
    response[field] = held;
    Bytes::from(response.to_string())
}

fn respond(status: u16, body: Bytes) -> Response<Full<Bytes>> {
    let mut response = Response::new(Full::new(body));
    *response.status_mut() =
        hyper::StatusCode::from_u16(status).unwrap_or(hyper::StatusCode::BAD_GATEWAY);
    response.headers_mut().insert(
        "content-type",
        hyper::header::HeaderValue::from_static("application/x-amz-json-1.0"),
    );
    response
}
