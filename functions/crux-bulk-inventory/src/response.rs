//! The response: one `{status_code, message}` per element, in request order, with identifiers
//! and types named as the Python service names them.

use std::borrow::Cow;

use inventory_core::identifiers::IdentifierError;
use inventory_core::resolve::{LocationError, ResolveError};
use inventory_core::service::ItemFailure;
use serde::Serialize;
use serde_json::Value;

use crate::VALID_IDENTIFIERS;

/// One element of the response array.
#[derive(Serialize, Debug, PartialEq, Eq)]
pub struct ItemStatus {
    pub status_code: u16,
    /// Borrowed for the fixed texts: the success of every item is not worth an allocation.
    pub message: Cow<'static, str>,
}

impl ItemStatus {
    pub fn new(status_code: u16, message: impl Into<Cow<'static, str>>) -> Self {
        ItemStatus {
            status_code,
            message: message.into(),
        }
    }
}

/// The status of an element the core did not store; `named` is its identifier as sent.
pub fn failure_status(named: &str, failure: ItemFailure) -> ItemStatus {
    match failure {
        ItemFailure::Resolve(ResolveError::NotFound) => ItemStatus::new(
            404,
            format!(
                "No sku found with sku identifier: {named}; Valid identifiers: {VALID_IDENTIFIERS}"
            ),
        ),
        ItemFailure::Resolve(ResolveError::Ambiguous(ids)) => ItemStatus::new(
            400,
            format!(
                "Multiple skus found with sku identifier: {named}; matching: {}",
                ids.join(", ")
            ),
        ),
        ItemFailure::Resolve(ResolveError::Invalid(e)) => {
            let reason = match &e {
                IdentifierError::Gtin { source, .. } => source.to_string(),
                other => other.to_string(),
            };
            ItemStatus::new(400, format!("Invalid sku identifier: {named}: {reason}"))
        }
        ItemFailure::Location(LocationError::NoDefault) => {
            ItemStatus::new(500, "No default location is configured for this account")
        }
        other if other.is_store_failure() => {
            ItemStatus::new(503, "Failed to save inventory; please retry")
        }
        other => ItemStatus::new(400, other.to_string()),
    }
}

/// `repr()` of a string, as Python would print it.
pub fn python_repr(s: &str) -> String {
    let quote = if s.contains('\'') && !s.contains('"') {
        '"'
    } else {
        '\''
    };
    let mut out = String::with_capacity(s.len() + 2);
    out.push(quote);
    for c in s.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if c == quote => {
                out.push('\\');
                out.push(c);
            }
            c => out.push(c),
        }
    }
    out.push(quote);
    out
}

/// Python's name for the type a JSON value decodes to.
pub fn python_type(value: &Value) -> &'static str {
    match value {
        Value::Null => "NoneType",
        Value::Bool(_) => "bool",
        Value::Number(n) if n.is_f64() => "float",
        Value::Number(_) => "int",
        Value::String(_) => "str",
        Value::Array(_) => "list",
        Value::Object(_) => "dict",
    }
}
