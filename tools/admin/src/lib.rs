//! What `inventory-admin` does, as functions the integration tests call too.

use std::collections::{BTreeMap, HashMap};
use std::time::Duration;

use inventory_core::catalog::CatalogEntry;
use inventory_core::http::App;
use inventory_core::identifiers::CatalogKey;
use inventory_core::model::{InventoryRecord, TenantId};
use inventory_core::store::dynamo::{DynamoStore, MigrationReport, Table, items};
use inventory_core::store::memory::MemoryStore;
use inventory_core::store::{CatalogStore, Deadline, InventoryStore, StoreError};

pub mod seed;

use seed::{SeedError, SeedFile, SeedPlan};

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

/// A store a seed file can be loaded into: DynamoDB, or the memory store the tests and
/// benchmarks use, loaded the same way.
pub trait Seedable: CatalogStore {
    /// Stores a plan's keys and catalog entries, each as a whole-item put.
    fn put_plan(&self, plan: SeedPlan) -> impl Future<Output = Result<(), StoreError>> + Send;
}

impl Seedable for DynamoStore {
    async fn put_plan(&self, plan: SeedPlan) -> Result<(), StoreError> {
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
        self.put_items(Table::ApiKeys, key_items).await?;
        self.put_items(Table::Catalog, catalog_items).await?;
        Ok(())
    }
}

impl Seedable for MemoryStore {
    async fn put_plan(&self, plan: SeedPlan) -> Result<(), StoreError> {
        load_plan(self, plan);
        Ok(())
    }
}

fn load_plan(store: &MemoryStore, plan: SeedPlan) {
    for key in plan.keys {
        store.put_key(key);
    }
    for (tenant, key, entry) in plan.catalog {
        store.put_catalog(&tenant, key, entry);
    }
}

/// Loads a checked seed file: reads what the catalog holds for its identifiers, merges, and
/// writes keys and catalog entries. Every write is a whole-item put, so running it again
/// (after a failure half-way, say) converges on the same state.
pub async fn seed(store: &impl Seedable, file: &SeedFile) -> Result<SeedReport, SeedFailure> {
    let mut existing = read_catalog(store, file.keys_to_read()).await?;
    let old = read_catalog(store, file.old_alias_keys(&existing)).await?;
    existing.extend(old);
    file.check_against(&existing)?;
    let plan = file.plan(&existing);
    let report = SeedReport {
        tenants: file.tenants.len(),
        keys: plan.keys.len(),
        catalog_items: plan.catalog.len(),
    };
    store.put_plan(plan).await?;
    Ok(report)
}

/// A new memory store loaded with a seed file (nothing stored to merge with).
pub fn memory_store(file: &SeedFile) -> MemoryStore {
    let store = MemoryStore::new();
    load_plan(&store, file.plan(&HashMap::new()));
    store
}

/// The committed demo seed file, which the local stack loads too.
pub const DEMO_SEED: &str = include_str!("../../../tests/fixtures/demo.json");

/// An app over a memory store loaded with the demo file: the functions' unit tests.
pub fn demo_app() -> App<MemoryStore> {
    let file = SeedFile::parse(DEMO_SEED).expect("the demo seed file is valid");
    App::new(memory_store(&file))
}

async fn read_catalog(
    store: &impl CatalogStore,
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
