use inventory_admin::demo_app;
use inventory_core::http::App;
use inventory_core::lambda_http::http::StatusCode;
use inventory_core::store::memory::MemoryStore;
use inventory_core::testing::*;
use serde_json::{Value, json};

use super::BatchStock;

const WAREHOUSE: &str = "1571945CAB99744086F9FDFC9D9332D5";

async fn post(app: &App<MemoryStore>, query: &str, body: &str) -> (StatusCode, Value) {
    let auth = format!("Bearer {DEMO_KEY}");
    let headers = [
        ("content-type", "application/json"),
        ("authorization", auth.as_str()),
    ];
    call::<BatchStock>(
        app,
        request("POST", &format!("/api/batchStock{query}"), &headers, body),
    )
    .await
}

fn query() -> String {
    format!("?warehouse_id={WAREHOUSE}")
}

#[tokio::test]
async fn the_three_documented_examples_pass() {
    let app = demo_app();
    let examples = [
        r#"{
"batchStock": {
"item": [
{
"variant_id": "0A5EEDAF16F8D54486AB2AD7474B3994",
"inStock": 1,
"demand": 0,
"supply": 0
},
{
"variant_id": "1571945CAB99744086F9FDFC9D9332D5",
"inStock": 12,
"demand": 0,
"supply": 0
}
]
}
}"#,
        r#"{
"batchStock": {
"item": [
{
"barcode": "5052011221399",
"inStock": 1
}
]
}
}"#,
        r#"{
"batchStock": {
"item": [
{
"code": "ACC001018__A",
"inStock": 1
}
]
}
}"#,
    ];
    for example in examples {
        let (status, body) = post(&app, &query(), example).await;
        assert_eq!(
            (status, body),
            (StatusCode::OK, json!({"allPassed": true, "results": []}))
        );
    }
    assert_eq!(app.store.item_count(), 4);
}

#[tokio::test]
async fn the_documented_failure_response() {
    let app = demo_app();
    let body = json!({"batchStock": {"item": [
        {"barcode": "NOT A VALID BARCODE", "inStock": 12, "demand": 0, "supply": 0},
        {"variant_id": "0A5EEDAF16F8D54486AB2AD7474B3994", "inStock": 3}
    ]}});
    let (status, reply) = post(&app, &query(), &body.to_string()).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(
        reply,
        json!({
            "allPassed": false,
            "code": 12006,
            "error": "Some items failed to update please check results.",
            "results": [{
                "barcode": "NOT A VALID BARCODE", "inStock": 12, "demand": 0, "supply": 0,
                "success": false, "message": "Variant not found", "code": 12052
            }]
        })
    );
    assert_eq!(app.store.item_count(), 1);
}

#[tokio::test]
async fn every_request_error_of_the_table() {
    let app = demo_app();
    let one = r#"{"batchStock": {"item": [{"code": "ACC001018__A", "inStock": 1}]}}"#;
    let many =
        json!({"batchStock": {"item": vec![json!({"code": "ACC001018__A", "inStock": 1}); 1001]}})
            .to_string();
    let cases = [
        (
            query(),
            r#"{"stock": {}}"#.to_owned(),
            400,
            12001,
            "Missing mandatory property, 'batchStock'",
        ),
        (
            query(),
            r#"{"batchStock": []}"#.to_owned(),
            400,
            12001,
            "Missing mandatory property, 'batchStock'",
        ),
        (
            String::new(),
            one.to_owned(),
            400,
            12002,
            "Missing query parameter warehouse_id",
        ),
        (
            "?warehouse_id=".to_owned(),
            one.to_owned(),
            400,
            12002,
            "Missing query parameter warehouse_id",
        ),
        (
            "?warehouse_id=NOPE".to_owned(),
            one.to_owned(),
            404,
            12003,
            "Warehouse not found: NOPE",
        ),
        (
            "?warehouse_id=NOPE".to_owned(),
            r#"{"batchStock": {}}"#.to_owned(),
            404,
            12003,
            "Warehouse not found: NOPE",
        ),
        (
            query(),
            r#"{"batchStock": {}}"#.to_owned(),
            400,
            12004,
            "Missing stock item collection!",
        ),
        (
            query(),
            r#"{"batchStock": {"item": []}}"#.to_owned(),
            400,
            12004,
            "Missing stock item collection!",
        ),
        (
            query(),
            r#"{"batchStock": {"item": "x"}}"#.to_owned(),
            400,
            12004,
            "Missing stock item collection!",
        ),
        (query(), many, 400, 12005, "Call exceeds 1,000 item limit!"),
    ];
    for (q, body, status, code, text) in cases {
        let (got, reply) = post(&app, &q, &body).await;
        assert_eq!(got.as_u16(), status, "{q} {body}");
        assert_eq!(
            reply,
            json!({"allPassed": false, "code": code, "error": text}),
            "{q}"
        );
    }
    let (status, reply) = post(&app, &query(), "{").await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert!(
        reply["error"].as_str().unwrap().starts_with(
            "Missing mandatory property, 'batchStock' (request body is not valid JSON"
        )
    );
    assert_eq!(app.store.item_count(), 0);
}

