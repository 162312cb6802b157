//! `POST /api/batchStock?warehouse_id=ID` (document 001).
//!
//! `{"batchStock": {"item": [...]}}`: each item names a variant by `variant_id`, `barcode` or
//! `code` and sets `inStock`, `demand` and/or `supply` at the warehouse of the query. The
//! response says whether all passed and lists only the failed items, each echoing its input.
//! Errors carry the document's numeric codes and texts.

use inventory_core::auth::{KeyScheme, Scope};
use inventory_core::http::{
    self, App, BodyError, Ctx, Dialect, Endpoint, ErrorCode, Rejection, Reply,
};
use inventory_core::identifiers::Identifier;
use inventory_core::lambda_http::http::StatusCode;
use inventory_core::lambda_http::{Request, RequestExt};
use inventory_core::model::{StockUpdate, TenantId};
use inventory_core::resolve::{KeySet, LocationRef, ResolveError};
use inventory_core::service::{self, ItemFailure, UpdateItem};
use inventory_core::store::{Backend, Deadline};
use inventory_core::validate::{FieldError, Fields};
use serde_json::{Map, Value, json};

/// Most items accepted in one call.
pub const MAX_ITEMS: usize = 1000;

pub const MISSING_BATCH_STOCK: u32 = 12001;
pub const MISSING_WAREHOUSE_ID: u32 = 12002;
pub const WAREHOUSE_NOT_FOUND: u32 = 12003;
pub const MISSING_ITEMS: u32 = 12004;
pub const TOO_MANY_ITEMS: u32 = 12005;
pub const SOME_FAILED: u32 = 12006;
pub const ITEM_NOT_SAVED: u32 = 12051;
pub const VARIANT_NOT_FOUND: u32 = 12052;

const SOME_FAILED_TEXT: &str = "Some items failed to update please check results.";
const NOT_SAVED_TEXT: &str = "Failed to save item";
const NOT_FOUND_TEXT: &str = "Variant not found";

pub struct BatchStock;

/// `{"allPassed": false, "code": 12001, "error": "..."}`; the key as a Bearer token or in
/// `x-api-key` (the document names no header).
pub struct BatchStockErrors;

impl Dialect for BatchStockErrors {
    const KEY_SCHEME: KeyScheme = KeyScheme::Bearer { x_api_key: true };

    fn error_body(rejection: &Rejection) -> Value {
        let mut body = json!({ "allPassed": false, "error": rejection.message });
        if let Some(ErrorCode::Number(code)) = rejection.code {
            body["code"] = json!(code);
        }
        body
    }
}

fn reject(status: StatusCode, code: u32, message: impl Into<String>) -> Rejection {
    Rejection::invalid(message)
        .with_status(status)
        .with_code(ErrorCode::Number(code))
}

impl Endpoint for BatchStock {
    const NAME: &'static str = "batch-stock";
    const SCOPE: Scope = Scope::InventoryWrite;
    type Dialect = BatchStockErrors;

