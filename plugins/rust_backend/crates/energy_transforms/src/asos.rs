//! T5 `asos_to_frame`: KMA ASOS hourly JSON to columns, one row per item in
//! payload order. Rules as the python backend's `asos` module states them;
//! the `fields` list itself is validated by the Python glue.

use jiter::JsonValue;

use crate::batch::each_body;
use crate::columns::{Interner, StrColumn};
use crate::error::{Result, TransformError};
use crate::fields::{control_char, describe_positions, integer, number, parse_minute, text};
use crate::limits::{check_body_size, control_char_error, Limits};
use crate::records::{require_objects, scalar, Kind, Record, Scalar};
use crate::{json, portal};

pub const SOURCE: &str = "asos_to_frame";

#[derive(Debug, Clone, Default, PartialEq)]
pub struct AsosFrame {
    pub tm: Vec<i64>,
    pub stn_id: Vec<i64>,
    pub stn_nm: StrColumn,
    /// One column per requested field, in the requested order.
    pub values: Vec<Vec<f64>>,
}

impl AsosFrame {
    pub fn rows(&self) -> usize {
        self.tm.len()
    }
}

/// The raw JSON body, refused beyond `limits` before it is parsed.
pub fn asos_from_body(body: &[u8], fields: &[String], limits: &Limits) -> Result<AsosFrame> {
    check_body_size(body, limits, SOURCE)?;
    portal::with_json_response(body, SOURCE, limits.max_json_depth, |response| {
        let page = json::get(response, "body").filter(|p| json::is_object(p));
        let mut items = page.and_then(|p| json::get(p, "items"));
        if let Some(obj @ JsonValue::Object(_)) = items {
            items = json::get(obj, "item");
        }
        match items {
            None => build(&[], fields),
            Some(v) if json::is_null_or_empty(v) => build(&[], fields),
            Some(one @ JsonValue::Object(_)) => build(std::slice::from_ref(one), fields),
            Some(JsonValue::Array(list)) => build(list, fields),
            Some(other) => Err(TransformError::input(format!(
                "{SOURCE}: response.body.items is a {}, expected a list of items",
                json::type_name(other)
            ))),
        }
    })
}

/// Many raw bodies read in parallel, as one frame: body order, then each
/// body's item order. A failing body is the error, tagged with its index.
pub fn asos_from_bodies(bodies: &[&[u8]], fields: &[String], limits: &Limits) -> Result<AsosFrame> {
    let parts = each_body(bodies, |b| asos_from_body(b, fields, limits))?;
    let rows = parts.iter().map(AsosFrame::rows).sum();
    let mut names = Interner::default();
    let mut codes = Vec::with_capacity(rows);
    let mut out = AsosFrame {
        tm: Vec::with_capacity(rows),
        stn_id: Vec::with_capacity(rows),
        values: vec![Vec::with_capacity(rows); fields.len()],
        ..AsosFrame::default()
    };
    for part in parts {
        out.tm.extend(part.tm);
        out.stn_id.extend(part.stn_id);
        for (col, values) in out.values.iter_mut().zip(part.values) {
            col.extend(values);
        }
        let map = names.recode(&part.stn_nm.values);
        codes.extend(part.stn_nm.codes.iter().map(|&c| map[c as usize]));
    }
    out.stn_nm = names.column(codes);
    Ok(out)
}

const TM: usize = 0;
const STN_ID: usize = 1;
const STN_NM: usize = 2;

