//! The value rules every dialect applies (quantities, identifiers, free text, dates) and the
//! field error a client reads when a value breaks one. The dialects' readers
//! ([`crate::reader`]) apply them as they read; each dialect words the errors its own way.

use std::fmt;

use crate::identifiers::{IdentifierError, MAX_IDENTIFIER_LEN, check_text};

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
    /// The key came more than once in its object: which value was meant is anyone's guess.
    Repeated,
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
            Problem::Repeated => write!(f, "Repeated field: {field}"),
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

/// The identifier text rules, as a field error.
pub fn identifier(field: &str, raw: &str) -> Result<(), FieldError> {
    identifier_problem(raw).map_err(|p| FieldError::new(field, p))
}

/// The identifier text rules: not blank, at most [`MAX_IDENTIFIER_LEN`] bytes, no control
/// or invisible formatting characters. Identifiers are kept exactly as sent, never trimmed.
pub fn identifier_problem(raw: &str) -> Result<(), Problem> {
    if raw.len() > MAX_IDENTIFIER_LEN {
        return Err(Problem::TooLong);
    }
    check_text("id", raw).map_err(|e| match e {
        IdentifierError::ControlCharacter { .. } => Problem::ControlCharacter,
        _ => Problem::Empty,
    })
}

/// Free text rules: at most [`MAX_TEXT_LEN`] bytes, no control characters but line breaks.
pub fn text_problem(s: &str) -> Result<(), Problem> {
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

/// A calendar date written exactly `YYYY-MM-DD`, as the documents give dates.
pub fn is_date(s: &str) -> bool {
    let format = time::macros::format_description!("[year]-[month]-[day]");
    let b = s.as_bytes();
    b.len() == 10
        && b.iter().enumerate().all(|(i, c)| {
            if i == 4 || i == 7 {
                *c == b'-'
            } else {
                c.is_ascii_digit()
            }
        })
        && time::Date::parse(s, &format).is_ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn identifiers_are_taken_as_sent_or_refused() {
        assert_eq!(identifier_problem("é✓"), Ok(()));
        assert_eq!(identifier_problem(" WH-A"), Ok(()), "never trimmed");
        assert_eq!(identifier_problem(""), Err(Problem::Empty));
        assert_eq!(identifier_problem("  "), Err(Problem::Empty));
        assert_eq!(identifier_problem("x\u{7}"), Err(Problem::ControlCharacter));
        assert_eq!(identifier_problem("\nWH-A"), Err(Problem::ControlCharacter));
        assert_eq!(
            identifier_problem("a\u{202e}"),
            Err(Problem::ControlCharacter)
        );
        let long = "x".repeat(MAX_IDENTIFIER_LEN + 1);
        assert_eq!(identifier_problem(&long), Err(Problem::TooLong));
        assert_eq!(
            identifier("store", "").unwrap_err().to_string(),
            "store must not be empty"
        );
    }

    #[test]
    fn texts_keep_line_breaks_and_refuse_other_controls() {
        assert_eq!(text_problem("two\nlines\tand\r"), Ok(()));
        assert_eq!(text_problem("bell\u{7}"), Err(Problem::ControlCharacter));
        let long = "x".repeat(MAX_TEXT_LEN + 1);
        assert_eq!(text_problem(&long), Err(Problem::TooLong));
    }

    #[test]
    fn dates_are_exactly_year_month_day() {
        assert!(is_date("2020-05-05"));
        assert!(is_date("2024-02-29"));
        for not in [
            "2020-02-30",
            "2021-02-29",
            "2020-5-5",
            "05/05/2020",
            "2020-01-01T23:59:59+14:00",
            "2020-05-05 ",
            "+020-05-05",
            "20200-05-05",
            "",
        ] {
            assert!(!is_date(not), "{not}");
        }
    }

    #[test]
    fn problems_read_as_messages() {
        let e = |p| FieldError::new("inStock", p).to_string();
        assert_eq!(e(Problem::Repeated), "Repeated field: inStock");
        assert_eq!(e(Problem::Unknown), "Unknown field: inStock");
        assert_eq!(e(Problem::NotInteger), "inStock must be a whole number");
        assert_eq!(e(Problem::TooLarge), "inStock must be at most 2147483647");
        assert_eq!(
            FieldError::new("type", Problem::NotOneOf(&["Stock", "Transit"])).to_string(),
            "type must be one of: Stock, Transit"
        );
    }
}
