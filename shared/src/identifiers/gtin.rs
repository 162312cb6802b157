//! GS1 trade item numbers, normalised to GTIN-14.
//!
//! Every barcode family the dialects use (UPC-A, UPC-E, EAN-8, EAN-13, GTIN-14, ISBN-13 and
//! ISBN-10) is one product number written at a different width. Comparing them as the
//! zero-padded 14-digit GTIN is the GS1 rule, so `849632048260`, `0849632048260` and
//! `00849632048260` name the same product. Check digits are verified, so a typo is reported
//! as a typo instead of as "not found".

use std::borrow::Cow;
use std::fmt;

/// A verified GTIN, stored as its 14-digit, zero-padded form.
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Gtin([u8; 14]);

/// Which forms a field accepts: each dialect field names one family.
#[derive(Clone, Copy, PartialEq, Eq, Debug, Hash)]
pub enum GtinForm {
    /// `upc` / `upca`: UPC-A (12 digits) or zero-suppressed UPC-E (8 digits). The 13- and
    /// 14-digit forms of the same number are accepted too, as clients often send them there.
    Upc,
    /// `ean13`: EAN-13 (ISBN-13 included).
    Ean13,
    /// `gtin14`: GTIN-14.
    Gtin14,
    /// `isbn`: ISBN-13 (978/979) or ISBN-10 (check character may be `X`).
    Isbn,
    /// A printed barcode of any GS1 width: EAN-8, UPC-A, EAN-13 or GTIN-14.
    Barcode,
    /// Catalog data: any of the above, ISBN-10 included.
    Any,
}

#[derive(Clone, PartialEq, Eq, Debug, thiserror::Error)]
pub enum GtinError {
    #[error("is empty")]
    Empty,
    #[error("must contain only digits")]
    NotDigits,
    #[error("must be {expected}, not {found} digits long")]
    Length {
        expected: &'static str,
        found: usize,
    },
    #[error("has check digit {found}, but the check digit for these digits is {expected}")]
    CheckDigit { expected: char, found: char },
    #[error("is not an ISBN: an ISBN-13 starts with 978 or 979")]
    NotIsbn,
    #[error("is not a UPC-E number: it must start with 0 or 1")]
    UpcENumberSystem,
}

impl Gtin {
    /// Parses `raw` as one of the forms `form` allows. Spaces and hyphens are ignored, as
    /// printed ISBNs and UPCs often carry them.
    pub fn parse(form: GtinForm, raw: &str) -> Result<Gtin, GtinError> {
        // Copied only when there are separators to drop: most GTINs arrive as bare digits.
        let compact: Cow<str> = if raw.contains([' ', '-']) {
            Cow::Owned(raw.chars().filter(|c| *c != ' ' && *c != '-').collect())
        } else {
            Cow::Borrowed(raw)
        };
        if compact.is_empty() {
            return Err(GtinError::Empty);
        }
        let len = compact.len();
        // ISBN-10 is the only form with a non-digit (a final X); handle it before the digit check.
        let isbn10_allowed = matches!(form, GtinForm::Isbn | GtinForm::Any);
        if isbn10_allowed && len == 10 {
            return from_isbn10(&compact);
        }
        if !compact.bytes().all(|b| b.is_ascii_digit()) {
            return Err(GtinError::NotDigits);
        }
        let digits = compact.as_bytes();
        match (form, len) {
            (GtinForm::Upc, 12..=14) | (GtinForm::Ean13, 13) | (GtinForm::Gtin14, 14) => {
                verified(digits)
            }
            (GtinForm::Upc, 8) => from_upce(digits),
            (GtinForm::Isbn, 13) => {
                if !(compact.starts_with("978") || compact.starts_with("979")) {
                    return Err(GtinError::NotIsbn);
                }
                verified(digits)
            }
            (GtinForm::Barcode | GtinForm::Any, 8 | 12 | 13 | 14) => verified(digits),
            (form, found) => Err(GtinError::Length {
                expected: form.expected_lengths(),
                found,
            }),
        }
    }

    /// The 14-digit form, the one the catalog is keyed by.
    pub fn as_str(&self) -> &str {
        // The array only ever holds ASCII digits.
        std::str::from_utf8(&self.0).unwrap_or_default()
    }
}

