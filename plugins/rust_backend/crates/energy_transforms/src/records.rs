//! Records and the fields a transform reads from them.
//!
//! A record is a JSON object (T3, T5, and T3/T4 record lists) or an XML
//! element whose child elements are its fields (T4). Every field a transform
//! reads is a *scalar field*: it must hold a string, a number, a boolean or
//! null (JSON), or text (XML). An object, an array or child elements there are
//! an input error naming the field and the record's 0-based position in its
//! body's record list; no backend turns them into text. *Text fields* (plant
//! and station codes and names) also refuse booleans and non-integral numbers:
//! their text would be Python's `str()` of the value, which the contract does
//! not ask any backend to reproduce.

use std::borrow::Cow;

use jiter::JsonValue;
use num_bigint::BigInt;
use roxmltree::Node;

use crate::error::{Result, TransformError};
use crate::fields::describe_positions;
use crate::json;
use crate::text::strip;
use crate::xml;

/// One field of a record as found, before its type is checked.
#[derive(Debug, Clone, Copy)]
pub enum Raw<'r, 'a> {
    Json(&'r JsonValue<'a>),
    /// An XML field element's text, stripped.
    Text(&'r str),
    /// An XML field element that has child elements.
    Elements,
}

/// An XML record: its field elements in document order, as (tag, field).
pub type XmlRecord<'a> = Vec<(Cow<'a, str>, XmlField<'a>)>;

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum XmlField<'a> {
    Text(Cow<'a, str>),
    Elements,
}

/// A record of either kind.
#[derive(Debug, Clone, Copy)]
pub enum Record<'r, 'a> {
    Json(&'r JsonValue<'a>),
    Xml(&'r XmlRecord<'a>),
}

/// A checked scalar field value.
#[derive(Debug, Clone, PartialEq)]
pub enum Scalar<'r> {
    Null,
    Bool(bool),
    Int(i64),
    Big(&'r BigInt),
    Float(f64),
    Str(&'r str),
}

/// A JSON array of record objects, as the Python glue serialises a list of
/// dicts handed to a hook (`source` names the transform in errors).
pub fn from_json_list<'a>(text: &'a str, source: &str) -> Result<JsonValue<'a>> {
    let list = JsonValue::parse(text.as_bytes(), true)
        .map_err(|e| TransformError::input(format!("{source}: records are not JSON-like: {e}")))?;
    match list {
        JsonValue::Array(_) => Ok(list),
        other => Err(TransformError::input(format!(
            "{source}: expected a list of record dicts, got {}",
            json::type_name(&other)
        ))),
    }
}

/// `as_records`' check: every record must be an object.
pub fn require_objects(records: &[JsonValue<'_>], source: &str, what: &str) -> Result<()> {
    let bad: Vec<usize> = (0..records.len())
        .filter(|&i| !json::is_object(&records[i]))
        .collect();
    if bad.is_empty() {
        return Ok(());
    }
    Err(TransformError::input(format!(
        "{source}: {what} at positions {} are not objects",
        describe_positions(&bad)
    )))
}

/// An XML element's field elements: `{child.tag: child's stripped text}`.
pub fn from_xml_element<'a>(elem: Node<'a, '_>) -> XmlRecord<'a> {
    elem.children()
        .filter(Node::is_element)
        .map(|child| {
            let field = if child.children().any(|c| c.is_element()) {
                XmlField::Elements
            } else {
                XmlField::Text(match xml::text(child) {
                    Cow::Borrowed(s) => Cow::Borrowed(strip(s)),
                    Cow::Owned(s) => Cow::Owned(strip(&s).to_owned()),
                })
            };
            (xml::tag(child), field)
        })
        .collect()
}

impl<'r, 'a> Record<'r, 'a> {
    /// One pass over the record's fields: `slots[i]` becomes the last field
    /// whose key `index` maps to `i` (a Python dict's rule: the last wins).
    /// Looking fields up one by one would rescan the record for every field.
    pub fn pick(self, index: impl Fn(&str) -> Option<usize>, slots: &mut [Option<Raw<'r, 'a>>]) {
        slots.fill(None);
        match self {
            Record::Json(value) => {
                for (key, value) in json::members(value) {
                    if let Some(i) = index(key) {
                        slots[i] = Some(Raw::Json(value));
                    }
                }
            }
            Record::Xml(fields) => {
                for (key, field) in fields {
                    if let Some(i) = index(key) {
                        slots[i] = Some(match field {
                            XmlField::Text(t) => Raw::Text(t),
                            XmlField::Elements => Raw::Elements,
                        });
                    }
                }
            }
        }
    }

    /// Whether any field name starts with `prefix`.
    pub fn has_key_starting_with(self, prefix: &str) -> bool {
        match self {
            Record::Json(value) => json::members(value)
                .iter()
                .any(|(k, _)| k.starts_with(prefix)),
            Record::Xml(fields) => fields.iter().any(|(k, _)| k.starts_with(prefix)),
        }
    }
}

/// Whether a field is read as text (a code or a name) or as a number or date.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Text,
    Value,
}

