//! The body: an array of Stock and Transit rows, read once into typed rows, and the
//! dialect's rules for each.

use inventory_core::http::Rejection;
use inventory_core::identifiers::Identifier;
use inventory_core::lambda_http::Request;
use inventory_core::model::{StockUpdate, TransitEntry};
use inventory_core::reader::{self, BodyError, Date, Element, Id, List, Quantity, Text};
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

/// The rows: a JSON array of 1 to [`MAX_ROWS`].
pub fn read(req: &Request) -> Result<Vec<Element<Row<'_>>>, Rejection> {
    let list = match reader::body::<Element<List<Element<Row>, MAX_ROWS>>>(req) {
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

/// Every row as an update, or the request's failure naming the row; `default_channel` comes
/// from `x-site-context`.
pub fn updates<'r>(
    rows: &'r [Element<Row>],
    default_channel: Option<&'r str>,
) -> impl Iterator<Item = Result<UpdateItem, Rejection>> + 'r {
    rows.iter().enumerate().map(move |(i, row)| {
        update(row, default_channel).map_err(|e| failed(format!("Row {}: {e}", i + 1)))
    })
}

/// The dialect's rules for one row.
fn update(row: &Element<Row>, default_channel: Option<&str>) -> Result<UpdateItem, FieldError> {
    let Element::Ok(row) = row else {
        return Err(FieldError::new("row", Problem::NotObject));
    };
    let sku = row.sku.as_ref().of("sku")?;
    let item_id = row.item_id.as_ref().of("itemId")?;
    let identifier = match (sku, item_id) {
        (Some(sku), None) => Identifier::Sku(sku.to_string()),
        (None, Some(item)) => Identifier::ItemId(item.to_string()),
        (None, None) => return Err(FieldError::missing("sku or itemId")),
        (Some(_), Some(_)) => {
            return Err(FieldError::new(
                "itemId",
                Problem::Invalid("cannot be given together with sku"),
            ));
        }
    };
    let quantity = row.total_quantity.as_ref().required("totalQuantity")?.0;
    let location = row.location_id.as_ref().required("locationId")?.to_string();
    let kind = row.kind.as_ref().of("type")?.map_or("Stock", |t| &t.0);
    let channel = row.channel_id.as_ref().of("channelId")?;
    let order_date = row.order_date.as_ref().of("transitOrderDate")?;
    let stock_date = row.stock_date.as_ref().of("transitStockDate")?;
    let reference = row.reference.as_ref().of("transitRef")?;
    row.strays.first("")?;

    let mut update = StockUpdate {
        channel: channel.map_or(default_channel.map(str::to_owned), |c| Some(c.to_string())),
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
