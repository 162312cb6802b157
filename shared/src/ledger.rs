//! How a record is stored: an append-only log of update commands, folded on read.
//!
//! `BatchWriteItem` can only put whole items, without conditions. Read-modify-write through
//! it would lose one of two concurrent updates to different fields of the same record. So a
//! write never rewrites the record: it appends one small command item holding only the
//! fields it sets, under a key no other write uses. The record is the fold of its commands,
//! last writer wins per field, which is commutative and idempotent: concurrent writers never
//! erase each other's fields, and a repeated command changes nothing.
//!
//! A compactor folds settled commands into one snapshot item and deletes them, so reads stay
//! cheap. The snapshot keeps the version of every field, so commands folded after it still
//! merge field by field.

use std::collections::BTreeMap;
use std::fmt;
use std::sync::atomic::{AtomicU64, Ordering};

use crate::model::{InventoryRecord, Micros, StockUpdate, TenantId};

/// How old a command must be before compaction folds it. A write takes its version before
/// it lands, and a request lives at most 29 seconds (the API Gateway limit); two minutes
/// leaves room for that and for clock skew between hosts, so nothing can land below a
/// snapshot's `through` once it is written.
pub const SETTLE_WINDOW: std::time::Duration = std::time::Duration::from_secs(120);

/// Orders the commands of one record: time first, then a process-unique suffix.
/// Its string form sorts the same way, so it is also the command's storage key suffix.
/// Held inline (32 hex digits) and copied: every item of a write carries one.
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Version([u8; 32]);

impl Version {
    pub fn new(at: Micros, nonce: u64) -> Version {
        const HEX: &[u8; 16] = b"0123456789abcdef";
        let mut text = [0u8; 32];
        // Two digits per byte, most significant first.
        let (time, nonce) = ((at.max(0) as u64).to_be_bytes(), nonce.to_be_bytes());
        for i in 0..8 {
            text[2 * i] = HEX[usize::from(time[i] >> 4)];
            text[2 * i + 1] = HEX[usize::from(time[i] & 0xf)];
            text[16 + 2 * i] = HEX[usize::from(nonce[i] >> 4)];
            text[17 + 2 * i] = HEX[usize::from(nonce[i] & 0xf)];
        }
        Version(text)
    }

    /// A fresh version for a write happening now.
    pub fn now() -> Version {
        static COUNTER: AtomicU64 = AtomicU64::new(0);
        static PROCESS: std::sync::OnceLock<u64> = std::sync::OnceLock::new();
        let process = *PROCESS.get_or_init(rand::random::<u64>);
        let n = COUNTER.fetch_add(1, Ordering::Relaxed);
        Version::new(now_micros(), process.wrapping_add(n))
    }

    pub fn parse(raw: &str) -> Option<Version> {
        let text: [u8; 32] = raw.as_bytes().try_into().ok()?;
        text.iter()
            .all(u8::is_ascii_hexdigit)
            .then_some(Version(text))
    }

    pub fn as_str(&self) -> &str {
        // Hex digits only, by construction: always UTF-8.
        std::str::from_utf8(&self.0).unwrap_or_default()
    }

    /// When the command was written.
    pub fn micros(&self) -> Micros {
        i64::from_str_radix(&self.as_str()[..16], 16).unwrap_or(0)
    }
}

impl fmt::Debug for Version {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Version({})", self.as_str())
    }
}

pub fn now_micros() -> Micros {
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap_or_default();
    i64::try_from(now.as_micros()).unwrap_or(i64::MAX)
}

/// Which record a command or snapshot belongs to.
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

/// One stored update of one record.
#[derive(Clone, PartialEq, Eq, Debug)]
pub struct Command {
    pub key: RecordKey,
    pub product_id: String,
    pub version: Version,
    pub update: StockUpdate,
}

/// A folded record together with the version that last set each field.
#[derive(Clone, PartialEq, Eq, Debug)]
pub struct Snapshot {
    pub record: InventoryRecord,
    pub field_versions: BTreeMap<String, Version>,
    /// Every command at or below this version is already folded in.
    pub through: Option<Version>,
}

