//! The seed file: tenants with their API keys, locations, accounts and catalog variants.
//!
//! Loading is two steps. [`SeedFile::parse`] reads and checks the whole file (reporting the
//! line, or the field path, at fault) before anything is written. [`SeedFile::plan`] then
//! turns it into catalog entries, merged with what is already stored so that seeding twice
//! is harmless and a variant that changed identifiers leaves none of its old ones behind.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::sync::Arc;

use serde::Deserialize;

use inventory_core::auth::{KeyHash, MIN_KEY_LEN, Scope, StoredKey};
use inventory_core::catalog::{CatalogEntry, Location, ProductType, TenantSettings, Variant};
use inventory_core::identifiers::{CatalogKey, Gtin, GtinForm, KeyKind, check_text};
use inventory_core::model::TenantId;

#[derive(Deserialize, Debug)]
#[serde(deny_unknown_fields)]
pub struct SeedFile {
    pub tenants: Vec<TenantSeed>,
}

#[derive(Deserialize, Debug)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct TenantSeed {
    pub id: String,
    #[serde(default)]
    pub accounts: Vec<String>,
    #[serde(default)]
    pub api_keys: Vec<KeySeed>,
    #[serde(default)]
    pub locations: Vec<Location>,
    #[serde(default)]
    pub variants: Vec<VariantSeed>,
}

/// A key, given either in plain text (hashed before it is stored) or already hashed.
#[derive(Deserialize, Debug)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct KeySeed {
    pub key: Option<String>,
    /// SHA-256 of the key, hex: lets a seed file name a key without containing it.
    pub key_hash: Option<String>,
    pub scopes: Vec<Scope>,
    pub name: Option<String>,
}

#[derive(Deserialize, Debug)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct VariantSeed {
    pub variant_id: String,
    pub product_id: String,
    pub name: Option<String>,
    pub variant_name: Option<String>,
    pub sku: Option<String>,
    pub size: Option<String>,
    pub width: Option<String>,
    pub item_id: Option<String>,
    pub code: Option<String>,
    pub barcode: Option<String>,
    /// Any GS1 form: UPC-A/E, EAN-8/13, GTIN-14, ISBN-10/13.
    pub gtin: Option<String>,
    #[serde(default)]
    pub product_type: ProductType,
    #[serde(default)]
    pub subscription: bool,
    #[serde(default = "yes")]
    pub visible: bool,
}

fn yes() -> bool {
    true
}

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
#[error("{at}: {message}")]
pub struct SeedError {
    /// A field path (`tenants[0].variants[2].gtin`) or `line L column C`.
    pub at: String,
    pub message: String,
}

fn fail(at: impl Into<String>, message: impl Into<String>) -> SeedError {
    SeedError {
        at: at.into(),
        message: message.into(),
    }
}

/// Everything a seed file stores, ready to be written.
#[derive(Debug, Default)]
pub struct SeedPlan {
    pub keys: Vec<StoredKey>,
    pub catalog: Vec<(TenantId, CatalogKey, CatalogEntry)>,
}

impl SeedFile {
    /// Reads and fully checks a seed file.
    pub fn parse(text: &str) -> Result<SeedFile, SeedError> {
        let de = &mut serde_json::Deserializer::from_str(text);
        let file: SeedFile = serde_path_to_error::deserialize(de).map_err(|e| {
            let inner = e.inner();
            fail(
                format!(
                    "line {} column {} ({})",
                    inner.line(),
                    inner.column(),
                    e.path()
                ),
                inner.to_string(),
            )
        })?;
        file.check()?;
        Ok(file)
    }

