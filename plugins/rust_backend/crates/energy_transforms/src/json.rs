//! A JSON reader that accepts exactly what Python's `json.loads(bytes)` accepts
//! on a portal body, and builds [`Value`]s borrowing from the input.
//!
//! Why not serde_json: Python also reads `NaN`, `Infinity` and `-Infinity`,
//! keeps integer literals exact, and lets a repeated key overwrite; the
//! python backend sees those values, so the rust one must too. Encodings
//! follow `json.detect_encoding` (UTF-8 with or without BOM, UTF-16, UTF-32).

use std::borrow::Cow;

use crate::value::Value;

/// Nesting depth refused, like Python's recursion limit (which is about 1000).
const MAX_DEPTH: usize = 1000;

/// Why a body is not JSON, with Python's wording and position.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct JsonError(pub String);

/// The body as text, decoded as `json.loads` decodes bytes.
pub fn decode(body: &[u8]) -> Result<Cow<'_, str>, JsonError> {
    let bad = |e: &dyn std::fmt::Display| JsonError(format!("cannot decode the body: {e}"));
    let utf16 = |bytes: &[u8], be: bool| -> Result<Cow<'_, str>, JsonError> {
        if bytes.len() % 2 != 0 {
            return Err(bad(&"truncated UTF-16 data"));
        }
        let units = bytes.chunks_exact(2).map(|c| {
            if be {
                u16::from_be_bytes([c[0], c[1]])
            } else {
                u16::from_le_bytes([c[0], c[1]])
            }
        });
        char::decode_utf16(units)
            .collect::<Result<String, _>>()
            .map(Cow::Owned)
            .map_err(|e| bad(&e))
    };
    let utf32 = |bytes: &[u8], be: bool| -> Result<Cow<'_, str>, JsonError> {
        if bytes.len() % 4 != 0 {
            return Err(bad(&"truncated UTF-32 data"));
        }
        bytes
            .chunks_exact(4)
            .map(|c| {
                let v = if be {
                    u32::from_be_bytes([c[0], c[1], c[2], c[3]])
                } else {
                    u32::from_le_bytes([c[0], c[1], c[2], c[3]])
                };
                char::from_u32(v).ok_or_else(|| bad(&format!("invalid code point {v:#x}")))
            })
            .collect::<Result<String, _>>()
            .map(Cow::Owned)
    };
    match body {
        [0, 0, 0xfe, 0xff, rest @ ..] => utf32(rest, true),
        [0xff, 0xfe, 0, 0, rest @ ..] => utf32(rest, false),
        [0xfe, 0xff, rest @ ..] => utf16(rest, true),
        [0xff, 0xfe, rest @ ..] => utf16(rest, false),
        [0xef, 0xbb, 0xbf, rest @ ..] => std::str::from_utf8(rest)
            .map(Cow::Borrowed)
            .map_err(|e| bad(&e)),
        [0, b1, _, _, ..] => {
            if *b1 == 0 {
                utf32(body, true)
            } else {
                utf16(body, true)
            }
        }
        [_, 0, b2, b3, ..] => {
            if *b2 != 0 || *b3 != 0 {
                utf16(body, false)
            } else {
                utf32(body, false)
            }
        }
        [0, _] => utf16(body, true),
        [_, 0] => utf16(body, false),
        _ => std::str::from_utf8(body)
            .map(Cow::Borrowed)
            .map_err(|e| bad(&e)),
    }
}

/// Parses a whole document (surrounding whitespace allowed, nothing else).
pub fn parse(text: &str) -> Result<Value<'_>, JsonError> {
    let mut p = Parser {
        s: text,
        b: text.as_bytes(),
        pos: 0,
        items: Vec::new(),
        members: Vec::new(),
    };
    if text.starts_with('\u{feff}') {
        return Err(p.err("Unexpected UTF-8 BOM (decode using utf-8-sig)"));
    }
    p.ws();
    let v = p.value(0)?;
    p.ws();
    if p.pos != p.b.len() {
        return Err(p.err("Extra data"));
    }
    Ok(v)
}

struct Parser<'a> {
    s: &'a str,
    b: &'a [u8],
    pos: usize,
    // Shared stacks that arrays and objects push onto while they are being
    // read; each container then takes its elements in one exact-size
    // allocation, instead of growing its own vector push by push.
    items: Vec<Value<'a>>,
    members: Vec<(Cow<'a, str>, Value<'a>)>,
}

impl<'a> Parser<'a> {
    fn err(&self, what: &str) -> JsonError {
        self.err_at(what, self.pos)
    }

    fn err_at(&self, what: &str, pos: usize) -> JsonError {
        // Python counts characters, not bytes.
        let before = self.s.get(..pos).unwrap_or(self.s);
        let line = before.matches('\n').count() + 1;
        let col = before.rsplit('\n').next().map_or(0, |l| l.chars().count()) + 1;
        let ch = before.chars().count();
        JsonError(format!("{what}: line {line} column {col} (char {ch})"))
    }

