//! The request, read once into typed items, and the dialect's rules: every field violation of
//! every item collected into one 400, then the documented errors in item order.

use inventory_core::http::Rejection;
use inventory_core::lambda_http::Request as HttpRequest;
use inventory_core::model::{PreorderInfo, StockUpdate};
use inventory_core::reader::{
    self, AnyObject, Element, Field, Flag, Integer, List, Quantity, StrId, Strays, Text,
};
use inventory_core::record;
use inventory_core::resolve::LocationRef;
use inventory_core::service::{CreateItem, Slots};
use inventory_core::validate::{FieldError, Problem};
use serde_json::{Value, json};

use crate::{DocumentedError, MAX_ITEMS};

record! {
    struct Body<'a> {
        "inventoryItems" => inventory_items: List<Element<Item<'a>>, MAX_ITEMS>,
        "returnEntity" => return_entity: Flag,
    }
}

record! {
    /// One inventory item to create.
    pub struct Item<'a> {
        "variantId" => variant_id: StrId<'a>,
        "productId" => product_id: StrId<'a>,
        "locationId" => location_id: StrId<'a>,
        "quantity" => quantity: Integer,
        "inStock" => in_stock: Flag,
        "preorderInfo" => preorder_info: Preorder<'a>,
        /// Accepted (Wix apps send them) and not stored.
        "extendedFields" => extended_fields: AnyObject,
    }
}

record! {
    pub struct Preorder<'a> {
        "enabled" => enabled: Flag,
        "message" => message: Text<'a>,
        "limit" => limit: Quantity,
    }
}

/// A request whose body passed the request-level rules.
pub struct Request<'a> {
    elements: Vec<Element<Item<'a>>>,
    pub return_entity: bool,
}

/// A field violation in Wix's words.
type Violation = Value;

fn violation(field: String, description: String, rule: &str) -> Violation {
    json!({ "field": field, "description": description, "violatedRule": rule })
}

/// A field error as a violation, its path starting with `prefix`.
fn violation_of(prefix: &str, e: &FieldError) -> Violation {
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

/// A 400 listing every violation; its message names the first.
fn invalid(violations: Vec<Violation>) -> Rejection {
    let first = |key: &str| {
        violations
            .first()
            .and_then(|v| v[key].as_str())
            .unwrap_or_default()
            .to_owned()
    };
    let message = format!("{}: {}", first("field"), first("description"));
    Rejection::invalid(message).with_detail(Value::Array(violations))
}

/// Reads the body and applies the request-level rules.
pub fn read(req: &HttpRequest) -> Result<Request<'_>, Rejection> {
    let body = match reader::body::<Element<Body>>(req) {
        Ok(Element::Ok(body)) => body,
        Ok(Element::Other(_)) => {
            let e = FieldError::new("request", Problem::NotObject);
            return Err(invalid(vec![violation_of("", &e)]));
        }
        Err(e) => return Err(Rejection::invalid(e.to_string())),
    };
    let mut violations = Vec::new();
    if let Err(e) = body.return_entity.as_ref().of("returnEntity") {
        violations.push(violation_of("", &e));
    }
    let list = match body.inventory_items {
        Field::Ok(list) => list,
        Field::Bad(_) => {
            let text = "inventoryItems must be an array".to_owned();
            violations.push(violation("inventoryItems".into(), text, "FORMAT"));
            List {
                items: Vec::new(),
                too_many: false,
            }
        }
        Field::Absent | Field::Null => {
            let text = "Missing required field: inventoryItems".to_owned();
            violations.push(violation("inventoryItems".into(), text, "REQUIRED_FIELD"));
            List {
                items: Vec::new(),
                too_many: false,
            }
        }
    };
    violations.extend(body.strays.errors("").map(|e| violation_of("", &e)));
    if list.items.is_empty() && violations.is_empty() {
        let text = "inventoryItems must not be empty".to_owned();
        violations.push(violation("inventoryItems".into(), text, "MIN_ITEMS"));
    }
    if list.too_many {
        let text = format!("inventoryItems must have at most {MAX_ITEMS} items");
        violations.push(violation("inventoryItems".into(), text, "MAX_ITEMS"));
    }
    if !violations.is_empty() {
        return Err(invalid(violations));
    }
    Ok(Request {
        elements: list.items,
        return_entity: matches!(body.return_entity, Field::Ok(Flag(true))),
    })
}

/// An item that passed its rules, and the documented error it commits, if any.
pub type Accepted = (CreateItem, Option<DocumentedError>);

impl Request<'_> {
    /// Each item, or its violations.
    pub fn items(&self) -> impl Iterator<Item = Result<Accepted, Vec<Violation>>> {
        self.elements
            .iter()
            .enumerate()
            .map(|(index, element)| item(element, &format!("inventoryItems[{index}].")))
    }
}

