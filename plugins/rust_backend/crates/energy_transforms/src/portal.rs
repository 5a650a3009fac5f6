//! Portal error bodies, and reading a body down to its `response` object.
//!
//! Same rules as the python backend's `payloads` module: a JSON body whose
//! `response` (or misspelt `reponse`) has a `header.resultCode` that is not
//! one of `SUCCESS_CODES`; an XML `header/resultCode` that is not one of
//! `SUCCESS_CODES`; the gateway's
//! `<OpenAPI_ServiceResponse><cmmMsgHeader>` envelope, which arrives with HTTP
//! 200 even when JSON was asked for. Every such body is a `Portal` error,
//! `"03"` (no data) included: classifying codes is the HTTP source's job.

use jiter::JsonValue;
use roxmltree::Node;

use crate::body::utf8_text;
use crate::error::{Result, TransformError};
use crate::text::strip;
use crate::{json, limits, xml};

pub const OK_CODE: &str = "00";
/// Every result code that means success: the Nambu PV service documents
/// `800` / `NORMAL_SERVICE.` as its success header where the others send `00`.
pub const SUCCESS_CODES: [&str; 2] = [OK_CODE, "800"];
pub const UNKNOWN_CODE: &str = "99";
const RESPONSE_KEYS: [&str; 2] = ["response", "reponse"];
/// The whitespace `bytes.lstrip()` removes: where a body's text is looked at.
const ASCII_SPACE: &[u8] = b" \t\n\r\x0b\x0c";

/// Without leading whitespace and byte-order mark (either order), as the
/// python backend's `portal.bodies.strip_start`.
fn strip_start(body: &[u8]) -> &[u8] {
    let lstrip = |b: &[u8]| -> usize { b.iter().take_while(|c| ASCII_SPACE.contains(c)).count() };
    let mut rest = &body[lstrip(body)..];
    rest = rest.strip_prefix(b"\xef\xbb\xbf").unwrap_or(rest);
    &rest[lstrip(rest)..]
}

/// Whether the body's text (past whitespace and a BOM) starts with `<`.
pub fn looks_like_xml(body: &[u8]) -> bool {
    strip_start(body).first() == Some(&b'<')
}

/// Whether a result code (as the portal writes it, stripped) means success.
pub fn is_success(code: &str) -> bool {
    SUCCESS_CODES.contains(&code)
}

fn portal(code: impl Into<String>, message: impl Into<String>) -> TransformError {
    TransformError::Portal {
        code: code.into(),
        message: message.into(),
    }
}

fn stripped_text(node: Option<Node<'_, '_>>) -> String {
    node.map(|n| strip(&xml::text(n)).to_owned())
        .unwrap_or_default()
}

/// Errors for a parsed XML document that is a portal or gateway error body.
pub fn check_xml(root: Node<'_, '_>) -> Result<()> {
    if xml::is(root, "OpenAPI_ServiceResponse") {
        let scope = xml::child(root, "cmmMsgHeader").unwrap_or(root);
        let mut code = stripped_text(xml::child(scope, "returnReasonCode"));
        if code.is_empty() {
            code = UNKNOWN_CODE.into();
        }
        let parts: Vec<String> = ["errMsg", "returnAuthMsg"]
            .iter()
            .map(|name| stripped_text(xml::child(scope, name)))
            .filter(|p| !p.is_empty())
            .collect();
        let message = if parts.is_empty() {
            "gateway error without a message".to_owned()
        } else {
            parts.join(": ")
        };
        return Err(portal(code, message));
    }
    let header = if xml::is(root, "header") {
        Some(root)
    } else {
        xml::descendant(root, "header")
    };
    let Some(header) = header else { return Ok(()) };
    let Some(code_elem) = xml::child(header, "resultCode") else {
        return Ok(());
    };
    let code = stripped_text(Some(code_elem));
    if !is_success(&code) {
        return Err(portal(code, stripped_text(xml::child(header, "resultMsg"))));
    }
    Ok(())
}

