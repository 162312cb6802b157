//! Response bodies as compact JSON.
//!
//! Written by sonic-rs, a serde serializer like serde_json's that checks strings for what
//! needs escaping 16 or 32 bytes at a time (NEON on arm64, SSE2 or AVX2 on x86_64), where
//! serde_json looks up every byte in a table. Field names are escaped too, so a large
//! response spent much of its CPU there: a Wix result with its entity is about 690 bytes, and
//! serde_json's escaping was a quarter of that endpoint's instructions. The bytes written are
//! serde_json's; the tests below hold the two to that.

use serde::Serialize;
use sonic_rs::format::{CompactFormatter, Formatter};

pub use sonic_rs::Error;

/// `body` as compact JSON, in a buffer of `capacity` bytes to start with: size it for the
/// whole response and it is written without being copied as it grows.
pub fn to_json(body: &(impl Serialize + ?Sized), capacity: usize) -> Result<Vec<u8>, Error> {
    let mut buffer = Vec::with_capacity(capacity);
    sonic_rs::to_writer(&mut buffer, body)?;
    Ok(buffer)
}

/// A JSON text written piece by piece, for a response with a fixed shape and many items.
///
/// Field names and punctuation are constant text, already escaped, and are copied as they
/// are; only data is escaped (strings) or formatted (numbers), by the same sonic-rs formatter
/// [`to_json`] uses. Through serde every field name is escaped again for every item: on the
/// Wix create, whose entity has about 30 of them, that was the largest cost per item. A shape
/// written this way is tested against serde's rendering of the same shape.
pub struct JsonWriter(Vec<u8>);

impl JsonWriter {
    /// A writer with room for `capacity` bytes: size it for the whole response.
    pub fn with_capacity(capacity: usize) -> Self {
        JsonWriter(Vec::with_capacity(capacity))
    }

    /// Constant JSON text, written as it is: punctuation, literals, and field names with
    /// their quotes and colon, such as `{"id":`.
    pub fn raw(&mut self, json: &'static str) -> &mut Self {
        self.0.extend_from_slice(json.as_bytes());
        self
    }

    /// `value` as a JSON string: quoted, and escaped where JSON requires it.
    pub fn string(&mut self, value: &str) -> &mut Self {
        let written = CompactFormatter.write_string_fast(&mut self.0, value, true);
        debug_assert!(written.is_ok(), "a Vec takes every byte");
        self
    }

    /// A string, or `null`.
    pub fn optional_string(&mut self, value: Option<&str>) -> &mut Self {
        match value {
            Some(value) => self.string(value),
            None => self.raw("null"),
        }
    }

    pub fn int(&mut self, value: i64) -> &mut Self {
        let written = CompactFormatter.write_i64(&mut self.0, value);
        debug_assert!(written.is_ok(), "a Vec takes every byte");
        self
    }

    pub fn uint(&mut self, value: u64) -> &mut Self {
        let written = CompactFormatter.write_u64(&mut self.0, value);
        debug_assert!(written.is_ok(), "a Vec takes every byte");
        self
    }

    pub fn bool(&mut self, value: bool) -> &mut Self {
        self.raw(if value { "true" } else { "false" })
    }

    /// Any serde value, for parts too rare to be worth writing by hand.
    pub fn serialize(&mut self, value: &(impl Serialize + ?Sized)) -> Result<&mut Self, Error> {
        sonic_rs::to_writer(&mut self.0, value)?;
        Ok(self)
    }

    pub fn into_bytes(self) -> Vec<u8> {
        self.0
    }
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

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(1024))]
        /// Each piece the writer writes by hand is what serde_json writes for it.
        #[test]
        fn the_writer_writes_what_serde_json_writes(
            text in prop_oneof![
                "\\PC{0,70}",
                "[a\u{0}\u{1f}\u{7f}\n\t\u{2028}é😀\"\\\\]{0,70}",
                any::<String>(),
            ],
            maybe in proptest::option::of("\\PC{0,8}"),
            (int, uint, flag) in (any::<i64>(), any::<u64>(), any::<bool>()),
        ) {
            let mut writer = JsonWriter::with_capacity(0);
            writer.raw("[").string(&text).raw(",").optional_string(maybe.as_deref());
            writer.raw(",").int(int).raw(",").uint(uint).raw(",").bool(flag).raw(",");
            writer.serialize(&json!({ "k": text })).unwrap().raw("]");
            let expected = json!([text, maybe, int, uint, flag, { "k": text }]);
            prop_assert_eq!(
                String::from_utf8(writer.into_bytes()).unwrap(),
                serde_json::to_string(&expected).unwrap()
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
