//! T2's time strings, read as pandas reads them, for the forms real inputs use.
//!
//! [`parse_kst`] gives the naive KST wall clock in nanoseconds since the epoch,
//! or `None` for a string it does not recognise. `None` is NOT "unparseable":
//! the glue hands exactly those rows to the python reference's per-value path
//! (`pd.Timestamp`), so the set of accepted inputs and their values is the
//! python backend's by construction. Every form accepted here is therefore
//! strict (zero-padded fields, valid calendar dates, no stray spaces), and
//! anything unusual is left to pandas rather than guessed.
//!
//! Recognised: `YYYY-MM-DD`, `YYYY-MM-DD HH:MM`, `YYYY-MM-DD HH:MM:SS`, with
//! `T` instead of the space, 1-9 fractional digits after the seconds, an
//! optional UTC offset (`Z`, `+HH:MM`, `+HHMM`) after the time, and
//! `YYYYMMDDHHMM` (pandas reads it as that; `YYYYMMDDHH` it refuses, so it
//! goes to the fallback and fails there exactly as in python).

pub use crate::fields::days_from_civil;

/// Nanoseconds per second / minute / hour / day.
const NS_S: i64 = 1_000_000_000;
const NS_MIN: i64 = 60 * NS_S;
pub const NS_HOUR: i64 = 60 * NS_MIN;
const NS_DAY: i64 = 24 * NS_HOUR;

/// KST is UTC+9 without DST since 1988-10-09 (Asia/Seoul had KDT, +10, in
/// the summers of 1987 and 1988, and other offsets before 1961). Instants
/// before 1989-01-01 UTC are left to pandas' time-zone database.
pub const KST_OFFSET_NS: i64 = 9 * NS_HOUR;
pub const FIXED_KST_SINCE_UTC_NS: i64 = 599_616_000 * NS_S; // 1989-01-01T00:00Z

/// Years whose every instant fits datetime64[ns] (1677-09-21 .. 2262-04-11);
/// the edge years go to pandas, which knows the exact bounds.
const YEARS: std::ops::RangeInclusive<i64> = 1678..=2261;

/// The naive KST time of `s` in ns since the epoch, or `None` if `s` is not
/// one of the recognised forms (the caller then asks pandas).
pub fn parse_kst(s: &str) -> Option<i64> {
    parse_kst_cached(s, &mut DateCache::default())
}

/// The day of the last date text read: hourly rows repeat a date ~24 times
/// in a row, so its calendar arithmetic is done once per run of equal dates.
#[derive(Debug, Default)]
pub struct DateCache {
    text: [u8; 10],
    len: usize,
    day_ns: i64,
}

impl DateCache {
    /// ns of 00:00 of the date written in `text` (`YYYY-MM-DD` or `YYYYMMDD`).
    fn day_ns(&mut self, text: &[u8], y: &[u8], mo: &[u8], d: &[u8]) -> Option<i64> {
        if self.len == text.len() && self.text[..self.len] == *text {
            return Some(self.day_ns);
        }
        let (y, mo, d) = (num(y)?, num(mo)?, num(d)?);
        let valid =
            YEARS.contains(&y) && (1..=12).contains(&mo) && (1..=days_in_month(y, mo)).contains(&d);
        if !valid {
            return None;
        }
        self.day_ns = days_from_civil(y, mo, d) * NS_DAY;
        self.text[..text.len()].copy_from_slice(text);
        self.len = text.len();
        Some(self.day_ns)
    }
}

