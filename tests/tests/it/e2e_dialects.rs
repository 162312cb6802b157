//! Every dialect over HTTP through `cargo lambda watch`, against DynamoDB: the documented
//! examples, the documented errors, read-back across dialects, and 1,000-item batches.
//! Each test works on a private copy of the demo data (its own tenants and keys).

use futures::future::join_all;
use inventory_tests::{Api, private_demo, seed};
use serde_json::{Value, json};

/// A private demo tenant: its key suffix and the API.
async fn setup() -> (Api, String) {
    let (file, suffix) = private_demo();
    seed(&file).await;
    (Api::new(), suffix)
}

async fn read(api: &Api, suffix: &str, items: Value) -> Value {
    let reply = api
        .post(
            "/inventory/query",
            &format!("Bearer local-demo-key-{suffix}"),
            &json!({ "items": items }).to_string(),
        )
        .await;
    assert_eq!(reply.status, 200, "{}", reply.text);
    reply.body
}

/// The stored figures of one variant at one location, through the read endpoint.
async fn figures(api: &Api, suffix: &str, variant: &str, location: &str) -> Value {
    let body = read(api, suffix, json!([{ "variantId": variant }])).await;
    body["items"][0]["locations"]
        .as_array()
        .unwrap()
        .iter()
        .find(|l| l["locationId"] == location)
        .cloned()
        .unwrap_or(Value::Null)
}

mod bulk_insert {
    use super::*;

    const CONTEXT: &str = r#"{ "date": "2020-08-28T02:35:27.787Z", "channel": 12, "account": "5f493c9f30ec2a0007a94fc8", "stage": "sandbox" }"#;
    /// Document 000's two sample rows, as the JSON array they describe.
    const ROWS: &str = r#"[{"sku": "123456", "totalQuantity": 30003, "locationId": 104, "type": "Stock", "channelId": 12},
        {"itemId": "1000000213", "totalQuantity": 10000, "locationId": 104, "type": "Transit", "channelId": 12,
         "transitOrderDate": "2020-05-05", "transitStockDate": "2020-05-05", "transitRef": "WO-20000"}]"#;

    async fn post(api: &Api, suffix: &str, context: &str, body: &str) -> inventory_tests::Reply {
        let key = format!("Bearer local-demo-key-{suffix}");
        api.send(
            "POST",
            "/inventory/bulk-insert",
            &[
                ("content-type", "application/json"),
                ("authorization", &key),
                ("x-site-context", context),
            ],
            body,
        )
        .await
    }

    #[tokio::test]
    async fn documented_example_job_and_read_back() {
        let (api, suffix) = setup().await;
        let reply = post(&api, &suffix, CONTEXT, ROWS).await;
        assert_eq!(reply.status, 200, "{}", reply.text);
        let job = &reply.body;
        assert_eq!(job["messages"][1], "2 row(s) found");
        assert_eq!(job["messages"][2], "1 Inventory Item(s) found");
        assert_eq!(job["messages"][3], "Successfully saved 1 items ");
        assert_eq!(
            (
                job["totalRows"].clone(),
                job["totalItems"].clone(),
                job["totalItemsUploaded"].clone()
            ),
            (json!(2), json!(1), json!(1))
        );

        let id = job["_id"].as_str().unwrap();
        let again = api
            .send(
                "GET",
                &format!("/inventory/bulk-insert/jobs/{id}"),
                &[(
                    "authorization",
                    &format!("Bearer local-demo-read-only-{suffix}"),
                )],
                "",
            )
            .await;
        assert_eq!(again.status, 200, "{}", again.text);
        assert_eq!(&again.body, job);
        let foreign = api
            .send(
                "GET",
                &format!("/inventory/bulk-insert/jobs/{id}"),
                &[("authorization", &format!("Bearer acme-local-key-{suffix}"))],
                "",
            )
            .await;
        assert_eq!(foreign.status, 404);

        let stored = figures(&api, &suffix, "fabric-123456", "104").await;
        assert_eq!(stored["quantity"], 30003);
        assert_eq!(stored["channel"], "12");
        assert_eq!(
            stored["transit"],
            json!([{"ref": "WO-20000", "quantity": 10000, "orderDate": "2020-05-05", "stockDate": "2020-05-05"}])
        );
    }

    /// A job with more row errors than an item can list (485 KB of rows naming unknown
    /// 254-character skus) is stored in bounded form and reads back by its `_id`, counts exact.
    #[tokio::test]
    async fn a_job_with_many_row_errors_reads_back() {
        let (api, suffix) = setup().await;
        let mut rows = vec![json!({"sku": "123456", "totalQuantity": 7, "locationId": 104})];
        rows.extend((0..1600).map(|i| {
            json!({"sku": format!("{i:04}{}", "U".repeat(250)), "totalQuantity": 1, "locationId": 104})
        }));
        let body = json!(rows).to_string();
        assert!(body.len() > 480_000, "{}", body.len());
        let reply = post(&api, &suffix, CONTEXT, &body).await;
        assert_eq!(reply.status, 200, "{:.300}", reply.text);
        assert_eq!(
            (
                &reply.body["totalItemsUploaded"],
                &reply.body["totalRowsErrors"]
            ),
            (&json!(1), &json!(1600))
        );
        let id = reply.body["_id"].as_str().unwrap();
        let back = api
            .send(
                "GET",
                &format!("/inventory/bulk-insert/jobs/{id}"),
                &[("authorization", &format!("Bearer local-demo-key-{suffix}"))],
                "",
            )
            .await;
        assert_eq!(back.status, 200, "{:.300}", back.text);
        assert_eq!(back.body, reply.body, "the job reads back as answered");
        let messages = back.body["messages"].as_array().unwrap();
        let last_error = messages[messages.len() - 3].as_str().unwrap();
        assert!(
            last_error.ends_with("more row error(s) not listed"),
            "{last_error}"
        );
    }

    #[tokio::test]
    async fn documented_errors() {
        let (api, suffix) = setup().await;
        let reply = post(&api, &suffix, CONTEXT, &ROWS.replace("104", "999")).await;
        assert_eq!(reply.status, 400);
        assert_eq!(
            reply.body,
            json!({"message": "Inventory insert failed: Row 1: Cannot find \"Location Id\" 999."})
        );
        let reply = post(
            &api,
            &suffix,
            &CONTEXT.replace("5f493c9f30ec2a0007a94fc8", "acme-account-0001"),
            ROWS,
        )
        .await;
        assert_eq!(reply.status, 500);
        assert_eq!(
            reply.body,
            json!({"message": "Account not found: acme-account-0001"})
        );
        assert_eq!(
            figures(&api, &suffix, "fabric-123456", "104").await,
            Value::Null,
            "nothing written"
        );
    }
}

