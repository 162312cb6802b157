//! Shared pieces of the benchmark: the records a 1,000-item request writes, so the bare
//! floor and the boto3 comparison write exactly what the service writes.

use inventory_core::layout::RecordKey;
use inventory_core::model::{StockUpdate, TenantId};
use inventory_core::store::RecordUpdate;

/// The record updates a batchStock request setting `inStock` for `variants` at `location`
/// makes.
pub fn updates(
    tenant: &TenantId,
    variants: &[String],
    location: &str,
    quantity: i64,
) -> Vec<RecordUpdate> {
    variants
        .iter()
        .map(|v| RecordUpdate {
            key: RecordKey {
                tenant: tenant.clone(),
                variant_id: v.clone(),
                location_id: location.to_owned(),
            },
            update: StockUpdate {
                on_hand: Some(quantity),
                ..Default::default()
            },
        })
        .collect()
}
