//! `POST /timp/products/skus/inventory/bulk/` (document 003, Crux timp).
//!
//! The body is an array; each element names a sku by exactly one of `sku_id`, `upca`,
//! `ean13`, `gtin14` or `isbn` and sets `quantity_in_stock`, `quantity_on_backorder` and/or
//! `restrictions`. The response is an array in the same order, one `{status_code, message}`
//! per element. Crux has no locations: stock goes to the tenant's default location.
//! The API is a Django REST framework service, so request-level errors are `{"detail": ...}`
//! with DRF's own texts, and the key travels as `Authorization: Token KEY`.

use std::borrow::Cow;

use inventory_core::auth::{AuthError, KeyScheme, Scope};
use inventory_core::http::{self, App, BodyError, Ctx, Dialect, Endpoint, Kind, Rejection, Reply};
use inventory_core::identifiers::{GtinForm, Identifier};
use inventory_core::lambda_http::Request;
use inventory_core::lambda_http::http::StatusCode;
use inventory_core::model::{Restriction, StockUpdate};
use inventory_core::resolve::{LocationError, LocationRef, ResolveError};
use inventory_core::service::{self, ItemFailure, UpdateItem};
use inventory_core::store::Backend;
use inventory_core::validate::{FieldError, Fields, MAX_QUANTITY, Problem};
use serde::Serialize;
use serde_json::{Value, json};

/// Most elements accepted in one call.
pub const MAX_ITEMS: usize = 1000;

const VALID_IDENTIFIERS: &str = "sku_id, upca, ean13, gtin14, isbn";
const VALID_FIELDS: &str = "quantity_in_stock, quantity_on_backorder, restrictions";

pub struct CruxBulkInventory;

/// Django REST framework conventions.
pub struct Drf;

impl Dialect for Drf {
    const KEY_SCHEME: KeyScheme = KeyScheme::Token;

    fn error_body(rejection: &Rejection) -> Value {
        json!({ "detail": rejection.message })
    }

    fn auth_rejection(err: AuthError) -> Rejection {
        // TokenAuthentication's own messages.
        let message = match err {
            AuthError::Missing => "Authentication credentials were not provided.",
            AuthError::Malformed => "Invalid token header. No credentials provided.",
            AuthError::Invalid => "Invalid token.",
            AuthError::MissingScope(_) => "You do not have permission to perform this action.",
        };
        let status = match err {
            AuthError::MissingScope(_) => StatusCode::FORBIDDEN,
            _ => StatusCode::UNAUTHORIZED,
        };
        Rejection::new(status, Kind::Auth(err), message)
    }
}

/// One element of the response array.
#[derive(Serialize, Debug, PartialEq, Eq)]
pub struct ItemStatus {
    pub status_code: u16,
    /// Borrowed for the fixed texts: the success of every item is not worth an allocation.
    pub message: Cow<'static, str>,
}

impl ItemStatus {
    fn new(status_code: u16, message: impl Into<Cow<'static, str>>) -> Self {
        ItemStatus {
            status_code,
            message: message.into(),
        }
    }
}

impl Endpoint for CruxBulkInventory {
    const NAME: &'static str = "crux-bulk-inventory";
    const SCOPE: Scope = Scope::InventoryWrite;
    type Dialect = Drf;

    async fn handle<B: Backend>(app: &App<B>, cx: &Ctx, req: Request) -> Result<Reply, Rejection> {
        // A well-formed request is read straight into typed items; any other goes the
        // general way, as JSON read field by field, which words every error.
        let quick = quick::items(&req);
        let body = match quick {
            Some(_) => Value::Null,
            None => general_body(&req)?,
        };
        let mut elements: &[Value] = body.as_array().map_or(&[], Vec::as_slice);
        let (items, slots) = match quick {
            Some(items) => service::split(items.into_iter().map(Ok::<_, ItemStatus>)),
            None => service::split(elements.iter().map(parse)),
        };
        let tenant = &cx.principal.tenant;
        let plan = service::plan(&app.store, tenant, items, |_| {}, cx.deadline).await?;
        let outcomes = service::commit(&app.store, tenant, plan.items, cx.deadline).await;
        if service::store_failed_all(&outcomes) {
            return Err(Rejection::unavailable());
        }
        // A failure names the item's identifier as sent: read the body as JSON after all.
        let reread;
        if elements.is_empty() && outcomes.iter().any(Result::is_err) {
            reread = http::parse_json(&req).unwrap_or_default();
            elements = reread.as_array().map_or(&[], Vec::as_slice);
        }
        let element = |i: usize| elements.get(i).unwrap_or(&Value::Null);
        let statuses = slots.join(outcomes, |i, outcome| match outcome {
            Ok(Ok(_)) => ItemStatus::new(200, "success"),
            Ok(Err(failure)) => failure_status(&identifier_repr(element(i)), failure),
            Err(invalid) => invalid,
        });
        // `{"status_code":200,"message":"success"},` is 41 bytes.
        Reply::ok_sized(&statuses, 48 * statuses.len())
    }
}

