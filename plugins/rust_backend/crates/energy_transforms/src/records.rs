//! Record lists: the parsed payload's records, whichever shape they came in.

use roxmltree::Node;

use crate::error::{Result, TransformError};
use crate::fields::describe_positions;
use crate::pystr::py_strip;
use crate::value::Value;
use crate::{json, xml};

/// A JSON array of record objects, as the Python glue serialises a list of
/// dicts handed to a hook (`source` names the transform in errors).
pub fn from_json_list<'a>(text: &'a str, source: &str) -> Result<Vec<Value<'a>>> {
    let bad = |e: json::JsonError| {
        TransformError::input(format!("{source}: records are not JSON-like: {}", e.0))
    };
    match json::parse(text).map_err(bad)? {
        Value::Array(items) => Ok(items),
        other => Err(TransformError::input(format!(
            "{source}: expected a list of record dicts, got {}",
            other.type_name()
        ))),
    }
}

/// `as_records`' check: every record must be an object.
pub fn require_objects(records: &[Value<'_>], source: &str, what: &str) -> Result<()> {
    let bad: Vec<usize> = (0..records.len())
        .filter(|&i| !records[i].is_object())
        .collect();
    if bad.is_empty() {
        return Ok(());
    }
    Err(TransformError::input(format!(
        "{source}: {what} at positions {} are not objects",
        describe_positions(&bad)
    )))
}

/// ElementTree's `{child.tag: (child.text or "").strip() for child in elem}`.
pub fn from_xml_element<'a>(elem: Node<'a, '_>) -> Value<'a> {
    let members = elem
        .children()
        .filter(Node::is_element)
        .map(|child| {
            let text = xml::text(child);
            let value = match text {
                std::borrow::Cow::Borrowed(s) => std::borrow::Cow::Borrowed(py_strip(s)),
                std::borrow::Cow::Owned(s) => std::borrow::Cow::Owned(py_strip(&s).to_owned()),
            };
            (xml::tag(child), Value::Str(value))
        })
        .collect();
    Value::Object(members)
}

/// One pass over an object's members: `slots[i]` becomes the value of the
/// last member whose key `index` maps to `i` (Python's dict: the last wins).
/// Looking fields up one by one would rescan the members for every field.
pub fn pick<'r, 'a>(
    record: &'r Value<'a>,
    index: impl Fn(&str) -> Option<usize>,
    slots: &mut [Option<&'r Value<'a>>],
) {
    slots.fill(None);
    if let Value::Object(members) = record {
        for (key, value) in members {
            if let Some(i) = index(key) {
                slots[i] = Some(value);
            }
        }
    }
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
        let rec = Value::Object(vec![
            ("a".into(), Value::Int("1")),
            ("b".into(), Value::Int("2")),
            ("a".into(), Value::Int("3")),
        ]);
        let mut slots = [None; 2];
        pick(
            &rec,
            |k| ["a", "b"].iter().position(|n| *n == k),
            &mut slots,
        );
        assert_eq!(slots, [Some(&Value::Int("3")), Some(&Value::Int("2"))]);
    }
}
