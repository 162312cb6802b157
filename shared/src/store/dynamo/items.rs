//! How each stored thing is laid out as a DynamoDB item. Attribute names are camelCase and
//! numbers are native numbers, so the tables read well in the console; the stock table,
//! written on every update, has compact items of its own ([`super::stock`]).
//!
//! | table     | pk                               | sk                                    |
//! |-----------|----------------------------------|---------------------------------------|
//! | catalog   | `{tenant}#{kind}#{value}`        | -                                     |
//! | api-keys  | SHA-256 of the key, hex          | -                                     |
//! | stock     | `{tenant}#{variantId}`           | `{locationId}#{slot}` (see `stock`)   |
//! | jobs      | `{tenant}#{jobId}`               | -                                     |
//!
//! An identifier's catalog item holds its variants as one JSON string, attribute `variants`.

use std::collections::HashMap;

use aws_sdk_dynamodb::types::AttributeValue;
use serde::{Deserialize, Serialize};

use super::batch::{Projection, Read};
use crate::auth::{KeyHash, Scope, StoredKey};
use crate::catalog::{CatalogEntry, Location, TenantSettings, Variant};
use crate::identifiers::{CatalogKey, KeyKind};
use crate::model::TenantId;
use crate::store::StoreError;

pub type Item = HashMap<String, AttributeValue>;

pub const PK: &str = "pk";
pub const SK: &str = "sk";

fn corrupt(what: &str, e: impl std::fmt::Display) -> StoreError {
    StoreError::Corrupt(format!("{what}: {e}"))
}

fn encode(value: &impl Serialize) -> Result<Item, StoreError> {
    serde_dynamo::to_item(value).map_err(|e| StoreError::Rejected(Box::new(e)))
}

pub fn string(item: &Item, name: &str) -> Option<String> {
    item.get(name).and_then(|v| v.as_s().ok()).cloned()
}

// ---------------------------------------------------------------- catalog

pub fn catalog_pk(tenant: &TenantId, key: &CatalogKey) -> String {
    format!("{tenant}#{}#{}", key.kind.as_str(), key.value)
}

/// The key of an item whose key is `pk` alone.
pub fn key_item_of(pk: String) -> Item {
    HashMap::from([(PK.to_owned(), AttributeValue::S(pk))])
}

/// Where an identifier's variants are kept: one JSON text, which a lookup reads with one
/// string attribute and one `serde_json` pass. As a list of maps (how earlier versions wrote
/// it, still read) a 1,000-identifier lookup spent a quarter of the function's CPU decoding
/// nested attribute values.
const VARIANTS: &str = "variants";

#[derive(Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
struct CatalogItem {
    /// A lookup has taken the pk out of the answer before decoding it (to key its cache).
    #[serde(default)]
    pk: String,
    /// Written for people reading the table; lookups leave it out (`CATALOG_READ`), as the
    /// key they asked for names the kind.
    #[serde(default)]
    kind: String,
    /// Earlier versions' form: a list of maps.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    variants: Option<Vec<Variant>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    location: Option<Location>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    tenant: Option<TenantSettings>,
}

/// What a lookup reads of a catalog item: every attribute but `kind`.
pub const CATALOG_READ: Read = Read {
    consistent: false,
    projection: Some(Projection {
        expression: "#p, #v, #l, #t",
        names: &[
            ("#p", PK),
            ("#v", VARIANTS),
            ("#l", "location"),
            ("#t", "tenant"),
        ],
    }),
};

pub fn catalog_item(
    tenant: &TenantId,
    key: &CatalogKey,
    entry: &CatalogEntry,
) -> Result<Item, StoreError> {
    let mut item = CatalogItem {
        pk: catalog_pk(tenant, key),
        kind: key.kind.as_str().to_owned(),
        variants: None,
        location: None,
        tenant: None,
    };
    match entry {
        CatalogEntry::Variants(variants) => {
            let variants: Vec<&Variant> = variants.iter().map(|v| &**v).collect();
            let json =
                serde_json::to_string(&variants).map_err(|e| StoreError::Rejected(Box::new(e)))?;
            let mut encoded = encode(&item)?;
            encoded.insert(VARIANTS.to_owned(), AttributeValue::S(json));
            return Ok(encoded);
        }
        CatalogEntry::Location(l) => item.location = Some(l.clone()),
        CatalogEntry::Account => {}
        CatalogEntry::Tenant(t) => item.tenant = Some(t.clone()),
    }
    encode(&item)
}

/// Decodes a catalog item of `kind`, as requested (the pk was ours, so the kind is known).
pub fn catalog_entry(kind: KeyKind, item: Item) -> Result<CatalogEntry, StoreError> {
    let names_variants = !matches!(kind, KeyKind::Location | KeyKind::Account | KeyKind::Tenant);
    if let Some(AttributeValue::S(json)) = item.get(VARIANTS).filter(|_| names_variants) {
        let variants: Vec<Variant> =
            serde_json::from_str(json).map_err(|e| corrupt("catalog", e))?;
        return Ok(CatalogEntry::Variants(
            variants.into_iter().map(std::sync::Arc::new).collect(),
        ));
    }
    let item: CatalogItem = serde_dynamo::from_item(item).map_err(|e| corrupt("catalog", e))?;
    Ok(match kind {
        KeyKind::Location => CatalogEntry::Location(
            item.location
                .ok_or_else(|| corrupt("catalog", "location without data"))?,
        ),
        KeyKind::Account => CatalogEntry::Account,
        KeyKind::Tenant => CatalogEntry::Tenant(item.tenant.unwrap_or_default()),
        _ => CatalogEntry::Variants(
            item.variants
                .unwrap_or_default()
                .into_iter()
                .map(std::sync::Arc::new)
                .collect(),
        ),
    })
}