/// The body, as a JSON array of 1 to [`MAX_ITEMS`] elements.
fn general_body(req: &Request) -> Result<Value, Rejection> {
    let body = http::parse_json(req).map_err(|e| match e {
        BodyError::Empty => {
            Rejection::invalid("Expected a list of items but got type \"NoneType\".")
        }
        BodyError::Malformed(e) => Rejection::invalid(format!("JSON parse error - {e}")),
    })?;
    let elements = match &body {
        Value::Array(elements) => elements,
        other => {
            return Err(Rejection::invalid(format!(
                "Expected a list of items but got type \"{}\".",
                python_type(other)
            )));
        }
    };
    if elements.is_empty() {
        return Err(Rejection::invalid("This list may not be empty."));
    }
    if elements.len() > MAX_ITEMS {
        return Err(Rejection::invalid(format!(
            "Ensure this field has no more than {MAX_ITEMS} elements."
        )));
    }
    Ok(body)
}

/// The identifier field names, in the order a message lists them.
const IDENTIFIERS: [&str; 5] = ["sku_id", "upca", "ean13", "gtin14", "isbn"];

fn identifier(name: &str, raw: String) -> Identifier {
    let form = match name {
        "sku_id" => return Identifier::Sku(raw),
        "upca" => GtinForm::Upc,
        "ean13" => GtinForm::Ean13,
        "gtin14" => GtinForm::Gtin14,
        _ => GtinForm::Isbn,
    };
    Identifier::Gtin { form, raw }
}

fn parse(element: &Value) -> Result<UpdateItem, ItemStatus> {
    let mut f = Fields::of(element, "item").map_err(|_| {
        ItemStatus::new(
            400,
            format!(
                "Invalid data. Expected a dictionary, but got {}.",
                python_type(element)
            ),
        )
    })?;
    let mut given: smallvec::SmallVec<[(&str, String); 1]> = smallvec::SmallVec::new();
    for name in IDENTIFIERS {
        if let Some(value) = f.id(name).map_err(field_status)? {
            given.push((name, value));
        }
    }
    let (name, value) = match given.len() {
        0 => {
            return Err(ItemStatus::new(
                400,
                format!("No sku identifier given; Valid identifiers: {VALID_IDENTIFIERS}"),
            ));
        }
        1 => given.remove(0),
        _ => {
            let names: Vec<&str> = given.iter().map(|(n, _)| *n).collect();
            return Err(ItemStatus::new(
                400,
                format!(
                    "Give exactly one sku identifier, not {}; Valid identifiers: {VALID_IDENTIFIERS}",
                    names.join(" and ")
                ),
            ));
        }
    };
    let identifier = identifier(name, value);
    let mut update = StockUpdate {
        on_hand: f.quantity("quantity_in_stock").map_err(field_status)?,
        backorder: f.quantity("quantity_on_backorder").map_err(field_status)?,
        ..Default::default()
    };
    if let Some(raw) = f.text("restrictions").map_err(field_status)? {
        update.restriction = Some(match raw {
            // An empty value lifts the restriction.
            "" => None,
            other => Some(Restriction::parse(other).ok_or_else(|| {
                ItemStatus::new(
                    400,
                    format!(
                        "restrictions: \"{other}\" is not a valid choice; valid choices: discontd, tmpunavail"
                    ),
                )
            })?),
        });
    }
    f.finish()
        .map_err(|e| ItemStatus::new(400, format!("{e}; valid fields: {VALID_FIELDS}")))?;
    if update.is_empty() {
        return Err(ItemStatus::new(
            400,
            format!("No inventory fields given; valid fields: {VALID_FIELDS}"),
        ));
    }
    Ok(UpdateItem {
        identifier,
        location: LocationRef::Default,
        update,
    })
}

