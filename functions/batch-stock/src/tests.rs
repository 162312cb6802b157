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

mod quick_path {
    use super::super::{LocationRef, UpdateItem, collection, parse, quick};
    use inventory_core::testing::{field_value, request, up_to_three};
    use proptest::prelude::*;
    use serde_json::{Map, Value, json};

    fn element() -> impl Strategy<Value = Value> {
        let ids = ["variant_id", "barcode", "code"];
        let quantities = ["inStock", "demand", "supply"];
        let id = field_value(
            prop_oneof![
                "[A-Z0-9_]{1,5}".prop_map(Value::from),
                (0i64..99).prop_map(Value::from)
            ]
            .boxed(),
        );
        let quantity = field_value((0i64..40).prop_map(Value::from).boxed());
        let fields = (
            up_to_three(
                (0..ids.len(), id),
                prop_oneof![1 => Just(0), 6 => Just(1), 2 => Just(2)],
            ),
            up_to_three(
                (0..quantities.len(), quantity),
                prop_oneof![1 => Just(0), 6 => 1..4usize],
            ),
            proptest::option::weighted(0.1, Just("colour")),
        );
        prop_oneof![
            12 => fields.prop_map(move |(i, q, extra)| {
                let mut object = Map::new();
                object.extend(i.into_iter().map(|(k, v)| (ids[k].to_owned(), v)));
                object.extend(q.into_iter().map(|(k, v)| (quantities[k].to_owned(), v)));
                object.extend(extra.map(|k| (k.to_owned(), json!("red"))));
                Value::Object(object)
            }),
            1 => Just(json!(7)),
        ]
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(1024))]
        /// The quick path takes exactly the requests whose every item the general path
        /// accepts (an array of them, without repeated keys), and reads them the same.
        #[test]
        fn quick_and_general_paths_agree(elements in proptest::collection::vec(element(), 0..4)) {
            let body = json!({"batchStock": {"item": elements}, "other": 1});
            let req = request("POST", "/api/batchStock", &[], &body.to_string());
            let location = LocationRef::Id("W".into());
            let general: Option<Vec<UpdateItem>> = collection(&body["batchStock"])
                .ok()
                .and_then(|items| items.iter().map(|i| parse(i, &location).ok()).collect());
            let quick: Option<Vec<UpdateItem>> = quick::items(&req).map(|items| {
                items
                    .into_iter()
                    .map(|(identifier, update)| UpdateItem { identifier, location: location.clone(), update })
                    .collect()
            });
            prop_assert_eq!(quick, general);
        }
    }

    #[test]
    fn repeated_keys_and_single_objects_go_the_general_way() {
        for body in [
            r#"{"batchStock": {"item": [{"code": "A", "inStock": 1, "inStock": 2}]}}"#,
            r#"{"batchStock": {"item": {"code": "A", "inStock": 1}}}"#,
            r#"{"batchStock": {"item": [{"code": "A", "inStock": 1}]}, "batchStock": {}}"#,
        ] {
            assert!(
                quick::items(&request("POST", "/", &[], body)).is_none(),
                "{body}"
            );
        }
        let escaped = r#"{"batchStock": {"item": [{"code": "A\u0042", "inStock": 1.0}]}}"#;
        let (identifier, update) = quick::items(&request("POST", "/", &[], escaped))
            .unwrap()
            .remove(0);
        assert_eq!(
            identifier,
            inventory_core::identifiers::Identifier::Code("AB".into())
        );
        assert_eq!(update.on_hand, Some(1));
    }
}
