//! The request, read once into typed items, and the dialect's rules: every field violation of
//! every item collected into one 400, then the documented errors in item order.

use inventory_core::http::Rejection;
use inventory_core::lambda_http::Request as HttpRequest;
use inventory_core::model::{PreorderInfo, StockUpdate};
use inventory_core::reader::{
    self, AnyObject, Element, Field, Flag, Integer, Quantity, Ruled, Rules, StrId, Strays, Text,
};
use inventory_core::record;
use inventory_core::resolve::LocationRef;
use inventory_core::service::{CreateItem, Slots};
use inventory_core::validate::{FieldError, Problem};
use serde_json::{Value, json};

use crate::{DocumentedError, MAX_ITEMS};

record! {
    struct Body<'a> {
        "inventoryItems" => inventory_items: Ruled<'a, ItemRules, MAX_ITEMS>,
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

/// The rules of an item, applied as it is read; its violations' paths are the item's own
/// (`variantId`), its index is added where they are reported.
struct ItemRules;

impl<'a> Rules<'a> for ItemRules {
    type Record = Item<'a>;
    type Out = Result<Accepted, Vec<Violation>>;

    fn apply(element: Element<&mut Item<'a>>) -> Self::Out {
        item(element)
    }
}

/// A request whose body passed the request-level rules.
pub struct Request {
    /// Each item to create, or its violations.
    pub items: Vec<Result<Accepted, Vec<Violation>>>,
    pub return_entity: bool,
}

/// A field violation in Wix's words.
pub type Violation = Value;

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
pub fn read(req: &HttpRequest) -> Result<Request, Rejection> {
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
            Ruled {
                items: Vec::new(),
                too_many: false,
            }
        }
        Field::Absent | Field::Null => {
            let text = "Missing required field: inventoryItems".to_owned();
            violations.push(violation("inventoryItems".into(), text, "REQUIRED_FIELD"));
            Ruled {
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
        items: list.items,
        return_entity: matches!(body.return_entity, Field::Ok(Flag(true))),
    })
}

/// An item that passed its rules, and the documented error it commits, if any.
pub type Accepted = (CreateItem, Option<DocumentedError>);

/// The items to create; or every item's violations, or else the first documented error.
pub fn accept(
    items: Vec<Accepted>,
    slots: &Slots<Vec<Violation>>,
) -> Result<Vec<CreateItem>, Rejection> {
    let violations: Vec<Violation> = slots
        .errors()
        .flat_map(|(index, found)| found.iter().map(move |v| at_index(index, v)))
        .collect();
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

/// An item's violation, its path put under the item's (`inventoryItems[3].variantId`).
fn at_index(index: usize, violation: &Violation) -> Violation {
    let mut violation = violation.clone();
    let field = violation["field"].as_str().unwrap_or_default();
    violation["field"] = Value::String(format!("inventoryItems[{index}].{field}"));
    violation
}

/// The violations of one item, each with the field's path within the item.
#[derive(Default)]
struct Violations {
    found: Vec<Violation>,
}

impl Violations {
    /// The field's value, or `None` with its violation noted.
    fn take<T>(&mut self, field: Result<Option<T>, FieldError>) -> Option<T> {
        field.unwrap_or_else(|e| {
            self.add(&e);
            None
        })
    }

    fn add(&mut self, e: &FieldError) {
        self.found.push(violation_of("", e));
    }

    fn strays(&mut self, strays: &Strays, prefix: &str) {
        strays.errors(prefix).for_each(|e| self.add(&e));
    }

    fn one_of(&mut self, field: &str, description: &str) {
        let (field, description) = (field.to_owned(), description.to_owned());
        self.found.push(violation(field, description, "ONE_OF"));
    }

    fn names(&self, field: &str) -> bool {
        self.found.iter().any(|v| v["field"] == field)
    }
}

/// The rules of one item.
fn item(element: Element<&mut Item>) -> Result<Accepted, Vec<Violation>> {
    let mut v = Violations::default();
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
