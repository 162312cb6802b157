//! `POST /stores/v3/bulk/inventory-items/create` (document 002, Wix Stores catalog v3).
//!
//! Creates inventory items that must not exist yet: one per (variant, location), the
//! location defaulting to the tenant's default one. Each item tracks either a `quantity` or
//! an `inStock` flag, and may carry `preorderInfo`. Results come back per item in request
//! order with `itemMetadata`, and the full entity when `returnEntity` is true.
//!
//! Request-level errors use Wix's error shape: `{"message", "details": {"applicationError":
//! {"code", "description", "data"}}}`, or `details.validationError.fieldViolations` for
//! malformed requests. The three documented application errors reject the whole request
//! with their documented status before anything is written.

use inventory_core::auth::{KeyScheme, Scope};
use inventory_core::catalog::Variant;
use inventory_core::http::{self, App, Ctx, Dialect, Endpoint, ErrorCode, Rejection, Reply};
use inventory_core::lambda_http::Request;
use inventory_core::lambda_http::http::StatusCode;
use inventory_core::layout::RecordKey;
use inventory_core::model::{
    Availability, DEFAULT_PREORDER_LIMIT, InventoryRecord, PreorderInfo, Rfc3339, StockUpdate,
    Tracking,
};
use inventory_core::render::{self, JsonWriter};
use inventory_core::resolve::{LocationError, LocationRef, ResolveError};
use inventory_core::service::{self, CreateItem, ItemFailure};
use inventory_core::store::Backend;
use inventory_core::telemetry;
use inventory_core::validate::{FieldError, Fields, Problem};
use serde::Serialize;
use serde_json::{Value, json};
use std::sync::Arc;
use uuid::Uuid;

/// Most items accepted in one call.
pub const MAX_ITEMS: usize = 1000;

pub struct BulkCreateInventoryItems;

/// Wix's error shape; the key is the bare `Authorization` header.
pub struct WixErrors;

impl Dialect for WixErrors {
    const KEY_SCHEME: KeyScheme = KeyScheme::Bare;

    fn error_body(rejection: &Rejection) -> Value {
        let details = match (&rejection.code, &rejection.detail) {
            (_, Some(violations)) => {
                json!({ "validationError": { "fieldViolations": violations } })
            }
            (Some(ErrorCode::Text(code)), None) => json!({
                "applicationError": {
                    "code": code,
                    "description": rejection.message,
                    "data": {},
                }
            }),
            _ => json!({}),
        };
        json!({ "message": rejection.message, "details": details })
    }
}

/// The documented application errors.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum DocumentedError {
    NegativeQuantity,
    PreorderLimitUntracked,
    PreorderValidation,
}

impl DocumentedError {
    fn rejection(self, index: usize) -> Rejection {
        let (status, code, description) = match self {
            DocumentedError::NegativeQuantity => (
                StatusCode::BAD_REQUEST,
                "REQUESTED_QUANTITY_MUST_BE_NON_NEGATIVE",
                "Tracked inventory creation attempted with negative `quantity`. Quantity must be non-negative.",
            ),
            DocumentedError::PreorderLimitUntracked => (
                StatusCode::BAD_REQUEST,
                "PREORDER_LIMIT_NOT_SUPPORTED_FOR_UNTRACKED_INVENTORY",
                "Preorder limit set for untracked inventory. Preorder limits are only supported for tracked inventory.",
            ),
            DocumentedError::PreorderValidation => (
                StatusCode::PRECONDITION_REQUIRED,
                "PRE_ORDER_VALIDATION",
                "Preorder enabled for a digital product or subscription product. Preorder isn't supported for these product types.",
            ),
        };
        Rejection::invalid(format!("inventoryItems[{index}]: {description}"))
            .with_status(status)
            .with_code(ErrorCode::Text(code))
    }
}

impl Endpoint for BulkCreateInventoryItems {
    const NAME: &'static str = "wix-inventory-create";
    const SCOPE: Scope = Scope::InventoryWrite;
    type Dialect = WixErrors;

