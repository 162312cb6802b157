//! The DynamoDB adapter. The endpoint comes from the SDK's own configuration chain, so
//! `AWS_ENDPOINT_URL_DYNAMODB` points it at DynamoDB Local or dynalite and nothing else in
//! the code knows whether it is local.

mod batch;
mod errors;
pub mod items;
pub mod tables;

use std::collections::{BTreeMap, HashMap};
use std::time::Duration;

use aws_sdk_dynamodb::Client;
use aws_sdk_dynamodb::config::interceptors::BeforeTransmitInterceptorContextRef;
use aws_sdk_dynamodb::config::{ConfigBag, Intercept, RuntimeComponents};
use aws_sdk_dynamodb::types::{AttributeValue, DeleteRequest, WriteRequest};
use aws_smithy_runtime_api::client::orchestrator::Metadata;

pub use batch::RetryPolicy;
pub use tables::{Table, Tables};

use self::batch::{describe, get_all, put, store_error, write_all};
use self::items::{Item, LedgerItem, PK, SK};
use crate::auth::{KeyHash, StoredKey};
use crate::catalog::CatalogEntry;
use crate::identifiers::CatalogKey;
use crate::jobs::Job;
use crate::ledger::{self, Command, RecordKey, Snapshot};
use crate::model::{InventoryRecord, TenantId};
use crate::store::{
    CatalogStore, Created, Deadline, InventoryStore, JobStore, KeyStore, StoreError, WriteFailure,
};
use crate::telemetry;

/// Counts every HTTP attempt the SDK makes (its own retries included) into the current
/// request's metrics: the figure the benchmark compares with the minimum.
#[derive(Debug)]
struct CallCounter;

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
}

/// Everything the functions store, in DynamoDB.
#[derive(Clone, Debug)]
pub struct DynamoStore {
    client: Client,
    tables: Tables,
    policy: RetryPolicy,
}

