//! Property tests of every dialect's parser, through its whole handler with the demo data in
//! memory: arbitrary bytes, arbitrary JSON, and near-valid bodies (the dialect's own field
//! names with arbitrary values). Whatever comes in, the answer is well-formed JSON with a
//! status below 500, and a refused request writes nothing. `PROPTEST_CASES` sets the number
//! of cases per property (default 256; `tools/test` runs 1,000).

use inventory_admin::demo_app;
use inventory_core::http::{App, Endpoint};
use inventory_core::lambda_http::http::StatusCode;
use inventory_core::store::memory::MemoryStore;
use inventory_core::testing::{DEMO_KEY, call, request};
use proptest::prelude::*;
use serde_json::{Map, Value};

/// JSON leaves that stress parsers: edge numbers, odd text.
fn leaf() -> impl Strategy<Value = Value> {
    prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        any::<i64>().prop_map(Value::from),
        (-3i64..2_000_000).prop_map(Value::from),
        any::<f64>()
            .prop_map(|f| serde_json::Number::from_f64(f).map_or(Value::Null, Value::Number)),
        Just(serde_json::json!(1e300)),
        Just(serde_json::json!(u64::MAX)),
        "\\PC{0,24}".prop_map(Value::String),
        "[\\x00-\\x1f\\u{202e}\\u{fffd}a-z0-9]{0,12}".prop_map(Value::String),
        prop_oneof![
            Just("849632048260"),
            Just("0849632048260"),
            Just("5052011221399"),
            Just("ZOOT-SUIT"),
            Just("xkuOwSQ3utl"),
            Just("ACC001018__A"),
            Just("3"),
            Just("104"),
            Just("discontd"),
            Just("Transit"),
            Just("Stock"),
            Just("590cef15-c81d-4ed7-970c-1ff879946306"),
            Just("babd2bcc-ea03-4b63-8053-0ec59c73fc36"),
            Just("2020-05-05"),
        ]
        .prop_map(|s| Value::String(s.to_owned())),
    ]
}

fn json() -> impl Strategy<Value = Value> {
    leaf().prop_recursive(4, 64, 8, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..8).prop_map(Value::Array),
            prop::collection::btree_map("\\PC{0,8}", inner, 0..8)
                .prop_map(|m| Value::Object(m.into_iter().collect::<Map<_, _>>())),
        ]
    })
}

/// An object whose keys are mostly the dialect's own field names.
fn record(fields: &'static [&'static str]) -> impl Strategy<Value = Value> {
    let key = prop_oneof![
        9 => prop::sample::select(fields).prop_map(str::to_owned),
        1 => "[a-zA-Z_]{1,10}",
    ];
    prop::collection::btree_map(key, leaf(), 0..6)
        .prop_map(|m| Value::Object(m.into_iter().collect()))
}

fn records(fields: &'static [&'static str]) -> impl Strategy<Value = Vec<Value>> {
    prop::collection::vec(record(fields), 0..12)
}

const CRUX: &[&str] = &[
    "sku_id",
    "upca",
    "ean13",
    "gtin14",
    "isbn",
    "quantity_in_stock",
    "quantity_on_backorder",
    "restrictions",
];
const BATCH: &[&str] = &[
    "variant_id",
    "barcode",
    "code",
    "inStock",
    "demand",
    "supply",
];
const FABRIC: &[&str] = &[
    "sku",
    "itemId",
    "totalQuantity",
    "locationId",
    "type",
    "channelId",
    "transitOrderDate",
    "transitStockDate",
    "transitRef",
];
const WIX: &[&str] = &[
    "variantId",
    "productId",
    "locationId",
    "quantity",
    "inStock",
    "preorderInfo",
    "extendedFields",
];
const PRODUCT: &[&str] = &["upc", "sku", "size", "width", "store", "quantity"];
const QUERY: &[&str] = &[
    "variantId",
    "variant_id",
    "productId",
    "itemId",
    "sku",
    "sku_id",
    "code",
    "barcode",
    "upc",
    "upca",
    "ean13",
    "gtin14",
    "isbn",
    "size",
    "width",
];

/// Sends `body` to `E` with a valid key; checks the answer is sound and returns it.
fn check<E: Endpoint>(
    path: &str,
    auth: &str,
    body: &str,
) -> Result<(StatusCode, Value), TestCaseError> {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let app: App<MemoryStore> = demo_app();
    let headers = [
        ("content-type", "application/json"),
        ("authorization", auth),
    ];
    let (status, reply) = runtime.block_on(call::<E>(&app, request("POST", path, &headers, body)));
    inventory_tests::report("generated_inputs_tried", 1);
    prop_assert!(status.as_u16() < 500, "{status}: {reply} for {body}");
    prop_assert!(reply.is_object() || reply.is_array(), "{reply}");
    if !status.is_success() {
        prop_assert_eq!(
            app.store.record_count(),
            0,
            "a refused request wrote: {}",
            body
        );
    }
    Ok((status, reply))
}

