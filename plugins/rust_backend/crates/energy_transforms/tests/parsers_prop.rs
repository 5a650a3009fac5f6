//! Property tests of the payload readers: they never panic, whatever the
//! bytes, and generated records survive the trip through a body.

// Small generated sizes: casts cannot wrap; index loops mirror the maths.
#![allow(
    clippy::unwrap_used,
    clippy::cast_possible_wrap,
    clippy::cast_precision_loss,
    clippy::needless_range_loop
)]

use energy_transforms::asos::{asos_from_bodies, asos_from_body};
use energy_transforms::limits::Limits;
use energy_transforms::pv::{pv_from_bodies, pv_from_body};
use energy_transforms::wind::{wind_from_bodies, wind_from_body, HourLabel};
use energy_transforms::{json, TransformError};
use proptest::prelude::*;

fn fields(names: &[&str]) -> Vec<String> {
    names.iter().map(|s| (*s).to_owned()).collect()
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(2000))]

    #[test]
    fn readers_never_panic_on_arbitrary_bytes(body in proptest::collection::vec(any::<u8>(), 0..200)) {
        let _ = wind_from_body(&body, HourLabel::End, &Limits::default());
        let _ = pv_from_body(&body, &Limits::default());
        let _ = asos_from_body(&body, &fields(&["ta"]), &Limits::default());
    }

    #[test]
    fn readers_never_panic_on_json_and_xml_like_text(body in r#"[\[\]{}<>/"':,0-9a-zA-Z \-.!?&;#=\\]{0,120}"#) {
        let _ = wind_from_body(body.as_bytes(), HourLabel::Legacy, &Limits::default());
        let _ = pv_from_body(body.as_bytes(), &Limits::default());
        let _ = asos_from_body(body.as_bytes(), &fields(&["ta", "hm"]), &Limits::default());
    }
}

#[derive(Debug, Clone)]
struct Record {
    day: (i64, i64, i64),
    code: String,
    unit: i64,
    hours: Vec<Option<f64>>,
}

fn record() -> impl Strategy<Value = Record> {
    (
        (1970i64..2200, 1i64..=12, 1i64..=28),
        "[A-Z0-9]{1,5}",
        0i64..5,
        proptest::collection::vec(proptest::option::of(-1e6f64..1e6), 24),
    )
        .prop_map(|(day, code, unit, hours)| Record {
            day,
            code,
            unit,
            hours,
        })
}

/// A wind page holding `records` (hours as JSON numbers or null).
fn wind_page(records: &[Record]) -> String {
    let content: Vec<String> = records
        .iter()
        .map(|r| {
            let hours: Vec<String> = r
                .hours
                .iter()
                .enumerate()
                .map(|(i, v)| match v {
                    Some(v) => format!("\"qhorGen{:02}\":{v:?}", i + 1),
                    None => format!("\"qhorGen{:02}\":null", i + 1),
                })
                .collect();
            format!(
                r#"{{"dgenYmd":"{:04}{:02}{:02}","ippt":"{}","hogi":"{}","ipptNam":"n",{}}}"#,
                r.day.0,
                r.day.1,
                r.day.2,
                r.code,
                r.unit,
                hours.join(",")
            )
        })
        .collect();
    format!(
        r#"{{"response":{{"body":{{"content":[{}]}}}}}}"#,
        content.join(",")
    )
}

/// A PV answer holding `records` (missing hours absent); `single` writes a
/// lone record directly under `<items>`.
fn pv_page(records: &[Record], single: bool) -> String {
    let item = |r: &Record| -> String {
        let hours: String = r
            .hours
            .iter()
            .enumerate()
            .map(|(i, v)| match v {
                Some(v) => format!("<qhorgen{:02}> {v:?} </qhorgen{:02}>", i + 1, i + 1),
                None => String::new(),
            })
            .collect();
        format!(
            "<ymd>{:04}{:02}{:02}</ymd><hogi>{}</hogi><gencd>{}</gencd><ipptnm>p</ipptnm>{hours}",
            r.day.0, r.day.1, r.day.2, r.unit, r.code
        )
    };
    let inner = if single && records.len() == 1 {
        item(&records[0])
    } else {
        records
            .iter()
            .map(|r| format!("<item>{}</item>", item(r)))
            .collect()
    };
    format!("<response><header><resultCode>00</resultCode></header><body><items>{inner}</items></body></response>")
}