    async fn handle<B: Backend>(app: &App<B>, cx: &Ctx, req: Request) -> Result<Reply, Rejection> {
        // A well-formed request is read straight into typed items; any other goes the
        // general way, as JSON read field by field, which words every error.
        let quick = quick::items(&req);
        let body = match quick {
            Some(_) => Value::Null,
            None => general_body(&req)?,
        };
        let warehouse = req
            .query_string_parameters_ref()
            .and_then(|q| q.first("warehouse_id"))
            .map(str::trim)
            .filter(|w| !w.is_empty())
            .map(str::to_owned)
            .ok_or_else(|| {
                reject(
                    StatusCode::BAD_REQUEST,
                    MISSING_WAREHOUSE_ID,
                    "Missing query parameter warehouse_id",
                )
            })?;
        let warehouse_missing = || {
            reject(
                StatusCode::NOT_FOUND,
                WAREHOUSE_NOT_FOUND,
                format!("Warehouse not found: {warehouse}"),
            )
        };
        let tenant = &cx.principal.tenant;
        let location = LocationRef::Id(warehouse.clone());
        let mut elements: Vec<&Value> = Vec::new();
        let (valid, slots) = match quick {
            Some(items) => service::split(items.into_iter().map(|(identifier, update)| {
                Ok::<_, ItemError>(UpdateItem {
                    identifier,
                    location: location.clone(),
                    update,
                })
            })),
            None => {
                elements = match collection(&body["batchStock"]) {
                    Ok(elements) => elements,
                    Err(rejection) => {
                        // The document checks the warehouse before the collection.
                        if !warehouse_exists(app, tenant, &warehouse, cx.deadline).await? {
                            return Err(warehouse_missing());
                        }
                        return Err(rejection);
                    }
                };
                service::split(elements.iter().map(|e| parse(e, &location)))
            }
        };
        let plan = service::plan(
            &app.store,
            tenant,
            valid,
            |keys| keys.location(&location),
            cx.deadline,
        )
        .await?;
        if plan.lookup.location(&location).is_err() {
            return Err(warehouse_missing());
        }
        let outcomes = service::commit(&app.store, tenant, plan.items, cx.deadline).await;
        if service::store_failed_all(&outcomes) {
            return Err(Rejection::unavailable().with_code(ErrorCode::Number(ITEM_NOT_SAVED)));
        }
        // A failed item is echoed as it came: read the body as JSON after all, if need be.
        let reread;
        if elements.is_empty() && outcomes.iter().any(Result::is_err) {
            reread = http::parse_json(&req).unwrap_or_default();
            elements = collection(&reread["batchStock"]).unwrap_or_default();
        }
        let element = |i: usize| elements.get(i).copied().unwrap_or(&Value::Null);
        let failed: Vec<Value> = slots
            .join(outcomes, |i, outcome| match outcome {
                Ok(Ok(_)) => None,
                Ok(Err(failure)) => Some(echo(element(i), failure_text(&failure))),
                Err(invalid) => Some(echo(element(i), invalid)),
            })
            .into_iter()
            .flatten()
            .collect();
        let body = if failed.is_empty() {
            json!({ "allPassed": true, "results": [] })
        } else {
            json!({
                "allPassed": false,
                "code": SOME_FAILED,
                "error": SOME_FAILED_TEXT,
                "results": failed,
            })
        };
        Reply::ok(&body)
    }
}

/// The body, as JSON with a `batchStock` object.
fn general_body(req: &Request) -> Result<Value, Rejection> {
    let missing_batch = || {
        reject(
            StatusCode::BAD_REQUEST,
            MISSING_BATCH_STOCK,
            "Missing mandatory property, 'batchStock'",
        )
    };
    let body = match http::parse_json(req) {
        Ok(body) => body,
        Err(BodyError::Empty) => return Err(missing_batch()),
        Err(BodyError::Malformed(e)) => {
            // The property cannot be found in a body that is not JSON; say why as well.
            let mut r = missing_batch();
            r.message = format!("{} (request body is not valid JSON: {e})", r.message);
            return Err(r);
        }
    };
    if !body.get("batchStock").is_some_and(Value::is_object) {
        return Err(missing_batch());
    }
    Ok(body)
}

/// The item collection: an array (or a single object, as XML-born clients send one item),
/// with 1 to 1,000 entries.
fn collection(batch: &Value) -> Result<Vec<&Value>, Rejection> {
    let missing = || {
        reject(
            StatusCode::BAD_REQUEST,
            MISSING_ITEMS,
            "Missing stock item collection!",
        )
    };
    let items: Vec<&Value> = match batch.get("item") {
        Some(Value::Array(items)) => items.iter().collect(),
        Some(one @ Value::Object(_)) => vec![one],
        _ => return Err(missing()),
    };
    if items.is_empty() {
        return Err(missing());
    }
    if items.len() > MAX_ITEMS {
        return Err(reject(
            StatusCode::BAD_REQUEST,
            TOO_MANY_ITEMS,
            "Call exceeds 1,000 item limit!",
        ));
    }
    Ok(items)
}

async fn warehouse_exists<B: Backend>(
    app: &App<B>,
    tenant: &TenantId,
    warehouse: &str,
    deadline: Deadline,
) -> Result<bool, Rejection> {
    let location = LocationRef::Id(warehouse.to_owned());
    let mut keys = KeySet::new();
    keys.location(&location);
    let lookup = keys.lookup(&app.store, tenant, deadline).await?;
    Ok(lookup.location(&location).is_ok())
}

type ItemError = (u32, String);

fn not_saved(e: impl std::fmt::Display) -> ItemError {
    (ITEM_NOT_SAVED, format!("{NOT_SAVED_TEXT}: {e}"))
}