    async fn handle<B: Backend>(app: &App<B>, cx: &Ctx, req: Request) -> Result<Reply, Rejection> {
        // A well-formed request is read straight into typed items; any other goes the
        // general way, as JSON read field by field, which words every error.
        let request = match quick::request(&req) {
            Some(request) => request,
            None => parse(&http::json_body(&req)?)?,
        };
        let count = request.items.len();
        telemetry::received(count);
        let items = request.items;
        let tenant = &cx.principal.tenant;
        let planned = service::plan_create(&app.store, tenant, items, cx.deadline).await?;
        if let Some(index) = planned
            .iter()
            .position(|p| matches!(p, Err(ItemFailure::PreorderNotAllowed)))
        {
            return Err(DocumentedError::PreorderValidation.rejection(index));
        }
        let keys: Vec<Option<RecordKey>> = planned
            .iter()
            .map(|p| p.as_ref().ok().map(|p| p.key.clone()))
            .collect();
        let outcomes = service::commit_create(&app.store, planned, cx.deadline).await;
        if service::store_failed_all(&outcomes) {
            return Err(Rejection::unavailable().with_code(ErrorCode::Text("UNAVAILABLE")));
        }

        let mut successes = 0;
        let results: Vec<ItemResult> = outcomes
            .into_iter()
            .zip(keys)
            .enumerate()
            .map(|(index, (outcome, key))| match outcome {
                Ok((variant, record)) => {
                    successes += 1;
                    let id = key.expect("a created item was planned").id();
                    ItemResult {
                        item: request
                            .return_entity
                            .then(|| Entity::new(id, variant, *record)),
                        item_metadata: ItemMetadata {
                            id: Some(id),
                            original_index: index,
                            success: true,
                            error: None,
                        },
                    }
                }
                Err(failure) => ItemResult {
                    item_metadata: ItemMetadata {
                        id: key.map(|k| k.id()),
                        original_index: index,
                        success: false,
                        error: Some(item_error(&failure)),
                    },
                    item: None,
                },
            })
            .collect();
        // A created item renders to about 700 bytes with its entity, 100 without.
        let per_item = if request.return_entity { 768 } else { 128 };
        let response = BulkResponse {
            results,
            bulk_action_metadata: BulkActionMetadata {
                total_successes: successes,
                total_failures: count - successes,
                undetailed_failures: 0,
            },
        };
        Reply::ok_written(response.to_json(per_item * count))
    }
}

#[derive(Debug, PartialEq)]
struct CreateRequest {
    items: Vec<CreateItem>,
    return_entity: bool,
}

/// A field violation in Wix's words.
fn violation(field: String, description: String, rule: &str) -> Value {
    json!({ "field": field, "description": description, "violatedRule": rule })
}

fn violation_of(prefix: &str, e: &FieldError) -> Value {
    let rule = match e.problem {
        Problem::Missing | Problem::Empty => "REQUIRED_FIELD",
        Problem::Unknown => "UNKNOWN_FIELD",
        Problem::NotInteger
        | Problem::NotString
        | Problem::NotBoolean
        | Problem::NotObject
        | Problem::NotArray => "FORMAT",
        _ => "OTHER",
    };
    violation(format!("{prefix}{}", e.field), e.to_string(), rule)
}

/// Reads the whole request. Field violations of every item are collected into one 400;
/// the documented application errors are checked next, in item order.
fn parse(body: &Value) -> Result<CreateRequest, Rejection> {
    let mut violations = Vec::new();
    let mut f = Fields::of(body, "request").map_err(|e| invalid(vec![violation_of("", &e)]))?;
    let return_entity = f.boolean("returnEntity").unwrap_or_else(|e| {
        violations.push(violation_of("", &e));
        None
    });
    let elements: &[Value] = match f.value("inventoryItems") {
        Some(Value::Array(items)) => items,
        Some(_) => {
            violations.push(violation(
                "inventoryItems".into(),
                "inventoryItems must be an array".into(),
                "FORMAT",
            ));
            &[]
        }
        None => {
            violations.push(violation(
                "inventoryItems".into(),
                "Missing required field: inventoryItems".into(),
                "REQUIRED_FIELD",
            ));
            &[]
        }
    };
    if let Err(e) = f.finish() {
        violations.push(violation_of("", &e));
    }
    if elements.is_empty() && violations.is_empty() {
        violations.push(violation(
            "inventoryItems".into(),
            "inventoryItems must not be empty".into(),
            "MIN_ITEMS",
        ));
    }
    if elements.len() > MAX_ITEMS {
        violations.push(violation(
            "inventoryItems".into(),
            format!("inventoryItems must have at most {MAX_ITEMS} items"),
            "MAX_ITEMS",
        ));
    }
    let mut items = Vec::with_capacity(elements.len());
    let mut documented: Option<(usize, DocumentedError)> = None;
    if violations.is_empty() {
        for (index, element) in elements.iter().enumerate() {
            match parse_item(element, index) {
                Ok((item, problem)) => {
                    if let (None, Some(problem)) = (documented, problem) {
                        documented = Some((index, problem));
                    }
                    items.push(item);
                }
                Err(mut item_violations) => violations.append(&mut item_violations),
            }
        }
    }
    if !violations.is_empty() {
        return Err(invalid(violations));
    }
    if let Some((index, problem)) = documented {
        return Err(problem.rejection(index));
    }
    Ok(CreateRequest {
        items,
        return_entity: return_entity.unwrap_or(false),
    })
}