/// A JSON header text field (`resultCode`, `resultMsg`): a string stripped,
/// an integer as the portal means it (`0` sent as a number is `"00"` for a
/// code), null as `""` for a message. Anything else is not a portal header.
fn header_text(
    value: Option<&JsonValue<'_>>,
    name: &str,
    source: &str,
    width: usize,
) -> Result<String> {
    match value {
        Some(JsonValue::Str(s)) => Ok(strip(s).to_owned()),
        Some(JsonValue::Int(i)) => Ok(format!("{i:0width$}")),
        Some(JsonValue::BigInt(b)) => Ok(b.to_string()),
        None | Some(JsonValue::Null) if width == 0 => Ok(String::new()),
        _ => Err(TransformError::input(format!(
            "{source}: the header's {name} is not {}; portal answers carry it as one",
            if width == 0 {
                "a string, an integer or null"
            } else {
                "a string or an integer"
            }
        ))),
    }
}

/// Errors for a parsed JSON document whose result code is not a success code.
pub fn check_json(doc: &JsonValue<'_>, source: &str) -> Result<()> {
    for key in RESPONSE_KEYS {
        let Some(response @ JsonValue::Object(_)) = json::get(doc, key) else {
            continue;
        };
        if let Some(header @ JsonValue::Object(_)) = json::get(response, "header") {
            if let Some(code) = json::get(header, "resultCode") {
                let code = header_text(Some(code), "resultCode", source, 2)?;
                if !is_success(&code) {
                    let message =
                        header_text(json::get(header, "resultMsg"), "resultMsg", source, 0)?;
                    return Err(portal(code, message));
                }
            }
        }
        return Ok(());
    }
    Ok(())
}

/// Check an XML body (UTF-8, size checked by the caller), then hand its root element to `read`.
pub fn with_xml_root<R>(
    body: &[u8],
    source: &str,
    read: impl FnOnce(Node<'_, '_>) -> Result<R>,
) -> Result<R> {
    let text = utf8_text(body, source)?;
    // `strip_start` on text: whitespace and a BOM in either order.
    let is_space = |c: char| c.is_ascii() && ASCII_SPACE.contains(&(c as u8));
    let text = text.trim_start_matches(is_space);
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let doc = xml::parse(text.trim_start_matches(is_space), source)?;
    let root = doc.root_element();
    check_xml(root)?;
    read(root)
}