/// [`parse_kst`] reusing the date of the previous call when it is the same text.
pub fn parse_kst_cached(s: &str, cache: &mut DateCache) -> Option<i64> {
    let b = s.as_bytes();
    if b.len() == 12 && b.iter().all(u8::is_ascii_digit) {
        let day = cache.day_ns(&b[0..8], &b[0..4], &b[4..6], &b[6..8])?;
        return day.checked_add(clock(num(&b[8..10])?, num(&b[10..12])?, 0, 0)?);
    }
    if b.len() < 10 || b[4] != b'-' || b[7] != b'-' {
        return None;
    }
    let day = cache.day_ns(&b[0..10], &b[0..4], &b[5..7], &b[8..10])?;
    if b.len() == 10 {
        return Some(day);
    }
    if !matches!(b[10], b' ' | b'T') || b.len() < 16 || b[13] != b':' {
        return None;
    }
    let (h, mi) = (num(&b[11..13])?, num(&b[14..16])?);
    let mut rest = &b[16..];
    let (mut sec, mut frac) = (0, 0);
    if let [b':', s1, s2, tail @ ..] = rest {
        sec = num(&[*s1, *s2])?;
        rest = tail;
        if let [b'.', tail @ ..] = rest {
            let digits = tail.iter().take_while(|c| c.is_ascii_digit()).count();
            if !(1..=9).contains(&digits) {
                return None;
            }
            frac = num(&tail[..digits])? * 10i64.pow(9 - u32::try_from(digits).ok()?);
            rest = &tail[digits..];
        }
    }
    let local = day + clock(h, mi, sec, frac)?;
    if rest.is_empty() {
        return Some(local);
    }
    let utc = local - offset_ns(rest)?;
    // Before the fixed-offset era, Asia/Seoul's history decides: pandas' job.
    (utc >= FIXED_KST_SINCE_UTC_NS).then_some(utc + KST_OFFSET_NS)
}

/// ns since midnight of a valid wall-clock time (no 24:00, no leap second).
fn clock(h: i64, mi: i64, s: i64, frac: i64) -> Option<i64> {
    (h < 24 && mi < 60 && s < 60).then(|| h * NS_HOUR + mi * NS_MIN + s * NS_S + frac)
}

/// `Z`, `+HH:MM`, `+HHMM` (or `-`): the offset east of UTC.
fn offset_ns(b: &[u8]) -> Option<i64> {
    let (sign, h, m) = match b {
        [b'Z'] => return Some(0),
        [sign @ (b'+' | b'-'), h1, h2, b':', m1, m2] | [sign @ (b'+' | b'-'), h1, h2, m1, m2] => {
            (*sign, num(&[*h1, *h2])?, num(&[*m1, *m2])?)
        }
        _ => return None,
    };
    if h > 14 || m > 59 {
        return None;
    }
    let ns = h * NS_HOUR + m * NS_MIN;
    Some(if sign == b'-' { -ns } else { ns })
}

/// The ASCII digits `b` as a number (`None` for anything else).
fn num(b: &[u8]) -> Option<i64> {
    b.iter().try_fold(0i64, |acc, &c| {
        c.is_ascii_digit().then(|| acc * 10 + i64::from(c - b'0'))
    })
}

fn is_leap(y: i64) -> bool {
    (y % 4 == 0 && y % 100 != 0) || y % 400 == 0
}