fn invalid(violations: Vec<Value>) -> Rejection {
    let first = violations
        .first()
        .and_then(|v| v["description"].as_str())
        .unwrap_or("invalid request")
        .to_owned();
    let field = violations
        .first()
        .and_then(|v| v["field"].as_str())
        .unwrap_or_default()
        .to_owned();
    Rejection::invalid(format!("{field}: {first}")).with_detail(Value::Array(violations))
}

/// Collects the field violations of one item instead of stopping at the first.
struct Violations {
    index: usize,
    found: Vec<Value>,
}

impl Violations {
    fn take<T>(&mut self, read: Result<Option<T>, FieldError>) -> Option<T> {
        read.unwrap_or_else(|e| {
            self.add(&e);
            None
        })
    }

    fn add(&mut self, e: &FieldError) {
        self.found.push(violation_of(&self.name(""), e));
    }

    /// `inventoryItems[3].field`: spelt out only when there is something to report.
    fn name(&self, field: &str) -> String {
        format!("inventoryItems[{}].{field}", self.index)
    }
}

/// One item: the create, and a documented error it commits, if any.
fn parse_item(
    element: &Value,
    index: usize,
) -> Result<(CreateItem, Option<DocumentedError>), Vec<Value>> {
    let mut v = Violations {
        index,
        found: Vec::new(),
    };
    let mut f = Fields::of(element, "item").map_err(|e| {
        v.add(&e);
        std::mem::take(&mut v.found)
    })?;
    let variant_id = v.take(f.string_id("variantId"));
    let product_id = v.take(f.string_id("productId"));
    let location_id = v.take(f.string_id("locationId"));
    // Exactly one tracking field, judged by presence so a mistyped one is reported once.
    let tracking_given = (f.has("quantity"), f.has("inStock"));
    let quantity = v.take(f.integer("quantity"));
    let in_stock = v.take(f.boolean("inStock"));
    let preorder = match v.take(f.object("preorderInfo")) {
        Some(mut p) => {
            let enabled = v.take(p.boolean("enabled"));
            let message = v.take(p.text("message"));
            let limit = v.take(p.quantity("limit"));
            v.take(p.finish().map(|()| None::<()>));
            Some(PreorderInfo {
                enabled: enabled.unwrap_or(false),
                message: message.map(str::to_owned),
                limit,
            })
        }
        None => None,
    };
    // Extended fields are accepted (Wix apps send them) and not stored.
    v.take(f.object("extendedFields").map(|_| None::<()>));
    v.take(f.finish().map(|()| None::<()>));
    for (given, field) in [
        (variant_id.is_some(), "variantId"),
        (product_id.is_some(), "productId"),
    ] {
        if !given && !v.found.iter().any(|x| x["field"] == v.name(field)) {
            v.add(&FieldError::missing(field));
        }
    }
    match tracking_given {
        (false, false) => v.found.push(violation(
            v.name("quantity"),
            "One of quantity or inStock is required".into(),
            "ONE_OF",
        )),
        (true, true) => v.found.push(violation(
            v.name("inStock"),
            "Only one of quantity or inStock may be set".into(),
            "ONE_OF",
        )),
        _ => {}
    }
    let (Some(variant_id), Some(product_id), true) = (variant_id, product_id, v.found.is_empty())
    else {
        return Err(v.found);
    };
    let documented = match (quantity, &preorder) {
        (Some(q), _) if q < 0 => Some(DocumentedError::NegativeQuantity),
        (None, Some(p)) if p.limit.is_some() => Some(DocumentedError::PreorderLimitUntracked),
        _ => None,
    };
    let item = CreateItem {
        variant_id,
        product_id,
        location: location_id.map_or(LocationRef::Default, LocationRef::Id),
        update: StockUpdate {
            on_hand: quantity,
            in_stock,
            preorder,
            ..Default::default()
        },
    };
    Ok((item, documented))
}

