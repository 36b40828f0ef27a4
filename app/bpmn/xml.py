"""The one parser for XML that comes from outside: uploaded definitions, edited diagrams, stored versions.

Every BPMN or DMN file is untrusted input. It is parsed without DTDs, entity resolution or network access;
a DOCTYPE or entity declaration is refused outright (also when an encoding such as UTF-16 hides it from a
byte search); files over the size limit are refused before parsing. Everything that reads such a file —
the engine's definition loading, the designer's linter and diff, the SVG renderer, the designer pages and
the public service guide — goes through ``parse_untrusted_xml``.
"""
from __future__ import annotations

from lxml import etree

MAX_XML_BYTES = 5 * 1024 * 1024
DOCTYPE_REFUSED = "不允许 DOCTYPE 或实体声明 / DOCTYPE and entity declarations are not allowed"


class UntrustedXmlError(ValueError):
    """The content was refused: too large, a DOCTYPE or entity declaration, or not well-formed XML."""


def parse_untrusted_xml(content: bytes | str, max_bytes: int = MAX_XML_BYTES) -> etree._Element:
    """The root element of ``content``; raises UntrustedXmlError (a ValueError) saying why it was refused."""
    if isinstance(content, str):
        content = content.encode("utf-8")
    if not isinstance(content, (bytes, bytearray)):
        raise TypeError("XML content must be bytes")
    content = bytes(content)
    if len(content) > max_bytes:
        raise UntrustedXmlError(f"文件过大（上限 {max_bytes} 字节） / file too large")
    if b"<!doctype" in content[:4096].lower() or b"<!entity" in content.lower():
        raise UntrustedXmlError(DOCTYPE_REFUSED)
    parser = etree.XMLParser(resolve_entities=False, load_dtd=False, no_network=True, dtd_validation=False,
                             huge_tree=False, remove_comments=False)
    try:
        root = etree.fromstring(content, parser=parser)
    except etree.XMLSyntaxError as exc:
        raise UntrustedXmlError(f"不是有效的 XML / not well-formed XML: {exc}") from None
    info = root.getroottree().docinfo
    if info.doctype or info.internalDTD is not None:
        # A DOCTYPE further down (after a long comment) or hidden by the encoding: the parse shows it.
        raise UntrustedXmlError(DOCTYPE_REFUSED)
    return root
