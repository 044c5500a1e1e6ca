"""The fast path of the YAML reader: values and the line map in one pass over the parser's events.

PyYAML builds a node graph first (a Python object, two marks and a resolver call per node) and the
data from it afterwards; on a generated scenario of thousands of steps that is most of the load
time and memory. Here each event from the parser (libyaml's when installed) becomes its value at
once, plain scalars are typed by PyYAML's own resolver table and constructors (so `yes`, `0x1F`,
`1_000`, `2024-01-01` read exactly as before), and the line of every key path is logged on the way.

The same bounds hold (depth, alias expansion, keys, duplicates), but this reader only decides
whether a document is plain enough for it. Anything else (a broken bound, a merge key `<<`, a tag
other than the core scalar tags, a complex key, a duplicate anchor) raises `NotPlain`, and the
caller reads the text through PyYAML's full path, which gives the exact data or the exact error.
"""

from __future__ import annotations

from typing import Any

from yaml.constructor import ConstructorError
from yaml.error import Mark
from yaml.events import (
    AliasEvent,
    MappingEndEvent,
    MappingStartEvent,
    ScalarEvent,
    SequenceEndEvent,
    SequenceStartEvent,
    StreamEndEvent,
)
from yaml.nodes import ScalarNode

from loadpy.base.schema import KeyPath

_CORE = "tag:yaml.org,2002:"
_STR, _SEQ, _MAP = _CORE + "str", _CORE + "seq", _CORE + "map"
# Scalar tags whose SafeConstructor function gives the value; any other tag is left to PyYAML.
_TYPED = frozenset(_CORE + name for name in ("null", "bool", "int", "float", "timestamp"))


class NotPlain(Exception):
    """The document needs PyYAML's full reader: for its exact value, or for its exact error."""


class _Anchor:
    """What an alias to `&name` brings: the same value, and the lines and weight of its subtree."""

    __slots__ = ("end", "height", "line", "open", "path", "start", "value", "weight")

    def __init__(self, value: Any, line: int, path: KeyPath, start: int) -> None:
        self.value = value
        self.line = line
        self.path = path
        self.start = start  # its subtree's entries in the line log: [start, end)
        self.end = start
        self.weight = 0  # collections an alias adds to the walk: each counts its length + 1
        self.height = -1  # collection levels below it (-1: a scalar)
        self.open = True


class _Plain:
    """Typing plain scalars as PyYAML's resolver and SafeConstructor do, remembered per text."""

    def __init__(self, loader: Any) -> None:
        self._loader = loader
        self._resolvers: dict[str, list[tuple[str, Any]]] = loader.yaml_implicit_resolvers
        self._constructors: dict[str, Any] = loader.yaml_constructors
        self.known: dict[str, Any] = {}

    def value(self, text: str, mark: Mark) -> Any:
        for tag, pattern in self._resolvers.get(text[:1], ()):
            if pattern.match(text):
                value = self.construct(tag, text, mark)
                break
        else:
            value = text
        self.known[text] = value
        return value

    def construct(self, tag: str, text: str, mark: Mark) -> Any:
        if tag not in _TYPED:
            raise NotPlain
        try:
            return self._constructors[tag](self._loader, ScalarNode(tag, text))
        except ValueError as exc:  # a date such as 2024-13-45 matches the timestamp pattern
            kind = tag.rsplit(":", 1)[-1]
            raise ConstructorError(None, None, f"{text} is not a valid {kind} ({exc})", mark) from None


