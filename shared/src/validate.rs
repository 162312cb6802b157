//! Field rules shared by the dialects: reading typed fields out of a JSON object with clear
//! messages, and the value rules (quantities, identifiers, dates) every dialect applies.

use std::fmt;

use serde_json::{Map, Number, Value};

use crate::identifiers::{MAX_IDENTIFIER_LEN, check_text};

/// Largest quantity accepted (the 32-bit limit the vendor APIs use).
pub const MAX_QUANTITY: i64 = i32::MAX as i64;
/// Longest free text (messages, references) accepted.
pub const MAX_TEXT_LEN: usize = 1024;

/// What is wrong with a field. `Display` gives a message fit for a client.
#[derive(Clone, PartialEq, Eq, Debug)]
pub struct FieldError {
    pub field: String,
    pub problem: Problem,
}

#[derive(Clone, PartialEq, Eq, Debug)]
pub enum Problem {
    Missing,
    NotObject,
    NotArray,
    NotString,
    NotBoolean,
    NotInteger,
    Negative,
    TooLarge,
    Empty,
    TooLong,
    ControlCharacter,
    NotDate,
    Unknown,
    NotOneOf(&'static [&'static str]),
    /// Anything else, as a phrase completing "{field} ...".
    Invalid(&'static str),
}

impl fmt::Display for FieldError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let field = &self.field;
        match &self.problem {
            Problem::Missing => write!(f, "Missing required field: {field}"),
            Problem::NotObject => write!(f, "{field} must be a JSON object"),
            Problem::NotArray => write!(f, "{field} must be a JSON array"),
            Problem::NotString => write!(f, "{field} must be a string"),
            Problem::NotBoolean => write!(f, "{field} must be true or false"),
            Problem::NotInteger => write!(f, "{field} must be a whole number"),
            Problem::Negative => write!(f, "{field} must not be negative"),
            Problem::TooLarge => write!(f, "{field} must be at most {MAX_QUANTITY}"),
            Problem::Empty => write!(f, "{field} must not be empty"),
            Problem::TooLong => write!(f, "{field} is too long"),
            Problem::ControlCharacter => {
                write!(
                    f,
                    "{field} contains a control or invisible formatting character"
                )
            }
            Problem::NotDate => write!(f, "{field} must be a date (YYYY-MM-DD)"),
            Problem::Unknown => write!(f, "Unknown field: {field}"),
            Problem::Invalid(why) => write!(f, "{field} {why}"),
            Problem::NotOneOf(allowed) => {
                write!(f, "{field} must be one of: {}", allowed.join(", "))
            }
        }
    }
}

impl std::error::Error for FieldError {}

impl FieldError {
    pub fn new(field: impl Into<String>, problem: Problem) -> Self {
        FieldError {
            field: field.into(),
            problem,
        }
    }

    pub fn missing(field: impl Into<String>) -> Self {
        FieldError::new(field, Problem::Missing)
    }
}

/// Reads the fields of one JSON object, remembering which were read so the rest can be
/// reported as unknown: a misspelt field must not be ignored while the item "succeeds".
#[derive(Debug)]
pub struct Fields<'a> {
    map: &'a Map<String, Value>,
    /// Fields read so far; objects rarely have more than a handful.
    read: smallvec::SmallVec<[&'a str; 8]>,
    /// Prefix for nested field names in messages (`preorderInfo.limit`).
    path: String,
}

impl<'a> Fields<'a> {
    pub fn of(value: &'a Value, what: &str) -> Result<Fields<'a>, FieldError> {
        match value {
            Value::Object(map) => Ok(Fields {
                map,
                read: smallvec::SmallVec::new(),
                path: String::new(),
            }),
            _ => Err(FieldError::new(what, Problem::NotObject)),
        }
    }

    fn name(&self, field: &str) -> String {
        format!("{}{field}", self.path)
    }

    /// The error for `field`; its full name is only spelt out when there is an error.
    fn fail(&self, field: &str, problem: Problem) -> FieldError {
        FieldError::new(self.name(field), problem)
    }

    /// The raw value; `null` counts as absent.
    pub fn value(&mut self, field: &str) -> Option<&'a Value> {
        let (key, value) = self.map.get_key_value(field)?;
        self.read.push(key.as_str());
        (!value.is_null()).then_some(value)
    }

    pub fn has(&self, field: &str) -> bool {
        self.map.get(field).is_some_and(|v| !v.is_null())
    }

    /// A whole number within the 32-bit range, negative allowed.
    pub fn integer(&mut self, field: &str) -> Result<Option<i64>, FieldError> {
        match self.value(field) {
            None => Ok(None),
            Some(v) => integer_value(v).map(Some).map_err(|p| self.fail(field, p)),
        }
    }

