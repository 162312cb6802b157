//! The stock table's items, laid out as [`crate::layout`] describes: one small item per
//! record slot.
//!
//! | slot                       | sk                                  |
//! |----------------------------|-------------------------------------|
//! | a set of plain fields      | `{locationId}#f{fields, hex}`       |
//! | the create item (Wix)      | `{locationId}#w`                    |
//! | a shipment reference       | `{locationId}#t{fields, hex}#{ref}` |
//!
//! The pk is `{tenant}#{variantId}`; location ids never contain `#`, so `{locationId}#` is
//! exactly one record's prefix. Attribute names are one or two letters and the ids live only
//! in the key, so an item of a record with 64-character ids stays near 200 bytes: a whole
//! record (15 field sets and its create item) reads in one 4 KB unit.
//!
//! | attribute | holds                                                            |
//! |-----------|------------------------------------------------------------------|
//! | `v`       | the version (16 bytes: microseconds, then the nonce, big-endian) |
//! | `q` `d` `s` `b` | on hand, demand, supply, backorder                         |
//! | `r`       | restriction: `discontd`, `tmpunavail`, or `none` once lifted     |
//! | `c` `i`   | channel, in-stock flag                                           |
//! | `p`       | preorder: `{e: enabled, m: message, l: limit}`                   |
//! | `tq` `to` `ts` | a shipment's quantity, order date, stock date               |
//! | `ct`      | the create item's real creation time (its version is 0)          |

use std::collections::HashMap;

use aws_sdk_dynamodb::primitives::Blob;
use aws_sdk_dynamodb::types::AttributeValue;

use super::items::{Item, PK, SK};
use super::legacy;
use crate::layout::{Entry, FieldSet, RecordKey, Slot, Version};
use crate::model::{PreorderInfo, Restriction, StockUpdate, TenantId, TransitEntry};
use crate::store::StoreError;

pub fn pk(tenant: &TenantId, variant_id: &str) -> String {
    let mut pk = String::with_capacity(tenant.as_str().len() + 1 + variant_id.len());
    pk.push_str(tenant.as_str());
    pk.push('#');
    pk.push_str(variant_id);
    pk
}

/// The prefix of every item of the record at `location_id`.
pub fn prefix(location_id: &str) -> String {
    format!("{location_id}#")
}

pub fn sk(location_id: &str, slot: &Slot) -> String {
    match slot {
        Slot::Fields(fields) => format!("{location_id}#f{:x}", fields.0),
        Slot::Create => format!("{location_id}#w"),
        Slot::Transit { fields, reference } => {
            format!("{location_id}#t{:x}#{reference}", fields.0)
        }
    }
}

/// The record (location) and slot an sk names; `None` for an sk of the earlier layout.
fn parse_sk(sk: &str) -> Option<(&str, Slot)> {
    let (location, slot) = sk.split_once('#')?;
    let hex = |digits: &str| u16::from_str_radix(digits, 16).ok().map(FieldSet);
    let slot = match slot.as_bytes().first()? {
        b'f' => Slot::Fields(hex(&slot[1..])?),
        b'w' if slot.len() == 1 => Slot::Create,
        b't' => {
            let (fields, reference) = slot[1..].split_once('#')?;
            Slot::Transit {
                fields: hex(fields)?,
                reference: reference.to_owned(),
            }
        }
        _ => return None,
    };
    Some((location, slot))
}

/// The items one record update puts, stamped with `version`: one, unless it names several
/// shipments (see [`crate::layout::slots`]).
pub fn update_items(key: &RecordKey, update: &StockUpdate, version: Version) -> Vec<Item> {
    let pk = pk(&key.tenant, &key.variant_id);
    crate::layout::slots(update.clone())
        .into_iter()
        .map(|(slot, part)| {
            item(
                pk.clone(),
                sk(&key.location_id, &slot),
                version,
                &part,
                None,
            )
        })
        .collect()
}

const NO_RESTRICTION: &str = "none";

