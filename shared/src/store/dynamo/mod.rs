//! The DynamoDB adapter. The endpoint comes from the SDK's own configuration chain, so
//! `AWS_ENDPOINT_URL_DYNAMODB` points it at DynamoDB Local or dynalite and nothing else in
//! the code knows whether it is local.

mod batch;
mod calls;
mod errors;
mod idempotency;
pub mod items;
mod legacy;
mod migrate;
pub mod stock;
pub mod tables;

use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;
use std::time::Duration;

use aws_sdk_dynamodb::Client;
use aws_sdk_dynamodb::config::interceptors::{
    BeforeTransmitInterceptorContextRef, FinalizerInterceptorContextRef,
};
use aws_sdk_dynamodb::config::{ConfigBag, Intercept, RuntimeComponents};
use aws_sdk_dynamodb::types::{AttributeValue, ReturnConsumedCapacity, WriteRequest};
use aws_smithy_runtime_api::client::orchestrator::Metadata;
use aws_smithy_types::config_bag::{Storable, StoreReplace};
use futures::{StreamExt, TryStreamExt, stream};

pub use batch::{READ_SLICE, RetryPolicy, WRITE_SLICE, slices};
pub use migrate::MigrationReport;
pub use tables::{Table, Tables};

use self::batch::{Put, consumed, get_all, put, store_error, write_all};
use self::calls::conditional;
use self::items::{Item, PK, SK};
use crate::auth::{KeyHash, StoredKey};
use crate::catalog::CatalogEntry;
use crate::identifiers::CatalogKey;
use crate::jobs::Job;
use crate::layout::{self, Entry, Fold, RecordKey, Slot, Version};
use crate::model::{InventoryRecord, StockUpdate, TenantId};
use crate::store::{
    CatalogStore, Created, Deadline, InventoryStore, JobStore, KeyStore, RecordUpdate, StoreError,
    WriteFailure,
};
use crate::telemetry;
use crate::ttl_cache::{TtlCache, Weight, ttl_from_env};

/// Counts every HTTP attempt the SDK makes (its own retries included) into the current
/// request's metrics, with when it went out and when its answer came back: the calls per
/// operation the benchmark compares with the minimum, and the round trips on the critical
/// path (see [`telemetry::RequestMetrics::round_trips`]).
#[derive(Debug)]
struct CallCounter;

/// When the current attempt went out.
#[derive(Clone, Copy, Debug)]
struct SentAt(std::time::Instant);

impl Storable for SentAt {
    type Storer = StoreReplace<Self>;
}

impl Intercept for CallCounter {
    fn name(&self) -> &'static str {
        "CallCounter"
    }

    fn read_before_attempt(
        &self,
        _context: &BeforeTransmitInterceptorContextRef<'_>,
        _components: &RuntimeComponents,
        cfg: &mut ConfigBag,
    ) -> Result<(), Box<dyn std::error::Error + Send + Sync>> {
        let operation = cfg.load::<Metadata>().map_or("unknown", Metadata::name);
        telemetry::dynamodb_call(operation);
        Ok(())
    }

    fn read_before_transmit(
        &self,
        _context: &BeforeTransmitInterceptorContextRef<'_>,
        _components: &RuntimeComponents,
        cfg: &mut ConfigBag,
    ) -> Result<(), Box<dyn std::error::Error + Send + Sync>> {
        cfg.interceptor_state()
            .store_put(SentAt(std::time::Instant::now()));
        Ok(())
    }

    fn read_after_attempt(
        &self,
        _context: &FinalizerInterceptorContextRef<'_>,
        _components: &RuntimeComponents,
        cfg: &mut ConfigBag,
    ) -> Result<(), Box<dyn std::error::Error + Send + Sync>> {
        if let Some(SentAt(sent)) = cfg.load::<SentAt>().copied() {
            telemetry::round_trip(sent, std::time::Instant::now());
            cfg.interceptor_state().unset::<SentAt>();
        }
        Ok(())
    }
}