mod batch_stock {
    use super::*;

    const WAREHOUSE: &str = "1571945CAB99744086F9FDFC9D9332D5";

    async fn post(api: &Api, suffix: &str, query: &str, body: &str) -> inventory_tests::Reply {
        api.post(
            &format!("/api/batchStock{query}"),
            &format!("Bearer local-demo-key-{suffix}"),
            body,
        )
        .await
    }

    #[tokio::test]
    async fn documented_examples_and_errors() {
        let (api, suffix) = setup().await;
        let q = format!("?warehouse_id={WAREHOUSE}");
        let by_variant = r#"{"batchStock": {"item": [
            {"variant_id": "0A5EEDAF16F8D54486AB2AD7474B3994", "inStock": 1, "demand": 0, "supply": 0},
            {"variant_id": "1571945CAB99744086F9FDFC9D9332D5", "inStock": 12, "demand": 0, "supply": 0}]}}"#;
        let reply = post(&api, &suffix, &q, by_variant).await;
        assert_eq!(
            (reply.status, reply.body),
            (200, json!({"allPassed": true, "results": []}))
        );
        let reply = post(
            &api,
            &suffix,
            &q,
            r#"{"batchStock": {"item": [{"barcode": "5052011221399", "inStock": 1}]}}"#,
        )
        .await;
        assert_eq!(reply.body["allPassed"], true);
        let reply = post(
            &api,
            &suffix,
            &q,
            r#"{"batchStock": {"item": [{"code": "ACC001018__A", "inStock": 1}]}}"#,
        )
        .await;
        assert_eq!(reply.body["allPassed"], true);
        let failing = r#"{"batchStock": {"item": [{"barcode": "NOT A VALID BARCODE", "inStock": 12, "demand": 0, "supply": 0}]}}"#;
        let reply = post(&api, &suffix, &q, failing).await;
        assert_eq!(reply.status, 200);
        assert_eq!(
            reply.body,
            json!({"allPassed": false, "code": 12006, "error": "Some items failed to update please check results.",
                   "results": [{"barcode": "NOT A VALID BARCODE", "inStock": 12, "demand": 0, "supply": 0,
                                "success": false, "message": "Variant not found", "code": 12052}]})
        );
        let stored = figures(&api, &suffix, "1571945CAB99744086F9FDFC9D9332D5", WAREHOUSE).await;
        assert_eq!(
            (
                stored["quantity"].clone(),
                stored["demand"].clone(),
                stored["supply"].clone()
            ),
            (json!(12), json!(0), json!(0))
        );

        for (query, body, status, code) in [
            (q.as_str(), r#"{}"#, 400, 12001),
            ("", by_variant, 400, 12002),
            ("?warehouse_id=NOPE", by_variant, 404, 12003),
            (q.as_str(), r#"{"batchStock": {}}"#, 400, 12004),
        ] {
            let reply = post(&api, &suffix, query, body).await;
            assert_eq!(
                (reply.status, reply.body["code"].clone()),
                (status, json!(code)),
                "{query} {body}"
            );
        }
        let too_many = json!({"batchStock": {"item": vec![json!({"code": "ACC001018__A", "inStock": 1}); 1001]}});
        let reply = post(&api, &suffix, &q, &too_many.to_string()).await;
        assert_eq!(
            (reply.status, reply.body["error"].clone()),
            (400, json!("Call exceeds 1,000 item limit!"))
        );
    }

    #[tokio::test]
    async fn a_thousand_items_in_one_call() {
        let (api, suffix) = setup().await;
        let ids = [
            "0A5EEDAF16F8D54486AB2AD7474B3994",
            "1571945CAB99744086F9FDFC9D9332D5",
        ];
        let items: Vec<Value> = (0..1000)
            .map(|i| json!({"variant_id": ids[i % 2], "inStock": i}))
            .collect();
        let body = json!({"batchStock": {"item": items}}).to_string();
        let reply = post(&api, &suffix, &format!("?warehouse_id={WAREHOUSE}"), &body).await;
        assert_eq!(
            (reply.status, reply.body["allPassed"].clone()),
            (200, json!(true)),
            "{}",
            reply.text
        );
        // Last one wins per record, in request order.
        assert_eq!(
            figures(&api, &suffix, ids[0], WAREHOUSE).await["quantity"],
            998
        );
        assert_eq!(
            figures(&api, &suffix, ids[1], WAREHOUSE).await["quantity"],
            999
        );
    }
}

