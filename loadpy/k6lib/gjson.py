"""GJSON paths, as k6's `res.json(selector)` reads them (github.com/tidwall/gjson's syntax).

`select(text, path)` answers the JSON of the selected value, or None when the path selects nothing
(k6's `undefined`: a missing key, an index out of range, a body that is not JSON, an empty path).

Supported, as in gjson: `a.b` keys, `\\` escapes (`fav\\.movie`), `*` and `?` wildcards in a key
(the first key that matches), array indexes, `#` (the length; `a.#.b` maps `.b` over the elements),
queries `#(b=="x")` (first match) and `#(b>1)#` (every match) with `== = != < <= > >= % !%` and nested
queries (`#(nets.#(=="fb"))#`), `|` (the rest applies to the whole result), modifiers `@reverse`,
`@this`, `@keys`, `@values`, `@flatten`, `@join`, `@valid`, `@ugly`, `@pretty`, `@tostr`, `@fromstr`,
multipaths `{a,b.c}` / `[a,b]` (with `"name":path` keys), and `..` (JSON Lines: one value a line).
"""

from __future__ import annotations

import fnmatch
import json
from collections.abc import Iterator
from typing import Any

_MISSING = object()
_OPERATORS = ("==", "!=", "<=", ">=", "!%", "=", "<", ">", "%")


def select(text: str, path: str) -> str | None:
    """The JSON of what `path` selects in the JSON `text`, or None (undefined)."""
    if not path:
        return None
    try:
        if path.startswith(".."):
            doc: Any = [json.loads(line) for line in text.splitlines() if line.strip()]
            path = path[2:]
        else:
            doc = json.loads(text)
    except ValueError:
        return None
    found = get(doc, path)
    return None if found is _MISSING else json.dumps(found, ensure_ascii=False, separators=(",", ":"))


def get(value: Any, path: str) -> Any:
    """The value `path` selects in `value`, or _MISSING."""
    if path == "":
        return value
    left, piped = _split_pipe(path)
    if piped is not None:  # the right side reads the left side's whole result (it ends a `#.` mapping)
        if not piped:
            return _MISSING
        found = get(value, left)
        return _MISSING if found is _MISSING else get(found, piped)
    head, sep, rest = _next_component(path)
    if sep and not rest:
        return _MISSING  # `age.`: a separator with nothing after it
    return _component(value, head, rest)


def _split_pipe(path: str) -> tuple[str, str | None]:
    """`a.b|c` → ("a.b", "c"); (path, None) without a `|` outside brackets and quotes."""
    rest = path
    done = 0
    while True:
        head, sep, tail = _next_component(rest)
        if not sep:
            return path, None
        done += len(head) + 1
        if sep == "|":
            return path[: done - 1], tail
        rest = tail


def _top_level(text: str) -> Iterator[int]:
    """Indexes of the characters of `text` outside quotes and brackets, escapes skipped."""
    depth = 0
    quoted = False
    i = 0
    while i < len(text):
        c = text[i]
        if c == "\\":
            i += 2
            continue
        if quoted:
            quoted = c != '"'
        elif c == '"':
            quoted = True
        elif c in "([{":
            depth += 1
        elif c in ")]}":
            depth -= 1
        elif depth == 0:
            yield i
        i += 1


def _next_component(path: str) -> tuple[str, str, str]:
    """`a.b|c` → ("a", ".", "b|c"): the first component (escapes kept), its separator, the rest."""
    for i in _top_level(path):
        if path[i] in ".|":
            return path[:i], path[i], path[i + 1 :]
    return path, "", ""


def _component(value: Any, head: str, rest: str) -> Any:
    if head == "":
        return _MISSING
    if head[0] in "{[":
        found = _multipath(value, head)
    elif head[0] == "@":
        found = _modifier(value, head)
    elif isinstance(value, list) and head.startswith("#"):
        return _array(value, head, rest)
    else:
        found = _child(value, head)
    if found is _MISSING or rest == "":
        return found
    return get(found, rest)


def _child(value: Any, key: str) -> Any:
    if isinstance(value, dict):
        if "*" in key or "?" in key.replace("\\?", ""):
            return next((v for k, v in value.items() if _pattern_match(k, key)), _MISSING)
        return value.get(_unescape(key), _MISSING)
    if isinstance(value, list) and key.isdigit():
        index = int(key)
        return value[index] if index < len(value) else _MISSING
    return _MISSING


def _array(items: list[Any], head: str, rest: str) -> Any:
    if head == "#":
        if rest == "":
            return len(items)
        return [found for item in items if (found := get(item, rest)) is not _MISSING]
    if not head.startswith("#(") or not head.endswith((")", ")#")):
        return _MISSING
    every = head.endswith(")#")
    query = head[2 : -2 if every else -1]
    matches = [item for item in items if _query_matches(item, query)]
    if every:
        if rest == "":
            return matches
        return [found for item in matches if (found := get(item, rest)) is not _MISSING]
    if not matches:
        return _MISSING
    return get(matches[0], rest) if rest else matches[0]


