"""k6/crypto: digests, HMAC, incremental hashers and random bytes, with k6's encodings and error texts.

Deviation, on purpose: k6 v1.1 crashes (nil pointer panic) on `createHash` with an unknown algorithm; here
it throws `invalid algorithm: <name>`, the text k6's `createHMAC` uses.
"""

from __future__ import annotations

import base64
import hashlib
import hmac as std_hmac
import os
from collections.abc import Callable
from typing import Any, Protocol

from loadpy.k6lib.errors import K6Error
from loadpy.k6lib.gobytes import to_bytes
from loadpy.k6lib.purehash import MD4, RIPEMD160


class _Hash(Protocol):
    def update(self, data: bytes, /) -> None: ...
    def digest(self) -> bytes: ...
    def copy(self) -> Any: ...


def _hashlib_or(name: str, fallback: Callable[..., _Hash]) -> Callable[..., _Hash]:
    """hashlib's implementation when this OpenSSL has it, else the pure-Python one."""
    try:
        hashlib.new(name)
    except ValueError:
        return fallback
    return lambda data=b"": hashlib.new(name, data)


ALGORITHMS: dict[str, Callable[..., _Hash]] = {
    "md4": _hashlib_or("md4", MD4),
    "md5": hashlib.md5,
    "sha1": hashlib.sha1,
    "sha256": hashlib.sha256,
    "sha384": hashlib.sha384,
    "sha512": hashlib.sha512,
    "sha512_224": _hashlib_or("sha512_224", lambda data=b"": hashlib.new("sha512_224", data)),
    "sha512_256": _hashlib_or("sha512_256", lambda data=b"": hashlib.new("sha512_256", data)),
    "ripemd160": _hashlib_or("ripemd160", RIPEMD160),
}

_ENCODERS: dict[str, Callable[[bytes], str | bytes]] = {
    "base64": lambda d: base64.b64encode(d).decode("ascii"),
    "base64url": lambda d: base64.urlsafe_b64encode(d).decode("ascii"),
    "base64rawurl": lambda d: base64.urlsafe_b64encode(d).decode("ascii").rstrip("="),
    "hex": lambda d: d.hex(),
    "binary": bytes,
}


def _constructor(algorithm: str) -> Callable[..., _Hash]:
    try:
        return ALGORITHMS[algorithm]
    except KeyError:
        raise K6Error(f"invalid algorithm: {algorithm}") from None


class _HmacAdapter:
    """`hmac.HMAC` over a constructor that may be the pure-Python fallback (which hmac cannot take by name)."""

    def __init__(self, new: Callable[..., _Hash], key: bytes) -> None:
        self._mac = std_hmac.new(key, digestmod=new)  # type: ignore[arg-type]  # a hashlib-shaped object

    def update(self, data: bytes, /) -> None:
        self._mac.update(data)

    def digest(self) -> bytes:
        return self._mac.digest()

    def copy(self) -> _HmacAdapter:
        clone = object.__new__(_HmacAdapter)
        clone._mac = self._mac.copy()
        return clone


class Hasher:
    """What `createHash`/`createHMAC` return: `update(input)` any number of times, `digest(encoding)`.

    As in Go, `digest` does not reset the state: a later `update` continues the same message.
    """

    def __init__(self, state: _Hash) -> None:
        self._state = state

    def update(self, data: Any) -> None:
        self._state.update(to_bytes(data))

    def digest(self, encoding: str = "") -> str | bytes:
        encoder = _ENCODERS.get(encoding)
        if encoder is None:
            raise K6Error(f"invalid output encoding: {encoding}")
        return encoder(self._state.copy().digest())


def create_hash(algorithm: str) -> Hasher:
    return Hasher(_constructor(algorithm)())


def create_hmac(algorithm: str, key: Any) -> Hasher:
    new = _constructor(algorithm)
    return Hasher(_HmacAdapter(new, to_bytes(key)))


def hmac(algorithm: str, key: Any, data: Any, encoding: str = "") -> str | bytes:
    hasher = create_hmac(algorithm, key)
    hasher.update(data)
    return hasher.digest(encoding)


def digest(algorithm: str, data: Any, encoding: str = "") -> str | bytes:
    """`crypto.<algorithm>(input, encoding)`; a bad input reads "<algorithm> failed: ..." as in k6."""
    hasher = create_hash(algorithm)
    try:
        hasher.update(data)
    except K6Error as err:
        raise K6Error(f"{algorithm} failed: {err.message}") from None
    return hasher.digest(encoding)


def md4(data: Any, encoding: str = "") -> str | bytes:
    return digest("md4", data, encoding)


def md5(data: Any, encoding: str = "") -> str | bytes:
    return digest("md5", data, encoding)


def sha1(data: Any, encoding: str = "") -> str | bytes:
    return digest("sha1", data, encoding)


def sha256(data: Any, encoding: str = "") -> str | bytes:
    return digest("sha256", data, encoding)


def sha384(data: Any, encoding: str = "") -> str | bytes:
    return digest("sha384", data, encoding)


def sha512(data: Any, encoding: str = "") -> str | bytes:
    return digest("sha512", data, encoding)


def sha512_224(data: Any, encoding: str = "") -> str | bytes:
    return digest("sha512_224", data, encoding)


def sha512_256(data: Any, encoding: str = "") -> str | bytes:
    return digest("sha512_256", data, encoding)


def ripemd160(data: Any, encoding: str = "") -> str | bytes:
    return digest("ripemd160", data, encoding)


def random_bytes(size: int | float) -> bytes:
    """`crypto.randomBytes(size)`: `size` truncates toward zero like a JS-to-Go int; below 1 is refused."""
    count = int(size)
    if count < 1:
        raise K6Error("invalid size")
    return os.urandom(count)


def hex_encode(data: Any) -> str:
    return to_bytes(data).hex()