impl GtinForm {
    fn expected_lengths(self) -> &'static str {
        match self {
            GtinForm::Upc => "12 (UPC-A), 8 (UPC-E), 13 or 14",
            GtinForm::Ean13 => "13",
            GtinForm::Gtin14 => "14",
            GtinForm::Isbn => "13 (ISBN-13) or 10 (ISBN-10)",
            GtinForm::Barcode => "8, 12, 13 or 14",
            GtinForm::Any => "8, 10, 12, 13 or 14",
        }
    }
}

impl fmt::Display for Gtin {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl fmt::Debug for Gtin {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Gtin({})", self.as_str())
    }
}

/// The GS1 mod-10 check digit for `body` (every digit but the check digit): weights 3 and 1
/// alternate from the rightmost digit of the body.
fn check_digit(body: &[u8]) -> u8 {
    let sum: u32 = body
        .iter()
        .rev()
        .enumerate()
        .map(|(i, d)| u32::from(d - b'0') * if i % 2 == 0 { 3 } else { 1 })
        .sum();
    b'0' + ((10 - sum % 10) % 10) as u8
}

/// Verifies the final check digit of an 8-, 12-, 13- or 14-digit GS1 number and pads it.
fn verified(digits: &[u8]) -> Result<Gtin, GtinError> {
    let (body, check) = digits.split_at(digits.len() - 1);
    let expected = check_digit(body);
    if check[0] != expected {
        return Err(GtinError::CheckDigit {
            expected: expected as char,
            found: check[0] as char,
        });
    }
    Ok(padded(digits))
}

fn padded(digits: &[u8]) -> Gtin {
    let mut out = [b'0'; 14];
    out[14 - digits.len()..].copy_from_slice(digits);
    Gtin(out)
}

/// Expands a zero-suppressed UPC-E (number system, six digits, check digit) to UPC-A.
fn from_upce(d: &[u8]) -> Result<Gtin, GtinError> {
    let ns = d[0];
    if ns != b'0' && ns != b'1' {
        return Err(GtinError::UpcENumberSystem);
    }
    let [d1, d2, d3, d4, d5, d6] = [d[1], d[2], d[3], d[4], d[5], d[6]];
    let z = b'0';
    let body: [u8; 11] = match d6 {
        b'0'..=b'2' => [ns, d1, d2, d6, z, z, z, z, d3, d4, d5],
        b'3' => [ns, d1, d2, d3, z, z, z, z, z, d4, d5],
        b'4' => [ns, d1, d2, d3, d4, z, z, z, z, z, d5],
        _ => [ns, d1, d2, d3, d4, d5, z, z, z, z, d6],
    };
    let mut upca = [0u8; 12];
    upca[..11].copy_from_slice(&body);
    upca[11] = d[7];
    verified(&upca)
}

