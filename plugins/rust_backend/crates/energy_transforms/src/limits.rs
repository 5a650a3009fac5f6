//! Input limits (`[limits]` in the settings) and the corrupted-value rule,
//! with the python backend's exact rules and messages
//! (`portal/limits.py`; the conformance tests compare the two
//! backends' messages for equality):
//!
//! * body size (T3-T5): a raw body longer than `max_body_bytes` is refused
//!   before anything reads it;
//! * JSON nesting depth (T3, T5): the deepest running count of `[`/`{` minus
//!   `]`/`}` outside strings, where a `"` preceded by an odd number of
//!   backslashes neither opens nor closes a string; computed in one pass over
//!   the decoded body's UTF-8 bytes, before the (recursive) reader sees it;
//! * control characters: a string numeric value that, stripped of the
//!   whitespace pandas ignores around a number, still holds a C0 control
//!   character (U+0000..U+001F) is an input error naming where it is.

use crate::error::{Result, TransformError};

/// `LimitSettings.max_body_bytes`' default: a real page is under 1 MB.
pub const DEFAULT_MAX_BODY_BYTES: usize = 64 * 1024 * 1024;
/// `LimitSettings.max_json_depth`' default: real answers nest at most 6 deep.
pub const DEFAULT_MAX_JSON_DEPTH: usize = 64;

/// The limits one call applies (the Python glue passes the configured ones).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    pub max_body_bytes: usize,
    pub max_json_depth: usize,
}

impl Default for Limits {
    fn default() -> Self {
        Self {
            max_body_bytes: DEFAULT_MAX_BODY_BYTES,
            max_json_depth: DEFAULT_MAX_JSON_DEPTH,
        }
    }
}

/// Refuses a body longer than `limits.max_body_bytes`.
pub fn check_body_size(body: &[u8], limits: &Limits, source: &str) -> Result<()> {
    if body.len() > limits.max_body_bytes {
        return Err(TransformError::input(format!(
            "{source}: the body is {} bytes, more than the limit of {} bytes; raise [limits] \
             max_body_bytes (ENERGY_LIMITS__MAX_BODY_BYTES) if a real answer is this large",
            body.len(),
            limits.max_body_bytes
        )));
    }
    Ok(())
}

/// The deepest bracket nesting outside strings of JSON text (module rule).
/// Malformed text may close more than it opened; the count then goes below
/// zero and the deepest point is still what the python scan reports.
pub fn json_depth(text: &[u8]) -> i64 {
    let (mut depth, mut deepest, mut in_string, mut backslashes) = (0i64, 0i64, false, 0usize);
    for &b in text {
        if b == b'\\' {
            backslashes += 1;
            continue;
        }
        match b {
            b'"' if backslashes % 2 == 0 => in_string = !in_string,
            b'[' | b'{' if !in_string => {
                depth += 1;
                deepest = deepest.max(depth);
            }
            b']' | b'}' if !in_string => depth -= 1,
            _ => {}
        }
        backslashes = 0;
    }
    deepest
}

/// Refuses JSON text nesting deeper than `max_depth`.
pub fn check_json_depth(text: &str, max_depth: usize, source: &str) -> Result<()> {
    let depth = json_depth(text.as_bytes());
    if usize::try_from(depth).is_ok_and(|d| d > max_depth) {
        return Err(TransformError::input(format!(
            "{source}: the JSON body nests {depth} levels deep, more than the limit of \
             {max_depth}; raise [limits] max_json_depth (ENERGY_LIMITS__MAX_JSON_DEPTH, at most \
             500) if a real answer nests this deep"
        )));
    }
    Ok(())
}

/// The first C0 control character of a numeric string, whitespace around it excepted.
pub fn control_char(s: &str) -> Option<char> {
    s.trim_matches([' ', '\t', '\n', '\x0b', '\x0c', '\r'])
        .chars()
        .find(|c| *c < '\x20')
}

/// The error for `what` (`record`/`item`) number `position` whose numeric
/// field `name` holds the control character `ch`. Field names are the
/// contract's identifiers (the glue checks T5's `fields`), so the python
/// backend's `repr` of one is the name in single quotes.
pub fn control_char_error(
    source: &str,
    what: &str,
    position: usize,
    name: &str,
    ch: char,
) -> TransformError {
    TransformError::input(format!(
        "{source}: {what} {position} field '{name}' holds the control character U+{:04X} in a \
         numeric value; a corrupted value is an input error, not a gap (a gap is an empty string \
         or null)",
        u32::from(ch)
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn depth_counts_brackets_outside_strings() {
        assert_eq!(json_depth(b""), 0);
        assert_eq!(json_depth(b"{\"a\": [1, {\"b\": []}]}"), 4);
        assert_eq!(json_depth(b"[\"[[[\", \"]\"]"), 1);
        // An escaped quote does not end the string; an escaped backslash does not escape it.
        assert_eq!(json_depth(br#"["\"[[", "\\", [[]]]"#), 3);
        assert_eq!(json_depth(br#"["\\\"[", [[]]]"#), 3);
        assert_eq!(json_depth("[".repeat(100_000).as_bytes()), 100_000);
        assert_eq!(json_depth(b"]]][["), 0);
    }

    #[test]
    fn depth_error_names_limit_value_and_setting() {
        let deep = "[".repeat(70);
        let e = check_json_depth(&deep, 64, "t").unwrap_err();
        assert_eq!(
            e,
            TransformError::input(
                "t: the JSON body nests 70 levels deep, more than the limit of 64; raise \
                 [limits] max_json_depth (ENERGY_LIMITS__MAX_JSON_DEPTH, at most 500) if a \
                 real answer nests this deep"
            )
        );
        assert!(check_json_depth(&"[".repeat(64), 64, "t").is_ok());
    }

    #[test]
    fn body_size() {
        let limits = Limits {
            max_body_bytes: 3,
            ..Limits::default()
        };
        assert!(check_body_size(b"abc", &limits, "t").is_ok());
        let e = check_body_size(b"abcd", &limits, "t").unwrap_err();
        assert!(
            matches!(&e, TransformError::Input(m) if m.starts_with("t: the body is 4 bytes, more than the limit of 3 bytes; raise [limits] max_body_bytes")),
            "{e}"
        );
    }

    #[test]
    fn control_characters() {
        assert_eq!(control_char("5\u{0}2"), Some('\u{0}'));
        assert_eq!(control_char("\t7\n"), None);
        assert_eq!(control_char(" \u{1f}"), Some('\u{1f}'));
        assert_eq!(control_char("5\t2"), Some('\t'));
        assert_eq!(control_char(""), None);
        assert_eq!(control_char("\u{7f}"), None);
        assert_eq!(control_char("abc"), None);
    }
}
