//! The canonical inventory record and the one update command every dialect translates into.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

/// A tenant: the owner of keys, locations, catalog and stock. Never contains `#`. Shared, as
/// every key of a request carries it.
#[derive(Clone, PartialEq, Eq, Hash, Debug, PartialOrd, Ord)]
pub struct TenantId(std::sync::Arc<str>);

impl TenantId {
    /// Tenant ids are part of every storage key, so the alphabet is kept plain.
    pub fn parse(raw: &str) -> Option<TenantId> {
        let ok = !raw.is_empty()
            && raw.len() <= 64
            && raw
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b"-_.".contains(&b));
        ok.then(|| TenantId(raw.into()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Display for TenantId {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

/// Microseconds since the Unix epoch.
pub type Micros = i64;

/// `2020-11-02T22:26:10.175Z`: UTC with milliseconds, the form the vendor documents show.
pub fn rfc3339(at: Micros) -> String {
    Rfc3339(at).text(&mut [0; 24]).to_owned()
}

/// A time that renders as [`rfc3339`] text without allocating: for responses that carry a
/// date on every item.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub struct Rfc3339(pub Micros);

impl Rfc3339 {
    /// The text, written into `buffer`; empty for a time outside years 0 to 9999.
    /// `time` does the calendar arithmetic; the digits are written here, as its general
    /// formatter cost more than the rest of rendering an item.
    pub fn text(self, buffer: &mut [u8; 24]) -> &str {
        // Whole days and the time of day in plain i64 arithmetic: going through a nanosecond
        // `OffsetDateTime` cost an i128 multiply and divisions, most of this function.
        const MICROS_PER_DAY: i64 = 86_400_000_000;
        const UNIX_EPOCH_JULIAN_DAY: i32 = 2_440_588;
        let (days, of_day) = (
            self.0.div_euclid(MICROS_PER_DAY),
            self.0.rem_euclid(MICROS_PER_DAY),
        );
        let Some(julian) = i32::try_from(days)
            .ok()
            .and_then(|days| days.checked_add(UNIX_EPOCH_JULIAN_DAY))
        else {
            return "";
        };
        let Ok(date) = time::Date::from_julian_day(julian) else {
            return "";
        };
        let (year, month, day) = date.to_calendar_date();
        let Ok(year) = u32::try_from(year) else {
            return "";
        };
        // `of_day` is below 86,400,000,000, so each of these fits a u32.
        let (seconds, milli) = (of_day / 1_000_000, of_day / 1000 % 1000);
        let (hour, minute, second, milli) = (
            (seconds / 3600) as u32,
            (seconds / 60 % 60) as u32,
            (seconds % 60) as u32,
            milli as u32,
        );
        let fields = [
            (year, 4, b'-'),
            (u32::from(u8::from(month)), 2, b'-'),
            (u32::from(day), 2, b'T'),
            (hour, 2, b':'),
            (minute, 2, b':'),
            (second, 2, b'.'),
            (milli, 3, b'Z'),
        ];
        let mut at = 0;
        for (mut value, width, after) in fields {
            for digit in buffer[at..at + width].iter_mut().rev() {
                *digit = b'0' + (value % 10) as u8;
                value /= 10;
            }
            buffer[at + width] = after;
            at += width + 1;
        }
        std::str::from_utf8(&buffer[..at]).unwrap_or_default()
    }
}

impl Serialize for Rfc3339 {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.text(&mut [0; 24]))
    }
}

/// A stock restriction, as Crux spells them on the wire.
#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug, Serialize, Deserialize)]
pub enum Restriction {
    #[serde(rename = "discontd")]
    Discontinued,
    #[serde(rename = "tmpunavail")]
    TemporarilyUnavailable,
}

impl Restriction {
    pub fn as_str(self) -> &'static str {
        match self {
            Restriction::Discontinued => "discontd",
            Restriction::TemporarilyUnavailable => "tmpunavail",
        }
    }

    pub fn parse(raw: &str) -> Option<Restriction> {
        match raw {
            "discontd" => Some(Restriction::Discontinued),
            "tmpunavail" => Some(Restriction::TemporarilyUnavailable),
            _ => None,
        }
    }
}

/// One inbound shipment, keyed by its reference in [`InventoryRecord::transit`].
#[derive(Clone, PartialEq, Eq, Debug, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct TransitEntry {
    pub quantity: i64,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub order_date: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub stock_date: Option<String>,
}

/// Preorder settings of one record.
#[derive(Clone, PartialEq, Eq, Debug, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PreorderInfo {
    pub enabled: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub message: Option<String>,
    /// Only meaningful when quantity is tracked.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub limit: Option<i64>,
}

