//! `POST /api/product/inventory` (document 004): sets the stock of one product at one store.
//!
//! The product is named by `upc`, or by `sku` + `size` + `width`; `store` and `quantity` are
//! required. Errors are `{"error": "..."}`, as the vendor's clients expect.

use inventory_core::auth::{KeyScheme, Scope};
use inventory_core::http::{self, App, Ctx, Dialect, Endpoint, Rejection, Reply};
use inventory_core::identifiers::{GtinForm, Identifier};
use inventory_core::lambda_http::Request;
use inventory_core::lambda_http::http::StatusCode;
use inventory_core::model::{Rfc3339, StockUpdate};
use inventory_core::render::JsonWriter;
use inventory_core::resolve::{LocationError, LocationRef, ResolveError};
use inventory_core::service::{self, ItemFailure, UpdateItem};
use inventory_core::store::{Backend, WriteFailure};
use inventory_core::telemetry;
use inventory_core::validate::{FieldError, Fields};
use serde::Serialize;
use serde_json::Value;

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
        // A well-formed request is read straight into its typed form; any other goes the
        // general way, as JSON read field by field, which words every error.
        let request = match quick::request(&req) {
            Some(request) => {
                telemetry::received(1);
                request
            }
            None => {
                let body = http::json_body(&req)?;
                telemetry::received(1);
                parse(&body).map_err(|e| {
                    telemetry::failed(1);
                    Rejection::invalid(e.to_string())
                })?
            }
        };
        let item = UpdateItem {
            identifier: request.identifier.clone(),
            location: LocationRef::Id(request.store.clone()),
            update: StockUpdate {
                on_hand: Some(request.quantity),
                ..Default::default()
            },
        };
        let tenant = &cx.principal.tenant;
        let plan = service::plan(&app.store, tenant, vec![item], |_| {}, cx.deadline).await?;
        let outcome = service::commit(&app.store, tenant, plan.items, cx.deadline).await;
        let stored = match outcome.into_iter().next() {
            Some(Ok(stored)) => stored,
            Some(Err(failure)) => return Err(rejection(&request, failure)),
            None => return Err(Rejection::unavailable()),
        };
        let saved = Saved {
            message: "Inventory updated",
            upc: request.upc(),
            sku: stored.variant.sku.as_deref(),
            size: stored.variant.size.as_deref(),
            width: stored.variant.width.as_deref(),
            store: &request.store,
            quantity: request.quantity,
            variant_id: &stored.variant.variant_id,
            product_id: &stored.variant.product_id,
            updated_at: Rfc3339(stored.version.micros()),
        };
        Reply::ok_written(Ok(saved.to_json()))
    }
}

/// The request, validated.
#[derive(Clone, Debug, PartialEq)]
pub struct UpdateRequest {
    pub identifier: Identifier,
    pub store: String,
    pub quantity: i64,
}

impl UpdateRequest {
    fn upc(&self) -> Option<&str> {
        match &self.identifier {
            Identifier::Gtin { raw, .. } => Some(raw),
            _ => None,
        }
    }
}

/// Reads the body. Required fields are checked in the order the document lists them, so
/// the first missing one is the one reported.
pub fn parse(body: &Value) -> Result<UpdateRequest, FieldError> {
    let mut f = Fields::of(body, "Request body")?;
    let identifier = match f.id("upc")? {
        Some(upc) => {
            // A upc request names the product fully; lookup fields beside it are refused
            // rather than silently ignored.
            for field in ["sku", "size", "width"] {
                if f.has(field) {
                    return Err(FieldError::new(
                        field,
                        inventory_core::validate::Problem::Unknown,
                    ));
                }
            }
            Identifier::Gtin {
                form: GtinForm::Upc,
                raw: upc,
            }
        }
        None => {
            let sku = f.id("sku")?.ok_or_else(|| FieldError::missing("sku"))?;
            let size = f.id("size")?.ok_or_else(|| FieldError::missing("size"))?;
            let width = f.id("width")?.ok_or_else(|| FieldError::missing("width"))?;
            Identifier::SkuSizeWidth { sku, size, width }
        }
    };
    let store = f.id("store")?.ok_or_else(|| FieldError::missing("store"))?;
    let quantity = f
        .quantity("quantity")?
        .ok_or_else(|| FieldError::missing("quantity"))?;
    f.finish()?;
    Ok(UpdateRequest {
        identifier,
        store,
        quantity,
    })
}

