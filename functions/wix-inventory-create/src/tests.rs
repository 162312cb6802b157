use inventory_admin::demo_app;
use inventory_core::http::App;
use inventory_core::lambda_http::http::StatusCode;
use inventory_core::store::memory::MemoryStore;
use inventory_core::testing::*;
use serde_json::{Value, json};

use super::BulkCreateInventoryItems;

const PATH: &str = "/stores/v3/bulk/inventory-items/create";

async fn post(app: &App<MemoryStore>, body: &str) -> (StatusCode, Value) {
    let headers = [
        ("content-type", "application/json"),
        ("authorization", DEMO_KEY),
    ];
    call::<BulkCreateInventoryItems>(app, request("POST", PATH, &headers, body)).await
}

/// The curl example of document 002, body byte for byte.
const DOCUMENTED: &str = r#"{
    "inventoryItems": [
      {
        "variantId": "590cef15-c81d-4ed7-970c-1ff879946306",
        "locationId": "d85fbb4d-e415-49b1-98bc-9d22ec338cb1",
        "productId": "babd2bcc-ea03-4b63-8053-0ec59c73fc36",
        "quantity": 105
      },
      {
        "productId": "babd2bcc-ea03-4b63-8053-0ec59c73fc36",
        "locationId": "d85fbb4d-e415-49b1-98bc-9d22ec338cb1",
        "variantId": "f27ee649-ba6b-493d-b758-75816208cf2e",
        "quantity": 110
      }
    ],
    "returnEntity": true
  }"#;

#[tokio::test]
async fn the_documented_example_creates_both_items() {
    let app = demo_app();
    let (status, body) = post(&app, DOCUMENTED).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(
        body["bulkActionMetadata"],
        json!({"totalSuccesses": 2, "totalFailures": 0, "undetailedFailures": 0})
    );
    let first = &body["results"][0];
    assert_eq!(first["itemMetadata"]["originalIndex"], 0);
    assert_eq!(first["itemMetadata"]["success"], true);
    let item = &first["item"];
    assert_eq!(item["id"], first["itemMetadata"]["id"]);
    // Ids are hyphenated lower-case GUIDs, dates RFC 3339 with milliseconds, as Wix sends.
    let id = item["id"].as_str().unwrap();
    assert_eq!(
        uuid::Uuid::parse_str(id).unwrap().hyphenated().to_string(),
        id
    );
    let created = item["createdDate"].as_str().unwrap();
    let shape = created
        .bytes()
        .map(|b| if b.is_ascii_digit() { b'0' } else { b });
    assert_eq!(
        shape.collect::<Vec<u8>>(),
        b"0000-00-00T00:00:00.000Z",
        "{created}"
    );
    assert_eq!(item["updatedDate"], created);
    assert_eq!(item["variantId"], "590cef15-c81d-4ed7-970c-1ff879946306");
    assert_eq!(item["locationId"], "d85fbb4d-e415-49b1-98bc-9d22ec338cb1");
    assert_eq!(item["productId"], "babd2bcc-ea03-4b63-8053-0ec59c73fc36");
    assert_eq!(item["quantity"], 105);
    assert_eq!(item["trackQuantity"], true);
    assert_eq!(item["availabilityStatus"], "IN_STOCK");
    assert_eq!(item["revision"], "1");
    assert_eq!(
        item["preorderInfo"],
        json!({"enabled": false, "limit": 100000, "counter": 0, "quantity": 100000})
    );
    assert_eq!(item["product"]["variantSku"], "WIX-SAMPLE-1");
    assert_eq!(item["product"]["name"], "Wix sample product");
    assert_eq!(body["results"][1]["item"]["quantity"], 110);

    // Create only: a second create fails per item and never overwrites.
    let again = DOCUMENTED.replace("105", "1");
    let (status, body) = post(&app, &again).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(body["bulkActionMetadata"]["totalFailures"], 2);
    assert_eq!(
        body["results"][0]["itemMetadata"]["error"]["code"],
        "INVENTORY_ITEM_ALREADY_EXISTS"
    );
    assert!(body["results"][0].get("item").is_none());
    assert_eq!(
        app.store.item_count(),
        2,
        "the two records' create items, and nothing from the failed creates"
    );
}

