//! T3 `wind_to_long`: Namdong wind records (24 hour fields) to one row per hour.
//!
//! Rules as the python backend's `wind` module states them (records at
//! `response.body.content`, date formats, dropped and duplicate counts). The
//! reshape works on records, not rows: a record's 24 timestamps are fixed
//! offsets from its day, so two records collide exactly when (plant, unit, day)
//! are equal (then every hour collides and the later record wins whole), and
//! records of different days never interleave. Sorting records by (plant,
//! unit, day) therefore sorts the rows, in O(records log records).

use jiter::JsonValue;

use crate::batch::each_body;
use crate::columns::{Interner, StrColumn};
use crate::error::{Result, TransformError};
use crate::fields::{
    control_char, describe_positions, integer, number, parse_day, text, NS_PER_HOUR,
};
use crate::limits::{check_body_size, control_char_error, Limits};
use crate::records::{from_json_list, hour_index, require_objects, scalar, Kind, Record, Scalar};
use crate::text::strip;
use crate::{json, portal};

pub const SOURCE: &str = "wind_to_long";
pub const HOURS: usize = 24;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum HourLabel {
    /// Label N is the interval [N-1:00, N:00), stamped at its start.
    End,
    /// The legacy loader's stamp: label N at N:00 (24 is the next day's 00:00).
    Legacy,
}

impl HourLabel {
    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "end" => Some(Self::End),
            "legacy" => Some(Self::Legacy),
            _ => None,
        }
    }

    fn first_hour(self) -> i64 {
        match self {
            Self::End => 0,
            Self::Legacy => 1,
        }
    }
}

#[derive(Debug, Clone, Default, PartialEq)]
pub struct WindLong {
    pub timestamp: Vec<i64>,
    pub plant_code: StrColumn,
    pub unit: Vec<i64>,
    pub plant_name: StrColumn,
    pub generation: Vec<f64>,
    pub records: usize,
    pub dropped_bad_date: usize,
    pub duplicates: usize,
}

impl WindLong {
    pub fn rows(&self) -> usize {
        self.timestamp.len()
    }
}

/// One page's raw JSON body, refused beyond `limits` before it is parsed.
pub fn wind_from_body(body: &[u8], hour_label: HourLabel, limits: &Limits) -> Result<WindLong> {
    Ok(assemble(vec![read_body(body, limits)?], hour_label))
}

/// Many raw bodies read in parallel, as one output: the records of all the
/// bodies in body order, sorted and de-duplicated across bodies as if they
/// were one body. A failing body is the error, tagged with its index.
pub fn wind_from_bodies(
    bodies: &[&[u8]],
    hour_label: HourLabel,
    limits: &Limits,
) -> Result<WindLong> {
    Ok(assemble(
        each_body(bodies, |b| read_body(b, limits))?,
        hour_label,
    ))
}

/// A JSON array of record objects (the glue serialises a list of dicts so).
pub fn wind_from_records_json(text: &str, hour_label: HourLabel) -> Result<WindLong> {
    let list = from_json_list(text, SOURCE)?;
    let JsonValue::Array(records) = &list else {
        unreachable!("from_json_list returns an array")
    };
    Ok(assemble(vec![read_records(records)?], hour_label))
}

fn read_body(body: &[u8], limits: &Limits) -> Result<Part> {
    check_body_size(body, limits, SOURCE)?;
    portal::with_json_response(body, SOURCE, limits.max_json_depth, |response| {
        let page = json::get(response, "body").filter(|p| json::is_object(p));
        match page.and_then(|p| json::get(p, "content")) {
            None => read_records(&[]),
            Some(c) if json::is_null_or_empty(c) => read_records(&[]),
            Some(c @ JsonValue::Object(_)) => read_records(std::slice::from_ref(c)),
            Some(JsonValue::Array(items)) => read_records(items),
            Some(other) => Err(TransformError::input(format!(
                "{SOURCE}: response.body.content is a {}, expected a list",
                json::type_name(other)
            ))),
        }
    })
}

