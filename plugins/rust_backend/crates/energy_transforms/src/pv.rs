//! T4 `pv_to_long`: Nambu PV items (per plant, unit and day) to one row per hour.
//!
//! Rules as the python backend's `pv` module states them: both XML shapes, a
//! missing hourly value is NaN (never 0), items without a valid date, plant
//! code or unit are dropped and counted, no de-duplication. Rows are ordered
//! by (gencd, hogi, datetime), stably: items sort by (gencd, hogi, day), and
//! items of the same key and day interleave hour by hour in input order.

use jiter::JsonValue;
use roxmltree::Node;

use crate::batch::each_body;
use crate::columns::{Interner, StrColumn};
use crate::error::{Result, TransformError};
use crate::fields::{control_char, integer, number, parse_day, text, NS_PER_HOUR};
use crate::limits::{check_body_size, control_char_error, Limits};
use crate::portal;
use crate::records::{
    from_json_list, from_xml_element, hour_index, require_objects, scalar, Kind, Record, Scalar,
    XmlRecord,
};
use crate::runs::to_i64;
use crate::xml;

pub const SOURCE: &str = "pv_to_long";
pub const HOURS: usize = 24;

/// Daily values repeated on each hour: total, average, maximum, minimum.
const DAILY_KEYS: [&str; 4] = ["qvodgen", "qvodavg", "qvodmax", "qvodmin"];

#[derive(Debug, Clone, Default, PartialEq)]
pub struct PvLong {
    pub datetime: Vec<i64>,
    pub gencd: StrColumn,
    pub plant_name: StrColumn,
    pub hogi: Vec<i64>,
    pub generation: Vec<f64>,
    /// `daily[k]` is the column of `DAILY_KEYS[k]`.
    pub daily: [Vec<f64>; 4],
    pub items: usize,
}

impl PvLong {
    pub fn rows(&self) -> usize {
        self.datetime.len()
    }

    pub fn dropped_invalid(&self) -> usize {
        self.items - self.rows() / HOURS
    }
}

/// The raw XML body, refused beyond `limits.max_body_bytes` before it is parsed.
pub fn pv_from_body(body: &[u8], limits: &Limits) -> Result<PvLong> {
    Ok(assemble(vec![read_body(body, limits)?]))
}

/// Many raw bodies read in parallel, as one output: the items of all the
/// bodies in body order, sorted across bodies as if they were one body. A
/// failing body is the error, tagged with its index.
pub fn pv_from_bodies(bodies: &[&[u8]], limits: &Limits) -> Result<PvLong> {
    Ok(assemble(each_body(bodies, |b| read_body(b, limits))?))
}

/// A JSON array of item objects (the glue serialises a list of dicts so).
pub fn pv_from_records_json(text: &str) -> Result<PvLong> {
    let list = from_json_list(text, SOURCE)?;
    let JsonValue::Array(items) = &list else {
        unreachable!("from_json_list returns an array")
    };
    require_objects(items, SOURCE, "records")?;
    let records: Vec<Record<'_, '_>> = items.iter().map(Record::Json).collect();
    Ok(assemble(vec![read_records(&records)?]))
}

fn read_body(body: &[u8], limits: &Limits) -> Result<Part> {
    check_body_size(body, limits, SOURCE)?;
    portal::with_xml_root(body, SOURCE, |root| {
        let items = if xml::is(root, "items") {
            Some(root)
        } else {
            xml::descendant(root, "items")
        };
        let Some(items) = items else {
            if xml::is(root, "body") || xml::descendant(root, "body").is_some() {
                return read_records(&[]);
            }
            return Err(TransformError::input(format!(
                "{SOURCE}: XML body has no <items> (root <{}>)",
                xml::tag(root)
            )));
        };
        let children: Vec<Node<'_, '_>> =
            items.children().filter(|c| xml::is(*c, "item")).collect();
        let fields: Vec<XmlRecord<'_>> = if !children.is_empty() {
            children.into_iter().map(from_xml_element).collect()
        } else if items.children().any(|c| c.is_element()) {
            vec![from_xml_element(items)]
        } else {
            Vec::new()
        };
        let records: Vec<Record<'_, '_>> = fields.iter().map(Record::Xml).collect();
        read_records(&records)
    })
}