/// `records` cut into consecutive bodies at `cuts` (positions, any order).
fn split<T: Clone>(records: &[T], cuts: &[usize]) -> Vec<Vec<T>> {
    let mut at: Vec<usize> = cuts.iter().map(|c| c % (records.len() + 1)).collect();
    at.sort_unstable();
    let mut parts = Vec::new();
    let mut start = 0;
    for end in at.into_iter().chain([records.len()]) {
        parts.push(records[start..end].to_vec());
        start = end;
    }
    parts
}

fn day_ns(day: (i64, i64, i64)) -> i64 {
    energy_transforms::fields::days_from_civil(day.0, day.1, day.2) * 86_400_000_000_000
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(300))]

    /// Wind records written as a JSON page come back as their rows, sorted and de-duplicated.
    #[test]
    fn wind_round_trip(records in proptest::collection::vec(record(), 0..8)) {
        let body = wind_page(&records);
        let out = wind_from_body(body.as_bytes(), HourLabel::End, &Limits::default()).unwrap();

        // The expected rows: the last record of each (code, unit, day), sorted.
        let mut expected: Vec<(String, i64, i64, Option<f64>)> = Vec::new();
        for (i, r) in records.iter().enumerate() {
            let later = records[i + 1..].iter().any(|s| (&s.code, s.unit, s.day) == (&r.code, r.unit, r.day));
            if !later {
                for (h, v) in r.hours.iter().enumerate() {
                    expected.push((r.code.clone(), r.unit, day_ns(r.day) + h as i64 * 3_600_000_000_000, *v));
                }
            }
        }
        expected.sort_by(|a, b| (&a.0, a.1, a.2).cmp(&(&b.0, b.1, b.2)));
        prop_assert_eq!(out.rows(), expected.len());
        prop_assert_eq!(out.duplicates, records.len() * 24 - expected.len());
        for (row, (code, unit, ts, v)) in expected.iter().enumerate() {
            prop_assert_eq!(out.plant_code.get(row), code.as_str());
            prop_assert_eq!(out.unit[row], *unit);
            prop_assert_eq!(out.timestamp[row], *ts);
            match v {
                Some(v) => prop_assert_eq!(out.generation[row], *v),
                None => prop_assert!(out.generation[row].is_nan()),
            }
        }
    }

    /// PV items written as XML come back as their rows; missing hours are NaN, not 0.
    #[test]
    fn pv_round_trip(records in proptest::collection::vec(record(), 1..6), single in any::<bool>()) {
        let body = pv_page(&records, single);
        let out = pv_from_body(body.as_bytes(), &Limits::default()).unwrap();
        prop_assert_eq!(out.rows(), records.len() * 24);
        prop_assert_eq!(out.dropped_invalid(), 0);
        let total: usize = records.iter().map(|r| r.hours.iter().filter(|v| v.is_some()).count()).sum();
        prop_assert_eq!(out.generation.iter().filter(|v| !v.is_nan()).count(), total);
        for w in 0..out.rows().saturating_sub(1) {
            let a = (out.gencd.get(w), out.hogi[w], out.datetime[w]);
            let b = (out.gencd.get(w + 1), out.hogi[w + 1], out.datetime[w + 1]);
            prop_assert!(a <= b);
        }
    }

    /// JSON strings with any characters survive escaping.
    #[test]
    fn json_strings_round_trip(s in "\\PC*") {
        let mut quoted = String::from("\"");
        for ch in s.chars() {
            match ch {
                '"' => quoted.push_str("\\\""),
                '\\' => quoted.push_str("\\\\"),
                c if (c as u32) < 0x20 => quoted.push_str(&format!("\\u{:04x}", c as u32)),
                c if (c as u32) > 0xffff => {
                    let mut units = [0u16; 2];
                    for u in c.encode_utf16(&mut units) {
                        quoted.push_str(&format!("\\u{u:04x}"));
                    }
                }
                c => quoted.push(c),
            }
        }
        quoted.push('"');
        let v = json::parse(&quoted, "t").unwrap();
        prop_assert_eq!(v, jiter::JsonValue::Str(s.into()));
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(200))]

    /// A batch of wind bodies is the one body holding all their records, in
    /// body order: sorted and de-duplicated across bodies, reports added up.
    #[test]
    fn wind_batch_is_one_body(records in proptest::collection::vec(record(), 0..10), cuts in proptest::collection::vec(0usize..20, 0..4)) {
        let pages: Vec<String> = split(&records, &cuts).iter().map(|p| wind_page(p)).collect();
        let bodies: Vec<&[u8]> = pages.iter().map(String::as_bytes).collect();
        let batch = wind_from_bodies(&bodies, HourLabel::End, &Limits::default()).unwrap();
        let one = wind_from_body(wind_page(&records).as_bytes(), HourLabel::End, &Limits::default()).unwrap();
        prop_assert_eq!(format!("{batch:?}"), format!("{one:?}"));
    }

    /// A batch of PV bodies is the one body holding all their items.
    #[test]
    fn pv_batch_is_one_body(records in proptest::collection::vec(record(), 0..10), cuts in proptest::collection::vec(0usize..20, 0..4)) {
        let pages: Vec<String> = split(&records, &cuts).iter().map(|p| pv_page(p, false)).collect();
        let bodies: Vec<&[u8]> = pages.iter().map(String::as_bytes).collect();
        let batch = pv_from_bodies(&bodies, &Limits::default()).unwrap();
        let one = pv_from_body(pv_page(&records, false).as_bytes(), &Limits::default()).unwrap();
        prop_assert_eq!(format!("{batch:?}"), format!("{one:?}"));
    }
}

