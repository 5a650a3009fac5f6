//! The whitespace the contract strips around text values (plant codes and
//! names, station names, XML field text): Unicode white space plus the ASCII
//! separators U+001C..U+001F, the set the python backend's `str.strip()`
//! removes. Written out here so that both backends strip the same characters.

/// Whether `ch` is whitespace in the contract's sense (see the module doc).
pub fn is_space(ch: char) -> bool {
    matches!(
        ch,
        '\t'..='\r'
            | '\x1c'..='\x20'
            | '\u{85}'
            | '\u{a0}'
            | '\u{1680}'
            | '\u{2000}'..='\u{200a}'
            | '\u{2028}'
            | '\u{2029}'
            | '\u{202f}'
            | '\u{205f}'
            | '\u{3000}'
    )
}

/// `s` without the contract's whitespace at either end.
pub fn strip(s: &str) -> &str {
    s.trim_matches(is_space)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn strips_unicode_space_and_separators() {
        assert_eq!(strip("\u{3000} a b\x1c\n"), "a b");
        assert_eq!(strip("\u{feff}a"), "\u{feff}a");
        assert_eq!(strip(""), "");
    }
}