    /// A whole number from 0 to [`MAX_QUANTITY`].
    pub fn quantity(&mut self, field: &str) -> Result<Option<i64>, FieldError> {
        match self.integer(field)? {
            Some(q) if q < 0 => Err(self.fail(field, Problem::Negative)),
            q => Ok(q),
        }
    }

    pub fn boolean(&mut self, field: &str) -> Result<Option<bool>, FieldError> {
        match self.value(field) {
            None => Ok(None),
            Some(Value::Bool(b)) => Ok(Some(*b)),
            Some(_) => Err(self.fail(field, Problem::NotBoolean)),
        }
    }

    /// Free text up to [`MAX_TEXT_LEN`]; control characters other than line breaks refused.
    pub fn text(&mut self, field: &str) -> Result<Option<&'a str>, FieldError> {
        match self.value(field) {
            None => Ok(None),
            Some(Value::String(s)) => match text_problem(s) {
                Ok(()) => Ok(Some(s.as_str())),
                Err(p) => Err(self.fail(field, p)),
            },
            Some(_) => Err(self.fail(field, Problem::NotString)),
        }
    }

    /// An identifier: a string, or a whole number written without quotes (`"locationId": 104`).
    pub fn id(&mut self, field: &str) -> Result<Option<String>, FieldError> {
        let raw = match self.value(field) {
            None => return Ok(None),
            Some(Value::String(s)) => s.clone(),
            Some(Value::Number(n)) if n.is_i64() || n.is_u64() => n.to_string(),
            Some(_) => return Err(self.fail(field, Problem::NotString)),
        };
        identifier_problem(&raw).map_err(|p| self.fail(field, p))?;
        Ok(Some(raw))
    }

    /// A string identifier (numbers refused).
    pub fn string_id(&mut self, field: &str) -> Result<Option<String>, FieldError> {
        match self.value(field) {
            None => Ok(None),
            Some(Value::String(s)) => {
                identifier_problem(s).map_err(|p| self.fail(field, p))?;
                Ok(Some(s.clone()))
            }
            Some(_) => Err(self.fail(field, Problem::NotString)),
        }
    }

    /// A calendar date, `YYYY-MM-DD` or a full RFC 3339 timestamp.
    pub fn date(&mut self, field: &str) -> Result<Option<String>, FieldError> {
        match self.text(field)? {
            None => Ok(None),
            Some(s) if is_date(s) => Ok(Some(s.to_owned())),
            Some(_) => Err(self.fail(field, Problem::NotDate)),
        }
    }

    /// A nested object, read with its own field tracking.
    pub fn object(&mut self, field: &str) -> Result<Option<Fields<'a>>, FieldError> {
        match self.value(field) {
            None => Ok(None),
            Some(Value::Object(map)) => Ok(Some(Fields {
                map,
                read: smallvec::SmallVec::new(),
                path: format!("{}.", self.name(field)),
            })),
            Some(_) => Err(self.fail(field, Problem::NotObject)),
        }
    }

    /// Marks a field as known without reading it (accepted and ignored).
    pub fn ignore(&mut self, field: &str) {
        let _ = self.value(field);
    }

    /// Fails on the first field that was never read.
    pub fn finish(self) -> Result<(), FieldError> {
        match self.map.keys().find(|k| !self.read.contains(&k.as_str())) {
            Some(unknown) => Err(self.fail(unknown, Problem::Unknown)),
            None => Ok(()),
        }
    }
}

/// A JSON number that is a whole number in the 32-bit range (`12.0` is accepted as 12).
pub fn integer(field: &str, value: &Value) -> Result<i64, FieldError> {
    integer_value(value).map_err(|p| FieldError::new(field, p))
}

fn integer_value(value: &Value) -> Result<i64, Problem> {
    match value {
        Value::Number(n) => whole_number(n),
        _ => Err(Problem::NotInteger),
    }
}

/// The rules of [`integer`] for a number already read.
pub(crate) fn whole_number(n: &Number) -> Result<i64, Problem> {
    if let Some(i) = n.as_i64() {
        return if i.unsigned_abs() > MAX_QUANTITY as u64 {
            Err(Problem::TooLarge)
        } else {
            Ok(i)
        };
    }
    if n.as_u64().is_some() {
        return Err(Problem::TooLarge);
    }
    let f = n.as_f64().unwrap_or(f64::NAN);
    if !f.is_finite() || f.fract() != 0.0 {
        return Err(Problem::NotInteger);
    }
    if f.abs() > MAX_QUANTITY as f64 {
        return Err(Problem::TooLarge);
    }
    Ok(f as i64)
}

/// The identifier text rules, as a field error.
pub fn identifier(field: &str, raw: &str) -> Result<(), FieldError> {
    identifier_problem(raw).map_err(|p| FieldError::new(field, p))
}