def read_events(loader: Any, max_depth: int, max_alias_nodes: int) -> tuple[Any, dict[KeyPath, int]]:
    """(data, line of each key path) of the one document `loader` parses; NotPlain, or a parser error.

    Lines follow the rule of the full reader: a mapping key's path has the key's line, a sequence
    item's the item's first line (an alias item: its anchor's), and a path under an alias the line
    it has under the anchor.
    """
    get_event = loader.get_event
    get_event()  # the stream start
    if type(get_event()) is StreamEndEvent:
        return None, {}
    plain = _Plain(loader)
    known = plain.known
    lines: dict[KeyPath, int] = {}
    log: list[tuple[KeyPath, int]] = []  # the entries written inside anchored collections, for aliases
    recording = 0  # anchored collections open
    anchors: dict[str, _Anchor] = {}
    stack: list[tuple[Any, KeyPath, bool | None, Any, KeyPath, int, int, _Anchor | None]] = []
    extra = 0  # collections aliases add, as in the full reader's walk
    none: Any = _NONE
    # The collection being filled; `is_map` None is the document itself (it holds the root).
    holder: Any = None
    path: KeyPath = ()
    is_map: bool | None = None
    key: Any = none  # a mapping's key waiting for its value
    key_path: KeyPath = ()
    weight = height = 0  # of the collections inside the current one
    anchor: _Anchor | None = None
    root: Any = none
    while True:
        event = get_event()
        kind = type(event)
        if kind is ScalarEvent:
            tag = event.tag
            text = event.value
            if tag is None or tag == "!":
                if event.implicit[0]:
                    value = known.get(text, none)
                    if value is none:
                        value = plain.value(text, event.start_mark)
                else:
                    value = text
            elif tag == _STR:
                value = text
            else:
                value = plain.construct(tag, text, event.start_mark)
            line = event.start_mark.line + 1
            if event.anchor is not None:
                _add_anchor(anchors, event.anchor, _Anchor(value, line, (), 0))
            if is_map:
                if key is none:  # the scalar is a key
                    if text == "<<":
                        raise NotPlain  # a merge key (or one written like it): PyYAML's merge rules apply
                    if value in holder:
                        raise NotPlain  # a duplicate: the full reader names both lines
                    key = value
                    key_path = path + (text,)  # noqa: RUF005 (3x faster than unpacking, per node)
                    lines[key_path] = line
                    if recording:
                        log.append((key_path, line))
                    continue
                holder[key] = value
                key = none
            elif is_map is False:
                item_path = path + (len(holder),)  # noqa: RUF005
                lines[item_path] = line
                if recording:
                    log.append((item_path, line))
                holder.append(value)
            else:
                root = value
                lines[()] = line
        elif kind is MappingStartEvent or kind is SequenceStartEvent:
            tag = event.tag
            if not (tag is None or tag == "!" or tag == (_MAP if kind is MappingStartEvent else _SEQ)):
                raise NotPlain
            if len(stack) > max_depth:
                raise NotPlain
            value = {} if kind is MappingStartEvent else []
            line = event.start_mark.line + 1
            if is_map:
                if key is none:
                    raise NotPlain  # a collection as a key
                holder[key] = value
                child_path = key_path
                key = none
            elif is_map is False:
                child_path = path + (len(holder),)  # noqa: RUF005
                lines[child_path] = line
                if recording:
                    log.append((child_path, line))
                holder.append(value)
            else:
                root = value
                child_path = ()
                lines[()] = line
            stack.append((holder, path, is_map, key, key_path, weight, height, anchor))
            holder, path, is_map, key, key_path = value, child_path, kind is MappingStartEvent, none, ()
            weight = height = 0
            anchor = None
            if event.anchor is not None:
                anchor = _Anchor(value, line, child_path, len(log))
                _add_anchor(anchors, event.anchor, anchor)
                recording += 1
        elif kind is MappingEndEvent or kind is SequenceEndEvent:
            own_weight = len(holder) + 1 + weight
            own_height = height
            if anchor is not None:
                anchor.end = len(log)
                recording -= 1
                anchor.weight = own_weight
                anchor.height = own_height
                anchor.open = False
            holder, path, is_map, key, key_path, weight, height, anchor = stack.pop()
            weight += own_weight
            if own_height >= height:
                height = own_height + 1
        elif kind is AliasEvent:
            target = anchors.get(event.anchor)
            if target is None or target.open or (is_map and key is none):
                raise NotPlain  # undefined, recursive, or a key
            value = target.value
            if is_map:
                holder[key] = value
                child_path = key_path
                key = none
            elif is_map is False:
                child_path = path + (len(holder),)  # noqa: RUF005
                lines[child_path] = target.line
                if recording:
                    log.append((child_path, target.line))
                holder.append(value)
            else:
                raise NotPlain
            if target.height >= 0:  # a collection: the full reader walks it again at this path
                extra += target.weight
                if extra > max_alias_nodes or len(stack) + target.height > max_depth:
                    raise NotPlain
                weight += target.weight
                if target.height >= height:
                    height = target.height + 1
                cut = len(target.path)
                copied = [(child_path + sub[cut:], at) for sub, at in log[target.start : target.end]]
                lines.update(copied)
                if recording:
                    log.extend(copied)
        else:  # the document's end
            if type(get_event()) is not StreamEndEvent:
                raise NotPlain  # a second document
            return root, lines


def _add_anchor(anchors: dict[str, _Anchor], name: str, anchor: _Anchor) -> None:
    if name in anchors:
        raise NotPlain  # PyYAML refuses a second `&name`, naming both lines
    anchors[name] = anchor


_NONE: Any = object()
