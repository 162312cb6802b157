use inventory_core::http::App;
use inventory_core::lambda_http::http::StatusCode;
use inventory_core::store::memory::MemoryStore;
use inventory_core::testing::*;
use serde_json::{Value, json};

use super::CruxBulkInventory;

const PATH: &str = "/timp/products/skus/inventory/bulk/";

async fn post(app: &App<MemoryStore>, auth: Option<&str>, body: &str) -> (StatusCode, Value) {
    let mut headers = vec![("content-type", "application/json; charset=utf-8")];
    if let Some(auth) = auth {
        headers.push(("authorization", auth));
    }
    call::<CruxBulkInventory>(app, request("POST", PATH, &headers, body)).await
}

fn token() -> String {
    format!("Token {CRUX_DOCUMENT_KEY}")
}

/// The request of document 003, byte for byte.
const DOCUMENTED: &str = r#"[
    {
      "sku_id": "xkuOwSQ3utl",
      "quantity_in_stock": 512
    },
    {
      "sku_id": "2mNh6Gvwgl7LjmZj",
      "quantity_in_stock": 101,
      "quantity_on_backorder": 12
    },
    {
      "sku_id": "NON-EXISTENT",
      "quantity_in_stock": 13
    }
  ]"#;

#[tokio::test]
async fn the_documented_request_gets_the_documented_response() {
    let app = demo_app();
    let (status, body) = post(&app, Some(&token()), DOCUMENTED).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(
        body,
        json!([
            {"status_code": 200, "message": "success"},
            {"status_code": 200, "message": "success"},
            {"status_code": 404, "message": "No sku found with sku identifier: {'sku_id': 'NON-EXISTENT'}; Valid identifiers: sku_id, upca, ean13, gtin14, isbn"}
        ])
    );
    assert_eq!(app.store.item_count(), 2);
}

#[tokio::test]
async fn every_gtin_identifier_works_and_typos_are_400s() {
    let app = demo_app();
    let body = json!([
        {"upca": "849632048260", "quantity_in_stock": 1},
        {"ean13": "0849632048260", "quantity_on_backorder": 2},
        {"gtin14": "00849632048260", "restrictions": "tmpunavail"},
        {"isbn": "0-306-40615-2", "quantity_in_stock": 3},
        {"upca": "849632048261", "quantity_in_stock": 1},
        {"upca": 12345, "quantity_in_stock": 1},
        {"sku_id": "ZOOT-SUIT", "quantity_in_stock": 1},
        {"ean13": "0849632048269", "quantity_in_stock": 1}
    ]);
    let (status, body) = post(&app, Some(&token()), &body.to_string()).await;
    assert_eq!(status, StatusCode::OK);
    let codes: Vec<u64> = body
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["status_code"].as_u64().unwrap())
        .collect();
    assert_eq!(codes, [200, 200, 200, 200, 400, 400, 400, 400], "{body}");
    assert_eq!(
        body[4]["message"],
        "Invalid sku identifier: {'upca': '849632048261'}: has check digit 1, but the check digit for these digits is 0"
    );
    assert_eq!(
        body[5]["message"],
        "Invalid sku identifier: {'upca': 12345}: must be 12 (UPC-A), 8 (UPC-E), 13 or 14, not 5 digits long"
    );
    assert!(
        body[6]["message"]
            .as_str()
            .unwrap()
            .starts_with("Multiple skus found with sku identifier: {'sku_id': 'ZOOT-SUIT'}")
    );
}

