//! Create-only writes (the Wix dialect): each record only if it does not exist yet.

use std::sync::Arc;

use futures::{StreamExt, stream};

use super::{ItemFailure, creates_in_flight};
use crate::catalog::Variant;
use crate::identifiers::Identifier;
use crate::layout::RecordKey;
use crate::model::{InventoryRecord, StockUpdate, TenantId};
use crate::resolve::{KeySet, LocationRef};
use crate::store::{CatalogStore, Created, Deadline, InventoryStore, StoreError, WriteFailure};
use crate::telemetry;

/// A create-only item (Wix): the variant must belong to the product.
#[derive(Clone, Debug, PartialEq)]
pub struct CreateItem {
    pub variant_id: String,
    pub product_id: String,
    pub location: LocationRef,
    pub update: StockUpdate,
}

/// A create-only item after the catalog pass.
#[derive(Clone, Debug)]
pub struct PlannedCreate {
    pub key: RecordKey,
    pub variant: Arc<Variant>,
    pub update: StockUpdate,
}

/// Resolves create-only items in one catalog pass and checks what the catalog decides
/// (the variant's product, whether preorder is allowed). A second create of the same record
/// in one request fails like one from another request would.
pub async fn plan_create<S: CatalogStore>(
    store: &S,
    tenant: &TenantId,
    items: Vec<CreateItem>,
    deadline: Deadline,
) -> Result<Vec<Result<PlannedCreate, ItemFailure>>, StoreError> {
    let mut keys = KeySet::new();
    let identifiers: Vec<Identifier> = items
        .iter()
        .map(|i| Identifier::VariantId(i.variant_id.clone()))
        .collect();
    identifiers.iter().for_each(|i| keys.identifier(i));
    items.iter().for_each(|i| keys.location(&i.location));
    let lookup = keys.lookup(store, tenant, deadline).await?;

    let mut planned: Vec<Result<PlannedCreate, ItemFailure>> = items
        .into_iter()
        .zip(&identifiers)
        .map(|(item, identifier)| {
            let variant = lookup.variant(identifier)?.clone();
            if variant.product_id != item.product_id {
                return Err(ItemFailure::WrongProduct {
                    variant_id: item.variant_id,
                    product_id: item.product_id,
                });
            }
            if item.update.preorder.as_ref().is_some_and(|p| p.enabled)
                && !variant.allows_preorder()
            {
                return Err(ItemFailure::PreorderNotAllowed);
            }
            let key = RecordKey {
                tenant: tenant.clone(),
                variant_id: variant.variant_id.clone(),
                location_id: lookup.location(&item.location)?,
            };
            Ok(PlannedCreate {
                key,
                variant,
                update: item.update,
            })
        })
        .collect();
    // Every key has the same tenant: (variant, location) names the record. The set borrows
    // the keys, so finding repeats costs no clone.
    let repeated: Vec<usize> = {
        let mut seen: foldhash::HashSet<(&str, &str)> =
            foldhash::HashSet::with_capacity_and_hasher(planned.len(), Default::default());
        planned
            .iter()
            .enumerate()
            .filter_map(|(i, p)| {
                let key = &p.as_ref().ok()?.key;
                (!seen.insert((&key.variant_id, &key.location_id))).then_some(i)
            })
            .collect()
    };
    for i in repeated {
        planned[i] = Err(ItemFailure::AlreadyExists);
    }
    Ok(planned)
}

/// Creates the planned records, each only if it does not exist yet (also under races).
pub async fn commit_create<S: InventoryStore>(
    store: &S,
    planned: Vec<Result<PlannedCreate, ItemFailure>>,
    deadline: Deadline,
) -> Vec<Result<(Arc<Variant>, Box<InventoryRecord>), ItemFailure>> {
    let mut results = Vec::with_capacity(planned.len());
    let mut creates = stream::iter(planned)
        .map(|item| {
            async move {
                let PlannedCreate { key, variant, update } = item?;
                match store.create(&key, &variant.product_id, &update, deadline).await {
                    // Kept boxed: each result moves through the stream and into `results`.
                    Ok(Created::Created(record)) => Ok((variant, record)),
                    Ok(Created::AlreadyExists) => Err(ItemFailure::AlreadyExists),
                    Err(StoreError::Deadline) => Err(ItemFailure::Write(WriteFailure::Deadline)),
                    Err(StoreError::Unavailable(_)) => Err(ItemFailure::Unavailable),
                    Err(e) => {
                        tracing::error!(error = %e, source = ?std::error::Error::source(&e), "create failed");
                        Err(ItemFailure::Write(WriteFailure::Rejected))
                    }
                }
            }
        })
        .buffered(creates_in_flight());
    // Room for every result up front: a growing Vec copied the large results as it doubled.
    while let Some(result) = creates.next().await {
        results.push(result);
    }
    let created = results.iter().filter(|r| r.is_ok()).count();
    telemetry::stored(created);
    telemetry::failed(results.len() - created);
    results
}

/// Plans and commits create-only items in one go.
pub async fn create<S: CatalogStore + InventoryStore>(
    store: &S,
    tenant: &TenantId,
    items: Vec<CreateItem>,
    deadline: Deadline,
) -> Result<Vec<Result<(Arc<Variant>, Box<InventoryRecord>), ItemFailure>>, StoreError> {
    let planned = plan_create(store, tenant, items, deadline).await?;
    Ok(commit_create(store, planned, deadline).await)
}
