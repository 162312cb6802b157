use inventory_admin::demo_app;
use inventory_core::http::App;
use inventory_core::lambda_http::http::StatusCode;
use inventory_core::store::memory::MemoryStore;
use inventory_core::testing::*;
use serde_json::{Value, json};

use super::InventoryQuery;

async fn query(app: &App<MemoryStore>, key: &str, body: &Value) -> (StatusCode, Value) {
    let auth = format!("Bearer {key}");
    let headers = [
        ("content-type", "application/json"),
        ("authorization", auth.as_str()),
    ];
    call::<InventoryQuery>(
        app,
        request("POST", "/inventory/query", &headers, &body.to_string()),
    )
    .await
}

/// Writes through the Crux and batchStock dialects' core path: the same service calls.
async fn write(app: &App<MemoryStore>) {
    use inventory_core::identifiers::Identifier;
    use inventory_core::model::{StockUpdate, TenantId};
    use inventory_core::resolve::LocationRef;
    use inventory_core::service::{self, UpdateItem};
    use inventory_core::store::Deadline;
    let tenant = TenantId::parse("demo").unwrap();
    let deadline = Deadline::after(std::time::Duration::from_secs(5));
    let items = vec![
        UpdateItem {
            identifier: Identifier::VariantId("zoot-suit-34-d".into()),
            location: LocationRef::Id("3".into()),
            update: StockUpdate {
                on_hand: Some(12),
                ..Default::default()
            },
        },
        UpdateItem {
            identifier: Identifier::VariantId("zoot-suit-34-d".into()),
            location: LocationRef::Id("104".into()),
            update: StockUpdate {
                backorder: Some(4),
                ..Default::default()
            },
        },
    ];
    let plan = service::plan(&app.store, &tenant, items, |_| {}, deadline)
        .await
        .unwrap();
    service::commit(&app.store, &tenant, plan.items, deadline).await;
}

#[tokio::test]
async fn every_identifier_scheme_reads_the_same_record() {
    let app = demo_app();
    write(&app).await;
    let body = json!({"items": [
        {"upc": "849632048260"},
        {"ean13": "0849632048260"},
        {"gtin14": "00849632048260"},
        {"sku": "ZOOT-SUIT", "size": "34", "width": "D"},
        {"variantId": "zoot-suit-34-d"},
        {"variant_id": "zoot-suit-34-d"},
        {"sku": "ZOOT-SUIT"},
        {"sku_id": "nope"},
        {"upca": "849632048261"}
    ], "locationIds": ["3"]});
    let (status, reply) = query(&app, DEMO_READ_ONLY_KEY, &body).await;
    assert_eq!(status, StatusCode::OK, "{reply}");
    let items = reply["items"].as_array().unwrap();
    for item in &items[..6] {
        assert_eq!(item["found"], true, "{item}");
        assert_eq!(item["variantId"], "zoot-suit-34-d");
        let locations = item["locations"].as_array().unwrap();
        assert_eq!(locations.len(), 1, "only the location asked for");
        assert_eq!(locations[0]["locationId"], "3");
        assert_eq!(locations[0]["quantity"], 12);
        assert_eq!(locations[0]["backorder"], Value::Null);
        // The revision is the time of the newest update, in microseconds: it only grows.
        assert!(locations[0]["revision"].as_u64().unwrap() > 1_600_000_000_000_000);
    }
    assert_eq!(items[0]["request"], json!({"upc": "849632048260"}));
    assert_eq!(items[6]["found"], false);
    assert!(items[6]["error"].as_str().unwrap().starts_with("Ambiguous"));
    assert_eq!(items[7]["error"], "No variant found");
    assert!(items[8]["error"].as_str().unwrap().contains("check digit"));
}

#[tokio::test]
async fn all_locations_when_none_are_named() {
    let app = demo_app();
    write(&app).await;
    let (status, reply) = query(
        &app,
        DEMO_KEY,
        &json!({"items": [{"variantId": "zoot-suit-34-d"}, {"code": "ACC001018__A"}]}),
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    let locations = reply["items"][0]["locations"].as_array().unwrap();
    let ids: Vec<&str> = locations
        .iter()
        .map(|l| l["locationId"].as_str().unwrap())
        .collect();
    assert_eq!(ids, ["104", "3"]);
    assert_eq!(locations[0]["backorder"], 4);
    assert_eq!(reply["items"][1]["found"], true);
    assert_eq!(reply["items"][1]["locations"], json!([]));
}

#[tokio::test]
async fn bad_queries_are_400s_and_writers_cannot_read() {
    let app = demo_app();
    let cases = [
        (json!({}), "Missing required field: items"),
        (json!({"items": []}), "items must not be empty"),
        (json!({"items": {}}), "items must be a JSON array"),
        (
            json!({"items": [{}]}),
            "items[0].identifier must be exactly one of",
        ),
        (
            json!({"items": [{"upc": "1", "sku": "2"}]}),
            "items[0].identifier must be exactly one of",
        ),
        (
            json!({"items": [{"sku": "A", "size": "1"}]}),
            "Missing required field: items[0].width",
        ),
        (
            json!({"items": [{"upc": "849632048260", "size": "1", "width": "D"}]}),
            "items[0].size and width go with sku only",
        ),
        (
            json!({"items": [{"upc": "849632048260", "colour": "red"}]}),
            "Unknown field: items[0].colour",
        ),
        (
            json!({"items": vec![json!({"upc": "849632048260"}); 101]}),
            "items must hold at most 100 items",
        ),
        (
            json!({"items": [{"upc": "849632048260"}], "locationIds": "3"}),
            "locationIds must be a JSON array",
        ),
    ];
    for (body, message) in cases {
        let (status, reply) = query(&app, DEMO_KEY, &body).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{body}");
        let text = reply["error"].as_str().unwrap();
        assert!(
            text.starts_with(message) || text.contains(message),
            "{body}: {text}"
        );
    }
    let (status, reply) = query(
        &app,
        DEMO_KEY,
        &json!({"items": [{"upc": "849632048260"}], "locationIds": ["999"]}),
    )
    .await;
    assert_eq!(
        (status, reply),
        (
            StatusCode::NOT_FOUND,
            json!({"error": "Location not found: 999"})
        )
    );
    let (status, _) = query(
        &app,
        DEMO_WRITE_ONLY_KEY,
        &json!({"items": [{"upc": "849632048260"}]}),
    )
    .await;
    assert_eq!(status, StatusCode::FORBIDDEN);
}

#[tokio::test]
async fn another_tenant_sees_only_its_own_stock() {
    let app = demo_app();
    write(&app).await;
    let (status, reply) = query(
        &app,
        OTHER_TENANT_KEY,
        &json!({"items": [{"upc": "849632048260"}, {"variantId": "zoot-suit-34-d"}]}),
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(reply["items"][0]["variantId"], "acme-zoot-suit-34-d");
    assert_eq!(reply["items"][0]["locations"], json!([]));
    assert_eq!(reply["items"][1]["found"], false);
}