/// Check and parse a JSON body, then hand its `response` object to `read`.
/// The body must be UTF-8 (`body::utf8_text`), and a body nesting deeper
/// than `max_depth` is refused before it is parsed (`limits::check_json_depth`),
/// as the python backend refuses it before `json.loads`.
pub fn with_json_response<R>(
    body: &[u8],
    source: &str,
    max_depth: usize,
    read: impl FnOnce(&JsonValue<'_>) -> Result<R>,
) -> Result<R> {
    let text = utf8_text(body, source)?;
    if looks_like_xml(body) {
        return with_xml_root(body, source, |_| {
            Err(TransformError::input(format!(
                "{source}: expected a JSON body, got XML"
            )))
        });
    }
    limits::check_json_depth(text, max_depth, source)?;
    let doc = json::parse(text, source)?;
    check_json(&doc, source)?;
    for key in RESPONSE_KEYS {
        if let Some(response @ JsonValue::Object(_)) = json::get(&doc, key) {
            return read(response);
        }
    }
    let found = match &doc {
        JsonValue::Object(members) if members.is_empty() => "an empty object".to_owned(),
        JsonValue::Object(members) => {
            let mut keys: Vec<&str> = members.iter().map(|(k, _)| k.as_ref()).collect();
            keys.sort_unstable();
            keys.dedup();
            format!("the keys {}", keys.join(", "))
        }
        other => format!("a {}", json::type_name(other)),
    };
    Err(TransformError::input(format!(
        "{source}: JSON body has no 'response' (or 'reponse') object at the top; found {found}"
    )))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn json_err(body: &str) -> Option<TransformError> {
        with_json_response(body.as_bytes(), "t", 64, |_| Ok(())).err()
    }

    #[test]
    fn json_result_codes() {
        let e = json_err(r#"{"response":{"header":{"resultCode":"03","resultMsg":" NO_DATA "}}}"#);
        assert_eq!(e, Some(portal("03", "NO_DATA")));
        assert_eq!(
            json_err(r#"{"response":{"header":{"resultCode":0}}}"#),
            None
        );
        let e = json_err(r#"{"reponse":{"header":{"resultCode":3,"resultMsg":null}}}"#);
        assert_eq!(e, Some(portal("03", "")));
        assert_eq!(
            json_err(r#"{"response":{"header":{"resultCode":"00"},"body":{}}}"#),
            None
        );
        assert!(
            matches!(json_err("[1]"), Some(TransformError::Input(m)) if m.ends_with("found a list"))
        );
        assert!(
            matches!(json_err("{\"b\":1,\"a\":2,\"b\":3}"), Some(TransformError::Input(m)) if m.ends_with("found the keys a, b"))
        );
        for header in [
            r#"{"resultCode":null}"#,
            r#"{"resultCode":true}"#,
            r#"{"resultCode":3.0}"#,
            r#"{"resultCode":"03","resultMsg":[]}"#,
        ] {
            let body = format!(r#"{{"response":{{"header":{header}}}}}"#);
            assert!(
                matches!(json_err(&body), Some(TransformError::Input(m)) if m.contains("the header's result")),
                "{header}"
            );
        }
    }

    #[test]
    fn gateway_envelope_even_when_json_was_asked() {
        let body = "\u{feff}<OpenAPI_ServiceResponse><cmmMsgHeader><errMsg>SERVICE ERROR</errMsg>\
            <returnAuthMsg>SERVICE_KEY_IS_NOT_REGISTERED_ERROR</returnAuthMsg>\
            <returnReasonCode>30</returnReasonCode></cmmMsgHeader></OpenAPI_ServiceResponse>";
        assert!(looks_like_xml(body.as_bytes()));
        let e = json_err(body);
        assert_eq!(
            e,
            Some(portal(
                "30",
                "SERVICE ERROR: SERVICE_KEY_IS_NOT_REGISTERED_ERROR"
            ))
        );
        let e = json_err("<OpenAPI_ServiceResponse/>");
        assert_eq!(e, Some(portal("99", "gateway error without a message")));
        assert!(
            matches!(json_err("<a/>"), Some(TransformError::Input(m)) if m.contains("got XML"))
        );
    }

    #[test]
    fn xml_header_codes() {
        let body = b"<response><header><resultCode>22</resultCode><resultMsg>LIMITED</resultMsg></header></response>";
        let e = with_xml_root(body, "t", |_| Ok(())).unwrap_err();
        assert_eq!(e, portal("22", "LIMITED"));
        assert!(with_xml_root(
            b"<response><header><resultCode>00</resultCode></header></response>",
            "t",
            |_| Ok(())
        )
        .is_ok());
    }

    /// `00` and `800` (the Nambu PV service's documented `NORMAL_SERVICE.`)
    /// are success, in XML and JSON; a near miss is still an error.
    #[test]
    fn success_codes_00_and_800() {
        let xml_ok = |code: &str| {
            let body = format!(
                "<response><header><resultCode>{code}</resultCode><resultMsg>NORMAL_SERVICE.</resultMsg></header></response>"
            );
            with_xml_root(body.as_bytes(), "t", |_| Ok(()))
        };
        assert!(xml_ok("800").is_ok());
        assert!(xml_ok(" 800 ").is_ok());
        assert!(xml_ok("00").is_ok());
        for code in ["80", "0800", "801", "08", "0"] {
            assert_eq!(
                xml_ok(code).unwrap_err(),
                portal(code, "NORMAL_SERVICE."),
                "{code}"
            );
        }
        assert_eq!(
            json_err(r#"{"response":{"header":{"resultCode":"800"},"body":{}}}"#),
            None
        );
        assert_eq!(
            json_err(r#"{"reponse":{"header":{"resultCode":800},"body":{}}}"#),
            None
        );
        assert_eq!(
            json_err(r#"{"response":{"header":{"resultCode":"801","resultMsg":"X"}}}"#),
            Some(portal("801", "X"))
        );
        assert!(is_success("00") && is_success("800") && !is_success("03"));
    }
}
