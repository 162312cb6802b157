//! `POST /api/product/inventory` (document 004): sets the stock of one product at one store.
//!
//! The product is named by `upc`, or by `sku` + `size` + `width`; `store` and `quantity` are
//! required. Errors are `{"error": "..."}`, as the vendor's clients expect.

mod request;
mod response;

use inventory_core::auth::{KeyScheme, Scope};
use inventory_core::http::{App, Ctx, Dialect, Endpoint, Rejection, Reply};
use inventory_core::lambda_http::Request;
use inventory_core::service;
use inventory_core::store::Backend;
use serde_json::Value;

pub use request::UpdateRequest;

pub struct ProductInventory;

/// `{"error": "..."}` bodies; `Authorization: Bearer KEY`.
pub struct ErrorField;

impl Dialect for ErrorField {
    const KEY_SCHEME: KeyScheme = KeyScheme::Bearer { x_api_key: false };

    fn error_body(rejection: &Rejection) -> Value {
        serde_json::json!({ "error": rejection.message })
    }
}

impl Endpoint for ProductInventory {
    const NAME: &'static str = "product-inventory";
    const SCOPE: Scope = Scope::InventoryWrite;
    type Dialect = ErrorField;

    async fn handle<B: Backend>(app: &App<B>, cx: &Ctx, req: Request) -> Result<Reply, Rejection> {
        let mut body = request::Body::default();
        let object = request::read(&req, &mut body)?;
        let request = service::single(request::parse(&body, object))
            .map_err(|e| Rejection::invalid(e.to_string()))?;
        let tenant = &cx.principal.tenant;
        let plan = service::plan(
            &app.store,
            tenant,
            vec![request.item()],
            |_| {},
            cx.deadline,
        )
        .await?;
        let outcome = service::commit(&app.store, tenant, plan.items, cx.deadline).await;
        let stored = match outcome.into_iter().next() {
            Some(Ok(stored)) => stored,
            Some(Err(failure)) => return Err(response::rejection(&request, failure)),
            None => return Err(Rejection::unavailable()),
        };
        Reply::ok_bytes(response::Saved::new(&request, &stored).to_json())
    }
}

#[cfg(test)]
mod tests;
