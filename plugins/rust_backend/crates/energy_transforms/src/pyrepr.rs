//! `repr(s)` of a Python `str`, as T2's error messages show a value
//! (`e.g. '5\\x002'`): the python backend writes `{value!r}`.

use crate::text::is_space;

/// `repr(s)` for a Python str (quotes and escapes as CPython writes them).
pub fn str_repr(s: &str) -> String {
    let quote = if s.contains('\'') && !s.contains('"') {
        '"'
    } else {
        '\''
    };
    let mut out = String::with_capacity(s.len() + 2);
    out.push(quote);
    for ch in s.chars() {
        match ch {
            '\\' => out.push_str("\\\\"),
            '\t' => out.push_str("\\t"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            c if c == quote => {
                out.push('\\');
                out.push(c);
            }
            c if !is_printable(c) => {
                let cp = u32::from(c);
                if cp <= 0xff {
                    out.push_str(&format!("\\x{cp:02x}"));
                } else if cp <= 0xffff {
                    out.push_str(&format!("\\u{cp:04x}"));
                } else {
                    out.push_str(&format!("\\U{cp:08x}"));
                }
            }
            c => out.push(c),
        }
    }
    out.push(quote);
    out
}

/// `str.isprintable()` for the characters a portal value can plausibly hold:
/// controls, separators other than the space, format characters and private
/// use are not printable. (Unassigned code points, which Python also escapes,
/// are not tracked: that needs the Unicode database.)
fn is_printable(c: char) -> bool {
    let cp = u32::from(c);
    !(cp < 0x20
        || (0x7f..=0xa0).contains(&cp)
        || cp == 0xad
        || (c != ' ' && is_space(c))
        || (0x600..=0x605).contains(&cp)
        || matches!(cp, 0x61c | 0x6dd | 0x70f | 0x8e2 | 0x180e | 0xfeff)
        || (0x200b..=0x200f).contains(&cp)
        || (0x202a..=0x202e).contains(&cp)
        || (0x2060..=0x206f).contains(&cp)
        || (0xfff9..=0xfffb).contains(&cp)
        || (0xe000..=0xf8ff).contains(&cp)
        || cp >= 0xf0000)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn repr_like_python() {
        assert_eq!(str_repr("it's"), "\"it's\"");
        assert_eq!(str_repr("a'\"b\n\u{7}"), "'a\\'\"b\\n\\x07'");
        assert_eq!(str_repr("5\u{0}2"), "'5\\x002'");
        assert_eq!(str_repr("영흥"), "'영흥'");
        assert_eq!(str_repr("\u{3000}"), "'\\u3000'");
    }
}
