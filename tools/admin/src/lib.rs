//! What `inventory-admin` does, as functions the integration tests call too.

use std::collections::{BTreeMap, HashMap};
use std::time::Duration;

use inventory_core::catalog::CatalogEntry;
use inventory_core::identifiers::CatalogKey;
use inventory_core::model::{InventoryRecord, TenantId};
use inventory_core::seed::{SeedError, SeedFile};
use inventory_core::store::dynamo::{DynamoStore, MigrationReport, Table, items};
use inventory_core::store::{CatalogStore, Deadline, InventoryStore, StoreError};

/// Why a seed run stopped: the file conflicts with the stored catalog (nothing written), or
/// the store failed (rerun to complete).
#[derive(Debug, thiserror::Error)]
pub enum SeedFailure {
    #[error(transparent)]
    Conflict(#[from] SeedError),
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// What a seed run wrote.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct SeedReport {
    pub tenants: usize,
    pub keys: usize,
    pub catalog_items: usize,
}

/// Loads a checked seed file: reads what the catalog holds for its identifiers, merges, and
/// writes keys and catalog entries. Every write is a whole-item put, so running it again
/// (after a failure half-way, say) converges on the same state.
pub async fn seed(store: &DynamoStore, file: &SeedFile) -> Result<SeedReport, SeedFailure> {
    let mut existing = read_catalog(store, file.keys_to_read()).await?;
    let old = read_catalog(store, file.old_alias_keys(&existing)).await?;
    existing.extend(old);
    file.check_against(&existing)?;
    let plan = file.plan(&existing);

    let key_items = plan
        .keys
        .iter()
        .map(items::key_item)
        .collect::<Result<Vec<_>, _>>()?;
    let catalog_items = plan
        .catalog
        .iter()
        .map(|(tenant, key, entry)| items::catalog_item(tenant, key, entry))
        .collect::<Result<Vec<_>, _>>()?;
    let report = SeedReport {
        tenants: file.tenants.len(),
        keys: key_items.len(),
        catalog_items: catalog_items.len(),
    };
    store.put_items(Table::ApiKeys, key_items).await?;
    store.put_items(Table::Catalog, catalog_items).await?;
    Ok(report)
}

async fn read_catalog(
    store: &DynamoStore,
    keys: Vec<(TenantId, CatalogKey)>,
) -> Result<HashMap<(TenantId, CatalogKey), CatalogEntry>, StoreError> {
    let mut by_tenant: BTreeMap<TenantId, Vec<CatalogKey>> = BTreeMap::new();
    for (tenant, key) in keys {
        by_tenant.entry(tenant).or_default().push(key);
    }
    let mut found = HashMap::new();
    for (tenant, keys) in by_tenant {
        let deadline = Deadline::after(Duration::from_secs(300));
        for (key, entry) in store.lookup(&tenant, &keys, deadline).await? {
            found.insert((tenant.clone(), key), entry);
        }
    }
    Ok(found)
}

/// Turns records stored in the earlier layout (update commands and snapshots) into the
/// current one. Idempotent and resumable; see `DynamoStore::migrate`.
pub async fn migrate(store: &DynamoStore) -> Result<MigrationReport, StoreError> {
    store.migrate().await
}

/// The current records of one variant, at every location.
pub async fn stock(
    store: &DynamoStore,
    tenant: &TenantId,
    variant_id: &str,
) -> Result<Vec<InventoryRecord>, StoreError> {
    let deadline = Deadline::after(Duration::from_secs(60));
    store.records(tenant, variant_id, "", None, deadline).await
}