struct Kept {
    position: usize,
    day: i64,
    code: u32,
    hogi: i64,
    name: u32,
    hours: [f64; HOURS],
    daily: [f64; 4],
}

/// One body's valid items, with codes and names indexing its own distinct values.
struct Part {
    kept: Vec<Kept>,
    codes: Vec<String>,
    names: Vec<String>,
    items: usize,
}

const YMD: usize = HOURS + 4;
const HOGI: usize = HOURS + 5;
const GENCD: usize = HOURS + 6;
const IPPTNM: usize = HOURS + 7;
const SLOTS: usize = HOURS + 8;

/// Slots: hours 0..24, then the four daily values, then the item's keys.
fn field_index(key: &str) -> Option<usize> {
    match key {
        "ymd" => Some(YMD),
        "hogi" => Some(HOGI),
        "gencd" => Some(GENCD),
        "ipptnm" => Some(IPPTNM),
        _ => DAILY_KEYS
            .iter()
            .position(|k| *k == key)
            .map(|i| HOURS + i)
            .or_else(|| hour_index(key, "qhorgen")),
    }
}

/// The field name of a slot, for error messages.
fn field_name(slot: usize) -> String {
    match slot {
        YMD => "ymd".into(),
        HOGI => "hogi".into(),
        GENCD => "gencd".into(),
        IPPTNM => "ipptnm".into(),
        h if h < HOURS => format!("qhorgen{:02}", h + 1),
        d => DAILY_KEYS[d - HOURS].to_owned(),
    }
}

