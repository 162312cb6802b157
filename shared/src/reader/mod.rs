//! One reader per dialect: the request body read once, straight into the dialect's typed
//! records, borrowed from the body, without ever failing on a bad field.
//!
//! - A [`Field`] records what a field held: absent, `null`, a value that passed its kind's
//!   rules ([`Id`], [`Quantity`], [`Text`], ...), or why it did not.
//! - A record (declared with [`record!`](crate::record)) reads one JSON object: each known
//!   key into its field, each unknown or repeated key into its [`Strays`].
//! - A [`List`] reads an array of up to `MAX` elements; an [`Element`] is a record (or list)
//!   or whatever else stood in its place. A [`Ruled`] list (the bulk dialects) puts each
//!   element through the dialect's [`Rules`] as soon as it is read, and keeps only what the
//!   rules make of it.
//!
//! Only text that is not JSON fails the read. The dialect then applies its own cross-field
//! rules once, to typed values, and words each problem its own way.

mod number;
mod scalar;

use std::borrow::Cow;
use std::fmt;
use std::marker::PhantomData;

use lambda_http::{Body, Request};
use serde::de::value::{MapAccessDeserializer, SeqAccessDeserializer};
use serde::de::{self, Deserialize, Deserializer, IgnoredAny, Visitor};
use serde_json::Value;
use serde_json::value::RawValue;
use smallvec::SmallVec;

pub use number::whole_number;
pub use scalar::{AnyObject, Anything, Date, Flag, Id, Integer, Quantity, StrId, Text};
pub use serde::de::{MapAccess, SeqAccess};

use crate::validate::{FieldError, Problem};

/// One field of a record, as sent.
#[derive(Clone, PartialEq, Eq, Debug, Default)]
pub enum Field<T> {
    #[default]
    Absent,
    Null,
    Ok(T),
    Bad(Problem),
}

impl<T> Field<T> {
    /// Sent with a value other than `null`, good or bad.
    pub fn is_given(&self) -> bool {
        matches!(self, Field::Ok(_) | Field::Bad(_))
    }

    pub fn as_ref(&self) -> Field<&T> {
        match self {
            Field::Absent => Field::Absent,
            Field::Null => Field::Null,
            Field::Ok(value) => Field::Ok(value),
            Field::Bad(problem) => Field::Bad(problem.clone()),
        }
    }

    /// The value (`None` when absent or `null`, which the dialects take alike), or why not.
    pub fn get(self) -> Result<Option<T>, Problem> {
        match self {
            Field::Ok(value) => Ok(Some(value)),
            Field::Absent | Field::Null => Ok(None),
            Field::Bad(problem) => Err(problem),
        }
    }

    /// [`Field::get`], the problem named after `field`.
    pub fn of(self, field: &str) -> Result<Option<T>, FieldError> {
        self.get().map_err(|p| FieldError::new(field, p))
    }

    /// [`Field::of`] for a field that must be given.
    pub fn required(self, field: &str) -> Result<T, FieldError> {
        self.of(field)?.ok_or_else(|| FieldError::missing(field))
    }
}

/// A kind of field value: how it is read, never failing on a value of the wrong kind.
pub trait Kind<'de>: Sized {
    fn read<D: Deserializer<'de>>(deserializer: D) -> Result<Field<Self>, D::Error>;

    /// [`Kind::read`], and the value's JSON text as sent where the kind reads it (scalars).
    fn read_kept<D: Deserializer<'de>>(
        deserializer: D,
    ) -> Result<(Field<Self>, Option<&'de RawValue>), D::Error> {
        Ok((Self::read(deserializer)?, None))
    }
}

/// A field read with [`Kind::read_kept`].
struct Kept<'de, T>(Field<T>, Option<&'de RawValue>);

impl<'de, T: Kind<'de>> Deserialize<'de> for Kept<'de, T> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        T::read_kept(deserializer).map(|(field, raw)| Kept(field, raw))
    }
}

/// Every key of an object and its value's JSON text, in the order sent (a repeated key
/// once): what a record declared `keeps entries` holds besides its fields, to echo an item
/// exactly as it came.
#[derive(Clone, Debug, Default)]
pub struct Entries<'a>(pub SmallVec<[(Key<'a>, &'a RawValue); 2]>);