/// Default preorder limit when preorder is configured without one.
pub const DEFAULT_PREORDER_LIMIT: i64 = 100_000;

/// How availability is tracked: by counted quantity, or by an in-stock flag.
#[derive(Clone, Copy, PartialEq, Eq, Debug, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum Tracking {
    Quantity,
    Status,
}

/// The canonical update: every field is optional and an absent field is left as it is.
#[derive(Clone, PartialEq, Eq, Debug, Default)]
pub struct StockUpdate {
    pub on_hand: Option<i64>,
    pub demand: Option<i64>,
    pub supply: Option<i64>,
    pub backorder: Option<i64>,
    /// `Some(None)` clears the restriction.
    pub restriction: Option<Option<Restriction>>,
    pub channel: Option<String>,
    /// Status tracking: available (`true`) or out of stock (`false`) without a count.
    pub in_stock: Option<bool>,
    /// Transit entries to add or replace, by reference.
    pub transit: BTreeMap<String, TransitEntry>,
    pub preorder: Option<PreorderInfo>,
}

impl StockUpdate {
    pub fn is_empty(&self) -> bool {
        *self == StockUpdate::default()
    }

    /// The tracking mode this update implies: a count means quantity tracking, a flag means
    /// status tracking.
    pub fn tracking(&self) -> Option<Tracking> {
        match (self.on_hand, self.in_stock) {
            (Some(_), _) => Some(Tracking::Quantity),
            (None, Some(_)) => Some(Tracking::Status),
            (None, None) => None,
        }
    }

    /// Folds a later update for the same record into this one: fields the later one sets
    /// win, fields only this one sets survive.
    pub fn merge(&mut self, later: StockUpdate) {
        let StockUpdate {
            on_hand,
            demand,
            supply,
            backorder,
            restriction,
            channel,
            in_stock,
            transit,
            preorder,
        } = later;
        // A later count replaces an earlier flag and the other way round, as tracking does.
        if on_hand.is_some() {
            self.in_stock = None;
        }
        if in_stock.is_some() {
            self.on_hand = None;
        }
        fn take<T>(slot: &mut Option<T>, value: Option<T>) {
            if value.is_some() {
                *slot = value;
            }
        }
        take(&mut self.on_hand, on_hand);
        take(&mut self.demand, demand);
        take(&mut self.supply, supply);
        take(&mut self.backorder, backorder);
        take(&mut self.restriction, restriction);
        take(&mut self.channel, channel);
        take(&mut self.in_stock, in_stock);
        take(&mut self.preorder, preorder);
        self.transit.extend(transit);
    }
}

/// The stored state of one (tenant, variant, location).
#[derive(Clone, PartialEq, Eq, Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct InventoryRecord {
    pub variant_id: String,
    pub product_id: String,
    pub location_id: String,
    /// Units on hand (when quantity is tracked).
    pub quantity: Option<i64>,
    pub demand: Option<i64>,
    pub supply: Option<i64>,
    pub backorder: Option<i64>,
    pub restrictions: Option<Restriction>,
    pub channel: Option<String>,
    pub tracking: Tracking,
    /// The flag when tracked by status.
    pub in_stock: Option<bool>,
    pub transit: BTreeMap<String, TransitEntry>,
    pub preorder: Option<PreorderInfo>,
    pub created_at: Micros,
    pub updated_at: Micros,
    /// Increments by one with every stored update.
    pub revision: u64,
}

impl InventoryRecord {
    /// An empty record, before any update.
    pub fn empty(variant_id: &str, product_id: &str, location_id: &str) -> Self {
        InventoryRecord {
            variant_id: variant_id.to_owned(),
            product_id: product_id.to_owned(),
            location_id: location_id.to_owned(),
            quantity: None,
            demand: None,
            supply: None,
            backorder: None,
            restrictions: None,
            channel: None,
            tracking: Tracking::Quantity,
            in_stock: None,
            transit: BTreeMap::new(),
            preorder: None,
            created_at: 0,
            updated_at: 0,
            revision: 0,
        }
    }

    /// Whether the item can be sold now: in stock, preorder, or out of stock.
    pub fn availability(&self) -> Availability {
        let in_stock = match self.tracking {
            Tracking::Quantity => self.quantity.unwrap_or(0) > 0,
            Tracking::Status => self.in_stock.unwrap_or(false),
        };
        if in_stock {
            return Availability::InStock;
        }
        let preorder_open = self.preorder.as_ref().is_some_and(|p| {
            p.enabled
                && match self.tracking {
                    // Preorder capacity: how far below zero the count may go.
                    Tracking::Quantity => {
                        let limit = p.limit.unwrap_or(DEFAULT_PREORDER_LIMIT);
                        self.quantity.unwrap_or(0) > -limit
                    }
                    Tracking::Status => true,
                }
        });
        if preorder_open {
            Availability::Preorder
        } else {
            Availability::OutOfStock
        }
    }
}

