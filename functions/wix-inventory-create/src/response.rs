//! The response: per item in request order, its metadata and (with `returnEntity`) the
//! created entity, then the totals.

use std::sync::Arc;

use inventory_core::catalog::Variant;
use inventory_core::model::{
    Availability, DEFAULT_PREORDER_LIMIT, InventoryRecord, Rfc3339, Tracking,
};
use inventory_core::render::{self, JsonWriter};
use inventory_core::resolve::{LocationError, ResolveError};
use inventory_core::service::{ItemFailure, PlannedCreate};
use serde::Serialize;
use serde_json::{Value, json};
use uuid::Uuid;

/// The id each planned item will have: the record's stable id.
pub fn ids(planned: &[Result<PlannedCreate, ItemFailure>]) -> Vec<Option<Uuid>> {
    planned
        .iter()
        .map(|p| p.as_ref().ok().map(|p| p.key.id()))
        .collect()
}

/// What a create came to: the variant and the record created, or why not.
type Created = Result<(Arc<Variant>, Box<InventoryRecord>), ItemFailure>;

impl BulkResponse {
    /// The answer to the creates' `outcomes`, in request order, their items planned as `ids`.
    pub fn new(outcomes: Vec<Created>, ids: Vec<Option<Uuid>>, return_entity: bool) -> Self {
        let count = outcomes.len();
        let results: Vec<ItemResult> = outcomes
            .into_iter()
            .zip(ids)
            .enumerate()
            .map(|(index, (outcome, id))| match outcome {
                Ok((variant, record)) => ItemResult {
                    item: return_entity
                        .then(|| id.map(|id| Entity::new(id, variant, *record)))
                        .flatten(),
                    item_metadata: ItemMetadata {
                        id,
                        original_index: index,
                        success: true,
                        error: None,
                    },
                },
                Err(failure) => ItemResult {
                    item_metadata: ItemMetadata {
                        id,
                        original_index: index,
                        success: false,
                        error: Some(item_error(&failure)),
                    },
                    item: None,
                },
            })
            .collect();
        let successes = results.iter().filter(|r| r.item_metadata.success).count();
        // A created item renders to about 700 bytes with its entity, 100 without.
        let per_item = if return_entity { 768 } else { 128 };
        BulkResponse {
            results,
            bulk_action_metadata: BulkActionMetadata {
                total_successes: successes,
                total_failures: count - successes,
                undetailed_failures: 0,
            },
            capacity: per_item * count,
        }
    }
}