/// Field names of the per-field clock, shared with the storage encoders. Transit entries are
/// one field per reference.
pub mod fields {
    pub const QUANTITY: &str = "quantity";
    pub const DEMAND: &str = "demand";
    pub const SUPPLY: &str = "supply";
    pub const BACKORDER: &str = "backorder";
    pub const RESTRICTIONS: &str = "restrictions";
    pub const CHANNEL: &str = "channel";
    pub const TRACKING: &str = "tracking";
    pub const IN_STOCK: &str = "inStock";
    pub const PREORDER: &str = "preorder";
    pub const TRANSIT_PREFIX: &str = "transit:";
}
use fields::*;

/// Folds commands into a record, last writer wins per field.
#[derive(Clone, Debug)]
pub struct Fold {
    snapshot: Snapshot,
    base_revision: u64,
    counted: u64,
}

impl Fold {
    /// Starts from a stored snapshot, or from nothing.
    pub fn new(key: &RecordKey, product_id: &str, snapshot: Option<Snapshot>) -> Fold {
        let snapshot = snapshot.unwrap_or_else(|| Snapshot {
            record: InventoryRecord::empty(&key.variant_id, product_id, &key.location_id),
            field_versions: BTreeMap::new(),
            through: None,
        });
        Fold {
            base_revision: snapshot.record.revision,
            snapshot,
            counted: 0,
        }
    }

    /// Applies one command. Order does not matter; applying a command twice changes nothing.
    pub fn apply(&mut self, command: &Command) {
        self.apply_update(&command.version, &command.product_id, &command.update);
    }

    /// [`apply`](Self::apply) for an update that is not (yet) a stored command.
    fn apply_update(&mut self, v: &Version, product_id: &str, u: &StockUpdate) {
        let already_folded = self.snapshot.through.as_ref().is_some_and(|t| v <= t);
        if !already_folded {
            self.counted += 1;
        }
        let at = v.micros();
        let record = &mut self.snapshot.record;
        if record.created_at == 0 || at < record.created_at {
            record.created_at = at;
        }
        record.updated_at = record.updated_at.max(at);
        if record.product_id.is_empty() {
            product_id.clone_into(&mut record.product_id);
        }

        let versions = &mut self.snapshot.field_versions;
        set(versions, QUANTITY, v, u.on_hand, &mut record.quantity);
        set(versions, DEMAND, v, u.demand, &mut record.demand);
        set(versions, SUPPLY, v, u.supply, &mut record.supply);
        set(versions, BACKORDER, v, u.backorder, &mut record.backorder);
        if let Some(restriction) = u.restriction
            && wins(versions, RESTRICTIONS, v)
        {
            record.restrictions = restriction;
        }
        set(versions, CHANNEL, v, u.channel.clone(), &mut record.channel);
        set(versions, IN_STOCK, v, u.in_stock, &mut record.in_stock);
        if let Some(tracking) = u.tracking()
            && wins(versions, TRACKING, v)
        {
            record.tracking = tracking;
        }
        if let Some(preorder) = &u.preorder
            && wins(versions, PREORDER, v)
        {
            record.preorder = Some(preorder.clone());
        }
        for (reference, entry) in &u.transit {
            if wins(versions, &format!("{TRANSIT_PREFIX}{reference}"), v) {
                record.transit.insert(reference.clone(), entry.clone());
            }
        }
    }

    pub fn record(&self) -> InventoryRecord {
        let mut record = self.snapshot.record.clone();
        record.revision = self.revision();
        record
    }

    /// The stored revision plus one per command folded in for the first time.
    fn revision(&self) -> u64 {
        self.base_revision + self.counted
    }

    /// The snapshot to store after folding commands up to `through`.
    pub fn into_snapshot(self, through: Option<Version>) -> Snapshot {
        let revision = self.revision();
        let mut record = self.snapshot.record;
        record.revision = revision;
        let through = through.max(self.snapshot.through);
        Snapshot {
            record,
            field_versions: self.snapshot.field_versions,
            through,
        }
    }
}

