"""Decoding a PATCH /v1/status body exactly as strictly as k6 does (Go's encoding/json into v1.Status).

`paused` is a null.Bool: true/false/null, anything else refused ("paused": "false" must not pause);
`vus` and `vus-max` are null.Int: an int64, or a string strconv.ParseInt accepts (k6 takes "2");
`stopped`, `running`, `tainted` are bools and `status` a number. The error texts are Go's, as k6 v1.1.0
returns them in the 400 "Invalid data" reply. Nesting deeper than Go's limit (10000) — or than Python's
parser manages — is refused with Go's "exceeded max depth" rather than a traceback.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from loadpy.base.go_values import go_json_type
from loadpy.logs import go_quote

INT64 = (-(1 << 63), (1 << 63) - 1)
GO_MAX_DEPTH = 10000


class InvalidData(ValueError):
    """The body is not a v1.StatusJSONAPI document; str() is k6's detail text."""


@dataclass(frozen=True)
class StatusPatch:
    paused: bool | None = None
    vus: int | None = None
    vus_max: int | None = None
    stopped: bool = False


class _Float(str):
    """A JSON number with a fraction or exponent, kept as written (Go quotes it in its errors)."""


def _kind(value: Any) -> str:
    """The JSON kind Go names in an UnmarshalTypeError (a number kept as written is still a number)."""
    return "number" if isinstance(value, _Float) else "object" if value is None else go_json_type(value)


def _field_error(kind: str, field: str, go_type: str) -> InvalidData:
    return InvalidData(f"json: cannot unmarshal {kind} into Go struct field {field} of type {go_type}")


def _null_bool(value: Any) -> bool | None:
    if value is None or isinstance(value, bool):
        return value
    kind = {"number": "float64", "array": "", "object": ""}.get(_kind(value), _kind(value))
    raise InvalidData(f"json: cannot unmarshal {kind} into Go value of type null.Bool")


def _parse_int(text: str) -> int:
    """strconv.ParseInt(text, 10, 64)."""
    digits = text[1:] if text[:1] in "+-" else text
    if not digits or not digits.isascii() or not digits.isdigit():
        raise InvalidData(f"strconv.ParseInt: parsing {go_quote(text)}: invalid syntax")
    value = int(text)
    if not INT64[0] <= value <= INT64[1]:
        raise InvalidData(f"strconv.ParseInt: parsing {go_quote(text)}: value out of range")
    return value


def _null_int(value: Any, key: str) -> int | None:
    if value is None:
        return None
    if isinstance(value, bool):
        raise InvalidData("json: cannot unmarshal bool into Go value of type null.Int")
    if isinstance(value, str) and not isinstance(value, _Float):
        return _parse_int(value)
    if isinstance(value, int | _Float):
        if isinstance(value, int) and INT64[0] <= value <= INT64[1]:
            return value
        raise _field_error(f"number {value}", f"Status.data.attributes.{key}", "int64")
    raise InvalidData("json: cannot unmarshal  into Go value of type null.Int")


def _go_char(ch: str) -> str:
    return "'\\''" if ch == "'" else f"'{ch}'"


def _too_deep(text: str) -> InvalidData:
    """Go's error for the bracket that went past the nesting limit (Python's, when lower)."""
    depth = deepest = 0
    culprit = "["
    in_string = escaped = False
    for ch in text:
        if in_string:
            escaped = not escaped and ch == "\\"
            in_string = escaped or ch != '"'
        elif ch == '"':
            in_string = True
        elif ch in "[{":
            depth += 1
            if depth > deepest:
                deepest, culprit = depth, ch
            if depth > GO_MAX_DEPTH:
                break
        elif ch in "]}":
            depth -= 1
    return InvalidData(f"invalid character {_go_char(culprit)} exceeded max depth")


def _syntax_error(text: str, exc: json.JSONDecodeError) -> InvalidData:
    """Go's wording for the common syntax errors."""
    if exc.pos >= len(text.rstrip()):
        return InvalidData("unexpected end of JSON input")
    ch = _go_char(text[exc.pos])
    if exc.msg == "Extra data":
        return InvalidData(f"invalid character {ch} after top-level value")
    if exc.msg == "Expecting value":
        return InvalidData(f"invalid character {ch} looking for beginning of value")
    if exc.msg.startswith("Expecting property name"):
        return InvalidData(f"invalid character {ch} looking for beginning of object key string")
    return InvalidData(f"invalid character {ch} ({exc.msg.lower()})")


def parse_status_patch(body: bytes) -> StatusPatch:
    """The changes a PATCH body asks for; InvalidData with k6's detail when it is not a valid document."""
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError:
        raise InvalidData("invalid UTF-8 in the request body") from None
    try:
        doc = json.loads(text, parse_float=_Float)
    except RecursionError:
        raise _too_deep(text) from None
    except json.JSONDecodeError as exc:
        raise _syntax_error(text, exc) from None
    if doc is None:
        return StatusPatch()
    if not isinstance(doc, dict):
        raise InvalidData(f"json: cannot unmarshal {_kind(doc)} into Go value of type v1.StatusJSONAPI")
    data = doc.get("data")
    if data is None:
        return StatusPatch()
    if not isinstance(data, dict):
        raise _field_error(_kind(data), "StatusJSONAPI.data", "v1.statusData")
    attrs = data.get("attributes")
    if attrs is None:
        return StatusPatch()
    if not isinstance(attrs, dict):
        raise _field_error(_kind(attrs), "statusData.data.attributes", "v1.Status")
    found: dict[str, Any] = {}
    for key, value in attrs.items():  # document order: the first bad field is the one reported
        if key == "paused":
            found["paused"] = _null_bool(value)
        elif key in ("vus", "vus-max"):
            found[key.replace("-", "_")] = _null_int(value, key)
        elif key in ("stopped", "running", "tainted"):
            if value is not None and not isinstance(value, bool):
                raise _field_error(_kind(value), f"Status.data.attributes.{key}", "bool")
            if key == "stopped" and value is not None:
                found["stopped"] = value
        elif key == "status" and value is not None and (isinstance(value, bool) or not isinstance(value, int)):
            raise _field_error(_kind(value), "Status.data.attributes.status", "lib.ExecutionStatus")
    return StatusPatch(**found)
