//! The one request flow every dialect uses: canonical items -> resolve -> write -> per-item
//! outcomes. Dialects translate into [`UpdateItem`]s and render the outcomes back.

use std::collections::HashMap;
use std::sync::Arc;

use futures::{StreamExt, stream};

use crate::catalog::Variant;
use crate::identifiers::Identifier;
use crate::ledger::{self, Command, RecordKey, Version};
use crate::model::{InventoryRecord, StockUpdate, TenantId};
use crate::resolve::{KeySet, LocationError, LocationRef, Lookup, ResolveError};
use crate::store::{CatalogStore, Created, Deadline, InventoryStore, StoreError, WriteFailure};
use crate::telemetry;

/// How many create-only writes or record reads are in flight at once.
const PER_ITEM_CONCURRENCY: usize = 16;

/// One update as a dialect asks for it.
#[derive(Clone, PartialEq, Debug)]
pub struct UpdateItem {
    pub identifier: Identifier,
    pub location: LocationRef,
    pub update: StockUpdate,
}

/// Why one item was not stored.
#[derive(Clone, PartialEq, Eq, Debug, thiserror::Error)]
pub enum ItemFailure {
    #[error(transparent)]
    Resolve(#[from] ResolveError),
    #[error(transparent)]
    Location(#[from] LocationError),
    #[error("variant {variant_id} does not belong to product {product_id}")]
    WrongProduct {
        variant_id: String,
        product_id: String,
    },
    #[error("preorder is not supported for digital or subscription products")]
    PreorderNotAllowed,
    #[error("an inventory item already exists for this variant and location")]
    AlreadyExists,
    #[error(transparent)]
    Write(#[from] WriteFailure),
    #[error("the data store is unavailable")]
    Unavailable,
}

impl ItemFailure {
    /// Whether the store, not the item, is to blame: sending it again later may succeed.
    pub fn is_store_failure(&self) -> bool {
        matches!(self, ItemFailure::Write(_) | ItemFailure::Unavailable)
    }
}

/// True when nothing was stored and the store is why: the request as a whole is then
/// "unavailable, retry" rather than a list of per-item failures.
pub fn store_failed_all<T>(outcomes: &[Result<T, ItemFailure>]) -> bool {
    !outcomes.is_empty()
        && outcomes.iter().all(Result::is_err)
        && outcomes
            .iter()
            .any(|o| o.as_ref().is_err_and(ItemFailure::is_store_failure))
}

/// Keeps request order while only the valid elements of a request go through the core:
/// each element is either a position among the valid items, or the dialect's own error.
#[derive(Debug)]
pub struct Slots<E> {
    slots: Vec<Result<usize, E>>,
}

/// Splits parsed elements into the valid items and their slots. Counts the request's
/// items (received, and failed for the invalid ones) into the request metrics.
pub fn split<T, E>(parsed: impl IntoIterator<Item = Result<T, E>>) -> (Vec<T>, Slots<E>) {
    let parsed = parsed.into_iter();
    let mut items = Vec::with_capacity(parsed.size_hint().0);
    let slots: Vec<Result<usize, E>> = parsed
        .map(|p| {
            p.map(|item| {
                items.push(item);
                items.len() - 1
            })
        })
        .collect();
    telemetry::received(slots.len());
    telemetry::failed(slots.len() - items.len());
    (items, Slots { slots })
}

impl<E> Slots<E> {
    /// Puts the outcomes of the valid items back in request order, rendering each element
    /// from its outcome or its parse error. `render` gets the element's request index.
    pub fn join<O, R>(
        self,
        outcomes: Vec<O>,
        mut render: impl FnMut(usize, Result<O, E>) -> R,
    ) -> Vec<R> {
        let mut outcomes: Vec<Option<O>> = outcomes.into_iter().map(Some).collect();
        self.slots
            .into_iter()
            .enumerate()
            .filter_map(|(i, slot)| {
                let outcome = match slot {
                    Ok(valid) => Ok(outcomes.get_mut(valid)?.take()?),
                    Err(e) => Err(e),
                };
                Some(render(i, outcome))
            })
            .collect()
    }
}

/// An item that resolved: what will be written where.
#[derive(Clone, Debug)]
pub struct Target {
    pub variant: Arc<Variant>,
    pub location_id: String,
    pub update: StockUpdate,
}

/// A request after the catalog pass: per item, its target or why it has none.
#[derive(Debug)]
pub struct Plan {
    pub items: Vec<Result<Target, ItemFailure>>,
    pub lookup: Lookup,
}

/// Resolves every item of a request with one catalog pass. `extra` adds keys the dialect
/// needs checked in the same pass (an account, say).
pub async fn plan<C: CatalogStore>(
    catalog: &C,
    tenant: &TenantId,
    items: Vec<UpdateItem>,
    extra: impl FnOnce(&mut KeySet),
    deadline: Deadline,
) -> Result<Plan, StoreError> {
    // Each identifier's key is worked out once (a GTIN is parsed once), each location once.
    let keyed: Vec<_> = items.iter().map(|i| i.identifier.catalog_key()).collect();
    let mut keys = KeySet::new();
    keyed.iter().flatten().for_each(|k| keys.key(k.clone()));
    let mut locations: Vec<&LocationRef> = Vec::new();
    for item in &items {
        if !locations.contains(&&item.location) {
            keys.location(&item.location);
            locations.push(&item.location);
        }
    }
    extra(&mut keys);
    let lookup = keys.lookup(catalog, tenant, deadline).await?;
    let resolved_locations: Vec<(LocationRef, Result<String, LocationError>)> = locations
        .into_iter()
        .map(|l| (l.clone(), lookup.location(l)))
        .collect();
    let items = items
        .into_iter()
        .zip(keyed)
        .map(|(item, key)| {
            let variant = lookup
                .variant_by_key(key.map_err(ResolveError::from)?)?
                .clone();
            let location_id = resolved_locations
                .iter()
                .find(|(l, _)| *l == item.location)
                .map_or(Err(LocationError::NoDefault), |(_, r)| r.clone())?;
            Ok(Target {
                variant,
                location_id,
                update: item.update,
            })
        })
        .collect();
    Ok(Plan { items, lookup })
}

/// What was stored for one item.
#[derive(Clone, Debug)]
pub struct Stored {
    pub variant: Arc<Variant>,
    pub location_id: String,
    pub version: Version,
}

/// Writes the resolved items of a plan. Items for the same record are merged in request
/// order (later fields win) into one command, so a batch never holds one key twice; each
/// item then shares its record's outcome. Unresolved items keep their failure.
pub async fn commit<S: InventoryStore>(
    store: &S,
    tenant: &TenantId,
    items: Vec<Result<Target, ItemFailure>>,
    deadline: Deadline,
) -> Vec<Result<Stored, ItemFailure>> {
    let version = Version::now();
    // Each item's command: the first item for a record opens it, in request order. Keyed by
    // borrowed ids, so working out which items share a record allocates nothing per item.
    let slots: Vec<Option<usize>> = {
        let mut slot_of: foldhash::HashMap<(&str, &str), usize> =
            foldhash::HashMap::with_capacity_and_hasher(items.len(), Default::default());
        items
            .iter()
            .map(|item| {
                let target = item.as_ref().ok()?;
                let next = slot_of.len();
                let key = (
                    target.variant.variant_id.as_str(),
                    target.location_id.as_str(),
                );
                Some(*slot_of.entry(key).or_insert(next))
            })
            .collect()
    };
    let mut commands: Vec<Command> = Vec::with_capacity(items.len());
    // For every item: the command it joined, or its failure.
    let mut joined: Vec<Result<(usize, Arc<Variant>), ItemFailure>> =
        Vec::with_capacity(items.len());
    for (item, slot) in items.into_iter().zip(slots) {
        joined.push(item.map(|target| {
            let slot = slot.unwrap_or_default();
            if slot == commands.len() {
                commands.push(Command {
                    key: RecordKey {
                        tenant: tenant.clone(),
                        variant_id: target.variant.variant_id.clone(),
                        location_id: target.location_id,
                    },
                    product_id: target.variant.product_id.clone(),
                    version,
                    update: StockUpdate::default(),
                });
            }
            commands[slot].update.merge(target.update);
            (slot, target.variant)
        }));
    }
    // One request, one version: its commands touch distinct records, so keys stay unique.
    let outcomes = if commands.is_empty() {
        Vec::new()
    } else {
        store.append(&commands, deadline).await
    };
    let results: Vec<Result<Stored, ItemFailure>> = joined
        .into_iter()
        .map(|item| {
            let (slot, variant) = item?;
            let outcome = outcomes
                .get(slot)
                .copied()
                .unwrap_or(Err(WriteFailure::Unavailable));
            outcome.map_err(ItemFailure::Write)?;
            Ok(Stored {
                variant,
                location_id: commands[slot].key.location_id.clone(),
                version,
            })
        })
        .collect();
    let stored = results.iter().filter(|r| r.is_ok()).count();
    telemetry::stored(stored);
    telemetry::failed(results.len() - stored);
    results
}

/// A create-only item (Wix): the variant must belong to the product.
#[derive(Clone, Debug, PartialEq)]
pub struct CreateItem {
    pub variant_id: String,
    pub product_id: String,
    pub location: LocationRef,
    pub update: StockUpdate,
}

/// A create-only item after the catalog pass.
#[derive(Clone, Debug)]
pub struct PlannedCreate {
    pub key: RecordKey,
    pub variant: Arc<Variant>,
    pub update: StockUpdate,
}

/// Resolves create-only items in one catalog pass and checks what the catalog decides
/// (the variant's product, whether preorder is allowed). A second create of the same record
/// in one request fails like one from another request would.
pub async fn plan_create<S: CatalogStore>(
    store: &S,
    tenant: &TenantId,
    items: Vec<CreateItem>,
    deadline: Deadline,
) -> Result<Vec<Result<PlannedCreate, ItemFailure>>, StoreError> {
    let mut keys = KeySet::new();
    let identifiers: Vec<Identifier> = items
        .iter()
        .map(|i| Identifier::VariantId(i.variant_id.clone()))
        .collect();
    identifiers.iter().for_each(|i| keys.identifier(i));
    items.iter().for_each(|i| keys.location(&i.location));
    let lookup = keys.lookup(store, tenant, deadline).await?;

    let mut planned: Vec<Result<PlannedCreate, ItemFailure>> = items
        .into_iter()
        .zip(&identifiers)
        .map(|(item, identifier)| {
            let variant = lookup.variant(identifier)?.clone();
            if variant.product_id != item.product_id {
                return Err(ItemFailure::WrongProduct {
                    variant_id: item.variant_id,
                    product_id: item.product_id,
                });
            }
            if item.update.preorder.as_ref().is_some_and(|p| p.enabled)
                && !variant.allows_preorder()
            {
                return Err(ItemFailure::PreorderNotAllowed);
            }
            let key = RecordKey {
                tenant: tenant.clone(),
                variant_id: variant.variant_id.clone(),
                location_id: lookup.location(&item.location)?,
            };
            Ok(PlannedCreate {
                key,
                variant,
                update: item.update,
            })
        })
        .collect();
    // Every key has the same tenant: (variant, location) names the record. The set borrows
    // the keys, so finding repeats costs no clone.
    let repeated: Vec<usize> = {
        let mut seen: foldhash::HashSet<(&str, &str)> =
            foldhash::HashSet::with_capacity_and_hasher(planned.len(), Default::default());
        planned
            .iter()
            .enumerate()
            .filter_map(|(i, p)| {
                let key = &p.as_ref().ok()?.key;
                (!seen.insert((&key.variant_id, &key.location_id))).then_some(i)
            })
            .collect()
    };
    for i in repeated {
        planned[i] = Err(ItemFailure::AlreadyExists);
    }
    Ok(planned)
}

/// Creates the planned records, each only if it does not exist yet (also under races).
pub async fn commit_create<S: InventoryStore>(
    store: &S,
    planned: Vec<Result<PlannedCreate, ItemFailure>>,
    deadline: Deadline,
) -> Vec<Result<(Arc<Variant>, Box<InventoryRecord>), ItemFailure>> {
    let version = Version::now();
    let mut results = Vec::with_capacity(planned.len());
    let mut creates = stream::iter(planned)
        .map(|item| {
            let version = &version;
            async move {
                let PlannedCreate { key, variant, update } = item?;
                let snapshot = ledger::created(&key, &variant.product_id, version, &update);
                match store.create(&key, snapshot, deadline).await {
                    // Kept boxed: each result moves through the stream and into `results`.
                    Ok(Created::Created(record)) => Ok((variant, record)),
                    Ok(Created::AlreadyExists) => Err(ItemFailure::AlreadyExists),
                    Err(StoreError::Deadline) => Err(ItemFailure::Write(WriteFailure::Deadline)),
                    Err(StoreError::Unavailable(_)) => Err(ItemFailure::Unavailable),
                    Err(e) => {
                        tracing::error!(error = %e, source = ?std::error::Error::source(&e), "create failed");
                        Err(ItemFailure::Write(WriteFailure::Rejected))
                    }
                }
            }
        })
        .buffered(PER_ITEM_CONCURRENCY);
    // Room for every result up front: a growing Vec copied the large results as it doubled.
    while let Some(result) = creates.next().await {
        results.push(result);
    }
    let created = results.iter().filter(|r| r.is_ok()).count();
    telemetry::stored(created);
    telemetry::failed(results.len() - created);
    results
}

/// Plans and commits create-only items in one go.
pub async fn create<S: CatalogStore + InventoryStore>(
    store: &S,
    tenant: &TenantId,
    items: Vec<CreateItem>,
    deadline: Deadline,
) -> Result<Vec<Result<(Arc<Variant>, Box<InventoryRecord>), ItemFailure>>, StoreError> {
    let planned = plan_create(store, tenant, items, deadline).await?;
    Ok(commit_create(store, planned, deadline).await)
}

/// Records of resolved variants, at the locations asked for (all when `None`).
pub async fn read<S: InventoryStore>(
    store: &S,
    tenant: &TenantId,
    variants: &[&Variant],
    locations: Option<&[String]>,
    deadline: Deadline,
) -> Result<HashMap<String, Vec<InventoryRecord>>, StoreError> {
    // Owned (variant, product) pairs: the per-item futures must not borrow from the stream,
    // or the request future stops being `Send`.
    let mut distinct: Vec<(String, String)> = variants
        .iter()
        .map(|v| (v.variant_id.clone(), v.product_id.clone()))
        .collect();
    distinct.sort();
    distinct.dedup_by(|a, b| a.0 == b.0);
    let fetched: Vec<Result<(String, Vec<InventoryRecord>), StoreError>> = stream::iter(distinct)
        .map(|(variant_id, product_id)| async move {
            let mut records = store
                .records(tenant, &variant_id, &product_id, deadline)
                .await?;
            if let Some(wanted) = locations {
                records.retain(|r| wanted.contains(&r.location_id));
            }
            records.sort_by(|a, b| a.location_id.cmp(&b.location_id));
            Ok((variant_id, records))
        })
        .buffer_unordered(PER_ITEM_CONCURRENCY)
        .collect()
        .await;
    fetched.into_iter().collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::catalog::{CatalogEntry, Location, TenantSettings};
    use crate::identifiers::{CatalogKey, KeyKind};
    use crate::model::Restriction;
    use crate::store::memory::MemoryStore;
    use std::time::Duration;

    fn tenant() -> TenantId {
        TenantId::parse("t").unwrap()
    }

    fn deadline() -> Deadline {
        Deadline::after(Duration::from_secs(5))
    }

    fn store() -> MemoryStore {
        let s = MemoryStore::new();
        let v = Variant {
            variant_id: "V1".into(),
            product_id: "P1".into(),
            sku: Some("S1".into()),
            ..Default::default()
        };
        s.put_catalog(
            &tenant(),
            CatalogKey::new(KeyKind::Variant, "V1"),
            CatalogEntry::Variants(vec![Arc::new(v.clone())]),
        );
        s.put_catalog(
            &tenant(),
            CatalogKey::new(KeyKind::Sku, "S1"),
            CatalogEntry::Variants(vec![Arc::new(v)]),
        );
        for id in ["L1", "L2"] {
            s.put_catalog(
                &tenant(),
                CatalogKey::new(KeyKind::Location, id),
                CatalogEntry::Location(Location {
                    id: id.into(),
                    default: id == "L1",
                    name: None,
                }),
            );
        }
        s.put_catalog(
            &tenant(),
            CatalogKey::tenant(),
            CatalogEntry::Tenant(TenantSettings {
                default_location: Some("L1".into()),
            }),
        );
        s
    }

    fn item(id: Identifier, loc: LocationRef, update: StockUpdate) -> UpdateItem {
        UpdateItem {
            identifier: id,
            location: loc,
            update,
        }
    }

    async fn run(s: &MemoryStore, items: Vec<UpdateItem>) -> Vec<Result<Stored, ItemFailure>> {
        let plan = plan(s, &tenant(), items, |_| {}, deadline()).await.unwrap();
        commit(s, &tenant(), plan.items, deadline()).await
    }

    async fn record(s: &MemoryStore, loc: &str) -> InventoryRecord {
        let v = Variant {
            variant_id: "V1".into(),
            product_id: "P1".into(),
            ..Default::default()
        };
        let mut all = read(s, &tenant(), &[&v], Some(&[loc.to_owned()]), deadline())
            .await
            .unwrap();
        all.remove("V1").unwrap().pop().unwrap()
    }

    #[tokio::test]
    async fn duplicates_merge_in_request_order_into_one_command() {
        let s = store();
        let out = run(
            &s,
            vec![
                item(
                    Identifier::Sku("S1".into()),
                    LocationRef::Default,
                    StockUpdate {
                        on_hand: Some(1),
                        backorder: Some(5),
                        ..Default::default()
                    },
                ),
                item(
                    Identifier::VariantId("V1".into()),
                    LocationRef::Id("L1".into()),
                    StockUpdate {
                        on_hand: Some(2),
                        ..Default::default()
                    },
                ),
                item(
                    Identifier::Sku("nope".into()),
                    LocationRef::Default,
                    StockUpdate {
                        on_hand: Some(3),
                        ..Default::default()
                    },
                ),
            ],
        )
        .await;
        assert!(out[0].is_ok() && out[1].is_ok());
        assert_eq!(
            out[2].as_ref().unwrap_err(),
            &ItemFailure::Resolve(ResolveError::NotFound)
        );
        assert_eq!(s.command_count(), 1);
        let r = record(&s, "L1").await;
        assert_eq!((r.quantity, r.backorder, r.revision), (Some(2), Some(5), 1));
    }

    #[tokio::test]
    async fn a_partial_update_never_erases_other_fields() {
        let s = store();
        let v1 = || Identifier::VariantId("V1".into());
        run(
            &s,
            vec![item(
                v1(),
                LocationRef::Id("L2".into()),
                StockUpdate {
                    on_hand: Some(7),
                    restriction: Some(Some(Restriction::Discontinued)),
                    ..Default::default()
                },
            )],
        )
        .await;
        run(
            &s,
            vec![item(
                v1(),
                LocationRef::Id("L2".into()),
                StockUpdate {
                    backorder: Some(3),
                    ..Default::default()
                },
            )],
        )
        .await;
        let r = record(&s, "L2").await;
        assert_eq!(
            (r.quantity, r.backorder, r.restrictions),
            (Some(7), Some(3), Some(Restriction::Discontinued))
        );
        assert_eq!(r.revision, 2);
    }

    #[tokio::test]
    async fn unknown_locations_and_write_failures_are_per_item() {
        let s = store();
        let out = run(
            &s,
            vec![item(
                Identifier::VariantId("V1".into()),
                LocationRef::Id("999".into()),
                StockUpdate {
                    on_hand: Some(1),
                    ..Default::default()
                },
            )],
        )
        .await;
        assert_eq!(
            out[0].as_ref().unwrap_err(),
            &ItemFailure::Location(LocationError::Unknown("999".into()))
        );

        s.fail_writes(Some(WriteFailure::Unprocessed { attempts: 8 }));
        let out = run(
            &s,
            vec![item(
                Identifier::VariantId("V1".into()),
                LocationRef::Default,
                StockUpdate {
                    on_hand: Some(1),
                    ..Default::default()
                },
            )],
        )
        .await;
        assert_eq!(
            out[0].as_ref().unwrap_err(),
            &ItemFailure::Write(WriteFailure::Unprocessed { attempts: 8 })
        );
    }

    #[tokio::test]
    async fn create_is_create_only() {
        let s = store();
        let new = |product: &str| CreateItem {
            variant_id: "V1".into(),
            product_id: product.into(),
            location: LocationRef::Default,
            update: StockUpdate {
                on_hand: Some(4),
                ..Default::default()
            },
        };
        let out = create(
            &s,
            &tenant(),
            vec![new("P1"), new("P1"), new("P2")],
            deadline(),
        )
        .await
        .unwrap();
        let (_, record) = out[0].as_ref().unwrap();
        assert_eq!(
            (
                record.quantity,
                record.revision,
                record.location_id.as_str()
            ),
            (Some(4), 1, "L1")
        );
        assert_eq!(out[1].as_ref().unwrap_err(), &ItemFailure::AlreadyExists);
        assert!(matches!(out[2], Err(ItemFailure::WrongProduct { .. })));
        let again = create(&s, &tenant(), vec![new("P1")], deadline())
            .await
            .unwrap();
        assert_eq!(again[0].as_ref().unwrap_err(), &ItemFailure::AlreadyExists);
    }

    /// The first of two creates of one record in a request is the one tried, however the
    /// store orders concurrent writes; the second fails before reaching it.
    #[tokio::test]
    async fn a_repeated_create_fails_in_planning() {
        let new = |variant: &str, location: &str| CreateItem {
            variant_id: variant.into(),
            product_id: "P1".into(),
            location: LocationRef::Id(location.into()),
            update: StockUpdate::default(),
        };
        let items = vec![
            new("V1", "L1"),
            new("V1", "L2"),
            new("V1", "L1"),
            new("NOPE", "L1"),
            new("V1", "L2"),
        ];
        let planned = plan_create(&store(), &tenant(), items, deadline())
            .await
            .unwrap();
        let outcome: Vec<Result<(&str, &str), &ItemFailure>> = planned
            .iter()
            .map(|p| {
                p.as_ref()
                    .map(|p| (p.key.variant_id.as_str(), p.key.location_id.as_str()))
            })
            .collect();
        assert_eq!(
            outcome,
            [
                Ok(("V1", "L1")),
                Ok(("V1", "L2")),
                Err(&ItemFailure::AlreadyExists),
                Err(&ItemFailure::Resolve(ResolveError::NotFound)),
                Err(&ItemFailure::AlreadyExists),
            ]
        );
    }
}