/// Everything the functions store, in DynamoDB.
#[derive(Clone, Debug)]
pub struct DynamoStore {
    client: Client,
    /// The same client without the SDK's own retries, for stock writes: a retry must be sent
    /// with a fresh version (see `batch::write_all`), never as the same bytes again.
    writer: Client,
    tables: Tables,
    policy: RetryPolicy,
    /// Catalog entries found in the last minute, by pk (see [`CATALOG_TTL_VAR`]); clones of
    /// the store share it.
    catalog_cache: Arc<TtlCache<String, CatalogEntry>>,
}

/// Environment variable with the catalog cache's lifetime in seconds: 60 by default, 0 turns
/// it off. A stock feed pushes the same identifiers again and again; a warm instance that
/// resolved them in the last minute resolves them again without a `BatchGetItem`, which
/// takes the catalog pass off the request's critical path, its CPU and its read capacity.
/// What it costs: a catalog change (an identifier removed or pointed at another variant) can
/// take up to this long to reach a warm instance. An identifier not found is never
/// remembered, so a new one resolves at once.
pub const CATALOG_TTL_VAR: &str = "CATALOG_CACHE_SECONDS";

/// What the catalog cache keeps at most, in variants (a location, an account or the tenant's
/// settings count one): twenty 1,000-item requests' worth of single-variant identifiers, about
/// 23 MB of a 256 MB function (resident memory measured growing 47.6 → 70.1 MB as 19,000 were
/// added). Counted by variant, not by entry, because one entry holds all of a product's
/// variants: 20,000 product entries of 50 variants each would be a million variants, at
/// least 400 MB (a decoded variant takes about 400 bytes), past the function's 256 MB.
const CATALOG_CACHE_VARIANTS: usize = 20_000;

impl Weight for CatalogEntry {
    fn weight(&self) -> usize {
        match self {
            CatalogEntry::Variants(variants) => variants.len().max(1),
            _ => 1,
        }
    }
}

impl DynamoStore {
    pub fn new(client: Client, tables: Tables, policy: RetryPolicy) -> Self {
        let writer = Client::from_conf(
            client
                .config()
                .to_builder()
                .retry_config(aws_config::retry::RetryConfig::disabled())
                .build(),
        );
        DynamoStore {
            client,
            writer,
            tables,
            policy,
            catalog_cache: Arc::new(TtlCache::new(
                ttl_from_env(CATALOG_TTL_VAR),
                CATALOG_CACHE_VARIANTS,
            )),
        }
    }

    /// The same store with its catalog cache's lifetime set (zero turns it off).
    pub fn with_catalog_cache(mut self, ttl: Duration) -> Self {
        self.catalog_cache = Arc::new(TtlCache::new(ttl, CATALOG_CACHE_VARIANTS));
        self
    }

    /// The SDK configured from the environment (region, credentials, endpoint), with
    /// timeouts that keep one slow call from eating a request's whole budget.
    pub async fn client_from_env() -> Client {
        Self::client(None).await
    }

    /// As [`DynamoStore::client_from_env`], but sending to `endpoint` (a test's proxy).
    pub async fn client_for_endpoint(endpoint: &str) -> Client {
        Self::client(Some(endpoint)).await
    }

    async fn client(endpoint: Option<&str>) -> Client {
        let mut loader = aws_config::defaults(aws_config::BehaviorVersion::latest());
        if let Some(endpoint) = endpoint {
            loader = loader.endpoint_url(endpoint);
        }
        let sdk = loader
            .timeout_config(
                aws_config::timeout::TimeoutConfig::builder()
                    .connect_timeout(Duration::from_secs(2))
                    .operation_attempt_timeout(Duration::from_secs(5))
                    .build(),
            )
            .retry_config(aws_config::retry::RetryConfig::standard().with_max_attempts(3))
            .load()
            .await;
        let config = aws_sdk_dynamodb::config::Builder::from(&sdk)
            .interceptor(CallCounter)
            .build();
        Client::from_conf(config)
    }

    /// Table names from `TABLE_PREFIX`, client from the SDK environment.
    pub async fn from_env() -> Result<DynamoStore, StoreError> {
        Ok(DynamoStore::new(
            Self::client_from_env().await,
            Tables::from_env(),
            RetryPolicy::from_env(),
        ))
    }

