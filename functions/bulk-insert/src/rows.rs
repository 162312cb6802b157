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

/// The quick way in: Stock rows of a well-formed request read into typed items, each already
/// held to [`parse`]'s rules; `None` (a Transit row among them, say) sends the request the
/// general way.
pub mod quick {
    use std::borrow::Cow;

    use inventory_core::identifiers::Identifier;
    use inventory_core::lambda_http::Request;
    use inventory_core::model::StockUpdate;
    use inventory_core::resolve::LocationRef;
    use inventory_core::service::UpdateItem;
    use inventory_core::typed::{self, Array, Element, Id};
    use serde::Deserialize;
    use serde_json::Number;

    use crate::insert::MAX_ROWS;

    #[derive(Deserialize)]
    #[serde(deny_unknown_fields, rename_all = "camelCase")]
    struct Row<'a> {
        #[serde(borrow)]
        sku: Option<Id<'a>>,
        #[serde(borrow)]
        item_id: Option<Id<'a>>,
        total_quantity: Option<Number>,
        #[serde(borrow)]
        location_id: Option<Id<'a>>,
        #[serde(rename = "type")]
        kind: Option<Cow<'a, str>>,
        #[serde(borrow)]
        channel_id: Option<Id<'a>>,
    }

    /// The rows; `default_channel` comes from `x-site-context`.
    pub fn items(req: &Request, default_channel: Option<&str>) -> Option<Vec<UpdateItem>> {
        let rows: Array<Row, MAX_ROWS> = typed::body(req)?;
        let mut items = rows.0;
        if let Some(channel) = default_channel {
            for item in &mut items {
                item.update
                    .channel
                    .get_or_insert_with(|| channel.to_owned());
            }
        }
        Some(items)
    }

    impl Element for Row<'_> {
        type Out = UpdateItem;

        fn accept(self) -> Option<UpdateItem> {
            let identifier = match (self.sku, self.item_id) {
                (Some(sku), None) => Identifier::Sku(sku.checked()?),
                (None, Some(item)) => Identifier::ItemId(item.checked()?),
                _ => return None,
            };
            let quantity = typed::quantity(&self.total_quantity?)?;
            let location = self.location_id?.checked()?;
            if !matches!(self.kind.as_deref(), None | Some("Stock")) {
                return None;
            }
            let channel = match self.channel_id {
                Some(id) => Some(id.checked()?),
                None => None,
            };
            Some(UpdateItem {
                identifier,
                location: LocationRef::Id(location),
                update: StockUpdate {
                    on_hand: Some(quantity),
                    channel,
                    ..Default::default()
                },
            })
        }
    }
}
