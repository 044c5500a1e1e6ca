"""Response body decoding for Content-Encoding (k6 decodes gzip, deflate, br, zstd)."""

from __future__ import annotations

import zlib

__all__ = ["DecodeError", "decode_body"]

try:  # optional, like k6's br support needs a decoder
    import brotli as _brotli  # type: ignore[import-not-found]
except ImportError:  # pragma: no cover - depends on the environment
    _brotli = None


class DecodeError(Exception):
    """The body does not match its Content-Encoding (k6 error 1701)."""


def _inflate(data: bytes) -> bytes:
    try:
        return zlib.decompress(data)
    except zlib.error:
        return zlib.decompress(data, -zlib.MAX_WBITS)  # raw deflate, as some servers send


def decode_body(body: bytes, content_encoding: str) -> bytes:
    """Undo every coding listed in `content_encoding`, last applied first."""
    codings = [c.strip().lower() for c in content_encoding.split(",") if c.strip()]
    for coding in reversed(codings):
        try:
            if coding in ("gzip", "x-gzip"):
                body = zlib.decompress(body, 16 + zlib.MAX_WBITS)
            elif coding == "deflate":
                body = _inflate(body)
            elif coding == "br" and _brotli is not None:
                body = _brotli.decompress(body)
            elif coding == "identity":
                continue
            else:
                continue  # unknown coding: hand the bytes over as they are
        except Exception as exc:
            raise DecodeError(f"error decompressing response body ({coding}: {exc})") from None
    return body
