//! `inventory-admin migrate` turns records stored in the earlier layout (update commands and
//! compacted snapshots) into the current one: records read the same before and after, a
//! newer write of the current layout is never overwritten, and a second run does nothing.

use aws_sdk_dynamodb::types::AttributeValue;
use inventory_core::layout::RecordKey;
use inventory_core::model::{InventoryRecord, StockUpdate, TenantId};
use inventory_core::store::dynamo::items::Item;
use inventory_core::store::dynamo::{DynamoStore, Table};
use inventory_core::store::{InventoryStore, RecordUpdate};
use inventory_tests::contract::tenant_with_variants;
use inventory_tests::{deadline, dynamo, stock_items};
use serde_json::{Value, json};

/// A JSON object as a DynamoDB item, the way the earlier layout stored one.
fn item(value: Value) -> Item {
    fn attribute(value: Value) -> AttributeValue {
        match value {
            Value::String(s) => AttributeValue::S(s),
            Value::Number(n) => AttributeValue::N(n.to_string()),
            Value::Bool(b) => AttributeValue::Bool(b),
            Value::Object(map) => {
                AttributeValue::M(map.into_iter().map(|(k, v)| (k, attribute(v))).collect())
            }
            other => panic!("not used by the earlier layout: {other}"),
        }
    }
    match attribute(value) {
        AttributeValue::M(map) => map,
        _ => panic!("an object"),
    }
}

fn version(at: u64) -> String {
    format!("{at:016x}{:016x}", 1)
}

fn legacy_items(tenant: &TenantId) -> Vec<Item> {
    let pk = |variant: &str| format!("{tenant}#{variant}");
    vec![
        // V1 at L1: a compacted snapshot and two commands, one of them older than the
        // snapshot's quantity.
        item(json!({
            "pk": pk("V1"), "sk": "L1#s", "variantId": "V1", "productId": "P1", "locationId": "L1",
            "quantity": 3, "demand": 1, "restrictions": "tmpunavail", "tracking": "quantity",
            "transit": {"WO-1": {"quantity": 10, "orderDate": "2020-05-05"}},
            "fieldVersions": {"quantity": version(7), "tracking": version(7), "demand": version(3),
                              "restrictions": version(3), "transit:WO-1": version(3)},
            "through": version(7), "revision": 3, "createdAt": 3, "updatedAt": 7
        })),
        item(json!({
            "pk": pk("V1"), "sk": format!("L1#c#{}", version(9)), "variantId": "V1",
            "productId": "P1", "locationId": "L1", "backorder": 4, "version": version(9)
        })),
        item(json!({
            "pk": pk("V1"), "sk": format!("L1#c#{}", version(5)), "variantId": "V1",
            "productId": "P1", "locationId": "L1", "quantity": 8, "version": version(5)
        })),
        // V2 at L2: commands only; its on-hand is written again below, in the new layout.
        item(json!({
            "pk": pk("V2"), "sk": format!("L2#c#{}", version(2)), "variantId": "V2",
            "productId": "P2", "locationId": "L2", "quantity": 2, "version": version(2)
        })),
        item(json!({
            "pk": pk("V2"), "sk": format!("L2#c#{}", version(4)), "variantId": "V2",
            "productId": "P2", "locationId": "L2", "channel": "12", "version": version(4)
        })),
    ]
}

async fn read(store: &DynamoStore, tenant: &TenantId, variant: &str) -> Vec<InventoryRecord> {
    inventory_admin::stock(store, tenant, variant)
        .await
        .expect("read")
}

#[tokio::test]
async fn migration_rewrites_the_earlier_layout_and_records_read_the_same() {
    let store = dynamo().await;
    let (tenant, _) = tenant_with_variants(&store, 3).await;
    store
        .put_items(Table::Inventory, legacy_items(&tenant))
        .await
        .expect("earlier-layout items");
    // Before the migration, reads already see the earlier layout.
    let v1 = read(&store, &tenant, "V1").await;
    assert_eq!(
        (v1[0].quantity, v1[0].demand, v1[0].backorder),
        (Some(3), Some(1), Some(4))
    );
    assert_eq!(v1[0].transit["WO-1"].quantity, 10);
    // A write of the current layout, newer than anything migrated, of a slot migrated too.
    let key = RecordKey {
        tenant: tenant.clone(),
        variant_id: "V2".into(),
        location_id: "L2".into(),
    };
    let update = StockUpdate {
        on_hand: Some(20),
        ..Default::default()
    };
    let written = store
        .write(&[RecordUpdate { key, update }], deadline())
        .await;
    assert!(written[0].is_ok());
    let v2 = read(&store, &tenant, "V2").await;
    assert_eq!(
        (v2[0].quantity, v2[0].channel.as_deref()),
        (Some(20), Some("12"))
    );

    let report = inventory_admin::migrate(&store).await.expect("migration");
    assert!(report.records_migrated >= 2, "{report:?}");
    assert!(report.legacy_items_deleted >= 5, "{report:?}");
    assert!(report.items_superseded >= 1, "V2's on-hand: {report:?}");

    assert_eq!(read(&store, &tenant, "V1").await, v1);
    // V2's oldest entry was superseded by the newer write, so it was not carried over; its
    // `createdAt` is now its oldest surviving write's time, as for any record.
    let mut v2_after = read(&store, &tenant, "V2").await;
    assert_eq!(v2_after[0].created_at, 4);
    v2_after[0].created_at = v2[0].created_at;
    assert_eq!(v2_after, v2);
    for (variant, location) in [("V1", "L1"), ("V2", "L2")] {
        let key = RecordKey {
            tenant: tenant.clone(),
            variant_id: variant.into(),
            location_id: location.into(),
        };
        for item in stock_items(&store, &key).await {
            let sk = item["sk"].as_s().expect("sk");
            assert!(!sk.ends_with("#s") && !sk.contains("#c#"), "{sk}");
            assert!(!item.contains_key("variantId"), "compact items: {sk}");
        }
    }

    let again = inventory_admin::migrate(&store).await.expect("migration");
    assert_eq!(
        (
            again.records_migrated,
            again.items_written,
            again.legacy_items_deleted
        ),
        (0, 0, 0),
        "a second run finds nothing to do: {again:?}"
    );
}