pub(crate) fn identifier_problem(raw: &str) -> Result<(), Problem> {
    if raw.len() > MAX_IDENTIFIER_LEN {
        return Err(Problem::TooLong);
    }
    check_text("id", raw).map_err(|e| match e {
        crate::identifiers::IdentifierError::ControlCharacter { .. } => Problem::ControlCharacter,
        _ => Problem::Empty,
    })
}

/// Free text rules: at most [`MAX_TEXT_LEN`] bytes, no control characters but line breaks.
pub(crate) fn text_problem(s: &str) -> Result<(), Problem> {
    if s.len() > MAX_TEXT_LEN {
        return Err(Problem::TooLong);
    }
    if s.chars()
        .any(|c| c.is_control() && c != '\n' && c != '\r' && c != '\t')
    {
        return Err(Problem::ControlCharacter);
    }
    Ok(())
}

fn is_date(s: &str) -> bool {
    use time::format_description::well_known::Rfc3339;
    let date = time::macros::format_description!("[year]-[month]-[day]");
    time::Date::parse(s, &date).is_ok() || time::OffsetDateTime::parse(s, &Rfc3339).is_ok()
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn quantities_must_be_whole_non_negative_and_32_bit() {
        let v = json!({"a": 12, "b": 12.0, "c": 12.5, "d": -1, "e": 1e30, "f": "12",
                       "g": 18446744073709551615u64, "h": 2147483647, "i": 2147483648i64, "j": null});
        let mut f = Fields::of(&v, "item").unwrap();
        assert_eq!(f.quantity("a"), Ok(Some(12)));
        assert_eq!(f.quantity("b"), Ok(Some(12)));
        assert_eq!(f.quantity("c").unwrap_err().problem, Problem::NotInteger);
        assert_eq!(
            f.quantity("d").unwrap_err().to_string(),
            "d must not be negative"
        );
        assert_eq!(f.quantity("e").unwrap_err().problem, Problem::TooLarge);
        assert_eq!(f.quantity("f").unwrap_err().problem, Problem::NotInteger);
        assert_eq!(f.quantity("g").unwrap_err().problem, Problem::TooLarge);
        assert_eq!(f.quantity("h"), Ok(Some(2147483647)));
        assert_eq!(f.quantity("i").unwrap_err().problem, Problem::TooLarge);
        assert_eq!(f.quantity("j"), Ok(None));
        assert_eq!(f.quantity("absent"), Ok(None));
        assert!(f.finish().is_ok());
    }

    #[test]
    fn unknown_fields_are_reported_with_their_path() {
        let v = json!({"sku": "A", "quantity_in_stok": 3, "nested": {"limit": 1, "x": 2}});
        let mut f = Fields::of(&v, "item").unwrap();
        f.text("sku").unwrap();
        let mut nested = f.object("nested").unwrap().unwrap();
        nested.integer("limit").unwrap();
        assert_eq!(
            nested.finish().unwrap_err().to_string(),
            "Unknown field: nested.x"
        );
        assert_eq!(
            f.finish().unwrap_err().to_string(),
            "Unknown field: quantity_in_stok"
        );
    }

    #[test]
    fn ids_accept_numbers_and_refuse_junk() {
        let v =
            json!({"a": 104, "b": "104", "c": 1.5, "d": "", "e": "x\u{7}", "f": true, "g": "é✓"});
        let mut f = Fields::of(&v, "row").unwrap();
        assert_eq!(f.id("a"), Ok(Some("104".into())));
        assert_eq!(f.id("b"), Ok(Some("104".into())));
        assert_eq!(f.id("c").unwrap_err().problem, Problem::NotString);
        assert_eq!(f.id("d").unwrap_err().problem, Problem::Empty);
        assert_eq!(f.id("e").unwrap_err().problem, Problem::ControlCharacter);
        assert_eq!(f.id("f").unwrap_err().problem, Problem::NotString);
        assert_eq!(f.id("g"), Ok(Some("é✓".into())));
        assert_eq!(f.string_id("a").unwrap_err().problem, Problem::NotString);
    }

    #[test]
    fn dates_and_texts() {
        let v = json!({"d1": "2020-05-05", "d2": "2020-05-05T10:00:00Z", "d3": "05/05/2020",
                       "t": "x".repeat(MAX_TEXT_LEN + 1), "b": "yes"});
        let mut f = Fields::of(&v, "row").unwrap();
        assert_eq!(f.date("d1"), Ok(Some("2020-05-05".into())));
        assert!(f.date("d2").unwrap().is_some());
        assert_eq!(f.date("d3").unwrap_err().problem, Problem::NotDate);
        assert_eq!(f.text("t").unwrap_err().problem, Problem::TooLong);
        assert_eq!(f.boolean("b").unwrap_err().problem, Problem::NotBoolean);
        assert_eq!(
            Fields::of(&json!([1]), "row").unwrap_err().to_string(),
            "row must be a JSON object"
        );
    }
}