/// Whether a write at `v` wins `field`, and if so records it as the field's version.
fn wins(versions: &mut BTreeMap<String, Version>, field: &str, v: &Version) -> bool {
    match versions.get(field) {
        Some(current) if current > v => false,
        _ => {
            versions.insert(field.to_owned(), *v);
            true
        }
    }
}

fn set<T>(
    versions: &mut BTreeMap<String, Version>,
    field: &str,
    v: &Version,
    value: Option<T>,
    slot: &mut Option<T>,
) {
    if let Some(value) = value
        && wins(versions, field, v)
    {
        *slot = Some(value);
    }
}

/// Folds a snapshot and commands into the current record.
pub fn current(
    key: &RecordKey,
    product_id: &str,
    snapshot: Option<Snapshot>,
    commands: &[Command],
) -> InventoryRecord {
    let mut fold = Fold::new(key, product_id, snapshot);
    commands.iter().for_each(|c| fold.apply(c));
    fold.record()
}

/// The snapshot a brand-new record starts with (create-only writes): every field set by
/// `update`, at `version`, revision 1.
pub fn created(
    key: &RecordKey,
    product_id: &str,
    version: &Version,
    update: &StockUpdate,
) -> Snapshot {
    let mut fold = Fold::new(key, product_id, None);
    fold.apply_update(version, product_id, update);
    // No command is stored for a create: the snapshot is the record.
    fold.into_snapshot(None)
}

/// What a compaction pass writes and deletes for one record.
#[derive(Clone, Debug)]
pub struct Compaction {
    pub snapshot: Snapshot,
    pub folded: Vec<Version>,
}

