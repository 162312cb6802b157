//! `POST /inventory/query`: the documents' "Retrieve Inventory for Multiple Items".
//!
//! `{"items": [{"upc": "849632048260"}, {"sku": "ZOOT-SUIT", "size": "34", "width": "D"}],
//! "locationIds": ["3"]}`: each item names a variant by any scheme the writers accept; the
//! answer lists, per item in request order, whether it was found and its stored figures at
//! every location (or at the locations asked for). Errors are `{"error": "..."}`.

mod request;
mod response;

use inventory_core::auth::{KeyScheme, Scope};
use inventory_core::catalog::Variant;
use inventory_core::http::{App, Ctx, Dialect, Endpoint, Rejection, Reply};
use inventory_core::lambda_http::Request;
use inventory_core::service;
use inventory_core::store::Backend;
use serde_json::{Value, json};

/// Most items per call.
pub const MAX_ITEMS: usize = 100;
/// Most `locationIds` per call.
pub const MAX_LOCATIONS: usize = 100;

pub struct InventoryQuery;

/// `{"error": "..."}` bodies; `Authorization: Bearer KEY`.
pub struct QueryErrors;

impl Dialect for QueryErrors {
    const KEY_SCHEME: KeyScheme = KeyScheme::Bearer { x_api_key: false };

    fn error_body(rejection: &Rejection) -> Value {
        json!({ "error": rejection.message })
    }
}

impl Endpoint for InventoryQuery {
    const NAME: &'static str = "inventory-query";
    const SCOPE: Scope = Scope::InventoryRead;
    type Dialect = QueryErrors;

    async fn handle<B: Backend>(app: &App<B>, cx: &Ctx, req: Request) -> Result<Reply, Rejection> {
        let query = request::read(&req)?;
        let (identifiers, slots) = service::split(query.identifiers());
        if let Some((_, e)) = slots.errors().next() {
            return Err(Rejection::invalid(e.to_string()));
        }
        let tenant = &cx.principal.tenant;
        let locations = query.locations.as_deref();
        let found = service::find(
            &app.store,
            tenant,
            &identifiers,
            locations.unwrap_or_default(),
            cx.deadline,
        )
        .await?;
        if let Some(id) = &found.unknown_location {
            return Err(Rejection::not_found(format!("Location not found: {id}")));
        }
        let variants: Vec<&Variant> = found
            .variants
            .iter()
            .filter_map(|v| v.as_deref().ok())
            .collect();
        let records = service::read(&app.store, tenant, &variants, locations, cx.deadline).await?;
        Reply::ok_written(response::Answer::new(&query, &found.variants, &records).to_json())
    }
}

#[cfg(test)]
mod tests;