impl DynamoStore {
    pub fn new(client: Client, tables: Tables, policy: RetryPolicy) -> Self {
        DynamoStore {
            client,
            tables,
            policy,
        }
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
            RetryPolicy::default(),
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
        let results = write_all(
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

    /// Reads items by key through `BatchGetItem`; for the admin tool.
    pub async fn get_items(&self, table: Table, keys: Vec<Item>) -> Result<Vec<Item>, StoreError> {
        let deadline = Deadline::after(Duration::from_secs(600));
        get_all(
            &self.client,
            &self.table(table),
            keys,
            true,
            self.policy,
            deadline,
        )
        .await
    }

    /// The (tenant, variant) of every record partition in the inventory table, optionally
    /// of one tenant only. A full scan: for the admin tool, not for request paths.
    pub async fn record_partitions(
        &self,
        tenant: Option<&TenantId>,
    ) -> Result<Vec<(TenantId, String)>, StoreError> {
        let mut found = std::collections::BTreeSet::new();
        let mut start: Option<Item> = None;
        loop {
            let page = self
                .client
                .scan()
                .table_name(self.table(Table::Inventory))
                .projection_expression("pk, variantId")
                .set_exclusive_start_key(start.take())
                .send()
                .await
                .map_err(store_error)?;
            for item in page.items.unwrap_or_default() {
                let pk = items::string(&item, PK).unwrap_or_default();
                let variant = items::string(&item, "variantId").unwrap_or_default();
                let owner = pk.split_once('#').and_then(|(t, _)| TenantId::parse(t));
                if let Some(owner) = owner
                    && tenant.is_none_or(|t| *t == owner)
                {
                    found.insert((owner, variant));
                }
            }
            match page.last_evaluated_key {
                Some(key) if !key.is_empty() => start = Some(key),
                _ => return Ok(found.into_iter().collect()),
            }
        }
    }

    /// Every ledger item of one variant's partition (all its locations), page by page.
    async fn partition(
        &self,
        tenant: &TenantId,
        variant_id: &str,
        deadline: Deadline,
    ) -> Result<Vec<LedgerItem>, StoreError> {
        let pk = items::record_pk(tenant, variant_id);
        let mut out = Vec::new();
        let mut start: Option<Item> = None;
        loop {
            let query = self
                .client
                .query()
                .table_name(self.table(Table::Inventory))
                .consistent_read(true)
                .key_condition_expression("pk = :pk")
                .expression_attribute_values(":pk", AttributeValue::S(pk.clone()))
                .set_exclusive_start_key(start.take());
            let page = deadline
                .run(async { query.send().await.map_err(store_error) })
                .await?;
            for item in page.items.unwrap_or_default() {
                out.push(items::ledger_item(tenant, item)?);
            }
            match page.last_evaluated_key {
                Some(key) if !key.is_empty() => start = Some(key),
                _ => return Ok(out),
            }
        }
    }

    /// Folds settled commands of every record of a variant into snapshots and deletes them.
    /// Returns how many commands were folded. Safe to run at any time, also concurrently:
    /// the snapshot is replaced only if nobody replaced it since it was read.
    pub async fn compact_variant(
        &self,
        tenant: &TenantId,
        variant_id: &str,
        settled_before: i64,
    ) -> Result<usize, StoreError> {
        let deadline = Deadline::after(Duration::from_secs(60));
        let mut by_record: BTreeMap<RecordKey, (Option<Snapshot>, Vec<Command>, String)> =
            BTreeMap::new();
        for item in self.partition(tenant, variant_id, deadline).await? {
            match item {
                LedgerItem::Command(c) => {
                    let entry = by_record.entry(c.key.clone()).or_default();
                    entry.2.clone_from(&c.product_id);
                    entry.1.push(c);
                }
                LedgerItem::Snapshot(key, s) => {
                    let entry = by_record.entry(key).or_default();
                    entry.2.clone_from(&s.record.product_id);
                    entry.0 = Some(s);
                }
            }
        }
        let mut folded = 0;
        for (key, (snapshot, commands, product_id)) in by_record {
            let previous = snapshot.as_ref().map(|s| s.record.revision);
            let Some(compaction) =
                ledger::compact(&key, &product_id, snapshot, &commands, settled_before)
            else {
                continue;
            };
            let mut put = self
                .client
                .put_item()
                .table_name(self.table(Table::Inventory))
                .set_item(Some(items::snapshot_item(&key, &compaction.snapshot)?));
            put = match previous {
                None => put.condition_expression("attribute_not_exists(pk)"),
                Some(revision) => put
                    .condition_expression("revision = :previous")
                    .expression_attribute_values(
                        ":previous",
                        AttributeValue::N(revision.to_string()),
                    ),
            };
            if let Err(err) = put.send().await {
                if err
                    .as_service_error()
                    .is_some_and(|e| e.is_conditional_check_failed_exception())
                {
                    // Someone else compacted or created it meanwhile; next pass will catch up.
                    continue;
                }
                return Err(store_error(err));
            }
            let deletes = compaction
                .folded
                .iter()
                .map(|v| {
                    let key = HashMap::from([
                        (
                            PK.to_owned(),
                            AttributeValue::S(items::record_pk(&key.tenant, &key.variant_id)),
                        ),
                        (
                            SK.to_owned(),
                            AttributeValue::S(items::command_sk(&key.location_id, v)),
                        ),
                    ]);
                    DeleteRequest::builder()
                        .set_key(Some(key))
                        .build()
                        .map(|d| WriteRequest::builder().delete_request(d).build())
                        .map_err(|e| StoreError::Rejected(Box::new(e)))
                })
                .collect::<Result<Vec<_>, _>>()?;
            // Deletes that fail leave folded commands behind; reads skip them (see ledger).
            let _ = write_all(
                &self.client,
                &self.table(Table::Inventory),
                deletes,
                self.policy,
                deadline,
            )
            .await;
            folded += compaction.folded.len();
        }
        Ok(folded)
    }
}

impl DynamoStore {
    /// Whether the snapshot stored for `key` is `ours` (same per-field versions: versions are
    /// unique per request).
    async fn is_own_snapshot(
        &self,
        key: &RecordKey,
        ours: &Snapshot,
        deadline: Deadline,
    ) -> Result<bool, StoreError> {
        let item_key = HashMap::from([
            (
                PK.to_owned(),
                AttributeValue::S(items::record_pk(&key.tenant, &key.variant_id)),
            ),
            (
                SK.to_owned(),
                AttributeValue::S(items::snapshot_sk(&key.location_id)),
            ),
        ]);
        let call = self
            .client
            .get_item()
            .table_name(self.table(Table::Inventory))
            .set_key(Some(item_key))
            .consistent_read(true)
            .send();
        let out = deadline
            .run(async { call.await.map_err(store_error) })
            .await?;
        Ok(
            match out
                .item
                .map(|i| items::ledger_item(&key.tenant, i))
                .transpose()?
            {
                Some(LedgerItem::Snapshot(_, stored)) => {
                    stored.field_versions == ours.field_versions
                }
                _ => false,
            },
        )
    }
}

impl KeyStore for DynamoStore {
    async fn find_key(
        &self,
        hash: &KeyHash,
        deadline: Deadline,
    ) -> Result<Option<StoredKey>, StoreError> {
        let call = self
            .client
            .get_item()
            .table_name(self.table(Table::ApiKeys))
            .set_key(Some(items::key_pk(hash)))
            .send();
        let out = deadline
            .run(async { call.await.map_err(store_error) })
            .await?;
        out.item.map(items::stored_key).transpose()
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
        let by_pk: HashMap<String, &CatalogKey> = keys
            .iter()
            .map(|k| (items::catalog_pk(tenant, k), k))
            .collect();
        let wanted = keys
            .iter()
            .map(|k| items::catalog_key_item(tenant, k))
            .collect();
        let found = telemetry::timed(
            |m| &m.resolve_micros,
            get_all(
                &self.client,
                &self.table(Table::Catalog),
                wanted,
                false,
                self.policy,
                deadline,
            ),
        )
        .await?;
        found
            .into_iter()
            .filter_map(|item| {
                let key = items::string(&item, PK).and_then(|pk| by_pk.get(&pk).copied())?;
                Some(items::catalog_entry(key.kind, item).map(|entry| (key.clone(), entry)))
            })
            .collect()
    }
}

impl InventoryStore for DynamoStore {
    async fn append(
        &self,
        commands: &[Command],
        deadline: Deadline,
    ) -> Vec<Result<(), WriteFailure>> {
        let mut requests = Vec::with_capacity(commands.len());
        for command in commands {
            match items::command_item(command).and_then(put) {
                Ok(request) => requests.push(request),
                Err(e) => {
                    tracing::error!(error = %e, "could not encode a command");
                    return vec![Err(WriteFailure::Rejected); commands.len()];
                }
            }
        }
        telemetry::timed(
            |m| &m.write_micros,
            write_all(
                &self.client,
                &self.table(Table::Inventory),
                requests,
                self.policy,
                deadline,
            ),
        )
        .await
    }

    async fn create(
        &self,
        key: &RecordKey,
        snapshot: Snapshot,
        deadline: Deadline,
    ) -> Result<Created, StoreError> {
        // A record that has any item (from any dialect) already exists.
        let existing = self
            .client
            .query()
            .table_name(self.table(Table::Inventory))
            .consistent_read(true)
            .key_condition_expression("pk = :pk AND begins_with(sk, :prefix)")
            .expression_attribute_values(
                ":pk",
                AttributeValue::S(items::record_pk(&key.tenant, &key.variant_id)),
            )
            .expression_attribute_values(
                ":prefix",
                AttributeValue::S(items::record_sk_prefix(&key.location_id)),
            )
            .limit(1)
            .send();
        let existing = deadline
            .run(async { existing.await.map_err(store_error) })
            .await?;
        if existing.count() > 0 {
            return Ok(Created::AlreadyExists);
        }
        // The condition makes racing creates safe: exactly one put succeeds.
        let put = self
            .client
            .put_item()
            .table_name(self.table(Table::Inventory))
            .set_item(Some(items::snapshot_item(key, &snapshot)?))
            .condition_expression("attribute_not_exists(pk)")
            .send();
        match deadline.run(async { Ok(put.await) }).await? {
            Ok(_) => Ok(Created::Created(Box::new(snapshot.record))),
            Err(err)
                if err
                    .as_service_error()
                    .is_some_and(|e| e.is_conditional_check_failed_exception()) =>
            {
                // The SDK retries a put whose answer was lost; if the first try landed, the
                // item that "already exists" is our own.
                if self.is_own_snapshot(key, &snapshot, deadline).await? {
                    Ok(Created::Created(Box::new(snapshot.record)))
                } else {
                    Ok(Created::AlreadyExists)
                }
            }
            Err(err) => {
                tracing::warn!(error = %describe(&err), "conditional create failed");
                Err(store_error(err))
            }
        }
    }

    async fn records(
        &self,
        tenant: &TenantId,
        variant_id: &str,
        product_id: &str,
        deadline: Deadline,
    ) -> Result<Vec<InventoryRecord>, StoreError> {
        let mut by_location: BTreeMap<String, (Option<Snapshot>, Vec<Command>)> = BTreeMap::new();
        for item in self.partition(tenant, variant_id, deadline).await? {
            match item {
                LedgerItem::Command(c) => by_location
                    .entry(c.key.location_id.clone())
                    .or_default()
                    .1
                    .push(c),
                LedgerItem::Snapshot(key, s) => {
                    by_location.entry(key.location_id).or_default().0 = Some(s);
                }
            }
        }
        Ok(by_location
            .into_iter()
            .map(|(location_id, (snapshot, commands))| {
                let key = RecordKey {
                    tenant: tenant.clone(),
                    variant_id: variant_id.to_owned(),
                    location_id,
                };
                ledger::current(&key, product_id, snapshot, &commands)
            })
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
            .send();
        deadline
            .run(async { call.await.map_err(store_error) })
            .await?;
        Ok(())
    }

    async fn job(
        &self,
        tenant: &TenantId,
        id: &str,
        deadline: Deadline,
    ) -> Result<Option<Job>, StoreError> {
        let key = HashMap::from([(PK.to_owned(), AttributeValue::S(items::job_pk(tenant, id)))]);
        let call = self
            .client
            .get_item()
            .table_name(self.table(Table::Jobs))
            .set_key(Some(key))
            .consistent_read(true)
            .send();
        let out = deadline
            .run(async { call.await.map_err(store_error) })
            .await?;
        out.item.map(items::job).transpose()
    }
}
