//! The response: what was stored, or the request's failure in the dialect's words.

use inventory_core::http::Rejection;
use inventory_core::lambda_http::http::StatusCode;
use inventory_core::model::Rfc3339;
use inventory_core::render::JsonWriter;
use inventory_core::resolve::{LocationError, ResolveError};
use inventory_core::service::{ItemFailure, Stored};
use inventory_core::store::WriteFailure;
use serde::Serialize;

use crate::request::UpdateRequest;

/// The request's failure, once the core has tried it.
pub fn rejection(request: &UpdateRequest, failure: ItemFailure) -> Rejection {
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
pub struct Saved<'a> {
    pub message: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub upc: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub sku: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub size: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub width: Option<&'a str>,
    pub store: &'a str,
    pub quantity: i64,
    pub variant_id: &'a str,
    pub product_id: &'a str,
    pub updated_at: Rfc3339,
}

impl<'a> Saved<'a> {
    pub fn new(request: &'a UpdateRequest, stored: &'a Stored) -> Self {
        Saved {
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
        }
    }

    /// Compact JSON, as serde writes it. About 200 bytes with every field present.
    pub fn to_json(&self) -> Vec<u8> {
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
