"""YAML text -> Python data within bounds, with the line of every key path.

A scenario file is untrusted input: it must not make the loader spend exponential time or memory
("billion laughs" alias bombs), overflow the stack (deep nesting) or die on bytes YAML forbids.
Each bound is checked before the data is built, and breaking one is a ConfigError naming the line.
libyaml (PyYAML's C parser) is used when installed: the pure-Python parser is ~10x slower.
A document is read from the parser's events in one pass (`yaml_events`); one that needs more than
that (merge keys, unusual tags) or breaks a rule goes through PyYAML's node graph below, which
gives the exact data or the exact error.
"""

from __future__ import annotations

import contextlib
import gc
import re
from collections.abc import Iterator
from typing import Any

import yaml

from loadpy.base.schema import KeyPath, format_keypath
from loadpy.config.bounds import MAX_DEPTH, MAX_FILE_BYTES
from loadpy.config.yaml_events import NotPlain, read_events
from loadpy.errors import ConfigError

# Nodes that aliases may add to what is written (a shared header block reused 1000 times adds ~5000).
MAX_ALIAS_NODES = 100_000

# YAML 1.1 allows tab, LF, CR and printable characters; C0/C1 controls, DEL and surrogates are errors.
_FORBIDDEN = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x84\x86-\x9f\ud800-\udfff\ufffe\uffff]")
_Loader: Any = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def read_yaml(text: str, path: str) -> tuple[Any, dict[KeyPath, int]]:
    """(data, line of each key path) for one YAML document; ConfigError (file, line) on any problem."""
    if len(text) > MAX_FILE_BYTES:
        raise ConfigError(f"the file is larger than {MAX_FILE_BYTES // (1024 * 1024)} MB", file=path)
    _check_characters(text, path)
    with _gc_paused():  # building millions of small objects: generational GC would rescan them all
        try:
            return _parse(text, path, fast=True)
        except NotPlain:
            return _parse(text, path, fast=False)


def _parse(text: str, path: str, *, fast: bool) -> tuple[Any, dict[KeyPath, int]]:
    """The fast event reader, or PyYAML's node graph walked for lines and bounds and then built."""
    loader = _Loader(text)
    try:
        if fast:
            return read_events(loader, MAX_DEPTH, MAX_ALIAS_NODES)
        node = loader.get_single_node()
        lines: dict[KeyPath, int] = {}
        if node is None:
            return None, lines
        _walk(node, lines, path)
        try:
            return _build(node, loader.construct_object), lines
        except _Unusual:
            return loader.construct_document(node), lines
    except yaml.MarkedYAMLError as exc:
        raise _syntax_error(exc, path) from None
    except (yaml.YAMLError, ValueError) as exc:  # ValueError: a constructor's, e.g. a date with month 13
        raise ConfigError(f"invalid YAML: {exc}", file=path) from None
    finally:
        loader.dispose()


@contextlib.contextmanager
def _gc_paused() -> Iterator[None]:
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


def _check_characters(text: str, path: str) -> None:
    bad = _FORBIDDEN.search(text)
    if bad is None:
        return
    line = text.count("\n", 0, bad.start()) + 1
    raise ConfigError(
        f"the control character U+{ord(bad.group()):04X} is not allowed in YAML",
        file=path,
        line=line,
        hint='write it as an escape inside a double-quoted string, e.g. "\\x00"',
    )


def _syntax_error(exc: yaml.MarkedYAMLError, path: str) -> ConfigError:
    problem = exc.problem or exc.context or "syntax error"
    # An unterminated construct is found at the end of the file: point at where it started.
    at_end = "end of stream" in problem and exc.context_mark is not None
    mark = exc.context_mark if at_end else (exc.problem_mark or exc.context_mark)
    context = f" ({exc.context})" if exc.context and exc.problem else ""
    hint = "indent with spaces: YAML does not allow tabs" if "'\\t'" in problem or "tab" in problem else None
    line = mark.line + 1 if mark else None
    return ConfigError(f"invalid YAML: {problem}{context}", file=path, line=line, hint=hint)