/// Folds the commands written before `settled_before` into the snapshot. Younger commands
/// stay, so a write still in flight (its version was taken before it landed) can never land
/// below `through`. Returns `None` when there is nothing to fold.
pub fn compact(
    key: &RecordKey,
    product_id: &str,
    snapshot: Option<Snapshot>,
    commands: &[Command],
    settled_before: Micros,
) -> Option<Compaction> {
    let settled: Vec<&Command> = commands
        .iter()
        .filter(|c| c.version.micros() < settled_before)
        .collect();
    if settled.is_empty() {
        return None;
    }
    let mut fold = Fold::new(key, product_id, snapshot);
    settled.iter().for_each(|c| fold.apply(c));
    let through = settled.iter().map(|c| c.version).max();
    Some(Compaction {
        snapshot: fold.into_snapshot(through),
        folded: settled.iter().map(|c| c.version).collect(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{Restriction, TransitEntry};

    fn key() -> RecordKey {
        RecordKey {
            tenant: TenantId::parse("t").unwrap(),
            variant_id: "v".into(),
            location_id: "l".into(),
        }
    }

    fn cmd(at: Micros, nonce: u64, update: StockUpdate) -> Command {
        Command {
            key: key(),
            product_id: "p".into(),
            version: Version::new(at, nonce),
            update,
        }
    }

    #[test]
    fn record_ids_are_a_fixed_function_of_the_key() {
        // Clients keep these ids: the derivation must never change.
        // Python: uuid.uuid5(uuid.UUID(int=0x6f1e2b9a4c3d4e5f9a8b7c6d5e4f3a2b), "t\x1fv\x1fl")
        assert_eq!(
            key().id().to_string(),
            "3be3c912-3a46-5ec6-b063-c7572846ffc8"
        );
    }

    #[test]
    fn versions_sort_by_time_then_nonce() {
        assert!(Version::new(2, 0) > Version::new(1, u64::MAX));
        assert!(Version::new(1, 2) > Version::new(1, 1));
        assert_eq!(
            Version::new(0x1234_5678_9abc, u64::MAX).as_str(),
            "0000123456789abcffffffffffffffff"
        );
        assert_eq!(
            Version::new(0x7edc_ba98_7654_3210, 0x0123_4567_89ab_cdef).as_str(),
            "7edcba98765432100123456789abcdef"
        );
        assert_eq!(
            Version::new(-5, 0x10).as_str(),
            "00000000000000000000000000000010"
        );
        assert_eq!(
            Version::new(1_700_000_000_000_000, 7).micros(),
            1_700_000_000_000_000
        );
        assert!(Version::now() < Version::now());
        assert!(Version::parse(Version::now().as_str()).is_some());
        assert!(Version::parse("zz").is_none());
    }

    #[test]
    fn concurrent_updates_of_different_fields_both_survive_in_any_order() {
        let a = cmd(
            10,
            1,
            StockUpdate {
                backorder: Some(4),
                ..Default::default()
            },
        );
        let b = cmd(
            11,
            2,
            StockUpdate {
                on_hand: Some(9),
                ..Default::default()
            },
        );
        for order in [vec![a.clone(), b.clone()], vec![b.clone(), a.clone()]] {
            let r = current(&key(), "p", None, &order);
            assert_eq!((r.quantity, r.backorder, r.revision), (Some(9), Some(4), 2));
            assert_eq!((r.created_at, r.updated_at), (10, 11));
        }
    }

    #[test]
    fn the_latest_write_of_a_field_wins_whatever_the_order() {
        let old = cmd(
            10,
            1,
            StockUpdate {
                on_hand: Some(1),
                ..Default::default()
            },
        );
        let new = cmd(
            20,
            1,
            StockUpdate {
                on_hand: Some(2),
                ..Default::default()
            },
        );
        assert_eq!(
            current(&key(), "p", None, &[new.clone(), old.clone()]).quantity,
            Some(2)
        );
        assert_eq!(current(&key(), "p", None, &[old, new]).quantity, Some(2));
    }

    #[test]
    fn restriction_can_be_cleared_and_transit_is_per_reference() {
        let mut t1 = StockUpdate {
            restriction: Some(Some(Restriction::Discontinued)),
            ..Default::default()
        };
        t1.transit.insert(
            "WO-1".into(),
            TransitEntry {
                quantity: 5,
                order_date: None,
                stock_date: None,
            },
        );
        let mut t2 = StockUpdate {
            restriction: Some(None),
            ..Default::default()
        };
        t2.transit.insert(
            "WO-2".into(),
            TransitEntry {
                quantity: 6,
                order_date: None,
                stock_date: None,
            },
        );
        let r = current(&key(), "p", None, &[cmd(1, 0, t1), cmd(2, 0, t2)]);
        assert_eq!(r.restrictions, None);
        assert_eq!(r.transit.len(), 2);
    }

    #[test]
    fn compaction_keeps_the_record_and_the_revision() {
        let commands: Vec<Command> = (0..6)
            .map(|i| {
                let update = if i % 2 == 0 {
                    StockUpdate {
                        on_hand: Some(i),
                        ..Default::default()
                    }
                } else {
                    StockUpdate {
                        backorder: Some(i),
                        ..Default::default()
                    }
                };
                cmd(100 + i, 0, update)
            })
            .collect();
        let before = current(&key(), "p", None, &commands);

        // Only the settled half is folded.
        let c = compact(&key(), "p", None, &commands, 103).unwrap();
        assert_eq!(c.folded.len(), 3);
        let remaining: Vec<Command> = commands[3..].to_vec();
        let after = current(&key(), "p", Some(c.snapshot.clone()), &remaining);
        assert_eq!(after, before);

        // Re-reading commands that were folded but not yet deleted changes nothing.
        let after_crash = current(&key(), "p", Some(c.snapshot), &commands);
        assert_eq!(after_crash, before);
        assert_eq!(after_crash.revision, 6);

        assert!(compact(&key(), "p", None, &commands, 50).is_none());
    }

    #[test]
    fn a_late_command_older_than_the_snapshot_fields_loses_per_field() {
        let create = created(
            &key(),
            "p",
            &Version::new(50, 0),
            &StockUpdate {
                on_hand: Some(10),
                ..Default::default()
            },
        );
        assert_eq!(create.record.revision, 1);
        // A concurrent write stamped before the create: it keeps its own field, loses quantity.
        let late = cmd(
            40,
            0,
            StockUpdate {
                on_hand: Some(1),
                backorder: Some(3),
                ..Default::default()
            },
        );
        let r = current(&key(), "p", Some(create), &[late]);
        assert_eq!(
            (r.quantity, r.backorder, r.revision),
            (Some(10), Some(3), 2)
        );
    }
}
