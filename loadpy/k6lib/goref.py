"""Go's `URL.ResolveReference` and `URL.String()`: how k6 turns a link into an absolute URL.

Used by k6/html's link properties when the document came from a response (it has a URL).
"""

from __future__ import annotations

from dataclasses import replace

from loadpy.k6lib.gobytes import go_string, utf8
from loadpy.k6lib.gourl import GoUrl

_UNRESERVED = frozenset(b"abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_.~")
# Bytes each part keeps as they are beside the unreserved ones (Go's shouldEscape per encoding mode).
_KEEP = {
    "path": _UNRESERVED | frozenset(b"$&+,/:;=@"),
    "user": _UNRESERVED | frozenset(b"$&+,;="),
    "host": _UNRESERVED | frozenset(b"!$&'()*+,;=:[]<>\""),
    "fragment": _UNRESERVED | frozenset(b"$&+,/:;=?@!()*"),
}
_VALID_ENCODED_PATH = _KEEP["path"] | frozenset(b"!'()*[]%")


def escape(data: bytes, mode: str) -> str:
    keep = _KEEP[mode]
    return "".join(chr(b) if b in keep else f"%{b:02X}" for b in data)


def _unescape(data: bytes) -> bytes:
    out = bytearray()
    i = 0
    while i < len(data):
        if data[i] == 0x25 and i + 2 < len(data):
            out.append(int(data[i + 1 : i + 3], 16))
            i += 3
        else:
            out.append(data[i])
            i += 1
    return bytes(out)


def escaped_path(url: GoUrl) -> str:
    """`URL.EscapedPath()`: the path as written when that is a valid encoding of it, else re-escaped."""
    raw = url.raw_path
    if raw and all(b in _VALID_ENCODED_PATH for b in raw) and _unescape(raw) == url.path:
        return go_string(raw)
    if url.path == b"*":
        return "*"
    return escape(url.path, "path")


def resolve_path(base: str, ref: str) -> str:
    """Go's resolvePath: merge, then remove dot segments (RFC 3986 5.2), always with a leading slash."""
    if ref == "":
        full = base
    elif not ref.startswith("/"):
        full = base[: base.rfind("/") + 1] + ref
    else:
        full = ref
    if full == "":
        return ""
    out = "/"
    first = True
    elements = full.split("/")
    for elem in elements:
        if elem == ".":
            first = False
            continue
        if elem == "..":
            current = out[1:]
            index = current.rfind("/")
            out = "/"
            if index == -1:
                first = True
            else:
                out += current[:index]
        else:
            if not first:
                out += "/"
            out += elem
            first = False
    if elements[-1] in (".", ".."):
        out += "/"
    return out[1:] if len(out) > 1 and out[1] == "/" else out


def _with_path(url: GoUrl, escaped: str) -> GoUrl:
    raw = utf8(escaped)
    return replace(url, path=_unescape(raw), raw_path=raw)


def resolve_reference(base: GoUrl, ref: GoUrl) -> GoUrl:
    """`base.ResolveReference(ref)`."""
    url = ref if ref.scheme else replace(ref, scheme=base.scheme)
    if ref.scheme or ref.host or ref.username is not None:
        return _with_path(url, resolve_path(escaped_path(ref), ""))
    if ref.opaque:
        return replace(url, username=None, password=None, host=b"", path=b"", raw_path=b"")
    if not ref.path and not ref.force_query and not ref.raw_query:
        url = replace(url, raw_query=base.raw_query, fragment=ref.fragment or base.fragment)
    url = replace(url, host=base.host, username=base.username, password=base.password)
    return _with_path(url, resolve_path(escaped_path(base), escaped_path(ref)))


def to_string(url: GoUrl) -> str:
    """`URL.String()`."""
    out = ""
    if url.scheme:
        out += url.scheme + ":"
    if url.opaque:
        out += go_string(url.opaque)
    else:
        if url.scheme or url.host or url.username is not None:
            if url.host or url.path or url.username is not None:
                out += "//"
            if url.username is not None:
                out += escape(url.username, "user")
                if url.password is not None:
                    out += ":" + escape(url.password, "user")
                out += "@"
            if url.host:
                out += escape(url.host, "host")
        path = escaped_path(url)
        if path and not path.startswith("/") and url.host:
            out += "/"
        if not out and ":" in path.partition("/")[0]:
            out += "./"
        out += path
    if url.force_query or url.raw_query:
        out += "?" + go_string(url.raw_query)
    if url.fragment:
        out += "#" + escape(url.fragment, "fragment")
    return out