    pub fn sdk(&self) -> &Client {
        &self.client
    }

    pub fn tables(&self) -> &Tables {
        &self.tables
    }

    fn table(&self, table: Table) -> String {
        self.tables.name(table)
    }

    /// Puts items into a table through `BatchWriteItem`; for the admin tool's seeding.
    /// Fails if any item could not be written.
    pub async fn put_items(&self, table: Table, items: Vec<Item>) -> Result<usize, StoreError> {
        let count = items.len();
        let requests = items.into_iter().map(put).collect::<Result<Vec<_>, _>>()?;
        let deadline = Deadline::after(Duration::from_secs(600));
        let results = write_all::<WriteRequest>(
            &self.client,
            &self.table(table),
            requests,
            self.policy,
            deadline,
        )
        .await;
        match results.iter().filter(|r| r.is_err()).count() {
            0 => Ok(count),
            failed => Err(StoreError::Unavailable(
                format!("{failed} of {count} items were not written").into(),
            )),
        }
    }

    /// Every item of the record partition `pk`, or of one record (`prefix`, see
    /// [`stock::prefix`]), strongly consistent, page by page; at most `limit` items.
    async fn query(
        &self,
        pk: &str,
        prefix: Option<String>,
        limit: Option<i32>,
        deadline: Deadline,
    ) -> Result<Vec<Item>, StoreError> {
        let mut out = Vec::new();
        let mut start: Option<Item> = None;
        loop {
            let mut query = self
                .client
                .query()
                .table_name(self.table(Table::Inventory))
                .consistent_read(true)
                .expression_attribute_values(":pk", AttributeValue::S(pk.to_owned()))
                .set_limit(limit)
                .set_exclusive_start_key(start.take())
                .return_consumed_capacity(ReturnConsumedCapacity::Total);
            query = match &prefix {
                Some(prefix) => query
                    .key_condition_expression("pk = :pk AND begins_with(sk, :prefix)")
                    .expression_attribute_values(":prefix", AttributeValue::S(prefix.clone())),
                None => query.key_condition_expression("pk = :pk"),
            };
            let page = deadline
                .run(async { query.send().await.map_err(store_error) })
                .await?;
            consumed(false, page.consumed_capacity());
            out.extend(page.items.unwrap_or_default());
            match page.last_evaluated_key {
                Some(key) if !key.is_empty() && limit.is_none() => start = Some(key),
                _ => return Ok(out),
            }
        }
    }

    /// The item in one slot of a record, strongly consistent.
    async fn slot_item(
        &self,
        key: &RecordKey,
        slot: &Slot,
        deadline: Deadline,
    ) -> Result<Option<Item>, StoreError> {
        let item_key = HashMap::from([
            (
                PK.to_owned(),
                AttributeValue::S(stock::pk(&key.tenant, &key.variant_id)),
            ),
            (
                SK.to_owned(),
                AttributeValue::S(stock::sk(&key.location_id, slot)),
            ),
        ]);
        self.get_item(Table::Inventory, item_key, true, deadline)
            .await
    }
}

/// One item of a record update, encoded afresh (with a fresh version) for every attempt.
struct StockPut {
    update: usize,
    pk: String,
    sk: String,
    part: StockUpdate,
}

impl Put for StockPut {
    const VERSIONED: bool = true;

    fn request(&self, version: Version) -> WriteRequest {
        let item = stock::item(self.pk.clone(), self.sk.clone(), version, &self.part, None);
        // `put` fails only for a missing item; an empty request is refused by DynamoDB and
        // reported as rejected.
        put(item).unwrap_or_else(|_| WriteRequest::builder().build())
    }

    fn key(&self) -> batch::ItemKey {
        let s = |text: &String| Some(AttributeValue::S(text.clone()));
        (s(&self.pk), s(&self.sk))
    }
}

