//! JSON bodies, read by `jiter` (pydantic's parser) with the number rules of
//! Python's `json` module, which the python backend uses:
//!
//! * `NaN`, `Infinity` and `-Infinity` are numbers (`allow_inf_nan`);
//! * an integer literal beyond `i64` is kept exact (`JsonValue::BigInt`) and
//!   read as a float by [`big_to_f64`]: correctly rounded, ±inf beyond the
//!   float range, as the python backend reads a Python int too large for a float;
//! * of repeated keys the last wins ([`get`]; jiter keeps every member).
//!
//! Nesting is bounded before parsing (`limits::check_json_depth`); jiter's own
//! recursion guard (200 levels) only matters if `[limits] max_json_depth` is
//! raised past it.

use std::borrow::Cow;

use jiter::JsonValue;
use num_bigint::BigInt;

use crate::error::{Result, TransformError};

/// Parses JSON text; bad JSON is a `TransformInputError` naming the problem and its index.
pub fn parse<'a>(text: &'a str, source: &str) -> Result<JsonValue<'a>> {
    JsonValue::parse(text.as_bytes(), true)
        .map_err(|e| TransformError::input(format!("{source}: malformed JSON body: {e}")))
}

/// `obj.get(key)` of a Python dict: the last member named `key`.
pub fn get<'r, 'a>(value: &'r JsonValue<'a>, key: &str) -> Option<&'r JsonValue<'a>> {
    match value {
        JsonValue::Object(members) => members.iter().rev().find(|(k, _)| k == key).map(|(_, v)| v),
        _ => None,
    }
}

/// The members of an object, in document order (repeated keys repeated).
pub fn members<'r, 'a>(value: &'r JsonValue<'a>) -> &'r [(Cow<'a, str>, JsonValue<'a>)] {
    match value {
        JsonValue::Object(members) => members,
        _ => &[],
    }
}

pub fn is_object(value: &JsonValue<'_>) -> bool {
    matches!(value, JsonValue::Object(_))
}

/// `None` or `""`: the readers' "no records here" test.
pub fn is_null_or_empty(value: &JsonValue<'_>) -> bool {
    match value {
        JsonValue::Null => true,
        JsonValue::Str(s) => s.is_empty(),
        _ => false,
    }
}

/// The Python type `json.loads` makes of a value, for messages that name it.
pub fn type_name(value: &JsonValue<'_>) -> &'static str {
    match value {
        JsonValue::Null => "NoneType",
        JsonValue::Bool(_) => "bool",
        JsonValue::Int(_) | JsonValue::BigInt(_) => "int",
        JsonValue::Float(_) => "float",
        JsonValue::Str(_) => "str",
        JsonValue::Array(_) => "list",
        JsonValue::Object(_) => "dict",
    }
}

/// An integer literal beyond `i64` as float64: correctly rounded from its
/// digits, ±inf when it is beyond the float range.
pub fn big_to_f64(v: &BigInt) -> f64 {
    // Rust's float parser rounds correctly and gives ±inf on overflow.
    v.to_string().parse().unwrap_or(f64::NAN)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn value(text: &str) -> JsonValue<'_> {
        parse(text, "t").unwrap()
    }

    #[test]
    fn python_number_literals() {
        let JsonValue::Array(items) = value("[NaN, Infinity, -Infinity, 1.5, -0, 7]") else {
            panic!("not an array")
        };
        assert!(matches!(items[0], JsonValue::Float(f) if f.is_nan()));
        assert_eq!(items[1], JsonValue::Float(f64::INFINITY));
        assert_eq!(items[2], JsonValue::Float(f64::NEG_INFINITY));
        assert_eq!(items[3], JsonValue::Float(1.5));
        assert_eq!(items[4], JsonValue::Int(0));
        assert_eq!(items[5], JsonValue::Int(7));
    }

    #[test]
    fn big_integers_are_exact_then_rounded_or_infinite() {
        let big = |text: &str| match value(text) {
            JsonValue::BigInt(b) => big_to_f64(&b),
            other => panic!("{other:?}"),
        };
        assert_eq!(big("18446744073709551617"), 18_446_744_073_709_551_616.0);
        assert_eq!(big("9223372036854775808"), 9_223_372_036_854_775_808.0);
        assert_eq!(big(&format!("1{}", "0".repeat(400))), f64::INFINITY);
        assert_eq!(big(&format!("-1{}", "0".repeat(400))), f64::NEG_INFINITY);
        assert_eq!(value("9223372036854775807"), JsonValue::Int(i64::MAX));
    }

    #[test]
    fn repeated_keys_last_wins() {
        let v = value(r#"{"a": 1, "b": 2, "a": 3}"#);
        assert_eq!(get(&v, "a"), Some(&JsonValue::Int(3)));
        assert_eq!(get(&v, "b"), Some(&JsonValue::Int(2)));
        assert_eq!(get(&v, "c"), None);
        assert_eq!(members(&v).len(), 3);
    }

    #[test]
    fn malformed_text_names_the_problem() {
        for bad in [
            "",
            "{",
            "[1,]",
            "{\"a\" 1}",
            "1 2",
            "'a'",
            "[\"\\ud800\"]",
            "nan",
        ] {
            let e = parse(bad, "t").unwrap_err().to_string();
            assert!(e.starts_with("t: malformed JSON body: "), "{bad:?}: {e}");
        }
    }

    #[test]
    fn nesting_past_jiters_guard_is_malformed_not_a_crash() {
        let deep = format!("{}{}", "[".repeat(300), "]".repeat(300));
        assert!(parse(&deep, "t").is_err());
        let ok = format!("{}{}", "[".repeat(100), "]".repeat(100));
        assert!(parse(&ok, "t").is_ok());
    }
}