#[tokio::test]
async fn element_errors_are_per_element_and_never_written() {
    let app = demo_app();
    let body = json!([
        {"sku_id": "xkuOwSQ3utl", "restrictions": "discontinued"},
        {"sku_id": "xkuOwSQ3utl", "quantity_in_stock": -1},
        {"sku_id": "xkuOwSQ3utl", "quantity_in_stock": 1.5},
        {"sku_id": "xkuOwSQ3utl", "quantity_in_stok": 1},
        {"quantity_in_stock": 1},
        {"sku_id": "xkuOwSQ3utl", "upca": "849632048260", "quantity_in_stock": 1},
        {"sku_id": "xkuOwSQ3utl"},
        "xkuOwSQ3utl",
        {"sku_id": "it's", "quantity_in_stock": 1}
    ]);
    let (status, body) = post(&app, Some(&token()), &body.to_string()).await;
    assert_eq!(status, StatusCode::OK);
    let messages: Vec<(u64, &str)> = body
        .as_array()
        .unwrap()
        .iter()
        .map(|s| {
            (
                s["status_code"].as_u64().unwrap(),
                s["message"].as_str().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        messages,
        [
            (
                400,
                "restrictions: \"discontinued\" is not a valid choice; valid choices: discontd, tmpunavail"
            ),
            (
                400,
                "quantity_in_stock: Ensure this value is greater than or equal to 0."
            ),
            (400, "quantity_in_stock: A valid integer is required."),
            (
                400,
                "Unknown field: quantity_in_stok; valid fields: quantity_in_stock, quantity_on_backorder, restrictions"
            ),
            (
                400,
                "No sku identifier given; Valid identifiers: sku_id, upca, ean13, gtin14, isbn"
            ),
            (
                400,
                "Give exactly one sku identifier, not sku_id and upca; Valid identifiers: sku_id, upca, ean13, gtin14, isbn"
            ),
            (
                400,
                "No inventory fields given; valid fields: quantity_in_stock, quantity_on_backorder, restrictions"
            ),
            (400, "Invalid data. Expected a dictionary, but got str."),
            (
                404,
                "No sku found with sku identifier: {'sku_id': \"it's\"}; Valid identifiers: sku_id, upca, ean13, gtin14, isbn"
            ),
        ]
    );
    assert_eq!(app.store.item_count(), 0);
}

#[tokio::test]
async fn request_level_errors_speak_drf() {
    let app = demo_app();
    for (body, detail) in [
        (
            "{",
            "JSON parse error - EOF while parsing an object at line 1 column 1",
        ),
        ("{}", "Expected a list of items but got type \"dict\"."),
        ("[]", "This list may not be empty."),
        ("", "Expected a list of items but got type \"NoneType\"."),
    ] {
        let (status, reply) = post(&app, Some(&token()), body).await;
        assert_eq!(
            (status, reply),
            (StatusCode::BAD_REQUEST, json!({"detail": detail})),
            "{body}"
        );
    }
    let many = json!(vec![json!({"sku_id": "x", "quantity_in_stock": 1}); 1001]).to_string();
    let (status, reply) = post(&app, Some(&token()), &many).await;
    assert_eq!(
        (status, reply),
        (
            StatusCode::BAD_REQUEST,
            json!({"detail": "Ensure this field has no more than 1000 elements."})
        )
    );

    let (status, reply) = post(&app, None, DOCUMENTED).await;
    assert_eq!(
        (status, reply),
        (
            StatusCode::UNAUTHORIZED,
            json!({"detail": "Authentication credentials were not provided."})
        )
    );
    let (status, reply) = post(&app, Some("Token wrong-token-123"), DOCUMENTED).await;
    assert_eq!(
        (status, reply),
        (
            StatusCode::UNAUTHORIZED,
            json!({"detail": "Invalid token."})
        )
    );
    let (status, _) = post(
        &app,
        Some(&format!("Bearer {CRUX_DOCUMENT_KEY}")),
        DOCUMENTED,
    )
    .await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    let (status, reply) = post(
        &app,
        Some(&format!("Token {DEMO_READ_ONLY_KEY}")),
        DOCUMENTED,
    )
    .await;
    assert_eq!(
        (status, reply),
        (
            StatusCode::FORBIDDEN,
            json!({"detail": "You do not have permission to perform this action."})
        )
    );
    assert_eq!(app.store.item_count(), 0);
}

#[tokio::test]
async fn a_thousand_elements_in_one_call() {
    let app = demo_app();
    let body: Vec<Value> = (0..1000)
        .map(|i| json!({"sku_id": if i % 2 == 0 { "xkuOwSQ3utl" } else { "2mNh6Gvwgl7LjmZj" }, "quantity_in_stock": i}))
        .collect();
    let (status, reply) = post(&app, Some(&token()), &Value::from(body).to_string()).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(reply.as_array().unwrap().len(), 1000);
    assert!(
        reply
            .as_array()
            .unwrap()
            .iter()
            .all(|s| s["status_code"] == 200)
    );
    // Duplicates collapse to one write per record.
    assert_eq!(app.store.item_count(), 2);
}

#[tokio::test]
async fn nothing_stored_because_of_the_store_is_a_503() {
    let app = demo_app();
    app.store
        .fail_writes(Some(inventory_core::store::WriteFailure::Unavailable));
    let (status, reply) = post(&app, Some(&token()), DOCUMENTED).await;
    assert_eq!(
        (status, reply),
        (
            StatusCode::SERVICE_UNAVAILABLE,
            json!({"detail": "Service temporarily unavailable, please retry"})
        )
    );
}

mod quick_path {
    use super::super::{UpdateItem, parse, quick};
    use inventory_core::testing::{field_value, request, up_to_three};
    use proptest::prelude::*;
    use serde_json::{Map, Value, json};

    fn element() -> impl Strategy<Value = Value> {
        let ids = ["sku_id", "upca", "ean13", "gtin14", "isbn"];
        let quantities = ["quantity_in_stock", "quantity_on_backorder"];
        let id = field_value(
            prop_oneof![
                "[A-Z0-9_]{1,5}".prop_map(Value::from),
                "[0-9]{12,13}".prop_map(Value::from),
                (0i64..99).prop_map(Value::from)
            ]
            .boxed(),
        );
        let quantity = field_value((0i64..40).prop_map(Value::from).boxed());
        let extra = field_value(
            prop_oneof![
                Just(json!("discontd")),
                Just(json!("tmpunavail")),
                Just(json!(""))
            ]
            .boxed(),
        );
        let fields = (
            up_to_three(
                (0..ids.len(), id),
                prop_oneof![1 => Just(0), 6 => Just(1), 1 => Just(2)],
            ),
            proptest::collection::vec((0..quantities.len(), quantity), 0..3),
            proptest::option::weighted(
                0.3,
                (
                    prop_oneof![3 => Just("restrictions"), 1 => Just("colour")],
                    extra,
                ),
            ),
        );
        prop_oneof![
            12 => fields.prop_map(move |(i, q, extra)| {
                let mut object = Map::new();
                object.extend(i.into_iter().map(|(k, v)| (ids[k].to_owned(), v)));
                object.extend(q.into_iter().map(|(k, v)| (quantities[k].to_owned(), v)));
                object.extend(extra.map(|(k, v)| (k.to_owned(), v)));
                Value::Object(object)
            }),
            1 => Just(json!(7)),
        ]
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(1024))]
        /// The quick path takes exactly the requests whose every element the general path
        /// accepts (without repeated keys), and reads them the same.
        #[test]
        fn quick_and_general_paths_agree(elements in proptest::collection::vec(element(), 0..4)) {
            let body = Value::from(elements.clone());
            let req = request("POST", "/timp/products/skus/inventory/bulk/", &[], &body.to_string());
            let general: Option<Vec<UpdateItem>> = (!elements.is_empty())
                .then(|| elements.iter().map(|e| parse(e).ok()).collect())
                .flatten();
            prop_assert_eq!(quick::items(&req), general);
        }
    }

    #[test]
    fn repeated_keys_and_other_shapes_go_the_general_way() {
        for body in [
            r#"[{"sku_id": "A", "quantity_in_stock": 1, "quantity_in_stock": 2}]"#,
            r#"{"sku_id": "A", "quantity_in_stock": 1}"#,
            r#"[]"#,
            "",
        ] {
            assert!(
                quick::items(&request("POST", "/", &[], body)).is_none(),
                "{body}"
            );
        }
    }
}
