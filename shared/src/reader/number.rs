//! Whole numbers judged from the literal as written, not from a float it rounds to:
//! `0.99999999999999999999`, `-1e-400` and `2147483647.0000000001` are not whole numbers,
//! though each rounds to one as an `f64`.

use crate::validate::Problem;

/// The whole number a JSON number literal stands for exactly, if its magnitude is at most
/// `limit` (below 10^10). `12`, `12.0`, `1.2e1` and `1200e-2` are all 12; `-0` is 0.
/// [`Problem::NotInteger`] for a fraction (or text that is no number literal),
/// [`Problem::TooLarge`] for a whole number beyond `limit`.
pub fn whole_number(literal: &str, limit: u64) -> Result<i64, Problem> {
    let (negative, rest) = match literal.as_bytes() {
        [b'-', rest @ ..] => (true, rest),
        all => (false, all),
    };
    // The usual case, plain digits that fit: read at once.
    if (1..=9).contains(&rest.len()) && rest.iter().all(u8::is_ascii_digit) {
        let value = rest.iter().fold(0, |n, d| n * 10 + i64::from(d - b'0'));
        return if value as u64 > limit {
            Err(Problem::TooLarge)
        } else if negative {
            Ok(-value)
        } else {
            Ok(value)
        };
    }
    let (int, rest) = rest.split_at(digits(rest));
    let (fraction, rest) = match rest {
        [b'.', rest @ ..] => rest.split_at(digits(rest)),
        _ => (&[][..], rest),
    };
    let exponent = match rest {
        [] => 0,
        [b'e' | b'E', exponent @ ..] => exponent_value(exponent)?,
        _ => return Err(Problem::NotInteger),
    };
    if int.is_empty() {
        return Err(Problem::NotInteger);
    }
    // The literal is the digits of `int` then `fraction`, times 10^(exponent - fraction
    // length). Only the span from the first to the last non-zero digit matters.
    let digit = |i: usize| {
        if i < int.len() {
            int[i]
        } else {
            fraction[i - int.len()]
        }
    };
    let count = int.len() + fraction.len();
    let Some(first) = (0..count).find(|&i| digit(i) != b'0') else {
        return Ok(0);
    };
    let last = (first..count)
        .rev()
        .find(|&i| digit(i) != b'0')
        .unwrap_or(first);
    let trailing_zeros = (count - 1 - last) as i64;
    // The power of ten the last significant digit stands at.
    let scale = exponent
        .saturating_sub(fraction.len() as i64)
        .saturating_add(trailing_zeros);
    if scale < 0 {
        return Err(Problem::NotInteger);
    }
    let significant = last - first + 1;
    // `limit` has at most 10 digits: anything longer is too large, whatever its digits.
    if significant as i64 + scale > 10 {
        return Err(Problem::TooLarge);
    }
    let mut value: u64 = 0;
    for i in first..=last {
        value = value * 10 + u64::from(digit(i) - b'0');
    }
    let value = value * 10u64.pow(scale as u32);
    if value > limit {
        return Err(Problem::TooLarge);
    }
    Ok(if negative {
        -(value as i64)
    } else {
        value as i64
    })
}

/// How many ASCII digits `bytes` starts with.
fn digits(bytes: &[u8]) -> usize {
    bytes
        .iter()
        .position(|b| !b.is_ascii_digit())
        .unwrap_or(bytes.len())
}

/// An exponent's value, saturated far beyond any that can matter (a body is at most 2 MiB).
fn exponent_value(text: &[u8]) -> Result<i64, Problem> {
    let (negative, text) = match text {
        [b'-', rest @ ..] => (true, rest),
        [b'+', rest @ ..] => (false, rest),
        all => (false, all),
    };
    if text.is_empty() || digits(text) != text.len() {
        return Err(Problem::NotInteger);
    }
    let magnitude = text.iter().fold(0i64, |n, d| {
        n.saturating_mul(10)
            .saturating_add(i64::from(d - b'0'))
            .min(1 << 40)
    });
    Ok(if negative { -magnitude } else { magnitude })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::validate::MAX_QUANTITY;
    use proptest::prelude::*;

    const MAX: u64 = MAX_QUANTITY as u64;

    #[test]
    fn whole_numbers_as_written() {
        for (literal, value) in [
            ("0", 0),
            ("-0", 0),
            ("-0.0", 0),
            ("0e5", 0),
            ("12", 12),
            ("12.0", 12),
            ("12.000", 12),
            ("1.2e1", 12),
            ("1200e-2", 12),
            ("1200E-2", 12),
            ("0.12e+2", 12),
            ("1e3", 1000),
            ("-7", -7),
            ("2147483647", 2_147_483_647),
            ("2147483647.0", 2_147_483_647),
            ("-2147483647", -2_147_483_647),
            ("21474836.47e2", 2_147_483_647),
        ] {
            assert_eq!(whole_number(literal, MAX), Ok(value), "{literal}");
        }
    }

    #[test]
    fn fractions_are_not_whole_numbers_however_they_round() {
        for literal in [
            "0.5",
            "-1.5",
            "0.99999999999999999999",
            "-1e-400",
            "1e-1",
            "2147483647.0000000001",
            "12.5e0",
            "1200e-3",
            "\"12\"",
            "true",
            "null",
            "[1]",
            "",
            "-",
            "1e",
            "1x",
        ] {
            assert_eq!(
                whole_number(literal, MAX),
                Err(Problem::NotInteger),
                "{literal}"
            );
        }
    }

    #[test]
    fn large_whole_numbers_are_too_large() {
        for literal in [
            "2147483648",
            "-2147483648",
            "1e10",
            "1e30",
            "1e400",
            "9.9e99",
            "18446744073709551616",
            "123456789012345678901234567890",
            "1e999999999999999999999",
            "100000000000e-1",
        ] {
            assert_eq!(
                whole_number(literal, MAX),
                Err(Problem::TooLarge),
                "{literal}"
            );
        }
        assert_eq!(whole_number("100", 99), Err(Problem::TooLarge));
    }

    proptest! {
        /// Every whole number, written plainly or with a fraction of zeros and an exponent,
        /// reads back as itself; with a non-zero fraction it is no whole number.
        #[test]
        fn every_writing_of_a_whole_number_agrees(
            n in -(MAX as i64)..=(MAX as i64),
            zeros in 0usize..4,
            shift in 0u32..4,
            tail in 1u32..10,
        ) {
            prop_assert_eq!(whole_number(&n.to_string(), MAX), Ok(n));
            let padded = format!("{n}.{}", "0".repeat(zeros));
            prop_assert_eq!(whole_number(padded.trim_end_matches('.'), MAX), Ok(n));
            let shifted = i128::from(n) * 10i128.pow(shift);
            let expected = if shifted.unsigned_abs() <= u128::from(MAX) {
                Ok(shifted as i64)
            } else {
                Err(Problem::TooLarge)
            };
            prop_assert_eq!(whole_number(&format!("{n}e{shift}"), MAX), expected);
            let fraction = format!("{n}.{}{tail}", "0".repeat(zeros));
            prop_assert_eq!(whole_number(&fraction, MAX), Err(Problem::NotInteger));
        }
    }
}