/// The quick way in: a well-formed request read into typed items, each already held to
/// [`parse`]'s rules; `None` sends the request the general way.
mod quick {
    use std::borrow::Cow;

    use inventory_core::lambda_http::Request;
    use inventory_core::model::{Restriction, StockUpdate};
    use inventory_core::resolve::LocationRef;
    use inventory_core::service::UpdateItem;
    use inventory_core::typed::{self, Array, Element, Id};
    use serde::Deserialize;
    use serde_json::Number;

    #[derive(Deserialize)]
    #[serde(deny_unknown_fields)]
    struct Item<'a> {
        #[serde(borrow)]
        sku_id: Option<Id<'a>>,
        #[serde(borrow)]
        upca: Option<Id<'a>>,
        #[serde(borrow)]
        ean13: Option<Id<'a>>,
        #[serde(borrow)]
        gtin14: Option<Id<'a>>,
        #[serde(borrow)]
        isbn: Option<Id<'a>>,
        quantity_in_stock: Option<Number>,
        quantity_on_backorder: Option<Number>,
        restrictions: Option<Cow<'a, str>>,
    }

    pub fn items(req: &Request) -> Option<Vec<UpdateItem>> {
        let items: Array<Item, { super::MAX_ITEMS }> = typed::body(req)?;
        Some(items.0)
    }

    impl Element for Item<'_> {
        type Out = UpdateItem;

        fn accept(self) -> Option<UpdateItem> {
            item(self)
        }
    }

    fn item(item: Item) -> Option<UpdateItem> {
        let ids = [item.sku_id, item.upca, item.ean13, item.gtin14, item.isbn];
        let mut given = super::IDENTIFIERS
            .into_iter()
            .zip(ids)
            .filter_map(|(n, id)| Some((n, id?)));
        let (name, id) = given.next()?;
        if given.next().is_some() {
            return None;
        }
        let identifier = super::identifier(name, id.checked()?);
        let quantity = |n: Option<Number>| match n {
            Some(n) => typed::quantity(&n).map(Some),
            None => Some(None),
        };
        let restriction = match &item.restrictions {
            None => None,
            Some(text) => match typed::text(text)? {
                "" => Some(None),
                other => Some(Some(Restriction::parse(other)?)),
            },
        };
        let update = StockUpdate {
            on_hand: quantity(item.quantity_in_stock)?,
            backorder: quantity(item.quantity_on_backorder)?,
            restriction,
            ..Default::default()
        };
        (!update.is_empty()).then_some(UpdateItem {
            identifier,
            location: LocationRef::Default,
            update,
        })
    }
}

/// A field error in DRF's words.
fn field_status(e: FieldError) -> ItemStatus {
    let text = match e.problem {
        Problem::NotInteger => "A valid integer is required.".to_owned(),
        Problem::Negative => "Ensure this value is greater than or equal to 0.".to_owned(),
        Problem::TooLarge => format!("Ensure this value is less than or equal to {MAX_QUANTITY}."),
        Problem::NotString => "Not a valid string.".to_owned(),
        Problem::Empty => "This field may not be blank.".to_owned(),
        Problem::TooLong => "Ensure this field is not too long.".to_owned(),
        Problem::ControlCharacter => "Control characters are not allowed.".to_owned(),
        _ => e.to_string(),
    };
    ItemStatus::new(400, format!("{}: {text}", e.field))
}

fn failure_status(named: &str, failure: ItemFailure) -> ItemStatus {
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
                inventory_core::identifiers::IdentifierError::Gtin { source, .. } => {
                    source.to_string()
                }
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

/// The identifier as Python prints a one-key dict: `{'sku_id': 'NON-EXISTENT'}`.
fn identifier_repr(element: &Value) -> String {
    for name in IDENTIFIERS {
        if let Some(value) = element.get(name).filter(|v| !v.is_null()) {
            return format!("{{'{name}': {}}}", python_repr(value));
        }
    }
    "{}".to_owned()
}

/// `repr()` of a JSON string or number, as Python would print it.
fn python_repr(value: &Value) -> String {
    match value {
        Value::String(s) => {
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
        other => other.to_string(),
    }
}

/// Python's name for the type a JSON value decodes to.
fn python_type(value: &Value) -> &'static str {
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

#[cfg(test)]
mod tests;
