//! The request: an array of elements, read once into typed elements, and the dialect's rules
//! for each, in Django REST framework's words.

use inventory_core::http::Rejection;
use inventory_core::identifiers::{GtinForm, Identifier};
use inventory_core::lambda_http::Request;
use inventory_core::model::{Restriction, StockUpdate};
use inventory_core::reader::{self, BodyError, Element, Field, Id, Quantity, Ruled, Rules, Text};
use inventory_core::record;
use inventory_core::resolve::LocationRef;
use inventory_core::service::UpdateItem;
use inventory_core::validate::{FieldError, MAX_QUANTITY, Problem};

use crate::response::{ItemStatus, python_repr, python_type};
use crate::{MAX_ITEMS, VALID_IDENTIFIERS};

const VALID_FIELDS: &str = "quantity_in_stock, quantity_on_backorder, restrictions";

record! {
    /// One element of the body.
    pub struct Item<'a> {
        "sku_id" => sku_id: Id<'a>,
        "upca" => upca: Id<'a>,
        "ean13" => ean13: Id<'a>,
        "gtin14" => gtin14: Id<'a>,
        "isbn" => isbn: Id<'a>,
        "quantity_in_stock" => quantity_in_stock: Quantity,
        "quantity_on_backorder" => quantity_on_backorder: Quantity,
        "restrictions" => restrictions: Text<'a>,
    }
}

impl<'a> Item<'a> {
    /// The identifier fields, in the order a message lists them.
    fn identifiers(&self) -> [(&'static str, &Field<Id<'a>>); 5] {
        [
            ("sku_id", &self.sku_id),
            ("upca", &self.upca),
            ("ean13", &self.ean13),
            ("gtin14", &self.gtin14),
            ("isbn", &self.isbn),
        ]
    }
}

/// An element once read: its update, or its status; and the identifier it named.
pub struct Parsed<'a> {
    item: Result<UpdateItem, ItemStatus>,
    named: Option<(&'static str, Id<'a>)>,
}

/// The rules of an element, applied as it is read.
pub struct ElementRules;

impl<'a> Rules<'a> for ElementRules {
    type Record = Item<'a>;
    type Out = Parsed<'a>;

    fn apply(element: Element<&mut Item<'a>>) -> Parsed<'a> {
        match element {
            Element::Ok(item) => Parsed {
                item: update(item),
                named: item
                    .identifiers()
                    .into_iter()
                    .find_map(|(name, field)| match field {
                        Field::Ok(id) => Some((name, id.clone())),
                        _ => None,
                    }),
            },
            Element::Other(other) => Parsed {
                item: Err(ItemStatus::new(
                    400,
                    format!(
                        "Invalid data. Expected a dictionary, but got {}.",
                        python_type(&other)
                    ),
                )),
                named: None,
            },
        }
    }
}

/// The body: an array of 1 to [`MAX_ITEMS`] elements.
pub fn read(req: &Request) -> Result<Vec<Parsed<'_>>, Rejection> {
    let list = match reader::body::<Element<Ruled<ElementRules, MAX_ITEMS>>>(req) {
        Ok(Element::Ok(list)) => list,
        Ok(Element::Other(other)) => return Err(not_a_list(python_type(&other))),
        Err(BodyError::Empty) => return Err(not_a_list("NoneType")),
        Err(BodyError::Malformed(e)) => {
            return Err(Rejection::invalid(format!("JSON parse error - {e}")));
        }
    };
    if list.too_many {
        return Err(Rejection::invalid(format!(
            "Ensure this field has no more than {MAX_ITEMS} elements."
        )));
    }
    if list.items.is_empty() {
        return Err(Rejection::invalid("This list may not be empty."));
    }
    Ok(list.items)
}

/// Every element as an update or its status; the identifier each named goes into `names`,
/// in request order.
pub fn items<'a, 'r>(
    elements: Vec<Parsed<'a>>,
    names: &'r mut Vec<Option<(&'static str, Id<'a>)>>,
) -> impl Iterator<Item = Result<UpdateItem, ItemStatus>> + 'r
where
    'a: 'r,
{
    names.reserve_exact(elements.len());
    elements.into_iter().map(|parsed| {
        names.push(parsed.named);
        parsed.item
    })
}

fn not_a_list(python_type: &str) -> Rejection {
    Rejection::invalid(format!(
        "Expected a list of items but got type \"{python_type}\"."
    ))
}

/// The dialect's rules for one element: its update, or its status.
fn update(item: &Item) -> Result<UpdateItem, ItemStatus> {
    let mut given: smallvec::SmallVec<[(&str, &Id); 1]> = smallvec::SmallVec::new();
    for (name, field) in item.identifiers() {
        if let Some(id) = field.as_ref().of(name).map_err(field_status)? {
            given.push((name, id));
        }
    }
    let identifier = match given.as_slice() {
        [] => {
            return Err(ItemStatus::new(
                400,
                format!("No sku identifier given; Valid identifiers: {VALID_IDENTIFIERS}"),
            ));
        }
        [(name, id)] => identifier(name, id.owned()),
        several => {
            let names: Vec<&str> = several.iter().map(|(n, _)| *n).collect();
            return Err(ItemStatus::new(
                400,
                format!(
                    "Give exactly one sku identifier, not {}; Valid identifiers: {VALID_IDENTIFIERS}",
                    names.join(" and ")
                ),
            ));
        }
    };
    let quantity = |field: &Field<Quantity>, name| {
        Ok::<_, ItemStatus>(field.as_ref().of(name).map_err(field_status)?.map(|q| q.0))
    };
    let mut update = StockUpdate {
        on_hand: quantity(&item.quantity_in_stock, "quantity_in_stock")?,
        backorder: quantity(&item.quantity_on_backorder, "quantity_on_backorder")?,
        ..Default::default()
    };
    if let Some(Text(raw)) = item
        .restrictions
        .as_ref()
        .of("restrictions")
        .map_err(field_status)?
    {
        update.restriction = Some(match raw.as_ref() {
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
    item.strays.first("").map_err(|e| match e.problem {
        Problem::Unknown => ItemStatus::new(400, format!("{e}; valid fields: {VALID_FIELDS}")),
        _ => ItemStatus::new(400, e.to_string()),
    })?;
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

/// The identifier an element named, as Python prints a one-key dict: `{'sku_id': 'NON-EXISTENT'}`.
pub fn named(named: Option<&(&str, Id)>) -> String {
    match named {
        Some((name, Id::Text(text))) => format!("{{'{name}': {}}}", python_repr(text)),
        Some((name, Id::Number(literal))) => format!("{{'{name}': {literal}}}"),
        None => "{}".to_owned(),
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