#[tokio::test]
async fn entities_only_when_asked_and_default_location_and_status_tracking() {
    let app = demo_app();
    let body = json!({"inventoryItems": [
        {"variantId": "f27ee649-ba6b-493d-b758-75816208cf2e", "productId": "babd2bcc-ea03-4b63-8053-0ec59c73fc36", "inStock": true}
    ]});
    let (status, reply) = post(&app, &body.to_string()).await;
    assert_eq!(status, StatusCode::OK, "{reply}");
    assert!(reply["results"][0].get("item").is_none());
    let body = json!({"returnEntity": true, "inventoryItems": [
        {"variantId": "590cef15-c81d-4ed7-970c-1ff879946306", "productId": "babd2bcc-ea03-4b63-8053-0ec59c73fc36", "inStock": false,
         "preorderInfo": {"enabled": true, "message": "Ships in May"}}
    ]});
    let (_, reply) = post(&app, &body.to_string()).await;
    let item = &reply["results"][0]["item"];
    assert_eq!(item["locationId"], "d85fbb4d-e415-49b1-98bc-9d22ec338cb1");
    assert_eq!(item["trackQuantity"], false);
    assert_eq!(item["inStock"], false);
    assert!(item.get("quantity").is_none());
    assert_eq!(item["availabilityStatus"], "PREORDER");
    assert_eq!(
        item["preorderInfo"],
        json!({"enabled": true, "message": "Ships in May"})
    );
}

#[tokio::test]
async fn the_documented_errors() {
    let app = demo_app();
    let wix = |variant: &str, product: &str, extra: Value| {
        let mut item = json!({"variantId": variant, "productId": product});
        item.as_object_mut()
            .unwrap()
            .extend(extra.as_object().unwrap().clone());
        json!({"inventoryItems": [item]}).to_string()
    };
    let v1 = "590cef15-c81d-4ed7-970c-1ff879946306";
    let p1 = "babd2bcc-ea03-4b63-8053-0ec59c73fc36";
    let (status, body) = post(&app, &wix(v1, p1, json!({"quantity": -1}))).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(
        body["details"]["applicationError"]["code"],
        "REQUESTED_QUANTITY_MUST_BE_NON_NEGATIVE"
    );

    let (status, body) = post(
        &app,
        &wix(
            v1,
            p1,
            json!({"inStock": true, "preorderInfo": {"enabled": true, "limit": 5}}),
        ),
    )
    .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(
        body["details"]["applicationError"]["code"],
        "PREORDER_LIMIT_NOT_SUPPORTED_FOR_UNTRACKED_INVENTORY"
    );

    let (status, body) = post(
        &app,
        &wix(
            "wix-digital-download",
            "wix-digital-product",
            json!({"quantity": 1, "preorderInfo": {"enabled": true}}),
        ),
    )
    .await;
    assert_eq!(status, StatusCode::PRECONDITION_REQUIRED);
    assert_eq!(
        body["details"]["applicationError"]["code"],
        "PRE_ORDER_VALIDATION"
    );
    assert!(body["message"].as_str().unwrap().contains("digital"));
    // Refused requests write nothing.
    let (_, body) = post(&app, &wix(v1, p1, json!({"quantity": 1}))).await;
    assert_eq!(body["bulkActionMetadata"]["totalSuccesses"], 1);
}

#[tokio::test]
async fn per_item_failures_keep_their_index() {
    let app = demo_app();
    let body = json!({"inventoryItems": [
        {"variantId": "no-such-variant", "productId": "babd2bcc-ea03-4b63-8053-0ec59c73fc36", "quantity": 1},
        {"variantId": "590cef15-c81d-4ed7-970c-1ff879946306", "productId": "zoot-suit", "quantity": 1},
        {"variantId": "590cef15-c81d-4ed7-970c-1ff879946306", "productId": "babd2bcc-ea03-4b63-8053-0ec59c73fc36", "locationId": "nowhere", "quantity": 1},
        {"variantId": "590cef15-c81d-4ed7-970c-1ff879946306", "productId": "babd2bcc-ea03-4b63-8053-0ec59c73fc36", "quantity": 1},
        {"variantId": "590cef15-c81d-4ed7-970c-1ff879946306", "productId": "babd2bcc-ea03-4b63-8053-0ec59c73fc36", "quantity": 2}
    ]});
    let (status, reply) = post(&app, &body.to_string()).await;
    assert_eq!(status, StatusCode::OK);
    let codes: Vec<Value> = reply["results"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["itemMetadata"]["error"]["code"].clone())
        .collect();
    assert_eq!(
        codes,
        [
            json!("VARIANT_NOT_FOUND"),
            json!("VARIANT_NOT_IN_PRODUCT"),
            json!("LOCATION_NOT_FOUND"),
            Value::Null,
            json!("INVENTORY_ITEM_ALREADY_EXISTS")
        ]
    );
    for (i, r) in reply["results"].as_array().unwrap().iter().enumerate() {
        assert_eq!(r["itemMetadata"]["originalIndex"], i);
    }
    assert_eq!(
        reply["bulkActionMetadata"],
        json!({"totalSuccesses": 1, "totalFailures": 4, "undetailedFailures": 0})
    );
}

