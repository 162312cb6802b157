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

mod quick_path {
    use super::super::{parse, quick};
    use inventory_core::testing::{field_value, request};
    use proptest::prelude::*;
    use serde_json::{Value, json};

    /// Mostly a value from `good`; now and then one of `field_value`'s refused ones, or a
    /// string with a control character, which both identifiers and free text refuse.
    fn mostly(good: BoxedStrategy<Value>) -> impl Strategy<Value = Value> {
        prop_oneof![
            8 => good.clone(),
            1 => field_value(good),
            1 => "[a-z]{0,2}\u{7}".prop_map(Value::from),
        ]
    }

    /// `name` with a value from `value`, present with the given probability.
    fn field(
        name: &'static str,
        probability: f64,
        value: impl Strategy<Value = Value>,
    ) -> impl Strategy<Value = Option<(String, Value)>> {
        proptest::option::weighted(probability, value.prop_map(move |v| (name.to_owned(), v)))
    }

    /// `name`, always present, with a value from `value`.
    fn always(
        name: &'static str,
        value: impl Strategy<Value = Value>,
    ) -> impl Strategy<Value = Option<(String, Value)>> {
        value.prop_map(move |v| Some((name.to_owned(), v)))
    }

    fn preorder() -> impl Strategy<Value = Value> {
        let fields = (
            field("enabled", 0.7, any::<bool>().prop_map(Value::from)),
            field(
                "message",
                0.4,
                mostly("[a-z ]{0,4}".prop_map(Value::from).boxed()),
            ),
            field(
                "limit",
                0.4,
                mostly((0i64..9).prop_map(Value::from).boxed()),
            ),
            field("x", 0.15, Just(json!(1))),
        );
        prop_oneof![
            8 => fields.prop_map(|(a, b, c, d)| Value::Object([a, b, c, d].into_iter().flatten().collect())),
            1 => Just(json!("on")),
        ]
    }

    fn element() -> impl Strategy<Value = Value> {
        let id = || {
            mostly(
                prop_oneof![9 => "[A-Z0-9]{1,4}".prop_map(Value::from), 1 => (0i64..9).prop_map(Value::from)]
                    .boxed(),
            )
        };
        let quantity = || mostly((-2i64..40).prop_map(Value::from).boxed());
        let in_stock =
            || prop_oneof![6 => any::<bool>().prop_map(Value::from), 1 => Just(json!(1))];
        let extended = prop_oneof![Just(json!({"a": [1]})), Just(json!(3)), Just(Value::Null)];
        let fields = (
            (
                field("variantId", 0.95, id()),
                field("productId", 0.95, id()),
                field("locationId", 0.3, id()),
            ),
            // Mostly exactly one of the two.
            prop_oneof![
                5 => (always("quantity", quantity()), Just(None)),
                3 => (Just(None), always("inStock", in_stock())),
                1 => (always("quantity", quantity()), always("inStock", in_stock())),
                1 => Just((None, None)),
            ],
            (
                field("preorderInfo", 0.3, preorder()),
                field("extendedFields", 0.1, extended),
                field("colour", 0.08, Just(json!("red"))),
            ),
        );
        prop_oneof![
            12 => fields.prop_map(|((a, b, c), (d, e), (f, g, h))| {
                Value::Object([a, b, c, d, e, f, g, h].into_iter().flatten().collect())
            }),
            1 => Just(json!(7)),
        ]
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(1024))]
        /// The quick path takes exactly the requests the general path accepts (without
        /// repeated keys), and reads them the same.
        #[test]
        fn quick_and_general_paths_agree(
            elements in prop_oneof![9 => proptest::collection::vec(element(), 1..4), 1 => Just(vec![])],
            return_entity in prop_oneof![
                3 => Just(None),
                3 => any::<bool>().prop_map(|b| Some(json!(b))),
                1 => Just(Some(json!(1))),
            ],
        ) {
            let mut body = json!({"inventoryItems": elements});
            if let Some(r) = return_entity {
                body["returnEntity"] = r;
            }
            let req = request("POST", super::PATH, &[], &body.to_string());
            prop_assert_eq!(quick::request(&req), parse(&body).ok());
        }
    }

    #[test]
    fn repeated_keys_and_other_shapes_go_the_general_way() {
        for body in [
            r#"{"inventoryItems": [{"variantId": "V", "productId": "P", "quantity": 1, "quantity": 2}]}"#,
            r#"{"inventoryItems": {"variantId": "V", "productId": "P", "quantity": 1}}"#,
            r#"{"inventoryItems": [{"variantId": "V", "productId": "P", "quantity": -1}]}"#,
            r#"{"inventoryItems": [{"variantId": "V", "productId": "P", "inStock": true, "preorderInfo": {"limit": 3}}]}"#,
            r#"{"inventoryItems": [], "returnEntity": true}"#,
        ] {
            assert!(
                quick::request(&request("POST", "/", &[], body)).is_none(),
                "{body}"
            );
        }
        let escaped =
            r#"{"inventoryItems": [{"variantId": "V\u0031", "productId": "P", "quantity": 2.0}]}"#;
        let read = quick::request(&request("POST", "/", &[], escaped)).unwrap();
        assert_eq!(read.items[0].variant_id, "V1");
        assert_eq!(read.items[0].update.on_hand, Some(2));
    }
}

