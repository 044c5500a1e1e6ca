"""jQuery's data() conventions as k6 implements them: attribute ↔ property names and value parsing."""

from __future__ import annotations

import json
import math
from decimal import Decimal
from typing import Any

# serenize/snaker's initialisms: `data-user-id` is the property `userID`.
_INITIALISMS = frozenset(
    ("ACL", "API", "ASCII", "CPU", "CSS", "DNS", "EOF", "ETA", "GPU", "GUID", "HTML", "HTTP", "HTTPS", "ID", "IP",
     "JSON", "LHS", "OS", "QPS", "RAM", "RHS", "RPC", "SLA", "SMTP", "SQL", "SSH", "TCP", "TLS", "TTL", "UDP", "UI",
     "UID", "UUID", "URI", "URL", "UTF8", "VM", "XML", "XMPP", "XSRF", "XSS", "OAuth")
)  # fmt: skip


def _snake_to_camel(text: str) -> str:
    out = []
    for word in text.split("_"):
        if word == "oauth":
            out.append("OAuth")
        elif word.upper() in _INITIALISMS:
            out.append(word.upper())
        else:
            out.append(word[:1].upper() + word[1:])
    return "".join(out)


def attribute_to_property(name: str) -> str:
    """`foo-bar-id` → `fooBarID` (k6's attrToProperty over snaker.SnakeToCamel)."""
    head, dash, tail = name.partition("-")
    return head + _snake_to_camel(tail.replace("-", "_")) if dash else name


def _initialism_at(text: str) -> str:
    found = ""
    for length in range(1, 6):
        if len(text) >= length and text[:length] in _INITIALISMS:
            found = text[:length]
    return found


def property_to_attribute(name: str) -> str:
    """`fooBarID` → `foo-bar-id` (snaker.CamelToSnake, underscores as dashes)."""
    words: list[str] = []
    last = 0
    i = 0
    while i < len(name):
        if i > 0 and name[i].isupper():
            initialism = _initialism_at(name[last:])
            if initialism:
                words.append(initialism)
                i += len(initialism) - 1
                last = i
                i += 1
                continue
            words.append(name[last:i])
            last = i
        i += 1
    if name[last:]:
        words.append(name[last:])
    return "_".join(word.lower() for word in words).replace("_", "-")


def _go_fixed(number: float) -> str:
    """strconv.FormatFloat(v, 'f', -1, 64): the shortest digits that read back, never an exponent."""
    if math.isnan(number):
        return "NaN"
    if math.isinf(number):
        return "+Inf" if number > 0 else "-Inf"
    return format(Decimal(repr(number)).normalize(), "f")


def data_value(value: str) -> Any:
    """k6's convertDataAttrVal: JSON for `{`/`[`, booleans, numbers that print back unchanged, else the text.

    None stands for undefined (an empty value, "null" or "undefined").
    """
    if not value:
        return None
    if value[0] in "{[":
        try:
            return json.loads(value)
        except ValueError:
            return value
    if value == "true":
        return True
    if value == "false":
        return False
    if value in ("null", "undefined"):
        return None
    try:
        number = float(value)
    except ValueError:
        return value
    return number if _go_fixed(number) == value else value