fn build(items: &[JsonValue<'_>], fields: &[String]) -> Result<AsosFrame> {
    require_objects(items, SOURCE, "items")?;
    // Slots: tm, stnId, stnNm, then the requested fields in order.
    let index = |key: &str| match key {
        "tm" => Some(TM),
        "stnId" => Some(STN_ID),
        "stnNm" => Some(STN_NM),
        _ => fields.iter().position(|f| f == key).map(|i| 3 + i),
    };
    let name = |slot: usize| match slot {
        TM => "tm",
        STN_ID => "stnId",
        STN_NM => "stnNm",
        f => &fields[f - 3],
    };
    // Every scalar field of every item checked first (item by item, slot order).
    let mut checked: Vec<Vec<Option<Scalar<'_>>>> = Vec::with_capacity(items.len());
    let mut raw = vec![None; 3 + fields.len()];
    for (i, item) in items.iter().enumerate() {
        Record::Json(item).pick(index, &mut raw);
        let mut slots = Vec::with_capacity(raw.len());
        for (slot, value) in raw.iter().enumerate() {
            let kind = if slot == STN_NM {
                Kind::Text
            } else {
                Kind::Value
            };
            slots.push(match *value {
                Some(v) => Some(scalar(v, SOURCE, name(slot), i, kind)?),
                None => None,
            });
        }
        checked.push(slots);
    }
    let mut lacking: Vec<Vec<usize>> = vec![Vec::new(); fields.len()];
    // Per field, the first item whose value holds a control character.
    let mut corrupted: Vec<Option<(usize, char)>> = vec![None; fields.len()];
    let mut bad = Vec::new();
    let mut names = Interner::default();
    let mut codes = Vec::with_capacity(items.len());
    let mut out = AsosFrame {
        tm: Vec::with_capacity(items.len()),
        stn_id: Vec::with_capacity(items.len()),
        values: vec![Vec::with_capacity(items.len()); fields.len()],
        ..AsosFrame::default()
    };
    for (i, slots) in checked.iter().enumerate() {
        for (f, slot) in slots[3..].iter().enumerate() {
            match slot {
                Some(v) => {
                    if corrupted[f].is_none() {
                        corrupted[f] = control_char(v).map(|c| (i, c));
                    }
                    out.values[f].push(number(v));
                }
                None => lacking[f].push(i),
            }
        }
        let tm = slots[TM].as_ref().and_then(parse_minute);
        let stn = slots[STN_ID].as_ref().and_then(integer);
        match (tm, stn) {
            (Some(tm), Some(stn)) => {
                out.tm.push(tm);
                out.stn_id.push(stn);
            }
            _ => bad.push(i),
        }
        codes.push(names.code(&slots[STN_NM].as_ref().map(text).unwrap_or_default()));
    }
    // The python reader's order: a lacking field first (in field order), then bad rows.
    if let Some((f, rows)) = lacking
        .iter()
        .enumerate()
        .find(|(_, rows)| !rows.is_empty())
    {
        return Err(TransformError::input(format!(
            "{SOURCE}: requested field '{}' is missing from the payload (items {})",
            fields[f],
            describe_positions(rows)
        )));
    }
    if !bad.is_empty() {
        return Err(TransformError::input(format!(
            "{SOURCE}: items {} have a time (tm, 'YYYY-MM-DD HH:MM') or station id (stnId) that \
             does not parse",
            describe_positions(&bad)
        )));
    }
    // The python reader's order: the first field (in requested order) with one.
    if let Some((f, (i, c))) = corrupted
        .iter()
        .enumerate()
        .find_map(|(f, hit)| hit.map(|h| (f, h)))
    {
        return Err(control_char_error(SOURCE, "item", i, &fields[f], c));
    }
    out.stn_nm = names.column(codes);
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn body(items: &str) -> Vec<u8> {
        format!(r#"{{"response":{{"header":{{"resultCode":"00","resultMsg":"NORMAL_SERVICE"}},"body":{{"items":{items},"totalCount":1}}}}}}"#).into_bytes()
    }

    fn f(names: &[&str]) -> Vec<String> {
        names.iter().map(|s| (*s).to_owned()).collect()
    }

    #[test]
    fn one_row_per_item() {
        let items = r#"{"item":[{"tm":"2024-01-31 13:00","stnId":"108","stnNm":" 서울 ","ta":"-1.5","hm":""},
                                {"tm":"2024-01-31 14:00","stnId":"108","stnNm":"서울","ta":"0","hm":"55"}]}"#;
        let out = asos_from_body(&body(items), &f(&["ta", "hm"]), &Limits::default()).unwrap();
        assert_eq!(out.stn_id, vec![108, 108]);
        assert_eq!(out.stn_nm.get(0), "서울");
        assert_eq!(out.values[0], vec![-1.5, 0.0]);
        assert!(out.values[1][0].is_nan());
        for empty in ["\"\"", "null", "{}", "{\"item\":[]}", "{\"item\":\"\"}"] {
            assert_eq!(
                asos_from_body(&body(empty), &f(&["ta"]), &Limits::default())
                    .unwrap()
                    .tm
                    .len(),
                0,
                "{empty}"
            );
        }
        let single = r#"{"item":{"tm":"2024-01-31 13:00","stnId":108,"stnNm":"서울","ta":1}}"#;
        assert_eq!(
            asos_from_body(&body(single), &f(&["ta"]), &Limits::default())
                .unwrap()
                .tm
                .len(),
            1
        );
    }

    #[test]
    fn errors() {
        let items = r#"[{"tm":"2024-01-31 13:00","stnId":"108","stnNm":"a","ta":"1"},{"tm":"x","stnId":"1","stnNm":"a"}]"#;
        let e = asos_from_body(&body(items), &f(&["ta"]), &Limits::default())
            .unwrap_err()
            .to_string();
        assert!(
            e.contains("requested field 'ta' is missing from the payload (items 1)"),
            "{e}"
        );
        let e = asos_from_body(&body(items), &f(&[]), &Limits::default())
            .unwrap_err()
            .to_string();
        assert!(e.contains("items 1 have a time"), "{e}");
        let e = asos_from_body(
            br#"{"response":{"header":{"resultCode":"22","resultMsg":"LIMITED"}}}"#,
            &f(&[]),
            &Limits::default(),
        );
        assert!(
            matches!(e, Err(TransformError::Portal { code, message }) if code == "22" && message == "LIMITED")
        );
    }

    /// A real record: every value a string, `""` missing (QC flag "9"), and
    /// the page's paging fields as JSON numbers next to `items`.
    #[test]
    fn real_page_with_numeric_paging_fields() {
        let body = r#"{"response":{"header":{"resultCode":"00","resultMsg":"NORMAL_SERVICE"},
            "body":{"dataType":"JSON","items":{"item":[
              {"tm":"2019-01-20 01:00","rnum":"1","stnId":"108","stnNm":"서울","ta":"3.6","taQcflg":"","hm":"76","hmQcflg":""},
              {"tm":"2019-01-20 03:00","rnum":"3","stnId":"108","stnNm":"서울","ta":"","taQcflg":"9","hm":"","hmQcflg":"9"}]},
            "pageNo":1,"numOfRows":10,"totalCount":2}}}"#
            .as_bytes();
        let out = asos_from_body(body, &f(&["ta", "hm"]), &Limits::default()).unwrap();
        assert_eq!(out.stn_id, vec![108, 108]);
        // values[k] is the column of fields[k]: ta, then hm
        assert_eq!((out.values[0][0], out.values[1][0]), (3.6, 76.0));
        assert!(out.values[0][1].is_nan() && out.values[1][1].is_nan());
    }

    #[test]
    fn control_character_names_the_first_field_then_item() {
        let items = r#"[{"tm":"2024-01-01 01:00","stnId":"108","ta":"1","hm":"5\u001f"},
            {"tm":"2024-01-01 02:00","stnId":"108","ta":"\u00002","hm":"1"}]"#;
        let e = asos_from_body(&body(items), &f(&["ta", "hm"]), &Limits::default()).unwrap_err();
        assert_eq!(e, control_char_error(SOURCE, "item", 1, "ta", '\0'));
        let e = asos_from_body(&body(items), &f(&["hm"]), &Limits::default()).unwrap_err();
        assert_eq!(e, control_char_error(SOURCE, "item", 0, "hm", '\u{1f}'));
    }
}
