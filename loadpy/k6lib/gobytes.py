"""The Go/JS boundary conversions k6's modules apply to their arguments and results.

A JS string reaches Go as UTF-8 (a lone surrogate becomes U+FFFD); Go bytes reach JS as a string with one
U+FFFD per byte that is not part of a valid UTF-8 sequence (Go's decoding, not Python's `errors="replace"`,
which folds a truncated sequence into one U+FFFD).
"""

from __future__ import annotations

import re
from typing import Any

from loadpy.k6lib.errors import K6Error

_SURROGATE = re.compile("[\ud800-\udfff]")

# What `%T` prints for the Go value sobek exports from each JSON-compatible Python value.
_GO_TYPE_NAMES: tuple[tuple[type, str], ...] = (
    (bool, "bool"),
    (int, "int64"),
    (float, "float64"),
    (dict, "map[string]interface {}"),
    (list, "[]interface {}"),
)


def go_type_name(value: Any) -> str:
    """The Go type name k6 prints in a type error for a value that came from the script."""
    if value is None:
        return "<nil>"
    for kind, name in _GO_TYPE_NAMES:
        if isinstance(value, kind):
            return name
    return type(value).__name__


def utf8(text: str) -> bytes:
    """A JS string as the UTF-8 bytes Go sees."""
    try:
        return text.encode("utf-8")
    except UnicodeEncodeError:
        return _SURROGATE.sub("\ufffd", text).encode("utf-8")


def go_string(data: bytes) -> str:
    """Go bytes as the JS string sobek makes of them."""
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        pass
    out: list[str] = []
    i, end = 0, len(data)
    while i < end:
        # Go decodes rune by rune; a byte that starts no valid sequence becomes one U+FFFD.
        for width in (1, 2, 3, 4):
            chunk = data[i : i + width]
            try:
                out.append(chunk.decode("utf-8"))
                i += width
                break
            except UnicodeDecodeError:
                continue
        else:
            out.append("\ufffd")
            i += 1
    return "".join(out)


def to_bytes(value: Any) -> bytes:
    """k6's `common.ToBytes`: a string (as UTF-8) or an ArrayBuffer (bytes); anything else is refused."""
    if isinstance(value, str):
        return utf8(value)
    if isinstance(value, bytes | bytearray | memoryview):
        return bytes(value)
    raise K6Error(f"invalid type {go_type_name(value)}, expected string, []byte or ArrayBuffer")