/// Every scalar field of every item checked first (item by item, fields in
/// slot order), then the items read, in the python reader's order.
fn read_records(records: &[Record<'_, '_>]) -> Result<Part> {
    let mut checked: Vec<[Option<Scalar<'_>>; SLOTS]> = Vec::with_capacity(records.len());
    let mut raw = [None; SLOTS];
    for (position, record) in records.iter().enumerate() {
        record.pick(field_index, &mut raw);
        let mut slots: [Option<Scalar<'_>>; SLOTS] = std::array::from_fn(|_| None);
        for (slot, value) in raw.iter().enumerate() {
            if let Some(value) = *value {
                let kind = if slot == GENCD || slot == IPPTNM {
                    Kind::Text
                } else {
                    Kind::Value
                };
                slots[slot] = Some(scalar(value, SOURCE, &field_name(slot), position, kind)?);
            }
        }
        checked.push(slots);
    }
    let mut codes = Interner::default();
    let mut names = Interner::default();
    let mut kept = Vec::with_capacity(records.len());
    for (position, slots) in checked.iter().enumerate() {
        let day = slots[YMD].as_ref().and_then(parse_day);
        let code = slots[GENCD].as_ref().map(text).unwrap_or_default();
        let hogi = slots[HOGI].as_ref().and_then(integer);
        let (Some(day), Some(hogi), false) = (day, hogi, code.is_empty()) else {
            continue;
        };
        // Hourly fields, then the daily ones: the python reader's order.
        if let Some((i, c)) =
            (0..HOURS + 4).find_map(|i| slots[i].as_ref().and_then(control_char).map(|c| (i, c)))
        {
            return Err(control_char_error(
                SOURCE,
                "item",
                position,
                &field_name(i),
                c,
            ));
        }
        let name = slots[IPPTNM].as_ref().map(text).unwrap_or_default();
        let value = |i: usize| slots[i].as_ref().map_or(f64::NAN, number);
        kept.push(Kept {
            position,
            day,
            code: codes.code(&code),
            hogi,
            name: names.code(&name),
            hours: std::array::from_fn(value),
            daily: std::array::from_fn(|i| value(HOURS + i)),
        });
    }
    Ok(Part {
        kept,
        codes: codes.into_values(),
        names: names.into_values(),
        items: records.len(),
    })
}

/// The parts' items as one item list in part order, rows sorted by
/// (gencd, hogi, datetime), stably.
fn assemble(parts: Vec<Part>) -> PvLong {
    let mut codes = Interner::default();
    let mut names = Interner::default();
    let mut kept = Vec::with_capacity(parts.iter().map(|p| p.kept.len()).sum());
    let (mut items, mut offset) = (0, 0);
    for part in parts {
        let code_map = codes.recode(&part.codes);
        let name_map = names.recode(&part.names);
        kept.extend(part.kept.into_iter().map(|k| Kept {
            position: offset + k.position,
            code: code_map[k.code as usize],
            name: name_map[k.name as usize],
            ..k
        }));
        items += part.items;
        offset += part.items;
    }
    let rank = codes.ranks();
    kept.sort_unstable_by_key(|k| (rank[k.code as usize], k.hogi, k.day, k.position));

    let rows = kept.len() * HOURS;
    let mut out = PvLong {
        datetime: Vec::with_capacity(rows),
        hogi: Vec::with_capacity(rows),
        generation: Vec::with_capacity(rows),
        daily: std::array::from_fn(|_| Vec::with_capacity(rows)),
        items,
        ..PvLong::default()
    };
    let mut code_rows = Vec::with_capacity(rows);
    let mut name_rows = Vec::with_capacity(rows);
    for group in kept.chunk_by(|a, b| (a.code, a.hogi, a.day) == (b.code, b.hogi, b.day)) {
        for h in 0..HOURS {
            for k in group {
                out.datetime.push(k.day + to_i64(h) * NS_PER_HOUR);
                out.hogi.push(k.hogi);
                out.generation.push(k.hours[h]);
                for (col, v) in out.daily.iter_mut().zip(k.daily) {
                    col.push(v);
                }
                code_rows.push(k.code);
                name_rows.push(k.name);
            }
        }
    }
    out.gencd = codes.column(code_rows);
    out.plant_name = names.column(name_rows);
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::fields::days_from_civil;

    const DAY: i64 = 24 * NS_PER_HOUR;

    #[test]
    fn both_shapes() {
        let many = b"<response><header><resultCode>00</resultCode></header><body><items>\
            <item><ymd>20240102</ymd><hogi>1</hogi><gencd>B</gencd><ipptnm> N </ipptnm><qhorgen01>1.5</qhorgen01><qvodgen>9</qvodgen></item>\
            <item><ymd>20240101</ymd><hogi>2</hogi><gencd>A</gencd><qhorgen24>3</qhorgen24></item>\
            <item><ymd>2024013</ymd><hogi>1</hogi><gencd>A</gencd></item>\
            </items></body></response>";
        let out = pv_from_body(many, &Limits::default()).unwrap();
        assert_eq!((out.items, out.rows(), out.dropped_invalid()), (3, 48, 1));
        assert_eq!(out.gencd.get(0), "A");
        assert_eq!(out.datetime[0], days_from_civil(2024, 1, 1) * DAY);
        assert_eq!(out.generation[23], 3.0);
        assert!(out.generation[0].is_nan());
        assert_eq!(out.plant_name.get(24), "N");
        assert_eq!(out.daily[0][24], 9.0);
        let single = b"<response><body><items><ymd>20240101</ymd><hogi>1</hogi><gencd>A</gencd></items></body></response>";
        assert_eq!(pv_from_body(single, &Limits::default()).unwrap().rows(), 24);
        let empty = b"<response><body><items/></body></response>";
        assert_eq!(pv_from_body(empty, &Limits::default()).unwrap().rows(), 0);
        assert_eq!(
            pv_from_body(b"<response><body/></response>", &Limits::default())
                .unwrap()
                .rows(),
            0
        );
        assert!(pv_from_body(b"<response/>", &Limits::default()).is_err());
    }

    #[test]
    fn same_day_items_interleave_by_hour() {
        let body = b"<items><item><ymd>20240101</ymd><hogi>1</hogi><gencd>A</gencd><qhorgen01>1</qhorgen01><qhorgen02>3</qhorgen02></item>\
            <item><ymd>20240101</ymd><hogi>1</hogi><gencd>A</gencd><qhorgen01>2</qhorgen01></item></items>";
        let out = pv_from_body(body, &Limits::default()).unwrap();
        assert_eq!(out.generation[..3], [1.0, 2.0, 3.0]);
    }

    #[test]
    fn errors() {
        let e = pv_from_body(b"<response><header><resultCode>03</resultCode><resultMsg>NODATA_ERROR</resultMsg></header></response>", &Limits::default());
        assert!(matches!(e, Err(TransformError::Portal { code, .. }) if code == "03"));
        let laughs = b"<!DOCTYPE x [<!ENTITY a \"aaaa\">]><items>&a;</items>";
        assert!(
            matches!(pv_from_body(laughs, &Limits::default()), Err(TransformError::Input(m)) if m.contains("DTD"))
        );
        let nested =
            b"<items><item><ymd>20240101</ymd></item><item><gencd><x/></gencd></item></items>";
        assert_eq!(
            pv_from_body(nested, &Limits::default())
                .unwrap_err()
                .to_string(),
            "pv_to_long: field 'gencd' of record 1 holds XML elements; text is expected"
        );
        let mut utf16 = vec![0xff, 0xfe];
        utf16.extend("<items/>".encode_utf16().flat_map(u16::to_le_bytes));
        assert!(pv_from_body(&utf16, &Limits::default())
            .unwrap_err()
            .to_string()
            .starts_with("pv_to_long: body is not UTF-8 (invalid byte at offset 0)"));
    }

    /// The documented answer: header 800, dashed `ymd`, single-record shape,
    /// paging elements (`numOfRows`, `pageNo`, `totalCnt`) after `<items>`.
    #[test]
    fn documented_800_answer_with_dashed_ymd_and_paging() {
        let body = "<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"yes\"?><response><header>\
            <resultCode>800</resultCode><resultMsg>NORMAL_SERVICE.</resultMsg></header><body><items>\
            <ymd>2024-06-01</ymd><gencd>997S</gencd><ipptnm>신인천</ipptnm><hogi>1</hogi>\
            <qvodgen>8547.6</qvodgen><qhorgen06>1</qhorgen06><qhorgen24>0</qhorgen24></items>\
            <numOfRows>10</numOfRows><pageNo>1</pageNo><totalCnt>1</totalCnt></body></response>";
        let out = pv_from_body(body.as_bytes(), &Limits::default()).unwrap();
        assert_eq!((out.items, out.rows(), out.dropped_invalid()), (1, 24, 0));
        assert_eq!(out.datetime[0], days_from_civil(2024, 6, 1) * DAY);
        assert_eq!(
            out.datetime[5],
            days_from_civil(2024, 6, 1) * DAY + 5 * NS_PER_HOUR
        );
        assert_eq!(out.generation[5], 1.0);
        assert_eq!(out.generation[23], 0.0);
        assert!(out.generation[0].is_nan());
        assert_eq!(out.daily[0][0], 8547.6);
        assert_eq!(out.gencd.get(0), "997S");
        // the older undashed date gives the same days (whole-struct equality fails on NaN)
        let undashed = body.replace("2024-06-01", "20240601");
        assert_eq!(
            pv_from_body(undashed.as_bytes(), &Limits::default())
                .unwrap()
                .datetime,
            out.datetime
        );
    }

    #[test]
    fn control_character_in_a_value_of_a_valid_item() {
        let item = |gencd: &str, field: &str, value: &str| {
            format!(
                "<item><ymd>20240601</ymd><hogi>1</hogi><gencd>{gencd}</gencd>\
                 <qhorgen01>1</qhorgen01><{field}>{value}</{field}></item>"
            )
        };
        let doc = format!(
            "<response><body><items>{}{}{}</items></body></response>",
            item("", "qhorgen02", "5\t2"),
            item("B997", "qhorgen02", " 2 "),
            item("B997", "qvodmin", "5\t2"),
        );
        let e = pv_from_body(doc.as_bytes(), &Limits::default()).unwrap_err();
        assert_eq!(e, control_char_error(SOURCE, "item", 2, "qvodmin", '\t'));
        let small = Limits {
            max_body_bytes: doc.len() - 1,
            ..Limits::default()
        };
        let e = pv_from_body(doc.as_bytes(), &small).unwrap_err();
        assert!(e.to_string().starts_with("pv_to_long: the body is "), "{e}");
    }
}
