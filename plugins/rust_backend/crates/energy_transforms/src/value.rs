//! A parsed record value, and the conversions the python backend applies to
//! one (through pandas), written out per value so both backends agree:
//!
//! * [`Value::number`]: `pandas.to_numeric(errors="coerce")` then float64;
//! * [`Value::py_str`]: `str(v)`, `None` where pandas sees a missing value
//!   (`None`, float NaN), as `Series.astype("str")` does;
//! * [`Value::text`]: `fillna("").astype("str").str.strip()` (the `texts` helper).
//!
//! JSON bodies give every variant; XML bodies give only `Str`.

use std::borrow::Cow;

use crate::pystr::{float_repr, py_strip, str_repr};

#[derive(Debug, Clone, PartialEq)]
pub enum Value<'a> {
    Null,
    Bool(bool),
    /// A JSON integer literal, kept as text: Python reads it as an exact int.
    Int(&'a str),
    Float(f64),
    Str(Cow<'a, str>),
    Array(Vec<Value<'a>>),
    /// Members in document order; a repeated key is resolved as Python's
    /// `dict` does (the last value wins, at the first key's position).
    Object(Vec<(Cow<'a, str>, Value<'a>)>),
}

impl<'a> Value<'a> {
    /// `obj.get(key)`: the last member named `key`, for an object.
    pub fn get(&self, key: &str) -> Option<&Value<'a>> {
        match self {
            Value::Object(members) => members.iter().rev().find(|(k, _)| k == key).map(|(_, v)| v),
            _ => None,
        }
    }

    pub fn is_object(&self) -> bool {
        matches!(self, Value::Object(_))
    }

    /// Member keys (a repeated key more than once).
    pub fn keys(&self) -> impl Iterator<Item = &str> {
        let members: &[(Cow<'a, str>, Value<'a>)] = match self {
            Value::Object(m) => m,
            _ => &[],
        };
        members.iter().map(|(k, _)| k.as_ref())
    }

    /// Python's type name of the parsed value, for error messages.
    pub fn type_name(&self) -> &'static str {
        match self {
            Value::Null => "NoneType",
            Value::Bool(_) => "bool",
            Value::Int(_) => "int",
            Value::Float(_) => "float",
            Value::Str(_) => "str",
            Value::Array(_) => "list",
            Value::Object(_) => "dict",
        }
    }

    /// `None` or `""`: the python readers' "no value here" test (`x is None or x == ""`).
    pub fn is_none_or_empty(&self) -> bool {
        match self {
            Value::Null => true,
            Value::Str(s) => s.is_empty(),
            _ => false,
        }
    }

    /// `pandas.to_numeric(errors="coerce")` of this one value, as float64.
    pub fn number(&self) -> f64 {
        match self {
            Value::Bool(b) => f64::from(u8::from(*b)),
            Value::Int(text) => text.parse().unwrap_or(f64::NAN),
            Value::Float(v) => *v,
            Value::Str(s) => parse_numeric(s),
            Value::Null | Value::Array(_) | Value::Object(_) => f64::NAN,
        }
    }

    /// The control character that makes a string numeric value corrupted
    /// (`limits::control_char`); other variants never hold one.
    pub fn control_char(&self) -> Option<char> {
        match self {
            Value::Str(s) => crate::limits::control_char(s),
            _ => None,
        }
    }

    /// `str(v)`, or `None` for a value pandas treats as missing.
    pub fn py_str(&self) -> Option<Cow<'_, str>> {
        match self {
            Value::Null => None,
            Value::Float(v) if v.is_nan() => None,
            Value::Str(s) => Some(Cow::Borrowed(s.as_ref())),
            other => Some(Cow::Owned(other.repr())),
        }
    }

    /// The `texts` helper: `str(v)` stripped, `""` for a missing value.
    pub fn text(&self) -> Cow<'_, str> {
        match self.py_str() {
            None => Cow::Borrowed(""),
            Some(Cow::Borrowed(s)) => Cow::Borrowed(py_strip(s)),
            Some(Cow::Owned(s)) => Cow::Owned(py_strip(&s).to_owned()),
        }
    }

    /// `repr(v)` of the Python object `json.loads` makes (`str(v)` for non-strings).
    pub fn repr(&self) -> String {
        match self {
            Value::Null => "None".into(),
            Value::Bool(true) => "True".into(),
            Value::Bool(false) => "False".into(),
            Value::Int(text) => int_text(text),
            Value::Float(v) => float_repr(*v),
            Value::Str(s) => str_repr(s),
            Value::Array(items) => {
                let parts: Vec<String> = items.iter().map(Value::repr).collect();
                format!("[{}]", parts.join(", "))
            }
            Value::Object(members) => {
                let mut seen: Vec<&str> = Vec::with_capacity(members.len());
                let mut parts = Vec::with_capacity(members.len());
                for (k, _) in members {
                    if !seen.contains(&k.as_ref()) {
                        seen.push(k);
                        let v = self.get(k).map(Value::repr).unwrap_or_default();
                        parts.push(format!("{}: {v}", str_repr(k)));
                    }
                }
                format!("{{{}}}", parts.join(", "))
            }
        }
    }
}

/// Python's `str(int(text))` for a JSON integer literal (only `-0` changes).
fn int_text(text: &str) -> String {
    if text == "-0" {
        "0".into()
    } else {
        text.to_owned()
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_like_pandas() {
        let s = |t: &str| Value::Str(Cow::Borrowed(t)).number();
        assert_eq!(s(" 12.5"), 12.5);
        assert_eq!(s("\t7\n"), 7.0);
        assert_eq!(s("1.e5"), 100_000.0);
        assert_eq!(s("+.5e-3"), 0.0005);
        assert_eq!(s("-Infinity"), f64::NEG_INFINITY);
        assert_eq!(s("iNfInItY"), f64::INFINITY);
        assert!(s("Infinity ").is_nan() && s(" inf").is_nan() && s("+-inf").is_nan());
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
            assert!(s(bad).is_nan(), "{bad:?}");
        }
        assert_eq!(Value::Bool(true).number(), 1.0);
        assert_eq!(
            Value::Int("9007199254740993").number(),
            9_007_199_254_740_992.0
        );
        assert!(Value::Null.number().is_nan());
    }

    #[test]
    fn text_like_pandas() {
        assert_eq!(Value::Null.text(), "");
        assert_eq!(Value::Float(f64::NAN).text(), "");
        assert_eq!(Value::Float(2.0).text(), "2.0");
        assert_eq!(Value::Int("-0").text(), "0");
        assert_eq!(Value::Bool(false).text(), "False");
        assert_eq!(Value::Str(" a ".into()).text(), "a");
        let obj = Value::Object(vec![
            ("k".into(), Value::Int("1")),
            ("j".into(), Value::Null),
            ("k".into(), Value::Array(vec![Value::Str("x".into())])),
        ]);
        assert_eq!(obj.text(), "{'k': ['x'], 'j': None}");
        assert_eq!(
            obj.get("k"),
            Some(&Value::Array(vec![Value::Str("x".into())]))
        );
    }
}
