"""k6's `Element`: one node with the DOM-style methods of k6/html (element.go).

Every property is a method, as in k6 (`el.nodeName()`), in snake_case. The tag-specific properties k6 adds
(an anchor's `hostname()`, a select's `options()`...) come from `typed` through attribute lookup, so
`el.hostname()` works on an `<a>` and raises AttributeError on a `<div>`, as a missing member does in k6.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from loadpy.k6lib.html import dom, typed

if TYPE_CHECKING:
    from loadpy.k6lib.html.selection import Selection

_NAMESPACES = {"svg": "http://www.w3.org/2000/svg", "math": "http://www.w3.org/1998/Math/MathML"}
_HTML_NAMESPACE = "http://www.w3.org/1999/xhtml"


@dataclass(frozen=True, slots=True)
class Attribute:
    """An attribute node: `owner_element`, `name`, `value`, plus prefix/namespace_uri/local_name."""

    owner_element: Element
    name: str
    value: str
    prefix: str = ""

    def namespace_uri(self) -> str:
        return _NAMESPACES.get(self.prefix, _HTML_NAMESPACE)

    def local_name(self) -> str:
        return self.name


class Element:
    """One node of a parsed document and the Selection it came from (usually that node alone).

    k6 wraps most tags in a tag-specific type (`LiElement`); where k6 takes an Element argument
    (`not`, `contains`, `isSameNode`...) only a plain one is recognised, and `plain` says which this is.
    """

    def __init__(self, node: dom.Node, selection: Selection) -> None:
        self.node = node
        self._selection = selection
        self.k6_type = dom.k6_element_type(node)
        self.plain = self.k6_type == "Element"

    def __getattr__(self, name: str) -> Any:
        accessor = typed.lookup(self.__dict__.get("k6_type", "Element"), name)
        if accessor is None:
            raise AttributeError(f"{type(self).__name__} ({self.__dict__.get('k6_type')}) has no member {name!r}")
        return lambda: accessor(self)

    def _wrap(self, node: dom.Node | None) -> Element | None:
        if node is None:
            return None
        return Element(node, self._selection._single(node))

    def _wrap_node(self, node: dom.Node, selection: Selection) -> Element:
        return Element(node, selection)

    def _wrap_all(self, selection: Selection) -> list[Element]:
        return [Element(node, selection._single(node)) for node in selection.nodes]

    def selection(self) -> Selection:
        return self._selection

    # --- attributes ------------------------------------------------------------------------------------

    def get_attribute(self, name: str) -> str | None:
        return dom.attribute(self.node, name)

    def get_attribute_node(self, name: str) -> Attribute | None:
        found = next((a for a in dom.keyed_attributes(self.node) if a[1] == name), None)
        return None if found is None else Attribute(self, found[1], found[2], found[0])

    def has_attribute(self, name: str) -> bool:
        return dom.attribute(self.node, name) is not None

    def has_attributes(self) -> bool:
        return bool(dom.attributes(self.node))

    def attributes(self) -> dict[str, Attribute]:
        return {key: Attribute(self, key, value, prefix) for prefix, key, value in dom.keyed_attributes(self.node)}

    def id(self) -> str:
        return dom.attribute(self.node, "id") or ""

    def class_name(self) -> str | None:
        return dom.attribute(self.node, "class")

    def class_list(self) -> list[str] | None:
        value = dom.attribute(self.node, "class")
        return None if value is None else value.split()

    def lang(self) -> str | None:
        found = next((a for a in dom.keyed_attributes(self.node) if a[1] == "lang"), None)
        return found[2] if found is not None and found[0] == "" else None

    # --- node identity and content ---------------------------------------------------------------------

    def node_name(self) -> str:
        return dom.node_name(self.node)

    def node_type(self) -> int:
        return dom.kind(self.node)

    def node_value(self) -> str | None:
        if dom.kind(self.node) in (dom.TEXT_NODE, dom.COMMENT_NODE):
            return self._selection.text()
        return None

    def text_content(self) -> str:
        return self._selection.text()

    def inner_html(self) -> str:
        return self._selection.html()

    def to_string(self) -> str | None:
        override = typed.lookup(self.k6_type, "to_string")
        if override is not None:
            return str(override(self))
        if dom.is_element(self.node):
            return "[object html.Node]"
        return f"[object {self.node_name()}]"

    def namespace_uri(self) -> str:
        return _NAMESPACES.get(dom.namespace(self.node), _HTML_NAMESPACE)

    def is_default_namespace(self) -> bool:
        return dom.namespace(self.node) == ""

    def is_same_node(self, other: Any) -> bool:
        return _plain(other) and dom.key(other.node) == dom.key(self.node)

    def is_equal_node(self, other: Any) -> bool:
        return _plain(other) and other.inner_html() == self.inner_html()

    def contains(self, other: Any) -> bool:
        return _plain(other) and dom.contains(self.node, other.node)

    def matches(self, selector: str) -> bool:
        return self._selection.is_(selector)

    # --- tree ------------------------------------------------------------------------------------------

    def has_child_nodes(self) -> bool:
        return self.node.child is not None

    def first_child(self) -> Element | None:
        return self._wrap(self.node.child)

    def last_child(self) -> Element | None:
        return self._wrap(self.node.last_child)

    def previous_sibling(self) -> Element | None:
        return self._wrap(self.node.prev)

    def next_sibling(self) -> Element | None:
        return self._wrap(self.node.next)

    def first_element_child(self) -> Element | None:
        return self._wrap(next(dom.element_children(self.node), None))

    def last_element_child(self) -> Element | None:
        children = list(dom.element_children(self.node))
        return self._wrap(children[-1] if children else None)

    def previous_element_sibling(self) -> Element | None:
        return self._first(self._selection.prev())

    def next_element_sibling(self) -> Element | None:
        return self._first(self._selection.next())

    def parent_node(self) -> Element | None:
        return self._wrap(self.node.parent)

    def parent_element(self) -> Element | None:
        return self._first(self._selection.parent())

    def owner_document(self) -> Element | None:
        return self._wrap(dom.root_of(self.node))

    def child_nodes(self) -> list[Element]:
        return self._wrap_all(self._selection.contents())

    def children(self) -> list[Element]:
        return self._wrap_all(self._selection.children())

    def child_element_count(self) -> int:
        return self._selection.children().size()

    def _first(self, selection: Selection) -> Element | None:
        return self._wrap(selection.nodes[0]) if selection.nodes else None

    # --- queries ---------------------------------------------------------------------------------------

    def get_elements_by_class_name(self, name: str) -> list[Element]:
        return self._wrap_all(self._selection.find("." + name))

    def get_elements_by_tag_name(self, name: str) -> list[Element]:
        return self._wrap_all(self._selection.find(name))

    def query_selector(self, selector: str) -> Element | None:
        """The first match, still holding every match: as in k6, its text_content() reads them all."""
        found = self._selection.find(selector)
        return Element(found.nodes[0], found) if found.nodes else None

    def query_selector_all(self, selector: str) -> list[Element]:
        return self._wrap_all(self._selection.find(selector))


def _plain(value: Any) -> bool:
    return isinstance(value, Element) and value.plain
