//! The inventory service's core: one canonical model and request flow that every dialect
//! function shares.
//!
//! A request flows one way: dialect JSON -> canonical items ([`service::UpdateItem`]) ->
//! [`resolve`] -> write ([`store`]) -> per-item outcomes -> dialect JSON. The dialects live in
//! `functions/`; nothing here knows their field names or error texts.

mod allocator;
pub mod auth;
pub mod catalog;
pub mod http;
pub mod idempotency;
pub mod identifiers;
pub mod jobs;
pub mod layout;
pub mod model;
pub mod reader;
pub mod render;
pub mod resolve;
pub mod service;
pub mod store;
pub mod telemetry;
pub mod ttl_cache;
pub mod validate;

#[cfg(any(test, feature = "testing"))]
pub mod testing;

// Functions build and run requests through the same `lambda_http` the core was built with.
pub use lambda_http;

pub use allocator::{Allocator, keep_freed_memory};
