//! `POST /inventory/query`: the documents' "Retrieve Inventory for Multiple Items".
//!
//! `{"items": [{"upc": "849632048260"}, {"sku": "ZOOT-SUIT", "size": "34", "width": "D"}],
//! "locationIds": ["3"]}`: each item names a variant by any scheme the writers accept; the
//! answer lists, per item in request order, whether it was found and its stored figures at
//! every location (or at the locations asked for). Errors are `{"error": "..."}`.

use std::collections::HashMap;

use inventory_core::auth::{KeyScheme, Scope};
use inventory_core::catalog::Variant;
use inventory_core::http::{self, App, Ctx, Dialect, Endpoint, Rejection, Reply};
use inventory_core::identifiers::{GtinForm, Identifier};
use inventory_core::lambda_http::Request;
use inventory_core::model::{InventoryRecord, Tracking, rfc3339};
use inventory_core::resolve::{KeySet, LocationRef, ResolveError};
use inventory_core::service;
use inventory_core::store::Backend;
use inventory_core::telemetry;
use inventory_core::validate::{FieldError, Fields, Problem};
use serde_json::{Map, Value, json};

/// Most items per call.
pub const MAX_ITEMS: usize = 100;

pub struct InventoryQuery;

/// `{"error": "..."}` bodies; `Authorization: Bearer KEY`.
pub struct QueryErrors;

impl Dialect for QueryErrors {
    const KEY_SCHEME: KeyScheme = KeyScheme::Bearer { x_api_key: false };

    fn error_body(rejection: &Rejection) -> Value {
        json!({ "error": rejection.message })
    }
}

/// Single-field identifier schemes, by the field names the writers use.
const SCHEMES: &[&str] = &[
    "variantId",
    "variant_id",
    "productId",
    "itemId",
    "sku",
    "sku_id",
    "code",
    "barcode",
    "upc",
    "upca",
    "ean13",
    "gtin14",
    "isbn",
];

impl Endpoint for InventoryQuery {
    const NAME: &'static str = "inventory-query";
    const SCOPE: Scope = Scope::InventoryRead;
    type Dialect = QueryErrors;

    async fn handle<B: Backend>(app: &App<B>, cx: &Ctx, req: Request) -> Result<Reply, Rejection> {
        let body = http::json_body(&req)?;
        let query = parse(&body).map_err(|e| Rejection::invalid(e.to_string()))?;
        telemetry::received(query.items.len());

        let tenant = &cx.principal.tenant;
        let mut keys = KeySet::new();
        query.items.iter().for_each(|(_, id)| keys.identifier(id));
        let locations: Option<Vec<LocationRef>> = query
            .locations
            .as_ref()
            .map(|ids| ids.iter().cloned().map(LocationRef::Id).collect());
        locations.iter().flatten().for_each(|l| keys.location(l));
        let lookup = keys.lookup(&app.store, tenant, cx.deadline).await?;
        for location in locations.iter().flatten() {
            if let (Err(_), LocationRef::Id(id)) = (lookup.location(location), location) {
                return Err(Rejection::not_found(format!("Location not found: {id}")));
            }
        }

        let resolved: Vec<Result<&Variant, ResolveError>> = query
            .items
            .iter()
            .map(|(_, id)| lookup.variant(id).map(|v| v.as_ref()))
            .collect();
        let variants: Vec<&Variant> = resolved
            .iter()
            .filter_map(|r| r.as_ref().ok().copied())
            .collect();
        let records = service::read(
            &app.store,
            tenant,
            &variants,
            query.locations.as_deref(),
            cx.deadline,
        )
        .await?;

        let items: Vec<Value> = query
            .items
            .iter()
            .zip(resolved)
            .map(|((asked, _), variant)| match variant {
                Ok(variant) => found(asked, variant, &records),
                Err(e) => json!({ "found": false, "request": asked, "error": not_found_text(&e) }),
            })
            .collect();
        Reply::ok(&json!({ "items": items }))
    }
}

struct Query {
    /// Each item as asked (echoed back) and its identifier.
    items: Vec<(Value, Identifier)>,
    locations: Option<Vec<String>>,
}

