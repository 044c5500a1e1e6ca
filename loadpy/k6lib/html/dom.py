"""The parsed document as goquery sees it: node kinds, children, text and attributes over lexbor's tree.

Parsing is lexbor's (through selectolax), an HTML5 tree builder like Go's `x/net/html`, so implied
`html`/`head`/`body`/`tbody` elements and error recovery come out the same. Node wrappers are recreated on
every access: identity is `mem_id`.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from selectolax.lexbor import LexborHTMLParser, LexborNode

Node = LexborNode

ELEMENT_NODE = 1
TEXT_NODE = 3
COMMENT_NODE = 8
DOCUMENT_NODE = 9
DOCTYPE_NODE = 10

_KINDS = {"-text": TEXT_NODE, "-comment": COMMENT_NODE, "-document": DOCUMENT_NODE, "-doctype": DOCTYPE_NODE}


def parse_document(source: str) -> Node:
    """The document node of `source`."""
    document = LexborHTMLParser(source).root
    assert document is not None and document.parent is not None
    return document.parent


def kind(node: Node) -> int:
    return _KINDS.get(node.tag or "", ELEMENT_NODE)


def is_element(node: Node) -> bool:
    return (node.tag or "-")[0] != "-"


def key(node: Node) -> int:
    return node.mem_id


def children(node: Node) -> Iterator[Node]:
    child = node.child
    while child is not None:
        yield child
        child = child.next


def element_children(node: Node) -> Iterator[Node]:
    return (child for child in children(node) if is_element(child))


def ancestors(node: Node) -> Iterator[Node]:
    """Parents from the closest outward, elements only (goquery never returns the document as a parent)."""
    parent = node.parent
    while parent is not None and is_element(parent):
        yield parent
        parent = parent.parent


def all_ancestors(node: Node) -> Iterator[Node]:
    """Every node above `node`, the document included."""
    parent = node.parent
    while parent is not None:
        yield parent
        parent = parent.parent


def following_elements(node: Node) -> Iterator[Node]:
    """The element siblings after `node`, nearest first."""
    sibling = node.next
    while sibling is not None:
        if is_element(sibling):
            yield sibling
        sibling = sibling.next


def preceding_elements(node: Node) -> Iterator[Node]:
    """The element siblings before `node`, nearest first."""
    sibling = node.prev
    while sibling is not None:
        if is_element(sibling):
            yield sibling
        sibling = sibling.prev


def root_of(node: Node) -> Node:
    while node.parent is not None:
        node = node.parent
    return node


def contains(container: Node, node: Node) -> bool:
    """Whether `node` is a strict descendant of `container`."""
    target = key(container)
    return any(key(parent) == target for parent in all_ancestors(node))


def text_data(node: Node) -> str:
    """The character data of a text or comment node."""
    if node.tag == "-comment":
        return comment_data(node)
    return node.text_content or ""


def comment_data(node: Node) -> str:
    """The comment's text exactly as written (lexbor's comment_content strips its spaces)."""
    rendered = node.html or "<!---->"
    return rendered[4:-3]


def text(node: Node) -> str:
    """goquery's Text(): the data of every text node below (and including) `node`, script and style too."""
    tag = node.tag
    if tag == "-text":
        return node.text_content or ""
    if tag == "-document":
        return "".join(text(child) for child in children(node))
    if tag in ("-comment", "-doctype"):
        return ""
    return node.text(deep=True, separator="", strip=False)


def attributes(node: Node) -> list[tuple[str, str]]:
    """The element's attributes in source order; a bare attribute has the empty value, as in Go."""
    if not is_element(node):
        return []
    return [(name, value or "") for name, value in node.attributes.items()]


# x/net/html splits these into a namespace prefix and a key on SVG and MathML elements (adjustForeignAttributes).
_FOREIGN_ATTRIBUTES = frozenset(
    ("xlink:actuate", "xlink:arcrole", "xlink:href", "xlink:role", "xlink:show", "xlink:title", "xlink:type",
     "xml:base", "xml:lang", "xml:space", "xmlns:xlink")
)  # fmt: skip


def keyed_attributes(node: Node) -> list[tuple[str, str, str]]:
    """(prefix, key, value) as Go holds them: `xlink:href` on an SVG element is prefix xlink, key href."""
    pairs = attributes(node)
    if any(name in _FOREIGN_ATTRIBUTES for name, _ in pairs) and namespace(node):
        return [
            (*name.split(":", 1), value) if name in _FOREIGN_ATTRIBUTES else ("", name, value)  # type: ignore[misc]
            for name, value in pairs
        ]
    return [("", name, value) for name, value in pairs]


def attribute(node: Node, name: str) -> str | None:
    """The value of the first attribute whose Go key is `name`, None when absent."""
    if not is_element(node):
        return None
    attrs = node.attributes
    if name in attrs and name not in _FOREIGN_ATTRIBUTES:
        return attrs[name] or ""
    if _FOREIGN_ATTRIBUTES.isdisjoint(attrs):
        return None
    return next((value for _, key, value in keyed_attributes(node) if key == name), None)