#[derive(Clone, Copy, PartialEq, Eq, Debug, Serialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum Availability {
    InStock,
    OutOfStock,
    Preorder,
}

impl Availability {
    /// The name serde writes, for responses written by hand.
    pub const fn as_str(self) -> &'static str {
        match self {
            Availability::InStock => "IN_STOCK",
            Availability::OutOfStock => "OUT_OF_STOCK",
            Availability::Preorder => "PREORDER",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn merge_keeps_fields_the_later_update_does_not_mention() {
        let mut first = StockUpdate {
            on_hand: Some(5),
            backorder: Some(2),
            ..Default::default()
        };
        first.merge(StockUpdate {
            on_hand: Some(7),
            demand: Some(1),
            ..Default::default()
        });
        assert_eq!(first.on_hand, Some(7));
        assert_eq!(first.backorder, Some(2));
        assert_eq!(first.demand, Some(1));
    }

    #[test]
    fn a_later_flag_replaces_an_earlier_count() {
        let mut first = StockUpdate {
            on_hand: Some(5),
            ..Default::default()
        };
        first.merge(StockUpdate {
            in_stock: Some(true),
            ..Default::default()
        });
        assert_eq!(first.on_hand, None);
        assert_eq!(first.tracking(), Some(Tracking::Status));
    }

    #[test]
    fn availability_follows_tracking_and_preorder() {
        let mut r = InventoryRecord::empty("v", "p", "l");
        assert_eq!(r.availability(), Availability::OutOfStock);
        r.quantity = Some(3);
        assert_eq!(r.availability(), Availability::InStock);
        r.quantity = Some(0);
        r.preorder = Some(PreorderInfo {
            enabled: true,
            message: None,
            limit: Some(10),
        });
        assert_eq!(r.availability(), Availability::Preorder);
        r.quantity = Some(-10);
        assert_eq!(r.availability(), Availability::OutOfStock);
        r.tracking = Tracking::Status;
        r.in_stock = Some(true);
        assert_eq!(r.availability(), Availability::InStock);
    }

    #[test]
    fn timestamps_render_like_the_documents() {
        assert_eq!(rfc3339(1_604_355_970_175_123), "2020-11-02T22:26:10.175Z");
        assert_eq!(rfc3339(0), "1970-01-01T00:00:00.000Z");
        // The hand-written digits agree with `time`'s own formatter across the range.
        let format = time::macros::format_description!(
            "[year]-[month]-[day]T[hour]:[minute]:[second].[subsecond digits:3]Z"
        );
        let reference = |at: Micros| {
            time::OffsetDateTime::from_unix_timestamp_nanos(i128::from(at) * 1000)
                .ok()
                .filter(|t| t.year() >= 0)
                .map_or(String::new(), |t| t.format(&format).unwrap())
        };
        // Both sides of the epoch, to the ends of years 0 and 9999 and past them.
        let (first, last) = (-62_167_219_200_000_000, 253_402_300_799_999_999);
        let mut times = vec![first - 1, first, -1, 0, 1, last, last + 1, Micros::MIN];
        times.push(Micros::MAX);
        let mut at: Micros = 7;
        while at < last {
            times.extend([
                at,
                -at,
                at - at % 86_400_000_000,
                -(at - at % 86_400_000_000),
            ]);
            at = at * 3 + 1_234_567;
        }
        for at in times {
            let expected = reference(at);
            assert_eq!(rfc3339(at), expected, "at {at}");
            let rendered = serde_json::to_string(&Rfc3339(at)).unwrap();
            assert_eq!(rendered, format!("\"{expected}\""));
        }
    }

    #[test]
    fn availability_names_are_serdes() {
        for a in [
            Availability::InStock,
            Availability::OutOfStock,
            Availability::Preorder,
        ] {
            assert_eq!(serde_json::to_value(a).unwrap(), a.as_str());
        }
    }

    #[test]
    fn tenant_ids_are_plain() {
        assert!(TenantId::parse("demo").is_some());
        assert!(TenantId::parse("acme-eu_1.x").is_some());
        assert!(TenantId::parse("a#b").is_none());
        assert!(TenantId::parse("").is_none());
    }
}
