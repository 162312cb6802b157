//! The earlier layout of the stock table, read so that records stay whole between a deploy
//! and `inventory-admin migrate`: update commands (`{locationId}#c#{version}`), each holding
//! the fields one write set, and snapshots (`{locationId}#s`) folded from settled commands
//! with a version per field. Both read as ordinary [`Entry`]s, one per version, so the fold
//! treats them like the items that replace them.

use std::collections::BTreeMap;

use serde::Deserialize;

use super::items::{Item, SK};
use crate::layout::{Entry, Version};
use crate::model::{PreorderInfo, Restriction, StockUpdate, TransitEntry};
use crate::store::StoreError;

/// The fields of a command or snapshot, with the attribute names the earlier layout used.
#[derive(Deserialize, Default)]
#[serde(rename_all = "camelCase")]
struct LegacyItem {
    location_id: String,
    quantity: Option<i64>,
    demand: Option<i64>,
    supply: Option<i64>,
    backorder: Option<i64>,
    /// `discontd`, `tmpunavail`, or `none` (cleared).
    restrictions: Option<String>,
    channel: Option<String>,
    in_stock: Option<bool>,
    #[serde(default)]
    transit: BTreeMap<String, TransitEntry>,
    preorder: Option<PreorderInfo>,
    /// Commands: the command's version.
    version: Option<String>,
    /// Snapshots: the version of the command that last set each field.
    field_versions: Option<BTreeMap<String, String>>,
    created_at: Option<i64>,
}

fn corrupt(why: impl std::fmt::Display) -> StoreError {
    StoreError::Corrupt(format!("earlier-layout stock item: {why}"))
}

/// Whether an sk is one of the earlier layout's.
pub fn is_legacy(sk: &str) -> bool {
    sk.split_once('#')
        .is_some_and(|(_, slot)| slot == "s" || slot.starts_with("c#"))
}

fn restriction(raw: Option<String>) -> Result<Option<Option<Restriction>>, StoreError> {
    raw.map(|r| match r.as_str() {
        "none" => Ok(None),
        other => Restriction::parse(other)
            .map(Some)
            .ok_or_else(|| corrupt(format!("restriction {other:?}"))),
    })
    .transpose()
}

/// A command as one entry; a snapshot as one entry per version among its fields.
pub fn decode(item: &Item) -> Result<(String, Vec<Entry>), StoreError> {
    let sk = item.get(SK).and_then(|v| v.as_s().ok()).map(String::as_str);
    if !sk.is_some_and(is_legacy) {
        return Err(corrupt(format!("unknown sort key {sk:?}")));
    }
    let i: LegacyItem = serde_dynamo::from_item(item.clone()).map_err(corrupt)?;
    let update = StockUpdate {
        on_hand: i.quantity,
        demand: i.demand,
        supply: i.supply,
        backorder: i.backorder,
        restriction: restriction(i.restrictions)?,
        channel: i.channel,
        in_stock: i.in_stock,
        transit: i.transit,
        preorder: i.preorder,
    };
    if let Some(version) = i.version {
        let version = Version::parse_hex(&version).ok_or_else(|| corrupt("bad version"))?;
        let entry = Entry {
            version,
            update,
            created_at: None,
        };
        return Ok((i.location_id, vec![entry]));
    }
    let mut by_version: BTreeMap<Version, StockUpdate> = BTreeMap::new();
    for (field, version) in i.field_versions.unwrap_or_default() {
        let version = Version::parse_hex(&version).ok_or_else(|| corrupt("bad field version"))?;
        let part = by_version.entry(version).or_default();
        match field.as_str() {
            "quantity" => part.on_hand = update.on_hand,
            "demand" => part.demand = update.demand,
            "supply" => part.supply = update.supply,
            "backorder" => part.backorder = update.backorder,
            // A snapshot stores a lifted restriction as no value.
            "restrictions" => part.restriction = Some(update.restriction.flatten()),
            "channel" => part.channel.clone_from(&update.channel),
            "inStock" => part.in_stock = update.in_stock,
            "preorder" => part.preorder.clone_from(&update.preorder),
            // Tracking follows the newest count or flag; nothing to carry.
            "tracking" => {}
            other => {
                if let Some(reference) = other.strip_prefix("transit:")
                    && let Some(entry) = update.transit.get(reference)
                {
                    part.transit.insert(reference.to_owned(), entry.clone());
                }
            }
        }
    }
    // The snapshot's creation time goes with its oldest entry.
    let oldest = by_version.keys().next().copied();
    let entries = by_version
        .into_iter()
        .filter(|(_, part)| !part.is_empty())
        .map(|(version, update)| Entry {
            version,
            update,
            created_at: (Some(version) == oldest)
                .then_some(i.created_at)
                .flatten()
                .filter(|at| *at > 0),
        })
        .collect();
    Ok((i.location_id, entries))
}

#[cfg(test)]
mod tests {
    use super::*;
    use aws_sdk_dynamodb::types::AttributeValue;
    use serde_json::json;

    fn item(value: serde_json::Value) -> Item {
        serde_dynamo::to_item(value).unwrap()
    }

    #[test]
    fn commands_read_as_one_entry() {
        let command = item(json!({
            "pk": "t#V1", "sk": "L1#c#00000000000000050000000000000009",
            "variantId": "V1", "productId": "P1", "locationId": "L1",
            "backorder": 12, "restrictions": "none",
            "transit": {"WO-1": {"quantity": 10, "orderDate": "2020-05-05"}},
            "version": "00000000000000050000000000000009"
        }));
        let (location, entries) = decode(&command).unwrap();
        assert_eq!(location, "L1");
        assert_eq!(entries.len(), 1);
        assert_eq!(entries[0].version, Version::new(5, 9));
        assert_eq!(entries[0].update.backorder, Some(12));
        assert_eq!(entries[0].update.restriction, Some(None));
        assert_eq!(entries[0].update.transit["WO-1"].quantity, 10);
    }

    #[test]
    fn snapshots_read_as_one_entry_per_version() {
        let snapshot = item(json!({
            "pk": "t#V1", "sk": "L1#s", "variantId": "V1", "productId": "P1", "locationId": "L1",
            "quantity": 3, "demand": 1, "restrictions": "tmpunavail", "tracking": "quantity",
            "fieldVersions": {
                "quantity": "00000000000000070000000000000001",
                "tracking": "00000000000000070000000000000001",
                "demand": "00000000000000030000000000000001",
                "restrictions": "00000000000000030000000000000001"
            },
            "through": "00000000000000070000000000000001",
            "revision": 4, "createdAt": 3, "updatedAt": 7
        }));
        let (_, entries) = decode(&snapshot).unwrap();
        assert_eq!(entries.len(), 2);
        assert_eq!(entries[0].version, Version::new(3, 1));
        assert_eq!(entries[0].update.demand, Some(1));
        assert_eq!(
            entries[0].update.restriction,
            Some(Some(Restriction::TemporarilyUnavailable))
        );
        assert_eq!(entries[0].created_at, Some(3));
        assert_eq!(entries[1].update.on_hand, Some(3));
        assert_eq!(entries[1].update.demand, None);
        assert!(is_legacy("L1#s") && is_legacy("L1#c#00") && !is_legacy("L1#f1"));
        let mut not_legacy = snapshot.clone();
        not_legacy.insert(SK.into(), AttributeValue::S("L1#x".into()));
        assert!(decode(&not_legacy).is_err());
    }
}
