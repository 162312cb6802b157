//! Every way a dialect names a catalog variant, and the catalog key each one is looked up by.

mod gtin;

pub use gtin::{Gtin, GtinError, GtinForm};

use std::fmt;

/// Longest identifier accepted, in bytes. DynamoDB keys allow 2 KiB; no real SKU comes close.
pub const MAX_IDENTIFIER_LEN: usize = 256;

/// An identifier exactly as a dialect received it, tagged with its scheme.
#[derive(Clone, PartialEq, Eq, Hash, Debug)]
pub enum Identifier {
    VariantId(String),
    /// A product id names a variant only when the product has exactly one.
    ProductId(String),
    ItemId(String),
    /// A bare SKU; several variants (sizes, widths) may share it.
    Sku(String),
    SkuSizeWidth {
        sku: String,
        size: String,
        width: String,
    },
    Code(String),
    /// A printed barcode: resolved as a GTIN when it is one, otherwise matched verbatim.
    Barcode(String),
    /// A field that must hold a GTIN of the given form (`upc`, `upca`, `ean13`, `gtin14`, `isbn`).
    Gtin {
        form: GtinForm,
        raw: String,
    },
}

/// Which index of the catalog a key belongs to. The name is part of the stored key.
#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug, PartialOrd, Ord)]
pub enum KeyKind {
    Variant,
    Product,
    Item,
    Sku,
    SkuSizeWidth,
    Code,
    Barcode,
    Gtin,
    Location,
    Account,
    Tenant,
}

impl KeyKind {
    pub fn as_str(self) -> &'static str {
        match self {
            KeyKind::Variant => "variant",
            KeyKind::Product => "product",
            KeyKind::Item => "item",
            KeyKind::Sku => "sku",
            KeyKind::SkuSizeWidth => "ssw",
            KeyKind::Code => "code",
            KeyKind::Barcode => "barcode",
            KeyKind::Gtin => "gtin",
            KeyKind::Location => "location",
            KeyKind::Account => "account",
            KeyKind::Tenant => "tenant",
        }
    }
}

/// One key of the catalog, within a tenant.
#[derive(Clone, PartialEq, Eq, Hash, Debug, PartialOrd, Ord)]
pub struct CatalogKey {
    pub kind: KeyKind,
    pub value: String,
}

impl CatalogKey {
    pub fn new(kind: KeyKind, value: impl Into<String>) -> Self {
        CatalogKey {
            kind,
            value: value.into(),
        }
    }

    /// The tenant's own record (default location and the like).
    pub fn tenant() -> Self {
        CatalogKey::new(KeyKind::Tenant, "")
    }

    /// The composite value of a sku + size + width key. The unit separator cannot appear in
    /// an accepted identifier, so distinct triples never collide.
    pub fn sku_size_width(sku: &str, size: &str, width: &str) -> Self {
        CatalogKey::new(
            KeyKind::SkuSizeWidth,
            format!("{sku}\u{1f}{size}\u{1f}{width}"),
        )
    }
}

#[derive(Clone, PartialEq, Eq, Debug, thiserror::Error)]
pub enum IdentifierError {
    #[error("{field} is empty")]
    Empty { field: &'static str },
    #[error("{field} is longer than {MAX_IDENTIFIER_LEN} bytes")]
    TooLong { field: &'static str },
    #[error("{field} contains a control or invisible formatting character")]
    ControlCharacter { field: &'static str },
    #[error("{field} {value:?} {source}")]
    Gtin {
        field: &'static str,
        value: String,
        #[source]
        source: GtinError,
    },
}

/// Rejects what can never be a stored identifier: empty, oversized, control characters, and
/// the invisible bidirectional and zero-width formatting characters that make two
/// identifiers look alike.
pub fn check_text(field: &'static str, value: &str) -> Result<(), IdentifierError> {
    if value.trim().is_empty() {
        return Err(IdentifierError::Empty { field });
    }
    if value.len() > MAX_IDENTIFIER_LEN {
        return Err(IdentifierError::TooLong { field });
    }
    // Printable ASCII, the usual case, has neither: a byte test the compiler vectorises.
    let printable_ascii = value.bytes().all(|b| (b' '..=b'~').contains(&b));
    if !printable_ascii
        && value
            .chars()
            .any(|c| c.is_control() || is_invisible_format(c))
    {
        return Err(IdentifierError::ControlCharacter { field });
    }
    Ok(())
}

/// Bidirectional overrides, isolates and marks, zero-width characters and the BOM.
pub fn is_invisible_format(c: char) -> bool {
    matches!(c, '\u{200B}'..='\u{200F}' | '\u{202A}'..='\u{202E}' | '\u{2060}'..='\u{2069}' | '\u{061C}' | '\u{FEFF}')
}

impl Identifier {
    /// The scheme's name as the dialects spell it, for messages.
    pub fn field(&self) -> &'static str {
        match self {
            Identifier::VariantId(_) => "variantId",
            Identifier::ProductId(_) => "productId",
            Identifier::ItemId(_) => "itemId",
            Identifier::Sku(_) => "sku",
            Identifier::SkuSizeWidth { .. } => "sku",
            Identifier::Code(_) => "code",
            Identifier::Barcode(_) => "barcode",
            Identifier::Gtin { form, .. } => match form {
                GtinForm::Upc => "upc",
                GtinForm::Ean13 => "ean13",
                GtinForm::Gtin14 => "gtin14",
                GtinForm::Isbn => "isbn",
                GtinForm::Barcode => "barcode",
                GtinForm::Any => "gtin",
            },
        }
    }

    /// The catalog key this identifier is looked up by, or why it cannot be one.
    pub fn catalog_key(&self) -> Result<CatalogKey, IdentifierError> {
        let field = self.field();
        let plain = |kind, value: &str| {
            check_text(field, value)?;
            Ok(CatalogKey::new(kind, value))
        };
        match self {
            Identifier::VariantId(v) => plain(KeyKind::Variant, v),
            Identifier::ProductId(v) => plain(KeyKind::Product, v),
            Identifier::ItemId(v) => plain(KeyKind::Item, v),
            Identifier::Sku(v) => plain(KeyKind::Sku, v),
            Identifier::Code(v) => plain(KeyKind::Code, v),
            Identifier::SkuSizeWidth { sku, size, width } => {
                check_text("sku", sku)?;
                check_text("size", size)?;
                check_text("width", width)?;
                Ok(CatalogKey::sku_size_width(sku, size, width))
            }
            Identifier::Barcode(v) => {
                check_text(field, v)?;
                Ok(match Gtin::parse(GtinForm::Barcode, v) {
                    Ok(gtin) => CatalogKey::new(KeyKind::Gtin, gtin.as_str()),
                    Err(_) => CatalogKey::new(KeyKind::Barcode, v.as_str()),
                })
            }
            Identifier::Gtin { form, raw } => {
                check_text(field, raw)?;
                Gtin::parse(*form, raw)
                    .map(|gtin| CatalogKey::new(KeyKind::Gtin, gtin.as_str()))
                    .map_err(|source| IdentifierError::Gtin {
                        field,
                        value: raw.clone(),
                        source,
                    })
            }
        }
    }

    /// The value as the client sent it (the triple joined with `/` for sku + size + width).
    pub fn value(&self) -> String {
        match self {
            Identifier::VariantId(v)
            | Identifier::ProductId(v)
            | Identifier::ItemId(v)
            | Identifier::Sku(v)
            | Identifier::Code(v)
            | Identifier::Barcode(v) => v.clone(),
            Identifier::SkuSizeWidth { sku, size, width } => format!("{sku}/{size}/{width}"),
            Identifier::Gtin { raw, .. } => raw.clone(),
        }
    }
}

impl fmt::Display for Identifier {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} {:?}", self.field(), self.value())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key(id: Identifier) -> CatalogKey {
        id.catalog_key().unwrap()
    }