#[tokio::test]
async fn item_errors_echo_the_item() {
    let app = demo_app();
    let body = json!({"batchStock": {"item": [
        {"code": "ACC001018__A", "inStock": -1},
        {"code": "ACC001018__A", "inStock": 2.5},
        {"code": "ACC001018__A"},
        {"code": "ACC001018__A", "inStock": 1, "colour": "red"},
        {"inStock": 1},
        7,
    ]}});
    let (status, reply) = post(&app, &query(), &body.to_string()).await;
    assert_eq!(status, StatusCode::OK);
    let results = reply["results"].as_array().unwrap();
    let got: Vec<(u64, &str)> = results
        .iter()
        .map(|r| (r["code"].as_u64().unwrap(), r["message"].as_str().unwrap()))
        .collect();
    assert_eq!(
        got,
        [
            (12051, "Failed to save item: inStock must not be negative"),
            (12051, "Failed to save item: inStock must be a whole number"),
            (
                12051,
                "Failed to save item: Missing required field: inStock, demand or supply"
            ),
            (12051, "Failed to save item: Unknown field: colour"),
            (12052, "Variant not found: give variant_id, barcode or code"),
            (12051, "Failed to save item: item must be a JSON object"),
        ]
    );
    assert_eq!(results[3]["colour"], "red");
    assert_eq!(results[5]["item"], 7);
    assert_eq!(app.store.item_count(), 0);
}

#[tokio::test]
async fn a_single_item_object_is_a_collection_of_one_and_fields_are_partial() {
    let app = demo_app();
    let (status, reply) = post(
        &app,
        &query(),
        r#"{"batchStock": {"item": {"code": "ACC001018__A", "demand": 4}}}"#,
    )
    .await;
    assert_eq!(
        (status, reply["allPassed"].clone()),
        (StatusCode::OK, json!(true))
    );
    assert_eq!(app.store.item_count(), 1);
}

