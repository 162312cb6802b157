//! The quick way in for well-formed requests: the body deserialized straight into a
//! dialect's typed, borrowed structs, held to the same value rules as
//! [`Fields`](crate::validate::Fields). Anything off the happy path (a wrong type, an
//! unknown or repeated field, a value the rules refuse) gives `None`, and the dialect reads
//! the request the general way, as a `serde_json::Value`, which words every error.
//!
//! Why: building a `Value` tree (a map and an owned string per field) and reading it field
//! by field was about 40% of a batch dialect's CPU per item.

use std::borrow::Cow;
use std::fmt;

use lambda_http::{Body, Request};
use serde::de::{self, Deserialize, Deserializer, Visitor};
use serde_json::Number;

use crate::validate::{identifier_problem, text_problem, whole_number};

/// The body deserialized into `T`, or `None` when it is empty, not JSON or not a `T`.
pub fn body<'a, T: Deserialize<'a>>(req: &'a Request) -> Option<T> {
    match req.body() {
        // As in `http::parse_json`: text is UTF-8 already, bytes get their strings checked.
        Body::Text(text) => serde_json::from_str(text).ok(),
        Body::Binary(bytes) => serde_json::from_slice(bytes).ok(),
        _ => None,
    }
}

/// An element of a JSON array read by [`Array`]: its typed form, and what it becomes if it
/// passes the dialect's rules.
pub trait Element: Sized {
    type Out;
    fn accept(self) -> Option<Self::Out>;
}

/// A JSON array of 1 to `MAX` elements, each turned into its `Out` as soon as it is read:
/// the first element refused (or one too many) stops the read. Once the array has [`EARLY`]
/// elements, room for `MAX` (at most [`ROOM`]) is taken in one step, so a bulk request is
/// not copied over and over as it grows.
pub struct Array<E: Element, const MAX: usize>(pub Vec<E::Out>);

/// Elements an array holds before [`Array`] makes room for many.
pub const EARLY: usize = 16;
/// The most room [`Array`] takes in one step.
pub const ROOM: usize = 1024;

impl<'de, E: Element + Deserialize<'de>, const MAX: usize> Deserialize<'de> for Array<E, MAX> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct ArrayVisitor<E, const MAX: usize>(std::marker::PhantomData<E>);

        impl<'de, E: Element + Deserialize<'de>, const MAX: usize> Visitor<'de> for ArrayVisitor<E, MAX> {
            type Value = Array<E, MAX>;

            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                write!(f, "an array of 1 to {MAX} acceptable elements")
            }

            fn visit_seq<A: de::SeqAccess<'de>>(self, mut seq: A) -> Result<Self::Value, A::Error> {
                let mut out = Vec::with_capacity(EARLY.min(MAX));
                while let Some(element) = seq.next_element::<E>()? {
                    if out.len() == MAX {
                        return Err(de::Error::invalid_length(MAX + 1, &self));
                    }
                    if out.len() == EARLY {
                        out.reserve_exact(MAX.min(ROOM) - EARLY);
                    }
                    let accepted = element.accept();
                    out.push(accepted.ok_or_else(|| de::Error::custom("element refused"))?);
                }
                if out.is_empty() {
                    return Err(de::Error::invalid_length(0, &self));
                }
                Ok(Array(out))
            }
        }

        deserializer.deserialize_seq(ArrayVisitor(std::marker::PhantomData))
    }
}

/// An identifier as [`Fields::id`](crate::validate::Fields::id) takes it: a string, or a
/// whole number written without quotes. Borrowed from the body unless it has escapes.
#[derive(Debug, Clone, PartialEq)]
pub enum Id<'a> {
    Text(Cow<'a, str>),
    Number(Number),
}

impl Id<'_> {
    /// The identifier's text, if it passes the identifier rules.
    pub fn checked(self) -> Option<String> {
        let raw = match self {
            Id::Text(text) => text.into_owned(),
            Id::Number(n) => n.to_string(),
        };
        identifier_problem(&raw).is_ok().then_some(raw)
    }
}

impl<'de: 'a, 'a> Deserialize<'de> for Id<'a> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct IdVisitor;

        impl<'de> Visitor<'de> for IdVisitor {
            type Value = Id<'de>;

            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a string or a whole number")
            }

            fn visit_borrowed_str<E: de::Error>(self, v: &'de str) -> Result<Id<'de>, E> {
                Ok(Id::Text(Cow::Borrowed(v)))
            }

            fn visit_str<E: de::Error>(self, v: &str) -> Result<Id<'de>, E> {
                Ok(Id::Text(Cow::Owned(v.to_owned())))
            }

            fn visit_string<E: de::Error>(self, v: String) -> Result<Id<'de>, E> {
                Ok(Id::Text(Cow::Owned(v)))
            }

            fn visit_i64<E: de::Error>(self, v: i64) -> Result<Id<'de>, E> {
                Ok(Id::Number(v.into()))
            }

            fn visit_u64<E: de::Error>(self, v: u64) -> Result<Id<'de>, E> {
                Ok(Id::Number(v.into()))
            }
        }

        deserializer.deserialize_any(IdVisitor)
    }
}

/// For a field that may be left out but not sent as `null`: `#[serde(default,
/// deserialize_with = "present")]`. A `null` fails the read (where plain `Option` would take
/// it as absent), so the request goes the general way, which has its own rule for `null`.
pub fn present<'de, D: Deserializer<'de>, T: Deserialize<'de>>(
    deserializer: D,
) -> Result<Option<T>, D::Error> {
    T::deserialize(deserializer).map(Some)
}

