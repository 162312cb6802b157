//! An in-memory backend with the same behaviour as the DynamoDB one, for unit tests.

use std::collections::{BTreeSet, HashMap};
use std::sync::{Mutex, MutexGuard, PoisonError};

use crate::auth::{KeyHash, StoredKey};
use crate::catalog::CatalogEntry;
use crate::identifiers::CatalogKey;
use crate::jobs::Job;
use crate::ledger::{self, Command, RecordKey, Snapshot, Version};
use crate::model::{InventoryRecord, TenantId};
#[cfg(any(test, feature = "seed"))]
use crate::seed::{SeedError, SeedFile};
use crate::store::{
    CatalogStore, Created, Deadline, InventoryStore, JobStore, KeyStore, StoreError, WriteFailure,
};

/// What one record holds: an optional snapshot and the commands not folded into it.
#[derive(Default, Clone)]
struct Ledger {
    product_id: String,
    snapshot: Option<Snapshot>,
    /// Sorted by version, one per version (a rewrite of a version replaces it, as a put
    /// does). A vector, not a map: most records hold one command between compactions.
    commands: Vec<Command>,
}

impl Ledger {
    fn put(&mut self, command: &Command) {
        match self
            .commands
            .binary_search_by(|c| c.version.cmp(&command.version))
        {
            Ok(at) => self.commands[at].clone_from(command),
            Err(at) => self.commands.insert(at, command.clone()),
        }
    }
}

#[derive(Default)]
struct State {
    // foldhash (seeded per process), as for the ledgers: every request looks its key and
    // catalog entries up, and SipHash cost more than the rest of each lookup.
    keys: foldhash::HashMap<KeyHash, StoredKey>,
    catalog: foldhash::HashMap<TenantId, foldhash::HashMap<CatalogKey, CatalogEntry>>,
    /// Hashed, and grown once per batch: ordering them cost more than the rest of a write.
    ledgers: foldhash::HashMap<RecordKey, Ledger>,
    jobs: HashMap<(TenantId, String), Job>,
    /// Test hook: every append fails its items with this.
    failing_writes: Option<WriteFailure>,
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

    pub fn put_key(&self, key: StoredKey) {
        self.state().keys.insert(key.hash, key);
    }

    pub fn put_catalog(&self, tenant: &TenantId, key: CatalogKey, entry: CatalogEntry) {
        self.state()
            .catalog
            .entry(tenant.clone())
            .or_default()
            .insert(key, entry);
    }

    /// Loads a seed file, as `inventory-admin seed` does against DynamoDB.
    #[cfg(any(test, feature = "seed"))]
    pub fn seed(&self, file: &SeedFile) -> Result<(), SeedError> {
        let mut state = self.state();
        let stored = |state: &State, keys: Vec<(TenantId, CatalogKey)>| {
            keys.into_iter()
                .filter_map(|(tenant, key)| {
                    let entry = state.catalog.get(&tenant)?.get(&key)?.clone();
                    Some(((tenant, key), entry))
                })
                .collect::<HashMap<_, _>>()
        };
        let mut existing = stored(&state, file.keys_to_read());
        let old = stored(&state, file.old_alias_keys(&existing));
        existing.extend(old);
        file.check_against(&existing)?;
        let plan = file.plan(&existing);
        for key in plan.keys {
            state.keys.insert(key.hash, key);
        }
        for (tenant, key, entry) in plan.catalog {
            state.catalog.entry(tenant).or_default().insert(key, entry);
        }
        Ok(())
    }

    /// A store loaded with a seed file's text.
    #[cfg(any(test, feature = "testing"))]
    pub fn seeded(text: &str) -> Result<Self, SeedError> {
        let store = MemoryStore::new();
        store.seed(&SeedFile::parse(text)?)?;
        Ok(store)
    }

    /// Makes every later append fail with `failure` (or succeed again with `None`).
    pub fn fail_writes(&self, failure: Option<WriteFailure>) {
        self.state().failing_writes = failure;
    }

    /// How many records have any stored state (commands or a snapshot).
    pub fn record_count(&self) -> usize {
        self.state()
            .ledgers
            .values()
            .filter(|l| l.snapshot.is_some() || !l.commands.is_empty())
            .count()
    }

    /// How many commands are stored (not yet compacted) across all records.
    pub fn command_count(&self) -> usize {
        self.state()
            .ledgers
            .values()
            .map(|l| l.commands.len())
            .sum()
    }

    /// Folds settled commands into snapshots, as the compactor does.
    pub fn compact(&self, settled_before: i64) {
        let mut state = self.state();
        for (key, ledger) in state.ledgers.iter_mut() {
            if let Some(c) = ledger::compact(
                key,
                &ledger.product_id,
                ledger.snapshot.clone(),
                &ledger.commands,
                settled_before,
            ) {
                ledger.snapshot = Some(c.snapshot);
                let folded: BTreeSet<Version> = c.folded.into_iter().collect();
                ledger.commands.retain(|c| !folded.contains(&c.version));
            }
        }
    }
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
    async fn append(
        &self,
        commands: &[Command],
        deadline: Deadline,
    ) -> Vec<Result<(), WriteFailure>> {
        let mut state = self.state();
        if let Some(failure) = state.failing_writes {
            return vec![Err(failure); commands.len()];
        }
        if deadline.passed() {
            return vec![Err(WriteFailure::Deadline); commands.len()];
        }
        state.ledgers.reserve(commands.len());
        for command in commands {
            let ledger = state.ledgers.entry(command.key.clone()).or_default();
            ledger.product_id.clone_from(&command.product_id);
            ledger.put(command);
        }
        vec![Ok(()); commands.len()]
    }

    async fn create(
        &self,
        key: &RecordKey,
        snapshot: Snapshot,
        _deadline: Deadline,
    ) -> Result<Created, StoreError> {
        let mut state = self.state();
        let ledger = state.ledgers.entry(key.clone()).or_default();
        if ledger.snapshot.is_some() || !ledger.commands.is_empty() {
            return Ok(Created::AlreadyExists);
        }
        ledger.product_id.clone_from(&snapshot.record.product_id);
        let record = snapshot.record.clone();
        ledger.snapshot = Some(snapshot);
        Ok(Created::Created(Box::new(record)))
    }

    async fn records(
        &self,
        tenant: &TenantId,
        variant_id: &str,
        product_id: &str,
        _deadline: Deadline,
    ) -> Result<Vec<InventoryRecord>, StoreError> {
        let state = self.state();
        Ok(state
            .ledgers
            .iter()
            .filter(|(k, _)| &k.tenant == tenant && k.variant_id == variant_id)
            .filter(|(_, l)| l.snapshot.is_some() || !l.commands.is_empty())
            .map(|(k, l)| ledger::current(k, product_id, l.snapshot.clone(), &l.commands))
            .collect())
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
