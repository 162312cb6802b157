//! The answer: per item in request order, the item as asked, and its variant and stored
//! figures per location, or why it was not found.

use std::collections::HashMap;
use std::sync::Arc;

use inventory_core::catalog::Variant;
use inventory_core::model::{Availability, InventoryRecord, PreorderInfo, Rfc3339, Tracking};
use inventory_core::reader::{Element, Entries};
use inventory_core::resolve::ResolveError;
use serde::Serialize;
use serde::ser::{SerializeMap, Serializer};

use crate::request::{Item, Query};

#[derive(Serialize)]
pub struct Answer<'r, 'a> {
    items: Vec<ItemAnswer<'r, 'a>>,
}

#[derive(Serialize)]
#[serde(untagged)]
enum ItemAnswer<'r, 'a> {
    Found(Found<'r, 'a>),
    Missing(Missing<'r, 'a>),
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Found<'r, 'a> {
    found: bool,
    request: Asked<'r, 'a>,
    variant_id: &'r str,
    product_id: &'r str,
    sku: Option<&'r str>,
    name: Option<&'r str>,
    locations: Vec<Figures<'r>>,
}

#[derive(Serialize)]
struct Missing<'r, 'a> {
    found: bool,
    request: Asked<'r, 'a>,
    error: String,
}

/// The stored figures of one record. Figures never set are `null`.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Figures<'a> {
    location_id: &'a str,
    quantity: Option<i64>,
    demand: Option<i64>,
    supply: Option<i64>,
    backorder: Option<i64>,
    restrictions: Option<&'static str>,
    track_quantity: bool,
    in_stock: Option<bool>,
    availability_status: Availability,
    channel: Option<&'a str>,
    transit: Vec<Transit<'a>>,
    preorder_info: Option<&'a PreorderInfo>,
    created_at: Rfc3339,
    updated_at: Rfc3339,
    revision: u64,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Transit<'a> {
    #[serde(rename = "ref")]
    reference: &'a str,
    quantity: i64,
    order_date: Option<&'a str>,
    stock_date: Option<&'a str>,
}

/// An item as it was asked for: its keys and values as sent.
struct Asked<'r, 'a>(&'r Entries<'a>);

impl Serialize for Asked<'_, '_> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut map = serializer.serialize_map(Some(self.0.0.len()))?;
        for (key, value) in &self.0.0 {
            map.serialize_entry(key.as_str(), value)?;
        }
        map.end()
    }
}

impl<'r, 'a> Answer<'r, 'a> {
    pub fn new(
        query: &'r Query<'a>,
        variants: &'r [Result<Arc<Variant>, ResolveError>],
        records: &'r HashMap<String, Vec<InventoryRecord>>,
    ) -> Self {
        let items = query
            .items
            .iter()
            .zip(variants)
            .filter_map(|(item, variant)| {
                let Element::Ok(Item { entries, .. }) = item else {
                    return None;
                };
                let request = Asked(entries);
                Some(match variant {
                    Ok(variant) => ItemAnswer::Found(Found::new(request, variant, records)),
                    Err(e) => ItemAnswer::Missing(Missing {
                        found: false,
                        request,
                        error: not_found_text(e),
                    }),
                })
            })
            .collect();
        Answer { items }
    }

    /// Written by serde_json: the items asked for are echoed as sent, text only serde_json
    /// writes verbatim.
    pub fn to_json(&self) -> Result<Vec<u8>, serde_json::Error> {
        serde_json::to_vec(self)
    }
}

impl<'r, 'a> Found<'r, 'a> {
    fn new(
        request: Asked<'r, 'a>,
        variant: &'r Variant,
        records: &'r HashMap<String, Vec<InventoryRecord>>,
    ) -> Self {
        let locations = records
            .get(&variant.variant_id)
            .map(|rs| rs.iter().map(Figures::of).collect())
            .unwrap_or_default();
        Found {
            found: true,
            request,
            variant_id: &variant.variant_id,
            product_id: &variant.product_id,
            sku: variant.sku.as_deref(),
            name: variant.name.as_deref(),
            locations,
        }
    }
}

impl<'a> Figures<'a> {
    fn of(r: &'a InventoryRecord) -> Self {
        let transit = r
            .transit
            .iter()
            .map(|(reference, t)| Transit {
                reference,
                quantity: t.quantity,
                order_date: t.order_date.as_deref(),
                stock_date: t.stock_date.as_deref(),
            })
            .collect();
        Figures {
            location_id: &r.location_id,
            quantity: r.quantity,
            demand: r.demand,
            supply: r.supply,
            backorder: r.backorder,
            restrictions: r.restrictions.map(|x| x.as_str()),
            track_quantity: r.tracking == Tracking::Quantity,
            in_stock: r.in_stock,
            availability_status: r.availability(),
            channel: r.channel.as_deref(),
            transit,
            preorder_info: r.preorder.as_ref(),
            created_at: Rfc3339(r.created_at),
            updated_at: Rfc3339(r.updated_at),
            revision: r.revision,
        }
    }
}

fn not_found_text(e: &ResolveError) -> String {
    match e {
        ResolveError::NotFound => "No variant found".to_owned(),
        ResolveError::Ambiguous(ids) => format!("Ambiguous: matches variants {}", ids.join(", ")),
        ResolveError::Invalid(e) => format!("Invalid {e}"),
    }
}
