//! The fabric-style bulk insert (document 000): `POST /inventory/bulk-insert` takes an array
//! of Stock and Transit rows and answers with a job record, which
//! `GET /inventory/bulk-insert/jobs/{id}` reads back. Errors are `{"message": "..."}`.

mod insert;
mod job;
mod rows;
mod site_context;

pub use insert::BulkInsert;
pub use job::BulkInsertJob;

use inventory_core::auth::KeyScheme;
use inventory_core::http::{Dialect, Rejection};
use serde_json::{Value, json};

/// `{"message": "..."}` bodies; the key as a Bearer token or in `x-api-key` (the document
/// names no header).
pub struct FabricErrors;

impl Dialect for FabricErrors {
    const KEY_SCHEME: KeyScheme = KeyScheme::Bearer { x_api_key: true };

    fn error_body(rejection: &Rejection) -> Value {
        json!({ "message": rejection.message })
    }
}

#[cfg(test)]
mod tests;
