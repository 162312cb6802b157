//! Reads: the current records of resolved variants.

use std::collections::HashMap;

use futures::{StreamExt, stream};

use super::PER_ITEM_CONCURRENCY;
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
    // Owned (variant, product) pairs: the per-item futures must not borrow from the stream,
    // or the request future stops being `Send`.
    let mut distinct: Vec<(String, String)> = variants
        .iter()
        .map(|v| (v.variant_id.clone(), v.product_id.clone()))
        .collect();
    distinct.sort();
    distinct.dedup_by(|a, b| a.0 == b.0);
    let fetched: Vec<Result<(String, Vec<InventoryRecord>), StoreError>> = stream::iter(distinct)
        .map(|(variant_id, product_id)| async move {
            let mut records = store
                .records(tenant, &variant_id, &product_id, locations, deadline)
                .await?;
            records.sort_by(|a, b| a.location_id.cmp(&b.location_id));
            Ok((variant_id, records))
        })
        .buffer_unordered(PER_ITEM_CONCURRENCY)
        .collect()
        .await;
    fetched.into_iter().collect()
}