impl KeyStore for DynamoStore {
    async fn find_key(
        &self,
        hash: &KeyHash,
        deadline: Deadline,
    ) -> Result<Option<StoredKey>, StoreError> {
        self.get_item(Table::ApiKeys, items::key_pk(hash), false, deadline)
            .await?
            .map(items::stored_key)
            .transpose()
    }
}

impl CatalogStore for DynamoStore {
    async fn lookup(
        &self,
        tenant: &TenantId,
        keys: &[CatalogKey],
        deadline: Deadline,
    ) -> Result<Vec<(CatalogKey, CatalogEntry)>, StoreError> {
        if keys.is_empty() {
            return Ok(Vec::new());
        }
        let pks: Vec<String> = keys.iter().map(|k| items::catalog_pk(tenant, k)).collect();
        let mut entries = Vec::with_capacity(keys.len());
        let mut missed: foldhash::HashMap<&str, &CatalogKey> = foldhash::HashMap::default();
        {
            // Locked in a block of its own: the guard must be gone before the read's await.
            let cached = self.catalog_cache.lock();
            for (pk, key) in pks.iter().zip(keys) {
                match cached.get(pk.as_str()) {
                    Some(entry) => entries.push((key.clone(), entry)),
                    None => _ = missed.insert(pk, key),
                }
            }
        }
        telemetry::add(|m| &m.catalog_cache_hits, entries.len() as u64);
        if missed.is_empty() {
            return Ok(entries);
        }
        let wanted = missed
            .keys()
            .map(|pk| items::key_item_of((*pk).to_owned()))
            .collect();
        let found = telemetry::timed(
            |m| &m.resolve_micros,
            get_all(
                &self.client,
                &self.table(Table::Catalog),
                wanted,
                items::CATALOG_READ,
                self.policy,
                deadline,
            ),
        )
        .await?;
        let mut remember = self.catalog_cache.lock();
        for mut item in found {
            // The pk is taken out of the answer (the decode does not read it), to key the cache.
            let Some(AttributeValue::S(pk)) = item.remove(PK) else {
                continue;
            };
            let Some(&key) = missed.get(pk.as_str()) else {
                continue;
            };
            let entry = items::catalog_entry(key.kind, item)?;
            remember.put(pk, entry.clone());
            entries.push((key.clone(), entry));
        }
        Ok(entries)
    }
}

impl InventoryStore for DynamoStore {
    async fn write(
        &self,
        updates: &[RecordUpdate],
        deadline: Deadline,
    ) -> Vec<Result<Version, WriteFailure>> {
        let mut puts = Vec::with_capacity(updates.len());
        for (index, RecordUpdate { key, update }) in updates.iter().enumerate() {
            let pk = stock::pk(&key.tenant, &key.variant_id);
            for (slot, part) in layout::slots(update.clone()) {
                puts.push(StockPut {
                    update: index,
                    pk: pk.clone(),
                    sk: stock::sk(&key.location_id, &slot),
                    part,
                });
            }
        }
        let owners: Vec<usize> = puts.iter().map(|p| p.update).collect();
        let results = telemetry::timed(
            |m| &m.write_micros,
            write_all(
                &self.writer,
                &self.table(Table::Inventory),
                puts,
                self.policy,
                deadline,
            ),
        )
        .await;
        // An update is stored when every item it put is.
        let mut outcomes: Vec<Option<Result<Version, WriteFailure>>> = vec![None; updates.len()];
        for (owner, result) in owners.into_iter().zip(results) {
            let outcome = &mut outcomes[owner];
            if !matches!(outcome, Some(Err(_))) {
                *outcome = Some(result);
            }
        }
        outcomes
            .into_iter()
            .map(|o| o.unwrap_or(Err(WriteFailure::Rejected)))
            .collect()
    }

