//! The storage contract, written once and run against both backends: the in-memory fake
//! (`tests/contract_memory.rs`) and DynamoDB on the local endpoint
//! (`tests/contract_dynamodb.rs`). If the fake and the real store ever disagree, one of the
//! two runs fails.

use std::future::Future;
use std::sync::Arc;

use futures::future::join_all;
use inventory_admin::seed::SeedFile;
use inventory_core::auth::{KeyHash, Scope};
use inventory_core::catalog::Variant;
use inventory_core::identifiers::{GtinForm, Identifier};
use inventory_core::jobs::Job;
use inventory_core::layout::RecordKey;
use inventory_core::model::{InventoryRecord, Restriction, StockUpdate, TenantId, TransitEntry};
use inventory_core::resolve::{LocationRef, ResolveError};
use inventory_core::service::{self, CreateItem, ItemFailure, UpdateItem};
use inventory_core::store::dynamo::DynamoStore;
use inventory_core::store::memory::MemoryStore;
use inventory_core::store::{Backend, RecordUpdate};
use inventory_core::telemetry::{self, Counts, RequestMetrics};
use serde_json::json;

use crate::{deadline, unique};

/// What the contract needs beyond the service's traits: loading seed data and looking at
/// what a record holds.
pub trait Harness: Backend {
    fn load(&self, seed: &str) -> impl Future<Output = ()> + Send;
    /// How many items the record holds.
    fn items_of(&self, key: &RecordKey) -> impl Future<Output = usize> + Send;
    /// Whether DynamoDB calls and the capacity they consume are counted (the fake makes
    /// none).
    const COUNTS_CALLS: bool;
}

impl Harness for MemoryStore {
    const COUNTS_CALLS: bool = false;

    async fn load(&self, seed: &str) {
        let file = SeedFile::parse(seed).expect("valid seed");
        inventory_admin::seed(self, &file)
            .await
            .expect("no conflicts");
    }

    async fn items_of(&self, key: &RecordKey) -> usize {
        MemoryStore::items_of(self, key)
    }
}

impl Harness for DynamoStore {
    const COUNTS_CALLS: bool = true;

    async fn load(&self, seed: &str) {
        let file = SeedFile::parse(seed).expect("valid seed");
        inventory_admin::seed(self, &file).await.expect("seeding");
    }

    async fn items_of(&self, key: &RecordKey) -> usize {
        crate::stock_items(self, key).await.len()
    }
}

/// A fresh tenant with `n` simple variants (`V0`..), two locations (L1 default, L2), a
/// read-write key, plus the demo-like identifiers on V0. Returns (tenant, key).
pub async fn tenant_with_variants<B: Harness>(store: &B, n: usize) -> (TenantId, String) {
    let id = unique("contract");
    let key = unique("key");
    let mut variants = vec![json!({
        "variantId": "V0", "productId": "P0", "sku": "SHARED", "size": "34", "width": "D",
        "itemId": "ITEM-0", "code": "CODE-0", "barcode": "NOT A GTIN", "gtin": "849632048260"
    })];
    variants.push(json!({"variantId": "V-SHARED-2", "productId": "P0", "sku": "SHARED", "size": "36", "width": "D"}));
    variants.push(json!({"variantId": "BOOK", "productId": "BOOK", "gtin": "0-306-40615-2"}));
    for i in 1..n {
        variants.push(json!({"variantId": format!("V{i}"), "productId": format!("P{i}"), "sku": format!("SKU-{i}")}));
    }
    let seed = json!({"tenants": [{
        "id": id,
        "accounts": ["ACCOUNT-1"],
        "apiKeys": [{"key": key, "scopes": ["inventory:write", "inventory:read"]}],
        "locations": [{"id": "L1", "default": true}, {"id": "L2"}],
        "variants": variants,
    }]});
    store.load(&seed.to_string()).await;
    (TenantId::parse(&id).expect("tenant id"), key)
}

fn update(f: impl FnOnce(&mut StockUpdate)) -> StockUpdate {
    let mut u = StockUpdate::default();
    f(&mut u);
    u
}

