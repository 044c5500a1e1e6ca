"""Selector matching with goquery's rules on top of lexbor's CSS engine.

goquery compiles selectors with cascadia; a selector cascadia cannot compile matches nothing, silently.
lexbor refuses the same invalid selectors, so those match nothing here too. cascadia's own extensions
(`:contains`, `:containsOwn`, `:matches`, `:matchesOwn`, `:haschild`, `:input`) are not CSS and lexbor has
no equivalent: rather than silently matching nothing where k6 would match, they raise a K6Error.
"""

from __future__ import annotations

import re
from collections.abc import Callable

from selectolax.lexbor import SelectolaxError

from loadpy.k6lib.errors import K6Error
from loadpy.k6lib.html import dom

Predicate = Callable[[dom.Node], bool]
_CASCADIA_ONLY = re.compile(r":(contains|containsOwn|matches|matchesOwn|haschild|input)\b", re.IGNORECASE)


def select_within(scope: dom.Node, selector: str) -> list[dom.Node]:
    """Elements below or at `scope` matching `selector` (ancestors outside `scope` count, as in cascadia)."""
    if not dom.is_element(scope):
        html = next(dom.element_children(scope), None) if scope.tag == "-document" else None
        if html is None:
            return []
        scope = html
    try:
        return list(scope.css(selector))
    except SelectolaxError:
        if _CASCADIA_ONLY.search(selector):
            raise K6Error(f"the selector {selector!r} uses a cascadia extension that loadpy does not support") from None
        return []


def find_below(node: dom.Node, selector: str) -> list[dom.Node]:
    """goquery's Find for one node: matching descendants, the node itself excluded, in document order."""
    own = dom.key(node)
    return [match for match in select_within(node, selector) if dom.key(match) != own]


def selector_predicate(document: dom.Node, selector: str) -> Predicate:
    """A test of "this node matches `selector`", from one query over the whole document."""
    matched = {dom.key(node) for node in select_within(document, selector)}
    return lambda node: dom.key(node) in matched


def nodes_predicate(nodes: list[dom.Node]) -> Predicate:
    wanted = {dom.key(node) for node in nodes}
    return lambda node: dom.key(node) in wanted


def never(node: dom.Node) -> bool:
    return False
