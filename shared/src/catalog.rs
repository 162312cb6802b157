//! What the catalog holds per tenant: variants (under every identifier that names them),
//! locations, accounts and the tenant's own settings.

use std::sync::Arc;

use serde::{Deserialize, Serialize};

/// A sellable variant of a product, with every identifier the dialects may use for it.
#[derive(Clone, PartialEq, Eq, Debug, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Variant {
    pub variant_id: String,
    pub product_id: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub variant_name: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sku: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub size: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub width: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub item_id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub code: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub barcode: Option<String>,
    /// The 14-digit GTIN, when the variant has one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub gtin: Option<String>,
    #[serde(default, skip_serializing_if = "is_physical")]
    pub product_type: ProductType,
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub subscription: bool,
    #[serde(default = "visible", skip_serializing_if = "is_true")]
    pub visible: bool,
}

fn visible() -> bool {
    true
}

fn is_true(b: &bool) -> bool {
    *b
}

fn is_physical(t: &ProductType) -> bool {
    *t == ProductType::Physical
}

#[derive(Clone, Copy, PartialEq, Eq, Debug, Default, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ProductType {
    #[default]
    Physical,
    Digital,
}

impl Variant {
    /// Preorder cannot be enabled for digital products or subscriptions.
    pub fn allows_preorder(&self) -> bool {
        self.product_type == ProductType::Physical && !self.subscription
    }
}

/// A place stock is kept: a location, warehouse or store, depending on the dialect.
#[derive(Clone, PartialEq, Eq, Debug, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Location {
    pub id: String,
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub default: bool,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
}

/// Settings of a tenant.
#[derive(Clone, PartialEq, Eq, Debug, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct TenantSettings {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub default_location: Option<String>,
}

/// What one catalog key holds.
#[derive(Clone, PartialEq, Eq, Debug)]
pub enum CatalogEntry {
    /// The variants an identifier names: one, or several for a shared SKU or a product.
    /// Shared: a request's items refer to one copy each.
    Variants(Vec<Arc<Variant>>),
    Location(Location),
    /// An account id (named in `x-site-context`) that belongs to the tenant.
    Account,
    Tenant(TenantSettings),
}