    #[test]
    fn gtin_fields_and_gtin_barcodes_share_one_key() {
        let want = CatalogKey::new(KeyKind::Gtin, "00849632048260");
        let upca = Identifier::Gtin {
            form: GtinForm::Upc,
            raw: "849632048260".into(),
        };
        let ean = Identifier::Gtin {
            form: GtinForm::Ean13,
            raw: "0849632048260".into(),
        };
        let g14 = Identifier::Gtin {
            form: GtinForm::Gtin14,
            raw: "00849632048260".into(),
        };
        assert_eq!(key(upca), want);
        assert_eq!(key(ean), want);
        assert_eq!(key(g14), want);
        assert_eq!(key(Identifier::Barcode("849632048260".into())), want);
    }

    #[test]
    fn a_barcode_that_is_no_gtin_is_matched_verbatim() {
        assert_eq!(
            key(Identifier::Barcode("NOT A VALID BARCODE".into())),
            CatalogKey::new(KeyKind::Barcode, "NOT A VALID BARCODE")
        );
        // A GTIN-shaped barcode with a bad check digit is not a GTIN either.
        assert_eq!(
            key(Identifier::Barcode("5052011221398".into())),
            CatalogKey::new(KeyKind::Barcode, "5052011221398")
        );
    }

    #[test]
    fn a_gtin_field_with_a_bad_check_digit_is_an_error_not_a_miss() {
        let err = Identifier::Gtin {
            form: GtinForm::Upc,
            raw: "849632048261".into(),
        }
        .catalog_key()
        .unwrap_err();
        assert_eq!(
            err.to_string(),
            "upc \"849632048261\" has check digit 1, but the check digit for these digits is 0"
        );
    }

    #[test]
    fn unusable_text_is_rejected() {
        assert_eq!(
            Identifier::Sku("  ".into()).catalog_key(),
            Err(IdentifierError::Empty { field: "sku" })
        );
        assert_eq!(
            Identifier::Code("a\u{0}b".into()).catalog_key(),
            Err(IdentifierError::ControlCharacter { field: "code" })
        );
        for text in ["a\u{7f}b", "a\tb", "\u{1f}ab", "ab\u{80}"] {
            assert_eq!(
                Identifier::Code(text.into()).catalog_key(),
                Err(IdentifierError::ControlCharacter { field: "code" }),
                "{text:?}"
            );
        }
        assert_eq!(
            Identifier::Sku("ZOOT\u{202e}TIUS".into()).catalog_key(),
            Err(IdentifierError::ControlCharacter { field: "sku" })
        );
        assert_eq!(
            Identifier::VariantId("x".repeat(257)).catalog_key(),
            Err(IdentifierError::TooLong { field: "variantId" })
        );
        // Unicode is fine as long as it is printable.
        assert!(Identifier::Sku("ZOOT-SUIT-é✓".into()).catalog_key().is_ok());
    }

    #[test]
    fn sku_size_width_keys_do_not_collide() {
        let a = key(Identifier::SkuSizeWidth {
            sku: "A".into(),
            size: "1 2".into(),
            width: "D".into(),
        });
        let b = key(Identifier::SkuSizeWidth {
            sku: "A 1".into(),
            size: "2".into(),
            width: "D".into(),
        });
        assert_ne!(a, b);
    }
}