impl<'de, T: Kind<'de>> Deserialize<'de> for Field<T> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        T::read(deserializer)
    }
}

/// A JSON object or array read into a type of its own ([`record!`](crate::record), [`List`]).
/// Each method reads the value if it is of this type's shape, or hands the map or sequence
/// back untouched.
pub trait Compound<'de>: Sized {
    /// How a value of the wrong shape is described (`NotObject`, `NotArray`).
    const WRONG_SHAPE: Problem;

    fn from_map<M: MapAccess<'de>>(map: M) -> Result<Result<Self, M>, M::Error> {
        Ok(Err(map))
    }

    fn from_seq<S: SeqAccess<'de>>(seq: S) -> Result<Result<Self, S>, S::Error> {
        Ok(Err(seq))
    }
}

/// A record or list, or whatever else stood in its place (an array element, the body).
/// What stood there is kept as a `Value` only then, to say what it was or to echo it.
#[derive(Clone, PartialEq, Debug)]
pub enum Element<T> {
    Ok(T),
    Other(Value),
}

impl<'de, T: Compound<'de>> Deserialize<'de> for Element<T> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_any(ElementVisitor(PhantomData))
    }
}

impl<'de, T: Compound<'de>> Kind<'de> for T {
    fn read<D: Deserializer<'de>>(deserializer: D) -> Result<Field<Self>, D::Error> {
        Ok(match Element::<T>::deserialize(deserializer)? {
            Element::Ok(value) => Field::Ok(value),
            Element::Other(Value::Null) => Field::Null,
            Element::Other(_) => Field::Bad(T::WRONG_SHAPE),
        })
    }
}

struct ElementVisitor<T>(PhantomData<T>);

/// A visitor's `visit_*` methods for values that are no object nor array: each goes to the
/// visitor's own `other`, as the `Value` it was.
macro_rules! other_values {
    () => {
        fn visit_unit<E: de::Error>(self) -> Result<Self::Value, E> {
            self.other(Value::Null)
        }

        fn visit_bool<E: de::Error>(self, v: bool) -> Result<Self::Value, E> {
            self.other(Value::Bool(v))
        }

        fn visit_i64<E: de::Error>(self, v: i64) -> Result<Self::Value, E> {
            self.other(Value::from(v))
        }

        fn visit_u64<E: de::Error>(self, v: u64) -> Result<Self::Value, E> {
            self.other(Value::from(v))
        }

        fn visit_f64<E: de::Error>(self, v: f64) -> Result<Self::Value, E> {
            self.other(Value::from(v))
        }

        fn visit_str<E: de::Error>(self, v: &str) -> Result<Self::Value, E> {
            self.other(Value::from(v))
        }
    };
}

impl<T> ElementVisitor<T> {
    fn other<E>(self, value: Value) -> Result<Element<T>, E> {
        Ok(Element::Other(value))
    }
}

impl<'de, T: Compound<'de>> Visitor<'de> for ElementVisitor<T> {
    type Value = Element<T>;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("any JSON value")
    }

    fn visit_map<M: MapAccess<'de>>(self, map: M) -> Result<Element<T>, M::Error> {
        Ok(match T::from_map(map)? {
            Ok(value) => Element::Ok(value),
            Err(map) => Element::Other(Value::deserialize(MapAccessDeserializer::new(map))?),
        })
    }

    fn visit_seq<S: SeqAccess<'de>>(self, seq: S) -> Result<Element<T>, S::Error> {
        Ok(match T::from_seq(seq)? {
            Ok(value) => Element::Ok(value),
            Err(seq) => Element::Other(Value::deserialize(SeqAccessDeserializer::new(seq))?),
        })
    }

    other_values!();
}

/// A JSON object read field by field into a record ([`record!`](crate::record)) that already
/// stands where it is wanted: filled in place, a large record is never copied on its way out
/// of the JSON reader.
pub trait Record<'de>: Default {
    fn fill_from<M: MapAccess<'de>>(&mut self, map: M) -> Result<(), M::Error>;
}

/// A dialect's rules for one element of a list, applied as soon as the element is read: a
/// [`Ruled`] list keeps what the rules make of each element (a canonical item or the
/// element's error, and whatever the dialect echoes), never the record itself.
pub trait Rules<'de> {
    type Record: Record<'de>;
    type Out;

    fn apply(element: Element<&mut Self::Record>) -> Self::Out;
}

