//! The request: `{"batchStock": {"item": [...]}}` and `?warehouse_id=ID`, read once into
//! typed items, and the dialect's rules for them.

use inventory_core::http::Rejection;
use inventory_core::identifiers::Identifier;
use inventory_core::lambda_http::http::StatusCode;
use inventory_core::lambda_http::{Request as HttpRequest, RequestExt};
use inventory_core::model::StockUpdate;
use inventory_core::reader::{
    self, BodyError, Compound, Element, Entries, Field, Id, MapAccess, Quantity, Ruled, Rules,
    SeqAccess,
};
use inventory_core::record;
use inventory_core::resolve::LocationRef;
use inventory_core::service::UpdateItem;
use inventory_core::validate::{FieldError, Problem};
use serde_json::Value;

use crate::{
    MAX_ITEMS, MISSING_BATCH_STOCK, MISSING_ITEMS, MISSING_WAREHOUSE_ID, TOO_MANY_ITEMS,
    VARIANT_NOT_FOUND, reject,
};

record! {
    struct Body<'a> {
        "batchStock" => batch_stock: Batch<'a>,
    }
}

record! {
    struct Batch<'a> {
        "item" => item: Items<'a>,
    }
}

record! {
    /// One stock item, kept as sent for the echo of a failed one.
    pub struct Item<'a> keeps entries {
        "variant_id" => variant_id: Id<'a>,
        "barcode" => barcode: Id<'a>,
        "code" => code: Id<'a>,
        "inStock" => in_stock: Quantity,
        "demand" => demand: Quantity,
        "supply" => supply: Quantity,
    }
}

/// An element of the collection once read: its update (or error) and its echo.
pub struct Parsed<'a> {
    item: Result<(Identifier, StockUpdate), ItemError>,
    echo: Echo<'a>,
}

/// What a failed element echoes: its fields as sent, or the element if it is not an object.
pub enum Echo<'a> {
    Fields(Entries<'a>),
    Other(Value),
}

/// The rules of an item, applied as it is read.
struct ItemRules;

impl<'a> Rules<'a> for ItemRules {
    type Record = Item<'a>;
    type Out = Parsed<'a>;

    fn apply(element: Element<&mut Item<'a>>) -> Parsed<'a> {
        match element {
            Element::Ok(item) => Parsed {
                item: update(item),
                echo: Echo::Fields(std::mem::take(&mut item.entries)),
            },
            Element::Other(other) => Parsed {
                item: Err(not_saved(FieldError::new("item", Problem::NotObject))),
                echo: Echo::Other(other),
            },
        }
    }
}

/// The item collection: an array, or a single item in its place (as XML-born clients send
/// a collection of one).
struct Items<'a>(Ruled<'a, ItemRules, MAX_ITEMS>);

impl<'a> Compound<'a> for Items<'a> {
    const WRONG_SHAPE: Problem = Problem::NotArray;

    fn from_seq<S: SeqAccess<'a>>(seq: S) -> Result<Result<Self, S>, S::Error> {
        Ok(Ruled::from_seq(seq)?.map(Items))
    }

    fn from_map<M: MapAccess<'a>>(map: M) -> Result<Result<Self, M>, M::Error> {
        Ok(Ok(Items(Ruled::one(map)?)))
    }
}

/// A request whose body and warehouse were read.
pub struct Request<'a> {
    pub warehouse: &'a str,
    /// The elements, or why the collection is refused (said after the warehouse is checked).
    collection: Result<Vec<Parsed<'a>>, Rejection>,
}

/// An item's error: its code and text.
pub type ItemError = (u32, String);

pub const NOT_SAVED_TEXT: &str = "Failed to save item";
pub const NOT_FOUND_TEXT: &str = "Variant not found";

fn not_saved(e: impl std::fmt::Display) -> ItemError {
    (crate::ITEM_NOT_SAVED, format!("{NOT_SAVED_TEXT}: {e}"))
}