mod wix {
    use super::*;

    const PATH: &str = "/stores/v3/bulk/inventory-items/create";
    const DOCUMENTED: &str = r#"{
    "inventoryItems": [
      {"variantId": "590cef15-c81d-4ed7-970c-1ff879946306", "locationId": "d85fbb4d-e415-49b1-98bc-9d22ec338cb1",
       "productId": "babd2bcc-ea03-4b63-8053-0ec59c73fc36", "quantity": 105},
      {"productId": "babd2bcc-ea03-4b63-8053-0ec59c73fc36", "locationId": "d85fbb4d-e415-49b1-98bc-9d22ec338cb1",
       "variantId": "f27ee649-ba6b-493d-b758-75816208cf2e", "quantity": 110}
    ],
    "returnEntity": true
  }"#;

    #[tokio::test]
    async fn documented_example_then_create_only() {
        let (api, suffix) = setup().await;
        let key = format!("local-demo-key-{suffix}");
        let reply = api.post(PATH, &key, DOCUMENTED).await;
        assert_eq!(reply.status, 200, "{}", reply.text);
        assert_eq!(
            reply.body["bulkActionMetadata"],
            json!({"totalSuccesses": 2, "totalFailures": 0, "undetailedFailures": 0})
        );
        let item = &reply.body["results"][0]["item"];
        assert_eq!(
            (item["quantity"].clone(), item["availabilityStatus"].clone()),
            (json!(105), json!("IN_STOCK"))
        );
        let again = api.post(PATH, &key, &DOCUMENTED.replace("105", "7")).await;
        assert_eq!(
            again.body["results"][0]["itemMetadata"]["error"]["code"],
            "INVENTORY_ITEM_ALREADY_EXISTS"
        );
        let stored = figures(
            &api,
            &suffix,
            "590cef15-c81d-4ed7-970c-1ff879946306",
            "d85fbb4d-e415-49b1-98bc-9d22ec338cb1",
        )
        .await;
        assert_eq!(
            stored["quantity"], 105,
            "the second create never overwrites"
        );
    }

    #[tokio::test]
    async fn racing_creates_exactly_one_wins() {
        let (api, suffix) = setup().await;
        let key = format!("local-demo-key-{suffix}");
        let body = |q: i64| {
            json!({"inventoryItems": [{"variantId": "f27ee649-ba6b-493d-b758-75816208cf2e",
                "productId": "babd2bcc-ea03-4b63-8053-0ec59c73fc36", "quantity": q}]})
            .to_string()
        };
        let bodies: Vec<String> = (1..=6).map(body).collect();
        let replies = join_all(bodies.iter().map(|b| api.post(PATH, &key, b))).await;
        let wins = replies
            .iter()
            .filter(|r| r.body["bulkActionMetadata"]["totalSuccesses"] == 1)
            .count();
        assert_eq!(
            wins,
            1,
            "{:?}",
            replies.iter().map(|r| &r.text).collect::<Vec<_>>()
        );
    }

    #[tokio::test]
    async fn documented_errors() {
        let (api, suffix) = setup().await;
        let key = format!("local-demo-key-{suffix}");
        let negative = DOCUMENTED.replace("105", "-5");
        let reply = api.post(PATH, &key, &negative).await;
        assert_eq!(
            (
                reply.status,
                reply.body["details"]["applicationError"]["code"].clone()
            ),
            (400, json!("REQUESTED_QUANTITY_MUST_BE_NON_NEGATIVE"))
        );
        let untracked = r#"{"inventoryItems": [{"variantId": "590cef15-c81d-4ed7-970c-1ff879946306", "productId": "babd2bcc-ea03-4b63-8053-0ec59c73fc36", "inStock": true, "preorderInfo": {"enabled": true, "limit": 3}}]}"#;
        let reply = api.post(PATH, &key, untracked).await;
        assert_eq!(
            reply.body["details"]["applicationError"]["code"],
            "PREORDER_LIMIT_NOT_SUPPORTED_FOR_UNTRACKED_INVENTORY"
        );
        let digital = r#"{"inventoryItems": [{"variantId": "wix-digital-download", "productId": "wix-digital-product", "quantity": 1, "preorderInfo": {"enabled": true}}]}"#;
        let reply = api.post(PATH, &key, digital).await;
        assert_eq!(
            (
                reply.status,
                reply.body["details"]["applicationError"]["code"].clone()
            ),
            (428, json!("PRE_ORDER_VALIDATION"))
        );
    }
}

