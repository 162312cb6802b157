//! The response: whether all passed, and each failed item as it was sent, with its verdict.

use inventory_core::resolve::ResolveError;
use inventory_core::service::ItemFailure;
use serde::Serialize;
use serde::ser::{SerializeMap, Serializer};

use crate::request::{Echo, ItemError, NOT_FOUND_TEXT, NOT_SAVED_TEXT};
use crate::{ITEM_NOT_SAVED, SOME_FAILED, VARIANT_NOT_FOUND};

const SOME_FAILED_TEXT: &str = "Some items failed to update please check results.";

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Results<'r, 'a> {
    all_passed: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    code: Option<u32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    error: Option<&'static str>,
    results: Vec<Failed<'r, 'a>>,
}

impl<'r, 'a> Results<'r, 'a> {
    /// The answer, given each item's failure (`None` for the stored ones).
    pub fn new(items: Vec<Option<Failed<'r, 'a>>>) -> Self {
        let results: Vec<Failed> = items.into_iter().flatten().collect();
        let passed = results.is_empty();
        Results {
            all_passed: passed,
            code: (!passed).then_some(SOME_FAILED),
            error: (!passed).then_some(SOME_FAILED_TEXT),
            results,
        }
    }

    /// Written by serde_json: an echo holds the item's values as sent, text only serde_json
    /// writes verbatim.
    pub fn to_json(&self) -> Result<Vec<u8>, serde_json::Error> {
        serde_json::to_vec(self)
    }
}

/// A failed item: its own fields as sent, then `success`, `message` and `code`.
pub struct Failed<'r, 'a> {
    item: Option<&'r Echo<'a>>,
    error: ItemError,
}

impl<'r, 'a> Failed<'r, 'a> {
    pub fn new(item: Option<&'r Echo<'a>>, error: ItemError) -> Self {
        Failed { item, error }
    }
}

/// The fields the verdict adds: an item's own field of that name gives way to it.
const VERDICT: [&str; 3] = ["success", "message", "code"];

impl Serialize for Failed<'_, '_> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut map = serializer.serialize_map(None)?;
        match self.item {
            Some(Echo::Fields(entries)) => {
                for (key, value) in &entries.0 {
                    if !VERDICT.contains(&key.as_str()) {
                        map.serialize_entry(key.as_str(), value)?;
                    }
                }
            }
            // Not an object: echoed as `item`.
            Some(Echo::Other(value)) => map.serialize_entry("item", value)?,
            None => {}
        }
        let (code, message) = &self.error;
        map.serialize_entry("success", &false)?;
        map.serialize_entry("message", message)?;
        map.serialize_entry("code", code)?;
        map.end()
    }
}

/// The item error for an item the core could not store.
pub fn failure_text(failure: &ItemFailure) -> ItemError {
    match failure {
        ItemFailure::Resolve(ResolveError::NotFound | ResolveError::Invalid(_)) => {
            (VARIANT_NOT_FOUND, NOT_FOUND_TEXT.to_owned())
        }
        ItemFailure::Resolve(ResolveError::Ambiguous(ids)) => (
            VARIANT_NOT_FOUND,
            format!(
                "{NOT_FOUND_TEXT}: several variants match ({})",
                ids.join(", ")
            ),
        ),
        _ => (ITEM_NOT_SAVED, NOT_SAVED_TEXT.to_owned()),
    }
}
