//! The kinds of scalar field, each held to its rules as it is read, borrowed from the body.
//! A value of the wrong kind is a [`Field::Bad`], never an error of the whole read.
//!
//! Most kinds take the value as serde_json hands it over. Numbers that must be whole as
//! written (quantities) are judged from their JSON text, and so is every value of a record
//! that keeps its entries as sent.

use std::borrow::Cow;
use std::fmt;

use serde::Deserializer;
use serde::de::{self, Deserialize, IgnoredAny, MapAccess, SeqAccess, Visitor};
use serde_json::value::RawValue;

use super::{Field, Kind, number};
use crate::validate::{MAX_QUANTITY, Problem, identifier_problem, is_date, text_problem};

/// A JSON value as a scalar kind sees it.
enum Token<'a> {
    Null,
    Bool(bool),
    /// A number literal as written, or the digits of a whole number.
    Number(Cow<'a, str>),
    /// A number known only as a float (written with a fraction or exponent).
    Float,
    /// A string's text (escapes decoded), or why it is no text.
    String(Result<Cow<'a, str>, Problem>),
    Array,
    Object,
}

/// The token of a value's JSON text.
fn token(raw: &str) -> Token<'_> {
    match raw.as_bytes().first() {
        Some(b'n') => Token::Null,
        Some(b't') => Token::Bool(true),
        Some(b'f') => Token::Bool(false),
        Some(b'"') => Token::String(unquote(raw)),
        Some(b'[') => Token::Array,
        Some(b'{') => Token::Object,
        _ => Token::Number(Cow::Borrowed(raw)),
    }
}

/// A string literal's text: borrowed from the body unless it has escapes.
fn unquote(literal: &str) -> Result<Cow<'_, str>, Problem> {
    let inner = literal
        .get(1..literal.len().saturating_sub(1))
        .unwrap_or_default();
    // A byte loop: identifiers are short, where a call to `memchr` costs more than the scan.
    if !inner.bytes().any(|b| b == b'\\') {
        return Ok(Cow::Borrowed(inner));
    }
    // Escapes (rare): serde_json decodes them; a lone surrogate is no text at all.
    serde_json::from_str::<String>(literal)
        .map(Cow::Owned)
        .map_err(|_| Problem::Invalid("is not valid text"))
}

/// A string's text, held to `rule`.
fn string(
    token: Token<'_>,
    rule: fn(&str) -> Result<(), Problem>,
) -> Result<Cow<'_, str>, Problem> {
    let Token::String(text) = token else {
        return Err(Problem::NotString);
    };
    let text = text?;
    rule(&text)?;
    Ok(text)
}

fn field<'a, T>(token: Token<'a>, parse: impl FnOnce(Token<'a>) -> Result<T, Problem>) -> Field<T> {
    match token {
        Token::Null => Field::Null,
        token => match parse(token) {
            Ok(value) => Field::Ok(value),
            Err(problem) => Field::Bad(problem),
        },
    }
}

/// Reads a field from its JSON text with `parse`; the text is returned too.
fn from_text<'de, D: Deserializer<'de>, T>(
    deserializer: D,
    parse: fn(Token<'de>) -> Result<T, Problem>,
) -> Result<(Field<T>, &'de RawValue), D::Error> {
    let raw = <&'de RawValue>::deserialize(deserializer)?;
    Ok((field(token(raw.get()), parse), raw))
}

/// Reads a field from the value serde_json hands over with `parse`.
fn from_value<'de, D: Deserializer<'de>, T>(
    deserializer: D,
    parse: fn(Token<'de>) -> Result<T, Problem>,
) -> Result<Field<T>, D::Error> {
    Ok(field(deserializer.deserialize_any(TokenVisitor)?, parse))
}

/// A value as a [`Token`]; arrays and objects are read past.
struct TokenVisitor;

impl<'de> Visitor<'de> for TokenVisitor {
    type Value = Token<'de>;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("any JSON value")
    }

    fn visit_unit<E: de::Error>(self) -> Result<Token<'de>, E> {
        Ok(Token::Null)
    }

    fn visit_bool<E: de::Error>(self, v: bool) -> Result<Token<'de>, E> {
        Ok(Token::Bool(v))
    }

    fn visit_u64<E: de::Error>(self, v: u64) -> Result<Token<'de>, E> {
        Ok(Token::Number(Cow::Owned(v.to_string())))
    }

    fn visit_i64<E: de::Error>(self, v: i64) -> Result<Token<'de>, E> {
        Ok(Token::Number(Cow::Owned(v.to_string())))
    }

    fn visit_f64<E: de::Error>(self, _: f64) -> Result<Token<'de>, E> {
        Ok(Token::Float)
    }

    fn visit_borrowed_str<E: de::Error>(self, v: &'de str) -> Result<Token<'de>, E> {
        Ok(Token::String(Ok(Cow::Borrowed(v))))
    }

    fn visit_str<E: de::Error>(self, v: &str) -> Result<Token<'de>, E> {
        Ok(Token::String(Ok(Cow::Owned(v.to_owned()))))
    }

    fn visit_seq<S: SeqAccess<'de>>(self, mut seq: S) -> Result<Token<'de>, S::Error> {
        while seq.next_element::<IgnoredAny>()?.is_some() {}
        Ok(Token::Array)
    }

    fn visit_map<M: MapAccess<'de>>(self, mut map: M) -> Result<Token<'de>, M::Error> {
        while map.next_entry::<IgnoredAny, IgnoredAny>()?.is_some() {}
        Ok(Token::Object)
    }
}