    fn ws(&mut self) {
        while let Some(b' ' | b'\t' | b'\n' | b'\r') = self.b.get(self.pos) {
            self.pos += 1;
        }
    }

    fn eat(&mut self, lit: &str) -> bool {
        if self.b[self.pos..].starts_with(lit.as_bytes()) {
            self.pos += lit.len();
            true
        } else {
            false
        }
    }

    fn value(&mut self, depth: usize) -> Result<Value<'a>, JsonError> {
        if depth > MAX_DEPTH {
            return Err(self.err("maximum nesting depth exceeded"));
        }
        let Some(&c) = self.b.get(self.pos) else {
            return Err(self.err("Expecting value"));
        };
        match c {
            b'"' => Ok(Value::Str(self.string()?)),
            b'{' => self.object(depth),
            b'[' => self.array(depth),
            b'n' if self.eat("null") => Ok(Value::Null),
            b't' if self.eat("true") => Ok(Value::Bool(true)),
            b'f' if self.eat("false") => Ok(Value::Bool(false)),
            b'N' if self.eat("NaN") => Ok(Value::Float(f64::NAN)),
            b'I' if self.eat("Infinity") => Ok(Value::Float(f64::INFINITY)),
            b'-' if self.b[self.pos..].starts_with(b"-Infinity") => {
                self.pos += "-Infinity".len();
                Ok(Value::Float(f64::NEG_INFINITY))
            }
            b'-' | b'0'..=b'9' => self.number(),
            _ => Err(self.err("Expecting value")),
        }
    }

    fn digits(&mut self) -> usize {
        let start = self.pos;
        while self.b.get(self.pos).is_some_and(u8::is_ascii_digit) {
            self.pos += 1;
        }
        self.pos - start
    }

    fn number(&mut self) -> Result<Value<'a>, JsonError> {
        let start = self.pos;
        if self.b[self.pos] == b'-' {
            self.pos += 1;
        }
        match self.b.get(self.pos) {
            Some(b'0') => self.pos += 1,
            Some(b'1'..=b'9') => {
                self.digits();
            }
            _ => return Err(self.err_at("Expecting value", start)),
        }
        let mut is_float = false;
        if self.b.get(self.pos) == Some(&b'.')
            && self.b.get(self.pos + 1).is_some_and(u8::is_ascii_digit)
        {
            self.pos += 1;
            self.digits();
            is_float = true;
        }
        if let Some(b'e' | b'E') = self.b.get(self.pos) {
            let save = self.pos;
            self.pos += 1;
            if let Some(b'+' | b'-') = self.b.get(self.pos) {
                self.pos += 1;
            }
            if self.digits() == 0 {
                self.pos = save; // not an exponent: Python stops before the `e`
            } else {
                is_float = true;
            }
        }
        let text = &self.s[start..self.pos];
        Ok(if is_float {
            Value::Float(text.parse().unwrap_or(f64::NAN))
        } else {
            Value::Int(text)
        })
    }

    fn string(&mut self) -> Result<Cow<'a, str>, JsonError> {
        let open = self.pos;
        self.pos += 1;
        let start = self.pos;
        // Fast path: no escapes, borrow the input.
        loop {
            match self.b.get(self.pos) {
                None => return Err(self.err_at("Unterminated string starting at", open)),
                Some(b'"') => {
                    let s = &self.s[start..self.pos];
                    self.pos += 1;
                    return Ok(Cow::Borrowed(s));
                }
                Some(b'\\') => break,
                Some(&c) if c < 0x20 => return Err(self.err("Invalid control character at")),
                Some(_) => self.pos += 1,
            }
        }
        let mut out = String::from(&self.s[start..self.pos]);
        loop {
            let run = self.pos;
            while let Some(&c) = self.b.get(self.pos) {
                if c == b'"' || c == b'\\' || c < 0x20 {
                    break;
                }
                self.pos += 1;
            }
            out.push_str(&self.s[run..self.pos]);
            match self.b.get(self.pos) {
                None => return Err(self.err_at("Unterminated string starting at", open)),
                Some(b'"') => {
                    self.pos += 1;
                    return Ok(Cow::Owned(out));
                }
                Some(b'\\') => self.escape(&mut out)?,
                Some(_) => return Err(self.err("Invalid control character at")),
            }
        }
    }

    fn escape(&mut self, out: &mut String) -> Result<(), JsonError> {
        let at = self.pos;
        self.pos += 1;
        let c = *self
            .b
            .get(self.pos)
            .ok_or_else(|| self.err_at("Unterminated string starting at", at))?;
        self.pos += 1;
        let simple = match c {
            b'"' => '"',
            b'\\' => '\\',
            b'/' => '/',
            b'b' => '\u{8}',
            b'f' => '\u{c}',
            b'n' => '\n',
            b'r' => '\r',
            b't' => '\t',
            b'u' => {
                let hi = self.hex4(at)?;
                let cp = if (0xd800..0xdc00).contains(&hi) && self.b[self.pos..].starts_with(b"\\u")
                {
                    let save = self.pos;
                    self.pos += 2;
                    let lo = self.hex4(at)?;
                    if (0xdc00..0xe000).contains(&lo) {
                        0x10000 + ((hi - 0xd800) << 10) + (lo - 0xdc00)
                    } else {
                        self.pos = save;
                        hi
                    }
                } else {
                    hi
                };
                // Python keeps a lone surrogate in its str; a Rust String cannot.
                char::from_u32(cp)
                    .ok_or_else(|| self.err_at("Unpaired surrogate escape (not supported)", at))?
            }
            _ => return Err(self.err_at("Invalid \\escape", at)),
        };
        out.push(simple);
        Ok(())
    }

    fn hex4(&mut self, at: usize) -> Result<u32, JsonError> {
        let digits = self
            .b
            .get(self.pos..self.pos + 4)
            .ok_or_else(|| self.err_at("Invalid \\uXXXX escape", at))?;
        let mut v = 0u32;
        for &d in digits {
            let x = char::from(d)
                .to_digit(16)
                .ok_or_else(|| self.err_at("Invalid \\uXXXX escape", at))?;
            v = v * 16 + x;
        }
        self.pos += 4;
        Ok(v)
    }

    fn array(&mut self, depth: usize) -> Result<Value<'a>, JsonError> {
        self.pos += 1;
        let base = self.items.len();
        self.ws();
        if self.b.get(self.pos) == Some(&b']') {
            self.pos += 1;
            return Ok(Value::Array(Vec::new()));
        }
        loop {
            self.ws();
            let v = self.value(depth + 1)?;
            self.items.push(v);
            self.ws();
            match self.b.get(self.pos) {
                Some(b',') => self.pos += 1,
                Some(b']') => {
                    self.pos += 1;
                    return Ok(Value::Array(self.items.drain(base..).collect()));
                }
                _ => return Err(self.err("Expecting ',' delimiter")),
            }
        }
    }

    fn object(&mut self, depth: usize) -> Result<Value<'a>, JsonError> {
        self.pos += 1;
        let base = self.members.len();
        self.ws();
        if self.b.get(self.pos) == Some(&b'}') {
            self.pos += 1;
            return Ok(Value::Object(Vec::new()));
        }
        loop {
            self.ws();
            if self.b.get(self.pos) != Some(&b'"') {
                return Err(self.err("Expecting property name enclosed in double quotes"));
            }
            let key = self.string()?;
            self.ws();
            if self.b.get(self.pos) != Some(&b':') {
                return Err(self.err("Expecting ':' delimiter"));
            }
            self.pos += 1;
            self.ws();
            let v = self.value(depth + 1)?;
            self.members.push((key, v));
            self.ws();
            match self.b.get(self.pos) {
                Some(b',') => self.pos += 1,
                Some(b'}') => {
                    self.pos += 1;
                    return Ok(Value::Object(self.members.drain(base..).collect()));
                }
                _ => return Err(self.err("Expecting ',' delimiter")),
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn p(s: &str) -> Value<'_> {
        parse(s).unwrap()
    }

    #[test]
    fn python_extensions_and_exact_ints() {
        assert!(matches!(p("NaN"), Value::Float(v) if v.is_nan()));
        assert_eq!(p(" -Infinity "), Value::Float(f64::NEG_INFINITY));
        assert_eq!(
            p("123456789012345678901234567890"),
            Value::Int("123456789012345678901234567890")
        );
        assert_eq!(p("1E+2"), Value::Float(100.0));
        assert_eq!(p("-0.0"), Value::Float(-0.0));
    }

    #[test]
    fn strings_and_escapes() {
        assert_eq!(
            p(r#""a\"b\u00e9\ud83d\ude00\n""#),
            Value::Str("a\"bé😀\n".into())
        );
        assert!(parse("\"a\u{1}\"").is_err());
        assert!(parse(r#""\ud800""#).is_err());
        assert!(parse(r#""\x""#).is_err());
    }

    #[test]
    fn structure_and_errors() {
        let v = p(r#"{"a": [1, 2.5, null, true], "a": "last"}"#);
        assert_eq!(v.get("a"), Some(&Value::Str("last".into())));
        for bad in [
            "",
            "[1,]",
            "{\"a\":1,}",
            "01",
            "[1] x",
            "{'a': 1}",
            "nul",
            "-",
            "1.",
            "[",
            "\u{feff}1",
        ] {
            assert!(parse(bad).is_err(), "{bad:?}");
        }
        assert_eq!(
            parse("[1").unwrap_err().0,
            "Expecting ',' delimiter: line 1 column 3 (char 2)"
        );
        let deep = "[".repeat(2000) + &"]".repeat(2000);
        assert!(parse(&deep).is_err());
    }

    #[test]
    fn decodes_like_json_detect_encoding() {
        let utf16: Vec<u8> = "[1]".encode_utf16().flat_map(u16::to_le_bytes).collect();
        assert_eq!(decode(&utf16).unwrap(), "[1]");
        assert_eq!(decode(b"\xef\xbb\xbf[1]").unwrap(), "[1]");
        assert!(decode(b"\xff\xff").is_err());
    }
}
