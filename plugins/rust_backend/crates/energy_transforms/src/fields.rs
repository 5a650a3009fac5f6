//! Record field readers shared by T3..T5, mirroring the python backend's
//! `payloads` helpers value by value: dates and times (`parse_days`,
//! `parse_timestamps`), integers (`integers`), and error position lists.

use crate::pystr::py_strip;
use crate::value::Value;

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

/// `parse_days`: `YYYYMMDD` or `YYYY-MM-DD` (string or integer, whitespace
/// stripped) to ns since the epoch of that day's 00:00; `None` otherwise.
pub fn parse_day(v: &Value<'_>) -> Option<i64> {
    let text = v.py_str()?;
    let t = py_strip(&text).as_bytes();
    let (y, m, d) = match t.len() {
        8 => (&t[0..4], &t[4..6], &t[6..8]),
        10 if t[4] == b'-' && t[7] == b'-' => (&t[0..4], &t[5..7], &t[8..10]),
        _ => return None,
    };
    civil_ns(num(y)?, num(m)?, num(d)?, 0, 0)
}

/// ASOS `tm`: `YYYY-MM-DD HH:MM` (whitespace stripped) to ns since the epoch.
pub fn parse_minute(v: &Value<'_>) -> Option<i64> {
    let text = v.py_str()?;
    let t = py_strip(&text).as_bytes();
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
pub fn integer(v: &Value<'_>) -> Option<i64> {
    let f = v.number();
    #[allow(clippy::cast_possible_truncation)] // integral and below 2**53: exact
    (f.is_finite() && f == f.floor() && f.abs() < 9_007_199_254_740_992.0).then_some(f as i64)
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

    fn s(t: &str) -> Value<'_> {
        Value::Str(t.into())
    }

    #[test]
    fn days() {
        let jan31 = days_from_civil(2024, 1, 31) * NS_PER_DAY;
        assert_eq!(days_from_civil(1970, 1, 1), 0);
        assert_eq!(parse_day(&s(" 20240131\n")), Some(jan31));
        assert_eq!(parse_day(&s("2024-01-31")), Some(jan31));
        assert_eq!(parse_day(&Value::Int("20240131")), Some(jan31));
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
        assert_eq!(parse_day(&Value::Float(20_240_131.0)), None);
        assert_eq!(
            parse_day(&s("20240229")),
            Some(days_from_civil(2024, 2, 29) * NS_PER_DAY)
        );
        assert_eq!(parse_day(&s("21000229")), None);
        assert_eq!(parse_day(&Value::Null), None);
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
        assert_eq!(integer(&Value::Bool(true)), Some(1));
        assert_eq!(integer(&s("9007199254740992")), None);
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
