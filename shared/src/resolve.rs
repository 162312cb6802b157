//! Identifiers and locations to catalog entries, for a whole request in one catalog pass.

use std::sync::Arc;

use crate::catalog::{CatalogEntry, Location, Variant};
use crate::identifiers::{CatalogKey, Identifier, IdentifierError, KeyKind, check_text};
use crate::model::TenantId;
use crate::store::{CatalogStore, Deadline, StoreError};

/// Where an update goes: a named location, or the tenant's default one.
#[derive(Clone, PartialEq, Eq, Debug)]
pub enum LocationRef {
    Id(String),
    Default,
}

/// Why an identifier did not name exactly one variant.
#[derive(Clone, PartialEq, Eq, Debug, thiserror::Error)]
pub enum ResolveError {
    #[error(transparent)]
    Invalid(#[from] IdentifierError),
    #[error("no variant found")]
    NotFound,
    #[error("ambiguous: it matches variants {}", .0.join(", "))]
    Ambiguous(Vec<String>),
}

/// Why a location did not resolve.
#[derive(Clone, PartialEq, Eq, Debug, thiserror::Error)]
pub enum LocationError {
    #[error("unknown location {0:?}")]
    Unknown(String),
    #[error("the tenant has no default location")]
    NoDefault,
}

/// The keys one request needs, gathered before the single catalog pass.
#[derive(Default, Debug)]
pub struct KeySet(foldhash::HashSet<CatalogKey>);

impl KeySet {
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds a key.
    pub fn key(&mut self, key: CatalogKey) {
        self.0.insert(key);
    }

    /// Adds the identifier's key; an identifier that cannot be a key adds nothing (it will
    /// fail on its own when resolved).
    pub fn identifier(&mut self, id: &Identifier) {
        if let Ok(key) = id.catalog_key() {
            self.0.insert(key);
        }
    }

    pub fn location(&mut self, location: &LocationRef) {
        match location {
            LocationRef::Id(id) if check_text("locationId", id).is_ok() => {
                self.0
                    .insert(CatalogKey::new(KeyKind::Location, id.as_str()));
            }
            LocationRef::Id(_) => {}
            LocationRef::Default => {
                self.0.insert(CatalogKey::tenant());
            }
        }
    }

    pub fn account(&mut self, account: &str) {
        if check_text("account", account).is_ok() {
            self.0.insert(CatalogKey::new(KeyKind::Account, account));
        }
    }

    /// Looks every key up at once; the store batches them (at most 100 per call).
    pub async fn lookup<C: CatalogStore>(
        self,
        catalog: &C,
        tenant: &TenantId,
        deadline: Deadline,
    ) -> Result<Lookup, StoreError> {
        let keys: Vec<CatalogKey> = self.0.into_iter().collect();
        let entries = catalog.lookup(tenant, &keys, deadline).await?;
        Ok(Lookup::new(entries))
    }
}

/// The catalog entries of one request. Variants are shared: every item naming one refers to
/// the same copy.
#[derive(Default, Debug)]
pub struct Lookup {
    entries: foldhash::HashMap<CatalogKey, CatalogEntry>,
}

impl Lookup {
    fn new(entries: Vec<(CatalogKey, CatalogEntry)>) -> Lookup {
        Lookup {
            entries: entries.into_iter().collect(),
        }
    }
}

impl Lookup {
    pub fn variant(&self, id: &Identifier) -> Result<&Arc<Variant>, ResolveError> {
        self.variant_by_key(id.catalog_key()?)
    }

    /// The one variant stored under `key`.
    pub fn variant_by_key(&self, key: CatalogKey) -> Result<&Arc<Variant>, ResolveError> {
        match self.entries.get(&key) {
            Some(CatalogEntry::Variants(variants)) => match variants.as_slice() {
                [] => Err(ResolveError::NotFound),
                [one] => Ok(one),
                many => {
                    let mut ids: Vec<String> = many.iter().map(|v| v.variant_id.clone()).collect();
                    ids.sort();
                    Err(ResolveError::Ambiguous(ids))
                }
            },
            _ => Err(ResolveError::NotFound),
        }
    }

