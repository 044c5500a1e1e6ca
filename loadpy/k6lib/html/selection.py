"""k6's `Selection` (goquery's): a list of nodes in one document, and every traversal k6 exposes.

Method names are k6's in snake_case (`nextAll` → `next_all`); `not` and `is` are `not_` and `is_`.
A selector argument is a CSS selector string, another Selection, or an Element, as k6 accepts. Callbacks
get `(index, Selection)` (filter, not_, is_, map) or `(index, Element)` (each), like k6.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from typing import Any

from loadpy.k6lib.errors import K6Error
from loadpy.k6lib.gobytes import go_type_name
from loadpy.k6lib.html import dom, forms, matching, render
from loadpy.k6lib.html.data import attribute_to_property, data_value, property_to_attribute
from loadpy.k6lib.html.element import Element

Matcher = Callable[[dom.Node], bool]


@dataclass(frozen=True, slots=True)
class Document:
    """What every Selection of one parsed document shares."""

    node: dom.Node
    url: str = ""
    doctype: str | None = None  # the doctype as Go renders it, when it has identifiers lexbor drops


def _unique(nodes: Iterable[dom.Node]) -> list[dom.Node]:
    seen: set[int] = set()
    out = []
    for node in nodes:
        node_key = dom.key(node)
        if node_key not in seen:
            seen.add(node_key)
            out.append(node)
    return out


def _until(nodes: Iterator[dom.Node], stop: Matcher) -> Iterator[dom.Node]:
    for node in nodes:
        if stop(node):
            return
        yield node


class Selection:
    """A goquery selection: `nodes` in document order of discovery, duplicates removed."""

    def __init__(self, nodes: list[dom.Node], document: Document, previous: Selection | None = None):
        self.nodes = nodes
        self.document = document
        self._previous = previous

    @property
    def url(self) -> str:
        """The URL the document came from ("" for a parsed string)."""
        return self.document.url

    def _push(self, nodes: Iterable[dom.Node]) -> Selection:
        return Selection(_unique(nodes), self.document, self)

    def _single(self, node: dom.Node) -> Selection:
        return Selection([node], self.document, self)

    def _matcher(self, selector: str) -> Matcher:
        return matching.selector_predicate(self.document.node, selector)

    def _argument_matcher(self, arg: Any) -> Matcher:
        """A selector string, a Selection or an Element as a node test (k6's varargFnCall)."""
        if isinstance(arg, str):
            return self._matcher(arg)
        if isinstance(arg, Selection):
            return matching.nodes_predicate(arg.nodes)
        return matching.nodes_predicate(self._targets(arg))

    def _filtered(self, nodes: Iterable[dom.Node], selector: str | None) -> Selection:
        if selector is None:
            return self._push(nodes)
        keep = self._matcher(selector)
        return self._push(node for node in nodes if keep(node))

    def _callback_matcher(self, fn: Callable[[int, Selection], Any]) -> Callable[[int, dom.Node], bool]:
        return lambda index, node: bool(fn(index, self._single(node)))

    # --- finding ---------------------------------------------------------------------------------------

    def find(self, selector: Any) -> Selection:
        if isinstance(selector, str):
            return self._push(match for node in self.nodes for match in matching.find_below(node, selector))
        targets = self._targets(selector)
        scopes = {dom.key(node) for node in self.nodes}
        return self._push(t for t in targets if any(dom.key(a) in scopes for a in dom.all_ancestors(t)))

    def _targets(self, arg: Any) -> list[dom.Node]:
        if isinstance(arg, Selection):
            return arg.nodes
        if isinstance(arg, Element) and arg.plain:
            return [arg.node]
        raise K6Error(f"invalid argument, cannot use a '{_go_type(arg)}' as a selector")

    def _document_matches(self, selector: Any) -> list[dom.Node]:
        """What `document.Find(selector)` gives for a string, else the nodes of a Selection or Element."""
        if isinstance(selector, str):
            return matching.find_below(self.document.node, selector)
        return self._targets(selector)

    def add(self, selector: Any) -> Selection:
        return self._push([*self.nodes, *self._document_matches(selector)])

    def closest(self, selector: Any) -> Selection:
        matches = self._argument_matcher(selector)
        found = []
        for node in self.nodes:
            current: dom.Node | None = node
            while current is not None:
                if matches(current):
                    found.append(current)
                    break
                current = current.parent
        return self._push(found)

    def has(self, selector: Any) -> Selection:
        targets = self._document_matches(selector)
        holders = {dom.key(a) for t in targets for a in dom.all_ancestors(t)}
        return self._push(node for node in self.nodes if dom.key(node) in holders)

    # --- filtering -------------------------------------------------------------------------------------

    def filter(self, selector: Any) -> Selection:
        if isinstance(selector, str | Selection):
            keep = self._argument_matcher(selector)
            return self._push(node for node in self.nodes if keep(node))
        if not callable(selector):
            raise K6Error("the argument to filter() must be a function, a selector or a selection")
        test = self._callback_matcher(selector)
        return self._push(node for i, node in enumerate(self.nodes) if test(i, node))

    def not_(self, selector: Any) -> Selection:
        if callable(selector) and not isinstance(selector, Selection | Element):
            test = self._callback_matcher(selector)
            return self._push(node for i, node in enumerate(self.nodes) if not test(i, node))
        drop = self._argument_matcher(selector)
        return self._push(node for node in self.nodes if not drop(node))

    def is_(self, selector: Any) -> bool:
        if isinstance(selector, str | Selection):
            test = self._argument_matcher(selector)
            return any(test(node) for node in self.nodes)
        if not callable(selector):
            raise K6Error("the argument to is() must be a function, a selector or a selection")
        callback = self._callback_matcher(selector)
        return any(callback(i, node) for i, node in enumerate(self.nodes))

    def eq(self, index: int) -> Selection:
        if index < 0:
            index += len(self.nodes)
        if 0 <= index < len(self.nodes):
            return self._push([self.nodes[index]])
        return self._push([])

    def first(self) -> Selection:
        return self.eq(0)

    def last(self) -> Selection:
        return self.eq(-1)

    def slice(self, start: int, end: int | None = None) -> Selection:
        length = len(self.nodes)
        stop = end if end is not None and end < length else length
        start = start + length if start < 0 else start
        stop = stop + length if stop < 0 else stop
        if not 0 <= start <= stop <= length:
            raise K6Error(f"runtime error: slice bounds out of range [{start}:{stop}]")
        return self._push(self.nodes[start:stop])

    def end(self) -> Selection:
        return self._previous if self._previous is not None else Selection([], self.document)

    # --- tree traversal --------------------------------------------------------------------------------

    def children(self, selector: str | None = None) -> Selection:
        return self._filtered((c for node in self.nodes for c in dom.element_children(node)), selector)

    def contents(self) -> Selection:
        return self._push(c for node in self.nodes for c in dom.children(node))

    def parent(self, selector: str | None = None) -> Selection:
        parents = (node.parent for node in self.nodes)
        return self._filtered((p for p in parents if p is not None and dom.is_element(p)), selector)

    def parents(self, selector: str | None = None) -> Selection:
        return self._filtered((a for node in self.nodes for a in dom.ancestors(node)), selector)

    def next(self, selector: str | None = None) -> Selection:
        return self._filtered((s for node in self.nodes for s in _first(dom.following_elements(node))), selector)

    def next_all(self, selector: str | None = None) -> Selection:
        return self._filtered((s for node in self.nodes for s in dom.following_elements(node)), selector)

    def prev(self, selector: str | None = None) -> Selection:
        return self._filtered((s for node in self.nodes for s in _first(dom.preceding_elements(node))), selector)

    def prev_all(self, selector: str | None = None) -> Selection:
        return self._filtered((s for node in self.nodes for s in dom.preceding_elements(node)), selector)

    def siblings(self, selector: str | None = None) -> Selection:
        found: list[dom.Node] = []
        for node in self.nodes:
            parent = node.parent
            if parent is None:
                continue
            own = dom.key(node)
            found.extend(c for c in dom.element_children(parent) if dom.key(c) != own)
        return self._filtered(found, selector)

    def _stop(self, until: Any) -> Matcher:
        if until is None:
            return matching.never
        if isinstance(until, str):
            return self._matcher(until) if until else matching.never
        if isinstance(until, Selection):
            return matching.nodes_predicate(until.nodes)
        raise K6Error(f"invalid argument, cannot use a '{go_type_name(until)}' as a selector")

    def next_until(self, until: Any = None, selector: str | None = None) -> Selection:
        stop = self._stop(until)
        return self._filtered((s for node in self.nodes for s in _until(dom.following_elements(node), stop)), selector)

    def prev_until(self, until: Any = None, selector: str | None = None) -> Selection:
        stop = self._stop(until)
        return self._filtered((s for node in self.nodes for s in _until(dom.preceding_elements(node), stop)), selector)

    def parents_until(self, until: Any = None, selector: str | None = None) -> Selection:
        stop = self._stop(until)
        return self._filtered((a for node in self.nodes for a in _until(dom.ancestors(node), stop)), selector)

    # --- reading ---------------------------------------------------------------------------------------

    def size(self) -> int:
        return len(self.nodes)

    def text(self) -> str:
        return "".join(dom.text(node) for node in self.nodes)

    def html(self) -> str:
        return render.inner_html(self.nodes[0], self.document.doctype) if self.nodes else ""

    def attr(self, name: str, default: Any = None) -> Any:
        value = dom.attribute(self.nodes[0], name) if self.nodes else None
        return default if value is None else value

    def val(self) -> str | list[str] | None:
        return forms.value(self)

    def data(self, name: str | None = None) -> Any:
        """jQuery's data(): `data-*` attributes of the first node, with numbers, booleans and JSON parsed."""
        if not self.nodes:
            return None
        attrs = dom.keyed_attributes(self.nodes[0])
        if not attrs:
            return None
        if name is not None:
            value = dom.attribute(self.nodes[0], "data-" + property_to_attribute(name))
            return None if value is None else data_value(value)
        found: dict[str, Any] = {}
        for _, attr_name, value in attrs:
            if attr_name.startswith("data-") and len(attr_name) > 5:
                found[attribute_to_property(attr_name[5:])] = data_value(value)
        return found

    def index(self, selector: Any = None) -> int:
        if selector is None:
            return len(list(dom.preceding_elements(self.nodes[0]))) if self.nodes else -1
        if isinstance(selector, str):
            if not self.nodes:
                return -1
            return _position(matching.find_below(self.document.node, selector), self.nodes[0])
        if isinstance(selector, Selection):
            return _position(self.nodes, selector.nodes[0]) if selector.nodes else -1
        if isinstance(selector, Element) and selector.plain:
            return _position(self.nodes, selector.node)
        return -1

    # --- iteration and conversion ----------------------------------------------------------------------

    def each(self, fn: Callable[[int, Element], Any]) -> Selection:
        if not callable(fn):
            raise K6Error("the argument to each() must be a function")
        for i, node in enumerate(self.nodes):
            fn(i, self._element(node))
        return self

    def map(self, fn: Callable[[int, Selection], Any]) -> list[Any]:
        """k6's map(): the callback's results; a call that throws is left out, as in k6."""
        if not callable(fn):
            raise K6Error("the argument to map() must be a function")
        results = []
        for i, node in enumerate(self.nodes):
            try:
                results.append(fn(i, Selection([node], self.document)))
            except Exception:
                continue
        return results

    def get(self, index: int | None = None) -> Element | list[Element] | None:
        if index is None:
            return [self._element(node) for node in self.nodes]
        if -len(self.nodes) < index < len(self.nodes):
            return self._element(self.nodes[index])
        return None

    def to_array(self) -> list[Selection]:
        return [Selection([node], self.document, self) for node in self.nodes]

    def _element(self, node: dom.Node) -> Element:
        return Element(node, Selection([node], self.document, self))

    # --- forms -----------------------------------------------------------------------------------------

    def serialize_array(self) -> list[dict[str, Any]]:
        return [{"name": name, "value": value} for name, value in forms.submittable(self)]

    def serialize_object(self) -> dict[str, Any]:
        return dict(forms.submittable(self))

    def serialize(self) -> str:
        return forms.urlencoded(forms.submittable(self))


def _go_type(value: Any) -> str:
    return f"html.{value.k6_type}" if isinstance(value, Element) else go_type_name(value)


def _first(nodes: Iterator[dom.Node]) -> list[dom.Node]:
    first = next(nodes, None)
    return [] if first is None else [first]


def _position(nodes: list[dom.Node], target: dom.Node) -> int:
    wanted = dom.key(target)
    for i, node in enumerate(nodes):
        if dom.key(node) == wanted:
            return i
    return -1


def parse_html(source: str, url: str = "") -> Selection:
    """`parseHTML(src)`: the document as a one-node Selection. `url` resolves relative links (k6's res.html())."""
    node = dom.parse_document(source)
    document = Document(node, url, dom.doctype_from_source(node, source))
    return Selection([node], document)