/// A scalar kind: `text` kinds are judged from their JSON text (whole numbers as written),
/// the others from the value serde_json hands over. Kept records always read the text.
macro_rules! scalar_kind {
    ($kind:ty, $parse:path, $read:ident) => {
        impl<'de> Kind<'de> for $kind {
            fn read<D: Deserializer<'de>>(deserializer: D) -> Result<Field<Self>, D::Error> {
                scalar_kind!(@read $read, deserializer, $parse)
            }

            fn read_kept<D: Deserializer<'de>>(
                deserializer: D,
            ) -> Result<(Field<Self>, Option<&'de RawValue>), D::Error> {
                from_text(deserializer, $parse).map(|(field, raw)| (field, Some(raw)))
            }
        }
    };
    (@read text, $deserializer:ident, $parse:path) => {
        from_text($deserializer, $parse).map(|(field, _)| field)
    };
    (@read value, $deserializer:ident, $parse:path) => {
        from_value($deserializer, $parse)
    };
}

/// An identifier: a string, or a whole number written without quotes (`"locationId": 104`),
/// kept exactly as sent.
#[derive(Clone, PartialEq, Eq, Debug)]
pub enum Id<'a> {
    Text(Cow<'a, str>),
    /// The number's digits.
    Number(Cow<'a, str>),
}

impl Id<'_> {
    pub fn as_str(&self) -> &str {
        match self {
            Id::Text(text) | Id::Number(text) => text,
        }
    }

    /// The identifier as an owned string (with no formatting machinery in between).
    pub fn owned(&self) -> String {
        self.as_str().to_owned()
    }

    pub fn into_string(self) -> String {
        match self {
            Id::Text(text) | Id::Number(text) => text.into_owned(),
        }
    }
}

