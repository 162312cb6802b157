//! `inventory-admin migrate`: turns records still stored in the earlier layout (update
//! commands and compacted snapshots, see [`super::legacy`]) into the current one.
//!
//! Each record is migrated on its own: its earlier items are read and folded to the newest
//! entry per slot, each is put unless its slot already holds a newer write (a conditional
//! put), and then the earlier items are deleted. Reads fold both layouts alike, so a record
//! reads the same before, during and after; a run that stops half-way leaves records that a
//! rerun completes, and a rerun over migrated data finds nothing to do.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::time::Duration;

use aws_sdk_dynamodb::primitives::Blob;
use aws_sdk_dynamodb::types::{AttributeValue, DeleteRequest, WriteRequest};

use super::batch::{consumed, store_error, write_all};
use super::calls::conditional;
use super::items::{Item, PK, SK};
use super::{DynamoStore, Table, legacy, stock};
use crate::layout::{Slot, Version, slots};
use crate::model::StockUpdate;
use crate::store::{Deadline, StoreError};

/// What a migration run did.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct MigrationReport {
    /// Items of the stock table looked at.
    pub items_scanned: usize,
    /// Records that had items of the earlier layout.
    pub records_migrated: usize,
    /// Items of the earlier layout read and then deleted.
    pub legacy_items_deleted: usize,
    /// Items of the current layout written for them.
    pub items_written: usize,
    /// Entries not written because their slot already held a newer write.
    pub items_superseded: usize,
}

/// The time one record's migration may take.
const PER_RECORD: Duration = Duration::from_secs(60);

impl DynamoStore {
    /// Migrates every record of the stock table that still has items of the earlier layout.
    pub async fn migrate(&self) -> Result<MigrationReport, StoreError> {
        let mut report = MigrationReport::default();
        let mut done: BTreeSet<(String, String)> = BTreeSet::new();
        let mut start: Option<Item> = None;
        loop {
            let page = self
                .client
                .scan()
                .table_name(self.table(Table::Inventory))
                .projection_expression("pk, sk")
                .set_exclusive_start_key(start.take())
                .send()
                .await
                .map_err(store_error)?;
            let items = page.items.unwrap_or_default();
            report.items_scanned += items.len();
            for item in &items {
                let text = |name| item.get(name).and_then(|v| v.as_s().ok());
                let (Some(pk), Some(sk)) = (text(PK), text(SK)) else {
                    continue;
                };
                if !legacy::is_legacy(sk) {
                    continue;
                }
                let location = sk.split_once('#').map_or(sk.as_str(), |(l, _)| l);
                let record = (pk.clone(), location.to_owned());
                if done.insert(record.clone()) {
                    self.migrate_record(&record.0, &record.1, &mut report)
                        .await?;
                }
            }
            match page.last_evaluated_key {
                Some(key) if !key.is_empty() => start = Some(key),
                _ => return Ok(report),
            }
        }
    }

    async fn migrate_record(
        &self,
        pk: &str,
        location: &str,
        report: &mut MigrationReport,
    ) -> Result<(), StoreError> {
        let deadline = Deadline::after(PER_RECORD);
        let items = self
            .query(pk, Some(stock::prefix(location)), None, deadline)
            .await?;
        let legacy_items: Vec<&Item> = items
            .iter()
            .filter(|item| {
                item.get(SK)
                    .and_then(|v| v.as_s().ok())
                    .is_some_and(|sk| legacy::is_legacy(sk))
            })
            .collect();
        if legacy_items.is_empty() {
            return Ok(());
        }
        // The newest entry of each slot is all a read of the slot would use.
        let mut newest: BTreeMap<Slot, (Version, StockUpdate, Option<i64>)> = BTreeMap::new();
        for item in &legacy_items {
            for entry in legacy::decode(item)?.1 {
                for (slot, part) in slots(entry.update) {
                    let slot_entry =
                        newest
                            .entry(slot)
                            .or_insert((entry.version, StockUpdate::default(), None));
                    if slot_entry.0 <= entry.version {
                        *slot_entry = (entry.version, part, entry.created_at);
                    }
                }
            }
        }
        for (slot, (version, part, created_at)) in newest {
            let item = stock::item(
                pk.to_owned(),
                stock::sk(location, &slot),
                version,
                &part,
                created_at,
            );
            if self.put_unless_newer(item, version, deadline).await? {
                report.items_written += 1;
            } else {
                report.items_superseded += 1;
            }
        }
        let deletes: Vec<WriteRequest> = legacy_items
            .iter()
            .map(|item| {
                let key: HashMap<String, AttributeValue> = [PK, SK]
                    .into_iter()
                    .filter_map(|name| Some((name.to_owned(), item.get(name)?.clone())))
                    .collect();
                DeleteRequest::builder()
                    .set_key(Some(key))
                    .build()
                    .map(|d| WriteRequest::builder().delete_request(d).build())
                    .map_err(|e| StoreError::Rejected(Box::new(e)))
            })
            .collect::<Result<_, _>>()?;
        let deleted = write_all::<WriteRequest>(
            &self.client,
            &self.table(Table::Inventory),
            deletes,
            self.policy,
            deadline,
        )
        .await;
        let failed = deleted.iter().filter(|r| r.is_err()).count();
        if failed > 0 {
            return Err(StoreError::Unavailable(
                format!("{failed} earlier-layout items of {pk} {location} were not deleted; rerun")
                    .into(),
            ));
        }
        report.records_migrated += 1;
        report.legacy_items_deleted += legacy_items.len();
        Ok(())
    }

    /// Puts `item` unless its slot holds a write at least as new. Returns whether it put.
    async fn put_unless_newer(
        &self,
        item: Item,
        version: Version,
        deadline: Deadline,
    ) -> Result<bool, StoreError> {
        let call = self
            .client
            .put_item()
            .table_name(self.table(Table::Inventory))
            .set_item(Some(item))
            .condition_expression("attribute_not_exists(pk) OR v < :v")
            .expression_attribute_values(":v", AttributeValue::B(Blob::new(version.to_bytes())))
            .send();
        let Some(out) = conditional(deadline, call).await? else {
            return Ok(false);
        };
        consumed(true, out.consumed_capacity());
        Ok(true)
    }
}