fn key(tenant: &TenantId, variant: &str, location: &str) -> RecordKey {
    RecordKey {
        tenant: tenant.clone(),
        variant_id: variant.into(),
        location_id: location.into(),
    }
}

fn item(variant: &str, location: &str, u: StockUpdate) -> UpdateItem {
    UpdateItem {
        identifier: Identifier::VariantId(variant.into()),
        location: LocationRef::Id(location.into()),
        update: u,
    }
}

async fn write<B: Harness>(
    store: &B,
    tenant: &TenantId,
    items: Vec<UpdateItem>,
) -> Vec<Result<service::Stored, ItemFailure>> {
    let plan = service::plan(store, tenant, items, |_| {}, deadline())
        .await
        .expect("catalog pass");
    service::commit(store, tenant, plan.items, deadline()).await
}

async fn record<B: Harness>(
    store: &B,
    tenant: &TenantId,
    variant: &str,
    location: &str,
) -> Option<InventoryRecord> {
    let v = Variant {
        variant_id: variant.into(),
        product_id: String::new(),
        ..Default::default()
    };
    let mut all = service::read(
        store,
        tenant,
        &[&v],
        Some(&[location.to_owned()]),
        deadline(),
    )
    .await
    .expect("read");
    all.remove(variant)?.pop()
}

/// Runs `work` as one request and returns what it counted.
async fn counted<F: Future>(work: F) -> (F::Output, Counts) {
    let metrics = Arc::new(RequestMetrics::default());
    let out = telemetry::scope(metrics.clone(), work).await;
    (out, metrics.counts())
}

pub async fn partial_updates_never_erase_other_fields<B: Harness>(store: &B) {
    let (t, _) = tenant_with_variants(store, 2).await;
    let mut transit = update(|u| u.on_hand = Some(5));
    transit.transit.insert(
        "WO-1".into(),
        TransitEntry {
            quantity: 7,
            order_date: Some("2020-05-05".into()),
            stock_date: None,
        },
    );
    transit.restriction = Some(Some(Restriction::Discontinued));
    assert!(write(store, &t, vec![item("V1", "L1", transit)]).await[0].is_ok());
    assert!(
        write(
            store,
            &t,
            vec![item("V1", "L1", update(|u| u.backorder = Some(3)))]
        )
        .await[0]
            .is_ok()
    );
    assert!(
        write(
            store,
            &t,
            vec![item("V1", "L1", update(|u| u.demand = Some(2)))]
        )
        .await[0]
            .is_ok()
    );
    let r = record(store, &t, "V1", "L1").await.expect("record");
    assert_eq!(
        (r.quantity, r.backorder, r.demand),
        (Some(5), Some(3), Some(2))
    );
    assert_eq!(r.restrictions, Some(Restriction::Discontinued));
    assert_eq!(r.transit["WO-1"].quantity, 7);
    assert!(r.updated_at > r.created_at && r.created_at > 0);
    assert_eq!(r.revision, r.updated_at as u64, "the newest update's time");
    // Clearing the restriction is an update of its own.
    write(
        store,
        &t,
        vec![item("V1", "L1", update(|u| u.restriction = Some(None)))],
    )
    .await;
    assert_eq!(
        record(store, &t, "V1", "L1")
            .await
            .expect("record")
            .restrictions,
        None
    );
    assert!(record(store, &t, "V1", "L2").await.is_none());
}

pub async fn concurrent_updates_of_different_fields_both_survive<B: Harness>(store: &B) {
    let (t, _) = tenant_with_variants(store, 2).await;
    for round in 0..20i64 {
        let a = write(
            store,
            &t,
            vec![item("V1", "L2", update(|u| u.backorder = Some(round)))],
        );
        let b = write(
            store,
            &t,
            vec![item("V1", "L2", update(|u| u.on_hand = Some(100 + round)))],
        );
        let (a, b) = tokio::join!(a, b);
        assert!(a[0].is_ok() && b[0].is_ok());
        let r = record(store, &t, "V1", "L2").await.expect("record");
        assert_eq!(
            (r.backorder, r.quantity),
            (Some(round), Some(100 + round)),
            "round {round}"
        );
    }
}

