//! Updates: resolve every item of a request in one catalog pass, then put one item per
//! record.

use std::sync::Arc;

use super::{Also, ItemFailure};
use crate::catalog::Variant;
use crate::identifiers::Identifier;
use crate::layout::{RecordKey, Version};
use crate::model::{StockUpdate, TenantId};
use crate::resolve::{KeySet, LocationError, LocationRef, Lookup, ResolveError};
use crate::store::{
    CatalogStore, Deadline, InventoryStore, RecordUpdate, StoreError, WriteFailure,
};
use crate::telemetry;

/// One update as a dialect asks for it.
#[derive(Clone, PartialEq, Debug)]
pub struct UpdateItem {
    pub identifier: Identifier,
    pub location: LocationRef,
    pub update: StockUpdate,
}

/// An item that resolved: what will be written where.
#[derive(Clone, Debug)]
pub struct Target {
    pub variant: Arc<Variant>,
    pub location_id: String,
    pub update: StockUpdate,
}

/// A request after the catalog pass: per item, its target or why it has none.
#[derive(Debug)]
pub struct Plan {
    pub items: Vec<Result<Target, ItemFailure>>,
    pub lookup: Lookup,
}

/// Resolves every item of a request with one catalog pass. `also` names what else the
/// dialect needs checked in the same pass (the warehouse, an account), which
/// [`Plan::knows_location`] and [`Plan::knows_account`] then answer.
pub async fn plan<C: CatalogStore>(
    catalog: &C,
    tenant: &TenantId,
    items: Vec<UpdateItem>,
    also: impl FnOnce(&mut Also<'_>),
    deadline: Deadline,
) -> Result<Plan, StoreError> {
    // Each identifier's key is worked out once (a GTIN is parsed once), each location once.
    let keyed: Vec<_> = items.iter().map(|i| i.identifier.catalog_key()).collect();
    let mut keys = KeySet::new();
    keyed.iter().flatten().for_each(|k| keys.key(k.clone()));
    let mut locations: Vec<&LocationRef> = Vec::new();
    for item in &items {
        if !locations.contains(&&item.location) {
            keys.location(&item.location);
            locations.push(&item.location);
        }
    }
    also(&mut Also(&mut keys));
    let lookup = keys.lookup(catalog, tenant, deadline).await?;
    let resolved_locations: Vec<(LocationRef, Result<String, LocationError>)> = locations
        .into_iter()
        .map(|l| (l.clone(), lookup.location(l)))
        .collect();
    let items = items
        .into_iter()
        .zip(keyed)
        .map(|(item, key)| {
            let variant = lookup
                .variant_by_key(key.map_err(ResolveError::from)?)?
                .clone();
            let location_id = resolved_locations
                .iter()
                .find(|(l, _)| *l == item.location)
                .map_or(Err(LocationError::NoDefault), |(_, r)| r.clone())?;
            Ok(Target {
                variant,
                location_id,
                update: item.update,
            })
        })
        .collect();
    Ok(Plan { items, lookup })
}

/// What was stored for one item.
#[derive(Clone, Debug)]
pub struct Stored {
    pub variant: Arc<Variant>,
    pub location_id: String,
    pub version: Version,
}

/// Writes the resolved items of a plan. Items for the same record are merged in request
/// order (later fields win) into one record update, so a batch never holds one key twice;
/// each item then shares its record's outcome. Unresolved items keep their failure.
pub async fn commit<S: InventoryStore>(
    store: &S,
    tenant: &TenantId,
    items: Vec<Result<Target, ItemFailure>>,
    deadline: Deadline,
) -> Vec<Result<Stored, ItemFailure>> {
    // Each item's record update: the first item for a record opens it, in request order. Keyed by
    // borrowed ids, so working out which items share a record allocates nothing per item.
    let slots: Vec<Option<usize>> = {
        let mut slot_of: foldhash::HashMap<(&str, &str), usize> =
            foldhash::HashMap::with_capacity_and_hasher(items.len(), Default::default());
        items
            .iter()
            .map(|item| {
                let target = item.as_ref().ok()?;
                let next = slot_of.len();
                let key = (
                    target.variant.variant_id.as_str(),
                    target.location_id.as_str(),
                );
                Some(*slot_of.entry(key).or_insert(next))
            })
            .collect()
    };
    let mut updates: Vec<RecordUpdate> = Vec::with_capacity(items.len());
    // For every item: the record update it joined, or its failure.
    let mut joined: Vec<Result<(usize, Arc<Variant>), ItemFailure>> =
        Vec::with_capacity(items.len());
    for (item, slot) in items.into_iter().zip(slots) {
        joined.push(item.map(|target| {
            let slot = slot.unwrap_or_default();
            if slot == updates.len() {
                updates.push(RecordUpdate {
                    key: RecordKey {
                        tenant: tenant.clone(),
                        variant_id: target.variant.variant_id.clone(),
                        location_id: target.location_id,
                    },
                    update: StockUpdate::default(),
                });
            }
            updates[slot].update.merge(target.update);
            (slot, target.variant)
        }));
    }
    let outcomes = if updates.is_empty() {
        Vec::new()
    } else {
        store.write(&updates, deadline).await
    };
    let results: Vec<Result<Stored, ItemFailure>> = joined
        .into_iter()
        .map(|item| {
            let (slot, variant) = item?;
            let outcome = outcomes
                .get(slot)
                .copied()
                .unwrap_or(Err(WriteFailure::Unavailable));
            let version = outcome.map_err(ItemFailure::Write)?;
            Ok(Stored {
                variant,
                location_id: updates[slot].key.location_id.clone(),
                version,
            })
        })
        .collect();
    let stored = results.iter().filter(|r| r.is_ok()).count();
    telemetry::stored(stored);
    telemetry::failed(results.len() - stored);
    results
}
