//! The kinds of scalar field, each read from the value's JSON text as sent (borrowed from
//! the body) and held to its rules. A value of the wrong kind is a [`Field::Bad`], never an
//! error of the whole read.

use std::borrow::Cow;

use serde::Deserializer;
use serde::de::Deserialize;
use serde_json::value::RawValue;

use super::{Field, Kind, number};
use crate::validate::{MAX_QUANTITY, Problem, identifier_problem, is_date, text_problem};

/// What a JSON value's text starts as.
enum Token<'a> {
    Null,
    Bool(bool),
    /// The number literal, as written.
    Number(&'a str),
    /// The string literal, quotes and escapes included.
    String(&'a str),
    Array,
    Object,
}

fn token(raw: &str) -> Token<'_> {
    match raw.as_bytes().first() {
        Some(b'n') => Token::Null,
        Some(b't') => Token::Bool(true),
        Some(b'f') => Token::Bool(false),
        Some(b'"') => Token::String(raw),
        Some(b'[') => Token::Array,
        Some(b'{') => Token::Object,
        _ => Token::Number(raw),
    }
}

/// A string literal's text: borrowed from the body unless it has escapes.
fn unquote(literal: &str) -> Result<Cow<'_, str>, Problem> {
    let inner = literal
        .get(1..literal.len().saturating_sub(1))
        .unwrap_or_default();
    if !inner.contains('\\') {
        return Ok(Cow::Borrowed(inner));
    }
    // Escapes (rare): serde_json decodes them; a lone surrogate is no text at all.
    serde_json::from_str::<String>(literal)
        .map(Cow::Owned)
        .map_err(|_| Problem::Invalid("is not valid text"))
}

/// Reads a scalar field from its JSON text with `parse`; `null` is [`Field::Null`]. The text
/// is returned too, for records that keep it.
fn scalar<'de, D: Deserializer<'de>, T>(
    deserializer: D,
    parse: fn(Token<'de>) -> Result<T, Problem>,
) -> Result<(Field<T>, &'de RawValue), D::Error> {
    let raw = <&'de RawValue>::deserialize(deserializer)?;
    let field = match token(raw.get()) {
        Token::Null => Field::Null,
        token => match parse(token) {
            Ok(value) => Field::Ok(value),
            Err(problem) => Field::Bad(problem),
        },
    };
    Ok((field, raw))
}

macro_rules! scalar_kind {
    ($kind:ty, $parse:path) => {
        impl<'de> Kind<'de> for $kind {
            fn read<D: Deserializer<'de>>(deserializer: D) -> Result<Field<Self>, D::Error> {
                scalar(deserializer, $parse).map(|(field, _)| field)
            }

            fn read_kept<D: Deserializer<'de>>(
                deserializer: D,
            ) -> Result<(Field<Self>, Option<&'de RawValue>), D::Error> {
                scalar(deserializer, $parse).map(|(field, raw)| (field, Some(raw)))
            }
        }
    };
}

/// An identifier: a string, or a whole number written without quotes (`"locationId": 104`),
/// kept exactly as sent.
#[derive(Clone, PartialEq, Eq, Debug)]
pub enum Id<'a> {
    Text(Cow<'a, str>),
    /// The number literal, as written.
    Number(&'a str),
}

impl std::fmt::Display for Id<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

impl Id<'_> {
    pub fn as_str(&self) -> &str {
        match self {
            Id::Text(text) => text,
            Id::Number(literal) => literal,
        }
    }

    pub fn into_string(self) -> String {
        match self {
            Id::Text(text) => text.into_owned(),
            Id::Number(literal) => literal.to_owned(),
        }
    }
}