#[test]
fn batch_errors_name_the_first_failing_body() {
    let good = br#"{"response":{"header":{"resultCode":"00"},"body":{"items":""}}}"#.as_slice();
    let no_data =
        br#"{"response":{"header":{"resultCode":"03","resultMsg":"NO_DATA"}}}"#.as_slice();
    let latin1 = b"{\"response\":{\"body\":{\"items\":\"\xe9\"}}}".as_slice();
    let err = asos_from_bodies(
        &[good, latin1, no_data],
        &fields(&["ta"]),
        &Limits::default(),
    )
    .unwrap_err();
    let TransformError::InBody { index, error } = &err else {
        panic!("{err:?}")
    };
    assert_eq!(*index, 1);
    assert!(
        error
            .to_string()
            .contains("body is not UTF-8 (invalid byte at offset 30)"),
        "{error}"
    );
    let err =
        asos_from_bodies(&[good, good, no_data], &fields(&["ta"]), &Limits::default()).unwrap_err();
    assert_eq!(
        err,
        TransformError::Portal {
            code: "03".into(),
            message: "NO_DATA".into()
        }
        .in_body(2)
    );
    let out = asos_from_bodies(&[], &fields(&["ta", "hm"]), &Limits::default()).unwrap();
    assert_eq!((out.rows(), out.values.len()), (0, 2));
    let small = Limits {
        max_body_bytes: 20,
        ..Limits::default()
    };
    let empty = br#"{"response":{}}"#.as_slice();
    let err = wind_from_bodies(&[empty, good], HourLabel::End, &small).unwrap_err();
    assert!(
        err.to_string()
            .starts_with("body 1: wind_to_long: the body is "),
        "{err}"
    );
}

#[test]
fn error_bodies_are_portal_errors() {
    let body = br#"{"response":{"header":{"resultCode":"30","resultMsg":"SERVICE_KEY_IS_NOT_REGISTERED_ERROR"}}}"#;
    let err = asos_from_body(body, &[], &Limits::default()).unwrap_err();
    assert_eq!(
        err,
        TransformError::Portal {
            code: "30".into(),
            message: "SERVICE_KEY_IS_NOT_REGISTERED_ERROR".into()
        }
    );
}