fn parse(body: &Value) -> Result<Query, FieldError> {
    let mut f = Fields::of(body, "Request body")?;
    let items = match f.value("items") {
        Some(Value::Array(items)) => items,
        Some(_) => return Err(FieldError::new("items", Problem::NotArray)),
        None => return Err(FieldError::missing("items")),
    };
    if items.is_empty() {
        return Err(FieldError::new("items", Problem::Empty));
    }
    if items.len() > MAX_ITEMS {
        return Err(FieldError::new(
            "items",
            Problem::Invalid("must hold at most 100 items"),
        ));
    }
    let locations = match f.value("locationIds") {
        None => None,
        Some(Value::Array(ids)) => Some(
            ids.iter()
                .enumerate()
                .map(|(i, id)| {
                    let field = format!("locationIds[{i}]");
                    let id = match id {
                        Value::String(s) => s.clone(),
                        Value::Number(n) if n.is_u64() => n.to_string(),
                        _ => return Err(FieldError::new(field, Problem::NotString)),
                    };
                    inventory_core::validate::identifier(&field, &id)?;
                    Ok(id)
                })
                .collect::<Result<Vec<_>, _>>()?,
        ),
        Some(_) => return Err(FieldError::new("locationIds", Problem::NotArray)),
    };
    f.finish()?;
    let items = items
        .iter()
        .enumerate()
        .map(|(i, item)| {
            identifier(item)
                .map(|id| (item.clone(), id))
                .map_err(|mut e| {
                    e.field = format!("items[{i}].{}", e.field);
                    e
                })
        })
        .collect::<Result<Vec<_>, _>>()?;
    Ok(Query { items, locations })
}

/// The one identifier an item names.
fn identifier(item: &Value) -> Result<Identifier, FieldError> {
    let mut f = Fields::of(item, "item")?;
    let mut given = Vec::new();
    for scheme in SCHEMES {
        if let Some(value) = f.id(scheme)? {
            given.push((*scheme, value));
        }
    }
    let size = f.id("size")?;
    let width = f.id("width")?;
    f.finish()?;
    if given.len() != 1 {
        return Err(FieldError::new(
            "identifier",
            Problem::Invalid(
                "must be exactly one of variantId, productId, itemId, sku (with size and width), sku_id, code, barcode, upc, upca, ean13, gtin14, isbn",
            ),
        ));
    }
    let (scheme, value) = given.remove(0);
    if scheme != "sku" && (size.is_some() || width.is_some()) {
        return Err(FieldError::new(
            "size",
            Problem::Invalid("and width go with sku only"),
        ));
    }
    let gtin = |form| Identifier::Gtin {
        form,
        raw: value.clone(),
    };
    Ok(match (size, width) {
        (Some(size), Some(width)) => Identifier::SkuSizeWidth {
            sku: value,
            size,
            width,
        },
        (Some(_), None) => return Err(FieldError::missing("width")),
        (None, Some(_)) => return Err(FieldError::missing("size")),
        (None, None) => match scheme {
            "variantId" | "variant_id" => Identifier::VariantId(value),
            "productId" => Identifier::ProductId(value),
            "itemId" => Identifier::ItemId(value),
            "sku" | "sku_id" => Identifier::Sku(value),
            "code" => Identifier::Code(value),
            "barcode" => Identifier::Barcode(value),
            "upc" | "upca" => gtin(GtinForm::Upc),
            "ean13" => gtin(GtinForm::Ean13),
            "gtin14" => gtin(GtinForm::Gtin14),
            _ => gtin(GtinForm::Isbn),
        },
    })
}

fn not_found_text(e: &ResolveError) -> String {
    match e {
        ResolveError::NotFound => "No variant found".to_owned(),
        ResolveError::Ambiguous(ids) => format!("Ambiguous: matches variants {}", ids.join(", ")),
        ResolveError::Invalid(e) => format!("Invalid {e}"),
    }
}

fn found(
    asked: &Value,
    variant: &Variant,
    records: &HashMap<String, Vec<InventoryRecord>>,
) -> Value {
    let locations: Vec<Value> = records
        .get(&variant.variant_id)
        .map(|rs| rs.iter().map(location).collect())
        .unwrap_or_default();
    json!({
        "found": true,
        "request": asked,
        "variantId": variant.variant_id,
        "productId": variant.product_id,
        "sku": variant.sku,
        "name": variant.name,
        "locations": locations,
    })
}

/// The stored figures of one record. Figures never set are `null`.
fn location(r: &InventoryRecord) -> Value {
    let transit: Vec<Value> = r
        .transit
        .iter()
        .map(|(reference, t)| {
            let mut entry = Map::new();
            entry.insert("ref".into(), json!(reference));
            entry.insert("quantity".into(), json!(t.quantity));
            entry.insert("orderDate".into(), json!(t.order_date));
            entry.insert("stockDate".into(), json!(t.stock_date));
            Value::Object(entry)
        })
        .collect();
    json!({
        "locationId": r.location_id,
        "quantity": r.quantity,
        "demand": r.demand,
        "supply": r.supply,
        "backorder": r.backorder,
        "restrictions": r.restrictions.map(|x| x.as_str()),
        "trackQuantity": r.tracking == Tracking::Quantity,
        "inStock": r.in_stock,
        "availabilityStatus": r.availability(),
        "channel": r.channel,
        "transit": transit,
        "preorderInfo": r.preorder,
        "createdAt": rfc3339(r.created_at),
        "updatedAt": rfc3339(r.updated_at),
        "revision": r.revision,
    })
}

#[cfg(test)]
mod tests;