/// The items to create; or every item's violations, or else the first documented error.
pub fn accept(
    items: Vec<Accepted>,
    slots: &Slots<Vec<Violation>>,
) -> Result<Vec<CreateItem>, Rejection> {
    let violations: Vec<Violation> = slots.errors().flatten().cloned().collect();
    if !violations.is_empty() {
        return Err(invalid(violations));
    }
    if let Some((index, documented)) = items
        .iter()
        .enumerate()
        .find_map(|(i, (_, documented))| Some((i, (*documented)?)))
    {
        return Err(documented.rejection(index));
    }
    Ok(items.into_iter().map(|(item, _)| item).collect())
}

/// The violations of one item, each field path starting with its path (`inventoryItems[3].`).
struct Violations<'p> {
    at: &'p str,
    found: Vec<Violation>,
}

impl Violations<'_> {
    /// The field's value, or `None` with its violation noted.
    fn take<T>(&mut self, field: Result<Option<T>, FieldError>) -> Option<T> {
        field.unwrap_or_else(|e| {
            self.add(&e);
            None
        })
    }

    fn add(&mut self, e: &FieldError) {
        self.found.push(violation_of(self.at, e));
    }

    fn strays(&mut self, strays: &Strays, prefix: &str) {
        strays.errors(prefix).for_each(|e| self.add(&e));
    }

    fn one_of(&mut self, field: &str, description: &str) {
        let path = format!("{}{field}", self.at);
        self.found
            .push(violation(path, description.to_owned(), "ONE_OF"));
    }

    fn names(&self, field: &str) -> bool {
        let path = format!("{}{field}", self.at);
        self.found.iter().any(|v| v["field"] == path)
    }
}

/// The rules of one item; `at` is its path (`inventoryItems[3].`).
fn item(element: &Element<Item>, at: &str) -> Result<Accepted, Vec<Violation>> {
    let mut v = Violations {
        at,
        found: Vec::new(),
    };
    let Element::Ok(item) = element else {
        v.add(&FieldError::new("item", Problem::NotObject));
        return Err(v.found);
    };
    let variant_id = v.take(item.variant_id.as_ref().of("variantId"));
    let product_id = v.take(item.product_id.as_ref().of("productId"));
    let location_id = v.take(item.location_id.as_ref().of("locationId"));
    let quantity = v.take(item.quantity.as_ref().of("quantity"));
    let in_stock = v.take(item.in_stock.as_ref().of("inStock"));
    let preorder = v
        .take(item.preorder_info.as_ref().of("preorderInfo"))
        .map(|p| {
            let info = PreorderInfo {
                enabled: v
                    .take(p.enabled.as_ref().of("preorderInfo.enabled"))
                    .is_some_and(|f| f.0),
                message: v
                    .take(p.message.as_ref().of("preorderInfo.message"))
                    .map(|t| t.0.to_string()),
                limit: v
                    .take(p.limit.as_ref().of("preorderInfo.limit"))
                    .map(|q| q.0),
            };
            v.strays(&p.strays, "preorderInfo.");
            info
        });
    v.take(item.extended_fields.as_ref().of("extendedFields"));
    v.strays(&item.strays, "");
    for (given, field) in [
        (variant_id.is_some(), "variantId"),
        (product_id.is_some(), "productId"),
    ] {
        if !given && !v.names(field) {
            v.add(&FieldError::missing(field));
        }
    }
    // Exactly one tracking field, judged by presence so a mistyped one is reported once.
    match (item.quantity.is_given(), item.in_stock.is_given()) {
        (false, false) => v.one_of("quantity", "One of quantity or inStock is required"),
        (true, true) => v.one_of("inStock", "Only one of quantity or inStock may be set"),
        _ => {}
    }
    let (Some(variant_id), Some(product_id), true) = (variant_id, product_id, v.found.is_empty())
    else {
        return Err(v.found);
    };
    let quantity = quantity.map(|q| q.0);
    let documented = match (quantity, &preorder) {
        (Some(q), _) if q < 0 => Some(DocumentedError::NegativeQuantity),
        (None, Some(p)) if p.limit.is_some() => Some(DocumentedError::PreorderLimitUntracked),
        _ => None,
    };
    let create = CreateItem {
        variant_id: variant_id.0.to_string(),
        product_id: product_id.0.to_string(),
        location: location_id.map_or(LocationRef::Default, |l| LocationRef::Id(l.0.to_string())),
        update: StockUpdate {
            on_hand: quantity,
            in_stock: in_stock.map(|f| f.0),
            preorder,
            ..Default::default()
        },
    };
    Ok((create, documented))
}