pub async fn duplicates_in_a_request_are_merged_into_one_write<B: Harness>(store: &B) {
    let (t, _) = tenant_with_variants(store, 2).await;
    let items = vec![
        item(
            "V1",
            "L1",
            update(|u| {
                u.on_hand = Some(1);
                u.backorder = Some(9);
            }),
        ),
        UpdateItem {
            identifier: Identifier::Sku("SKU-1".into()),
            location: LocationRef::Default,
            update: update(|u| u.on_hand = Some(2)),
        },
    ];
    let (out, counts) = counted(write(store, &t, items)).await;
    assert!(out.iter().all(Result::is_ok));
    let r = record(store, &t, "V1", "L1").await.expect("record");
    assert_eq!((r.quantity, r.backorder), (Some(2), Some(9)));
    assert_eq!(store.items_of(&key(&t, "V1", "L1")).await, 1);
    if B::COUNTS_CALLS {
        // One catalog read, one write of one item.
        assert_eq!(counts.dynamodb_calls, 2, "{counts:?}");
        assert_eq!(counts.wru(), 1.0, "{counts:?}");
    }
}

pub async fn every_identifier_scheme_resolves_in_one_pass<B: Harness>(store: &B) {
    let (t, _) = tenant_with_variants(store, 2).await;
    let gtin = |form, raw: &str| Identifier::Gtin {
        form,
        raw: raw.into(),
    };
    let cases: Vec<(Identifier, Result<&str, &str>)> = vec![
        (Identifier::VariantId("V0".into()), Ok("V0")),
        (Identifier::ItemId("ITEM-0".into()), Ok("V0")),
        (Identifier::Code("CODE-0".into()), Ok("V0")),
        (Identifier::Barcode("NOT A GTIN".into()), Ok("V0")),
        (Identifier::Barcode("849632048260".into()), Ok("V0")),
        (gtin(GtinForm::Upc, "849632048260"), Ok("V0")),
        (gtin(GtinForm::Ean13, "0849632048260"), Ok("V0")),
        (gtin(GtinForm::Gtin14, "00849632048260"), Ok("V0")),
        (gtin(GtinForm::Isbn, "978-0-306-40615-7"), Ok("BOOK")),
        (gtin(GtinForm::Isbn, "0306406152"), Ok("BOOK")),
        (
            Identifier::SkuSizeWidth {
                sku: "SHARED".into(),
                size: "36".into(),
                width: "D".into(),
            },
            Ok("V-SHARED-2"),
        ),
        (Identifier::Sku("SKU-1".into()), Ok("V1")),
        (Identifier::ProductId("P1".into()), Ok("V1")),
        (Identifier::Sku("SHARED".into()), Err("ambiguous")),
        (Identifier::ProductId("P0".into()), Err("ambiguous")),
        (gtin(GtinForm::Upc, "849632048261"), Err("invalid")),
        (Identifier::Code("nope".into()), Err("not found")),
    ];
    let items: Vec<UpdateItem> = cases
        .iter()
        .map(|(id, _)| UpdateItem {
            identifier: id.clone(),
            location: LocationRef::Default,
            update: update(|u| u.on_hand = Some(1)),
        })
        .collect();
    let (plan, counts) = counted(service::plan(store, &t, items, |_| {}, deadline())).await;
    let plan = plan.expect("catalog pass");
    for ((id, want), got) in cases.iter().zip(&plan.items) {
        match (want, got) {
            (Ok(v), Ok(target)) => assert_eq!(target.variant.variant_id, *v, "{id}"),
            (Err("ambiguous"), Err(ItemFailure::Resolve(ResolveError::Ambiguous(_)))) => {}
            (Err("invalid"), Err(ItemFailure::Resolve(ResolveError::Invalid(_)))) => {}
            (Err("not found"), Err(ItemFailure::Resolve(ResolveError::NotFound))) => {}
            other => panic!("{id}: {other:?}"),
        }
    }
    if B::COUNTS_CALLS {
        assert_eq!(
            counts.dynamodb_calls, 1,
            "one BatchGetItem for every key: {counts:?}"
        );
    }
}

