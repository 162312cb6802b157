//! `POST /stores/v3/bulk/inventory-items/create` (document 002, Wix Stores catalog v3).
//!
//! Creates inventory items that must not exist yet: one per (variant, location), the
//! location defaulting to the tenant's default one. Each item tracks either a `quantity` or
//! an `inStock` flag, and may carry `preorderInfo`. Results come back per item in request
//! order with `itemMetadata`, and the full entity when `returnEntity` is true.
//!
//! Request-level errors use Wix's error shape: `{"message", "details": {"applicationError":
//! {"code", "description", "data"}}}`, or `details.validationError.fieldViolations` for
//! malformed requests. The three documented application errors reject the whole request
//! with their documented status before anything is written.

mod request;
mod response;

use inventory_core::auth::{KeyScheme, Scope};
use inventory_core::http::{App, Ctx, Dialect, Endpoint, ErrorCode, Rejection, Reply};
use inventory_core::lambda_http::Request;
use inventory_core::lambda_http::http::StatusCode;
use inventory_core::service::{self, ItemFailure};
use inventory_core::store::Backend;
use serde_json::{Value, json};

/// Most items accepted in one call.
pub const MAX_ITEMS: usize = 1000;

pub struct BulkCreateInventoryItems;

/// Wix's error shape; the key is the bare `Authorization` header.
pub struct WixErrors;

impl Dialect for WixErrors {
    const KEY_SCHEME: KeyScheme = KeyScheme::Bare;

    fn error_body(rejection: &Rejection) -> Value {
        let details = match (&rejection.code, &rejection.detail) {
            (_, Some(violations)) => {
                json!({ "validationError": { "fieldViolations": violations } })
            }
            (Some(ErrorCode::Text(code)), None) => json!({
                "applicationError": {
                    "code": code,
                    "description": rejection.message,
                    "data": {},
                }
            }),
            _ => json!({}),
        };
        json!({ "message": rejection.message, "details": details })
    }
}

/// The documented application errors.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum DocumentedError {
    NegativeQuantity,
    PreorderLimitUntracked,
    PreorderValidation,
}

impl DocumentedError {
    fn rejection(self, index: usize) -> Rejection {
        let (status, code, description) = match self {
            DocumentedError::NegativeQuantity => (
                StatusCode::BAD_REQUEST,
                "REQUESTED_QUANTITY_MUST_BE_NON_NEGATIVE",
                "Tracked inventory creation attempted with negative `quantity`. Quantity must be non-negative.",
            ),
            DocumentedError::PreorderLimitUntracked => (
                StatusCode::BAD_REQUEST,
                "PREORDER_LIMIT_NOT_SUPPORTED_FOR_UNTRACKED_INVENTORY",
                "Preorder limit set for untracked inventory. Preorder limits are only supported for tracked inventory.",
            ),
            DocumentedError::PreorderValidation => (
                StatusCode::PRECONDITION_REQUIRED,
                "PRE_ORDER_VALIDATION",
                "Preorder enabled for a digital product or subscription product. Preorder isn't supported for these product types.",
            ),
        };
        Rejection::invalid(format!("inventoryItems[{index}]: {description}"))
            .with_status(status)
            .with_code(ErrorCode::Text(code))
    }
}

impl Endpoint for BulkCreateInventoryItems {
    const NAME: &'static str = "wix-inventory-create";
    const SCOPE: Scope = Scope::InventoryWrite;
    type Dialect = WixErrors;

    async fn handle<B: Backend>(app: &App<B>, cx: &Ctx, req: Request) -> Result<Reply, Rejection> {
        let request = request::read(&req)?;
        let (items, slots) = service::split(request.items);
        let items = request::accept(items, &slots)?;
        let tenant = &cx.principal.tenant;
        let planned = service::plan_create(&app.store, tenant, items, cx.deadline).await?;
        let not_allowed = |p: &Result<_, _>| matches!(p, Err(ItemFailure::PreorderNotAllowed));
        if let Some(index) = planned.iter().position(not_allowed) {
            return Err(DocumentedError::PreorderValidation.rejection(index));
        }
        let ids = response::ids(&planned);
        let outcomes = service::commit_create(&app.store, planned, cx.deadline).await;
        if service::store_failed_all(&outcomes) {
            return Err(Rejection::unavailable().with_code(ErrorCode::Text("UNAVAILABLE")));
        }
        let response = response::BulkResponse::new(outcomes, ids, request.return_entity);
        Reply::ok_written(response.to_json())
    }
}

#[cfg(test)]
mod tests;
