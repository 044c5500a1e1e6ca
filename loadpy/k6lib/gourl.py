"""The checks Go's `net/url.Parse` makes, with its error texts, and k6's credential masking.

k6 refuses a URL exactly when Go's parser does (`invalid URL: parse "<url>": <reason>`), which is far
less often than Python's `urlsplit` and for other reasons: the query is never checked, a port is only
checked for digits, and a URL with a scheme and no `/` after it is opaque and accepted as is.
"""

from __future__ import annotations

from dataclasses import dataclass

from loadpy.k6lib.gobytes import go_string, utf8
from loadpy.k6lib.gofmt import go_quote

_ALNUM = frozenset(b"abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789")
_SCHEME_TAIL = frozenset(b"0123456789+-.")
_HOST_OK = _ALNUM | frozenset(b"!$&'()*+,;=:[]<>\"-_.~")
_USERINFO_OK = _ALNUM | frozenset(b"-._:~!$&'()*+,;=%@")
_HEX = frozenset(b"0123456789abcdefABCDEF")


class GoUrlError(ValueError):
    """`reason` is the text Go puts after `parse "<url>": `."""

    def __init__(self, url: str, reason: str) -> None:
        super().__init__(f"parse {go_quote(url)}: {reason}")
        self.reason = reason


@dataclass(frozen=True, slots=True)
class GoUrl:
    """Go's `url.URL` fields, as bytes: host, path and fragment unescaped, the query raw."""

    scheme: str = ""
    opaque: bytes = b""
    username: bytes | None = None
    password: bytes | None = None
    host: bytes = b""
    path: bytes = b""
    raw_path: bytes = b""
    force_query: bool = False
    raw_query: bytes = b""
    fragment: bytes = b""


def _check_escapes(part: bytes, host: bool = False) -> str | None:
    """Go's `unescape` validation: every % needs two hex digits; a host admits only a few ASCII bytes."""
    i = 0
    while i < len(part):
        byte = part[i]
        if byte == 0x25:  # %
            if i + 2 >= len(part) or part[i + 1] not in _HEX or part[i + 2] not in _HEX:
                return f"invalid URL escape {go_quote(go_string(part[i : i + 3]))}"
            if host and int(part[i + 1 : i + 2], 16) < 8 and part[i : i + 3] != b"%25":
                return f"invalid URL escape {go_quote(go_string(part[i : i + 3]))}"
            i += 3
            continue
        if host and byte < 0x80 and byte not in _HOST_OK:
            return f"invalid character {go_quote(chr(byte))} in host name"
        i += 1
    return None


def _unescape(part: bytes) -> bytes:
    out = bytearray()
    i = 0
    while i < len(part):
        if part[i] == 0x25:
            out.append(int(part[i + 1 : i + 3], 16))
            i += 3
        else:
            out.append(part[i])
            i += 1
    return bytes(out)


def _valid_optional_port(port: bytes) -> bool:
    return port == b"" or (port[:1] == b":" and all(0x30 <= b <= 0x39 for b in port[1:]))


def _host_error(host: bytes) -> str | None:
    if host.startswith(b"["):
        end = host.rfind(b"]")
        if end < 0:
            return "missing ']' in host"
        port = host[end + 1 :]
        if not _valid_optional_port(port):
            return f"invalid port {go_quote(go_string(port))} after host"
    else:
        colon = host.rfind(b":")
        if colon != -1 and not _valid_optional_port(host[colon:]):
            return f"invalid port {go_quote(go_string(host[colon:]))} after host"
    return _check_escapes(host, host=True)


def _split_scheme(raw: bytes) -> tuple[bytes, bytes]:
    for i, byte in enumerate(raw):
        if byte in _ALNUM and not 0x30 <= byte <= 0x39:
            continue
        if byte in _SCHEME_TAIL:
            if i == 0:
                return b"", raw
            continue
        if byte == 0x3A:  # :
            if i == 0:
                raise ValueError("missing protocol scheme")
            return raw[:i], raw[i + 1 :]
        return b"", raw
    return b"", raw


def parse(url: str) -> GoUrl:
    """Go's `url.Parse`; raises GoUrlError with Go's reason."""
    raw = utf8(url)
    if any(b < 0x20 or b == 0x7F for b in raw):
        raise GoUrlError(url, "net/url: invalid control character in URL")
    raw, _, fragment = raw.partition(b"#")
    try:
        scheme, rest = _split_scheme(raw)
    except ValueError as err:
        raise GoUrlError(url, str(err)) from None
    force_query = rest.endswith(b"?") and rest.count(b"?") == 1
    rest, _, query = (rest[:-1], b"", b"") if force_query else rest.partition(b"?")
    parts: dict[str, object] = {
        "scheme": scheme.decode("ascii").lower(),
        "force_query": force_query,
        "raw_query": query,
    }
    if not rest.startswith(b"/"):
        if scheme:
            return _finish(url, parts, fragment, opaque=rest)  # opaque: nothing more is checked
        if b":" in rest.partition(b"/")[0]:
            raise GoUrlError(url, "first path segment in URL cannot contain colon")
    if (scheme or not rest.startswith(b"///")) and rest.startswith(b"//"):
        authority, slash, path = rest[2:].partition(b"/")
        rest = slash + path
        userinfo, at, host = authority.rpartition(b"@")
        if (problem := _host_error(host)) is not None:
            raise GoUrlError(url, problem)
        parts["host"] = _unescape(host)
        if at:
            if any(b not in _USERINFO_OK for b in userinfo):
                raise GoUrlError(url, "net/url: invalid userinfo")
            name, colon, secret = userinfo.partition(b":")
            for part in (name, secret):
                if (problem := _check_escapes(part)) is not None:
                    raise GoUrlError(url, problem)
            parts["username"] = _unescape(name)
            parts["password"] = _unescape(secret) if colon else None
    if (problem := _check_escapes(rest)) is not None:
        raise GoUrlError(url, problem)
    parts["path"] = _unescape(rest)
    parts["raw_path"] = rest
    return _finish(url, parts, fragment)


def _finish(url: str, parts: dict[str, object], fragment: bytes, opaque: bytes = b"") -> GoUrl:
    if (problem := _check_escapes(fragment)) is not None:
        raise GoUrlError(url, problem)
    return GoUrl(opaque=opaque, fragment=_unescape(fragment), **parts)  # type: ignore[arg-type]


def clean(url: str, parsed: GoUrl) -> str:
    """k6's `URL.Clean()`: credentials masked as `****:****` (or `****` for a user alone).

    Like k6 it cuts the raw URL by the lengths of the *unescaped* credentials, right after `scheme://`.
    """
    if parsed.username is None:
        return url
    raw = utf8(url)
    start = len(parsed.scheme) + 3
    if parsed.password is not None:
        return go_string(raw[:start] + b"****:****" + raw[start + 1 + len(parsed.username) + len(parsed.password) :])
    return go_string(raw[:start] + b"****" + raw[start + len(parsed.username) :])