fn rejection(request: &UpdateRequest, failure: ItemFailure) -> Rejection {
    match failure {
        ItemFailure::Resolve(ResolveError::Invalid(e)) => {
            Rejection::invalid(format!("Invalid {e}"))
        }
        ItemFailure::Resolve(ResolveError::NotFound) => {
            Rejection::not_found(format!("Product not found: {}", request.identifier))
        }
        ItemFailure::Resolve(ResolveError::Ambiguous(ids)) => Rejection::invalid(format!(
            "Ambiguous product: {} matches variants {}",
            request.identifier,
            ids.join(", ")
        ))
        .with_status(StatusCode::CONFLICT),
        ItemFailure::Location(LocationError::Unknown(store)) => {
            Rejection::not_found(format!("Store not found: {store}"))
        }
        ItemFailure::Location(LocationError::NoDefault) => {
            Rejection::not_found(format!("Store not found: {}", request.store))
        }
        ItemFailure::Write(WriteFailure::Rejected) => {
            Rejection::internal("write rejected", &WriteFailure::Rejected)
        }
        // Nothing was stored; the client can safely send the same request again.
        other => {
            tracing::warn!(failure = %other, "inventory not saved");
            Rejection::unavailable()
        }
    }
}

/// The success body. Written by hand ([`Saved::to_json`]); the derived `Serialize` is the
/// reference a test holds that writing to.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Saved<'a> {
    message: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    upc: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    sku: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    size: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    width: Option<&'a str>,
    store: &'a str,
    quantity: i64,
    variant_id: &'a str,
    product_id: &'a str,
    updated_at: Rfc3339,
}

impl Saved<'_> {
    /// Compact JSON, as serde writes it. About 200 bytes with every field present.
    fn to_json(&self) -> Vec<u8> {
        let mut out = JsonWriter::with_capacity(256);
        out.raw("{\"message\":").string(self.message);
        for (name, value) in [
            (",\"upc\":", self.upc),
            (",\"sku\":", self.sku),
            (",\"size\":", self.size),
            (",\"width\":", self.width),
        ] {
            if let Some(value) = value {
                out.raw(name).string(value);
            }
        }
        out.raw(",\"store\":").string(self.store);
        out.raw(",\"quantity\":").int(self.quantity);
        out.raw(",\"variantId\":").string(self.variant_id);
        out.raw(",\"productId\":").string(self.product_id);
        out.raw(",\"updatedAt\":")
            .string(self.updated_at.text(&mut [0; 24]));
        out.raw("}");
        out.into_bytes()
    }
}

/// The quick way in: a well-formed request read into its typed form, already held to
/// [`parse`]'s rules; `None` sends the request the general way. A `null` field, an unknown
/// or repeated one, or a value the rules refuse all give `None`.
mod quick {
    use super::UpdateRequest;
    use inventory_core::identifiers::{GtinForm, Identifier};
    use inventory_core::lambda_http::Request;
    use inventory_core::typed::{self, Id, present};
    use serde::Deserialize;
    use serde_json::Number;

    #[derive(Deserialize)]
    #[serde(deny_unknown_fields)]
    struct Body<'a> {
        #[serde(borrow, default, deserialize_with = "present")]
        upc: Option<Id<'a>>,
        #[serde(borrow, default, deserialize_with = "present")]
        sku: Option<Id<'a>>,
        #[serde(borrow, default, deserialize_with = "present")]
        size: Option<Id<'a>>,
        #[serde(borrow, default, deserialize_with = "present")]
        width: Option<Id<'a>>,
        #[serde(borrow, default, deserialize_with = "present")]
        store: Option<Id<'a>>,
        #[serde(default, deserialize_with = "present")]
        quantity: Option<Number>,
    }

    pub fn request(req: &Request) -> Option<UpdateRequest> {
        let body: Body = typed::body(req)?;
        let identifier = match (body.upc, body.sku, body.size, body.width) {
            (Some(upc), None, None, None) => Identifier::Gtin {
                form: GtinForm::Upc,
                raw: upc.checked()?,
            },
            (None, Some(sku), Some(size), Some(width)) => Identifier::SkuSizeWidth {
                sku: sku.checked()?,
                size: size.checked()?,
                width: width.checked()?,
            },
            _ => return None,
        };
        Some(UpdateRequest {
            identifier,
            store: body.store?.checked()?,
            quantity: typed::quantity(&body.quantity?)?,
        })
    }
}

#[cfg(test)]
mod tests;
