"""k6/encoding: base64 with Go's four alphabets and Go's decoder, including its error offsets.

Python's `base64` accepts what Go refuses (missing padding, stray characters) and reports no offset, so the
decoder here follows Go's `encoding/base64` quantum by quantum: `\\r` and `\\n` are skipped anywhere, padding
must be complete and last, unused trailing bits are ignored (Go's non-strict mode).
"""

from __future__ import annotations

import base64
from typing import Any

from loadpy.k6lib.errors import K6Error
from loadpy.k6lib.gobytes import go_string, to_bytes, utf8

_STD = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"
_URL = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
# encoding name → (alphabet, padded); an unknown name means "std", as in k6's switch default.
_ENCODINGS: dict[str, tuple[str, bool]] = {
    "std": (_STD, True),
    "rawstd": (_STD, False),
    "url": (_URL, True),
    "rawurl": (_URL, False),
}
_DECODE_MAPS = {alphabet: {ord(c): i for i, c in enumerate(alphabet)} for alphabet in (_STD, _URL)}
_NEWLINES = (0x0A, 0x0D)
_PAD = 0x3D


def b64encode(data: Any, encoding: str = "std") -> str:
    """`encoding.b64encode(input, encoding)`: `input` is a string (UTF-8) or an ArrayBuffer (bytes)."""
    alphabet, padded = _ENCODINGS.get(encoding, _ENCODINGS["std"])
    raw = base64.b64encode(to_bytes(data)) if alphabet == _STD else base64.urlsafe_b64encode(to_bytes(data))
    text = raw.decode("ascii")
    return text if padded else text.rstrip("=")


def b64decode(data: str, encoding: str = "std", format: str = "") -> bytes | str:
    """`encoding.b64decode(input, encoding, format)`: a string when `format` is "s", else an ArrayBuffer."""
    alphabet, padded = _ENCODINGS.get(encoding, _ENCODINGS["std"])
    decoded = go_b64decode(utf8(data), _DECODE_MAPS[alphabet], padded)
    return go_string(decoded) if format == "s" else decoded


def _corrupt(offset: int) -> K6Error:
    return K6Error(f"illegal base64 data at input byte {offset}")


def go_b64decode(src: bytes, decode_map: dict[int, int], padded: bool) -> bytes:
    """Go's `Encoding.DecodeString`, raising k6's error text where Go returns a CorruptInputError."""
    out = bytearray()
    si, end = 0, len(src)
    while True:
        digits: list[int] = []
        length = 4
        trailing_error: K6Error | None = None
        while len(digits) < 4:
            j = len(digits)
            if si == end:
                if j == 0:
                    return bytes(out)
                if j == 1 or padded:
                    raise _corrupt(si - j)
                length = j
                break
            byte = src[si]
            si += 1
            value = decode_map.get(byte)
            if value is not None:
                digits.append(value)
                continue
            if byte in _NEWLINES:
                continue
            if not padded or byte != _PAD:
                raise _corrupt(si - 1)
            # Padding: only after 2 or 3 digits, complete, and followed by nothing but newlines.
            if j < 2:
                raise _corrupt(si - 1)
            if j == 2:
                while si < end and src[si] in _NEWLINES:
                    si += 1
                if si == end:
                    raise _corrupt(end)
                if src[si] != _PAD:
                    raise _corrupt(si - 1)
                si += 1
            while si < end and src[si] in _NEWLINES:
                si += 1
            if si < end:
                trailing_error = _corrupt(si)
            length = j
            break
        digits += [0] * (4 - len(digits))
        value = digits[0] << 18 | digits[1] << 12 | digits[2] << 6 | digits[3]
        out += value.to_bytes(3, "big")[: length - 1]
        if trailing_error is not None:
            raise trailing_error
        if length < 4:
            return bytes(out)
