"""Every name a k6 script can reach on k6/html objects and module exports has its Python twin."""

from __future__ import annotations

import pytest

from loadpy.k6lib import crypto
from loadpy.k6lib.exports import JS_EXPORTS, module_exports, python_name
from loadpy.k6lib.html import Attribute, Element, Selection, parse_html, typed

# k6 v1.1's methods (js/modules/k6/html/html.go, serialize.go, element.go) as JS sees them.
SELECTION_METHODS = (
    "add", "find", "closest", "has", "not", "next", "nextAll", "prev", "prevAll", "parent", "parents", "siblings",
    "prevUntil", "nextUntil", "parentsUntil", "size", "end", "eq", "first", "last", "contents", "text", "attr",
    "html", "val", "children", "each", "filter", "is", "map", "slice", "get", "toArray", "index", "data",
    "serializeArray", "serializeObject", "serialize"
)  # fmt: skip
ELEMENT_METHODS = (
    "getAttribute", "getAttributeNode", "hasAttribute", "hasAttributes", "attributes", "toString", "hasChildNodes",
    "textContent", "id", "isEqualNode", "isSameNode", "selection", "getElementsByClassName",
    "getElementsByTagName", "querySelector", "querySelectorAll", "nodeName", "firstChild", "lastChild",
    "firstElementChild", "lastElementChild", "previousSibling", "nextSibling", "previousElementSibling",
    "nextElementSibling", "parentNode", "parentElement", "childNodes", "children", "childElementCount",
    "classList", "className", "lang", "ownerDocument", "namespaceURI", "isDefaultNamespace", "innerHTML",
    "nodeType", "nodeValue", "contains", "matches"
)  # fmt: skip


@pytest.mark.parametrize("js_name", SELECTION_METHODS)
def test_every_selection_method_exists(js_name: str) -> None:
    assert callable(getattr(Selection, python_name(js_name)))


@pytest.mark.parametrize("js_name", ELEMENT_METHODS)
def test_every_element_method_exists(js_name: str) -> None:
    assert callable(getattr(Element, python_name(js_name)))


def test_attribute_methods_and_typed_properties_resolve() -> None:
    assert callable(Attribute.namespace_uri) and callable(Attribute.local_name)
    anchor = parse_html("<a href='/x?q'>l</a>").find("a").get(0)
    assert isinstance(anchor, Element)
    assert getattr(anchor, python_name("hrefLang"))() == ""
    assert getattr(anchor, python_name("search"))() == "?q"
    assert typed.lookup("TableElement", python_name("tHead")) is not None
    with pytest.raises(AttributeError):
        anchor.t_head()


@pytest.mark.parametrize(
    ("js_name", "python"),
    [("nextAll", "next_all"), ("innerHTML", "inner_html"), ("namespaceURI", "namespace_uri"), ("tHead", "t_head"),
     ("not", "not_"), ("is", "is_"), ("htmlFor", "html_for"), ("sha512_256", "sha512_256"), ("b64encode", "b64encode")],
)  # fmt: skip
def test_python_name(js_name: str, python: str) -> None:
    assert python_name(js_name) == python


def test_module_exports() -> None:
    assert module_exports("k6/crypto") is JS_EXPORTS["k6/crypto"]
    assert module_exports("https://jslib.k6.io/k6-utils/1.4.0/index.js") is JS_EXPORTS["k6-utils"]
    assert module_exports("k6/nope") is None
    assert JS_EXPORTS["k6/crypto"]["createHMAC"]("sha256", "k").digest("hex") == crypto.hmac("sha256", "k", "", "hex")
