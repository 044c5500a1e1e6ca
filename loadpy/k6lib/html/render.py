"""Go's `x/net/html.Render`, which goquery's Html() uses: k6 shows markup exactly as this writes it.

It differs from the HTML5 serializer (and lexbor's): text and attribute values escape `&'<>"` and CR as
`&amp; &#39; &lt; &gt; &#34; &#13;`, void elements close as `<br/>`, and a newline opening a pre, listing or
textarea is doubled.
"""

from __future__ import annotations

from loadpy.k6lib.html import dom

_ESCAPES = str.maketrans({"&": "&amp;", "'": "&#39;", "<": "&lt;", ">": "&gt;", '"': "&#34;", "\r": "&#13;"})
VOID_ELEMENTS = frozenset(
    ("area", "base", "br", "col", "embed", "hr", "img", "input", "keygen", "link", "meta", "param", "source", "track",
     "wbr")
)  # fmt: skip
_LITERAL_TEXT = frozenset(["iframe", "noembed", "noframes", "noscript", "plaintext", "script", "style", "xmp"])
_LEADING_NEWLINE = frozenset(("pre", "listing", "textarea"))


def escape(text: str) -> str:
    return text.translate(_ESCAPES)


def inner_html(node: dom.Node, doctype: str | None = None) -> str:
    """goquery's Html(): the node's children rendered one after another (`doctype`: its Go rendering)."""
    out: list[str] = []
    for child in dom.children(node):
        _render(child, out, doctype)
    return "".join(out)


def _render(node: dom.Node, out: list[str], doctype: str | None) -> None:
    tag = node.tag or ""
    if tag == "-text":
        out.append(escape(node.text_content or ""))
        return
    if tag == "-comment":
        out.append(f"<!--{dom.comment_data(node)}-->")
        return
    if tag == "-doctype":
        out.append(doctype or f"<!DOCTYPE {dom.doctype_name(node)}>")
        return
    if tag == "-document":
        for child in dom.children(node):
            _render(child, out, doctype)
        return
    out.append("<" + tag)
    for name, value in dom.attributes(node):
        out.append(f' {name}="{escape(value)}"')
    if tag in VOID_ELEMENTS:
        out.append("/>")
        return
    out.append(">")
    first = node.child
    leading = first.text_content or "" if first is not None and first.tag == "-text" else ""
    if tag in _LEADING_NEWLINE and leading.startswith("\n"):
        out.append("\n")  # the parser drops a newline right after these start tags: keep the text's own
    if tag in _LITERAL_TEXT and dom.namespace(node) == "":
        for child in dom.children(node):
            if child.tag == "-text":
                out.append(child.text_content or "")
            else:
                _render(child, out, doctype)
    else:
        for child in dom.children(node):
            _render(child, out, doctype)
    out.append(f"</{tag}>")