pub async fn lookups_beyond_a_hundred_keys_are_batched<B: Harness>(store: &B) {
    let (t, _) = tenant_with_variants(store, 250).await;
    let items: Vec<UpdateItem> = (1..250)
        .map(|i| item(&format!("V{i}"), "L1", update(|u| u.on_hand = Some(i))))
        .collect();
    let (plan, counts) = counted(service::plan(store, &t, items, |_| {}, deadline())).await;
    let plan = plan.expect("catalog pass");
    assert!(plan.items.iter().all(Result::is_ok));
    if B::COUNTS_CALLS {
        // 249 variants and one location: 250 keys, three calls of at most 100.
        assert_eq!(counts.dynamodb_calls, 3, "{counts:?}");
    }
}

/// A record update is one item put of one write unit: a 1,000-record batch is 1,000 items
/// in 40 slices of 25, 1,000 WRU, and nothing left to do later.
pub async fn a_thousand_record_updates_are_a_thousand_single_unit_puts<B: Harness>(store: &B) {
    let (t, _) = tenant_with_variants(store, 500).await;
    let items: Vec<UpdateItem> = (0..500)
        .flat_map(|i| {
            [
                item(&format!("V{i}"), "L1", update(|u| u.on_hand = Some(i))),
                item(&format!("V{i}"), "L2", update(|u| u.on_hand = Some(i + 1))),
            ]
        })
        .collect();
    assert_eq!(items.len(), 1000);
    let plan = service::plan(store, &t, items, |_| {}, deadline())
        .await
        .expect("catalog pass");
    let (out, counts) = counted(service::commit(store, &t, plan.items, deadline())).await;
    assert!(out.iter().all(Result::is_ok));
    if B::COUNTS_CALLS {
        assert_eq!(
            counts.dynamodb_calls, 40,
            "ceil(1000 / 25) writes: {counts:?}"
        );
        assert_eq!(counts.items_stored, 1000);
        assert_eq!(
            counts.wru() / 1000.0,
            1.0,
            "WRU per record update: {counts:?}"
        );
    }
    for i in [0, 250, 499] {
        assert_eq!(
            record(store, &t, &format!("V{i}"), "L2")
                .await
                .and_then(|r| r.quantity),
            Some(i + 1)
        );
        assert_eq!(store.items_of(&key(&t, &format!("V{i}"), "L2")).await, 1);
    }
}

/// Every field set the dialects write (see `layout::Slot`), with `n` as every value:
/// batchStock's subsets of {inStock, demand, supply}, Crux's of {in stock, backorder,
/// restrictions}, bulk insert's Stock rows with a channel and its Transit rows (with and
/// without a channel, alone or grouped with a Stock row), the single-product update.
fn dialect_updates(n: i64) -> Vec<StockUpdate> {
    let mut all = Vec::new();
    for bits in 1..8 {
        all.push(update(|u| {
            u.on_hand = (bits & 1 != 0).then_some(n);
            u.demand = (bits & 2 != 0).then_some(n + 1);
            u.supply = (bits & 4 != 0).then_some(n + 2);
        }));
    }
    for bits in 2..8 {
        all.push(update(|u| {
            u.on_hand = (bits & 1 != 0).then_some(n);
            u.backorder = (bits & 2 != 0).then_some(n + 3);
            u.restriction =
                (bits & 4 != 0).then(|| [Some(Restriction::Discontinued), None][(n % 2) as usize]);
        }));
    }
    all.push(update(|u| {
        u.on_hand = Some(n);
        u.channel = Some(format!("channel-{}", n % 3));
    }));
    for (with_channel, with_stock) in [(false, false), (true, false), (true, true)] {
        all.push(update(|u| {
            u.transit.insert(
                format!("WO-{}", n % 2),
                TransitEntry {
                    quantity: n,
                    order_date: Some("2020-05-05".into()),
                    stock_date: None,
                },
            );
            u.channel = with_channel.then(|| format!("channel-{}", n % 3));
            u.on_hand = with_stock.then_some(n);
        }));
    }
    all
}