/// A JSON array of at most `MAX` elements, each read and put through the dialect's
/// [`Rules`] at once; past `MAX` the rest is read but not kept, and `too_many` is set.
pub struct Ruled<'de, R: Rules<'de>, const MAX: usize> {
    pub items: Vec<R::Out>,
    pub too_many: bool,
}

impl<'de, R: Rules<'de>, const MAX: usize> Compound<'de> for Ruled<'de, R, MAX> {
    const WRONG_SHAPE: Problem = Problem::NotArray;

    fn from_seq<S: SeqAccess<'de>>(mut seq: S) -> Result<Result<Self, S>, S::Error> {
        let mut items = Vec::with_capacity(EARLY.min(MAX));
        while items.len() < MAX {
            if items.len() == EARLY {
                items.reserve_exact(MAX.min(ROOM) - EARLY);
            }
            if seq.next_element_seed(Apply::<R>(&mut items))?.is_none() {
                return Ok(Ok(Ruled {
                    items,
                    too_many: false,
                }));
            }
        }
        let mut too_many = false;
        while seq.next_element::<IgnoredAny>()?.is_some() {
            too_many = true;
        }
        Ok(Ok(Ruled { items, too_many }))
    }
}

impl<'de, R: Rules<'de>, const MAX: usize> Ruled<'de, R, MAX> {
    /// A single object in place of the array, as a list of one.
    pub fn one<M: MapAccess<'de>>(map: M) -> Result<Self, M::Error> {
        let mut record = R::Record::default();
        record.fill_from(map)?;
        let items = vec![R::apply(Element::Ok(&mut record))];
        Ok(Ruled {
            items,
            too_many: false,
        })
    }
}

/// Reads one element and pushes what the rules make of it into the list. The record is
/// filled where it stands, on this reader's stack, and read there.
struct Apply<'s, 'de, R: Rules<'de>>(&'s mut Vec<R::Out>);

impl<'de, R: Rules<'de>> de::DeserializeSeed<'de> for Apply<'_, 'de, R> {
    type Value = ();

    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<(), D::Error> {
        let mut record = R::Record::default();
        let element = match Fill(&mut record).deserialize(deserializer)? {
            None => Element::Ok(&mut record),
            // An element that is not an object goes through the rules as what it was.
            Some(other) => Element::Other(other),
        };
        self.0.push(R::apply(element));
        Ok(())
    }
}

/// The elements of a JSON array, at most `MAX`. Past `MAX`, the rest is read (the body must
/// still be JSON) but not kept, and `too_many` is set.
#[derive(Clone, PartialEq, Debug)]
pub struct List<E, const MAX: usize> {
    pub items: Vec<E>,
    pub too_many: bool,
}

/// Elements a list holds before it makes room for many.
const EARLY: usize = 16;
/// The most room a list takes in one step.
const ROOM: usize = 1024;

impl<'de, E: Deserialize<'de>, const MAX: usize> Compound<'de> for List<E, MAX> {
    const WRONG_SHAPE: Problem = Problem::NotArray;

    fn from_seq<S: SeqAccess<'de>>(mut seq: S) -> Result<Result<Self, S>, S::Error> {
        let mut items = Vec::with_capacity(EARLY.min(MAX));
        let mut too_many = false;
        while items.len() < MAX {
            let Some(item) = seq.next_element::<E>()? else {
                return Ok(Ok(List { items, too_many }));
            };
            // Room for a bulk request in one step, so it is not copied over and over.
            if items.len() == EARLY {
                items.reserve_exact(MAX.min(ROOM) - EARLY);
            }
            items.push(item);
        }
        while seq.next_element::<IgnoredAny>()?.is_some() {
            too_many = true;
        }
        Ok(Ok(List { items, too_many }))
    }
}

/// An object key, borrowed from the body unless it has escapes.
#[derive(Clone, PartialEq, Eq, Debug)]
pub struct Key<'a>(pub Cow<'a, str>);

