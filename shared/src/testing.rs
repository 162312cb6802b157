//! Test helpers for the functions: build `lambda_http` requests the way API Gateway hands
//! them over, and run them through an endpoint (`inventory_admin::demo_app` gives one over
//! the demo data).

use lambda_http::aws_lambda_events::query_map::QueryMap;
use lambda_http::http::{Method, StatusCode};
use lambda_http::request::RequestContext;
use lambda_http::{Body, Request, RequestExt};
use serde_json::Value;

use crate::http::{App, Endpoint, serve};
use crate::store::Backend;

/// Keys from the demo file (`tests/fixtures/demo.json`).
pub const DEMO_KEY: &str = "local-demo-key";
pub const DEMO_READ_ONLY_KEY: &str = "local-demo-read-only";
pub const DEMO_WRITE_ONLY_KEY: &str = "local-demo-write-only";
pub const CRUX_DOCUMENT_KEY: &str = "1083e3ec5c40b36fd663ba925bc8d864061463e2";
pub const OTHER_TENANT_KEY: &str = "acme-local-key";

/// A request as API Gateway would deliver it: method, path with query, headers (a name
/// given twice is sent twice) and body.
pub fn request(method: &str, uri: &str, headers: &[(&str, &str)], body: &str) -> Request {
    let mut builder = lambda_http::http::Request::builder()
        .method(Method::from_bytes(method.as_bytes()).expect("a valid method"))
        .uri(format!("https://api.example.com{uri}"));
    for (name, value) in headers {
        builder = builder.header(*name, *value);
    }
    let body = if body.is_empty() {
        Body::Empty
    } else {
        Body::Text(body.to_owned())
    };
    let req = builder.body(body).expect("a valid request");
    // Decoded as `lambda_http` decodes API Gateway's raw query string (`%20` is a space).
    let query: QueryMap = uri
        .split_once('?')
        .and_then(|(_, q)| q.parse().ok())
        .unwrap_or_default();
    req.with_query_string_parameters(query)
        .with_request_context(RequestContext::ApiGatewayV2(Default::default()))
}

/// Gives the request a Lambda deadline `budget` from now, as the runtime would.
pub fn with_deadline(req: Request, budget: std::time::Duration) -> Request {
    let deadline = std::time::SystemTime::now() + budget;
    let ms = deadline
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap_or_default()
        .as_millis() as u64;
    let mut context = lambda_http::Context::default();
    context.deadline = ms;
    context.request_id = uuid::Uuid::new_v4().to_string();
    req.with_lambda_context(context)
}

/// Adds path parameters, as the API Gateway route template would.
pub fn with_path(req: Request, params: &[(&str, &str)]) -> Request {
    let map: std::collections::HashMap<String, String> = params
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
    req.with_path_parameters(map)
}

/// Runs `req` through endpoint `E`; returns the status and the JSON body.
pub async fn call<E: Endpoint>(app: &App<impl Backend>, req: Request) -> (StatusCode, Value) {
    let response = serve::<E, _>(app, req).await;
    let status = response.status();
    let body: Value = match response.body() {
        Body::Text(t) => serde_json::from_str(t).expect("JSON body"),
        Body::Binary(b) => serde_json::from_slice(b).expect("JSON body"),
        _ => Value::Null,
    };
    (status, body)
}
