//! How a record is stored: one small item per *field set* a write sets, folded on read.
//!
//! `BatchWriteItem` can only put whole items, without conditions, so a write cannot read a
//! record and rewrite it without losing a concurrent update of other fields. Instead a record
//! update puts exactly one item, in the record's *slot* for the set of fields it sets (say
//! `{onHand, demand}`), replacing the last write of that same field set. A read takes each
//! field from the newest item that holds it. Concurrent updates of different fields land in
//! different slots and both survive; a partial update never erases a field it does not set;
//! and the dialects set only a handful of field sets, so a record stays a small, bounded
//! set of items without any compaction (see [`Slot`] for the bound).
//!
//! Every item carries a [`Version`] (time, then a random nonce) taken when the write is sent:
//! the DynamoDB store stamps a fresh one on every attempt, so a retried write that lands late
//! is also the newest, and the last writer wins within one attempt's latency plus clock skew.
//! A create-only write (Wix) puts the record's one [`Slot::Create`] item, whose version is
//! older than any update's, so a create racing an update can only ever read as "create, then
//! update".

use std::collections::BTreeMap;
use std::fmt;
use std::sync::atomic::{AtomicU64, Ordering};

use crate::model::{InventoryRecord, Micros, StockUpdate, TenantId, Tracking, TransitEntry};

/// Orders the items of one record: time first (microseconds since the epoch), then a nonce
/// unique to the write. Creates have time 0, so every update is newer than a create.
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Default)]
pub struct Version {
    at: u64,
    nonce: u64,
}

impl Version {
    pub fn new(at: Micros, nonce: u64) -> Version {
        Version {
            at: at.max(0) as u64,
            nonce,
        }
    }

    /// A fresh version for a write being sent now. Within a process the times strictly
    /// increase (a later write never ties with or precedes an earlier one, whatever the
    /// clock does); across processes the clock and then the random nonce order them.
    pub fn now() -> Version {
        static LAST: AtomicU64 = AtomicU64::new(0);
        static PROCESS: std::sync::OnceLock<u64> = std::sync::OnceLock::new();
        let process = *PROCESS.get_or_init(rand::random::<u64>);
        let now = now_micros().max(0) as u64;
        let previous = LAST
            .fetch_update(Ordering::Relaxed, Ordering::Relaxed, |last| {
                Some(now.max(last + 1))
            })
            .unwrap_or(now);
        let at = now.max(previous + 1);
        Version {
            at,
            nonce: process ^ at,
        }
    }

    /// The version of a create-only write: older than every update, told apart from other
    /// creates by its random nonce (so a create can recognise its own item after a lost
    /// answer).
    pub fn creation() -> Version {
        Version::new(0, rand::random::<u64>())
    }

    /// When the write was sent; 0 for a create.
    pub fn micros(&self) -> Micros {
        self.at as Micros
    }

    /// 16 bytes, big-endian, so they sort as the version does.
    pub fn to_bytes(self) -> [u8; 16] {
        let mut bytes = [0; 16];
        bytes[..8].copy_from_slice(&self.at.to_be_bytes());
        bytes[8..].copy_from_slice(&self.nonce.to_be_bytes());
        bytes
    }

    pub fn from_bytes(bytes: &[u8]) -> Option<Version> {
        let bytes: &[u8; 16] = bytes.try_into().ok()?;
        let (at, nonce) = bytes.split_at(8);
        Some(Version {
            at: u64::from_be_bytes(at.try_into().ok()?),
            nonce: u64::from_be_bytes(nonce.try_into().ok()?),
        })
    }

    /// The 32 hex digits of the earlier layout's command keys and field versions.
    pub fn parse_hex(raw: &str) -> Option<Version> {
        if raw.len() != 32 || !raw.bytes().all(|b| b.is_ascii_hexdigit()) {
            return None;
        }
        Some(Version {
            at: u64::from_str_radix(&raw[..16], 16).ok()?,
            nonce: u64::from_str_radix(&raw[16..], 16).ok()?,
        })
    }
}

impl fmt::Debug for Version {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Version({:016x}{:016x})", self.at, self.nonce)
    }
}

pub fn now_micros() -> Micros {
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap_or_default();
    i64::try_from(now.as_micros()).unwrap_or(i64::MAX)
}

/// Which record: one (tenant, variant, location).
#[derive(Clone, PartialEq, Eq, Hash, Debug, PartialOrd, Ord)]
pub struct RecordKey {
    pub tenant: TenantId,
    pub variant_id: String,
    pub location_id: String,
}