def _walk(root: yaml.Node, lines: dict[KeyPath, int], file: str) -> None:
    """Record lines, reject non-scalar and duplicate keys, and bound depth and alias expansion.

    Iterative, so neither depth nor width can reach Python's recursion limit. An alias is the
    same node object reached again: every collection visited more than once counts towards the
    bound with all it holds (scalars are not pushed: a scalar alias cannot grow anything).
    """
    seen: set[int] = set()
    extra = 0
    lines.setdefault((), root.start_mark.line + 1)
    stack: list[tuple[yaml.Node, KeyPath, int, int]] = [(root, (), 0, root.start_mark.line + 1)]
    while stack:
        node, path, depth, key_line = stack.pop()
        if depth > MAX_DEPTH:
            message = f"the document nests deeper than {MAX_DEPTH} levels"
            raise ConfigError(message, file=file, line=key_line, key=_short_key(path))
        if id(node) in seen:
            extra += len(node.value) + 1
            if extra > MAX_ALIAS_NODES:
                raise ConfigError(
                    f"aliases (*name) expand the document by more than {MAX_ALIAS_NODES:,} nodes",
                    file=file,
                    line=key_line,
                    key=_short_key(path),
                    hint="an anchor that refers to anchors that refer to anchors grows exponentially",
                )
        else:
            seen.add(id(node))
        if isinstance(node, yaml.MappingNode):
            _push_mapping(node, path, depth, lines, stack, file)
        elif isinstance(node, yaml.SequenceNode):
            for index in range(len(node.value) - 1, -1, -1):
                item = node.value[index]
                item_path = (*path, index)
                lines.setdefault(item_path, item.start_mark.line + 1)
                if not isinstance(item, yaml.ScalarNode):
                    stack.append((item, item_path, depth + 1, key_line))


def _push_mapping(
    node: yaml.MappingNode,
    path: KeyPath,
    depth: int,
    lines: dict[KeyPath, int],
    stack: list[tuple[yaml.Node, KeyPath, int, int]],
    file: str,
) -> None:
    seen_keys: dict[str, int] = {}
    children = []
    for key_node, value_node in node.value:
        line = key_node.start_mark.line + 1
        if not isinstance(key_node, yaml.ScalarNode):
            key = format_keypath(path)
            raise ConfigError("mapping keys must be plain strings", file=file, line=line, key=key or None)
        key = key_node.value
        if key == "<<":  # merge key: the merged entries keep their own marks
            children.append((value_node, path, depth + 1, line))
            continue
        if key in seen_keys:
            raise ConfigError(
                f"duplicate key {key!r} (first written on line {seen_keys[key]})",
                file=file,
                line=line,
                key=format_keypath((*path, key)),
            )
        seen_keys[key] = line
        key_path = (*path, key)
        lines[key_path] = line
        if not isinstance(value_node, yaml.ScalarNode):
            children.append((value_node, key_path, depth + 1, line))
    stack.extend(reversed(children))


_STR, _SEQ, _MAP = "tag:yaml.org,2002:str", "tag:yaml.org,2002:seq", "tag:yaml.org,2002:map"


class _Unusual(Exception):
    """A node `_build` leaves to PyYAML's own constructor (merge keys, sets, omaps, custom tags)."""


def _build(root: yaml.Node, construct: Any) -> Any:
    """The data of a checked node graph, as SafeConstructor builds it but ~3x faster (no generator per node).

    Plain strings are taken as they are, other scalars go through `construct` (PyYAML's), and an
    alias gets the very object built for its anchor, as in PyYAML.
    """
    built: dict[int, Any] = {}
    to_fill: list[tuple[Any, Any]] = []

    def make(node: Any) -> Any:  # a yaml Node; `.id` names its kind (typeshed omits it)
        kind, tag = node.id, node.tag
        if kind == "scalar":
            return node.value if tag == _STR else construct(node)
        found = built.get(id(node))
        if found is not None:
            return found
        if kind == "sequence" and tag == _SEQ:
            value: Any = []
        elif kind == "mapping" and tag == _MAP:
            value = {}
        else:
            raise _Unusual
        built[id(node)] = value
        to_fill.append((node, value))
        return value

    data = make(root)
    while to_fill:
        node, target = to_fill.pop()
        if node.id == "sequence":
            target.extend([make(item) for item in node.value])
            continue
        for key_node, value_node in node.value:
            if key_node.tag != _STR and key_node.value == "<<":
                raise _Unusual  # a merge key: PyYAML's flattening rules apply
            target[make(key_node)] = make(value_node)
    return data


def _short_key(path: KeyPath, parts: int = 4) -> str | None:
    """Where a runaway path starts: its leading mapping keys (at most `parts`), for depth and alias errors."""
    lead: list[str | int] = []
    for part in path[:parts]:
        if isinstance(part, int):
            break
        lead.append(part)
    return (format_keypath(tuple(lead)) + ("..." if len(path) > len(lead) else "")) or None