fn number(n: i64) -> AttributeValue {
    AttributeValue::N(n.to_string())
}

/// The item that stores `update` (the fields of one slot) at `version`.
pub fn item(
    pk: String,
    sk: String,
    version: Version,
    update: &StockUpdate,
    created_at: Option<i64>,
) -> Item {
    let mut item: Item = HashMap::with_capacity(4 + FieldSet::of(update).0.count_ones() as usize);
    item.insert(PK.to_owned(), AttributeValue::S(pk));
    item.insert(SK.to_owned(), AttributeValue::S(sk));
    item.insert(
        "v".to_owned(),
        AttributeValue::B(Blob::new(version.to_bytes())),
    );
    let numbers = [
        ("q", update.on_hand),
        ("d", update.demand),
        ("s", update.supply),
        ("b", update.backorder),
        ("ct", created_at),
    ];
    for (name, value) in numbers {
        if let Some(value) = value {
            item.insert(name.to_owned(), number(value));
        }
    }
    if let Some(restriction) = update.restriction {
        let text = restriction.map_or(NO_RESTRICTION, Restriction::as_str);
        item.insert("r".to_owned(), AttributeValue::S(text.to_owned()));
    }
    if let Some(channel) = &update.channel {
        item.insert("c".to_owned(), AttributeValue::S(channel.clone()));
    }
    if let Some(in_stock) = update.in_stock {
        item.insert("i".to_owned(), AttributeValue::Bool(in_stock));
    }
    if let Some(preorder) = &update.preorder {
        let mut p = HashMap::from([("e".to_owned(), AttributeValue::Bool(preorder.enabled))]);
        if let Some(message) = &preorder.message {
            p.insert("m".to_owned(), AttributeValue::S(message.clone()));
        }
        if let Some(limit) = preorder.limit {
            p.insert("l".to_owned(), number(limit));
        }
        item.insert("p".to_owned(), AttributeValue::M(p));
    }
    // A slot holds at most one shipment; its reference is in the key.
    if let Some(entry) = update.transit.values().next() {
        item.insert("tq".to_owned(), number(entry.quantity));
        for (name, date) in [("to", &entry.order_date), ("ts", &entry.stock_date)] {
            if let Some(date) = date {
                item.insert(name.to_owned(), AttributeValue::S(date.clone()));
            }
        }
    }
    item
}

fn corrupt(why: impl std::fmt::Display) -> StoreError {
    StoreError::Corrupt(format!("stock item: {why}"))
}

fn read_number(value: &AttributeValue) -> Result<i64, StoreError> {
    value
        .as_n()
        .ok()
        .and_then(|n| n.parse().ok())
        .ok_or_else(|| corrupt("a number was expected"))
}

fn read_text(value: &AttributeValue) -> Result<String, StoreError> {
    value
        .as_s()
        .cloned()
        .map_err(|_| corrupt("a string was expected"))
}

/// The version an item was stored with (`None` for items of the earlier layout).
pub fn version_of(item: &Item) -> Option<Version> {
    Version::from_bytes(item.get("v")?.as_b().ok()?.as_ref())
}