/// Reads the body (`batchStock` first, as the document lists its errors) and the warehouse.
pub fn read(req: &HttpRequest) -> Result<Request<'_>, Rejection> {
    let missing_batch = |why: String| {
        let text = format!("Missing mandatory property, 'batchStock'{why}");
        reject(StatusCode::BAD_REQUEST, MISSING_BATCH_STOCK, text)
    };
    let body = match reader::body::<Element<Body>>(req) {
        Ok(Element::Ok(body)) => body,
        Ok(Element::Other(_)) | Err(BodyError::Empty) => return Err(missing_batch(String::new())),
        // The property cannot be found in a body that is not JSON; say why as well.
        Err(BodyError::Malformed(e)) => {
            return Err(missing_batch(format!(
                " (request body is not valid JSON: {e})"
            )));
        }
    };
    let Field::Ok(batch) = body.batch_stock else {
        return Err(missing_batch(String::new()));
    };
    stray(&body.strays, "", MISSING_BATCH_STOCK)?;
    let warehouse = warehouse(req)?;
    let collection = stray(&batch.strays, "batchStock.", MISSING_ITEMS).and_then(|()| {
        let missing = || {
            reject(
                StatusCode::BAD_REQUEST,
                MISSING_ITEMS,
                "Missing stock item collection!",
            )
        };
        match batch.item {
            Field::Ok(Items(list)) if list.too_many => Err(reject(
                StatusCode::BAD_REQUEST,
                TOO_MANY_ITEMS,
                "Call exceeds 1,000 item limit!",
            )),
            Field::Ok(Items(list)) if !list.items.is_empty() => Ok(list.items),
            _ => Err(missing()),
        }
    });
    Ok(Request {
        warehouse,
        collection,
    })
}

/// An unknown or repeated property of the body or of `batchStock`, refused with `code`.
fn stray(strays: &reader::Strays, prefix: &str, code: u32) -> Result<(), Rejection> {
    strays.first(prefix).map_err(|e| {
        let what = match e.problem {
            Problem::Repeated => "Repeated",
            _ => "Unknown",
        };
        let text = format!("{what} property, '{}'", e.field);
        reject(StatusCode::BAD_REQUEST, code, text)
    })
}

/// `warehouse_id`, exactly as sent and exactly once.
fn warehouse(req: &HttpRequest) -> Result<&str, Rejection> {
    let given = req
        .query_string_parameters_ref()
        .and_then(|q| q.all("warehouse_id"))
        .unwrap_or_default();
    match given.as_slice() {
        [one] if !one.is_empty() => Ok(one),
        [] | [_] => Err(reject(
            StatusCode::BAD_REQUEST,
            MISSING_WAREHOUSE_ID,
            "Missing query parameter warehouse_id",
        )),
        _ => Err(reject(
            StatusCode::BAD_REQUEST,
            MISSING_WAREHOUSE_ID,
            "Repeated query parameter warehouse_id: give it once",
        )),
    }
}

impl<'a> Request<'a> {
    /// The collection, or why it is refused.
    pub fn collection(&self) -> Result<(), Rejection> {
        self.collection.as_ref().map(drop).map_err(Rejection::clone)
    }

    /// Every element as an update at `warehouse`, or the item error it gets; what each
    /// echoes goes into `echoes`, in request order. Nothing when the collection is refused.
    pub fn items<'r>(
        &'r mut self,
        warehouse: &'r LocationRef,
        echoes: &'r mut Vec<Echo<'a>>,
    ) -> impl Iterator<Item = Result<UpdateItem, ItemError>> + 'r {
        let elements = self
            .collection
            .as_mut()
            .map(std::mem::take)
            .unwrap_or_default();
        echoes.reserve_exact(elements.len());
        elements.into_iter().map(move |parsed| {
            echoes.push(parsed.echo);
            parsed.item.map(|(identifier, update)| UpdateItem {
                identifier,
                location: warehouse.clone(),
                update,
            })
        })
    }
}

/// The dialect's rules for one item. Where a client sends several identifiers, the most
/// specific one is used.
fn update(item: &Item) -> Result<(Identifier, StockUpdate), ItemError> {
    let variant_id = item
        .variant_id
        .as_ref()
        .of("variant_id")
        .map_err(not_saved)?;
    let barcode = item.barcode.as_ref().of("barcode").map_err(not_saved)?;
    let code = item.code.as_ref().of("code").map_err(not_saved)?;
    let identifier = match (variant_id, barcode, code) {
        (Some(v), _, _) => Identifier::VariantId(v.owned()),
        (None, Some(b), _) => Identifier::Barcode(b.owned()),
        (None, None, Some(c)) => Identifier::Code(c.owned()),
        (None, None, None) => {
            return Err((
                VARIANT_NOT_FOUND,
                format!("{NOT_FOUND_TEXT}: give variant_id, barcode or code"),
            ));
        }
    };
    let quantity = |field: &Field<Quantity>, name| {
        Ok::<_, ItemError>(field.as_ref().of(name).map_err(not_saved)?.map(|q| q.0))
    };
    let update = StockUpdate {
        on_hand: quantity(&item.in_stock, "inStock")?,
        demand: quantity(&item.demand, "demand")?,
        supply: quantity(&item.supply, "supply")?,
        ..Default::default()
    };
    item.strays.first("").map_err(not_saved)?;
    if update.is_empty() {
        return Err(not_saved(FieldError::missing("inStock, demand or supply")));
    }
    Ok((identifier, update))
}