    async fn create(
        &self,
        key: &RecordKey,
        product_id: &str,
        update: &StockUpdate,
        deadline: Deadline,
    ) -> Result<Created, StoreError> {
        let pk = stock::pk(&key.tenant, &key.variant_id);
        // A record that has any item (from any dialect) already exists.
        let existing = self
            .query(
                &pk,
                Some(stock::prefix(&key.location_id)),
                Some(1),
                deadline,
            )
            .await?;
        if !existing.is_empty() {
            return Ok(Created::AlreadyExists);
        }
        // Every create of the record puts this one key, so of racing creates exactly one
        // succeeds; an update landing meanwhile is newer than any create, so it wins.
        let entry = Entry {
            version: Version::creation(),
            update: update.clone(),
            created_at: Some(layout::now_micros()),
        };
        let item = stock::item(
            pk,
            stock::sk(&key.location_id, &Slot::Create),
            entry.version,
            update,
            entry.created_at,
        );
        let put = self
            .client
            .put_item()
            .table_name(self.table(Table::Inventory))
            .set_item(Some(item))
            .condition_expression("attribute_not_exists(pk)")
            .return_consumed_capacity(ReturnConsumedCapacity::Total)
            .send();
        if let Some(out) = conditional(deadline, put).await? {
            consumed(true, out.consumed_capacity());
        } else {
            // The SDK resends a put whose answer was lost, with the same nonce; if the first
            // try landed, the item that "already exists" is our own.
            let stored = self.slot_item(key, &Slot::Create, deadline).await?;
            if stored.as_ref().and_then(stock::version_of) != Some(entry.version) {
                return Ok(Created::AlreadyExists);
            }
        }
        Ok(Created::Created(Box::new(layout::created(
            key, product_id, &entry,
        ))))
    }

    async fn records(
        &self,
        tenant: &TenantId,
        variant_id: &str,
        product_id: &str,
        locations: Option<&[String]>,
        deadline: Deadline,
    ) -> Result<Vec<InventoryRecord>, StoreError> {
        let pk = stock::pk(tenant, variant_id);
        let items: Vec<Item> = match locations {
            None => self.query(&pk, None, None, deadline).await?,
            Some(locations) => {
                // Owned prefixes: a future borrowing from the stream's items would not be `Send`.
                let mut prefixes: Vec<String> =
                    locations.iter().map(|l| stock::prefix(l)).collect();
                prefixes.sort();
                prefixes.dedup();
                stream::iter(prefixes)
                    .map(|prefix| self.query(&pk, Some(prefix), None, deadline))
                    .buffer_unordered(self.policy.reads_in_flight.max(1))
                    .try_concat()
                    .await?
            }
        };
        let mut folds: BTreeMap<String, Fold> = BTreeMap::new();
        for item in &items {
            let (location, entries) = stock::decode(item)?;
            let fold = folds.entry(location).or_default();
            entries.iter().for_each(|e| fold.apply(e));
        }
        Ok(folds
            .into_iter()
            .filter(|(_, fold)| !fold.is_empty())
            .map(|(location, fold)| fold.record(variant_id, product_id, &location))
            .collect())
    }
}

impl JobStore for DynamoStore {
    async fn put_job(
        &self,
        tenant: &TenantId,
        job: &Job,
        deadline: Deadline,
    ) -> Result<(), StoreError> {
        let call = self
            .client
            .put_item()
            .table_name(self.table(Table::Jobs))
            .set_item(Some(items::job_item(tenant, job)?))
            .return_consumed_capacity(ReturnConsumedCapacity::Total)
            .send();
        let out = deadline
            .run(async { call.await.map_err(store_error) })
            .await?;
        consumed(true, out.consumed_capacity());
        telemetry::wrote();
        Ok(())
    }

    async fn job(
        &self,
        tenant: &TenantId,
        id: &str,
        deadline: Deadline,
    ) -> Result<Option<Job>, StoreError> {
        let key = items::key_item_of(items::job_pk(tenant, id));
        self.get_item(Table::Jobs, key, true, deadline)
            .await?
            .map(items::job)
            .transpose()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::catalog::Variant;

    #[test]
    fn a_catalog_entry_weighs_its_variants() {
        let product =
            CatalogEntry::Variants((0..3).map(|_| Arc::new(Variant::default())).collect());
        assert_eq!(product.weight(), 3);
        assert_eq!(CatalogEntry::Variants(vec![]).weight(), 1);
        assert_eq!(CatalogEntry::Account.weight(), 1);
    }
}