fn field_error(
    source: &str,
    name: &str,
    position: usize,
    holds: &str,
    expected: &str,
) -> TransformError {
    TransformError::input(format!(
        "{source}: field '{name}' of record {position} holds {holds}; {expected}"
    ))
}

/// The checked value of field `name` of record `position` (module rule).
/// Field names here are the contract's identifiers (the glue checks T5's),
/// so Python's `repr` of one is the name in single quotes.
pub fn scalar<'r>(
    raw: Raw<'r, '_>,
    source: &str,
    name: &str,
    position: usize,
    kind: Kind,
) -> Result<Scalar<'r>> {
    let scalar_expected = "a string, number or null is expected";
    let text_expected = "a text field takes a string, an integer or null";
    let value = match raw {
        Raw::Text(t) => return Ok(Scalar::Str(t)),
        Raw::Elements => {
            return Err(field_error(
                source,
                name,
                position,
                "XML elements",
                "text is expected",
            ))
        }
        Raw::Json(value) => value,
    };
    let out = match value {
        JsonValue::Object(_) => {
            return Err(field_error(
                source,
                name,
                position,
                "a JSON object",
                scalar_expected,
            ))
        }
        JsonValue::Array(_) => {
            return Err(field_error(
                source,
                name,
                position,
                "a JSON array",
                scalar_expected,
            ))
        }
        JsonValue::Null => Scalar::Null,
        JsonValue::Bool(b) => Scalar::Bool(*b),
        JsonValue::Int(i) => Scalar::Int(*i),
        JsonValue::BigInt(b) => Scalar::Big(b),
        JsonValue::Float(f) => Scalar::Float(*f),
        JsonValue::Str(s) => Scalar::Str(s),
    };
    if kind == Kind::Text {
        if let Scalar::Bool(_) = out {
            return Err(field_error(
                source,
                name,
                position,
                "a JSON boolean",
                text_expected,
            ));
        }
        if let Scalar::Float(_) = out {
            return Err(field_error(
                source,
                name,
                position,
                "a JSON number with a fraction or an exponent (or NaN or Infinity)",
                text_expected,
            ));
        }
    }
    Ok(out)
}

/// `prefix` + `01`..`24` (exactly two digits) to the hour's index 0..23.
pub fn hour_index(key: &str, prefix: &str) -> Option<usize> {
    let digits = key.strip_prefix(prefix)?.as_bytes();
    match digits {
        [a @ b'0'..=b'2', b @ b'0'..=b'9'] => {
            let n = usize::from(a - b'0') * 10 + usize::from(b - b'0');
            (1..=24).contains(&n).then(|| n - 1)
        }
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hour_keys() {
        assert_eq!(hour_index("qhorGen01", "qhorGen"), Some(0));
        assert_eq!(hour_index("qhorGen24", "qhorGen"), Some(23));
        for bad in [
            "qhorGen00",
            "qhorGen25",
            "qhorGen1",
            "qhorGen001",
            "qhorgen01",
            "qhorGen+1",
        ] {
            assert_eq!(hour_index(bad, "qhorGen"), None, "{bad}");
        }
    }

    #[test]
    fn pick_keeps_the_last_duplicate() {
        let rec = json::parse(r#"{"a": 1, "b": 2, "a": 3}"#, "t").unwrap();
        let mut slots = [None; 2];
        Record::Json(&rec).pick(|k| ["a", "b"].iter().position(|n| *n == k), &mut slots);
        let values: Vec<Scalar<'_>> = slots
            .iter()
            .map(|s| scalar(s.unwrap(), "t", "x", 0, Kind::Value).unwrap())
            .collect();
        assert_eq!(values, [Scalar::Int(3), Scalar::Int(2)]);
    }

    #[test]
    fn objects_arrays_and_elements_are_not_scalars() {
        let rec = json::parse(
            r#"{"o": {"x": 1}, "a": [1], "f": 1.0, "b": true, "i": 1}"#,
            "t",
        )
        .unwrap();
        let mut slots = [None; 5];
        let names = ["o", "a", "f", "b", "i"];
        Record::Json(&rec).pick(|k| names.iter().position(|n| *n == k), &mut slots);
        let check = |i: usize, kind| scalar(slots[i].unwrap(), "t", names[i], 4, kind);
        assert_eq!(
            check(0, Kind::Value).unwrap_err().to_string(),
            "t: field 'o' of record 4 holds a JSON object; a string, number or null is expected"
        );
        assert_eq!(
            check(1, Kind::Text).unwrap_err().to_string(),
            "t: field 'a' of record 4 holds a JSON array; a string, number or null is expected"
        );
        assert_eq!(check(2, Kind::Value).unwrap(), Scalar::Float(1.0));
        assert!(check(2, Kind::Text)
            .unwrap_err()
            .to_string()
            .contains("a JSON number with a fraction"));
        assert!(check(3, Kind::Text)
            .unwrap_err()
            .to_string()
            .contains("a JSON boolean"));
        assert_eq!(check(4, Kind::Text).unwrap(), Scalar::Int(1));
        let e = scalar(Raw::Elements, "t", "gencd", 0, Kind::Text).unwrap_err();
        assert_eq!(
            e.to_string(),
            "t: field 'gencd' of record 0 holds XML elements; text is expected"
        );
    }
}