// The response is written by hand from these types (`BulkResponse::to_json`): building
// `serde_json::Value` trees first cost about half of this endpoint's CPU per item, and then
// serde's escaping of every field name for every item was the largest cost left. The types
// still derive `Serialize`, the reference that `tests::rendering` holds the hand-written
// bytes to.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct BulkResponse {
    results: Vec<ItemResult>,
    bulk_action_metadata: BulkActionMetadata,
    /// Bytes the body is expected to take: written into one buffer, never copied as it grows.
    #[serde(skip)]
    capacity: usize,
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
struct BulkActionMetadata {
    total_successes: usize,
    total_failures: usize,
    undetailed_failures: usize,
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
struct ItemResult {
    item_metadata: ItemMetadata,
    #[serde(skip_serializing_if = "Option::is_none")]
    item: Option<Entity>,
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
struct ItemMetadata {
    #[serde(skip_serializing_if = "Option::is_none")]
    id: Option<Uuid>,
    original_index: usize,
    success: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    error: Option<Value>,
}

fn item_error(failure: &ItemFailure) -> Value {
    let (code, description) = match failure {
        ItemFailure::Resolve(ResolveError::NotFound | ResolveError::Ambiguous(_)) => {
            ("VARIANT_NOT_FOUND", "Variant not found".to_owned())
        }
        ItemFailure::Resolve(ResolveError::Invalid(e)) => {
            ("VARIANT_NOT_FOUND", format!("Invalid {e}"))
        }
        ItemFailure::WrongProduct { .. } => ("VARIANT_NOT_IN_PRODUCT", failure.to_string()),
        ItemFailure::Location(LocationError::Unknown(id)) => {
            ("LOCATION_NOT_FOUND", format!("Location {id} not found"))
        }
        ItemFailure::Location(LocationError::NoDefault) => (
            "LOCATION_NOT_FOUND",
            "The store has no default location".to_owned(),
        ),
        ItemFailure::AlreadyExists => (
            "INVENTORY_ITEM_ALREADY_EXISTS",
            "An inventory item already exists for this variant and location".to_owned(),
        ),
        other => (
            "SAVE_FAILED",
            format!("Inventory item was not saved ({other}); retry"),
        ),
    };
    json!({ "code": code, "description": description, "data": {} })
}

/// The full inventory item, as `returnEntity: true` returns it: `quantity` when the quantity
/// is tracked, `inStock` otherwise.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
struct Entity {
    id: Uuid,
    revision: String,
    created_date: Rfc3339,
    updated_date: Rfc3339,
    variant_id: String,
    location_id: String,
    product_id: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    quantity: Option<i64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    in_stock: Option<bool>,
    track_quantity: bool,
    availability_status: Availability,
    preorder_info: EntityPreorder,
    product: ProductSummary,
}

impl Entity {
    fn new(id: Uuid, variant: Arc<Variant>, record: InventoryRecord) -> Self {
        let tracked = record.tracking == Tracking::Quantity;
        let preorder = EntityPreorder::of(&record, tracked);
        Entity {
            id,
            revision: record.revision.to_string(),
            created_date: Rfc3339(record.created_at),
            updated_date: Rfc3339(record.updated_at),
            quantity: tracked.then(|| record.quantity.unwrap_or(0)),
            in_stock: (!tracked).then(|| record.in_stock.unwrap_or(false)),
            track_quantity: tracked,
            availability_status: record.availability(),
            preorder_info: preorder,
            product: ProductSummary(variant),
            variant_id: record.variant_id,
            location_id: record.location_id,
            product_id: record.product_id,
        }
    }
}

/// `preorderInfo`; `limit`, `counter` and `quantity` only when the quantity is tracked.
#[derive(Debug, Serialize)]
struct EntityPreorder {
    enabled: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    message: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    limit: Option<i64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    counter: Option<i64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    quantity: Option<i64>,
}

impl EntityPreorder {
    fn of(record: &InventoryRecord, tracked: bool) -> Self {
        let (enabled, message, limit) = match &record.preorder {
            Some(p) => (p.enabled, p.message.clone(), p.limit),
            None => (false, None, None),
        };
        let limit = tracked.then(|| limit.unwrap_or(DEFAULT_PREORDER_LIMIT));
        EntityPreorder {
            enabled,
            message,
            limit,
            counter: tracked.then_some(0),
            quantity: limit,
        }
    }
}

/// `product`: what the catalog knows of the variant.
#[derive(Debug)]
struct ProductSummary(Arc<Variant>);

impl Serialize for ProductSummary {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeStruct;
        let v = &self.0;
        let mut product = serializer.serialize_struct("Product", 5)?;
        product.serialize_field("name", &v.name)?;
        product.serialize_field("directCategoryIds", &[(); 0])?;
        product.serialize_field("variantName", &v.variant_name)?;
        product.serialize_field("variantSku", &v.sku)?;
        product.serialize_field("variantVisible", &v.visible)?;
        product.end()
    }
}

impl BulkResponse {
    /// The body as compact JSON.
    pub fn to_json(&self) -> Result<Vec<u8>, render::Error> {
        let mut out = JsonWriter::with_capacity(self.capacity);
        out.raw("{\"results\":[");
        for (n, result) in self.results.iter().enumerate() {
            if n > 0 {
                out.raw(",");
            }
            result.write(&mut out)?;
        }
        let totals = &self.bulk_action_metadata;
        out.raw("],\"bulkActionMetadata\":{\"totalSuccesses\":")
            .uint(totals.total_successes as u64)
            .raw(",\"totalFailures\":")
            .uint(totals.total_failures as u64)
            .raw(",\"undetailedFailures\":")
            .uint(totals.undetailed_failures as u64)
            .raw("}}");
        Ok(out.into_bytes())
    }
}

impl ItemResult {
    fn write(&self, out: &mut JsonWriter) -> Result<(), render::Error> {
        let meta = &self.item_metadata;
        out.raw("{\"itemMetadata\":{");
        if let Some(id) = meta.id {
            write_uuid(out.raw("\"id\":"), id).raw(",");
        }
        out.raw("\"originalIndex\":")
            .uint(meta.original_index as u64)
            .raw(",\"success\":")
            .bool(meta.success);
        if let Some(error) = &meta.error {
            out.raw(",\"error\":").serialize(error)?;
        }
        out.raw("}");
        if let Some(item) = &self.item {
            item.write(out.raw(",\"item\":"));
        }
        out.raw("}");
        Ok(())
    }
}

impl Entity {
    fn write(&self, out: &mut JsonWriter) {
        write_uuid(out.raw("{\"id\":"), self.id)
            .raw(",\"revision\":")
            .string(&self.revision)
            .raw(",\"createdDate\":")
            .string(self.created_date.text(&mut [0; 24]))
            .raw(",\"updatedDate\":")
            .string(self.updated_date.text(&mut [0; 24]))
            .raw(",\"variantId\":")
            .string(&self.variant_id)
            .raw(",\"locationId\":")
            .string(&self.location_id)
            .raw(",\"productId\":")
            .string(&self.product_id);
        if let Some(quantity) = self.quantity {
            out.raw(",\"quantity\":").int(quantity);
        }
        if let Some(in_stock) = self.in_stock {
            out.raw(",\"inStock\":").bool(in_stock);
        }
        out.raw(",\"trackQuantity\":")
            .bool(self.track_quantity)
            .raw(",\"availabilityStatus\":")
            .string(self.availability_status.as_str())
            .raw(",\"preorderInfo\":");
        self.preorder_info.write(out);
        self.product.write(out.raw(",\"product\":"));
        out.raw("}");
    }
}

impl EntityPreorder {
    fn write(&self, out: &mut JsonWriter) {
        out.raw("{\"enabled\":").bool(self.enabled);
        if let Some(message) = &self.message {
            out.raw(",\"message\":").string(message);
        }
        for (name, value) in [
            (",\"limit\":", self.limit),
            (",\"counter\":", self.counter),
            (",\"quantity\":", self.quantity),
        ] {
            if let Some(value) = value {
                out.raw(name).int(value);
            }
        }
        out.raw("}");
    }
}

impl ProductSummary {
    fn write(&self, out: &mut JsonWriter) {
        let v = &self.0;
        out.raw("{\"name\":")
            .optional_string(v.name.as_deref())
            .raw(",\"directCategoryIds\":[],\"variantName\":")
            .optional_string(v.variant_name.as_deref())
            .raw(",\"variantSku\":")
            .optional_string(v.sku.as_deref())
            .raw(",\"variantVisible\":")
            .bool(v.visible)
            .raw("}");
    }
}

fn write_uuid(out: &mut JsonWriter, id: Uuid) -> &mut JsonWriter {
    out.string(id.hyphenated().encode_lower(&mut Uuid::encode_buffer()))
}

#[cfg(test)]
#[path = "response_tests.rs"]
mod tests;
