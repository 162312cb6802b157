//! Response bodies as compact JSON.
//!
//! Written by sonic-rs, a serde serializer like serde_json's that checks strings for what
//! needs escaping 16 or 32 bytes at a time (NEON on arm64, SSE2 or AVX2 on x86_64), where
//! serde_json looks up every byte in a table. Field names are escaped too, so a large
//! response spent much of its CPU there: a Wix result with its entity is about 690 bytes, and
//! serde_json's escaping was a quarter of that endpoint's instructions. The bytes written are
//! serde_json's; the tests below hold the two to that.

use serde::Serialize;

pub use sonic_rs::Error;

/// `body` as compact JSON, in a buffer of `capacity` bytes to start with: size it for the
/// whole response and it is written without being copied as it grows.
pub fn to_json(body: &(impl Serialize + ?Sized), capacity: usize) -> Result<Vec<u8>, Error> {
    let mut buffer = Vec::with_capacity(capacity);
    sonic_rs::to_writer(&mut buffer, body)?;
    Ok(buffer)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use serde_json::{Value, json};
    use uuid::Uuid;

    fn scalar() -> impl Strategy<Value = Value> {
        prop_oneof![
            Just(Value::Null),
            any::<bool>().prop_map(Value::Bool),
            any::<i64>().prop_map(Value::from),
            any::<u64>().prop_map(Value::from),
            any::<f64>().prop_map(|f| json!(f)),
            (-1e6f64..1e6).prop_map(|f| json!(f)),
            prop_oneof![Just(1e21), Just(1e-7), Just(0.1), Just(-0.0), Just(5e-324)]
                .prop_map(|f| json!(f)),
            // Any text, and text dense in what JSON must escape, at lengths around the
            // 16- and 32-byte strides the escaper works in.
            "\\PC{0,70}".prop_map(Value::from),
            "[a\u{0}\u{1f}\u{7f}\u{80}\n\r\t\u{8}\u{c}\u{2028}\u{200b}é😀<>&/\"\\\\]{0,70}"
                .prop_map(Value::from),
            any::<String>().prop_map(Value::from),
        ]
    }

    fn value() -> impl Strategy<Value = Value> {
        scalar().prop_recursive(3, 24, 6, |inner| {
            prop_oneof![
                prop::collection::vec(inner.clone(), 0..6).prop_map(Value::Array),
                prop::collection::btree_map("\\PC{0,12}|[\"\\\\\n]{1,3}", inner, 0..6)
                    .prop_map(|m| Value::Object(m.into_iter().collect())),
            ]
        })
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(2048))]
        /// Whatever a response holds, it is written byte for byte as serde_json writes it.
        #[test]
        fn writes_what_serde_json_writes(value in value(), capacity in 0usize..64) {
            let ours = to_json(&value, capacity).unwrap();
            prop_assert_eq!(
                String::from_utf8(ours).unwrap(),
                serde_json::to_string(&value).unwrap()
            );
        }
    }

    /// The shapes the typed responses use beyond `Value`'s: derived structs with renamed and
    /// skipped fields, unit enum variants, `Uuid`s, borrowed strings, empty tuples of arrays.
    #[test]
    fn typed_responses_are_written_as_serde_json_writes_them() {
        #[derive(Serialize)]
        #[serde(rename_all = "SCREAMING_SNAKE_CASE")]
        enum Status {
            InStock,
            OutOfStock,
        }
        #[derive(Serialize)]
        #[serde(rename_all = "camelCase")]
        struct Entity<'a> {
            id: Uuid,
            variant_id: &'a str,
            #[serde(skip_serializing_if = "Option::is_none")]
            quantity: Option<i64>,
            in_stock: Option<bool>,
            statuses: [Status; 2],
            direct_category_ids: [(); 0],
            nested: Vec<(usize, &'a str)>,
        }
        let entity = Entity {
            id: Uuid::from_u128(0x590c_ef15_0000_4000_8000_0000_0000_00ff),
            variant_id: "V\"1\\\u{1}",
            quantity: None,
            in_stock: None,
            statuses: [Status::InStock, Status::OutOfStock],
            direct_category_ids: [],
            nested: vec![(usize::MAX, "é"), (0, "")],
        };
        assert_eq!(
            String::from_utf8(to_json(&entity, 16).unwrap()).unwrap(),
            serde_json::to_string(&entity).unwrap()
        );
    }
}
