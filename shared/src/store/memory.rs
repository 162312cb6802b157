//! An in-memory backend with the same behaviour as the DynamoDB one, for unit tests.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};

use crate::auth::{KeyHash, StoredKey};
use crate::catalog::CatalogEntry;
use crate::idempotency::{Claim, Held, SavedResponse, ScopedKey};
use crate::identifiers::CatalogKey;
use crate::jobs::Job;
use crate::layout::{self, Entry, Fold, RecordKey, Slot, Version};
use crate::model::{InventoryRecord, StockUpdate, TenantId};
use crate::store::{
    CatalogStore, Created, Deadline, IdempotencyStore, InventoryStore, JobStore, KeyStore,
    RecordUpdate, StoreError, WriteFailure,
};

/// A record's items, one per slot, as the DynamoDB store keeps them: the last put to land in
/// a slot replaces it, whatever its version. Most records hold one or two.
type Items = smallvec::SmallVec<[(Slot, Entry); 2]>;

/// What an idempotency key holds, as the DynamoDB store keeps it.
struct KeyRecord {
    token: u64,
    held: Held,
    running_until_ms: i64,
    expires_at_secs: i64,
}

impl KeyRecord {
    /// Whether the record still counts at `now_ms`.
    fn live(&self, now_ms: i64) -> bool {
        let running = matches!(self.held, Held::Running { .. });
        self.expires_at_secs * 1000 > now_ms && !(running && self.running_until_ms < now_ms)
    }
}

/// Lets a test hold a create between its existence check and its put, as a create racing
/// another write can be held in DynamoDB.
#[derive(Default, Debug)]
pub struct CreateGate {
    arrived: tokio::sync::Notify,
    release: tokio::sync::Notify,
}

impl CreateGate {
    /// Waits until a create has checked that the record does not exist.
    pub async fn arrived(&self) {
        self.arrived.notified().await;
    }

    /// Lets the held create go on to its put.
    pub fn release(&self) {
        self.release.notify_one();
    }
}

#[derive(Default)]
struct State {
    // foldhash (seeded per process), as for the records: every request looks its key and
    // catalog entries up, and SipHash cost more than the rest of each lookup.
    keys: foldhash::HashMap<KeyHash, StoredKey>,
    catalog: foldhash::HashMap<TenantId, foldhash::HashMap<CatalogKey, CatalogEntry>>,
    /// Hashed, and grown once per batch: ordering them cost more than the rest of a write.
    records: foldhash::HashMap<RecordKey, Items>,
    jobs: HashMap<(TenantId, String), Job>,
    /// Idempotency records: the claim token and what the key holds, with its deadlines.
    keys_in_use: HashMap<ScopedKey, KeyRecord>,
    /// Test hook: every write fails its items with this.
    failing_writes: Option<WriteFailure>,
    /// Test hook: creates wait here between their check and their put.
    create_gate: Option<Arc<CreateGate>>,
}

#[derive(Default)]
pub struct MemoryStore {
    state: Mutex<State>,
}

impl MemoryStore {
    pub fn new() -> Self {
        Self::default()
    }

    fn state(&self) -> MutexGuard<'_, State> {
        // A panicking test must not poison the others' view of the data.
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }

    pub fn put_catalog(&self, tenant: &TenantId, key: CatalogKey, entry: CatalogEntry) {
        self.state()
            .catalog
            .entry(tenant.clone())
            .or_default()
            .insert(key, entry);
    }

    pub fn put_key(&self, key: StoredKey) {
        self.state().keys.insert(key.hash, key);
    }

    /// Makes every later write fail with `failure` (or succeed again with `None`).
    pub fn fail_writes(&self, failure: Option<WriteFailure>) {
        self.state().failing_writes = failure;
    }

    /// Holds every later create between its existence check and its put, until released.
    pub fn hold_creates(&self) -> Arc<CreateGate> {
        let gate = Arc::new(CreateGate::default());
        self.state().create_gate = Some(gate.clone());
        gate
    }

    /// Lands one item of `update` in its slot with the given version, as a write sent
    /// earlier may land late: for tests of landing orders.
    pub fn land(&self, key: &RecordKey, update: StockUpdate, version: Version) {
        let mut state = self.state();
        for (slot, part) in layout::slots(update) {
            put(&mut state, key, slot, part, version);
        }
    }

    /// How many records have any stored item.
    pub fn record_count(&self) -> usize {
        self.state()
            .records
            .values()
            .filter(|i| !i.is_empty())
            .count()
    }

    /// How many items are stored across all records.
    pub fn item_count(&self) -> usize {
        self.state().records.values().map(|i| i.len()).sum()
    }

    /// How many items one record holds.
    pub fn items_of(&self, key: &RecordKey) -> usize {
        self.state().records.get(key).map_or(0, |i| i.len())
    }
}

/// Puts one item, replacing its slot's item: the last to land wins the slot.
fn put(state: &mut State, key: &RecordKey, slot: Slot, update: StockUpdate, version: Version) {
    let entry = Entry {
        version,
        update,
        created_at: None,
    };
    let items = match state.records.get_mut(key) {
        Some(items) => items,
        None => state.records.entry(key.clone()).or_default(),
    };
    match items.iter_mut().find(|(s, _)| *s == slot) {
        Some((_, stored)) => *stored = entry,
        None => items.push((slot, entry)),
    }
}

fn read(items: &Items, key: &RecordKey, product_id: &str) -> InventoryRecord {
    let mut fold = Fold::default();
    items.iter().for_each(|(_, entry)| fold.apply(entry));
    fold.record(&key.variant_id, product_id, &key.location_id)
}