/// A record kept for output, before sorting.
struct Kept {
    position: usize,
    day: i64,
    code: u32,
    unit: i64,
    name: u32,
    hours: [f64; HOURS],
}

/// One body's records, checked and reduced to what the output needs; its
/// codes and names index its own distinct values.
struct Part {
    kept: Vec<Kept>,
    codes: Vec<String>,
    names: Vec<String>,
    records: usize,
}

const DGEN_YMD: usize = HOURS;
const IPPT: usize = HOURS + 1;
const HOGI: usize = HOURS + 2;
const IPPT_NAM: usize = HOURS + 3;
const SLOTS: usize = HOURS + 4;

fn field_index(key: &str) -> Option<usize> {
    match key {
        "dgenYmd" => Some(DGEN_YMD),
        "ippt" => Some(IPPT),
        "hogi" => Some(HOGI),
        "ipptNam" => Some(IPPT_NAM),
        _ => hour_index(key, "qhorGen"),
    }
}

/// The field name of a slot, for error messages.
fn field_name(slot: usize) -> String {
    match slot {
        DGEN_YMD => "dgenYmd".into(),
        IPPT => "ippt".into(),
        HOGI => "hogi".into(),
        IPPT_NAM => "ipptNam".into(),
        h => format!("qhorGen{:02}", h + 1),
    }
}