/// The quick way in (see `inventory_core::typed`): a well-formed request that commits none
/// of the documented errors, read straight into typed items. `None` sends the request the
/// general way, which words every violation and documented error.
mod quick {
    use super::{CreateRequest, MAX_ITEMS};
    use inventory_core::lambda_http::Request;
    use inventory_core::model::{PreorderInfo, StockUpdate};
    use inventory_core::resolve::LocationRef;
    use inventory_core::service::CreateItem;
    use inventory_core::typed::{self, Array, Element};
    use serde::Deserialize;
    use serde_json::{Map, Number, Value};
    use std::borrow::Cow;

    #[derive(Deserialize)]
    #[serde(rename_all = "camelCase", deny_unknown_fields)]
    struct Body<'a> {
        #[serde(borrow)]
        inventory_items: Array<Item<'a>, MAX_ITEMS>,
        return_entity: Option<bool>,
    }

    #[derive(Deserialize)]
    #[serde(rename_all = "camelCase", deny_unknown_fields)]
    struct Item<'a> {
        #[serde(borrow)]
        variant_id: Option<Cow<'a, str>>,
        #[serde(borrow)]
        product_id: Option<Cow<'a, str>>,
        #[serde(borrow)]
        location_id: Option<Cow<'a, str>>,
        quantity: Option<Number>,
        in_stock: Option<bool>,
        #[serde(borrow)]
        preorder_info: Option<Preorder<'a>>,
        /// Accepted and not stored, as the general path does; any object.
        #[allow(dead_code)]
        extended_fields: Option<Map<String, Value>>,
    }

    #[derive(Deserialize)]
    #[serde(deny_unknown_fields)]
    struct Preorder<'a> {
        enabled: Option<bool>,
        #[serde(borrow)]
        message: Option<Cow<'a, str>>,
        limit: Option<Number>,
    }

    pub fn request(req: &Request) -> Option<CreateRequest> {
        let body: Body = typed::body(req)?;
        Some(CreateRequest {
            items: body.inventory_items.0,
            return_entity: body.return_entity.unwrap_or(false),
        })
    }

    impl Element for Item<'_> {
        type Out = CreateItem;

        fn accept(self) -> Option<CreateItem> {
            item(self)
        }
    }

    fn id(id: Option<Cow<str>>) -> Option<Option<String>> {
        match id {
            None => Some(None),
            Some(id) => typed::identifier(&id)
                .is_some()
                .then(|| Some(id.into_owned())),
        }
    }

    fn item(item: Item) -> Option<CreateItem> {
        let variant_id = id(item.variant_id)??;
        let product_id = id(item.product_id)??;
        let location_id = id(item.location_id)?;
        // Exactly one tracking field; a negative quantity is a documented error.
        let on_hand = match (&item.quantity, item.in_stock) {
            (Some(q), None) => Some(typed::quantity(q)?),
            (None, Some(_)) => None,
            _ => return None,
        };
        let preorder = match item.preorder_info {
            None => None,
            Some(p) => {
                let limit = match &p.limit {
                    // A limit on untracked inventory is a documented error.
                    Some(limit) if on_hand.is_some() => Some(typed::quantity(limit)?),
                    Some(_) => return None,
                    None => None,
                };
                let message = match p.message {
                    Some(m) => Some(typed::text(&m)?.to_owned()),
                    None => None,
                };
                Some(PreorderInfo {
                    enabled: p.enabled.unwrap_or(false),
                    message,
                    limit,
                })
            }
        };
        Some(CreateItem {
            variant_id,
            product_id,
            location: location_id.map_or(LocationRef::Default, LocationRef::Id),
            update: StockUpdate {
                on_hand,
                in_stock: item.in_stock,
                preorder,
                ..Default::default()
            },
        })
    }
}