    fn check(&self) -> Result<(), SeedError> {
        let mut tenants = BTreeSet::new();
        let mut hashes = BTreeSet::new();
        for (t, tenant) in self.tenants.iter().enumerate() {
            let at = format!("tenants[{t}]");
            if TenantId::parse(&tenant.id).is_none() {
                return Err(fail(
                    format!("{at}.id"),
                    "tenant ids are 1-64 letters, digits, '-', '_' or '.'",
                ));
            }
            if !tenants.insert(&tenant.id) {
                return Err(fail(
                    format!("{at}.id"),
                    format!("tenant {:?} appears twice", tenant.id),
                ));
            }
            for (i, account) in tenant.accounts.iter().enumerate() {
                text(&format!("{at}.accounts[{i}]"), account)?;
            }
            for (k, key) in tenant.api_keys.iter().enumerate() {
                let hash = key_hash(key).map_err(|m| fail(format!("{at}.apiKeys[{k}]"), m))?;
                if !hashes.insert(hash.to_hex()) {
                    return Err(fail(
                        format!("{at}.apiKeys[{k}]"),
                        "this key is already listed",
                    ));
                }
                if key.scopes.is_empty() {
                    return Err(fail(
                        format!("{at}.apiKeys[{k}].scopes"),
                        "a key needs at least one scope",
                    ));
                }
            }
            let mut locations = BTreeSet::new();
            for (l, location) in tenant.locations.iter().enumerate() {
                let lat = format!("{at}.locations[{l}].id");
                text(&lat, &location.id)?;
                if location.id.contains('#') {
                    return Err(fail(lat, "location ids may not contain '#'"));
                }
                if !locations.insert(&location.id) {
                    return Err(fail(
                        lat,
                        format!("location {:?} appears twice", location.id),
                    ));
                }
            }
            if tenant.locations.iter().filter(|l| l.default).count() > 1 {
                return Err(fail(
                    format!("{at}.locations"),
                    "only one location can be the default",
                ));
            }
            self::check_variants(&at, &tenant.variants)?;
        }
        Ok(())
    }

    /// The keys and catalog entries to write, given what the catalog already holds for the
    /// keys [`SeedFile::keys_to_read`] names.
    pub fn plan(&self, existing: &HashMap<(TenantId, CatalogKey), CatalogEntry>) -> SeedPlan {
        let mut plan = SeedPlan::default();
        for tenant in &self.tenants {
            let Some(tid) = TenantId::parse(&tenant.id) else {
                continue;
            };
            for key in &tenant.api_keys {
                if let Ok(hash) = key_hash(key) {
                    plan.keys.push(StoredKey {
                        hash,
                        tenant: tid.clone(),
                        scopes: key.scopes.clone(),
                        name: key.name.clone(),
                    });
                }
            }
            let mut entry =
                |key: CatalogKey, value: CatalogEntry| plan.catalog.push((tid.clone(), key, value));
            for account in &tenant.accounts {
                entry(
                    CatalogKey::new(KeyKind::Account, account.as_str()),
                    CatalogEntry::Account,
                );
            }
            for location in &tenant.locations {
                entry(
                    CatalogKey::new(KeyKind::Location, location.id.as_str()),
                    CatalogEntry::Location(location.clone()),
                );
            }
            if let Some(default) = tenant.locations.iter().find(|l| l.default) {
                entry(
                    CatalogKey::tenant(),
                    CatalogEntry::Tenant(TenantSettings {
                        default_location: Some(default.id.clone()),
                    }),
                );
            }

            // Alias lists: start from what is stored, drop every seeded variant (its old
            // identifiers included), then add the seeded variants under their new ones.
            let seeded: BTreeSet<&str> = tenant
                .variants
                .iter()
                .map(|v| v.variant_id.as_str())
                .collect();
            let mut aliases: BTreeMap<CatalogKey, Vec<Arc<Variant>>> = BTreeMap::new();
            for v in &tenant.variants {
                if let Some(CatalogEntry::Variants(old)) = existing.get(&(
                    tid.clone(),
                    CatalogKey::new(KeyKind::Variant, v.variant_id.as_str()),
                )) {
                    for old in old {
                        for key in alias_keys(old) {
                            aliases.entry(key).or_default();
                        }
                    }
                }
            }
            let new: Vec<Arc<Variant>> = tenant
                .variants
                .iter()
                .map(|v| Arc::new(v.variant()))
                .collect();
            for v in &new {
                for key in alias_keys(v) {
                    aliases.entry(key).or_default();
                }
            }
            for (key, list) in aliases.iter_mut() {
                if let Some(CatalogEntry::Variants(stored)) =
                    existing.get(&(tid.clone(), key.clone()))
                {
                    list.extend(
                        stored
                            .iter()
                            .filter(|s| !seeded.contains(s.variant_id.as_str()))
                            .cloned(),
                    );
                }
            }
            for v in &new {
                for key in alias_keys(v) {
                    if let Some(list) = aliases.get_mut(&key) {
                        list.push(v.clone());
                    }
                }
            }
            for (key, mut list) in aliases {
                list.sort_by(|a, b| a.variant_id.cmp(&b.variant_id));
                entry(key, CatalogEntry::Variants(list));
            }
        }
        plan
    }