impl RecordKey {
    /// A stable id for the record, the same on every read: a name-based UUID of its key.
    pub fn id(&self) -> uuid::Uuid {
        const NAMESPACE: uuid::Uuid =
            uuid::Uuid::from_u128(0x6f1e_2b9a_4c3d_4e5f_9a8b_7c6d_5e4f_3a2b);
        // The three parts joined by the unit separator, which identifiers cannot contain.
        let parts = [self.tenant.as_str(), &self.variant_id, &self.location_id];
        uuid::Uuid::new_v5(&NAMESPACE, parts.join("\u{1f}").as_bytes())
    }
}

/// The plain fields of a record an update can set, as bits. Transit entries are not among
/// them: each shipment reference has slots of its own.
#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug, PartialOrd, Ord, Default)]
pub struct FieldSet(pub u16);

impl FieldSet {
    pub const ON_HAND: u16 = 1;
    pub const DEMAND: u16 = 1 << 1;
    pub const SUPPLY: u16 = 1 << 2;
    pub const BACKORDER: u16 = 1 << 3;
    pub const RESTRICTION: u16 = 1 << 4;
    pub const CHANNEL: u16 = 1 << 5;
    pub const IN_STOCK: u16 = 1 << 6;
    pub const PREORDER: u16 = 1 << 7;

    /// The plain fields `update` sets.
    pub fn of(update: &StockUpdate) -> FieldSet {
        let bits = [
            (update.on_hand.is_some(), Self::ON_HAND),
            (update.demand.is_some(), Self::DEMAND),
            (update.supply.is_some(), Self::SUPPLY),
            (update.backorder.is_some(), Self::BACKORDER),
            (update.restriction.is_some(), Self::RESTRICTION),
            (update.channel.is_some(), Self::CHANNEL),
            (update.in_stock.is_some(), Self::IN_STOCK),
            (update.preorder.is_some(), Self::PREORDER),
        ];
        FieldSet(
            bits.iter()
                .filter(|(set, _)| *set)
                .fold(0, |all, (_, bit)| all | bit),
        )
    }

    pub fn is_empty(self) -> bool {
        self.0 == 0
    }
}

/// Where in a record an item lives. A write replaces the item of its slot, and only a write
/// that sets exactly the same fields shares a slot, so replacing never loses a field.
///
/// The bound on a record's items: one per field set written (the dialects write at most 14:
/// the 7 non-empty subsets of batchStock's {onHand, demand, supply}, 6 more from Crux's
/// {onHand, backorder, restrictions}, and bulk insert's {onHand, channel}), one create item,
/// and one per shipment reference and field set written with it (at most 3 per reference).
#[derive(Clone, PartialEq, Eq, Hash, Debug, PartialOrd, Ord)]
pub enum Slot {
    /// The item of one set of plain fields.
    Fields(FieldSet),
    /// The record's one create-only item (Wix).
    Create,
    /// A shipment reference, with the plain fields written together with it.
    Transit { fields: FieldSet, reference: String },
}

/// What one item holds: the fields it sets, at its version. A create item also carries the
/// real time it was created (its version is 0).
#[derive(Clone, PartialEq, Eq, Debug)]
pub struct Entry {
    pub version: Version,
    pub update: StockUpdate,
    pub created_at: Option<Micros>,
}

impl Entry {
    /// The time this entry says the record was written: the creation time of a create item,
    /// else its version's time.
    fn written_at(&self) -> Option<Micros> {
        self.created_at
            .or((self.version.micros() > 0).then(|| self.version.micros()))
    }
}

/// The items one record update puts: one for its plain fields, or, when it records
/// shipments, one per shipment reference, the first of which also carries the plain fields.
/// So an update puts exactly one item unless it names several shipments.
pub fn slots(mut update: StockUpdate) -> smallvec::SmallVec<[(Slot, StockUpdate); 1]> {
    let fields = FieldSet::of(&update);
    let transit = std::mem::take(&mut update.transit);
    if transit.is_empty() {
        return smallvec::smallvec![(Slot::Fields(fields), update)];
    }
    let mut out = smallvec::SmallVec::with_capacity(transit.len());
    let mut plain = Some((fields, update));
    for (reference, entry) in transit {
        let (fields, mut part) = plain.take().unwrap_or_default();
        part.transit.insert(reference.clone(), entry);
        out.push((Slot::Transit { fields, reference }, part));
    }
    out
}

/// The newest value of one field, and the version that set it.
type Newest<T> = Option<(Version, T)>;

fn offer<T>(slot: &mut Newest<T>, version: Version, value: Option<T>) {
    if let Some(value) = value
        && slot.as_ref().is_none_or(|(v, _)| *v < version)
    {
        *slot = Some((version, value));
    }
}

