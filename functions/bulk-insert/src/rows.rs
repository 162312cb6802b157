//! One row of the bulk insert body, to the canonical update.

use inventory_core::identifiers::Identifier;
use inventory_core::model::{StockUpdate, TransitEntry};
use inventory_core::resolve::LocationRef;
use inventory_core::service::UpdateItem;
use inventory_core::validate::{FieldError, Fields, Problem};
use serde_json::Value;

/// Rows are Stock (on-hand quantity) or Transit (an inbound shipment, by reference).
const TYPES: &[&str] = &["Stock", "Transit"];

/// Reads a row; `default_channel` comes from `x-site-context`.
pub fn parse(row: &Value, default_channel: Option<&str>) -> Result<UpdateItem, FieldError> {
    let mut f = Fields::of(row, "row")?;
    let sku = f.id("sku")?;
    let item_id = f.id("itemId")?;
    let identifier = match (sku, item_id) {
        (Some(sku), None) => Identifier::Sku(sku),
        (None, Some(item)) => Identifier::ItemId(item),
        (None, None) => return Err(FieldError::missing("sku or itemId")),
        (Some(_), Some(_)) => {
            return Err(FieldError::new(
                "itemId",
                Problem::Invalid("cannot be given together with sku"),
            ));
        }
    };
    let quantity = f
        .quantity("totalQuantity")?
        .ok_or_else(|| FieldError::missing("totalQuantity"))?;
    let location = f
        .id("locationId")?
        .ok_or_else(|| FieldError::missing("locationId"))?;
    let kind = f.text("type")?.unwrap_or("Stock");
    let channel = f.id("channelId")?.or(default_channel.map(str::to_owned));
    let order_date = f.date("transitOrderDate")?;
    let stock_date = f.date("transitStockDate")?;
    let reference = f.text("transitRef")?;
    f.finish()?;

    let mut update = StockUpdate {
        channel,
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
            let reference = reference
                .filter(|r| !r.trim().is_empty())
                .ok_or_else(|| FieldError::missing("transitRef"))?;
            update.transit.insert(
                reference.to_owned(),
                TransitEntry {
                    quantity,
                    order_date,
                    stock_date,
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
