//! How each stored thing is laid out as a DynamoDB item. Attribute names are camelCase and
//! numbers are native numbers, so the tables read well in the console.
//!
//! | table     | pk                               | sk                                    |
//! |-----------|----------------------------------|---------------------------------------|
//! | catalog   | `{tenant}#{kind}#{value}`        | -                                     |
//! | api-keys  | SHA-256 of the key, hex          | -                                     |
//! | inventory | `{tenant}#{variantId}`           | `{locationId}#c#{version}` (command)  |
//! |           |                                  | `{locationId}#s` (snapshot)           |
//! | jobs      | `{tenant}#{jobId}`               | -                                     |

use std::collections::{BTreeMap, HashMap};

use aws_sdk_dynamodb::types::AttributeValue;
use serde::{Deserialize, Serialize};

use crate::auth::{KeyHash, Scope, StoredKey};
use crate::catalog::{CatalogEntry, Location, TenantSettings, Variant};
use crate::identifiers::{CatalogKey, KeyKind};
use crate::ledger::{Command, RecordKey, Snapshot, Version};
use crate::model::{
    InventoryRecord, PreorderInfo, Restriction, StockUpdate, TenantId, Tracking, TransitEntry,
};
use crate::store::StoreError;

pub type Item = HashMap<String, AttributeValue>;

pub const PK: &str = "pk";
pub const SK: &str = "sk";

fn corrupt(what: &str, e: impl std::fmt::Display) -> StoreError {
    StoreError::Corrupt(format!("{what}: {e}"))
}

fn encode(value: &impl Serialize) -> Result<Item, StoreError> {
    serde_dynamo::to_item(value).map_err(|e| StoreError::Rejected(Box::new(e)))
}

pub fn string(item: &Item, name: &str) -> Option<String> {
    item.get(name).and_then(|v| v.as_s().ok()).cloned()
}

// ---------------------------------------------------------------- catalog

pub fn catalog_pk(tenant: &TenantId, key: &CatalogKey) -> String {
    format!("{tenant}#{}#{}", key.kind.as_str(), key.value)
}

pub fn catalog_key_item(tenant: &TenantId, key: &CatalogKey) -> Item {
    HashMap::from([(PK.to_owned(), AttributeValue::S(catalog_pk(tenant, key)))])
}

#[derive(Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
struct CatalogItem {
    pk: String,
    kind: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    variants: Option<Vec<Variant>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    location: Option<Location>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    tenant: Option<TenantSettings>,
}

pub fn catalog_item(
    tenant: &TenantId,
    key: &CatalogKey,
    entry: &CatalogEntry,
) -> Result<Item, StoreError> {
    let mut item = CatalogItem {
        pk: catalog_pk(tenant, key),
        kind: key.kind.as_str().to_owned(),
        variants: None,
        location: None,
        tenant: None,
    };
    match entry {
        CatalogEntry::Variants(v) => {
            item.variants = Some(v.iter().map(|v| (**v).clone()).collect())
        }
        CatalogEntry::Location(l) => item.location = Some(l.clone()),
        CatalogEntry::Account => {}
        CatalogEntry::Tenant(t) => item.tenant = Some(t.clone()),
    }
    encode(&item)
}

/// Decodes a catalog item of `kind`, as requested (the pk was ours, so the kind is known).
pub fn catalog_entry(kind: KeyKind, item: Item) -> Result<CatalogEntry, StoreError> {
    let item: CatalogItem = serde_dynamo::from_item(item).map_err(|e| corrupt("catalog", e))?;
    Ok(match kind {
        KeyKind::Location => CatalogEntry::Location(
            item.location
                .ok_or_else(|| corrupt("catalog", "location without data"))?,
        ),
        KeyKind::Account => CatalogEntry::Account,
        KeyKind::Tenant => CatalogEntry::Tenant(item.tenant.unwrap_or_default()),
        _ => CatalogEntry::Variants(
            item.variants
                .unwrap_or_default()
                .into_iter()
                .map(std::sync::Arc::new)
                .collect(),
        ),
    })
}

// ---------------------------------------------------------------- api keys

#[derive(Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
struct KeyItem {
    pk: String,
    tenant: String,
    scopes: Vec<Scope>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    name: Option<String>,
}

pub fn key_pk(hash: &KeyHash) -> Item {
    HashMap::from([(PK.to_owned(), AttributeValue::S(hash.to_hex()))])
}

pub fn key_item(key: &StoredKey) -> Result<Item, StoreError> {
    encode(&KeyItem {
        pk: key.hash.to_hex(),
        tenant: key.tenant.to_string(),
        scopes: key.scopes.clone(),
        name: key.name.clone(),
    })
}

pub fn stored_key(item: Item) -> Result<StoredKey, StoreError> {
    let item: KeyItem = serde_dynamo::from_item(item).map_err(|e| corrupt("api key", e))?;
    Ok(StoredKey {
        hash: KeyHash::from_hex(&item.pk).ok_or_else(|| corrupt("api key", "bad hash"))?,
        tenant: TenantId::parse(&item.tenant).ok_or_else(|| corrupt("api key", "bad tenant"))?,
        scopes: item.scopes,
        name: item.name,
    })
}