/// Verifies an ISBN-10 (mod 11, `X` = 10) and converts it to its ISBN-13 (978 prefix).
fn from_isbn10(s: &str) -> Result<Gtin, GtinError> {
    let b = s.as_bytes();
    if !b[..9].iter().all(u8::is_ascii_digit)
        || !(b[9].is_ascii_digit() || b[9] == b'X' || b[9] == b'x')
    {
        return Err(GtinError::NotDigits);
    }
    let weighted: u32 = b[..9]
        .iter()
        .enumerate()
        .map(|(i, d)| (10 - i as u32) * u32::from(d - b'0'))
        .sum();
    let expected = (11 - weighted % 11) % 11;
    let expected_char = if expected == 10 {
        'X'
    } else {
        char::from(b'0' + expected as u8)
    };
    if b[9].to_ascii_uppercase() as char != expected_char {
        return Err(GtinError::CheckDigit {
            expected: expected_char,
            found: b[9] as char,
        });
    }
    let mut ean = [0u8; 13];
    ean[..3].copy_from_slice(b"978");
    ean[3..12].copy_from_slice(&b[..9]);
    ean[12] = check_digit(&ean[..12]);
    Ok(padded(&ean))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn gtin(form: GtinForm, raw: &str) -> String {
        Gtin::parse(form, raw).unwrap().to_string()
    }

    #[test]
    fn upc_ean_and_gtin14_of_one_product_agree() {
        let want = "00849632048260";
        assert_eq!(gtin(GtinForm::Upc, "849632048260"), want);
        assert_eq!(gtin(GtinForm::Ean13, "0849632048260"), want);
        assert_eq!(gtin(GtinForm::Gtin14, "00849632048260"), want);
        assert_eq!(gtin(GtinForm::Barcode, "849632048260"), want);
        assert_eq!(gtin(GtinForm::Any, "0849632048260"), want);
    }

    #[test]
    fn wrong_check_digit_is_reported_with_the_right_one() {
        assert_eq!(
            Gtin::parse(GtinForm::Upc, "849632048261"),
            Err(GtinError::CheckDigit {
                expected: '0',
                found: '1'
            })
        );
        assert!(matches!(
            Gtin::parse(GtinForm::Ean13, "5052011221398"),
            Err(GtinError::CheckDigit { .. })
        ));
        assert!(matches!(
            Gtin::parse(GtinForm::Gtin14, "00849632048269"),
            Err(GtinError::CheckDigit { .. })
        ));
    }

    #[test]
    fn ean13_from_the_batch_stock_document_is_valid() {
        assert_eq!(gtin(GtinForm::Barcode, "5052011221399"), "05052011221399");
    }

    #[test]
    fn ean8_pads_to_fourteen() {
        // 9638-5074 is the GS1 EAN-8 specimen.
        assert_eq!(gtin(GtinForm::Barcode, "96385074"), "00000096385074");
    }

    #[test]
    fn upce_expands_to_its_upca() {
        // Sixth digit 0-2: the manufacturer number keeps d1 d2 d6.
        assert_eq!(
            gtin(GtinForm::Upc, "04252614"),
            gtin(GtinForm::Upc, "042100005264")
        );
        assert_eq!(
            gtin(GtinForm::Upc, "01234505"),
            gtin(GtinForm::Upc, "012000003455")
        );
        // Sixth digit 3 and 4: the manufacturer number keeps three or four digits.
        assert_eq!(
            gtin(GtinForm::Upc, "01234531"),
            gtin(GtinForm::Upc, "012300000451")
        );
        assert_eq!(
            gtin(GtinForm::Upc, "01234543"),
            gtin(GtinForm::Upc, "012340000053")
        );
        // Sixth digit 5-9: it is the last digit of the item number.
        assert_eq!(
            gtin(GtinForm::Upc, "01234565"),
            gtin(GtinForm::Upc, "012345000065")
        );
        assert_eq!(
            Gtin::parse(GtinForm::Upc, "21234565"),
            Err(GtinError::UpcENumberSystem)
        );
        assert!(matches!(
            Gtin::parse(GtinForm::Upc, "04252615"),
            Err(GtinError::CheckDigit { .. })
        ));
    }

    #[test]
    fn isbn10_and_isbn13_are_one_book() {
        let isbn13 = gtin(GtinForm::Isbn, "978-0-306-40615-7");
        assert_eq!(isbn13, "09780306406157");
        assert_eq!(gtin(GtinForm::Isbn, "0-306-40615-2"), isbn13);
        assert_eq!(gtin(GtinForm::Ean13, "9780306406157"), isbn13);
        // An ISBN-10 whose check character is X.
        assert_eq!(
            gtin(GtinForm::Isbn, "080442957X"),
            gtin(GtinForm::Isbn, "9780804429573")
        );
        assert_eq!(
            gtin(GtinForm::Isbn, "080442957x"),
            gtin(GtinForm::Isbn, "9780804429573")
        );
        assert!(matches!(
            Gtin::parse(GtinForm::Isbn, "0306406153"),
            Err(GtinError::CheckDigit { expected: '2', .. })
        ));
        assert_eq!(
            Gtin::parse(GtinForm::Isbn, "0849632048260"),
            Err(GtinError::NotIsbn)
        );
    }

    #[test]
    fn shapes_that_are_not_gtins() {
        assert_eq!(Gtin::parse(GtinForm::Upc, ""), Err(GtinError::Empty));
        assert_eq!(Gtin::parse(GtinForm::Upc, " - "), Err(GtinError::Empty));
        assert_eq!(
            Gtin::parse(GtinForm::Barcode, "NOT A VALID BARCODE"),
            Err(GtinError::NotDigits)
        );
        assert_eq!(
            Gtin::parse(GtinForm::Ean13, "849632048260"),
            Err(GtinError::Length {
                expected: "13",
                found: 12
            })
        );
        // Ten digits is an ISBN-10 only where ISBNs are allowed.
        assert!(matches!(
            Gtin::parse(GtinForm::Barcode, "0306406152"),
            Err(GtinError::Length { .. })
        ));
        assert_eq!(
            Gtin::parse(GtinForm::Upc, "８４９６３２０４８２６０"),
            Err(GtinError::NotDigits)
        );
    }

    mod properties {
        use super::super::*;
        use proptest::prelude::*;

        fn with_check(body: &str) -> String {
            format!("{body}{}", check_digit(body.as_bytes()) as char)
        }

        proptest! {
            #![proptest_config(ProptestConfig::with_cases(2000))]

            #[test]
            fn never_panics_on_any_text(raw in "\\PC{0,40}", form in prop_oneof![
                Just(GtinForm::Upc), Just(GtinForm::Ean13), Just(GtinForm::Gtin14),
                Just(GtinForm::Isbn), Just(GtinForm::Barcode), Just(GtinForm::Any)]) {
                let _ = Gtin::parse(form, &raw);
            }

            #[test]
            fn every_width_of_a_upc_is_the_same_gtin(body in "[0-9]{11}") {
                let upca = with_check(&body);
                let one = Gtin::parse(GtinForm::Upc, &upca).unwrap();
                prop_assert_eq!(Gtin::parse(GtinForm::Ean13, &format!("0{upca}")).unwrap(), one);
                prop_assert_eq!(Gtin::parse(GtinForm::Gtin14, &format!("00{upca}")).unwrap(), one);
                prop_assert_eq!(Gtin::parse(GtinForm::Barcode, &upca).unwrap(), one);
                prop_assert_eq!(one.as_str().len(), 14);
            }

            #[test]
            fn any_single_digit_typo_is_caught(body in "[0-9]{12}", at in 0usize..13, delta in 1u8..10) {
                let ean = with_check(&body);
                let mut typo = ean.clone().into_bytes();
                typo[at] = b'0' + (typo[at] - b'0' + delta) % 10;
                let typo = String::from_utf8(typo).unwrap();
                prop_assert!(Gtin::parse(GtinForm::Ean13, &ean).is_ok());
                let caught = matches!(Gtin::parse(GtinForm::Ean13, &typo), Err(GtinError::CheckDigit { .. }));
                prop_assert!(caught, "typo {} of {} went through", typo, ean);
            }

            #[test]
            fn isbn10_converts_to_its_isbn13(body in "[0-9]{9}") {
                let weighted: u32 = body.bytes().enumerate().map(|(i, d)| (10 - i as u32) * u32::from(d - b'0')).sum();
                let check = match (11 - weighted % 11) % 11 { 10 => 'X', n => char::from(b'0' + n as u8) };
                let isbn10 = format!("{body}{check}");
                let isbn13 = with_check(&format!("978{body}"));
                prop_assert_eq!(Gtin::parse(GtinForm::Isbn, &isbn10).unwrap(), Gtin::parse(GtinForm::Isbn, &isbn13).unwrap());
            }

            #[test]
            fn upce_and_its_upca_agree(ns in 0u8..2, digits in "[0-9]{6}") {
                let d = digits.as_bytes();
                let z = b'0';
                let ns = b'0' + ns;
                let body: [u8; 11] = match d[5] {
                    b'0'..=b'2' => [ns, d[0], d[1], d[5], z, z, z, z, d[2], d[3], d[4]],
                    b'3' => [ns, d[0], d[1], d[2], z, z, z, z, z, d[3], d[4]],
                    b'4' => [ns, d[0], d[1], d[2], d[3], z, z, z, z, z, d[4]],
                    _ => [ns, d[0], d[1], d[2], d[3], d[4], z, z, z, z, d[5]],
                };
                let upca = with_check(std::str::from_utf8(&body).unwrap());
                let upce = format!("{}{digits}{}", ns as char, &upca[11..]);
                prop_assert_eq!(Gtin::parse(GtinForm::Upc, &upce).unwrap(), Gtin::parse(GtinForm::Upc, &upca).unwrap());
            }
        }
    }
}