mod crux {
    use super::*;

    const PATH: &str = "/timp/products/skus/inventory/bulk/";
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

    fn documented_response() -> Value {
        json!([
            {"status_code": 200, "message": "success"},
            {"status_code": 200, "message": "success"},
            {"status_code": 404, "message": "No sku found with sku identifier: {'sku_id': 'NON-EXISTENT'}; Valid identifiers: sku_id, upca, ean13, gtin14, isbn"}
        ])
    }

    #[tokio::test]
    async fn the_documented_curl_with_the_documented_token() {
        // On the shared demo tenant, with the token exactly as the document prints it.
        let api = Api::new();
        let reply = api
            .send(
                "POST",
                PATH,
                &[
                    (
                        "authorization",
                        "Token 1083e3ec5c40b36fd663ba925bc8d864061463e2",
                    ),
                    ("content-type", "application/json; charset=utf-8"),
                    ("cookie", "sessionid=0go3ewc40dk7rlevmdziljl3lf3wxpid"),
                ],
                DOCUMENTED,
            )
            .await;
        assert_eq!((reply.status, reply.body), (200, documented_response()));
    }

    #[tokio::test]
    async fn documented_example_reads_back_and_a_thousand_elements() {
        let (api, suffix) = setup().await;
        let token = format!("Token 1083e3ec5c40b36fd663ba925bc8d864061463e2-{suffix}");
        let reply = api.post(PATH, &token, DOCUMENTED).await;
        assert_eq!((reply.status, reply.body), (200, documented_response()));
        let stored = figures(
            &api,
            &suffix,
            "crux-2mNh6Gvwgl7LjmZj",
            "d85fbb4d-e415-49b1-98bc-9d22ec338cb1",
        )
        .await;
        assert_eq!(
            (stored["quantity"].clone(), stored["backorder"].clone()),
            (json!(101), json!(12))
        );

        let elements: Vec<Value> = (0..1000)
            .map(|i| json!({"upca": "849632048260", "quantity_on_backorder": i}))
            .collect();
        let reply = api
            .post(PATH, &token, &Value::from(elements).to_string())
            .await;
        assert_eq!(reply.status, 200);
        assert!(
            reply
                .body
                .as_array()
                .unwrap()
                .iter()
                .all(|s| s["status_code"] == 200)
        );
        let stored = figures(
            &api,
            &suffix,
            "zoot-suit-34-d",
            "d85fbb4d-e415-49b1-98bc-9d22ec338cb1",
        )
        .await;
        assert_eq!(stored["backorder"], 999);
    }
}