// ---------------------------------------------------------------- inventory

pub fn record_pk(tenant: &TenantId, variant_id: &str) -> String {
    format!("{tenant}#{variant_id}")
}

pub fn command_sk(location_id: &str, version: &Version) -> String {
    format!("{location_id}#c#{}", version.as_str())
}

pub fn snapshot_sk(location_id: &str) -> String {
    format!("{location_id}#s")
}

/// The prefix every item of one record's sort key starts with.
pub fn record_sk_prefix(location_id: &str) -> String {
    format!("{location_id}#")
}

/// The fields of a command or snapshot. In a command, an absent field was not set; in a
/// snapshot, it has no value.
#[derive(Serialize, Deserialize, Default)]
#[serde(rename_all = "camelCase")]
struct InventoryItem {
    pk: String,
    sk: String,
    variant_id: String,
    product_id: String,
    location_id: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    quantity: Option<i64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    demand: Option<i64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    supply: Option<i64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    backorder: Option<i64>,
    /// `discontd`, `tmpunavail`, or `none` (cleared).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    restrictions: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    channel: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    in_stock: Option<bool>,
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    transit: BTreeMap<String, TransitEntry>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    preorder: Option<PreorderInfo>,
    // Command only.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    version: Option<String>,
    // Snapshot only.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    tracking: Option<Tracking>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    field_versions: Option<BTreeMap<String, String>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    through: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    revision: Option<u64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    created_at: Option<i64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    updated_at: Option<i64>,
}

const NO_RESTRICTION: &str = "none";

pub fn command_item(c: &Command) -> Result<Item, StoreError> {
    let u = &c.update;
    encode(&InventoryItem {
        pk: record_pk(&c.key.tenant, &c.key.variant_id),
        sk: command_sk(&c.key.location_id, &c.version),
        variant_id: c.key.variant_id.clone(),
        product_id: c.product_id.clone(),
        location_id: c.key.location_id.clone(),
        quantity: u.on_hand,
        demand: u.demand,
        supply: u.supply,
        backorder: u.backorder,
        restrictions: u
            .restriction
            .map(|r| r.map_or(NO_RESTRICTION, Restriction::as_str).to_owned()),
        channel: u.channel.clone(),
        in_stock: u.in_stock,
        transit: u.transit.clone(),
        preorder: u.preorder.clone(),
        version: Some(c.version.as_str().to_owned()),
        ..Default::default()
    })
}

pub fn snapshot_item(key: &RecordKey, s: &Snapshot) -> Result<Item, StoreError> {
    let r = &s.record;
    encode(&InventoryItem {
        pk: record_pk(&key.tenant, &key.variant_id),
        sk: snapshot_sk(&key.location_id),
        variant_id: key.variant_id.clone(),
        product_id: r.product_id.clone(),
        location_id: key.location_id.clone(),
        quantity: r.quantity,
        demand: r.demand,
        supply: r.supply,
        backorder: r.backorder,
        restrictions: r.restrictions.map(|r| r.as_str().to_owned()),
        channel: r.channel.clone(),
        in_stock: r.in_stock,
        transit: r.transit.clone(),
        preorder: r.preorder.clone(),
        version: None,
        tracking: Some(r.tracking),
        field_versions: Some(
            s.field_versions
                .iter()
                .map(|(k, v)| (k.clone(), v.as_str().to_owned()))
                .collect(),
        ),
        through: s.through.as_ref().map(|v| v.as_str().to_owned()),
        revision: Some(r.revision),
        created_at: Some(r.created_at),
        updated_at: Some(r.updated_at),
    })
}

/// One decoded item of a record's partition.
pub enum LedgerItem {
    Command(Command),
    Snapshot(RecordKey, Snapshot),
}

fn restriction(raw: Option<String>) -> Result<Option<Option<Restriction>>, StoreError> {
    raw.map(|r| match r.as_str() {
        NO_RESTRICTION => Ok(None),
        other => Restriction::parse(other)
            .map(Some)
            .ok_or_else(|| corrupt("inventory", format!("restriction {other:?}"))),
    })
    .transpose()
}

