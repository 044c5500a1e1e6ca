"""Go's `fmt.Sprint` (`%v`) of the values sobek exports from JS: how k6 prints a form value."""

from __future__ import annotations

import math
from typing import Any

from loadpy.outputs.formats import go_float

_INT64 = 2**63


def go_value(value: Any) -> str:
    """`fmt.Sprintf("%v", v)` for a value exported from JS (str, number, bool, null, list, dict)."""
    if isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "true" if value else "false"
    if value is None:
        return "<nil>"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        # sobek exports an integral number that fits int64 as int64.
        if value.is_integer() and -_INT64 <= value < _INT64 and not (value == 0 and math.copysign(1, value) < 0):
            return str(int(value))
        return go_float(value)  # %v of a float64 is strconv's shortest 'g'
    if isinstance(value, list):
        return "[" + " ".join(go_value(v) for v in value) + "]"
    if isinstance(value, dict):
        return "map[" + " ".join(f"{k}:{go_value(value[k])}" for k in sorted(value)) + "]"
    return str(value)


_QUOTE_ESCAPES = {"\a": "\\a", "\b": "\\b", "\f": "\\f", "\n": "\\n", "\r": "\\r", "\t": "\\t", "\v": "\\v"}


def go_quote(text: str) -> str:
    """Go's `strconv.Quote` (`%q`): printable runes kept, the rest as \\x, \\u or \\U escapes."""
    out = ['"']
    for char in text:
        code = ord(char)
        if char in '"\\':
            out.append("\\" + char)
        elif char in _QUOTE_ESCAPES:
            out.append(_QUOTE_ESCAPES[char])
        elif char.isprintable():
            out.append(char)
        elif code < 0x20 or code == 0x7F:
            out.append(f"\\x{code:02x}")
        elif 0xD800 <= code <= 0xDFFF:
            out.append("\\ufffd")  # a lone surrogate reached Go as U+FFFD
        elif code < 0x10000:
            out.append(f"\\u{code:04x}")
        else:
            out.append(f"\\U{code:08x}")
    out.append('"')
    return "".join(out)
