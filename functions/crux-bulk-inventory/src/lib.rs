//! `POST /timp/products/skus/inventory/bulk/` (document 003, Crux timp).
//!
//! The body is an array; each element names a sku by exactly one of `sku_id`, `upca`,
//! `ean13`, `gtin14` or `isbn` and sets `quantity_in_stock`, `quantity_on_backorder` and/or
//! `restrictions`. The response is an array in the same order, one `{status_code, message}`
//! per element. Crux has no locations: stock goes to the tenant's default location.
//! The API is a Django REST framework service, so request-level errors are `{"detail": ...}`
//! with DRF's own texts, and the key travels as `Authorization: Token KEY`.

mod request;
mod response;

use inventory_core::auth::{AuthError, KeyScheme, Scope};
use inventory_core::http::{App, Ctx, Dialect, Endpoint, Kind, Rejection, Reply};
use inventory_core::lambda_http::Request;
use inventory_core::lambda_http::http::StatusCode;
use inventory_core::service;
use inventory_core::store::Backend;
use serde_json::{Value, json};

pub use response::ItemStatus;

/// Most elements accepted in one call.
pub const MAX_ITEMS: usize = 1000;

const VALID_IDENTIFIERS: &str = "sku_id, upca, ean13, gtin14, isbn";

pub struct CruxBulkInventory;

/// Django REST framework conventions.
pub struct Drf;

impl Dialect for Drf {
    const KEY_SCHEME: KeyScheme = KeyScheme::Token;

    fn error_body(rejection: &Rejection) -> Value {
        json!({ "detail": rejection.message })
    }

    fn auth_rejection(err: AuthError) -> Rejection {
        // TokenAuthentication's own messages.
        let message = match err {
            AuthError::Missing => "Authentication credentials were not provided.",
            AuthError::Malformed => "Invalid token header. No credentials provided.",
            AuthError::Invalid => "Invalid token.",
            AuthError::MissingScope(_) => "You do not have permission to perform this action.",
        };
        let status = match err {
            AuthError::MissingScope(_) => StatusCode::FORBIDDEN,
            _ => StatusCode::UNAUTHORIZED,
        };
        Rejection::new(status, Kind::Auth(err), message)
    }
}

impl Endpoint for CruxBulkInventory {
    const NAME: &'static str = "crux-bulk-inventory";
    const SCOPE: Scope = Scope::InventoryWrite;
    type Dialect = Drf;

    async fn handle<B: Backend>(app: &App<B>, cx: &Ctx, req: Request) -> Result<Reply, Rejection> {
        let elements = request::read(&req)?;
        let mut names = Vec::new();
        let (items, slots) = service::split(request::items(elements, &mut names));
        let tenant = &cx.principal.tenant;
        let plan = service::plan(&app.store, tenant, items, |_| {}, cx.deadline).await?;
        let outcomes = service::commit(&app.store, tenant, plan.items, cx.deadline).await;
        if service::store_failed_all(&outcomes) {
            return Err(Rejection::unavailable());
        }
        let statuses = slots.join(outcomes, |i, outcome| match outcome {
            Ok(Ok(_)) => ItemStatus::new(200, "success"),
            Ok(Err(failure)) => response::failure_status(
                &request::named(names.get(i).and_then(Option::as_ref)),
                failure,
            ),
            Err(invalid) => invalid,
        });
        // `{"status_code":200,"message":"success"},` is 41 bytes.
        Reply::ok_sized(&statuses, 48 * statuses.len())
    }
}

#[cfg(test)]
mod tests;