/// A stored item as the location it belongs to and what it holds (the earlier layout's
/// items hold several entries, one per version).
pub fn decode(item: &Item) -> Result<(String, Vec<Entry>), StoreError> {
    let sk = item
        .get(SK)
        .and_then(|v| v.as_s().ok())
        .ok_or_else(|| corrupt("no sort key"))?;
    let Some((location, slot)) = parse_sk(sk) else {
        return legacy::decode(item);
    };
    let version = version_of(item).ok_or_else(|| corrupt("no version"))?;
    let mut update = StockUpdate::default();
    let mut created_at = None;
    let mut shipment: Option<TransitEntry> = None;
    for (name, value) in item {
        match name.as_str() {
            "q" => update.on_hand = Some(read_number(value)?),
            "d" => update.demand = Some(read_number(value)?),
            "s" => update.supply = Some(read_number(value)?),
            "b" => update.backorder = Some(read_number(value)?),
            "ct" => created_at = Some(read_number(value)?),
            "r" => {
                let text = read_text(value)?;
                update.restriction = Some(match text.as_str() {
                    NO_RESTRICTION => None,
                    other => Some(
                        Restriction::parse(other)
                            .ok_or_else(|| corrupt(format!("restriction {other:?}")))?,
                    ),
                });
            }
            "c" => update.channel = Some(read_text(value)?),
            "i" => {
                update.in_stock = Some(
                    *value
                        .as_bool()
                        .map_err(|_| corrupt("a boolean was expected"))?,
                )
            }
            "p" => update.preorder = Some(preorder(value)?),
            "tq" => shipment.get_or_insert_with(empty_shipment).quantity = read_number(value)?,
            "to" => {
                shipment.get_or_insert_with(empty_shipment).order_date = Some(read_text(value)?)
            }
            "ts" => {
                shipment.get_or_insert_with(empty_shipment).stock_date = Some(read_text(value)?)
            }
            _ => {}
        }
    }
    if let Slot::Transit { reference, .. } = slot {
        let entry = shipment.ok_or_else(|| corrupt("a shipment item without a quantity"))?;
        update.transit.insert(reference, entry);
    }
    Ok((
        location.to_owned(),
        vec![Entry {
            version,
            update,
            created_at,
        }],
    ))
}

fn empty_shipment() -> TransitEntry {
    TransitEntry {
        quantity: 0,
        order_date: None,
        stock_date: None,
    }
}

