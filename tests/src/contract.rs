//! The storage contract, written once and run against both backends: the in-memory fake
//! (`tests/contract_memory.rs`) and DynamoDB on the local endpoint
//! (`tests/contract_dynamodb.rs`). If the fake and the real store ever disagree, one of the
//! two runs fails.

use std::future::Future;
use std::sync::Arc;

use futures::future::join_all;
use inventory_core::auth::{KeyHash, Scope};
use inventory_core::catalog::Variant;
use inventory_core::identifiers::{GtinForm, Identifier};
use inventory_core::jobs::Job;
use inventory_core::ledger::now_micros;
use inventory_core::model::{InventoryRecord, Restriction, StockUpdate, TenantId, TransitEntry};
use inventory_core::resolve::{LocationRef, ResolveError};
use inventory_core::seed::SeedFile;
use inventory_core::service::{self, CreateItem, ItemFailure, UpdateItem};
use inventory_core::store::Backend;
use inventory_core::store::dynamo::DynamoStore;
use inventory_core::store::memory::MemoryStore;
use inventory_core::telemetry::{self, Counts, RequestMetrics};
use serde_json::json;

use crate::{deadline, unique};

/// What the contract needs beyond the service's traits: loading seed data and compacting.
pub trait Harness: Backend {
    fn load(&self, seed: &str) -> impl Future<Output = ()> + Send;
    fn compact(&self, tenant: &TenantId, settled_before: i64) -> impl Future<Output = ()> + Send;
    /// Whether DynamoDB calls are counted (the fake makes none).
    const COUNTS_CALLS: bool;
}

impl Harness for MemoryStore {
    const COUNTS_CALLS: bool = false;

    async fn load(&self, seed: &str) {
        self.seed(&SeedFile::parse(seed).expect("valid seed"))
            .expect("no conflicts");
    }

    async fn compact(&self, _tenant: &TenantId, settled_before: i64) {
        MemoryStore::compact(self, settled_before);
    }
}

impl Harness for DynamoStore {
    const COUNTS_CALLS: bool = true;

    async fn load(&self, seed: &str) {
        let file = SeedFile::parse(seed).expect("valid seed");
        inventory_admin::seed(self, &file).await.expect("seeding");
    }

    async fn compact(&self, tenant: &TenantId, settled_before: i64) {
        for (t, variant) in self.record_partitions(Some(tenant)).await.expect("scan") {
            self.compact_variant(&t, &variant, settled_before)
                .await
                .expect("compaction");
        }
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
    assert_eq!(r.revision, 3);
    assert!(r.updated_at >= r.created_at && r.created_at > 0);
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
    assert_eq!((r.quantity, r.backorder, r.revision), (Some(2), Some(9), 1));
    if B::COUNTS_CALLS {
        // One catalog read, one write.
        assert_eq!(counts.dynamodb_calls, 2, "{counts:?}");
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

pub async fn a_thousand_items_are_all_stored_in_slices_of_25<B: Harness>(store: &B) {
    let (t, _) = tenant_with_variants(store, 500).await;
    let items: Vec<UpdateItem> = (1..500)
        .flat_map(|i| {
            [
                item(&format!("V{i}"), "L1", update(|u| u.on_hand = Some(i))),
                item(&format!("V{i}"), "L2", update(|u| u.on_hand = Some(i + 1))),
            ]
        })
        .collect();
    assert_eq!(items.len(), 998);
    let plan = service::plan(store, &t, items, |_| {}, deadline())
        .await
        .expect("catalog pass");
    let (out, counts) = counted(service::commit(store, &t, plan.items, deadline())).await;
    assert!(out.iter().all(Result::is_ok));
    if B::COUNTS_CALLS {
        assert_eq!(
            counts.dynamodb_calls, 40,
            "ceil(998 / 25) writes: {counts:?}"
        );
        assert_eq!(counts.items_stored, 998);
    }
    for i in [1, 250, 499] {
        assert_eq!(
            record(store, &t, &format!("V{i}"), "L2")
                .await
                .and_then(|r| r.quantity),
            Some(i + 1)
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

pub async fn compaction_keeps_every_record_as_it_was<B: Harness>(store: &B) {
    let (t, _) = tenant_with_variants(store, 4).await;
    for round in 0..5 {
        let items = (1..4)
            .map(|i| {
                item(
                    &format!("V{i}"),
                    "L1",
                    update(|u| {
                        if round % 2 == 0 {
                            u.on_hand = Some(round)
                        } else {
                            u.supply = Some(round)
                        }
                    }),
                )
            })
            .collect();
        write(store, &t, items).await;
    }
    let before = record(store, &t, "V2", "L1").await.expect("record");
    store.compact(&t, now_micros() + 1).await;
    let after = record(store, &t, "V2", "L1").await.expect("record");
    assert_eq!(after, before);
    // Updates after compaction fold on top of the snapshot.
    write(
        store,
        &t,
        vec![item("V2", "L1", update(|u| u.backorder = Some(8)))],
    )
    .await;
    let later = record(store, &t, "V2", "L1").await.expect("record");
    assert_eq!(
        (
            later.quantity,
            later.supply,
            later.backorder,
            later.revision
        ),
        (Some(4), Some(3), Some(8), 6)
    );
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
