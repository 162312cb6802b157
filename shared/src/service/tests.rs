use std::sync::Arc;

use crate::catalog::Variant;
use crate::identifiers::Identifier;
use crate::model::{InventoryRecord, StockUpdate, TenantId};
use crate::resolve::{LocationError, LocationRef, ResolveError};
use crate::store::{Deadline, WriteFailure};

use super::*;
use crate::catalog::{CatalogEntry, Location, TenantSettings};
use crate::identifiers::{CatalogKey, KeyKind};
use crate::model::Restriction;
use crate::store::memory::MemoryStore;
use std::time::Duration;

fn tenant() -> TenantId {
    TenantId::parse("t").unwrap()
}

fn deadline() -> Deadline {
    Deadline::after(Duration::from_secs(5))
}

fn store() -> MemoryStore {
    let s = MemoryStore::new();
    let v = Variant {
        variant_id: "V1".into(),
        product_id: "P1".into(),
        sku: Some("S1".into()),
        ..Default::default()
    };
    s.put_catalog(
        &tenant(),
        CatalogKey::new(KeyKind::Variant, "V1"),
        CatalogEntry::Variants(vec![Arc::new(v.clone())]),
    );
    s.put_catalog(
        &tenant(),
        CatalogKey::new(KeyKind::Sku, "S1"),
        CatalogEntry::Variants(vec![Arc::new(v)]),
    );
    for id in ["L1", "L2"] {
        s.put_catalog(
            &tenant(),
            CatalogKey::new(KeyKind::Location, id),
            CatalogEntry::Location(Location {
                id: id.into(),
                default: id == "L1",
                name: None,
            }),
        );
    }
    s.put_catalog(
        &tenant(),
        CatalogKey::tenant(),
        CatalogEntry::Tenant(TenantSettings {
            default_location: Some("L1".into()),
        }),
    );
    s
}

fn item(id: Identifier, loc: LocationRef, update: StockUpdate) -> UpdateItem {
    UpdateItem {
        identifier: id,
        location: loc,
        update,
    }
}

async fn run(s: &MemoryStore, items: Vec<UpdateItem>) -> Vec<Result<Stored, ItemFailure>> {
    let plan = plan(s, &tenant(), items, |_| {}, deadline()).await.unwrap();
    commit(s, &tenant(), plan.items, deadline()).await
}

async fn record(s: &MemoryStore, loc: &str) -> InventoryRecord {
    let v = Variant {
        variant_id: "V1".into(),
        product_id: "P1".into(),
        ..Default::default()
    };
    let mut all = read(s, &tenant(), &[&v], Some(&[loc.to_owned()]), deadline())
        .await
        .unwrap();
    all.remove("V1").unwrap().pop().unwrap()
}

#[tokio::test]
async fn duplicates_merge_in_request_order_into_one_command() {
    let s = store();
    let out = run(
        &s,
        vec![
            item(
                Identifier::Sku("S1".into()),
                LocationRef::Default,
                StockUpdate {
                    on_hand: Some(1),
                    backorder: Some(5),
                    ..Default::default()
                },
            ),
            item(
                Identifier::VariantId("V1".into()),
                LocationRef::Id("L1".into()),
                StockUpdate {
                    on_hand: Some(2),
                    ..Default::default()
                },
            ),
            item(
                Identifier::Sku("nope".into()),
                LocationRef::Default,
                StockUpdate {
                    on_hand: Some(3),
                    ..Default::default()
                },
            ),
        ],
    )
    .await;
    assert!(out[0].is_ok() && out[1].is_ok());
    assert_eq!(
        out[2].as_ref().unwrap_err(),
        &ItemFailure::Resolve(ResolveError::NotFound)
    );
    assert_eq!(s.item_count(), 1, "one record, one item");
    let r = record(&s, "L1").await;
    assert_eq!((r.quantity, r.backorder), (Some(2), Some(5)));
    let version = out[0].as_ref().unwrap().version;
    assert_eq!(out[1].as_ref().unwrap().version, version);
    assert_eq!(r.revision, version.micros() as u64);
}

