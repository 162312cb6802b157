//! The body: an array of Stock and Transit rows, read once into typed rows, and the
//! dialect's rules for each.

use inventory_core::http::Rejection;
use inventory_core::identifiers::Identifier;
use inventory_core::lambda_http::Request;
use inventory_core::model::{StockUpdate, TransitEntry};
use inventory_core::reader::{self, BodyError, Date, Element, Id, Quantity, Ruled, Rules, Text};
use inventory_core::record;
use inventory_core::resolve::LocationRef;
use inventory_core::service::UpdateItem;
use inventory_core::validate::{FieldError, Problem};

use crate::insert::failed;

/// Most rows accepted in one call.
pub const MAX_ROWS: usize = 10_000;

/// Rows are Stock (on-hand quantity) or Transit (an inbound shipment, by reference).
const TYPES: &[&str] = &["Stock", "Transit"];

record! {
    /// One row.
    pub struct Row<'a> {
        "sku" => sku: Id<'a>,
        "itemId" => item_id: Id<'a>,
        "totalQuantity" => total_quantity: Quantity,
        "locationId" => location_id: Id<'a>,
        "type" => kind: Text<'a>,
        "channelId" => channel_id: Id<'a>,
        "transitOrderDate" => order_date: Date<'a>,
        "transitStockDate" => stock_date: Date<'a>,
        "transitRef" => reference: Text<'a>,
    }
}

/// The rules of a row, applied as it is read.
pub struct RowRules;

/// A row once read: its update, or what is wrong with it.
pub type RowOutcome = Result<UpdateItem, FieldError>;

impl<'a> Rules<'a> for RowRules {
    type Record = Row<'a>;
    type Out = RowOutcome;

    fn apply(row: Element<&mut Row<'a>>) -> Self::Out {
        match row {
            Element::Ok(row) => update(row),
            Element::Other(_) => Err(FieldError::new("row", Problem::NotObject)),
        }
    }
}

/// The rows: a JSON array of 1 to [`MAX_ROWS`], each read into its update or its error.
pub fn read(req: &Request) -> Result<Vec<RowOutcome>, Rejection> {
    let list = match reader::body::<Element<Ruled<RowRules, MAX_ROWS>>>(req) {
        Ok(Element::Ok(list)) => list,
        Ok(Element::Other(_)) => {
            return Err(failed("the request body must be a JSON array of rows"));
        }
        Err(BodyError::Empty) => return Err(failed("no rows found")),
        Err(BodyError::Malformed(e)) => {
            return Err(failed(format!("request body is not valid JSON ({e})")));
        }
    };
    if list.too_many {
        return Err(failed(format!("more than {MAX_ROWS} rows")));
    }
    if list.items.is_empty() {
        return Err(failed("no rows found"));
    }
    Ok(list.items)
}

/// Every row as an update, or the request's failure naming the row; `default_channel` (from
/// `x-site-context`) goes to rows that name none.
pub fn updates<'r>(
    rows: Vec<RowOutcome>,
    default_channel: Option<&'r str>,
) -> impl Iterator<Item = Result<UpdateItem, Rejection>> + 'r {
    rows.into_iter().enumerate().map(move |(i, row)| {
        let mut item = row.map_err(|e| failed(format!("Row {}: {e}", i + 1)))?;
        if let (None, Some(channel)) = (&item.update.channel, default_channel) {
            item.update.channel = Some(channel.to_owned());
        }
        Ok(item)
    })
}

/// The dialect's rules for one row.
fn update(row: &Row) -> Result<UpdateItem, FieldError> {
    let sku = row.sku.as_ref().of("sku")?;
    let item_id = row.item_id.as_ref().of("itemId")?;
    let identifier = match (sku, item_id) {
        (Some(sku), None) => Identifier::Sku(sku.owned()),
        (None, Some(item)) => Identifier::ItemId(item.owned()),
        (None, None) => return Err(FieldError::missing("sku or itemId")),
        (Some(_), Some(_)) => {
            return Err(FieldError::new(
                "itemId",
                Problem::Invalid("cannot be given together with sku"),
            ));
        }
    };
    let quantity = row.total_quantity.as_ref().required("totalQuantity")?.0;
    let location = row.location_id.as_ref().required("locationId")?.owned();
    let kind = row.kind.as_ref().of("type")?.map_or("Stock", |t| &t.0);
    let channel = row.channel_id.as_ref().of("channelId")?;
    let order_date = row.order_date.as_ref().of("transitOrderDate")?;
    let stock_date = row.stock_date.as_ref().of("transitStockDate")?;
    let reference = row.reference.as_ref().of("transitRef")?;
    row.strays.first("")?;

    let mut update = StockUpdate {
        channel: channel.map(Id::owned),
        ..Default::default()
    };
    match kind {
        "Stock" => {
            // Transit fields on a Stock row would be silently lost.
            for (field, given) in [
                ("transitOrderDate", order_date.is_some()),
                ("transitStockDate", stock_date.is_some()),
                ("transitRef", reference.is_some()),
            ] {
                if given {
                    return Err(FieldError::new(
                        field,
                        Problem::Invalid("is only allowed on Transit rows"),
                    ));
                }
            }
            update.on_hand = Some(quantity);
        }
        "Transit" => {
            // A reference of blanks names nothing (it is not trimmed into one).
            let reference = reference
                .filter(|r| !r.0.trim().is_empty())
                .ok_or_else(|| FieldError::missing("transitRef"))?;
            update.transit.insert(
                reference.0.to_string(),
                TransitEntry {
                    quantity,
                    order_date: order_date.map(|d| d.0.to_string()),
                    stock_date: stock_date.map(|d| d.0.to_string()),
                },
            );
        }
        _ => return Err(FieldError::new("type", Problem::NotOneOf(TYPES))),
    }
    Ok(UpdateItem {
        identifier,
        location: LocationRef::Id(location),
        update,
    })
}