/// Every scalar field of every record checked (record by record, fields in
/// slot order), the errors in the python reader's order.
fn read_records(records: &[JsonValue<'_>]) -> Result<Part> {
    require_objects(records, SOURCE, "records")?;
    let mut checked: Vec<[Option<Scalar<'_>>; SLOTS]> = Vec::with_capacity(records.len());
    let mut raw = [None; SLOTS];
    for (position, record) in records.iter().enumerate() {
        Record::Json(record).pick(field_index, &mut raw);
        let mut slots: [Option<Scalar<'_>>; SLOTS] = std::array::from_fn(|_| None);
        for (slot, value) in raw.iter().enumerate() {
            if let Some(value) = *value {
                let kind = if slot == IPPT || slot == IPPT_NAM {
                    Kind::Text
                } else {
                    Kind::Value
                };
                slots[slot] = Some(scalar(value, SOURCE, &field_name(slot), position, kind)?);
            }
        }
        checked.push(slots);
    }
    if !records.is_empty()
        && !records
            .iter()
            .any(|r| Record::Json(r).has_key_starting_with("qhorGen"))
    {
        return Err(TransformError::input(format!(
            "{SOURCE}: the payload has no qhorGen* field (expected qhorGen01..qhorGen24)"
        )));
    }
    let mut codes = Interner::default();
    let mut names = Interner::default();
    let mut kept = Vec::with_capacity(records.len());
    let mut bad = Vec::new();
    // (record position, hour index, character) of the first corrupted hourly value.
    let mut corrupted = None;
    for (position, slots) in checked.iter().enumerate() {
        let Some(day) = slots[DGEN_YMD].as_ref().and_then(parse_day) else {
            continue;
        };
        let code = slots[IPPT].as_ref().map(text).unwrap_or_default();
        let unit = slots[HOGI].as_ref().and_then(integer);
        let (Some(unit), false) = (unit, code.is_empty()) else {
            bad.push(position);
            continue;
        };
        // f"{ipptNam} {unit}".strip(): the name is not stripped on its own.
        let raw_name = match &slots[IPPT_NAM] {
            Some(Scalar::Str(s)) => (*s).to_owned(),
            Some(Scalar::Int(i)) => i.to_string(),
            Some(Scalar::Big(b)) => b.to_string(),
            _ => String::new(),
        };
        let name = format!("{raw_name} {unit}");
        if corrupted.is_none() {
            corrupted = (0..HOURS).find_map(|h| {
                slots[h]
                    .as_ref()
                    .and_then(control_char)
                    .map(|c| (position, h, c))
            });
        }
        let hours = std::array::from_fn(|h| slots[h].as_ref().map_or(f64::NAN, number));
        kept.push(Kept {
            position,
            day,
            code: codes.code(&code),
            unit,
            name: names.code(strip(&name)),
            hours,
        });
    }
    if !bad.is_empty() {
        return Err(TransformError::input(format!(
            "{SOURCE}: records at positions {} have a missing plant code (ippt) or a unit (hogi) \
             that is not an integer",
            describe_positions(&bad)
        )));
    }
    if let Some((position, h, c)) = corrupted {
        let name = format!("qhorGen{:02}", h + 1);
        return Err(control_char_error(SOURCE, "record", position, &name, c));
    }
    Ok(Part {
        kept,
        codes: codes.into_values(),
        names: names.into_values(),
        records: records.len(),
    })
}

/// The parts' records as one record list in part order: sorted by (plant,
/// unit, day), the last of equal keys kept, 24 rows each.
fn assemble(parts: Vec<Part>, hour_label: HourLabel) -> WindLong {
    let mut codes = Interner::default();
    let mut names = Interner::default();
    let mut kept = Vec::with_capacity(parts.iter().map(|p| p.kept.len()).sum());
    let (mut records, mut offset) = (0, 0);
    for part in parts {
        let code_map = codes.recode(&part.codes);
        let name_map = names.recode(&part.names);
        kept.extend(part.kept.into_iter().map(|k| Kept {
            position: offset + k.position,
            code: code_map[k.code as usize],
            name: name_map[k.name as usize],
            ..k
        }));
        records += part.records;
        offset += part.records;
    }
    let dropped_bad_date = records - kept.len();

    let rank = codes.ranks();
    kept.sort_unstable_by_key(|k| (rank[k.code as usize], k.unit, k.day, k.position));
    // Of records with equal (plant, unit, day), only the last in input order survives.
    let survivors: Vec<&Kept> = kept
        .iter()
        .enumerate()
        .filter(|(i, k)| {
            kept.get(i + 1)
                .is_none_or(|n| (n.code, n.unit, n.day) != (k.code, k.unit, k.day))
        })
        .map(|(_, k)| k)
        .collect();

    let rows = survivors.len() * HOURS;
    let mut out = WindLong {
        timestamp: Vec::with_capacity(rows),
        unit: Vec::with_capacity(rows),
        generation: Vec::with_capacity(rows),
        records,
        dropped_bad_date,
        duplicates: (kept.len() - survivors.len()) * HOURS,
        ..WindLong::default()
    };
    let mut code_rows = Vec::with_capacity(rows);
    let mut name_rows = Vec::with_capacity(rows);
    let first = hour_label.first_hour();
    for k in survivors {
        for h in 0..24 {
            out.timestamp.push(k.day + (first + h) * NS_PER_HOUR);
        }
        out.generation.extend_from_slice(&k.hours);
        out.unit.extend(std::iter::repeat_n(k.unit, HOURS));
        code_rows.extend(std::iter::repeat_n(k.code, HOURS));
        name_rows.extend(std::iter::repeat_n(k.name, HOURS));
    }
    out.plant_code = codes.column(code_rows);
    out.plant_name = names.column(name_rows);
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::fields::days_from_civil;

    fn body(records: &str) -> Vec<u8> {
        format!(
            r#"{{"reponse":{{"header":{{"resultCode":"00"}},"body":{{"content":{records}}}}}}}"#
        )
        .into_bytes()
    }

    #[test]
    fn reshapes_sorts_and_dedups() {
        let recs = r#"[
            {"dgenYmd":"20240102","ippt":"B","hogi":"1","ipptNam":"영흥풍력","qhorGen01":"1.5","qhorGen24":null},
            {"dgenYmd":"2024-01-01","ippt":"B","hogi":1,"ipptNam":"영흥풍력","qhorGen01":2},
            {"dgenYmd":"bad","ippt":"A","hogi":1,"qhorGen01":3},
            {"dgenYmd":"20240102","ippt":"B","hogi":"01","ipptNam":"영흥풍력","qhorGen01":" 7 "},
            {"dgenYmd":"20240101","ippt":"A","hogi":2,"ipptNam":null,"qhorGen01":""}
        ]"#;
        let out = wind_from_body(&body(recs), HourLabel::End, &Limits::default()).unwrap();
        assert_eq!(out.records, 5);
        assert_eq!(out.dropped_bad_date, 1);
        assert_eq!(out.duplicates, 24);
        assert_eq!(out.rows(), 72);
        assert_eq!(out.plant_code.get(0), "A");
        assert_eq!(out.plant_name.get(0), "2");
        assert!(out.generation[0].is_nan());
        assert_eq!(out.plant_code.get(24), "B");
        assert_eq!(out.plant_name.get(24), "영흥풍력 1");
        assert_eq!(out.generation[24], 2.0);
        assert_eq!(out.generation[48], 7.0);
        assert!(out.timestamp.windows(2).skip(24).all(|w| w[0] < w[1]));
    }

    /// Python's `json` numbers and keys: NaN/Infinity literals, floats and
    /// integers beyond the float range (±inf), the last of repeated keys.
    #[test]
    fn python_json_numbers_and_repeated_keys() {
        let big = format!("1{}", "0".repeat(400));
        let recs = format!(
            r#"[{{"dgenYmd":"20240101","ippt":"A","hogi":1,"qhorGen01":NaN,"qhorGen02":Infinity,
            "qhorGen03":-Infinity,"qhorGen04":1e999,"qhorGen05":{big},"qhorGen06":-{big},
            "qhorGen07":18446744073709551617,"qhorGen08":1,"qhorGen08":2,"ippt":"B"}}]"#
        );
        let out = wind_from_body(&body(&recs), HourLabel::End, &Limits::default()).unwrap();
        assert!(out.generation[0].is_nan());
        assert_eq!(
            out.generation[1..7],
            [
                f64::INFINITY,
                f64::NEG_INFINITY,
                f64::INFINITY,
                f64::INFINITY,
                f64::NEG_INFINITY,
                18_446_744_073_709_551_616.0
            ]
        );
        assert_eq!(out.generation[7], 2.0);
        assert_eq!(out.plant_code.get(0), "B");
    }

    #[test]
    fn legacy_labels_and_empty_pages() {
        let recs = r#"[{"dgenYmd":"19700101","ippt":"A","hogi":1,"qhorGen24":1}]"#;
        let out = wind_from_body(&body(recs), HourLabel::Legacy, &Limits::default()).unwrap();
        assert_eq!(out.timestamp[0], NS_PER_HOUR);
        assert_eq!(out.timestamp[23], 24 * NS_PER_HOUR);
        for empty in ["null", "\"\"", "[]"] {
            assert_eq!(
                wind_from_body(&body(empty), HourLabel::End, &Limits::default())
                    .unwrap()
                    .rows(),
                0
            );
        }
        let single = r#"{"dgenYmd":"19700101","ippt":"A","hogi":1,"qhorGen01":1}"#;
        assert_eq!(
            wind_from_body(&body(single), HourLabel::End, &Limits::default())
                .unwrap()
                .rows(),
            24
        );
    }

    #[test]
    fn input_errors() {
        let err = |recs: &str| {
            wind_from_body(&body(recs), HourLabel::End, &Limits::default())
                .unwrap_err()
                .to_string()
        };
        assert!(err(r#"[{"dgenYmd":"20240101","ippt":"A","hogi":1}]"#).contains("no qhorGen"));
        assert!(
            err(r#"[{"dgenYmd":"20240101","ippt":" ","hogi":1,"qhorGen01":1}]"#)
                .contains("positions 0")
        );
        assert!(err(
            r#"[{"qhorGen01":1},{"dgenYmd":"20240101","ippt":"A","hogi":1.5,"qhorGen01":1}]"#
        )
        .contains("positions 1"));
        assert!(err(r#"[1, {"qhorGen01":1}]"#).contains("positions 0 are not objects"));
        assert!(err("5").contains("is a int"));
        assert_eq!(
            err(r#"[{"dgenYmd":"20240101","ippt":"A","hogi":1,"qhorGen01":1},{"qhorGen02":[1]}]"#),
            "wind_to_long: field 'qhorGen02' of record 1 holds a JSON array; a string, number or \
             null is expected"
        );
        assert!(err(r#"[{"ippt":{"x":1},"qhorGen01":1}]"#)
            .contains("field 'ippt' of record 0 holds a JSON object"));
    }

    /// The real answer: top-level `reponse`, no header, dashed `dgenYmd`,
    /// `hogi` a string, hours as numbers, numeric strings, null or "", and the
    /// extra fields (`qsum`, `qvodMaxS`, `eai*`, ...) ignored.
    #[test]
    fn real_answer_shape() {
        let body = r#"{"reponse":{"body":{"content":[{"dgenYmd":"2022-01-01","ippt":"9997","hogi":"1",
            "ipptNam":"영흥풍력","qhorGen01":483.687,"qhorGen02":"677.646","qhorGen03":null,"qhorGen04":"",
            "qsum":14283.687,"qavg":595.154,"qvodMaxS":900.0,"qvodMinS":300.0,"qvodMax":900.0,"qvodMin":300.0,
            "eaidml":null,"eaiflag":null,"eaimsg":null}]}}}"#
            .as_bytes();
        let out = wind_from_body(body, HourLabel::End, &Limits::default()).unwrap();
        assert_eq!((out.records, out.rows(), out.dropped_bad_date), (1, 24, 0));
        assert_eq!(
            out.timestamp[0],
            days_from_civil(2022, 1, 1) * 24 * NS_PER_HOUR
        );
        assert_eq!(out.unit[0], 1);
        assert_eq!(out.plant_name.get(0), "영흥풍력 1");
        assert_eq!(out.generation[..2], [483.687, 677.646]);
        assert!(out.generation[2].is_nan() && out.generation[3].is_nan());
        let with_800 = body_with_header("800");
        assert_eq!(
            wind_from_body(&with_800, HourLabel::End, &Limits::default())
                .unwrap()
                .rows(),
            24
        );
        let e = wind_from_body(&body_with_header("22"), HourLabel::End, &Limits::default())
            .unwrap_err();
        assert!(matches!(e, TransformError::Portal { code, .. } if code == "22"));
    }

    fn body_with_header(code: &str) -> Vec<u8> {
        format!(
            r#"{{"response":{{"header":{{"resultCode":"{code}","resultMsg":"m"}},"body":{{"content":[{{"dgenYmd":"20251231","ippt":"9997","hogi":"1","qhorGen24":1971.528}}]}}}}}}"#
        )
        .into_bytes()
    }

    #[test]
    fn control_character_in_an_hourly_value_is_an_input_error() {
        let recs = r#"[{"dgenYmd":"20240301","ippt":"9997","hogi":"1","qhorGen01":"\t1\n"},
            {"dgenYmd":"20240301","ippt":"9995","hogi":"1","qhorGen02":"x","qhorGen03":"5\u00002"}]"#;
        let e = wind_from_body(&body(recs), HourLabel::End, &Limits::default()).unwrap_err();
        assert_eq!(
            e,
            control_char_error(SOURCE, "record", 1, "qhorGen03", '\0'),
            "{e}"
        );
    }

    #[test]
    fn limits_are_checked_before_parsing() {
        // The document, reponse, body and content: 4 levels.
        let limit = |max_json_depth| Limits {
            max_json_depth,
            ..Limits::default()
        };
        assert!(wind_from_body(&body("[]"), HourLabel::End, &limit(4)).is_ok());
        let e = wind_from_body(&body("[]"), HourLabel::End, &limit(3)).unwrap_err();
        assert!(
            e.to_string().starts_with(
                "wind_to_long: the JSON body nests 4 levels deep, more than the limit of 3;"
            ),
            "{e}"
        );
        let small = Limits {
            max_body_bytes: 10,
            ..Limits::default()
        };
        let e = wind_from_body(b"[[[[[[[[[[[", HourLabel::End, &small).unwrap_err();
        assert!(e.to_string().contains("the body is 11 bytes"), "{e}");
    }
}