// ---------------------------------------------------------------- api keys

#[derive(Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
struct KeyItem {
    pk: String,
    tenant: String,
    scopes: Vec<Scope>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    name: Option<String>,
}

pub fn key_pk(hash: &KeyHash) -> Item {
    key_item_of(hash.to_hex())
}

pub fn key_item(key: &StoredKey) -> Result<Item, StoreError> {
    encode(&KeyItem {
        pk: key.hash.to_hex(),
        tenant: key.tenant.to_string(),
        scopes: key.scopes.clone(),
        name: key.name.clone(),
    })
}

pub fn stored_key(item: Item) -> Result<StoredKey, StoreError> {
    let item: KeyItem = serde_dynamo::from_item(item).map_err(|e| corrupt("api key", e))?;
    Ok(StoredKey {
        hash: KeyHash::from_hex(&item.pk).ok_or_else(|| corrupt("api key", "bad hash"))?,
        tenant: TenantId::parse(&item.tenant).ok_or_else(|| corrupt("api key", "bad tenant"))?,
        scopes: item.scopes,
        name: item.name,
    })
}

// ---------------------------------------------------------------- jobs

#[derive(Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
struct JobItem {
    pk: String,
    job_id: String,
    document: serde_json::Value,
}

pub fn job_pk(tenant: &TenantId, id: &str) -> String {
    format!("{tenant}#{id}")
}

pub fn job_item(tenant: &TenantId, job: &crate::jobs::Job) -> Result<Item, StoreError> {
    encode(&JobItem {
        pk: job_pk(tenant, &job.id),
        job_id: job.id.clone(),
        document: job.document.clone(),
    })
}

pub fn job(item: Item) -> Result<crate::jobs::Job, StoreError> {
    let i: JobItem = serde_dynamo::from_item(item).map_err(|e| corrupt("job", e))?;
    Ok(crate::jobs::Job {
        id: i.job_id,
        document: i.document,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn catalog_entries_round_trip() {
        let tenant = TenantId::parse("demo").unwrap();
        let v = Variant {
            variant_id: "V1".into(),
            product_id: "P1".into(),
            sku: Some("S".into()),
            ..Default::default()
        };
        let key = CatalogKey::new(KeyKind::Sku, "S");
        let item = catalog_item(
            &tenant,
            &key,
            &CatalogEntry::Variants(vec![std::sync::Arc::new(v.clone())]),
        )
        .unwrap();
        assert_eq!(item[PK], AttributeValue::S("demo#sku#S".into()));
        assert_eq!(
            catalog_entry(KeyKind::Sku, item).unwrap(),
            CatalogEntry::Variants(vec![std::sync::Arc::new(v)])
        );
    }

    /// Variants are one JSON string now; items written as a list of maps (earlier versions)
    /// still read the same.
    #[test]
    fn variants_read_in_either_form() {
        let tenant = TenantId::parse("demo").unwrap();
        let variants = vec![
            Variant {
                variant_id: "V1".into(),
                product_id: "P1".into(),
                name: Some("Zoot \"suit\"".into()),
                ..Default::default()
            },
            Variant {
                variant_id: "V2".into(),
                product_id: "P1".into(),
                ..Default::default()
            },
        ];
        let key = CatalogKey::new(KeyKind::Sku, "S");
        let entry =
            CatalogEntry::Variants(variants.iter().cloned().map(std::sync::Arc::new).collect());
        let item = catalog_item(&tenant, &key, &entry).unwrap();
        assert!(matches!(item[VARIANTS], AttributeValue::S(_)), "{item:?}");
        let earlier = encode(&CatalogItem {
            pk: catalog_pk(&tenant, &key),
            kind: key.kind.as_str().to_owned(),
            variants: Some(variants),
            location: None,
            tenant: None,
        })
        .unwrap();
        assert!(matches!(earlier[VARIANTS], AttributeValue::L(_)));
        assert_eq!(catalog_entry(KeyKind::Sku, item).unwrap(), entry);
        assert_eq!(catalog_entry(KeyKind::Sku, earlier).unwrap(), entry);
    }

    /// A lookup decodes an answer whose pk it has taken out, whatever the entry's kind.
    #[test]
    fn entries_decode_without_their_pk() {
        let tenant = TenantId::parse("demo").unwrap();
        let location = Location {
            id: "L1".into(),
            default: true,
            name: None,
        };
        let cases = [
            (KeyKind::Location, CatalogEntry::Location(location)),
            (KeyKind::Account, CatalogEntry::Account),
            (
                KeyKind::Tenant,
                CatalogEntry::Tenant(TenantSettings::default()),
            ),
            (KeyKind::Sku, CatalogEntry::Variants(vec![])),
        ];
        for (kind, entry) in cases {
            let mut item = catalog_item(&tenant, &CatalogKey::new(kind, "X"), &entry).unwrap();
            item.remove(PK).unwrap();
            item.remove("kind");
            assert_eq!(catalog_entry(kind, item).unwrap(), entry, "{kind:?}");
        }
    }
}