fn bearer() -> String {
    format!("Bearer {DEMO_KEY}")
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(std::env::var("PROPTEST_CASES").ok().and_then(|n| n.parse().ok()).unwrap_or(256)))]

    #[test]
    fn arbitrary_bytes_never_break_a_handler(bytes in prop::collection::vec(any::<u8>(), 0..256)) {
        let body = String::from_utf8_lossy(&bytes).into_owned();
        check::<crux_bulk_inventory::CruxBulkInventory>("/timp/products/skus/inventory/bulk/", &format!("Token {DEMO_KEY}"), &body)?;
        check::<batch_stock::BatchStock>("/api/batchStock?warehouse_id=104", &bearer(), &body)?;
        check::<bulk_insert::BulkInsert>("/inventory/bulk-insert", &bearer(), &body)?;
        check::<wix_inventory_create::BulkCreateInventoryItems>("/stores/v3/bulk/inventory-items/create", DEMO_KEY, &body)?;
        check::<product_inventory::ProductInventory>("/api/product/inventory", &bearer(), &body)?;
        check::<inventory_query::InventoryQuery>("/inventory/query", &bearer(), &body)?;
    }

    #[test]
    fn arbitrary_json_never_breaks_a_handler(value in json()) {
        let body = value.to_string();
        check::<crux_bulk_inventory::CruxBulkInventory>("/timp/products/skus/inventory/bulk/", &format!("Token {DEMO_KEY}"), &body)?;
        check::<batch_stock::BatchStock>("/api/batchStock?warehouse_id=104", &bearer(), &body)?;
        check::<bulk_insert::BulkInsert>("/inventory/bulk-insert", &bearer(), &body)?;
        check::<wix_inventory_create::BulkCreateInventoryItems>("/stores/v3/bulk/inventory-items/create", DEMO_KEY, &body)?;
        check::<product_inventory::ProductInventory>("/api/product/inventory", &bearer(), &body)?;
        check::<inventory_query::InventoryQuery>("/inventory/query", &bearer(), &body)?;
    }

    #[test]
    fn crux_elements(elements in records(CRUX)) {
        let (status, reply) = check::<crux_bulk_inventory::CruxBulkInventory>(
            "/timp/products/skus/inventory/bulk/", &format!("Token {DEMO_KEY}"), &Value::from(elements.clone()).to_string())?;
        if status == StatusCode::OK {
            // One status per element, in order.
            prop_assert_eq!(reply.as_array().unwrap().len(), elements.len());
        }
    }

    #[test]
    fn batch_stock_items(items in records(BATCH)) {
        let body = serde_json::json!({"batchStock": {"item": items}}).to_string();
        let (status, reply) = check::<batch_stock::BatchStock>("/api/batchStock?warehouse_id=104", &bearer(), &body)?;
        if status == StatusCode::OK {
            prop_assert!(reply["results"].as_array().unwrap().len() <= items.len());
        }
    }

    #[test]
    fn bulk_insert_rows(rows in records(FABRIC)) {
        check::<bulk_insert::BulkInsert>("/inventory/bulk-insert", &bearer(), &Value::from(rows).to_string())?;
    }

    #[test]
    fn wix_items(items in records(WIX), return_entity in any::<bool>()) {
        let body = serde_json::json!({"inventoryItems": items, "returnEntity": return_entity}).to_string();
        let (status, reply) = check::<wix_inventory_create::BulkCreateInventoryItems>("/stores/v3/bulk/inventory-items/create", DEMO_KEY, &body)?;
        if status == StatusCode::OK {
            prop_assert_eq!(reply["results"].as_array().unwrap().len(), items.len());
        }
    }

    #[test]
    fn product_updates(update in record(PRODUCT)) {
        check::<product_inventory::ProductInventory>("/api/product/inventory", &bearer(), &update.to_string())?;
    }

    #[test]
    fn queries(items in records(QUERY)) {
        let (status, reply) = check::<inventory_query::InventoryQuery>("/inventory/query", &bearer(), &serde_json::json!({"items": items}).to_string())?;
        if status == StatusCode::OK {
            prop_assert_eq!(reply["items"].as_array().unwrap().len(), items.len());
        }
    }
}