    pub fn location(&self, location: &LocationRef) -> Result<String, LocationError> {
        match location {
            LocationRef::Id(id) => {
                let key = CatalogKey::new(KeyKind::Location, id.as_str());
                match self.entries.get(&key) {
                    Some(CatalogEntry::Location(Location { id, .. })) => Ok(id.clone()),
                    _ => Err(LocationError::Unknown(id.clone())),
                }
            }
            LocationRef::Default => match self.entries.get(&CatalogKey::tenant()) {
                Some(CatalogEntry::Tenant(settings)) => settings
                    .default_location
                    .clone()
                    .ok_or(LocationError::NoDefault),
                _ => Err(LocationError::NoDefault),
            },
        }
    }

    pub fn has_account(&self, account: &str) -> bool {
        matches!(
            self.entries
                .get(&CatalogKey::new(KeyKind::Account, account)),
            Some(CatalogEntry::Account)
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::catalog::TenantSettings;
    use crate::identifiers::GtinForm;
    use crate::store::memory::MemoryStore;

    fn variant(id: &str, sku: &str) -> Variant {
        Variant {
            variant_id: id.into(),
            product_id: "P".into(),
            sku: Some(sku.into()),
            ..Default::default()
        }
    }

    async fn lookup(store: &MemoryStore, ids: &[Identifier], locs: &[LocationRef]) -> Lookup {
        let mut keys = KeySet::new();
        ids.iter().for_each(|i| keys.identifier(i));
        locs.iter().for_each(|l| keys.location(l));
        keys.lookup(
            store,
            &tenant(),
            Deadline::after(std::time::Duration::from_secs(5)),
        )
        .await
        .unwrap()
    }

    fn tenant() -> TenantId {
        TenantId::parse("t").unwrap()
    }

    #[tokio::test]
    async fn one_variant_resolves_and_a_shared_sku_is_ambiguous() {
        let store = MemoryStore::new();
        let gtin_key = CatalogKey::new(KeyKind::Gtin, "00849632048260");
        store.put_catalog(
            &tenant(),
            gtin_key,
            CatalogEntry::Variants(vec![Arc::new(variant("V1", "S"))]),
        );
        store.put_catalog(
            &tenant(),
            CatalogKey::new(KeyKind::Sku, "S"),
            CatalogEntry::Variants(vec![
                Arc::new(variant("V2", "S")),
                Arc::new(variant("V1", "S")),
            ]),
        );
        let upc = Identifier::Gtin {
            form: GtinForm::Upc,
            raw: "849632048260".into(),
        };
        let bad = Identifier::Gtin {
            form: GtinForm::Upc,
            raw: "849632048261".into(),
        };
        let sku = Identifier::Sku("S".into());
        let missing = Identifier::Code("nope".into());
        let l = lookup(&store, &[upc.clone(), sku.clone(), missing.clone()], &[]).await;
        assert_eq!(l.variant(&upc).unwrap().variant_id, "V1");
        assert_eq!(
            l.variant(&sku),
            Err(ResolveError::Ambiguous(vec!["V1".into(), "V2".into()]))
        );
        assert_eq!(l.variant(&missing), Err(ResolveError::NotFound));
        assert!(matches!(l.variant(&bad), Err(ResolveError::Invalid(_))));
    }

    #[tokio::test]
    async fn locations_resolve_by_id_or_default() {
        let store = MemoryStore::new();
        store.put_catalog(
            &tenant(),
            CatalogKey::new(KeyKind::Location, "3"),
            CatalogEntry::Location(Location {
                id: "3".into(),
                default: false,
                name: None,
            }),
        );
        let known = LocationRef::Id("3".into());
        let unknown = LocationRef::Id("999".into());
        let l = lookup(
            &store,
            &[],
            &[known.clone(), unknown.clone(), LocationRef::Default],
        )
        .await;
        assert_eq!(l.location(&known), Ok("3".into()));
        assert_eq!(
            l.location(&unknown),
            Err(LocationError::Unknown("999".into()))
        );
        assert_eq!(
            l.location(&LocationRef::Default),
            Err(LocationError::NoDefault)
        );

        store.put_catalog(
            &tenant(),
            CatalogKey::tenant(),
            CatalogEntry::Tenant(TenantSettings {
                default_location: Some("3".into()),
            }),
        );
        let l = lookup(&store, &[], &[LocationRef::Default]).await;
        assert_eq!(l.location(&LocationRef::Default), Ok("3".into()));
    }
}