fn id(token: Token<'_>) -> Result<Id<'_>, Problem> {
    let id = match token {
        Token::String(text) => Id::Text(text?),
        Token::Number(literal) if is_integer_literal(&literal) => Id::Number(literal),
        _ => return Err(Problem::NotString),
    };
    identifier_problem(id.as_str())?;
    Ok(id)
}

/// `-?[0-9]+`: a number written as a whole number, without fraction or exponent.
fn is_integer_literal(literal: &str) -> bool {
    let digits = literal.strip_prefix('-').unwrap_or(literal);
    !digits.is_empty() && digits.bytes().all(|b| b.is_ascii_digit())
}

scalar_kind!(Id<'de>, id, value);

/// An identifier that must be a string (numbers refused), kept exactly as sent.
#[derive(Clone, PartialEq, Eq, Debug)]
pub struct StrId<'a>(pub Cow<'a, str>);

fn str_id(token: Token<'_>) -> Result<StrId<'_>, Problem> {
    string(token, identifier_problem).map(StrId)
}

scalar_kind!(StrId<'de>, str_id, value);

/// Free text: at most [`MAX_TEXT_LEN`](crate::validate::MAX_TEXT_LEN) bytes, line breaks
/// allowed, other control characters refused.
#[derive(Clone, PartialEq, Eq, Debug)]
pub struct Text<'a>(pub Cow<'a, str>);

fn text(token: Token<'_>) -> Result<Text<'_>, Problem> {
    string(token, text_problem).map(Text)
}

scalar_kind!(Text<'de>, text, value);

/// A date written exactly `YYYY-MM-DD`.
#[derive(Clone, PartialEq, Eq, Debug)]
pub struct Date<'a>(pub Cow<'a, str>);

fn date(token: Token<'_>) -> Result<Date<'_>, Problem> {
    let Text(text) = text(token)?;
    is_date(&text).then_some(Date(text)).ok_or(Problem::NotDate)
}

scalar_kind!(Date<'de>, date, value);

/// A whole number from -[`MAX_QUANTITY`] to [`MAX_QUANTITY`], judged from the literal as
/// written (see [`number::whole_number`]).
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub struct Integer(pub i64);

fn integer(token: Token<'_>) -> Result<Integer, Problem> {
    match token {
        Token::Number(literal) => number::whole_number(&literal, MAX_QUANTITY as u64).map(Integer),
        _ => Err(Problem::NotInteger),
    }
}

scalar_kind!(Integer, integer, text);

/// A quantity: a whole number from 0 to [`MAX_QUANTITY`], as [`Integer`] judges it.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub struct Quantity(pub i64);

fn quantity(token: Token<'_>) -> Result<Quantity, Problem> {
    match integer(token)? {
        Integer(q) if q < 0 => Err(Problem::Negative),
        Integer(q) => Ok(Quantity(q)),
    }
}

scalar_kind!(Quantity, quantity, text);

/// `true` or `false`.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub struct Flag(pub bool);

fn flag(token: Token<'_>) -> Result<Flag, Problem> {
    match token {
        Token::Bool(b) => Ok(Flag(b)),
        _ => Err(Problem::NotBoolean),
    }
}

scalar_kind!(Flag, flag, value);

/// Any JSON object, accepted and not looked into (Wix's `extendedFields`).
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub struct AnyObject;

fn any_object(token: Token<'_>) -> Result<AnyObject, Problem> {
    match token {
        Token::Object => Ok(AnyObject),
        _ => Err(Problem::NotObject),
    }
}

scalar_kind!(AnyObject, any_object, value);

/// Any JSON value at all, accepted and not looked into (informational fields).
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub struct Anything;

fn anything(_: Token<'_>) -> Result<Anything, Problem> {
    Ok(Anything)
}

scalar_kind!(Anything, anything, value);

#[cfg(test)]
mod tests {
    use super::*;

    fn read<'a, T: Kind<'a>>(json: &'a str) -> Field<T> {
        let mut de = serde_json::Deserializer::from_str(json);
        T::read(&mut de).expect("valid JSON")
    }

    #[test]
    fn ids_are_strings_or_whole_number_literals_kept_as_sent() {
        assert_eq!(read::<Id>(r#""A-1""#), Field::Ok(Id::Text("A-1".into())));
        assert!(matches!(
            read::<Id>(r#""A-1""#),
            Field::Ok(Id::Text(Cow::Borrowed(_)))
        ));
        assert_eq!(
            read::<Id>(r#""A\u002d1""#),
            Field::Ok(Id::Text("A-1".into()))
        );
        assert_eq!(
            read::<Id>(r#"" WH-A""#),
            Field::Ok(Id::Text(" WH-A".into()))
        );
        assert_eq!(read::<Id>("104"), Field::Ok(Id::Number("104".into())));
        assert_eq!(read::<Id>("-5"), Field::Ok(Id::Number("-5".into())));
        assert_eq!(read::<Id>("null"), Field::Null);
        for bad in ["1.5", "1e2", "true", "[1]", r#"{"a":1}"#] {
            assert_eq!(read::<Id>(bad), Field::Bad(Problem::NotString), "{bad}");
        }
        assert_eq!(read::<Id>(r#""""#), Field::Bad(Problem::Empty));
        assert_eq!(
            read::<Id>(r#""x\u0007""#),
            Field::Bad(Problem::ControlCharacter)
        );
        // A lone surrogate is no text: as a kept value it is a bad field; read as a value,
        // serde_json refuses the body, as it refuses any text that is not JSON.
        let mut de = serde_json::Deserializer::from_str(r#""\ud800""#);
        assert_eq!(
            Id::read_kept(&mut de).unwrap().0,
            Field::Bad(Problem::Invalid("is not valid text"))
        );
        let mut de = serde_json::Deserializer::from_str(r#""\ud800""#);
        assert!(Id::read(&mut de).is_err());
        assert_eq!(read::<StrId>("104"), Field::Bad(Problem::NotString));
    }

    #[test]
    fn quantities_are_whole_numbers_as_written() {
        assert_eq!(read::<Quantity>("12"), Field::Ok(Quantity(12)));
        assert_eq!(read::<Quantity>("12.0"), Field::Ok(Quantity(12)));
        assert_eq!(read::<Quantity>("-1"), Field::Bad(Problem::Negative));
        assert_eq!(read::<Integer>("-1"), Field::Ok(Integer(-1)));
        assert_eq!(
            read::<Quantity>("0.99999999999999999999"),
            Field::Bad(Problem::NotInteger)
        );
        assert_eq!(read::<Quantity>("-1e-400"), Field::Bad(Problem::NotInteger));
        assert_eq!(read::<Quantity>("1e400"), Field::Bad(Problem::TooLarge));
        assert_eq!(read::<Quantity>(r#""12""#), Field::Bad(Problem::NotInteger));
        assert_eq!(read::<Quantity>("null"), Field::Null);
    }

    #[test]
    fn texts_dates_flags_and_objects() {
        assert_eq!(
            read::<Text>(r#""Ships\nin May""#),
            Field::Ok(Text("Ships\nin May".into()))
        );
        assert_eq!(read::<Text>("3"), Field::Bad(Problem::NotString));
        assert_eq!(
            read::<Date>(r#""2020-05-05""#),
            Field::Ok(Date("2020-05-05".into()))
        );
        assert_eq!(
            read::<Date>(r#""2020-01-01T23:59:59+14:00""#),
            Field::Bad(Problem::NotDate)
        );
        assert_eq!(read::<Flag>("true"), Field::Ok(Flag(true)));
        assert_eq!(read::<Flag>(r#""true""#), Field::Bad(Problem::NotBoolean));
        assert_eq!(read::<AnyObject>(r#"{"a": [1]}"#), Field::Ok(AnyObject));
        assert_eq!(read::<AnyObject>("3"), Field::Bad(Problem::NotObject));
        assert_eq!(read::<Anything>("[1, {}]"), Field::Ok(Anything));
    }
}
