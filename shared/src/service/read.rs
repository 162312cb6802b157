//! Reads: the current records of resolved variants.

use std::collections::HashMap;

use futures::{StreamExt, stream};

use super::READS_IN_FLIGHT;
use crate::catalog::Variant;
use crate::model::{InventoryRecord, TenantId};
use crate::store::{Deadline, InventoryStore, StoreError};

/// Records of resolved variants, at the locations asked for (all when `None`).
pub async fn read<S: InventoryStore>(
    store: &S,
    tenant: &TenantId,
    variants: &[&Variant],
    locations: Option<&[String]>,
    deadline: Deadline,
) -> Result<HashMap<String, Vec<InventoryRecord>>, StoreError> {
    // One read per (variant, location) asked for, or per variant for every location, all
    // in one wave: owned ids, as a future borrowing from the stream would not be `Send`.
    let mut distinct: Vec<(String, String)> = variants
        .iter()
        .map(|v| (v.variant_id.clone(), v.product_id.clone()))
        .collect();
    distinct.sort();
    distinct.dedup_by(|a, b| a.0 == b.0);
    let reads: Vec<(String, String, Option<String>)> = match locations {
        None => distinct.into_iter().map(|(v, p)| (v, p, None)).collect(),
        Some(locations) => distinct
            .iter()
            .flat_map(|(v, p)| {
                locations
                    .iter()
                    .map(|l| (v.clone(), p.clone(), Some(l.clone())))
            })
            .collect(),
    };
    let fetched: Vec<Result<(String, Vec<InventoryRecord>), StoreError>> = stream::iter(reads)
        .map(|(variant_id, product_id, location)| async move {
            let records = store
                .records(
                    tenant,
                    &variant_id,
                    &product_id,
                    location.as_ref().map(std::slice::from_ref),
                    deadline,
                )
                .await?;
            Ok((variant_id, records))
        })
        .buffer_unordered(READS_IN_FLIGHT)
        .collect()
        .await;
    let mut by_variant: HashMap<String, Vec<InventoryRecord>> = HashMap::new();
    for result in fetched {
        let (variant_id, records) = result?;
        by_variant.entry(variant_id).or_default().extend(records);
    }
    for records in by_variant.values_mut() {
        records.sort_by(|a, b| a.location_id.cmp(&b.location_id));
        records.dedup_by(|a, b| a.location_id == b.location_id);
    }
    Ok(by_variant)
}