#[tokio::test]
async fn a_stock_level_set_through_any_dialect_reads_back_the_same_everywhere() {
    let (api, suffix) = setup().await;
    let key = format!("local-demo-key-{suffix}");
    let default_location = "d85fbb4d-e415-49b1-98bc-9d22ec338cb1";
    // The zoot suit 34 D at the default location, field by field through four dialects.
    let r = api
        .post(
            "/api/product/inventory",
            &format!("Bearer {key}"),
            &json!({"upc": "849632048260", "store": default_location, "quantity": 40}).to_string(),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.text);
    let r = api.post("/timp/products/skus/inventory/bulk/", &format!("Token {key}"), r#"[{"gtin14": "00849632048260", "quantity_on_backorder": 6, "restrictions": "tmpunavail"}]"#).await;
    assert_eq!(r.body[0]["status_code"], 200, "{}", r.text);
    let r = api
        .post(&format!("/api/batchStock?warehouse_id={default_location}"), &format!("Bearer {key}"), r#"{"batchStock": {"item": [{"variant_id": "zoot-suit-34-d", "demand": 3, "supply": 9}]}}"#)
        .await;
    assert_eq!(r.body["allPassed"], true, "{}", r.text);
    let rows = json!([{"sku": "123456", "totalQuantity": 5, "locationId": default_location, "type": "Transit", "transitRef": "T-1"}]);
    let r = api
        .post(
            "/inventory/bulk-insert",
            &format!("Bearer {key}"),
            &rows.to_string(),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.text);

    let body = read(&api, &suffix, json!([{"upc": "849632048260"}, {"ean13": "0849632048260"}, {"sku": "ZOOT-SUIT", "size": "34", "width": "D"}])).await;
    let first = &body["items"][0]["locations"];
    for item in body["items"].as_array().unwrap() {
        assert_eq!(
            &item["locations"], first,
            "every identifier reads the same record"
        );
    }
    let record = first
        .as_array()
        .unwrap()
        .iter()
        .find(|l| l["locationId"] == default_location)
        .unwrap();
    assert_eq!(
        (
            record["quantity"].clone(),
            record["backorder"].clone(),
            record["restrictions"].clone(),
            record["demand"].clone(),
            record["supply"].clone()
        ),
        (json!(40), json!(6), json!("tmpunavail"), json!(3), json!(9))
    );
    // The revision is the newest update's time in microseconds, the same as `updatedAt`.
    let updated = record["updatedAt"].as_str().unwrap();
    let revision = record["revision"].as_u64().unwrap();
    assert_eq!(
        inventory_core::model::rfc3339(revision as i64),
        updated,
        "{record}"
    );
    // Tenant isolation: the second tenant reads its own (empty) record for the same UPC.
    let other = api
        .post(
            "/inventory/query",
            &format!("Bearer acme-local-key-{suffix}"),
            &json!({"items": [{"upc": "849632048260"}]}).to_string(),
        )
        .await;
    assert_eq!(other.body["items"][0]["variantId"], "acme-zoot-suit-34-d");
    assert_eq!(other.body["items"][0]["locations"], json!([]));
}
