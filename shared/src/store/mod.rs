//! The storage capabilities the service needs, as small traits. The DynamoDB adapter and the
//! in-memory fake both implement them; handlers only see the traits.

pub mod dynamo;
pub mod memory;

use std::future::Future;
use std::time::Duration;

use tokio::time::Instant;

use crate::auth::{KeyHash, StoredKey};
use crate::catalog::CatalogEntry;
use crate::idempotency::{Claim, Held, SavedResponse, ScopedKey};
use crate::identifiers::CatalogKey;
use crate::jobs::Job;
use crate::layout::{RecordKey, Version};
use crate::model::{InventoryRecord, StockUpdate, TenantId};

pub type BoxError = Box<dyn std::error::Error + Send + Sync + 'static>;

/// A store call that failed as a whole.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// The request's time ran out before the store answered.
    #[error("the request deadline passed before the data store answered")]
    Deadline,
    /// Throttling, server errors or connection trouble that outlasted the retries.
    #[error("the data store is unavailable")]
    Unavailable(#[source] BoxError),
    /// The store refused the request itself: a bug or a misconfiguration, never retried.
    #[error("the data store rejected the request")]
    Rejected(#[source] BoxError),
    /// A stored item could not be decoded.
    #[error("stored data is malformed: {0}")]
    Corrupt(String),
}

/// Why one item of a batch write did not land.
#[derive(Clone, Copy, PartialEq, Eq, Debug, thiserror::Error)]
pub enum WriteFailure {
    /// Still unprocessed (throttled) after the last attempt.
    #[error("not processed after {attempts} attempts")]
    Unprocessed { attempts: u32 },
    /// The store could not be reached or kept failing.
    #[error("the data store is unavailable")]
    Unavailable,
    /// The store refused the item itself.
    #[error("the data store rejected the item")]
    Rejected,
    /// The request ran out of time before the item was written.
    #[error("the request deadline passed before the item was written")]
    Deadline,
}

/// Outcome of a create-only write.
#[derive(Clone, PartialEq, Eq, Debug)]
pub enum Created {
    Created(Box<InventoryRecord>),
    AlreadyExists,
}

/// The point in time by which a request's store work must be done.
#[derive(Clone, Copy, Debug)]
pub struct Deadline(Instant);

impl Deadline {
    pub fn at(instant: Instant) -> Deadline {
        Deadline(instant)
    }

    pub fn after(budget: Duration) -> Deadline {
        Deadline(Instant::now() + budget)
    }

    pub fn instant(self) -> Instant {
        self.0
    }

    pub fn remaining(self) -> Duration {
        self.0.saturating_duration_since(Instant::now())
    }

    pub fn passed(self) -> bool {
        self.remaining().is_zero()
    }

    /// `grace` past this deadline (or past now, if it has passed): for work that must still
    /// be done within the margin kept for the response.
    pub fn grace(self, grace: Duration) -> Deadline {
        Deadline(self.0.max(Instant::now()) + grace)
    }

    /// Whether waiting `wait` still leaves time for another attempt.
    pub fn allows(self, wait: Duration) -> bool {
        Instant::now() + wait < self.0
    }

    /// Runs `work`, or gives up with [`StoreError::Deadline`] when time runs out.
    pub async fn run<T>(
        self,
        work: impl Future<Output = Result<T, StoreError>>,
    ) -> Result<T, StoreError> {
        tokio::time::timeout_at(self.0, work)
            .await
            .unwrap_or(Err(StoreError::Deadline))
    }
}

/// API keys by hash.
pub trait KeyStore: Send + Sync {
    fn find_key(
        &self,
        hash: &KeyHash,
        deadline: Deadline,
    ) -> impl Future<Output = Result<Option<StoredKey>, StoreError>> + Send;
}

/// Catalog entries by key, many at a time.
pub trait CatalogStore: Send + Sync {
    /// Entries for the keys that exist; missing keys are simply absent.
    fn lookup(
        &self,
        tenant: &TenantId,
        keys: &[CatalogKey],
        deadline: Deadline,
    ) -> impl Future<Output = Result<Vec<(CatalogKey, CatalogEntry)>, StoreError>> + Send;
}

/// One record update: the fields it sets on one record.
#[derive(Clone, PartialEq, Eq, Debug)]
pub struct RecordUpdate {
    pub key: RecordKey,
    pub update: StockUpdate,
}

/// The inventory records, stored as described in [`crate::layout`].
pub trait InventoryStore: Send + Sync {
    /// Puts each update's item (one per record update, see [`crate::layout::slots`]), at
    /// most one update per record (the caller merges duplicates). The result has one entry
    /// per update, in order: the version it was stored with, or why it was not stored.
    fn write(
        &self,
        updates: &[RecordUpdate],
        deadline: Deadline,
    ) -> impl Future<Output = Vec<Result<Version, WriteFailure>>> + Send;

    /// Stores `update` as a brand-new record, unless the record already has any item (from
    /// any dialect), also when another create races this one.
    fn create(
        &self,
        key: &RecordKey,
        product_id: &str,
        update: &StockUpdate,
        deadline: Deadline,
    ) -> impl Future<Output = Result<Created, StoreError>> + Send;

    /// The current records of a variant at the locations asked for, or at every location
    /// it has stock when `locations` is `None`. Only the locations asked for are read.
    fn records(
        &self,
        tenant: &TenantId,
        variant_id: &str,
        product_id: &str,
        locations: Option<&[String]>,
        deadline: Deadline,
    ) -> impl Future<Output = Result<Vec<InventoryRecord>, StoreError>> + Send;
}

/// Bulk-insert job records.
pub trait JobStore: Send + Sync {
    fn put_job(
        &self,
        tenant: &TenantId,
        job: &Job,
        deadline: Deadline,
    ) -> impl Future<Output = Result<(), StoreError>> + Send;

    fn job(
        &self,
        tenant: &TenantId,
        id: &str,
        deadline: Deadline,
    ) -> impl Future<Output = Result<Option<Job>, StoreError>> + Send;
}

/// Idempotency keys and the responses kept for replay (see [`crate::idempotency`]).
pub trait IdempotencyStore: Send + Sync {
    /// Claims `key` for the request `claim` describes, with a conditional put, unless a live
    /// record holds it: `None` when claimed, else what the key holds. A record past its
    /// retention, or a claim past its in-flight mark, counts as absent whether or not it has
    /// been deleted yet.
    fn claim(
        &self,
        key: &ScopedKey,
        claim: &Claim,
        deadline: Deadline,
    ) -> impl Future<Output = Result<Option<Held>, StoreError>> + Send;

    /// Keeps the claimed request's response for replay.
    fn keep(
        &self,
        key: &ScopedKey,
        claim: &Claim,
        response: &SavedResponse,
        deadline: Deadline,
    ) -> impl Future<Output = Result<(), StoreError>> + Send;

    /// Gives the claimed key up: the request wrote nothing.
    fn release(
        &self,
        key: &ScopedKey,
        claim: &Claim,
        deadline: Deadline,
    ) -> impl Future<Output = Result<(), StoreError>> + Send;
}

/// Everything a function needs from storage.
pub trait Backend:
    KeyStore + CatalogStore + InventoryStore + JobStore + IdempotencyStore + 'static
{
}

impl<T: KeyStore + CatalogStore + InventoryStore + JobStore + IdempotencyStore + 'static> Backend
    for T
{
}
