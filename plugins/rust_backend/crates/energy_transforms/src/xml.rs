//! Safe XML reading for portal bodies, with ElementTree's view of a document.
//!
//! Any DTD is refused (roxmltree's `allow_dtd = false`), so no entity can be
//! declared, let alone expanded: only the five predefined entities and
//! character references are read, as in every XML document. The helpers give
//! what the python backend reads through `xml.etree`: an element's tag
//! (`{uri}local` when namespaced), its `.text` (the character data before its
//! first child element, comments skipped) and `find` / `.//` lookups.
//!
//! The body is UTF-8 text (`body::utf8_text`): an XML declaration's
//! `encoding` is not read, as the python backend parses the decoded text too.

use std::borrow::Cow;

use roxmltree::{Document, Node, ParsingOptions};

use crate::error::{Result, TransformError};

/// Parses a decoded body; a DTD or a malformed document is a `TransformInputError`.
pub fn parse<'a>(text: &'a str, source: &str) -> Result<Document<'a>> {
    let opt = ParsingOptions {
        allow_dtd: false,
        ..ParsingOptions::default()
    };
    Document::parse_with_options(text, opt).map_err(|e| match e {
        roxmltree::Error::DtdDetected => TransformError::input(format!(
            "{source}: refused XML body with a DTD or entity declaration (DTDForbidden); \
             entities are never expanded"
        )),
        other => TransformError::input(format!("{source}: malformed XML body: {other}")),
    })
}

/// ElementTree's `elem.tag`.
pub fn tag<'a>(node: Node<'a, '_>) -> Cow<'a, str> {
    let name = node.tag_name();
    match name.namespace() {
        Some(ns) => Cow::Owned(format!("{{{ns}}}{}", name.name())),
        None => Cow::Borrowed(name.name()),
    }
}

/// Whether `node` is an element whose ElementTree tag is `name` (no namespace).
pub fn is(node: Node<'_, '_>, name: &str) -> bool {
    node.is_element() && node.tag_name().namespace().is_none() && node.tag_name().name() == name
}

/// ElementTree's `elem.text` (`""` for none).
pub fn text<'a>(node: Node<'a, '_>) -> Cow<'a, str> {
    let mut parts = node
        .children()
        .take_while(|c| !c.is_element())
        .filter(Node::is_text)
        .filter_map(|c| c.text());
    let Some(first) = parts.next() else {
        return Cow::Borrowed("");
    };
    match parts.next() {
        None => Cow::Borrowed(first),
        Some(second) => {
            let mut s = String::from(first);
            s.push_str(second);
            parts.for_each(|p| s.push_str(p));
            Cow::Owned(s)
        }
    }
}

/// `elem.find(name)`: the first child element with that tag.
pub fn child<'a, 'i>(node: Node<'a, 'i>, name: &str) -> Option<Node<'a, 'i>> {
    node.children().find(|c| is(*c, name))
}

/// `elem.find(".//name")`: the first descendant element (document order, `elem` excluded).
pub fn descendant<'a, 'i>(node: Node<'a, 'i>, name: &str) -> Option<Node<'a, 'i>> {
    node.descendants().skip(1).find(|c| is(*c, name))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn doc(s: &str) -> Result<Document<'_>> {
        parse(s, "t")
    }

    #[test]
    fn refuses_dtds_and_unknown_entities() {
        let laughs = r#"<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;">]><lolz>&lol2;</lolz>"#;
        let err = doc(laughs).unwrap_err();
        assert!(err.to_string().contains("DTD"), "{err}");
        assert!(doc("<!DOCTYPE a><a/>").is_err());
        assert!(doc("<a>&foo;</a>").is_err());
    }

    #[test]
    fn element_tree_views() {
        let d = doc("<a xmlns:p='u'>1<!--c-->2<?pi x?>3<![CDATA[<4>]]><p:b>x</p:b>tail<b>&amp;&#65;</b></a>").unwrap();
        let root = d.root_element();
        assert_eq!(text(root), "123<4>");
        let kids: Vec<_> = root.children().filter(Node::is_element).map(tag).collect();
        assert_eq!(kids, vec!["{u}b", "b"]);
        assert_eq!(text(child(root, "b").unwrap()), "&A");
        assert_eq!(text(d.root_element()).len(), 6);
    }

    #[test]
    fn malformed_documents() {
        for bad in [
            "<a>x</a>junk",
            "<a/><b/>",
            "<q:a/>",
            "<a x='1' x='2'/>",
            "<a>\u{1}</a>",
            "",
            " <?xml version='1.0'?><a/>",
        ] {
            assert!(doc(bad).is_err(), "{bad:?}");
        }
        assert!(doc("  <a>x</a>  <!-- c -->").is_ok());
    }

    #[test]
    fn the_declared_encoding_is_not_read() {
        let d = doc("<?xml version=\"1.0\" encoding=\"UTF-16\"?><a>é</a>").unwrap();
        assert_eq!(text(d.root_element()), "é");
    }
}