impl<'de> Deserialize<'de> for Key<'de> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct KeyVisitor;

        impl<'de> Visitor<'de> for KeyVisitor {
            type Value = Key<'de>;

            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("an object key")
            }

            fn visit_borrowed_str<E: de::Error>(self, v: &'de str) -> Result<Key<'de>, E> {
                Ok(Key(Cow::Borrowed(v)))
            }

            fn visit_str<E: de::Error>(self, v: &str) -> Result<Key<'de>, E> {
                Ok(Key(Cow::Owned(v.to_owned())))
            }
        }

        deserializer.deserialize_str(KeyVisitor)
    }
}

impl Key<'_> {
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// The keys of a record it does not know, and those that came more than once, in the order
/// read. A repeated key keeps its first value; the record reports the repeat.
#[derive(Clone, PartialEq, Eq, Debug, Default)]
pub struct Strays<'a>(Vec<(Key<'a>, Problem)>);

impl<'a> Strays<'a> {
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// Each stray key as a field error (`Unknown field: x`, `Repeated field: x`), its path
    /// starting with `prefix` (`inventoryItems[2].`).
    pub fn errors(&self, prefix: &str) -> impl Iterator<Item = FieldError> {
        self.0.iter().map(move |(key, problem)| {
            FieldError::new(format!("{prefix}{}", key.0), problem.clone())
        })
    }

    /// The first stray key as a field error.
    pub fn first(&self, prefix: &str) -> Result<(), FieldError> {
        self.errors(prefix).next().map_or(Ok(()), Err)
    }

    /// Notes a key the record does not know; its value goes into `entries`, if kept.
    #[doc(hidden)]
    pub fn unknown<M: MapAccess<'a>>(
        &mut self,
        key: Key<'a>,
        map: &mut M,
        entries: Option<&mut Entries<'a>>,
    ) -> Result<(), M::Error> {
        match entries {
            Some(entries) if !entries.0.iter().any(|(k, _)| *k == key) => {
                entries.0.push((key.clone(), map.next_value()?));
            }
            _ => map.next_value::<IgnoredAny>().map(drop)?,
        }
        self.0.push((key, Problem::Unknown));
        Ok(())
    }
}

/// Reads the value of `key` into `slot` (and into `entries`, if kept), or notes `key` as
/// repeated if the slot is taken.
#[doc(hidden)]
pub fn fill<'de, T: Kind<'de>, M: MapAccess<'de>>(
    slot: &mut Field<T>,
    strays: &mut Strays<'de>,
    key: Key<'de>,
    map: &mut M,
    entries: Option<&mut Entries<'de>>,
) -> Result<(), M::Error> {
    if !matches!(slot, Field::Absent) {
        map.next_value::<IgnoredAny>()?;
        strays.0.push((key, Problem::Repeated));
        return Ok(());
    }
    match entries {
        None => *slot = map.next_value()?,
        Some(entries) => {
            let Kept(field, raw) = map.next_value::<Kept<T>>()?;
            *slot = field;
            if let Some(raw) = raw {
                entries.0.push((key, raw));
            }
        }
    }
    Ok(())
}