/// The response is written by hand; its types' derived `Serialize` is the reference.
mod rendering {
    use super::super::{
        BulkActionMetadata, BulkResponse, Entity, EntityPreorder, ItemMetadata, ItemResult,
        ProductSummary,
    };
    use inventory_core::catalog::Variant;
    use inventory_core::model::{Availability, Rfc3339};
    use proptest::option::of;
    use proptest::prelude::*;
    use serde_json::json;
    use std::sync::Arc;
    use uuid::Uuid;

    /// Text of any kind, often with what JSON must escape.
    fn text() -> impl Strategy<Value = String> {
        prop_oneof!["\\PC{0,12}", "[a\"\\\\\u{1}\u{1f}\n\u{7f}é😀]{0,8}"]
    }

    fn product() -> impl Strategy<Value = ProductSummary> {
        (of(text()), of(text()), of(text()), any::<bool>()).prop_map(
            |(name, variant_name, sku, visible)| {
                ProductSummary(Arc::new(Variant {
                    name,
                    variant_name,
                    sku,
                    visible,
                    ..Variant::default()
                }))
            },
        )
    }

    fn preorder() -> impl Strategy<Value = EntityPreorder> {
        (
            any::<bool>(),
            of(text()),
            of(any::<i64>()),
            of(any::<i64>()),
            of(any::<i64>()),
        )
            .prop_map(
                |(enabled, message, limit, counter, quantity)| EntityPreorder {
                    enabled,
                    message,
                    limit,
                    counter,
                    quantity,
                },
            )
    }

    fn entity() -> impl Strategy<Value = Entity> {
        let availability = prop_oneof![
            Just(Availability::InStock),
            Just(Availability::OutOfStock),
            Just(Availability::Preorder),
        ];
        (
            (any::<u128>(), text(), any::<i64>(), any::<i64>()),
            (text(), text(), text()),
            (
                of(any::<i64>()),
                of(any::<bool>()),
                any::<bool>(),
                availability,
            ),
            preorder(),
            product(),
        )
            .prop_map(
                |(
                    (id, revision, created, updated),
                    (variant_id, location_id, product_id),
                    (quantity, in_stock, track_quantity, availability_status),
                    preorder_info,
                    product,
                )| Entity {
                    id: Uuid::from_u128(id),
                    revision,
                    created_date: Rfc3339(created),
                    updated_date: Rfc3339(updated),
                    variant_id,
                    location_id,
                    product_id,
                    quantity,
                    in_stock,
                    track_quantity,
                    availability_status,
                    preorder_info,
                    product,
                },
            )
    }

    fn result() -> impl Strategy<Value = ItemResult> {
        let error = (text(), text()).prop_map(
            |(code, description)| json!({ "code": code, "description": description, "data": {} }),
        );
        (
            of(any::<u128>().prop_map(Uuid::from_u128)),
            any::<usize>(),
            any::<bool>(),
            of(error),
            of(entity()),
        )
            .prop_map(|(id, original_index, success, error, item)| ItemResult {
                item_metadata: ItemMetadata {
                    id,
                    original_index,
                    success,
                    error,
                },
                item,
            })
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(512))]
        /// Whatever the results hold, the hand-written body is serde_json's, byte for byte.
        #[test]
        fn the_response_is_written_as_serde_writes_it(
            results in proptest::collection::vec(result(), 0..4),
            totals in (any::<usize>(), any::<usize>(), any::<usize>()),
            capacity in 0usize..256,
        ) {
            let response = BulkResponse {
                results,
                bulk_action_metadata: BulkActionMetadata {
                    total_successes: totals.0,
                    total_failures: totals.1,
                    undetailed_failures: totals.2,
                },
            };
            let written = String::from_utf8(response.to_json(capacity).unwrap()).unwrap();
            prop_assert_eq!(written, serde_json::to_string(&response).unwrap());
        }
    }
}
