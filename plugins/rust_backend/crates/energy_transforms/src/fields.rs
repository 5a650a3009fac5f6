//! Readers of checked scalar fields ([`Scalar`]) shared by T3..T5, with the
//! python backend's rules value by value: numbers (`pandas.to_numeric`),
//! dates and times (`parse_days`, `parse_timestamps`), integers
//! (`integers`), text (`texts`) and the position lists of error messages.

use std::borrow::Cow;

use crate::json::big_to_f64;
use crate::records::Scalar;
use crate::text::strip;

pub const NS_PER_HOUR: i64 = 3_600_000_000_000;
const NS_PER_DAY: i64 = 24 * NS_PER_HOUR;
/// Years whose days (plus 24 h) fit `datetime64[ns]`; others do not parse.
const MIN_YEAR: i64 = 1678;
const MAX_YEAR: i64 = 2261;

/// Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant's algorithm).
pub fn days_from_civil(y: i64, m: i64, d: i64) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (m + 9) % 12;
    let doy = (153 * mp + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

fn days_in_month(y: i64, m: i64) -> i64 {
    match m {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        _ if (y % 4 == 0 && y % 100 != 0) || y % 400 == 0 => 29,
        _ => 28,
    }
}

fn num(digits: &[u8]) -> Option<i64> {
    digits.iter().try_fold(0i64, |acc, &d| {
        d.is_ascii_digit().then(|| acc * 10 + i64::from(d - b'0'))
    })
}

/// ns since the epoch of `y-m-d hh:mm`, if it is a real calendar time in range.
fn civil_ns(y: i64, m: i64, d: i64, hh: i64, mm: i64) -> Option<i64> {
    let ok = (MIN_YEAR..=MAX_YEAR).contains(&y)
        && (1..=12).contains(&m)
        && (1..=days_in_month(y, m)).contains(&d)
        && (0..24).contains(&hh)
        && (0..60).contains(&mm);
    ok.then(|| days_from_civil(y, m, d) * NS_PER_DAY + hh * NS_PER_HOUR + mm * 60_000_000_000)
}

/// The digits of an integer or a string's stripped text: what a date is read from.
/// Other values (floats, booleans, null) never read as a date.
fn date_text<'s>(v: &'s Scalar<'_>) -> Option<Cow<'s, str>> {
    match v {
        Scalar::Str(s) => Some(Cow::Borrowed(strip(s))),
        Scalar::Int(i) => Some(Cow::Owned(i.to_string())),
        _ => None,
    }
}

/// `parse_days`: `YYYYMMDD` or `YYYY-MM-DD` (string or integer, whitespace
/// stripped) to ns since the epoch of that day's 00:00; `None` otherwise.
pub fn parse_day(v: &Scalar<'_>) -> Option<i64> {
    let text = date_text(v)?;
    let t = text.as_bytes();
    let (y, m, d) = match t.len() {
        8 => (&t[0..4], &t[4..6], &t[6..8]),
        10 if t[4] == b'-' && t[7] == b'-' => (&t[0..4], &t[5..7], &t[8..10]),
        _ => return None,
    };
    civil_ns(num(y)?, num(m)?, num(d)?, 0, 0)
}

/// ASOS `tm`: `YYYY-MM-DD HH:MM` (whitespace stripped) to ns since the epoch.
pub fn parse_minute(v: &Scalar<'_>) -> Option<i64> {
    let text = date_text(v)?;
    let t = text.as_bytes();
    if t.len() != 16 || t[4] != b'-' || t[7] != b'-' || t[10] != b' ' || t[13] != b':' {
        return None;
    }
    civil_ns(
        num(&t[0..4])?,
        num(&t[5..7])?,
        num(&t[8..10])?,
        num(&t[11..13])?,
        num(&t[14..16])?,
    )
}

/// `integers`: an integral number below 2**53 in magnitude, else `None`.
pub fn integer(v: &Scalar<'_>) -> Option<i64> {
    let f = number(v);
    #[allow(clippy::cast_possible_truncation)] // integral and below 2**53: exact
    (f.is_finite() && f == f.floor() && f.abs() < 9_007_199_254_740_992.0).then_some(f as i64)
}

/// `pandas.to_numeric(errors="coerce")` of one value, as float64: numbers
/// and booleans as themselves, strings by [`parse_numeric`], null as NaN.
pub fn number(v: &Scalar<'_>) -> f64 {
    match v {
        Scalar::Null => f64::NAN,
        Scalar::Bool(b) => f64::from(u8::from(*b)),
        #[allow(clippy::cast_precision_loss)] // rounds to nearest, as Python's float(int)
        Scalar::Int(i) => *i as f64,
        Scalar::Big(b) => big_to_f64(b),
        Scalar::Float(f) => *f,
        Scalar::Str(s) => parse_numeric(s),
    }
}

/// The control character that makes a string numeric value corrupted
/// (`limits::control_char`); other values never hold one.
pub fn control_char(v: &Scalar<'_>) -> Option<char> {
    match v {
        Scalar::Str(s) => crate::limits::control_char(s),
        _ => None,
    }
}

/// The `texts` helper on a checked text field: a string stripped, an
/// integer's digits, `""` for null. (`records::scalar` refuses booleans and
/// floats in text fields, so they never reach here; they read as `""`.)
pub fn text<'s>(v: &'s Scalar<'_>) -> Cow<'s, str> {
    match v {
        Scalar::Str(s) => Cow::Borrowed(strip(s)),
        Scalar::Int(i) => Cow::Owned(i.to_string()),
        Scalar::Big(b) => Cow::Owned(b.to_string()),
        Scalar::Null | Scalar::Bool(_) | Scalar::Float(_) => Cow::Borrowed(""),
    }
}

/// pandas' string-to-number rule: a decimal or scientific number, which may
/// carry surrounding ASCII whitespace; `inf` / `infinity` in any case with an
/// optional sign, which may not (pandas reads `"inf "` as NaN); anything else
/// is NaN.
pub fn parse_numeric(s: &str) -> f64 {
    let t = s.trim_matches(|c: char| matches!(c, ' ' | '\t' | '\n' | '\x0b' | '\x0c' | '\r'));
    let word = t.trim_start_matches(['+', '-']);
    if word.eq_ignore_ascii_case("inf") || word.eq_ignore_ascii_case("infinity") {
        return if t.len() == s.len() {
            t.parse().unwrap_or(f64::NAN)
        } else {
            f64::NAN
        };
    }
    // Rust's float grammar is pandas' for the rest: no `_`, hex or non-ASCII
    // digits; "nan" reads as NaN either way.
    t.parse().unwrap_or(f64::NAN)
}

/// `describe_positions`: `"0, 3, 7"`, at most ten, then `", ... (N in all)"`.
pub fn describe_positions(positions: &[usize]) -> String {
    let shown: Vec<String> = positions.iter().take(10).map(ToString::to_string).collect();
    let mut out = shown.join(", ");
    if positions.len() > 10 {
        out.push_str(&format!(", ... ({} in all)", positions.len()));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn s(t: &str) -> Scalar<'_> {
        Scalar::Str(t)
    }

    #[test]
    fn days() {
        let jan31 = days_from_civil(2024, 1, 31) * NS_PER_DAY;
        assert_eq!(days_from_civil(1970, 1, 1), 0);
        assert_eq!(parse_day(&s(" 20240131\n")), Some(jan31));
        assert_eq!(parse_day(&s("2024-01-31")), Some(jan31));
        assert_eq!(parse_day(&Scalar::Int(20_240_131)), Some(jan31));
        for bad in [
            "20240230",
            "2024-1-31",
            "202401310",
            "1677-12-31",
            "2262-01-01",
            "2024/01/31",
            "２０２４０１３１",
        ] {
            assert_eq!(parse_day(&s(bad)), None, "{bad}");
        }
        assert_eq!(parse_day(&Scalar::Float(20_240_131.0)), None);
        assert_eq!(
            parse_day(&s("20240229")),
            Some(days_from_civil(2024, 2, 29) * NS_PER_DAY)
        );
        assert_eq!(parse_day(&s("21000229")), None);
        assert_eq!(parse_day(&Scalar::Null), None);
    }

    #[test]
    fn minutes_and_integers() {
        let t = parse_minute(&s("2024-01-31 13:05")).unwrap();
        assert_eq!(
            t,
            days_from_civil(2024, 1, 31) * NS_PER_DAY + 13 * NS_PER_HOUR + 300_000_000_000
        );
        assert_eq!(parse_minute(&s("2024-01-31 24:00")), None);
        assert_eq!(parse_minute(&s("2024-01-31T13:05")), None);
        assert_eq!(integer(&s("01")), Some(1));
        assert_eq!(integer(&s("1.0")), Some(1));
        assert_eq!(integer(&s("1.5")), None);
        assert_eq!(integer(&Scalar::Bool(true)), Some(1));
        assert_eq!(integer(&s("9007199254740992")), None);
    }

    #[test]
    fn numbers_like_pandas() {
        let n = |t: &str| number(&Scalar::Str(t));
        assert_eq!(n(" 12.5"), 12.5);
        assert_eq!(n("\t7\n"), 7.0);
        assert_eq!(n("1.e5"), 100_000.0);
        assert_eq!(n("+.5e-3"), 0.0005);
        assert_eq!(n("-Infinity"), f64::NEG_INFINITY);
        assert_eq!(n("iNfInItY"), f64::INFINITY);
        assert!(n("Infinity ").is_nan() && n(" inf").is_nan() && n("+-inf").is_nan());
        for bad in [
            "1_0",
            "0x10",
            "1,000",
            ".",
            "",
            " 1 2 ",
            "\u{3000}5",
            "1e",
            "١٢",
            "5\0",
        ] {
            assert!(n(bad).is_nan(), "{bad:?}");
        }
        assert_eq!(number(&Scalar::Bool(true)), 1.0);
        assert_eq!(
            number(&Scalar::Int(9_007_199_254_740_993)),
            9_007_199_254_740_992.0
        );
        assert!(number(&Scalar::Null).is_nan());
    }

    #[test]
    fn texts() {
        assert_eq!(text(&Scalar::Null), "");
        assert_eq!(text(&Scalar::Int(-7)), "-7");
        assert_eq!(text(&Scalar::Str(" a\u{3000}")), "a");
    }

    #[test]
    fn positions() {
        assert_eq!(describe_positions(&[0, 3]), "0, 3");
        let many: Vec<usize> = (0..12).collect();
        assert_eq!(
            describe_positions(&many),
            "0, 1, 2, 3, 4, 5, 6, 7, 8, 9, ... (12 in all)"
        );
    }
}