impl KeyStore for MemoryStore {
    async fn find_key(
        &self,
        hash: &KeyHash,
        _deadline: Deadline,
    ) -> Result<Option<StoredKey>, StoreError> {
        Ok(self.state().keys.get(hash).cloned())
    }
}

impl CatalogStore for MemoryStore {
    async fn lookup(
        &self,
        tenant: &TenantId,
        keys: &[CatalogKey],
        _deadline: Deadline,
    ) -> Result<Vec<(CatalogKey, CatalogEntry)>, StoreError> {
        let state = self.state();
        Ok(keys
            .iter()
            .filter_map(|k| {
                let entry = state.catalog.get(tenant)?.get(k)?;
                Some((k.clone(), entry.clone()))
            })
            .collect())
    }
}

impl InventoryStore for MemoryStore {
    async fn write(
        &self,
        updates: &[RecordUpdate],
        deadline: Deadline,
    ) -> Vec<Result<Version, WriteFailure>> {
        let mut state = self.state();
        if let Some(failure) = state.failing_writes {
            return vec![Err(failure); updates.len()];
        }
        if deadline.passed() {
            return vec![Err(WriteFailure::Deadline); updates.len()];
        }
        let version = Version::now();
        state.records.reserve(updates.len());
        for RecordUpdate { key, update } in updates {
            for (slot, part) in layout::slots(update.clone()) {
                put(&mut state, key, slot, part, version);
            }
        }
        vec![Ok(version); updates.len()]
    }

    async fn create(
        &self,
        key: &RecordKey,
        product_id: &str,
        update: &StockUpdate,
        _deadline: Deadline,
    ) -> Result<Created, StoreError> {
        // The check and the put are two steps, as in DynamoDB: a write can land between them.
        let gate = {
            let state = self.state();
            if state
                .records
                .get(key)
                .is_some_and(|items| !items.is_empty())
            {
                return Ok(Created::AlreadyExists);
            }
            state.create_gate.clone()
        };
        if let Some(gate) = gate {
            gate.arrived.notify_one();
            gate.release.notified().await;
        }
        let mut state = self.state();
        let items = state.records.entry(key.clone()).or_default();
        if items.iter().any(|(slot, _)| *slot == Slot::Create) {
            return Ok(Created::AlreadyExists);
        }
        let entry = Entry {
            version: Version::creation(),
            update: update.clone(),
            created_at: Some(layout::now_micros()),
        };
        let record = layout::created(key, product_id, &entry);
        items.push((Slot::Create, entry));
        Ok(Created::Created(Box::new(record)))
    }

    async fn records(
        &self,
        tenant: &TenantId,
        variant_id: &str,
        product_id: &str,
        locations: Option<&[String]>,
        _deadline: Deadline,
    ) -> Result<Vec<InventoryRecord>, StoreError> {
        let state = self.state();
        let found = |key: &RecordKey, items: &Items| {
            (!items.is_empty()).then(|| read(items, key, product_id))
        };
        Ok(match locations {
            Some(locations) => locations
                .iter()
                .filter_map(|location| {
                    let key = RecordKey {
                        tenant: tenant.clone(),
                        variant_id: variant_id.to_owned(),
                        location_id: location.clone(),
                    };
                    found(&key, state.records.get(&key)?)
                })
                .collect(),
            None => state
                .records
                .iter()
                .filter(|(k, _)| &k.tenant == tenant && k.variant_id == variant_id)
                .filter_map(|(k, items)| found(k, items))
                .collect(),
        })
    }
}

impl JobStore for MemoryStore {
    async fn put_job(
        &self,
        tenant: &TenantId,
        job: &Job,
        _deadline: Deadline,
    ) -> Result<(), StoreError> {
        self.state()
            .jobs
            .insert((tenant.clone(), job.id.clone()), job.clone());
        crate::telemetry::wrote();
        Ok(())
    }

    async fn job(
        &self,
        tenant: &TenantId,
        id: &str,
        _deadline: Deadline,
    ) -> Result<Option<Job>, StoreError> {
        Ok(self
            .state()
            .jobs
            .get(&(tenant.clone(), id.to_owned()))
            .cloned())
    }
}

impl IdempotencyStore for MemoryStore {
    async fn claim(
        &self,
        key: &ScopedKey,
        claim: &Claim,
        _deadline: Deadline,
    ) -> Result<Option<Held>, StoreError> {
        let mut state = self.state();
        if let Some(record) = state.keys_in_use.get(key)
            && record.live(claim.now_ms)
        {
            return Ok(Some(record.held.clone()));
        }
        state.keys_in_use.insert(
            key.clone(),
            KeyRecord {
                token: claim.token,
                held: Held::Running {
                    fingerprint: claim.fingerprint,
                },
                running_until_ms: claim.running_until_ms,
                expires_at_secs: claim.expires_at_secs(),
            },
        );
        Ok(None)
    }

    async fn keep(
        &self,
        key: &ScopedKey,
        claim: &Claim,
        response: &SavedResponse,
        _deadline: Deadline,
    ) -> Result<(), StoreError> {
        let mut state = self.state();
        match state.keys_in_use.get_mut(key) {
            Some(record) if record.token == claim.token => {
                record.held = Held::Done {
                    fingerprint: claim.fingerprint,
                    response: response.clone(),
                };
                Ok(())
            }
            _ => Err(StoreError::Rejected(
                "the idempotency key is no longer ours".into(),
            )),
        }
    }

    async fn release(
        &self,
        key: &ScopedKey,
        claim: &Claim,
        _deadline: Deadline,
    ) -> Result<(), StoreError> {
        let mut state = self.state();
        if state
            .keys_in_use
            .get(key)
            .is_some_and(|r| r.token == claim.token)
        {
            state.keys_in_use.remove(key);
        }
        Ok(())
    }
}