def node_name(node: Node) -> str:
    """goquery.NodeName: the tag for elements and doctypes, #text/#comment/#document otherwise."""
    kind_of = kind(node)
    if kind_of == ELEMENT_NODE:
        return node.tag or ""
    if kind_of == DOCTYPE_NODE:
        return doctype_name(node)
    return {TEXT_NODE: "#text", COMMENT_NODE: "#comment", DOCUMENT_NODE: "#document"}[kind_of]


# Elements whose element children are HTML again although they sit in SVG or MathML (integration points).
_HTML_INSIDE = {"svg": frozenset(("foreignObject", "desc", "title")),
                "math": frozenset(("mi", "mo", "mn", "ms", "mtext", "annotation-xml"))}  # fmt: skip


def namespace(node: Node) -> str:
    """x/net/html's Namespace of an element: "svg", "math", or "" for HTML."""
    chain = [node, *ancestors(node)] if is_element(node) else []
    current = ""
    parent_tag = ""
    for element in reversed(chain):
        tag = element.tag or ""
        if current and parent_tag in _HTML_INSIDE[current]:
            current = ""
        if not current and tag in _HTML_INSIDE:
            current = tag
        parent_tag = tag
    return current


_DOCTYPE_TOKEN = re.compile(r"<!doctype([^>]*)>", re.IGNORECASE)
_WHITESPACE = " \t\n\f\r"


def doctype_from_source(document: Node, source: str) -> str | None:
    """Go's rendering of the doctype when it has public/system identifiers (lexbor keeps only the name).

    x/net/html's parseDoctype: the name, then `PUBLIC "id" "id"` or `SYSTEM "id"`, each quoted with " or '.
    """
    if not any(child.tag == "-doctype" for child in children(document)):
        return None
    token = _DOCTYPE_TOKEN.search(source)
    if token is None:
        return None
    text = token.group(1).lstrip(_WHITESPACE)
    space = next((i for i, c in enumerate(text) if c in _WHITESPACE), len(text))
    name, text = text[:space].lower(), text[space:].lstrip(_WHITESPACE)
    ids: dict[str, str] = {}
    keyword = text[:6].lower() if len(text) >= 6 else ""
    text = text[6:]
    while keyword in ("public", "system"):
        text = text.lstrip(_WHITESPACE)
        if not text or text[0] not in "\"'":
            break
        quote, text = text[0], text[1:]
        end = text.find(quote)
        ids[keyword], text = (text, "") if end == -1 else (text[:end], text[end + 1 :])
        keyword = "system" if keyword == "public" else ""
    if not ids.get("public") and not ids.get("system"):
        return None
    if ids.get("public"):
        rendered = f"<!DOCTYPE {name} PUBLIC {_go_quoted(ids['public'])}"
        if ids.get("system"):
            rendered += " " + _go_quoted(ids["system"])
    else:
        rendered = f"<!DOCTYPE {name} SYSTEM {_go_quoted(ids['system'])}"
    return rendered + ">"


def _go_quoted(text: str) -> str:
    quote = "'" if '"' in text else '"'
    return quote + text + quote


def doctype_name(node: Node) -> str:
    rendered = node.html or "<!DOCTYPE html>"
    return rendered[len("<!DOCTYPE ") : -1].split(" ")[0]


# The Go type k6 wraps a node in (elements_gen.go), chosen by the node's Data: the tag of an element, but
# the text of a text or comment node. Only a plain "Element" is accepted where k6 takes an Element argument.
_K6_ELEMENT_TYPES = {
    "a": "AnchorElement", "area": "AreaElement", "audio": "AudioElement", "base": "BaseElement",
    "button": "ButtonElement", "canvas": "CanvasElement", "data": "DataElement", "datalist": "DataListElement",
    "del": "DelElement", "embed": "EmbedElement", "fieldset": "FieldSetElement", "form": "FormElement",
    "iframe": "IFrameElement", "img": "ImageElement", "input": "InputElement", "ins": "InsElement",
    "keygen": "KeygenElement", "label": "LabelElement", "legend": "LegendElement", "li": "LiElement",
    "link": "LinkElement", "map": "MapElement", "meta": "MetaElement", "meter": "MeterElement",
    "ol": "OListElement", "object": "ObjectElement", "optgroup": "OptGroupElement", "option": "OptionElement",
    "output": "OutputElement", "param": "ParamElement", "pre": "PreElement", "progress": "ProgressElement",
    "quote": "QuoteElement", "script": "ScriptElement", "select": "SelectElement", "source": "SourceElement",
    "style": "StyleElement", "table": "TableElement", "tbody": "TableBodyElement", "col": "TableColElement",
    "td": "TableDataCellElement", "tfoot": "TableFootElement", "thead": "TableHeadElement",
    "th": "TableHeaderCellElement", "tr": "TableRowElement", "textarea": "TextAreaElement", "time": "TimeElement",
    "title": "TitleElement", "track": "TrackElement", "ul": "UListElement", "video": "VideoElement",
}  # fmt: skip


def k6_element_type(node: Node) -> str:
    """ "Element", or the tag-specific type ("LiElement") k6 gives this node."""
    data = node.tag if is_element(node) else text_data(node) if kind(node) in (TEXT_NODE, COMMENT_NODE) else ""
    return _K6_ELEMENT_TYPES.get(data or "", "Element")