// The response is written by hand from these types (`BulkResponse::to_json`): building
// `serde_json::Value` trees first cost about half of this endpoint's CPU per item, and then
// serde's escaping of every field name for every item was the largest cost left. The types
// still derive `Serialize`, the reference that `tests::rendering` holds the hand-written
// bytes to.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
struct BulkResponse {
    results: Vec<ItemResult>,
    bulk_action_metadata: BulkActionMetadata,
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
struct BulkActionMetadata {
    total_successes: usize,
    total_failures: usize,
    undetailed_failures: usize,
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
struct ItemResult {
    item_metadata: ItemMetadata,
    #[serde(skip_serializing_if = "Option::is_none")]
    item: Option<Entity>,
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
struct ItemMetadata {
    #[serde(skip_serializing_if = "Option::is_none")]
    id: Option<Uuid>,
    original_index: usize,
    success: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    error: Option<Value>,
}

fn item_error(failure: &ItemFailure) -> Value {
    let (code, description) = match failure {
        ItemFailure::Resolve(ResolveError::NotFound | ResolveError::Ambiguous(_)) => {
            ("VARIANT_NOT_FOUND", "Variant not found".to_owned())
        }
        ItemFailure::Resolve(ResolveError::Invalid(e)) => {
            ("VARIANT_NOT_FOUND", format!("Invalid {e}"))
        }
        ItemFailure::WrongProduct { .. } => ("VARIANT_NOT_IN_PRODUCT", failure.to_string()),
        ItemFailure::Location(LocationError::Unknown(id)) => {
            ("LOCATION_NOT_FOUND", format!("Location {id} not found"))
        }
        ItemFailure::Location(LocationError::NoDefault) => (
            "LOCATION_NOT_FOUND",
            "The store has no default location".to_owned(),
        ),
        ItemFailure::AlreadyExists => (
            "INVENTORY_ITEM_ALREADY_EXISTS",
            "An inventory item already exists for this variant and location".to_owned(),
        ),
        other => (
            "SAVE_FAILED",
            format!("Inventory item was not saved ({other}); retry"),
        ),
    };
    json!({ "code": code, "description": description, "data": {} })
}

/// The full inventory item, as `returnEntity: true` returns it: `quantity` when the quantity
/// is tracked, `inStock` otherwise.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
struct Entity {
    id: Uuid,
    revision: String,
    created_date: Rfc3339,
    updated_date: Rfc3339,
    variant_id: String,
    location_id: String,
    product_id: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    quantity: Option<i64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    in_stock: Option<bool>,
    track_quantity: bool,
    availability_status: Availability,
    preorder_info: EntityPreorder,
    product: ProductSummary,
}

impl Entity {
    fn new(id: Uuid, variant: Arc<Variant>, record: InventoryRecord) -> Self {
        let tracked = record.tracking == Tracking::Quantity;
        let preorder = EntityPreorder::of(&record, tracked);
        Entity {
            id,
            revision: record.revision.to_string(),
            created_date: Rfc3339(record.created_at),
            updated_date: Rfc3339(record.updated_at),
            quantity: tracked.then(|| record.quantity.unwrap_or(0)),
            in_stock: (!tracked).then(|| record.in_stock.unwrap_or(false)),
            track_quantity: tracked,
            availability_status: record.availability(),
            preorder_info: preorder,
            product: ProductSummary(variant),
            variant_id: record.variant_id,
            location_id: record.location_id,
            product_id: record.product_id,
        }
    }
}

/// `preorderInfo`; `limit`, `counter` and `quantity` only when the quantity is tracked.
#[derive(Debug, Serialize)]
struct EntityPreorder {
    enabled: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    message: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    limit: Option<i64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    counter: Option<i64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    quantity: Option<i64>,
}

impl EntityPreorder {
    fn of(record: &InventoryRecord, tracked: bool) -> Self {
        let (enabled, message, limit) = match &record.preorder {
            Some(p) => (p.enabled, p.message.clone(), p.limit),
            None => (false, None, None),
        };
        let limit = tracked.then(|| limit.unwrap_or(DEFAULT_PREORDER_LIMIT));
        EntityPreorder {
            enabled,
            message,
            limit,
            counter: tracked.then_some(0),
            quantity: limit,
        }
    }
}

/// `product`: what the catalog knows of the variant.
#[derive(Debug)]
struct ProductSummary(Arc<Variant>);

impl Serialize for ProductSummary {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeStruct;
        let v = &self.0;
        let mut product = serializer.serialize_struct("Product", 5)?;
        product.serialize_field("name", &v.name)?;
        product.serialize_field("directCategoryIds", &[(); 0])?;
        product.serialize_field("variantName", &v.variant_name)?;
        product.serialize_field("variantSku", &v.sku)?;
        product.serialize_field("variantVisible", &v.visible)?;
        product.end()
    }
}

impl BulkResponse {
    /// The body as compact JSON, in a buffer of `capacity` bytes to start with.
    fn to_json(&self, capacity: usize) -> Result<Vec<u8>, render::Error> {
        let mut out = JsonWriter::with_capacity(capacity);
        out.raw("{\"results\":[");
        for (n, result) in self.results.iter().enumerate() {
            if n > 0 {
                out.raw(",");
            }
            result.write(&mut out)?;
        }
        let totals = &self.bulk_action_metadata;
        out.raw("],\"bulkActionMetadata\":{\"totalSuccesses\":")
            .uint(totals.total_successes as u64)
            .raw(",\"totalFailures\":")
            .uint(totals.total_failures as u64)
            .raw(",\"undetailedFailures\":")
            .uint(totals.undetailed_failures as u64)
            .raw("}}");
        Ok(out.into_bytes())
    }
}

impl ItemResult {
    fn write(&self, out: &mut JsonWriter) -> Result<(), render::Error> {
        let meta = &self.item_metadata;
        out.raw("{\"itemMetadata\":{");
        if let Some(id) = meta.id {
            write_uuid(out.raw("\"id\":"), id).raw(",");
        }
        out.raw("\"originalIndex\":")
            .uint(meta.original_index as u64)
            .raw(",\"success\":")
            .bool(meta.success);
        if let Some(error) = &meta.error {
            out.raw(",\"error\":").serialize(error)?;
        }
        out.raw("}");
        if let Some(item) = &self.item {
            item.write(out.raw(",\"item\":"));
        }
        out.raw("}");
        Ok(())
    }
}

impl Entity {
    fn write(&self, out: &mut JsonWriter) {
        write_uuid(out.raw("{\"id\":"), self.id)
            .raw(",\"revision\":")
            .string(&self.revision)
            .raw(",\"createdDate\":")
            .string(self.created_date.text(&mut [0; 24]))
            .raw(",\"updatedDate\":")
            .string(self.updated_date.text(&mut [0; 24]))
            .raw(",\"variantId\":")
            .string(&self.variant_id)
            .raw(",\"locationId\":")
            .string(&self.location_id)
            .raw(",\"productId\":")
            .string(&self.product_id);
        if let Some(quantity) = self.quantity {
            out.raw(",\"quantity\":").int(quantity);
        }
        if let Some(in_stock) = self.in_stock {
            out.raw(",\"inStock\":").bool(in_stock);
        }
        out.raw(",\"trackQuantity\":")
            .bool(self.track_quantity)
            .raw(",\"availabilityStatus\":")
            .string(self.availability_status.as_str())
            .raw(",\"preorderInfo\":");
        self.preorder_info.write(out);
        self.product.write(out.raw(",\"product\":"));
        out.raw("}");
    }
}

impl EntityPreorder {
    fn write(&self, out: &mut JsonWriter) {
        out.raw("{\"enabled\":").bool(self.enabled);
        if let Some(message) = &self.message {
            out.raw(",\"message\":").string(message);
        }
        for (name, value) in [
            (",\"limit\":", self.limit),
            (",\"counter\":", self.counter),
            (",\"quantity\":", self.quantity),
        ] {
            if let Some(value) = value {
                out.raw(name).int(value);
            }
        }
        out.raw("}");
    }
}

impl ProductSummary {
    fn write(&self, out: &mut JsonWriter) {
        let v = &self.0;
        out.raw("{\"name\":")
            .optional_string(v.name.as_deref())
            .raw(",\"directCategoryIds\":[],\"variantName\":")
            .optional_string(v.variant_name.as_deref())
            .raw(",\"variantSku\":")
            .optional_string(v.sku.as_deref())
            .raw(",\"variantVisible\":")
            .bool(v.visible)
            .raw("}");
    }
}

fn write_uuid(out: &mut JsonWriter, id: Uuid) -> &mut JsonWriter {
    out.string(id.hyphenated().encode_lower(&mut Uuid::encode_buffer()))
}

#[cfg(test)]
mod tests;
