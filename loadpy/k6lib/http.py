"""The pure parts of k6/http: `http.url` templates, `http.file`, and request bodies built from objects.

An object body is form-urlencoded (Go's `url.Values.Encode`: keys sorted, arrays as repeated keys, values
printed with Go's `%v`), or, as soon as one value is an `http.file()`, a multipart/form-data body written
like Go's `mime/multipart.Writer`. k6 walks the object in Go map order, which is random, so its multipart
parts come in any order; here they follow the object's order.
"""

from __future__ import annotations

import os
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote_plus

from loadpy.k6lib import gourl
from loadpy.k6lib.errors import K6Error
from loadpy.k6lib.gobytes import go_type_name, to_bytes, utf8
from loadpy.k6lib.gofmt import go_value

FORM_CONTENT_TYPE = "application/x-www-form-urlencoded"


@dataclass(frozen=True, slots=True)
class TaggedURL:
    """What `` http.url`...` `` returns: the URL, the `name` tag (the template with `${}`), the masked URL."""

    name: str
    url: str
    clean_url: str


def url(parts: Sequence[str], *pieces: Any) -> TaggedURL:
    """`` http.url`a${x}b` `` as `url(["a", "b"], x)`: the template's literal parts and its values.

    A JS binding passes each value as JS `String(x)` makes it; a Python caller's non-strings go through str().
    """
    name = text = ""
    for i, part in enumerate(parts):
        name += part
        text += part
        if i < len(pieces):
            name += "${}"
            piece = pieces[i]
            text += piece if isinstance(piece, str) else str(piece)
    return new_url(text, name)


def new_url(text: str, name: str | None = None) -> TaggedURL:
    """k6's `httpext.NewURL`: a plain URL string is its own name, with credentials masked."""
    try:
        parsed = gourl.parse(text)
    except gourl.GoUrlError as err:
        raise K6Error(f"invalid URL: {err}") from None
    clean = gourl.clean(text, parsed)
    return TaggedURL(name=clean if name is None or name == text else name, url=text, clean_url=clean)


@dataclass(frozen=True, slots=True)
class FileData:
    """What `http.file(data, filename, contentType)` returns; `data` is a string or bytes (ArrayBuffer)."""

    data: str | bytes
    filename: str
    content_type: str


def file(data: Any, filename: str | None = None, content_type: str | None = None) -> FileData:
    """`http.file(...)`: the file name defaults to the current Unix time in nanoseconds, as in k6."""
    if not isinstance(data, str | bytes):
        raise K6Error(f"invalid type {go_type_name(data)}, expected string or ArrayBuffer")
    return FileData(
        data=data,
        filename=str(time.time_ns()) if filename is None else filename,
        content_type="application/octet-stream" if content_type is None else content_type,
    )


def encode_values(values: Mapping[str, list[str]]) -> str:
    """Go's `url.Values.Encode()`: keys sorted (by bytes), each key's values in order, query-escaped."""
    return "&".join(
        f"{quote_plus(utf8(key), safe='')}={quote_plus(utf8(item), safe='')}"
        for key in sorted(values, key=utf8)
        for item in values[key]
    )


def form_urlencode(data: Mapping[str, Any]) -> str:
    """An object body as k6 sends it: `a=1&b=x&b=y` with keys sorted and values printed by Go's `%v`."""
    return encode_values(
        {
            str(key): [go_value(v) for v in (value if isinstance(value, list) else [value])]
            for key, value in data.items()
        }
    )


def random_boundary() -> str:
    """Go's `multipart.randomBoundary`: 30 random bytes in hex."""
    return os.urandom(30).hex()


_BOUNDARY_SPECIALS = frozenset('()<>@,;:\\"/[]?= ')


def _escape_quotes(text: str) -> str:
    return text.replace("\\", "\\\\").replace('"', '\\"')


def multipart_body(data: Mapping[str, Any], boundary: str | None = None) -> tuple[bytes, str]:
    """A multipart/form-data body and its Content-Type, as k6 builds it for an object holding a file."""
    boundary = boundary or random_boundary()
    out = bytearray()
    for key, value in data.items():
        out += f"\r\n--{boundary}\r\n".encode() if out else f"--{boundary}\r\n".encode()
        if isinstance(value, FileData):
            # k6 writes this header itself: the file name is escaped, the field name is not.
            disposition = f'form-data; name="{key}"; filename="{_escape_quotes(value.filename)}"'
            out += utf8(f"Content-Disposition: {disposition}\r\nContent-Type: {value.content_type}\r\n\r\n")
            out += to_bytes(value.data)
        else:
            out += utf8(f'Content-Disposition: form-data; name="{_escape_quotes(key)}"\r\n\r\n')
            out += utf8(go_value(value))
    out += f"\r\n--{boundary}--\r\n".encode() if out else f"--{boundary}--\r\n".encode()
    shown = f'"{boundary}"' if any(c in _BOUNDARY_SPECIALS for c in boundary) else boundary
    return bytes(out), f"multipart/form-data; boundary={shown}"


def has_file(data: Mapping[str, Any]) -> bool:
    return any(isinstance(value, FileData) for value in data.values())


def object_body(data: Mapping[str, Any], boundary: str | None = None) -> tuple[bytes, str]:
    """The body and Content-Type k6 sends for an object passed as a request body."""
    if has_file(data):
        return multipart_body(data, boundary)
    return form_urlencode(data).encode("ascii"), FORM_CONTENT_TYPE