fn preorder(value: &AttributeValue) -> Result<PreorderInfo, StoreError> {
    let map = value.as_m().map_err(|_| corrupt("preorder is not a map"))?;
    Ok(PreorderInfo {
        enabled: map
            .get("e")
            .and_then(|e| e.as_bool().ok().copied())
            .unwrap_or(false),
        message: map.get("m").map(read_text).transpose()?,
        limit: map.get("l").map(read_number).transpose()?,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::layout::slots;

    fn round_trip(update: StockUpdate, created_at: Option<i64>) {
        let version = Version::new(1_700_000_000_000_000, 42);
        for (slot, part) in slots(update) {
            let sk = sk("WH-1", &slot);
            let item = item("t#V".into(), sk.clone(), version, &part, created_at);
            let (location, entries) = decode(&item).expect("decodes");
            assert_eq!(location, "WH-1");
            assert_eq!(
                entries,
                [Entry {
                    version,
                    update: part,
                    created_at
                }],
                "{sk}"
            );
        }
    }

    #[test]
    fn every_field_round_trips_in_its_slot() {
        let mut update = StockUpdate {
            on_hand: Some(-3),
            demand: Some(1),
            supply: Some(2),
            backorder: Some(4),
            restriction: Some(None),
            channel: Some("12".into()),
            in_stock: None,
            transit: Default::default(),
            preorder: Some(PreorderInfo {
                enabled: true,
                message: Some("soon".into()),
                limit: Some(10),
            }),
        };
        round_trip(update.clone(), None);
        update.restriction = Some(Some(Restriction::Discontinued));
        update.in_stock = Some(false);
        for reference in ["WO-1", "WO#2"] {
            update.transit.insert(
                reference.into(),
                TransitEntry {
                    quantity: 9,
                    order_date: Some("2020-05-05".into()),
                    stock_date: None,
                },
            );
        }
        round_trip(update, None);
        round_trip(
            StockUpdate {
                in_stock: Some(true),
                ..Default::default()
            },
            Some(77),
        );
    }

    #[test]
    fn keys_name_the_record_and_the_slot() {
        let fields = FieldSet(FieldSet::ON_HAND | FieldSet::DEMAND);
        assert_eq!(sk("104", &Slot::Fields(fields)), "104#f3");
        assert_eq!(sk("104", &Slot::Create), "104#w");
        let transit = Slot::Transit {
            fields: FieldSet(0),
            reference: "WO#1".into(),
        };
        assert_eq!(sk("104", &transit), "104#t0#WO#1");
        assert_eq!(parse_sk("104#t0#WO#1"), Some(("104", transit)));
        assert_eq!(parse_sk("104#s"), None, "the earlier layout's snapshot");
        assert!(prefix("1") != prefix("10") && sk("10", &Slot::Create).starts_with(&prefix("10")));
        assert!(!sk("10", &Slot::Create).starts_with(&prefix("1")));
    }

    /// DynamoDB's size of an item: each attribute's name and value, numbers at about one
    /// byte per two significant digits plus one, maps with 3 bytes and 1 per entry extra.
    fn size(item: &Item) -> usize {
        fn value(v: &AttributeValue) -> usize {
            match v {
                AttributeValue::S(s) => s.len(),
                AttributeValue::N(n) => n.trim_start_matches('-').len().div_ceil(2) + 1,
                AttributeValue::B(b) => b.as_ref().len(),
                AttributeValue::Bool(_) => 1,
                AttributeValue::M(m) => {
                    3 + m.iter().map(|(k, v)| 1 + k.len() + value(v)).sum::<usize>()
                }
                other => panic!("not used: {other:?}"),
            }
        }
        item.iter().map(|(k, v)| k.len() + value(v)).sum()
    }

    /// The worst case the README states: every field set the dialects write and the create
    /// item, ids of 64 characters, 10-digit quantities, a 64-character channel and a
    /// 100-character preorder message, read in one 4 KB unit.
    #[test]
    fn a_whole_record_reads_in_one_unit_for_ids_of_64_characters() {
        let id = "x".repeat(64);
        let big = 2_147_483_647;
        let tenant = TenantId::parse(&id).unwrap();
        let pk = pk(&tenant, &id);
        let version = Version::new(1_800_000_000_000_000, u64::MAX);
        let mut total = 0;
        let mut items = 0;
        for bits in 1u16..(1 << 8) {
            let fields = FieldSet(bits);
            // Subsets of batchStock's {onHand, demand, supply} and Crux's {onHand,
            // backorder, restrictions}; bulk insert's Stock rows set {onHand, channel}.
            let dialect = bits & !0b111 == 0 || bits & !0b11001 == 0 || bits == 0b100001;
            if !dialect {
                continue;
            }
            let has = |bit: u16| bits & bit != 0;
            let update = StockUpdate {
                on_hand: has(FieldSet::ON_HAND).then_some(big),
                demand: has(FieldSet::DEMAND).then_some(big),
                supply: has(FieldSet::SUPPLY).then_some(big),
                backorder: has(FieldSet::BACKORDER).then_some(big),
                restriction: has(FieldSet::RESTRICTION)
                    .then_some(Some(Restriction::TemporarilyUnavailable)),
                channel: has(FieldSet::CHANNEL).then(|| id.clone()),
                ..Default::default()
            };
            total += size(&item(
                pk.clone(),
                sk(&id, &Slot::Fields(fields)),
                version,
                &update,
                None,
            ));
            items += 1;
        }
        assert_eq!(items, 14, "the field sets the dialects write");
        let create = StockUpdate {
            on_hand: Some(big),
            preorder: Some(PreorderInfo {
                enabled: true,
                message: Some("m".repeat(100)),
                limit: Some(big),
            }),
            ..Default::default()
        };
        total += size(&item(
            pk.clone(),
            sk(&id, &Slot::Create),
            version,
            &create,
            Some(1_800_000_000_000_000),
        ));
        assert!(total < 4096, "{total} bytes");
        // Every item carries the ids once in its key: each character more of the tenant,
        // variant and location ids together adds 15 bytes. The README states this headroom.
        let headroom = (4096 - total) / 15;
        assert!(
            headroom >= 10,
            "{total} bytes leave room for {headroom} characters"
        );
        eprintln!("worst-case record: {total} bytes; room for {headroom} more id characters");
    }
}