    /// Refuses identifiers that must name one variant (all but a bare SKU and a product) when
    /// a stored variant this file does not reseed already holds them: a second file must not
    /// make an existing GTIN or sku/size/width ambiguous.
    pub fn check_against(
        &self,
        existing: &HashMap<(TenantId, CatalogKey), CatalogEntry>,
    ) -> Result<(), SeedError> {
        for (t, tenant) in self.tenants.iter().enumerate() {
            let Some(tid) = TenantId::parse(&tenant.id) else {
                continue;
            };
            let seeded: BTreeSet<&str> = tenant
                .variants
                .iter()
                .map(|v| v.variant_id.as_str())
                .collect();
            for (i, v) in tenant.variants.iter().enumerate() {
                for key in alias_keys(&v.variant()) {
                    if matches!(key.kind, KeyKind::Sku | KeyKind::Product) {
                        continue;
                    }
                    if let Some(CatalogEntry::Variants(stored)) =
                        existing.get(&(tid.clone(), key.clone()))
                        && let Some(other) = stored
                            .iter()
                            .find(|s| !seeded.contains(s.variant_id.as_str()))
                    {
                        return Err(fail(
                            format!("tenants[{t}].variants[{i}]"),
                            format!(
                                "{} {:?} is already used by stored variant {:?}",
                                key.kind.as_str(),
                                key.value,
                                other.variant_id
                            ),
                        ));
                    }
                }
            }
        }
        Ok(())
    }

    /// Catalog keys whose stored entries the plan must merge with: the seeded variants'
    /// own records (for their old identifiers) and every identifier the file uses.
    pub fn keys_to_read(&self) -> Vec<(TenantId, CatalogKey)> {
        let mut keys = BTreeSet::new();
        for tenant in &self.tenants {
            let Some(tid) = TenantId::parse(&tenant.id) else {
                continue;
            };
            for v in &tenant.variants {
                for key in alias_keys(&v.variant()) {
                    keys.insert((tid.clone(), key));
                }
            }
        }
        keys.into_iter().collect()
    }

    /// Alias keys of stored variants that a second pass must also read (their old
    /// identifiers), given the first pass's result.
    pub fn old_alias_keys(
        &self,
        existing: &HashMap<(TenantId, CatalogKey), CatalogEntry>,
    ) -> Vec<(TenantId, CatalogKey)> {
        let mut keys = BTreeSet::new();
        for tenant in &self.tenants {
            let Some(tid) = TenantId::parse(&tenant.id) else {
                continue;
            };
            for v in &tenant.variants {
                let own = (
                    tid.clone(),
                    CatalogKey::new(KeyKind::Variant, v.variant_id.as_str()),
                );
                if let Some(CatalogEntry::Variants(old)) = existing.get(&own) {
                    for old in old {
                        for key in alias_keys(old) {
                            if !existing.contains_key(&(tid.clone(), key.clone())) {
                                keys.insert((tid.clone(), key));
                            }
                        }
                    }
                }
            }
        }
        keys.into_iter().collect()
    }
}