/// A record being read: each field from the newest item that holds it. The order items are
/// applied in does not matter, nor does applying one twice.
#[derive(Clone, Debug, Default)]
pub struct Fold {
    on_hand: Newest<i64>,
    demand: Newest<i64>,
    supply: Newest<i64>,
    backorder: Newest<i64>,
    restriction: Newest<Option<crate::model::Restriction>>,
    channel: Newest<String>,
    in_stock: Newest<bool>,
    tracking: Newest<Tracking>,
    preorder: Newest<crate::model::PreorderInfo>,
    transit: BTreeMap<String, (Version, TransitEntry)>,
    first: Option<Micros>,
    last: Option<Micros>,
    newest: Option<Micros>,
    entries: usize,
}

impl Fold {
    pub fn apply(&mut self, entry: &Entry) {
        self.apply_update(entry.version, &entry.update, entry.written_at());
    }

    fn apply_update(&mut self, version: Version, u: &StockUpdate, written: Option<Micros>) {
        offer(&mut self.on_hand, version, u.on_hand);
        offer(&mut self.demand, version, u.demand);
        offer(&mut self.supply, version, u.supply);
        offer(&mut self.backorder, version, u.backorder);
        offer(&mut self.restriction, version, u.restriction);
        offer(&mut self.channel, version, u.channel.clone());
        offer(&mut self.in_stock, version, u.in_stock);
        offer(&mut self.tracking, version, u.tracking());
        offer(&mut self.preorder, version, u.preorder.clone());
        for (reference, entry) in &u.transit {
            match self.transit.get(reference) {
                Some((v, _)) if *v >= version => {}
                _ => {
                    self.transit
                        .insert(reference.clone(), (version, entry.clone()));
                }
            }
        }
        self.times(version, written);
    }

    fn times(&mut self, version: Version, written: Option<Micros>) {
        self.entries += 1;
        if let Some(at) = written {
            self.first = Some(self.first.map_or(at, |f| f.min(at)));
            self.last = Some(self.last.map_or(at, |l| l.max(at)));
        }
        if version.micros() > 0 {
            self.newest = Some(
                self.newest
                    .map_or(version.micros(), |n| n.max(version.micros())),
            );
        }
    }

    /// Whether any item was applied: a record without items does not exist.
    pub fn is_empty(&self) -> bool {
        self.entries == 0
    }

    /// The record as it reads now.
    ///
    /// - `created_at`: the creation time of its create item, or the time of its oldest item
    ///   (writes replace items, so for a record never created that way this is when its
    ///   oldest surviving field set was written);
    /// - `updated_at`: the time of its newest item;
    /// - `revision`: an opaque number that grows with every update: the time of its newest
    ///   update in microseconds, or 1 for a record that has only been created.
    pub fn record(self, variant_id: &str, product_id: &str, location_id: &str) -> InventoryRecord {
        let value = |n: Newest<i64>| n.map(|(_, v)| v);
        InventoryRecord {
            variant_id: variant_id.to_owned(),
            product_id: product_id.to_owned(),
            location_id: location_id.to_owned(),
            quantity: value(self.on_hand),
            demand: value(self.demand),
            supply: value(self.supply),
            backorder: value(self.backorder),
            restrictions: self.restriction.and_then(|(_, r)| r),
            channel: self.channel.map(|(_, c)| c),
            tracking: self.tracking.map_or(Tracking::Quantity, |(_, t)| t),
            in_stock: self.in_stock.map(|(_, i)| i),
            transit: self
                .transit
                .into_iter()
                .map(|(reference, (_, entry))| (reference, entry))
                .collect(),
            preorder: self.preorder.map(|(_, p)| p),
            created_at: self.first.unwrap_or(0),
            updated_at: self.last.unwrap_or(0),
            revision: self.newest.map_or(1, |n| n as u64),
        }
    }
}