fn days_in_month(y: i64, m: i64) -> i64 {
    match m {
        2 if is_leap(y) => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

/// `(year, month, day)` of a day count since 1970-01-01 (the inverse).
pub fn civil_from_days(z: i64) -> (i64, i64, i64) {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    (yoe + era * 400 + i64::from(m <= 2), m, d)
}

/// `str(pd.Timestamp(ns))`: `YYYY-MM-DD HH:MM:SS`, then `.ffffff` if there are
/// microseconds, or `.fffffffff` if there are nanoseconds beyond them.
pub fn timestamp_text(ns: i64) -> String {
    let (days, in_day) = (ns.div_euclid(NS_DAY), ns.rem_euclid(NS_DAY));
    let (y, m, d) = civil_from_days(days);
    let (h, mi) = (in_day / NS_HOUR, in_day % NS_HOUR / NS_MIN);
    let (s, sub) = (in_day % NS_MIN / NS_S, in_day % NS_S);
    let base = format!("{y:04}-{m:02}-{d:02} {h:02}:{mi:02}:{s:02}");
    if sub == 0 {
        base
    } else if sub % 1000 == 0 {
        format!("{base}.{:06}", sub / 1000)
    } else {
        format!("{base}.{sub:09}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const JAN31_13H: i64 = 1_706_706_000 * NS_S; // 2024-01-31 13:00 as naive ns

    #[test]
    fn recognised_forms() {
        for s in [
            "2024-01-31 13:00",
            "2024-01-31 13:00:00",
            "2024-01-31T13:00",
            "2024-01-31T13:00:00.000",
            "202401311300",
            "2024-01-31 04:00Z",
            "2024-01-31T13:00+09:00",
            "2024-01-31T13:00:00+0900",
            "2024-01-31 02:30-01:30",
        ] {
            assert_eq!(parse_kst(s), Some(JAN31_13H), "{s}");
        }
        assert_eq!(parse_kst("2024-01-31"), Some(JAN31_13H - 13 * NS_HOUR));
        assert_eq!(
            parse_kst("2024-01-31 13:00:00.5"),
            Some(JAN31_13H + NS_S / 2)
        );
        assert_eq!(
            parse_kst("2024-01-31 13:00:00.000000001"),
            Some(JAN31_13H + 1)
        );
        assert_eq!(parse_kst("1970-01-01 00:00"), Some(0));
        assert_eq!(parse_kst("1969-12-31 23:00"), Some(-NS_HOUR));
        assert_eq!(
            parse_kst("2024-02-29"),
            Some(days_from_civil(2024, 2, 29) * NS_DAY)
        );
    }

    #[test]
    fn everything_else_is_left_to_pandas() {
        for s in [
            "",
            "2024-02-30 10:00",
            "2023-02-29",
            "2024-01-31 24:00",
            "2024-01-31 13:60",
            "2024-01-31 13:00:60",
            " 2024-01-31 13:00",
            "2024-01-31 13:00 ",
            "2024-01-31  13:00",
            "2024-1-31 13:00",
            "2024-01-31 3:00",
            "2024013113",
            "20240131",
            "2024-01-31 13:00:00.",
            "2024-01-31 13:00:00.1234567891",
            "2024-01-31 13:00+9",
            "2024-01-31 13:00 +09:00",
            "2024-01-31 13:00z",
            "2024-01-31t13:00",
            "1677-12-31",
            "2262-01-01",
            "1988-06-01 00:00+09:00",
            "2024-01-31 13",
            "2024/01/31 13:00",
            "２０２４-01-31",
        ] {
            assert_eq!(parse_kst(s), None, "{s:?}");
        }
    }

    #[test]
    fn the_date_cache_never_changes_a_reading() {
        let mut cache = DateCache::default();
        for s in [
            "2024-01-31 13:00",
            "2024-01-31 14:00",
            "2024-02-30 10:00",
            "2024-01-31T15:00+09:00",
            "202401311600",
            "2024-01-31",
            "2023-02-29",
            "2024-02-29 00:00",
        ] {
            assert_eq!(parse_kst_cached(s, &mut cache), parse_kst(s), "{s}");
        }
    }

    #[test]
    fn civil_round_trip() {
        for z in -200_000..200_000 {
            let (y, m, d) = civil_from_days(z);
            assert_eq!(days_from_civil(y, m, d), z);
            assert!((1..=days_in_month(y, m)).contains(&d));
        }
    }

    #[test]
    fn timestamp_text_like_pandas() {
        assert_eq!(timestamp_text(JAN31_13H), "2024-01-31 13:00:00");
        assert_eq!(
            timestamp_text(JAN31_13H + 1500),
            "2024-01-31 13:00:00.000001500"
        );
        assert_eq!(
            timestamp_text(JAN31_13H + 5000),
            "2024-01-31 13:00:00.000005"
        );
        assert_eq!(timestamp_text(-NS_HOUR), "1969-12-31 23:00:00");
    }
}