#[tokio::test]
async fn a_partial_update_never_erases_other_fields() {
    let s = store();
    let v1 = || Identifier::VariantId("V1".into());
    run(
        &s,
        vec![item(
            v1(),
            LocationRef::Id("L2".into()),
            StockUpdate {
                on_hand: Some(7),
                restriction: Some(Some(Restriction::Discontinued)),
                ..Default::default()
            },
        )],
    )
    .await;
    let first = record(&s, "L2").await;
    run(
        &s,
        vec![item(
            v1(),
            LocationRef::Id("L2".into()),
            StockUpdate {
                backorder: Some(3),
                ..Default::default()
            },
        )],
    )
    .await;
    let r = record(&s, "L2").await;
    assert_eq!(
        (r.quantity, r.backorder, r.restrictions),
        (Some(7), Some(3), Some(Restriction::Discontinued))
    );
    assert!(r.revision > first.revision, "the revision grows");
}

#[tokio::test]
async fn unknown_locations_and_write_failures_are_per_item() {
    let s = store();
    let out = run(
        &s,
        vec![item(
            Identifier::VariantId("V1".into()),
            LocationRef::Id("999".into()),
            StockUpdate {
                on_hand: Some(1),
                ..Default::default()
            },
        )],
    )
    .await;
    assert_eq!(
        out[0].as_ref().unwrap_err(),
        &ItemFailure::Location(LocationError::Unknown("999".into()))
    );

    s.fail_writes(Some(WriteFailure::Unprocessed { attempts: 8 }));
    let out = run(
        &s,
        vec![item(
            Identifier::VariantId("V1".into()),
            LocationRef::Default,
            StockUpdate {
                on_hand: Some(1),
                ..Default::default()
            },
        )],
    )
    .await;
    assert_eq!(
        out[0].as_ref().unwrap_err(),
        &ItemFailure::Write(WriteFailure::Unprocessed { attempts: 8 })
    );
}

#[tokio::test]
async fn create_is_create_only() {
    let s = store();
    let new = |product: &str| CreateItem {
        variant_id: "V1".into(),
        product_id: product.into(),
        location: LocationRef::Default,
        update: StockUpdate {
            on_hand: Some(4),
            ..Default::default()
        },
    };
    let out = create(
        &s,
        &tenant(),
        vec![new("P1"), new("P1"), new("P2")],
        deadline(),
    )
    .await
    .unwrap();
    let (_, record) = out[0].as_ref().unwrap();
    assert_eq!(
        (
            record.quantity,
            record.revision,
            record.location_id.as_str()
        ),
        (Some(4), 1, "L1")
    );
    assert_eq!(out[1].as_ref().unwrap_err(), &ItemFailure::AlreadyExists);
    assert!(matches!(out[2], Err(ItemFailure::WrongProduct { .. })));
    let again = create(&s, &tenant(), vec![new("P1")], deadline())
        .await
        .unwrap();
    assert_eq!(again[0].as_ref().unwrap_err(), &ItemFailure::AlreadyExists);
}

/// The first of two creates of one record in a request is the one tried, however the
/// store orders concurrent writes; the second fails before reaching it.
#[tokio::test]
async fn a_repeated_create_fails_in_planning() {
    let new = |variant: &str, location: &str| CreateItem {
        variant_id: variant.into(),
        product_id: "P1".into(),
        location: LocationRef::Id(location.into()),
        update: StockUpdate::default(),
    };
    let items = vec![
        new("V1", "L1"),
        new("V1", "L2"),
        new("V1", "L1"),
        new("NOPE", "L1"),
        new("V1", "L2"),
    ];
    let planned = plan_create(&store(), &tenant(), items, deadline())
        .await
        .unwrap();
    let outcome: Vec<Result<(&str, &str), &ItemFailure>> = planned
        .iter()
        .map(|p| {
            p.as_ref()
                .map(|p| (p.key.variant_id.as_str(), p.key.location_id.as_str()))
        })
        .collect();
    assert_eq!(
        outcome,
        [
            Ok(("V1", "L1")),
            Ok(("V1", "L2")),
            Err(&ItemFailure::AlreadyExists),
            Err(&ItemFailure::Resolve(ResolveError::NotFound)),
            Err(&ItemFailure::AlreadyExists),
        ]
    );
}