/// The record a brand-new create makes, as a read of it will show it.
pub fn created(key: &RecordKey, product_id: &str, entry: &Entry) -> InventoryRecord {
    let mut fold = Fold::default();
    fold.apply(entry);
    fold.record(&key.variant_id, product_id, &key.location_id)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::Restriction;

    fn entry(at: Micros, update: StockUpdate) -> Entry {
        Entry {
            version: Version::new(at, 1),
            update,
            created_at: None,
        }
    }

    fn read(entries: &[Entry]) -> InventoryRecord {
        let mut fold = Fold::default();
        entries.iter().for_each(|e| fold.apply(e));
        fold.record("v", "p", "l")
    }

    #[test]
    fn record_ids_are_a_fixed_function_of_the_key() {
        // Clients keep these ids: the derivation must never change.
        // Python: uuid.uuid5(uuid.UUID(int=0x6f1e2b9a4c3d4e5f9a8b7c6d5e4f3a2b), "t\x1fv\x1fl")
        let key = RecordKey {
            tenant: TenantId::parse("t").unwrap(),
            variant_id: "v".into(),
            location_id: "l".into(),
        };
        assert_eq!(key.id().to_string(), "3be3c912-3a46-5ec6-b063-c7572846ffc8");
    }

    #[test]
    fn versions_sort_by_time_then_nonce_in_every_form() {
        assert!(Version::new(2, 0) > Version::new(1, u64::MAX));
        assert!(Version::new(1, 2) > Version::new(1, 1));
        assert!(Version::creation() < Version::new(1, 0));
        assert!(Version::now() < Version::now());
        let (a, b) = (Version::new(5, u64::MAX), Version::new(6, 0));
        assert!(a.to_bytes() < b.to_bytes());
        assert_eq!(Version::from_bytes(&a.to_bytes()), Some(a));
        assert_eq!(Version::from_bytes(&[1, 2]), None);
        assert_eq!(
            Version::parse_hex("7edcba98765432100123456789abcdef"),
            Some(Version::new(0x7edc_ba98_7654_3210, 0x0123_4567_89ab_cdef))
        );
        assert_eq!(Version::parse_hex("zz"), None);
        assert_eq!(Version::new(-5, 3).micros(), 0);
    }

    #[test]
    fn an_update_puts_one_item_unless_it_names_several_shipments() {
        let update = StockUpdate {
            on_hand: Some(1),
            demand: Some(2),
            ..Default::default()
        };
        let one = slots(update.clone());
        assert_eq!(one.len(), 1);
        assert_eq!(
            one[0].0,
            Slot::Fields(FieldSet(FieldSet::ON_HAND | FieldSet::DEMAND))
        );
        let mut shipments = StockUpdate {
            channel: Some("12".into()),
            ..Default::default()
        };
        for reference in ["WO-1", "WO-2"] {
            shipments.transit.insert(
                reference.into(),
                TransitEntry {
                    quantity: 3,
                    order_date: None,
                    stock_date: None,
                },
            );
        }
        let two = slots(shipments);
        let kinds: Vec<&Slot> = two.iter().map(|(s, _)| s).collect();
        assert_eq!(
            kinds,
            [
                &Slot::Transit {
                    fields: FieldSet(FieldSet::CHANNEL),
                    reference: "WO-1".into()
                },
                &Slot::Transit {
                    fields: FieldSet(0),
                    reference: "WO-2".into()
                },
            ]
        );
        assert_eq!(two[0].1.channel.as_deref(), Some("12"));
        assert_eq!(two[1].1.channel, None);
    }

    #[test]
    fn each_field_comes_from_the_newest_item_that_holds_it_in_any_order() {
        let both = entry(
            10,
            StockUpdate {
                on_hand: Some(1),
                demand: Some(1),
                ..Default::default()
            },
        );
        let on_hand = entry(
            20,
            StockUpdate {
                on_hand: Some(2),
                ..Default::default()
            },
        );
        for order in [[both.clone(), on_hand.clone()], [on_hand, both]] {
            let r = read(&order);
            assert_eq!((r.quantity, r.demand), (Some(2), Some(1)));
            assert_eq!((r.created_at, r.updated_at, r.revision), (10, 20, 20));
        }
    }

    #[test]
    fn a_create_reads_older_than_any_update() {
        let create = Entry {
            version: Version::creation(),
            update: StockUpdate {
                on_hand: Some(5),
                preorder: Some(crate::model::PreorderInfo {
                    enabled: true,
                    message: None,
                    limit: None,
                }),
                ..Default::default()
            },
            created_at: Some(30),
        };
        let alone = read(std::slice::from_ref(&create));
        assert_eq!((alone.quantity, alone.revision), (Some(5), 1));
        assert_eq!((alone.created_at, alone.updated_at), (30, 30));
        // An update that landed before the create (the create did not see it) still wins.
        let update = entry(
            20,
            StockUpdate {
                on_hand: Some(7),
                ..Default::default()
            },
        );
        let r = read(&[create, update]);
        assert_eq!((r.quantity, r.revision), (Some(7), 20));
        assert!(r.preorder.is_some(), "fields the update did not set stay");
        assert_eq!((r.created_at, r.updated_at), (20, 30));
    }

    #[test]
    fn tracking_follows_the_newest_count_or_flag_and_clearing_is_a_value() {
        let flag = entry(
            10,
            StockUpdate {
                in_stock: Some(true),
                restriction: Some(Some(Restriction::Discontinued)),
                ..Default::default()
            },
        );
        let count = entry(
            20,
            StockUpdate {
                on_hand: Some(3),
                ..Default::default()
            },
        );
        let cleared = entry(
            30,
            StockUpdate {
                restriction: Some(None),
                ..Default::default()
            },
        );
        let r = read(&[count.clone(), flag.clone()]);
        assert_eq!(r.tracking, Tracking::Quantity);
        assert_eq!(r.restrictions, Some(Restriction::Discontinued));
        let r = read(&[count, flag, cleared]);
        assert_eq!(r.restrictions, None);
    }
}
