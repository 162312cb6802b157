//! Finding what a read names: identifiers and locations to catalog entries, in one pass.

use std::sync::Arc;

use crate::catalog::Variant;
use crate::identifiers::Identifier;
use crate::model::TenantId;
use crate::resolve::{KeySet, LocationRef, ResolveError};
use crate::store::{CatalogStore, Deadline, StoreError};

/// What the catalog holds for a read: per identifier, its one variant or why not.
#[derive(Debug)]
pub struct Found {
    pub variants: Vec<Result<Arc<Variant>, ResolveError>>,
    /// The first location asked for that the tenant does not have.
    pub unknown_location: Option<String>,
}

/// Looks up every identifier and location of a read in one catalog pass.
pub async fn find<C: CatalogStore>(
    catalog: &C,
    tenant: &TenantId,
    identifiers: &[Identifier],
    locations: &[String],
    deadline: Deadline,
) -> Result<Found, StoreError> {
    let mut keys = KeySet::new();
    identifiers.iter().for_each(|id| keys.identifier(id));
    let named: Vec<LocationRef> = locations.iter().cloned().map(LocationRef::Id).collect();
    named.iter().for_each(|l| keys.location(l));
    let lookup = keys.lookup(catalog, tenant, deadline).await?;
    let unknown_location = named
        .iter()
        .zip(locations)
        .find(|(location, _)| lookup.location(location).is_err())
        .map(|(_, id)| id.clone());
    let variants = identifiers
        .iter()
        .map(|id| lookup.variant(id).cloned())
        .collect();
    Ok(Found {
        variants,
        unknown_location,
    })
}
