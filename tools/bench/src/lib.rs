//! Shared pieces of the benchmark: the records a 1,000-item request writes, so the bare
//! floor and the boto3 comparison write exactly what the service writes.

use inventory_core::ledger::{Command, RecordKey, Version};
use inventory_core::model::{StockUpdate, TenantId};

/// The commands a batchStock request setting `inStock` for `variants` at `location` stores.
pub fn commands(
    tenant: &TenantId,
    variants: &[String],
    location: &str,
    quantity: i64,
) -> Vec<Command> {
    let version = Version::now();
    variants
        .iter()
        .map(|v| Command {
            key: RecordKey {
                tenant: tenant.clone(),
                variant_id: v.clone(),
                location_id: location.to_owned(),
            },
            product_id: format!("P-{v}"),
            version,
            update: StockUpdate {
                on_hand: Some(quantity),
                ..Default::default()
            },
        })
        .collect()
}
