//! `POST /api/batchStock?warehouse_id=ID` (document 001).
//!
//! `{"batchStock": {"item": [...]}}`: each item names a variant by `variant_id`, `barcode` or
//! `code` and sets `inStock`, `demand` and/or `supply` at the warehouse of the query. The
//! response says whether all passed and lists only the failed items, each echoing its input.
//! Errors carry the document's numeric codes and texts.

mod request;
mod response;

use inventory_core::auth::{KeyScheme, Scope};
use inventory_core::http::{App, Ctx, Dialect, Endpoint, ErrorCode, Rejection, Reply};
use inventory_core::lambda_http::Request;
use inventory_core::lambda_http::http::StatusCode;
use inventory_core::resolve::LocationRef;
use inventory_core::service;
use inventory_core::store::Backend;
use serde_json::{Value, json};

/// Most items accepted in one call.
pub const MAX_ITEMS: usize = 1000;

pub const MISSING_BATCH_STOCK: u32 = 12001;
pub const MISSING_WAREHOUSE_ID: u32 = 12002;
pub const WAREHOUSE_NOT_FOUND: u32 = 12003;
pub const MISSING_ITEMS: u32 = 12004;
pub const TOO_MANY_ITEMS: u32 = 12005;
pub const SOME_FAILED: u32 = 12006;
pub const ITEM_NOT_SAVED: u32 = 12051;
pub const VARIANT_NOT_FOUND: u32 = 12052;

pub struct BatchStock;

/// `{"allPassed": false, "code": 12001, "error": "..."}`; the key as a Bearer token or in
/// `x-api-key` (the document names no header).
pub struct BatchStockErrors;

impl Dialect for BatchStockErrors {
    const KEY_SCHEME: KeyScheme = KeyScheme::Bearer { x_api_key: true };

    fn error_body(rejection: &Rejection) -> Value {
        let mut body = json!({ "allPassed": false, "error": rejection.message });
        if let Some(ErrorCode::Number(code)) = rejection.code {
            body["code"] = json!(code);
        }
        body
    }
}

/// A request error with the document's code.
fn reject(status: StatusCode, code: u32, message: impl Into<String>) -> Rejection {
    Rejection::invalid(message)
        .with_status(status)
        .with_code(ErrorCode::Number(code))
}

impl Endpoint for BatchStock {
    const NAME: &'static str = "batch-stock";
    const SCOPE: Scope = Scope::InventoryWrite;
    type Dialect = BatchStockErrors;

    async fn handle<B: Backend>(app: &App<B>, cx: &Ctx, req: Request) -> Result<Reply, Rejection> {
        let mut request = request::read(&req)?;
        let warehouse = LocationRef::Id(request.warehouse.to_owned());
        let mut echoes = Vec::new();
        let (items, slots) = service::split(request.items(&warehouse, &mut echoes));
        let tenant = &cx.principal.tenant;
        let plan = service::plan(
            &app.store,
            tenant,
            items,
            |also| also.location(&warehouse),
            cx.deadline,
        )
        .await?;
        // The document checks the warehouse before the collection.
        if !plan.knows_location(&warehouse) {
            let text = format!("Warehouse not found: {}", request.warehouse);
            return Err(reject(StatusCode::NOT_FOUND, WAREHOUSE_NOT_FOUND, text));
        }
        request.collection()?;
        let outcomes = service::commit(&app.store, tenant, plan.items, cx.deadline).await;
        if service::store_failed_all(&outcomes) {
            return Err(Rejection::unavailable().with_code(ErrorCode::Number(ITEM_NOT_SAVED)));
        }
        let failed = slots.join(outcomes, |i, outcome| {
            let error = match outcome {
                Ok(Ok(_)) => return None,
                Ok(Err(failure)) => response::failure_text(&failure),
                Err(invalid) => invalid,
            };
            Some(response::Failed::new(echoes.get(i), error))
        });
        Reply::ok_written(response::Results::new(failed).to_json())
    }
}

#[cfg(test)]
mod tests;
