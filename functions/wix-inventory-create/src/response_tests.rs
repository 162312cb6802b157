//! The response is written by hand; its types' derived `Serialize` is the reference.

use super::*;
use proptest::option::of;
use proptest::prelude::*;

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
            capacity,
        };
        let written = String::from_utf8(response.to_json().unwrap()).unwrap();
        prop_assert_eq!(written, serde_json::to_string(&response).unwrap());
    }
}