fn parse(item: &Value, location: &LocationRef) -> Result<UpdateItem, ItemError> {
    let mut f = Fields::of(item, "item").map_err(not_saved)?;
    // Where a client sends several identifiers, the most specific one is used.
    let variant_id = f.id("variant_id").map_err(not_saved)?;
    let barcode = f.id("barcode").map_err(not_saved)?;
    let code = f.id("code").map_err(not_saved)?;
    let identifier = match (variant_id, barcode, code) {
        (Some(v), _, _) => Identifier::VariantId(v),
        (None, Some(b), _) => Identifier::Barcode(b),
        (None, None, Some(c)) => Identifier::Code(c),
        (None, None, None) => {
            return Err((
                VARIANT_NOT_FOUND,
                format!("{NOT_FOUND_TEXT}: give variant_id, barcode or code"),
            ));
        }
    };
    let update = StockUpdate {
        on_hand: f.quantity("inStock").map_err(not_saved)?,
        demand: f.quantity("demand").map_err(not_saved)?,
        supply: f.quantity("supply").map_err(not_saved)?,
        ..Default::default()
    };
    f.finish().map_err(not_saved)?;
    if update.is_empty() {
        return Err(not_saved(FieldError::missing("inStock, demand or supply")));
    }
    Ok(UpdateItem {
        identifier,
        location: location.clone(),
        update,
    })
}

/// The quick way in: a well-formed request read into typed items, each already held to
/// [`parse`]'s rules; `None` sends the request the general way.
mod quick {
    use inventory_core::identifiers::Identifier;
    use inventory_core::lambda_http::Request;
    use inventory_core::model::StockUpdate;
    use inventory_core::typed::{self, Array, Element, Id};
    use serde::Deserialize;
    use serde_json::Number;

    #[derive(Deserialize)]
    struct Body<'a> {
        #[serde(rename = "batchStock", borrow)]
        batch_stock: Batch<'a>,
    }

    #[derive(Deserialize)]
    struct Batch<'a> {
        #[serde(borrow)]
        item: Array<Item<'a>, { super::MAX_ITEMS }>,
    }

    #[derive(Deserialize)]
    #[serde(deny_unknown_fields)]
    struct Item<'a> {
        #[serde(borrow)]
        variant_id: Option<Id<'a>>,
        #[serde(borrow)]
        barcode: Option<Id<'a>>,
        #[serde(borrow)]
        code: Option<Id<'a>>,
        #[serde(rename = "inStock")]
        in_stock: Option<Number>,
        demand: Option<Number>,
        supply: Option<Number>,
    }

    pub fn items(req: &Request) -> Option<Vec<(Identifier, StockUpdate)>> {
        let body: Body = typed::body(req)?;
        Some(body.batch_stock.item.0)
    }

    impl Element for Item<'_> {
        type Out = (Identifier, StockUpdate);

        fn accept(self) -> Option<Self::Out> {
            item(self)
        }
    }

    fn item(item: Item) -> Option<(Identifier, StockUpdate)> {
        let id = |id: Option<Id>| id.map(Id::checked);
        let quantity = |n: Option<Number>| n.map(|n| typed::quantity(&n));
        let (variant_id, barcode, code) = (id(item.variant_id), id(item.barcode), id(item.code));
        let identifier = match (variant_id, barcode, code) {
            (Some(None), _, _) | (_, Some(None), _) | (_, _, Some(None)) => return None,
            (Some(Some(v)), _, _) => Identifier::VariantId(v),
            (None, Some(Some(b)), _) => Identifier::Barcode(b),
            (None, None, Some(Some(c))) => Identifier::Code(c),
            (None, None, None) => return None,
        };
        let (on_hand, demand, supply) = (
            quantity(item.in_stock),
            quantity(item.demand),
            quantity(item.supply),
        );
        if [on_hand, demand, supply].contains(&Some(None)) {
            return None;
        }
        let update = StockUpdate {
            on_hand: on_hand.flatten(),
            demand: demand.flatten(),
            supply: supply.flatten(),
            ..Default::default()
        };
        (!update.is_empty()).then_some((identifier, update))
    }
}

fn failure_text(failure: &ItemFailure) -> ItemError {
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

/// A failed item as the response lists it: its own fields, then the verdict.
fn echo(item: &Value, (code, message): ItemError) -> Value {
    let mut out = match item {
        Value::Object(map) => map.clone(),
        other => Map::from_iter([("item".to_owned(), other.clone())]),
    };
    out.insert("success".into(), Value::Bool(false));
    out.insert("message".into(), Value::String(message));
    out.insert("code".into(), json!(code));
    Value::Object(out)
}

#[cfg(test)]
mod tests;
