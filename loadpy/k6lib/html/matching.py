"""Selector matching with goquery's rules on top of lexbor's CSS engine.

goquery compiles selectors with cascadia; a selector cascadia cannot compile matches nothing, silently.
lexbor refuses the same invalid selectors, so those match nothing here too. cascadia's own extensions are
not CSS: `:contains(text)` and `:containsOwn(text)` (case-insensitive) are evaluated here when they end the
selector (`a.next:contains("Next")`, one selector, no comma); anywhere else, and `:matches`,
`:matchesOwn`, `:haschild`, `:input`, raise a K6Error rather than silently matching nothing.
"""

from __future__ import annotations

import itertools
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
    if _CASCADIA_ONLY.search(selector):
        return _select_with_contains(scope, selector)
    try:
        return list(scope.css(selector))
    except SelectolaxError:
        return []


_CONTAINS = re.compile(r""":(containsOwn|contains)\((?:"((?:[^"\\]|\\.)*)"|'((?:[^'\\]|\\.)*)'|([^)"']*))\)""")


def _last_compound_start(selector: str) -> int | None:
    """Where the last compound selector begins (after the last combinator); None with a top-level comma."""
    depth = 0
    quote = ""
    start = 0
    for i, char in enumerate(selector):
        if quote:
            quote = "" if char == quote else quote
        elif char in "\"'":
            quote = char
        elif char in "([":
            depth += 1
        elif char in ")]":
            depth -= 1
        elif depth == 0 and char == ",":
            return None
        elif depth == 0 and char in " >+~\t\n":
            start = i + 1
    return start


def _select_with_contains(scope: dom.Node, selector: str) -> list[dom.Node]:
    """cascadia's :contains/:containsOwn ending a selector: lexbor for the rest, then a text filter."""
    stripped = selector.strip()
    start = _last_compound_start(stripped)
    tests = list(_CONTAINS.finditer(stripped))
    base = _CONTAINS.sub("", stripped)
    if start is None or not tests or any(t.start() < start for t in tests) or _CASCADIA_ONLY.search(base):
        raise K6Error(f"the selector {selector!r} uses a cascadia extension that loadpy does not support")
    wanted = [(t.group(1) == "containsOwn", _pseudo_argument(t).lower()) for t in tests]
    if base == "" or base[-1] in " >+~":
        candidates = _any_node_after(scope, base)  # a bare pseudo-class matches text nodes too, in cascadia
    else:
        try:
            candidates = list(scope.css(base))
        except SelectolaxError:
            return []
    return [node for node in candidates if all(text in _text_for_contains(node, own).lower() for own, text in wanted)]


def _pseudo_argument(test: re.Match[str]) -> str:
    raw = next(group for group in test.groups()[1:] if group is not None)
    return re.sub(r"\\(.)", r"\1", raw)


def _any_node_after(scope: dom.Node, prefix: str) -> list[dom.Node]:
    """Every node (text nodes included) below `scope` that stands in the relation `prefix` ends with."""
    combinator = prefix.rstrip()[-1:] if prefix.rstrip()[-1:] in (">", "+", "~") else " "
    prefix = prefix.rstrip().rstrip(">+~").rstrip()
    nodes = list(_preorder(scope))
    if not prefix:
        return nodes
    try:
        matched = {dom.key(node) for node in dom.root_of(scope).css(prefix)}
    except SelectolaxError:
        return []
    related = {
        " ": lambda node: any(dom.key(a) in matched for a in dom.ancestors(node)),
        ">": lambda node: node.parent is not None and dom.key(node.parent) in matched,
        "+": lambda node: any(dom.key(s) in matched for s in itertools.islice(dom.preceding_elements(node), 1)),
        "~": lambda node: any(dom.key(s) in matched for s in dom.preceding_elements(node)),
    }[combinator]
    return [node for node in nodes if related(node)]


def _preorder(node: dom.Node) -> list[dom.Node]:
    out = []
    stack = [node]
    while stack:
        current = stack.pop()
        out.append(current)
        stack.extend(reversed(list(dom.children(current))))
    return out


def _text_for_contains(node: dom.Node, own: bool) -> str:
    if not own:
        return dom.text(node)
    return "".join(dom.text_data(child) for child in dom.children(node) if child.tag == "-text")


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
