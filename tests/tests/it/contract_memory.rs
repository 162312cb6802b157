//! The storage contract against the in-memory fake.

use inventory_core::store::memory::MemoryStore;
use inventory_tests::contract;

#[tokio::test]
async fn partial_updates_never_erase_other_fields() {
    contract::partial_updates_never_erase_other_fields(&MemoryStore::new()).await;
}

#[tokio::test]
async fn concurrent_updates_of_different_fields_both_survive() {
    contract::concurrent_updates_of_different_fields_both_survive(&MemoryStore::new()).await;
}

#[tokio::test]
async fn duplicates_in_a_request_are_merged_into_one_write() {
    contract::duplicates_in_a_request_are_merged_into_one_write(&MemoryStore::new()).await;
}

#[tokio::test]
async fn every_identifier_scheme_resolves_in_one_pass() {
    contract::every_identifier_scheme_resolves_in_one_pass(&MemoryStore::new()).await;
}

#[tokio::test]
async fn lookups_beyond_a_hundred_keys_are_batched() {
    contract::lookups_beyond_a_hundred_keys_are_batched(&MemoryStore::new()).await;
}

#[tokio::test]
async fn a_thousand_record_updates_are_a_thousand_single_unit_puts() {
    contract::a_thousand_record_updates_are_a_thousand_single_unit_puts(&MemoryStore::new()).await;
}

#[tokio::test]
async fn a_record_reads_the_same_whatever_its_history() {
    contract::a_record_reads_the_same_whatever_its_history(&MemoryStore::new()).await;
}

#[tokio::test]
async fn reads_fetch_only_the_locations_asked_for() {
    contract::reads_fetch_only_the_locations_asked_for(&MemoryStore::new()).await;
}

#[tokio::test]
async fn create_is_create_only_even_when_racing() {
    contract::create_is_create_only_even_when_racing(&MemoryStore::new()).await;
}

#[tokio::test]
async fn jobs_and_keys_belong_to_their_tenant() {
    contract::jobs_and_keys_belong_to_their_tenant(&MemoryStore::new()).await;
}

/// A create and an update racing on a record with no stock: the create checks that the
/// record is empty, the update lands, then the create puts. Both are confirmed, so the only
/// valid order is "create, then update": the record reads the update's value.
#[tokio::test]
async fn a_create_never_overwrites_a_confirmed_update() {
    use inventory_core::resolve::LocationRef;
    use inventory_core::service::{self, CreateItem, UpdateItem};
    use inventory_core::{identifiers::Identifier, model::StockUpdate};

    let store = std::sync::Arc::new(MemoryStore::new());
    let (tenant, _) = contract::tenant_with_variants(store.as_ref(), 2).await;
    let gate = store.hold_creates();
    let create = {
        let (store, tenant) = (store.clone(), tenant.clone());
        tokio::spawn(async move {
            let item = CreateItem {
                variant_id: "V1".into(),
                product_id: "P1".into(),
                location: LocationRef::Id("L2".into()),
                update: StockUpdate {
                    on_hand: Some(5),
                    ..Default::default()
                },
            };
            service::create(
                store.as_ref(),
                &tenant,
                vec![item],
                inventory_tests::deadline(),
            )
            .await
        })
    };
    gate.arrived().await;
    let set = UpdateItem {
        identifier: Identifier::VariantId("V1".into()),
        location: LocationRef::Id("L2".into()),
        update: StockUpdate {
            on_hand: Some(7),
            ..Default::default()
        },
    };
    let plan = service::plan(
        store.as_ref(),
        &tenant,
        vec![set],
        |_| {},
        inventory_tests::deadline(),
    )
    .await
    .unwrap();
    let updated = service::commit(
        store.as_ref(),
        &tenant,
        plan.items,
        inventory_tests::deadline(),
    )
    .await;
    gate.release();
    let created = create.await.unwrap().unwrap();
    assert!(updated[0].is_ok() && created[0].is_ok(), "both confirmed");
    let variant = inventory_core::catalog::Variant {
        variant_id: "V1".into(),
        product_id: "P1".into(),
        ..Default::default()
    };
    let records = service::read(
        store.as_ref(),
        &tenant,
        &[&variant],
        Some(&["L2".to_owned()]),
        inventory_tests::deadline(),
    )
    .await
    .unwrap();
    assert_eq!(records["V1"][0].quantity, Some(7));
}

/// The landing order the design review found: W1 sets {onHand, demand} and its answer is
/// lost; W2 sets {onHand} and W3 {onHand, demand}, both confirmed; W1's resend lands last.
/// Stamped when it is sent (after W3), the resend is the newest write: the record reads as
/// W2, W3, W1. Had it kept W1's first version, the record would read onHand from W2 and
/// demand from W1, which no order of the three produces.
#[tokio::test]
async fn a_resend_that_lands_last_reads_as_the_last_write() {
    use inventory_core::layout::{RecordKey, Version};
    use inventory_core::model::{StockUpdate, TenantId};
    use inventory_core::store::{Deadline, InventoryStore};

    let key = RecordKey {
        tenant: TenantId::parse("t").unwrap(),
        variant_id: "V".into(),
        location_id: "L".into(),
    };
    let both = |n| StockUpdate {
        on_hand: Some(n),
        demand: Some(n),
        ..Default::default()
    };
    let on_hand = |n| StockUpdate {
        on_hand: Some(n),
        ..Default::default()
    };
    for (resend_version, expected) in [
        (Version::new(40, 0), (Some(1), Some(1))),
        (Version::new(10, 0), (Some(2), Some(1))),
    ] {
        let store = MemoryStore::new();
        store.land(&key, both(1), Version::new(10, 0)); // W1, first attempt
        store.land(&key, on_hand(2), Version::new(20, 0)); // W2
        store.land(&key, both(3), Version::new(30, 0)); // W3
        store.land(&key, both(1), resend_version); // W1's resend, landing last
        let deadline = Deadline::after(std::time::Duration::from_secs(1));
        let records = store
            .records(&key.tenant, "V", "P", None, deadline)
            .await
            .unwrap();
        let read = (records[0].quantity, records[0].demand);
        assert_eq!(read, expected, "{resend_version:?}");
    }
}