/// The most items a record written through every dialect (14 field sets, the create item,
/// 3 per shipment reference) holds; the README states the same bound.
const ITEMS_PER_RECORD: usize = 14 + 1 + 3 * 2;

/// A record updated 10,000 times through every dialect's field sets holds a bounded number
/// of items and reads in one Query page of under 4 KB: one read unit.
pub async fn a_record_reads_the_same_whatever_its_history<B: Harness>(store: &B) {
    let (t, _) = tenant_with_variants(store, 2).await;
    let created = service::create(
        store,
        &t,
        vec![CreateItem {
            variant_id: "V1".into(),
            product_id: "P1".into(),
            location: LocationRef::Id("L1".into()),
            update: update(|u| u.on_hand = Some(-1)),
        }],
        deadline(),
    )
    .await
    .expect("store");
    assert!(created[0].is_ok());
    let record_key = key(&t, "V1", "L1");
    // What a sequence of updates reads as, applied one after another.
    let mut expected = update(|u| u.on_hand = Some(-1));
    let mut written = 0;
    while written < 10_000 {
        for u in dialect_updates(written) {
            expected.merge(u.clone());
            let update = RecordUpdate {
                key: record_key.clone(),
                update: u,
            };
            let stored = store.write(&[update], deadline()).await;
            assert!(stored[0].is_ok(), "{stored:?}");
            written += 1;
        }
    }
    let items = store.items_of(&record_key).await;
    assert!(items <= ITEMS_PER_RECORD, "{items} items");
    let (r, counts) = counted(record(store, &t, "V1", "L1")).await;
    let r = r.expect("record");
    assert_eq!(
        (r.quantity, r.demand, r.supply, r.backorder),
        (
            expected.on_hand,
            expected.demand,
            expected.supply,
            expected.backorder
        )
    );
    assert_eq!(r.restrictions, expected.restriction.flatten());
    assert_eq!(r.channel, expected.channel);
    assert_eq!(r.transit, expected.transit);
    if B::COUNTS_CALLS {
        assert_eq!(counts.dynamodb_calls, 1, "one Query page: {counts:?}");
        assert_eq!(counts.rru(), 1.0, "under 4 KB: {counts:?}");
    }
}

/// A read asks only for the locations it wants: a big record at another location costs it
/// nothing.
pub async fn reads_fetch_only_the_locations_asked_for<B: Harness>(store: &B) {
    let (t, _) = tenant_with_variants(store, 2).await;
    let many_shipments = update(|u| {
        for n in 0..40 {
            u.transit.insert(
                format!("{n:02}-{}", "R".repeat(60)),
                TransitEntry {
                    quantity: n,
                    order_date: Some("2020-05-05".into()),
                    stock_date: Some("2020-06-05".into()),
                },
            );
        }
    });
    let out = write(
        store,
        &t,
        vec![
            item("V1", "L1", update(|u| u.on_hand = Some(3))),
            item("V1", "L2", many_shipments),
        ],
    )
    .await;
    assert!(out.iter().all(Result::is_ok));
    let (r, counts) = counted(record(store, &t, "V1", "L1")).await;
    assert_eq!(r.expect("record").quantity, Some(3));
    let (big, big_counts) = counted(record(store, &t, "V1", "L2")).await;
    assert_eq!(big.expect("record").transit.len(), 40);
    if B::COUNTS_CALLS {
        assert_eq!(counts.dynamodb_calls, 1, "{counts:?}");
        assert_eq!(counts.rru(), 1.0, "{counts:?}");
        assert!(
            big_counts.rru() > 1.0,
            "the other location is big: {big_counts:?}"
        );
    }
}