/// Declares a record: a struct of [`Field`]s read from one JSON object, each from the key
/// named beside it, plus `strays` for the keys it does not know or that came twice. Declared
/// `keeps entries`, it also keeps every key and value as sent, in [`Entries`].
///
/// ```ignore
/// inventory_core::record! {
///     /// One element of `batchStock.item`.
///     pub struct Item<'a> keeps entries {
///         "variant_id" => variant_id: Id<'a>,
///         "inStock" => in_stock: Quantity,
///     }
/// }
/// ```
#[macro_export]
macro_rules! record {
    (
        $(#[$meta:meta])*
        $vis:vis struct $name:ident<$a:lifetime> $(keeps $entries:ident)? {
            $($(#[$field_meta:meta])* $key:literal => $field:ident: $kind:ty),* $(,)?
        }
    ) => {
        $(#[$meta])*
        #[derive(Default)]
        $vis struct $name<$a> {
            $($(#[$field_meta])* pub $field: $crate::reader::Field<$kind>,)*
            /// Keys this record does not know, or that came more than once.
            pub strays: $crate::reader::Strays<$a>,
            $(
                /// Every key and value as sent, in order.
                pub $entries: $crate::reader::Entries<$a>,
            )?
        }

        impl<$a> $crate::reader::Record<$a> for $name<$a> {
            fn fill_from<M: $crate::reader::MapAccess<$a>>(
                &mut self,
                mut map: M,
            ) -> Result<(), M::Error> {
                while let Some(key) = map.next_key::<$crate::reader::Key<$a>>()? {
                    #[allow(unused_mut)]
                    let mut entries: Option<&mut $crate::reader::Entries<$a>> = None;
                    $(entries = Some(&mut self.$entries);)?
                    match key.as_str() {
                        $($key => $crate::reader::fill(
                            &mut self.$field,
                            &mut self.strays,
                            key,
                            &mut map,
                            entries,
                        )?,)*
                        _ => self.strays.unknown(key, &mut map, entries)?,
                    }
                }
                Ok(())
            }
        }

        impl<$a> $crate::reader::Compound<$a> for $name<$a> {
            const WRONG_SHAPE: $crate::validate::Problem = $crate::validate::Problem::NotObject;

            fn from_map<M: $crate::reader::MapAccess<$a>>(
                map: M,
            ) -> Result<Result<Self, M>, M::Error> {
                let mut record = Self::default();
                $crate::reader::Record::fill_from(&mut record, map)?;
                Ok(Ok(record))
            }
        }
    };
}

/// Why a body could not be read at all.
#[derive(Debug)]
pub enum BodyError {
    Empty,
    Malformed(serde_json::Error),
}

impl fmt::Display for BodyError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            BodyError::Empty => f.write_str("Request body is empty: a JSON body is required"),
            BodyError::Malformed(e) => write!(f, "Request body is not valid JSON: {e}"),
        }
    }
}

impl std::error::Error for BodyError {}

/// The request body read as `T`, borrowing from it. Fails only when the body is empty (or
/// blank) or not JSON; a `T` built of [`Field`]s and [`Element`]s takes any JSON.
pub fn body<'a, T: Deserialize<'a>>(req: &'a Request) -> Result<T, BodyError> {
    body_with(req, PhantomData::<T>)
}

/// A body that should be one object, read into `record` where it stands; `Some` of what
/// stood in the object's place, if anything else did.
pub fn object<'a, R: Record<'a>>(
    req: &'a Request,
    record: &mut R,
) -> Result<Option<Value>, BodyError> {
    body_with(req, Fill(record))
}

fn body_with<'a, S: de::DeserializeSeed<'a>>(
    req: &'a Request,
    seed: S,
) -> Result<S::Value, BodyError> {
    let blank = |bytes: &[u8]| bytes.iter().all(u8::is_ascii_whitespace);
    match req.body() {
        // Text is UTF-8 already: read from `str`, its strings are not checked again.
        Body::Text(text) if !blank(text.as_bytes()) => {
            read_all(serde_json::Deserializer::from_str(text), seed)
        }
        Body::Binary(bytes) if !blank(bytes) => {
            read_all(serde_json::Deserializer::from_slice(bytes), seed)
        }
        _ => return Err(BodyError::Empty),
    }
    .map_err(BodyError::Malformed)
}

/// One JSON value read with `seed`, and nothing after it.
fn read_all<'a, R: serde_json::de::Read<'a>, S: de::DeserializeSeed<'a>>(
    mut de: serde_json::Deserializer<R>,
    seed: S,
) -> serde_json::Result<S::Value> {
    let value = seed.deserialize(&mut de)?;
    de.end().map(|()| value)
}

/// Fills a record in place from an object, or says what stood there instead.
struct Fill<'r, R>(&'r mut R);

impl<'de, R: Record<'de>> de::DeserializeSeed<'de> for Fill<'_, R> {
    type Value = Option<Value>;

    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<Option<Value>, D::Error> {
        deserializer.deserialize_any(self)
    }
}

impl<'de, R: Record<'de>> Visitor<'de> for Fill<'_, R> {
    type Value = Option<Value>;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("any JSON value")
    }

    fn visit_map<M: MapAccess<'de>>(self, map: M) -> Result<Option<Value>, M::Error> {
        self.0.fill_from(map).map(|()| None)
    }

    fn visit_seq<S: SeqAccess<'de>>(self, seq: S) -> Result<Option<Value>, S::Error> {
        self.other(Value::deserialize(SeqAccessDeserializer::new(seq))?)
    }

    other_values!();
}

impl<R> Fill<'_, R> {
    fn other<E>(self, value: Value) -> Result<Option<Value>, E> {
        Ok(Some(value))
    }
}

#[cfg(test)]
mod tests;
