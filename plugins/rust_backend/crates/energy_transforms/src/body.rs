//! A raw body's text: bodies are UTF-8, with an optional leading byte-order
//! mark. Anything else is refused with one message, the python backend's too
//! (`portal/bodies.py`): the portal answers in UTF-8, so a body in another
//! encoding was damaged or did not come from it, and guessing its encoding
//! would read it differently from one backend to the next.

use crate::error::{Result, TransformError};

const BOM: &str = "\u{feff}";

/// The body as text, its byte-order mark removed; the offset in the error is
/// that of the first invalid byte in `body` as given (BOM included).
pub fn utf8_text<'a>(body: &'a [u8], source: &str) -> Result<&'a str> {
    let text = std::str::from_utf8(body).map_err(|e| {
        TransformError::input(format!(
            "{source}: body is not UTF-8 (invalid byte at offset {}); the portal sends UTF-8, so \
             re-fetch the answer or convert it to UTF-8",
            e.valid_up_to()
        ))
    })?;
    Ok(text.strip_prefix(BOM).unwrap_or(text))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn utf8_with_or_without_bom() {
        assert_eq!(utf8_text(b"{}", "t").unwrap(), "{}");
        assert_eq!(utf8_text(b"\xef\xbb\xbf{}", "t").unwrap(), "{}");
        assert_eq!(utf8_text("영흥".as_bytes(), "t").unwrap(), "영흥");
    }

    #[test]
    fn the_offset_is_in_the_bytes_as_given() {
        let err = |b: &[u8]| utf8_text(b, "t").unwrap_err().to_string();
        assert_eq!(
            err(b"\xef\xbb\xbf{\"a\":\"\xff\"}"),
            "t: body is not UTF-8 (invalid byte at offset 9); the portal sends UTF-8, so \
             re-fetch the answer or convert it to UTF-8"
        );
        // UTF-16 with its BOM: the very first byte.
        assert!(err(b"\xff\xfe{\0}\0").contains("offset 0"));
        // A truncated sequence at the end: where it starts.
        assert!(err("ab영".as_bytes()[..4].as_ref()).contains("offset 2"));
    }
}