impl VariantSeed {
    fn variant(&self) -> Variant {
        Variant {
            variant_id: self.variant_id.clone(),
            product_id: self.product_id.clone(),
            name: self.name.clone(),
            variant_name: self.variant_name.clone(),
            sku: self.sku.clone(),
            size: self.size.clone(),
            width: self.width.clone(),
            item_id: self.item_id.clone(),
            code: self.code.clone(),
            barcode: self.barcode.clone(),
            gtin: self
                .gtin
                .as_deref()
                .and_then(|g| Gtin::parse(GtinForm::Any, g).ok())
                .map(|g| g.to_string()),
            product_type: self.product_type,
            subscription: self.subscription,
            visible: self.visible,
        }
    }
}

/// Every catalog key a variant is found under.
pub fn alias_keys(v: &Variant) -> Vec<CatalogKey> {
    let mut keys = vec![
        CatalogKey::new(KeyKind::Variant, v.variant_id.as_str()),
        CatalogKey::new(KeyKind::Product, v.product_id.as_str()),
    ];
    if let Some(sku) = &v.sku {
        keys.push(CatalogKey::new(KeyKind::Sku, sku.as_str()));
        if let (Some(size), Some(width)) = (&v.size, &v.width) {
            keys.push(CatalogKey::sku_size_width(sku, size, width));
        }
    }
    if let Some(item) = &v.item_id {
        keys.push(CatalogKey::new(KeyKind::Item, item.as_str()));
    }
    if let Some(code) = &v.code {
        keys.push(CatalogKey::new(KeyKind::Code, code.as_str()));
    }
    if let Some(gtin) = &v.gtin {
        keys.push(CatalogKey::new(KeyKind::Gtin, gtin.as_str()));
    }
    if let Some(barcode) = &v.barcode {
        // A barcode that is a GTIN is found through the GTIN, like the lookups do.
        keys.push(match Gtin::parse(GtinForm::Barcode, barcode) {
            Ok(g) => CatalogKey::new(KeyKind::Gtin, g.as_str()),
            Err(_) => CatalogKey::new(KeyKind::Barcode, barcode.as_str()),
        });
    }
    keys.sort();
    keys.dedup();
    keys
}

fn text(at: &str, value: &str) -> Result<(), SeedError> {
    check_text("value", value).map_err(|e| fail(at, e.to_string().replacen("value ", "", 1)))
}

fn key_hash(key: &KeySeed) -> Result<KeyHash, String> {
    match (&key.key, &key.key_hash) {
        (Some(plain), None) => {
            if plain.len() < MIN_KEY_LEN || plain.contains(char::is_whitespace) {
                return Err(format!(
                    "keys must be at least {MIN_KEY_LEN} characters without spaces"
                ));
            }
            Ok(KeyHash::of(plain))
        }
        (None, Some(hash)) => {
            KeyHash::from_hex(hash).ok_or_else(|| "keyHash must be 64 hex digits".to_owned())
        }
        _ => Err("give exactly one of key or keyHash".to_owned()),
    }
}