#[tokio::test]
async fn malformed_requests_list_every_field_violation() {
    let app = demo_app();
    let body = json!({"inventoryItems": [
        {"productId": "p", "quantity": 1},
        {"variantId": "v", "productId": "p", "quantity": 1, "inStock": true},
        {"variantId": "v", "productId": "p"},
        {"variantId": 5, "productId": "p", "quantity": "7", "colour": "red"}
    ]});
    let (status, reply) = post(&app, &body.to_string()).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    let fields: Vec<&str> = reply["details"]["validationError"]["fieldViolations"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v["field"].as_str().unwrap())
        .collect();
    assert_eq!(
        fields,
        [
            "inventoryItems[0].variantId",
            "inventoryItems[1].inStock",
            "inventoryItems[2].quantity",
            "inventoryItems[3].variantId",
            "inventoryItems[3].quantity",
            "inventoryItems[3].colour",
        ]
    );
    for (body, field) in [
        (json!({}), "inventoryItems"),
        (json!({"inventoryItems": []}), "inventoryItems"),
        (json!({"inventoryItems": {}}), "inventoryItems"),
        (
            json!({"inventoryItems": [], "returnEntity": "yes"}),
            "returnEntity",
        ),
    ] {
        let (status, reply) = post(&app, &body.to_string()).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{body}");
        assert_eq!(
            reply["details"]["validationError"]["fieldViolations"][0]["field"], field,
            "{body}"
        );
    }
}

#[tokio::test]
async fn the_bare_key_travels_in_authorization() {
    let app = demo_app();
    let headers = [("content-type", "application/json"), ("authorization", "")];
    let (status, body) =
        call::<BulkCreateInventoryItems>(&app, request("POST", PATH, &headers, DOCUMENTED)).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    assert_eq!(body["details"], json!({}));
    let headers = [
        ("content-type", "application/json"),
        ("authorization", DEMO_READ_ONLY_KEY),
    ];
    let (status, _) =
        call::<BulkCreateInventoryItems>(&app, request("POST", PATH, &headers, DOCUMENTED)).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
}

#[tokio::test]
async fn repeated_and_unknown_keys_are_violations_at_their_path() {
    let app = demo_app();
    let body = r#"{"inventoryItems": [
        {"variantId": "590cef15-c81d-4ed7-970c-1ff879946306", "variantId": "f27ee649-ba6b-493d-b758-75816208cf2e",
         "productId": "babd2bcc-ea03-4b63-8053-0ec59c73fc36", "quantity": 1},
        {"variantId": "v", "productId": "p", "quantity": 0.99999999999999999999,
         "preorderInfo": {"enabled": true, "enabled": false, "colour": 1}}
    ], "returnEntity": true, "returnEntity": false}"#;
    // Each violation as `field: what` (its rule or description).
    let violations = |reply: &Value, what: &str| -> Vec<String> {
        let all = reply["details"]["validationError"]["fieldViolations"].as_array();
        let text = |v: &Value, key: &str| v[key].as_str().unwrap_or_default().to_owned();
        let all = all.into_iter().flatten();
        all.map(|v| format!("{}: {}", text(v, "field"), text(v, what)))
            .collect()
    };
    let (status, reply) = post(&app, body).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(
        violations(&reply, "violatedRule"),
        ["returnEntity: OTHER"],
        "request-level first"
    );
    let body = body.replace(r#", "returnEntity": false"#, "");
    let (status, reply) = post(&app, &body).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(
        violations(&reply, "description"),
        [
            "inventoryItems[0].variantId: Repeated field: variantId",
            "inventoryItems[1].quantity: quantity must be a whole number",
            "inventoryItems[1].preorderInfo.enabled: Repeated field: preorderInfo.enabled",
            "inventoryItems[1].preorderInfo.colour: Unknown field: preorderInfo.colour",
        ]
    );
    assert_eq!(app.store.record_count(), 0);
}