pub fn ledger_item(tenant: &TenantId, item: Item) -> Result<LedgerItem, StoreError> {
    let i: InventoryItem = serde_dynamo::from_item(item).map_err(|e| corrupt("inventory", e))?;
    let key = RecordKey {
        tenant: tenant.clone(),
        variant_id: i.variant_id,
        location_id: i.location_id,
    };
    if let Some(version) = i.version {
        let version =
            Version::parse(&version).ok_or_else(|| corrupt("inventory", "bad version"))?;
        return Ok(LedgerItem::Command(Command {
            key,
            product_id: i.product_id,
            version,
            update: StockUpdate {
                on_hand: i.quantity,
                demand: i.demand,
                supply: i.supply,
                backorder: i.backorder,
                restriction: restriction(i.restrictions)?,
                channel: i.channel,
                in_stock: i.in_stock,
                transit: i.transit,
                preorder: i.preorder,
            },
        }));
    }
    let versions = i
        .field_versions
        .unwrap_or_default()
        .into_iter()
        .map(|(k, v)| {
            Version::parse(&v)
                .map(|v| (k, v))
                .ok_or_else(|| corrupt("inventory", "bad field version"))
        })
        .collect::<Result<BTreeMap<_, _>, _>>()?;
    let record = InventoryRecord {
        variant_id: key.variant_id.clone(),
        product_id: i.product_id,
        location_id: key.location_id.clone(),
        quantity: i.quantity,
        demand: i.demand,
        supply: i.supply,
        backorder: i.backorder,
        restrictions: restriction(i.restrictions)?.flatten(),
        channel: i.channel,
        tracking: i.tracking.unwrap_or(Tracking::Quantity),
        in_stock: i.in_stock,
        transit: i.transit,
        preorder: i.preorder,
        created_at: i.created_at.unwrap_or(0),
        updated_at: i.updated_at.unwrap_or(0),
        revision: i.revision.unwrap_or(0),
    };
    let through = i.through.and_then(|t| Version::parse(&t));
    Ok(LedgerItem::Snapshot(
        key,
        Snapshot {
            record,
            field_versions: versions,
            through,
        },
    ))
}

// ---------------------------------------------------------------- jobs

#[derive(Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
struct JobItem {
    pk: String,
    job_id: String,
    document: serde_json::Value,
}

pub fn job_pk(tenant: &TenantId, id: &str) -> String {
    format!("{tenant}#{id}")
}

pub fn job_item(tenant: &TenantId, job: &crate::jobs::Job) -> Result<Item, StoreError> {
    encode(&JobItem {
        pk: job_pk(tenant, &job.id),
        job_id: job.id.clone(),
        document: job.document.clone(),
    })
}

pub fn job(item: Item) -> Result<crate::jobs::Job, StoreError> {
    let i: JobItem = serde_dynamo::from_item(item).map_err(|e| corrupt("job", e))?;
    Ok(crate::jobs::Job {
        id: i.job_id,
        document: i.document,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key() -> RecordKey {
        RecordKey {
            tenant: TenantId::parse("demo").unwrap(),
            variant_id: "V1".into(),
            location_id: "3".into(),
        }
    }

    #[test]
    fn commands_round_trip_with_only_the_fields_they_set() {
        let mut update = StockUpdate {
            backorder: Some(12),
            restriction: Some(None),
            ..Default::default()
        };
        update.transit.insert(
            "WO-20000".into(),
            TransitEntry {
                quantity: 10,
                order_date: Some("2020-05-05".into()),
                stock_date: None,
            },
        );
        let command = Command {
            key: key(),
            product_id: "P1".into(),
            version: Version::new(5, 9),
            update,
        };
        let item = command_item(&command).unwrap();
        assert!(
            !item.contains_key("quantity"),
            "unset fields are not stored"
        );
        assert_eq!(item["restrictions"], AttributeValue::S("none".into()));
        assert_eq!(item["backorder"], AttributeValue::N("12".into()));
        match ledger_item(&key().tenant, item).unwrap() {
            LedgerItem::Command(back) => assert_eq!(back, command),
            LedgerItem::Snapshot(..) => panic!("decoded as a snapshot"),
        }
    }

    #[test]
    fn snapshots_round_trip() {
        let snapshot = crate::ledger::created(
            &key(),
            "P1",
            &Version::new(7, 1),
            &StockUpdate {
                on_hand: Some(3),
                restriction: Some(Some(Restriction::TemporarilyUnavailable)),
                ..Default::default()
            },
        );
        let item = snapshot_item(&key(), &snapshot).unwrap();
        assert_eq!(item[SK], AttributeValue::S("3#s".into()));
        match ledger_item(&key().tenant, item).unwrap() {
            LedgerItem::Snapshot(k, back) => {
                assert_eq!(k, key());
                assert_eq!(back, snapshot);
            }
            LedgerItem::Command(_) => panic!("decoded as a command"),
        }
    }

    #[test]
    fn catalog_entries_round_trip() {
        let tenant = TenantId::parse("demo").unwrap();
        let v = Variant {
            variant_id: "V1".into(),
            product_id: "P1".into(),
            sku: Some("S".into()),
            ..Default::default()
        };
        let key = CatalogKey::new(KeyKind::Sku, "S");
        let item = catalog_item(
            &tenant,
            &key,
            &CatalogEntry::Variants(vec![std::sync::Arc::new(v.clone())]),
        )
        .unwrap();
        assert_eq!(item[PK], AttributeValue::S("demo#sku#S".into()));
        assert_eq!(
            catalog_entry(KeyKind::Sku, item).unwrap(),
            CatalogEntry::Variants(vec![std::sync::Arc::new(v)])
        );
    }
}