fn id(token: Token<'_>) -> Result<Id<'_>, Problem> {
    let id = match token {
        Token::String(literal) => Id::Text(unquote(literal)?),
        Token::Number(literal) if is_integer_literal(literal) => Id::Number(literal),
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

scalar_kind!(Id<'de>, id);

/// An identifier that must be a string (numbers refused), kept exactly as sent.
#[derive(Clone, PartialEq, Eq, Debug)]
pub struct StrId<'a>(pub Cow<'a, str>);

fn str_id(token: Token<'_>) -> Result<StrId<'_>, Problem> {
    let Token::String(literal) = token else {
        return Err(Problem::NotString);
    };
    let text = unquote(literal)?;
    identifier_problem(&text)?;
    Ok(StrId(text))
}

scalar_kind!(StrId<'de>, str_id);

/// Free text: at most [`MAX_TEXT_LEN`](crate::validate::MAX_TEXT_LEN) bytes, line breaks
/// allowed, other control characters refused.
#[derive(Clone, PartialEq, Eq, Debug)]
pub struct Text<'a>(pub Cow<'a, str>);

fn text(token: Token<'_>) -> Result<Text<'_>, Problem> {
    let Token::String(literal) = token else {
        return Err(Problem::NotString);
    };
    let text = unquote(literal)?;
    text_problem(&text)?;
    Ok(Text(text))
}

scalar_kind!(Text<'de>, text);

/// A date written exactly `YYYY-MM-DD`.
#[derive(Clone, PartialEq, Eq, Debug)]
pub struct Date<'a>(pub Cow<'a, str>);

fn date(token: Token<'_>) -> Result<Date<'_>, Problem> {
    let Text(text) = text(token)?;
    if !is_date(&text) {
        return Err(Problem::NotDate);
    }
    Ok(Date(text))
}

scalar_kind!(Date<'de>, date);

/// A whole number from -[`MAX_QUANTITY`] to [`MAX_QUANTITY`], judged from the literal as
/// written (see [`number::whole_number`]).
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub struct Integer(pub i64);

fn integer(token: Token<'_>) -> Result<Integer, Problem> {
    match token {
        Token::Number(literal) => number::whole_number(literal, MAX_QUANTITY as u64).map(Integer),
        _ => Err(Problem::NotInteger),
    }
}

scalar_kind!(Integer, integer);

/// A quantity: a whole number from 0 to [`MAX_QUANTITY`], as [`Integer`] judges it.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub struct Quantity(pub i64);

fn quantity(token: Token<'_>) -> Result<Quantity, Problem> {
    match integer(token)? {
        Integer(q) if q < 0 => Err(Problem::Negative),
        Integer(q) => Ok(Quantity(q)),
    }
}

scalar_kind!(Quantity, quantity);

/// `true` or `false`.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub struct Flag(pub bool);

fn flag(token: Token<'_>) -> Result<Flag, Problem> {
    match token {
        Token::Bool(b) => Ok(Flag(b)),
        _ => Err(Problem::NotBoolean),
    }
}

scalar_kind!(Flag, flag);

/// Any JSON object, accepted and not looked into (Wix's `extendedFields`).
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub struct AnyObject;

fn any_object(token: Token<'_>) -> Result<AnyObject, Problem> {
    match token {
        Token::Object => Ok(AnyObject),
        _ => Err(Problem::NotObject),
    }
}

scalar_kind!(AnyObject, any_object);

/// Any JSON value at all, accepted and not looked into (informational fields).
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub struct Anything;

fn anything(_: Token<'_>) -> Result<Anything, Problem> {
    Ok(Anything)
}

scalar_kind!(Anything, anything);

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
        assert_eq!(read::<Id>("104"), Field::Ok(Id::Number("104")));
        assert_eq!(read::<Id>("-5"), Field::Ok(Id::Number("-5")));
        assert_eq!(read::<Id>("null"), Field::Null);
        for bad in ["1.5", "1e2", "true", "[1]", r#"{"a":1}"#] {
            assert_eq!(read::<Id>(bad), Field::Bad(Problem::NotString), "{bad}");
        }
        assert_eq!(read::<Id>(r#""""#), Field::Bad(Problem::Empty));
        assert_eq!(
            read::<Id>(r#""x\u0007""#),
            Field::Bad(Problem::ControlCharacter)
        );
        assert_eq!(
            read::<Id>(r#""\ud800""#),
            Field::Bad(Problem::Invalid("is not valid text"))
        );
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