fn check_variants(at: &str, variants: &[VariantSeed]) -> Result<(), SeedError> {
    // Identifiers that must name one variant only (a bare SKU and a product may name many).
    let mut unique: HashMap<CatalogKey, &str> = HashMap::new();
    for (i, v) in variants.iter().enumerate() {
        let vat = format!("{at}.variants[{i}]");
        text(&format!("{vat}.variantId"), &v.variant_id)?;
        text(&format!("{vat}.productId"), &v.product_id)?;
        let optional = [
            ("sku", &v.sku),
            ("size", &v.size),
            ("width", &v.width),
            ("itemId", &v.item_id),
            ("code", &v.code),
            ("barcode", &v.barcode),
        ];
        for (field, value) in optional {
            if let Some(value) = value {
                text(&format!("{vat}.{field}"), value)?;
            }
        }
        if v.size.is_some() != v.width.is_some() || (v.size.is_some() && v.sku.is_none()) {
            return Err(fail(vat, "size and width go together, with a sku"));
        }
        if let Some(gtin) = &v.gtin {
            Gtin::parse(GtinForm::Any, gtin)
                .map_err(|e| fail(format!("{vat}.gtin"), format!("{gtin:?} {e}")))?;
        }
        for key in alias_keys(&v.variant()) {
            if matches!(key.kind, KeyKind::Sku | KeyKind::Product) {
                continue;
            }
            if let Some(other) = unique.insert(key.clone(), &v.variant_id)
                && other != v.variant_id
            {
                return Err(fail(
                    vat,
                    format!(
                        "{} {:?} is also used by variant {other:?}",
                        key.kind.as_str(),
                        key.value
                    ),
                ));
            }
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    const FILE: &str = r#"{"tenants": [{
        "id": "demo",
        "accounts": ["5f493c9f30ec2a0007a94fc8"],
        "apiKeys": [{"key": "plain-text-key", "scopes": ["inventory:write", "inventory:read"]}],
        "locations": [{"id": "104"}, {"id": "3"}, {"id": "d85f", "default": true}],
        "variants": [{"variantId": "V1", "productId": "P1", "name": "Zoot suit 34 D",
                      "sku": "ZOOT-SUIT", "size": "34", "width": "D", "itemId": "1000000213",
                      "code": "ACC001018__A", "barcode": "5052011221399", "gtin": "849632048260"}]
    }]}"#;

    fn entry<'a>(plan: &'a SeedPlan, kind: KeyKind, value: &str) -> Option<&'a CatalogEntry> {
        plan.catalog
            .iter()
            .find(|(_, k, _)| k.kind == kind && k.value == value)
            .map(|(_, _, e)| e)
    }

    #[test]
    fn a_file_becomes_keys_and_every_alias() {
        let file = SeedFile::parse(FILE).unwrap();
        let plan = file.plan(&HashMap::new());
        assert_eq!(plan.keys.len(), 1);
        assert_eq!(plan.keys[0].hash, KeyHash::of("plain-text-key"));
        for (kind, value) in [
            (KeyKind::Variant, "V1"),
            (KeyKind::Product, "P1"),
            (KeyKind::Sku, "ZOOT-SUIT"),
            (KeyKind::Item, "1000000213"),
            (KeyKind::Code, "ACC001018__A"),
            (KeyKind::Gtin, "00849632048260"),
            (KeyKind::Gtin, "05052011221399"),
        ] {
            assert!(
                matches!(entry(&plan, kind, value), Some(CatalogEntry::Variants(v)) if v.len() == 1),
                "{value}"
            );
        }
        assert_eq!(
            entry(&plan, KeyKind::Tenant, ""),
            Some(&CatalogEntry::Tenant(TenantSettings {
                default_location: Some("d85f".into())
            }))
        );
        assert_eq!(
            entry(&plan, KeyKind::Account, "5f493c9f30ec2a0007a94fc8"),
            Some(&CatalogEntry::Account)
        );
    }

    /// The catalog as it stands once `file` alone has been seeded.
    fn stored(file: &str) -> HashMap<(TenantId, CatalogKey), CatalogEntry> {
        let plan = SeedFile::parse(file).unwrap().plan(&HashMap::new());
        plan.catalog
            .into_iter()
            .map(|(t, k, e)| ((t, k), e))
            .collect()
    }

    #[test]
    fn reseeding_moves_a_variant_off_its_old_identifiers() {
        let stored = stored(FILE);
        let changed = FILE.replace("ACC001018__A", "NEW-CODE");
        let second = SeedFile::parse(&changed).unwrap().plan(&stored);
        assert_eq!(
            entry(&second, KeyKind::Code, "ACC001018__A"),
            Some(&CatalogEntry::Variants(vec![]))
        );
        assert!(
            matches!(entry(&second, KeyKind::Code, "NEW-CODE"), Some(CatalogEntry::Variants(v)) if v.len() == 1)
        );
        // Seeding the same file again changes nothing.
        let again = SeedFile::parse(FILE).unwrap().plan(&stored);
        for (t, k, e) in again.catalog {
            assert_eq!(stored.get(&(t, k.clone())), Some(&e), "{k:?}");
        }
    }

    #[test]
    fn a_later_file_cannot_make_a_stored_identifier_ambiguous() {
        let stored = stored(FILE);
        let twin = r#"{"tenants": [{"id": "demo", "variants": [
            {"variantId": "V2", "productId": "P2", "sku": "ZOOT-SUIT", "size": "34", "width": "D"}]}]}"#;
        let err = SeedFile::parse(twin)
            .unwrap()
            .check_against(&stored)
            .unwrap_err();
        assert_eq!(err.at, "tenants[0].variants[0]");
        assert!(
            err.message
                .contains("already used by stored variant \"V1\""),
            "{err}"
        );
        // A bare SKU may be shared, and reseeding the holder itself is fine.
        let shared_sku = twin.replace(r#", "size": "34", "width": "D""#, "");
        assert!(
            SeedFile::parse(&shared_sku)
                .unwrap()
                .check_against(&stored)
                .is_ok()
        );
        assert!(
            SeedFile::parse(FILE)
                .unwrap()
                .check_against(&stored)
                .is_ok()
        );
    }

    #[test]
    fn shared_skus_keep_every_variant() {
        let two = FILE.replace(
            r#""gtin": "849632048260"}]"#,
            r#""gtin": "849632048260"}, {"variantId": "V2", "productId": "P1", "sku": "ZOOT-SUIT", "size": "36", "width": "D"}]"#,
        );
        let plan = SeedFile::parse(&two).unwrap().plan(&HashMap::new());
        assert!(
            matches!(entry(&plan, KeyKind::Sku, "ZOOT-SUIT"), Some(CatalogEntry::Variants(v)) if v.len() == 2)
        );
        assert!(
            matches!(entry(&plan, KeyKind::Product, "P1"), Some(CatalogEntry::Variants(v)) if v.len() == 2)
        );
    }

    #[test]
    fn malformed_files_name_the_place_at_fault() {
        let err =
            SeedFile::parse("{\"tenants\": [{\"id\": \"demo\",\n \"locations\": [{\"id\": 3}]}]}")
                .unwrap_err();
        assert!(err.at.starts_with("line 2 column"), "{err}");
        assert!(err.at.contains("tenants[0].locations[0].id"), "{err}");

        let err = SeedFile::parse(&FILE.replace("849632048260", "849632048261")).unwrap_err();
        assert_eq!(err.at, "tenants[0].variants[0].gtin");
        assert!(err.message.contains("check digit"), "{err}");

        let err = SeedFile::parse(&FILE.replace("\"sku\"", "\"skew\"")).unwrap_err();
        assert!(err.message.contains("unknown field `skew`"), "{err}");

        let err = SeedFile::parse(&FILE.replace("plain-text-key", "short")).unwrap_err();
        assert_eq!(err.at, "tenants[0].apiKeys[0]");

        let dup = FILE.replace(r#"{"id": "3"}"#, r#"{"id": "104"}"#);
        assert!(
            SeedFile::parse(&dup)
                .unwrap_err()
                .message
                .contains("appears twice")
        );

        let shared_gtin = FILE.replace(
            r#""gtin": "849632048260"}]"#,
            r#""gtin": "849632048260"}, {"variantId": "V2", "productId": "P2", "gtin": "0849632048260"}]"#,
        );
        assert!(
            SeedFile::parse(&shared_gtin)
                .unwrap_err()
                .message
                .contains("also used by variant")
        );
    }
}
