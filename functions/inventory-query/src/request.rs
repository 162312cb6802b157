//! The query, read once into typed items, and its rules.

use inventory_core::http::Rejection;
use inventory_core::identifiers::{GtinForm, Identifier};
use inventory_core::lambda_http::Request;
use inventory_core::reader::{self, Element, Field, Id, List};
use inventory_core::record;
use inventory_core::validate::{FieldError, Problem};

use crate::{MAX_ITEMS, MAX_LOCATIONS};

record! {
    struct Body<'a> {
        "items" => items: List<Element<Item<'a>>, MAX_ITEMS>,
        "locationIds" => location_ids: List<Field<Id<'a>>, MAX_LOCATIONS>,
    }
}

record! {
    /// One item asked for, kept as sent to echo it.
    pub struct Item<'a> keeps entries {
        "variantId" => variant_id: Id<'a>,
        "variant_id" => variant_id_snake: Id<'a>,
        "productId" => product_id: Id<'a>,
        "itemId" => item_id: Id<'a>,
        "sku" => sku: Id<'a>,
        "sku_id" => sku_id: Id<'a>,
        "code" => code: Id<'a>,
        "barcode" => barcode: Id<'a>,
        "upc" => upc: Id<'a>,
        "upca" => upca: Id<'a>,
        "ean13" => ean13: Id<'a>,
        "gtin14" => gtin14: Id<'a>,
        "isbn" => isbn: Id<'a>,
        "size" => size: Id<'a>,
        "width" => width: Id<'a>,
    }
}

/// A query whose body passed the request-level rules.
pub struct Query<'a> {
    pub items: Vec<Element<Item<'a>>>,
    /// The locations asked for; `None` for every location with stock.
    pub locations: Option<Vec<String>>,
}

pub fn read(req: &Request) -> Result<Query<'_>, Rejection> {
    let body = reader::body::<Element<Body>>(req).map_err(|e| Rejection::invalid(e.to_string()))?;
    parse(body).map_err(|e| Rejection::invalid(e.to_string()))
}

fn parse(body: Element<Body>) -> Result<Query, FieldError> {
    let Element::Ok(body) = body else {
        return Err(FieldError::new("Request body", Problem::NotObject));
    };
    let items = body.items.required("items")?;
    if items.items.is_empty() {
        return Err(FieldError::new("items", Problem::Empty));
    }
    if items.too_many {
        let why = Problem::Invalid("must hold at most 100 items");
        return Err(FieldError::new("items", why));
    }
    let locations = match body.location_ids.of("locationIds")? {
        None => None,
        Some(ids) if ids.too_many => {
            let why = Problem::Invalid("must hold at most 100 ids");
            return Err(FieldError::new("locationIds", why));
        }
        Some(ids) => Some(
            ids.items
                .into_iter()
                .enumerate()
                .map(|(i, id)| match id {
                    Field::Ok(id) => Ok(id.into_string()),
                    Field::Bad(problem) => {
                        Err(FieldError::new(format!("locationIds[{i}]"), problem))
                    }
                    Field::Absent | Field::Null => Err(FieldError::new(
                        format!("locationIds[{i}]"),
                        Problem::NotString,
                    )),
                })
                .collect::<Result<Vec<_>, _>>()?,
        ),
    };
    body.strays.first("")?;
    Ok(Query {
        items: items.items,
        locations,
    })
}

impl Query<'_> {
    /// Each item's identifier, or what is wrong with the item.
    pub fn identifiers(&self) -> impl Iterator<Item = Result<Identifier, FieldError>> {
        self.items.iter().enumerate().map(|(i, item)| {
            identifier(item).map_err(|mut e| {
                e.field = format!("items[{i}].{}", e.field);
                e
            })
        })
    }
}

/// The one identifier an item names.
fn identifier(item: &Element<Item>) -> Result<Identifier, FieldError> {
    let Element::Ok(item) = item else {
        return Err(FieldError::new("item", Problem::NotObject));
    };
    let schemes = [
        ("variantId", &item.variant_id),
        ("variant_id", &item.variant_id_snake),
        ("productId", &item.product_id),
        ("itemId", &item.item_id),
        ("sku", &item.sku),
        ("sku_id", &item.sku_id),
        ("code", &item.code),
        ("barcode", &item.barcode),
        ("upc", &item.upc),
        ("upca", &item.upca),
        ("ean13", &item.ean13),
        ("gtin14", &item.gtin14),
        ("isbn", &item.isbn),
    ];
    let mut given = Vec::new();
    for (scheme, field) in schemes {
        if let Some(value) = field.as_ref().of(scheme)? {
            given.push((scheme, value.owned()));
        }
    }
    let size = item.size.as_ref().of("size")?.map(Id::owned);
    let width = item.width.as_ref().of("width")?.map(Id::owned);
    item.strays.first("")?;
    let [(scheme, value)] = <[_; 1]>::try_from(given).map_err(|_| {
        FieldError::new(
            "identifier",
            Problem::Invalid(
                "must be exactly one of variantId, productId, itemId, sku (with size and width), sku_id, code, barcode, upc, upca, ean13, gtin14, isbn",
            ),
        )
    })?;
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