/// A quantity as [`Fields::quantity`](crate::validate::Fields::quantity) takes it, if it
/// passes: a whole number from 0 to [`MAX_QUANTITY`](crate::validate::MAX_QUANTITY).
pub fn quantity(n: &Number) -> Option<i64> {
    whole_number(n).ok().filter(|q| *q >= 0)
}

/// An identifier given as a string, as
/// [`Fields::string_id`](crate::validate::Fields::string_id) takes it, if it passes.
pub fn identifier(s: &str) -> Option<&str> {
    identifier_problem(s).is_ok().then_some(s)
}

/// Free text as [`Fields::text`](crate::validate::Fields::text) takes it, if it passes.
pub fn text(s: &str) -> Option<&str> {
    text_problem(s).is_ok().then_some(s)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::validate::Fields;
    use proptest::prelude::*;
    use serde_json::{Value, json};

    #[derive(serde::Deserialize)]
    struct Probe<'a> {
        #[serde(borrow)]
        id: Option<Id<'a>>,
        n: Option<Number>,
        #[serde(borrow)]
        t: Option<Cow<'a, str>>,
    }

    /// What the general path makes of `{"id": .., "n": .., "t": ..}`; `None` for an error.
    type General = (
        Option<Option<String>>,
        Option<Option<i64>>,
        Option<Option<String>>,
    );

    fn general(value: &Value) -> General {
        let mut f = Fields::of(value, "x").unwrap();
        (
            f.id("id").ok(),
            f.quantity("n").ok(),
            f.text("t").ok().map(|t| t.map(str::to_owned)),
        )
    }

    fn quick(json: &str) -> Option<General> {
        let p: Probe = serde_json::from_str(json).ok()?;
        Some((
            p.id.map_or(Some(None), |id| id.checked().map(Some)),
            p.n.as_ref().map_or(Some(None), |n| quantity(n).map(Some)),
            p.t.as_ref()
                .map_or(Some(None), |t| text(t).map(|t| Some(t.to_owned()))),
        ))
    }

    fn field() -> impl Strategy<Value = Value> {
        prop_oneof![
            Just(Value::Null),
            any::<bool>().prop_map(Value::Bool),
            any::<i64>().prop_map(Value::from),
            any::<u64>().prop_map(Value::from),
            (-3i64..3).prop_map(Value::from),
            any::<f64>().prop_map(|f| json!(f)),
            (-5.0f64..5.0).prop_map(|f| json!(f.round())),
            Just(json!(2147483647)),
            Just(json!(2147483648u64)),
            Just(json!(1e30)),
            "[ -~]{0,6}".prop_map(Value::from),
            "\\PC{0,4}".prop_map(Value::from),
            "[a\u{0}\u{7}\n\t\u{200b}é\"\\\\]{0,4}".prop_map(Value::from),
            Just(json!("x".repeat(1100))),
            Just(json!([1])),
            Just(json!({"a": 1})),
        ]
    }

    proptest! {
        /// Whatever the quick path accepts, the general path reads to the same values.
        #[test]
        fn quick_reads_agree_with_fields(id in field(), n in field(), t in field()) {
            let value = json!({"id": id, "n": n, "t": t});
            let text = value.to_string();
            let quick = quick(&text);
            let general = general(&value);
            if let Some((id, n, t)) = quick {
                // Where the quick path gives up on a value (`None`), the general one errs.
                prop_assert_eq!(&id, &general.0);
                prop_assert_eq!(&n, &general.1);
                prop_assert_eq!(&t, &general.2);
            } else {
                // Only a type the fields refuse makes the whole quick read fail.
                prop_assert!(general.0.is_none() || general.1.is_none() || general.2.is_none());
            }
        }
    }

    /// Even numbers, halved.
    #[derive(serde::Deserialize)]
    struct Even(u32);

    impl Element for Even {
        type Out = u32;

        fn accept(self) -> Option<u32> {
            self.0.is_multiple_of(2).then_some(self.0 / 2)
        }
    }

    #[test]
    fn arrays_hold_1_to_max_accepted_elements() {
        let read = |n: usize, odd_at: Option<usize>| {
            let numbers: Vec<u32> = (0..n)
                .map(|i| if Some(i) == odd_at { 1 } else { 2 })
                .collect();
            serde_json::from_str::<Array<Even, 20>>(&json!(numbers).to_string())
                .ok()
                .map(|a| (a.0.len(), a.0.capacity()))
        };
        assert_eq!(read(0, None), None);
        assert_eq!(read(3, None), Some((3, EARLY)));
        assert_eq!(read(20, None), Some((20, 20)));
        assert_eq!(read(21, None), None);
        assert_eq!(read(20, Some(19)), None);
        assert_eq!(read(5, Some(0)), None);
        assert!(serde_json::from_str::<Array<Even, 20>>(r#"{"a": 2}"#).is_err());
    }

    #[test]
    fn ids_borrow_unless_escaped() {
        let p: Probe = serde_json::from_str(r#"{"id": "A-1"}"#).unwrap();
        assert!(matches!(p.id, Some(Id::Text(Cow::Borrowed("A-1")))));
        let p: Probe = serde_json::from_str(r#"{"id": "A\u002d1"}"#).unwrap();
        assert_eq!(p.id.unwrap().checked().as_deref(), Some("A-1"));
        let p: Probe = serde_json::from_str(r#"{"id": 104}"#).unwrap();
        assert_eq!(p.id.unwrap().checked().as_deref(), Some("104"));
        assert!(serde_json::from_str::<Probe>(r#"{"id": 1.5}"#).is_err());
        assert!(serde_json::from_str::<Probe>(r#"{"id": true}"#).is_err());
    }
}