pub async fn create_is_create_only_even_when_racing<B: Harness>(store: &B) {
    let (t, _) = tenant_with_variants(store, 3).await;
    let new = |quantity| CreateItem {
        variant_id: "V2".into(),
        product_id: "P2".into(),
        location: LocationRef::Id("L2".into()),
        update: update(|u| u.on_hand = Some(quantity)),
    };
    let racers = (0..8).map(|q| service::create(store, &t, vec![new(q)], deadline()));
    let results = join_all(racers).await;
    let created: Vec<i64> = results
        .iter()
        .filter_map(|r| r.as_ref().expect("store")[0].as_ref().ok())
        .map(|(_, rec)| rec.quantity.expect("quantity"))
        .collect();
    assert_eq!(created.len(), 1, "exactly one create wins");
    let stored = record(store, &t, "V2", "L2").await.expect("record");
    assert_eq!(stored.quantity, Some(created[0]));
    assert_eq!(stored.revision, 1);
    // A record made through another write path also counts as existing.
    write(
        store,
        &t,
        vec![item("V1", "L2", update(|u| u.backorder = Some(1)))],
    )
    .await;
    let mut other = new(1);
    other.variant_id = "V1".into();
    other.product_id = "P1".into();
    let out = service::create(store, &t, vec![other], deadline())
        .await
        .expect("store");
    assert_eq!(out[0].as_ref().unwrap_err(), &ItemFailure::AlreadyExists);
}

pub async fn jobs_and_keys_belong_to_their_tenant<B: Harness>(store: &B) {
    let (a, key_a) = tenant_with_variants(store, 1).await;
    let (b, _) = tenant_with_variants(store, 1).await;
    let job = Job {
        id: unique("job"),
        document: json!({"status": "FINISHED", "n": 1}),
    };
    store.put_job(&a, &job, deadline()).await.expect("put job");
    assert_eq!(
        store.job(&a, &job.id, deadline()).await.expect("get"),
        Some(job.clone())
    );
    assert_eq!(store.job(&b, &job.id, deadline()).await.expect("get"), None);

    let found = store
        .find_key(&KeyHash::of(&key_a), deadline())
        .await
        .expect("key")
        .expect("stored");
    assert_eq!(found.tenant, a);
    assert!(found.scopes.contains(&Scope::InventoryWrite));
    assert!(
        store
            .find_key(&KeyHash::of("no-such-key-000"), deadline())
            .await
            .expect("key")
            .is_none()
    );

    // Tenant b's catalog does not see tenant a's writes or variants.
    write(
        store,
        &a,
        vec![item("V0", "L1", update(|u| u.on_hand = Some(3)))],
    )
    .await;
    assert!(record(store, &b, "V0", "L1").await.is_none());
}

/// A warm DynamoDB store resolves identifiers it found in the last minute without reading
/// them again; an identifier it did not find is read again each time (so one added to the
/// catalog resolves at once); with the cache off, every lookup reads.
pub async fn warm_lookups_read_only_what_was_not_found(store: DynamoStore) {
    let (t, _) = tenant_with_variants(&store, 50).await;
    let items = || -> Vec<UpdateItem> {
        (1..50)
            .map(|i| format!("V{i}"))
            .chain(["NOT-IN-CATALOG".to_owned()])
            .map(|v| item(&v, "L1", update(|u| u.on_hand = Some(1))))
            .collect()
    };
    let plan_counted = |store: DynamoStore| {
        let t = t.clone();
        async move {
            let (plan, counts) =
                counted(service::plan(&store, &t, items(), |_| {}, deadline())).await;
            let plan = plan.expect("catalog pass");
            let unknown = plan.items.iter().filter(|i| i.is_err()).count();
            let read = (counts.dynamodb_calls, counts.rru_milli);
            (unknown, read, counts.catalog_cache_hits)
        }
    };
    // 49 variants, one unknown identifier and L1: 51 keys, one BatchGetItem.
    let (unknown, cold, hits) = plan_counted(store.clone()).await;
    assert_eq!((unknown, cold.0, hits), (1, 1, 0), "cold");
    // Only the unknown identifier is read again (half a read unit); 50 come from the cache.
    assert_eq!(plan_counted(store.clone()).await, (1, (1, 500), 50), "warm");
    let uncached = store.with_catalog_cache(std::time::Duration::ZERO);
    assert_eq!(plan_counted(uncached).await, (1, cold, 0), "cache off");
}