#[tokio::test]
async fn the_key_may_travel_in_x_api_key() {
    let app = demo_app();
    let headers = [
        ("content-type", "application/json"),
        ("x-api-key", DEMO_KEY),
    ];
    let body = r#"{"batchStock": {"item": [{"code": "ACC001018__A", "inStock": 1}]}}"#;
    let (status, _) = call::<BatchStock>(
        &app,
        request(
            "POST",
            &format!("/api/batchStock{}", query()),
            &headers,
            body,
        ),
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    let headers = [
        ("content-type", "application/json"),
        ("x-api-key", "wrong-key-1234"),
    ];
    let (status, reply) = call::<BatchStock>(
        &app,
        request(
            "POST",
            &format!("/api/batchStock{}", query()),
            &headers,
            body,
        ),
    )
    .await;
    assert_eq!(
        (status, reply),
        (
            StatusCode::UNAUTHORIZED,
            json!({"allPassed": false, "error": "Invalid API key"})
        )
    );
}

#[tokio::test]
async fn repeated_and_unknown_keys_are_refused_where_they_stand() {
    let app = demo_app();
    let cases = [
        // The probe of issue 20: the second collection silently won.
        (
            r#"{"batchStock":{"item":[{"variant_id":"0A5EEDAF16F8D54486AB2AD7474B3994","inStock":1}],"item":[{"variant_id":"1571945CAB99744086F9FDFC9D9332D5","inStock":1}]}}"#,
            400,
            json!({"allPassed": false, "code": 12004, "error": "Repeated property, 'batchStock.item'"}),
        ),
        (
            r#"{"batchStock":{"item":[{"code":"ACC001018__A","inStock":1}],"items":[]}}"#,
            400,
            json!({"allPassed": false, "code": 12004, "error": "Unknown property, 'batchStock.items'"}),
        ),
        (
            r#"{"batchStock":{"item":[{"code":"ACC001018__A","inStock":1}]},"warehouse_id":"104"}"#,
            400,
            json!({"allPassed": false, "code": 12001, "error": "Unknown property, 'warehouse_id'"}),
        ),
        (
            r#"{"batchStock":{"item":[{"code":"ACC001018__A","inStock":1}]},"batchStock":{}}"#,
            400,
            json!({"allPassed": false, "code": 12001, "error": "Repeated property, 'batchStock'"}),
        ),
    ];
    for (body, status, reply) in cases {
        assert_eq!(
            post(&app, &query(), body).await,
            (StatusCode::from_u16(status).unwrap(), reply),
            "{body}"
        );
    }
    // Within an item, a repeated key fails that item alone.
    let body = r#"{"batchStock":{"item":[{"code":"ACC001018__A","inStock":1,"inStock":2},{"variant_id":"0A5EEDAF16F8D54486AB2AD7474B3994","inStock":3}]}}"#;
    let (status, reply) = post(&app, &query(), body).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(
        reply["results"],
        json!([{"code": 12051, "inStock": 1, "success": false,
                "message": "Failed to save item: Repeated field: inStock"}])
    );
    assert_eq!(app.store.item_count(), 1);
}

#[tokio::test]
async fn the_warehouse_is_exactly_as_sent_and_given_once() {
    let app = demo_app();
    let one = r#"{"batchStock": {"item": [{"code": "ACC001018__A", "inStock": 1}]}}"#;
    for (q, status, code, text) in [
        (
            format!("?warehouse_id={WAREHOUSE}&warehouse_id=104"),
            400,
            12002,
            "Repeated query parameter warehouse_id: give it once".to_owned(),
        ),
        (
            format!("?warehouse_id=%20{WAREHOUSE}"),
            404,
            12003,
            format!("Warehouse not found:  {WAREHOUSE}"),
        ),
        (
            format!("?warehouse_id=%0A{WAREHOUSE}"),
            404,
            12003,
            format!("Warehouse not found: \n{WAREHOUSE}"),
        ),
        (
            format!("?warehouse_id=%E3%80%80{WAREHOUSE}"),
            404,
            12003,
            format!("Warehouse not found: \u{3000}{WAREHOUSE}"),
        ),
    ] {
        let (got, reply) = post(&app, &q, one).await;
        assert_eq!(
            (got.as_u16(), reply),
            (
                status,
                json!({"allPassed": false, "code": code, "error": text})
            ),
            "{q}"
        );
    }
    assert_eq!(app.store.item_count(), 0);
}

#[tokio::test]
async fn quantities_must_be_whole_numbers_as_written() {
    let app = demo_app();
    let body = r#"{"batchStock": {"item": [
        {"code": "ACC001018__A", "inStock": 0.99999999999999999999},
        {"code": "ACC001018__A", "demand": -1e-400},
        {"code": "ACC001018__A", "supply": 2147483647.0000000001},
        {"code": "ACC001018__A", "supply": 1e30},
        {"code": "ACC001018__A", "inStock": 5.0, "demand": 1e3}
    ]}}"#;
    let (status, reply) = post(&app, &query(), body).await;
    assert_eq!(status, StatusCode::OK);
    let messages: Vec<&str> = reply["results"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["message"].as_str().unwrap())
        .collect();
    assert_eq!(
        messages,
        [
            "Failed to save item: inStock must be a whole number",
            "Failed to save item: demand must be a whole number",
            "Failed to save item: supply must be a whole number",
            "Failed to save item: supply must be at most 2147483647",
        ]
    );
    assert_eq!(app.store.item_count(), 1, "5.0 and 1e3 are whole numbers");
}

#[tokio::test]
async fn a_failed_item_is_echoed_as_sent() {
    let app = demo_app();
    let body = r#"{"batchStock": {"item": [{"barcode": "NOT A VALID BARCODE", "inStock": 12.0, "demand": 0, "supply": 0}]}}"#;
    let auth = format!("Bearer {DEMO_KEY}");
    let req = request(
        "POST",
        &format!("/api/batchStock{}", query()),
        &[("authorization", auth.as_str())],
        body,
    );
    let response = inventory_core::http::serve::<BatchStock, _>(&app, req).await;
    let inventory_core::lambda_http::Body::Text(text) = response.body() else {
        panic!("a text body")
    };
    assert_eq!(
        text,
        r#"{"allPassed":false,"code":12006,"error":"Some items failed to update please check results.","results":[{"barcode":"NOT A VALID BARCODE","inStock":12.0,"demand":0,"supply":0,"success":false,"message":"Variant not found","code":12052}]}"#
    );
}