def _query_matches(item: Any, query: str) -> bool:
    path, op, literal = _split_query(query)
    target = get(item, path) if path else item
    if target is _MISSING:
        return False
    if not op:
        return True
    if target is None:
        return False  # gjson compares strings, numbers and booleans: a null matches no condition
    if literal.startswith('"') and literal.endswith('"') and len(literal) >= 2:
        want: Any = json.loads(literal)
    elif literal in ("true", "false"):
        want = literal == "true"
    else:
        try:
            want = float(literal)
        except ValueError:
            want = literal
    return _compare(target, op, want)


def _split_query(query: str) -> tuple[str, str, str]:
    """`last=="Murphy"` → ("last", "==", '"Murphy"'); the path part may hold nested queries."""
    depth = 0
    i = 0
    while i < len(query):
        c = query[i]
        if c == "\\":
            i += 2
            continue
        if c == "(":
            depth += 1
        elif c == ")":
            depth -= 1
        elif depth == 0 and c == '"':
            break
        elif depth == 0:
            for op in _OPERATORS:
                if query.startswith(op, i):
                    return query[:i].strip(), op, query[i + len(op) :].strip()
        i += 1
    return query.strip(), "", ""


def _compare(value: Any, op: str, want: Any) -> bool:
    if op in ("%", "!%"):
        matched = isinstance(value, str) and isinstance(want, str) and _pattern_match(value, want)
        return matched if op == "%" else not matched
    if isinstance(value, bool) or isinstance(want, bool):
        if op in ("==", "="):
            return value is want
        return op == "!=" and value is not want
    if isinstance(value, (int, float)) and isinstance(want, (int, float)):
        a, b = float(value), float(want)
    elif isinstance(value, str) and isinstance(want, str):
        a, b = value, want  # type: ignore[assignment]
    else:
        return op == "!="
    if op in ("==", "="):
        return a == b
    if op == "!=":
        return a != b
    if op == "<":
        return a < b
    if op == "<=":
        return a <= b
    if op == ">":
        return a > b
    return a >= b


def _modifier(value: Any, head: str) -> Any:
    name, _, _arg = head[1:].partition(":")
    if name == "this" or name in ("valid", "ugly", "pretty"):
        return value
    if name == "reverse":
        if isinstance(value, list):
            return value[::-1]
        if isinstance(value, dict):
            return dict(reversed(list(value.items())))
        return value
    if name == "keys":
        return list(value) if isinstance(value, dict) else []
    if name == "values":
        return list(value.values()) if isinstance(value, dict) else []
    if name == "flatten":
        if not isinstance(value, list):
            return value
        return [x for item in value for x in (item if isinstance(item, list) else [item])]
    if name == "join":
        if not isinstance(value, list):
            return value
        joined: dict[str, Any] = {}
        for item in value:
            if isinstance(item, dict):
                joined.update(item)
        return joined
    if name == "tostr":
        return json.dumps(value, separators=(",", ":"))
    if name == "fromstr":
        try:
            return json.loads(value) if isinstance(value, str) else _MISSING
        except ValueError:
            return _MISSING
    return _MISSING


def _multipath(value: Any, head: str) -> Any:
    as_object = head[0] == "{"
    closing = "}" if as_object else "]"
    if not head.endswith(closing):
        return _MISSING
    out_obj: dict[str, Any] = {}
    out_list: list[Any] = []
    for entry in _split_commas(head[1:-1]):
        key = ""
        if entry.startswith('"'):
            end = entry.find('"', 1)
            if end > 0 and entry[end + 1 : end + 2] == ":":
                key, entry = entry[1:end], entry[end + 2 :]
        found = get(value, entry)
        if found is _MISSING:
            continue
        if as_object:
            out_obj[key or _last_name(entry)] = found
        else:
            out_list.append(found)
    return out_obj if as_object else out_list


def _split_commas(text: str) -> list[str]:
    parts: list[str] = []
    start = 0
    for i in _top_level(text):
        if text[i] == ",":
            parts.append(text[start:i].strip())
            start = i + 1
    parts.append(text[start:].strip())
    return [p for p in parts if p]


def _last_name(path: str) -> str:
    last = path
    while True:
        _, sep, rest = _next_component(last)
        if not sep:
            return _unescape(last)
        last = rest


def _unescape(key: str) -> str:
    if "\\" not in key:
        return key
    out = []
    i = 0
    while i < len(key):
        if key[i] == "\\" and i + 1 < len(key):
            i += 1
        out.append(key[i])
        i += 1
    return "".join(out)


def _pattern_match(text: str, pattern: str) -> bool:
    """gjson's wildcard match: `*` any run, `?` one character, `\\` escapes."""
    translated = []
    i = 0
    while i < len(pattern):
        c = pattern[i]
        if c == "\\" and i + 1 < len(pattern):
            i += 1
            translated.append("[" + pattern[i] + "]" if pattern[i] in "*?[" else pattern[i])
        elif c == "[":
            translated.append("[[]")
        else:
            translated.append(c)
        i += 1
    return fnmatch.fnmatchcase(text, "".join(translated))
