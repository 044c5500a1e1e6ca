"""k6/crypto against the real k6: every algorithm and encoding, HMAC keys around the block size, errors."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import pytest

from loadpy.k6lib import crypto
from loadpy.k6lib.errors import K6Error
from loadpy.k6lib.purehash import MD4, RIPEMD160
from tests.unit.k6lib.oracle import compare, k6_eval

PREAMBLE = "import crypto from 'k6/crypto';"
ALGORITHMS = list(crypto.ALGORITHMS)
ENCODINGS = ["hex", "base64", "base64url", "base64rawurl", "binary", "", "HEX"]
INPUTS = ["", "abc", "héllo wörld", "x" * 200]
KEYS = ["", "k", "k" * 64, "k" * 129]


def _js(value: str | bytes) -> str:
    return f"new Uint8Array({list(value)}).buffer" if isinstance(value, bytes) else json.dumps(value)


def _cases() -> tuple[dict[str, str], dict[str, Callable[[], Any]]]:
    js: dict[str, str] = {}
    py: dict[str, Callable[[], Any]] = {}
    for alg in ALGORITHMS:
        for i, data in enumerate([*INPUTS, bytes(range(256))]):
            js[f"{alg}-{i}"] = f"crypto.{alg}({_js(data)}, 'hex')"
            py[f"{alg}-{i}"] = lambda a=alg, d=data: getattr(crypto, a)(d, "hex")
        for enc in ENCODINGS:
            js[f"{alg}-enc-{enc}"] = f"crypto.{alg}('abc', {json.dumps(enc)})"
            py[f"{alg}-enc-{enc}"] = lambda a=alg, e=enc: getattr(crypto, a)("abc", e)
        for i, key in enumerate([*KEYS, b"\x00\xff" * 70]):
            js[f"hmac-{alg}-{i}"] = f"crypto.hmac('{alg}', {_js(key)}, 'data', 'base64')"
            py[f"hmac-{alg}-{i}"] = lambda a=alg, k=key: crypto.hmac(a, k, "data", "base64")
        js[f"incremental-{alg}"] = (
            f"(() => {{ const h = crypto.createHash('{alg}'); h.update('a'); const first = h.digest('hex');"
            " h.update(new Uint8Array([98, 99]).buffer); return [first, h.digest('hex'), h.digest('base64')]; })()"
        )
        py[f"incremental-{alg}"] = lambda a=alg: _incremental(crypto.create_hash(a))
        js[f"incremental-hmac-{alg}"] = (
            f"(() => {{ const h = crypto.createHMAC('{alg}', 'key'); h.update('a'); const first = h.digest('hex');"
            " h.update('bc'); return [first, h.digest('hex'), h.digest('base64')]; })()"
        )
        py[f"incremental-hmac-{alg}"] = lambda a=alg: _incremental(crypto.create_hmac(a, "key"))
    errors: dict[str, tuple[str, Callable[[], Any]]] = {
        "bad-input": ("crypto.md5(5, 'hex')", lambda: crypto.md5(5, "hex")),
        "bad-input-null": ("crypto.sha256(null, 'hex')", lambda: crypto.sha256(None, "hex")),
        "no-encoding": ("crypto.sha1('x')", lambda: crypto.sha1("x")),
        "hmac-bad-alg": ("crypto.hmac('sha3', 'k', 'x', 'hex')", lambda: crypto.hmac("sha3", "k", "x", "hex")),
        "hmac-bad-key": ("crypto.hmac('sha1', 5, 'x', 'hex')", lambda: crypto.hmac("sha1", 5, "x", "hex")),
        "hmac-bad-data": ("crypto.hmac('sha1', 'k', [1], 'hex')", lambda: crypto.hmac("sha1", "k", [1], "hex")),
        "hmac-bad-enc": ("crypto.hmac('sha1', 'k', 'x', 'b64')", lambda: crypto.hmac("sha1", "k", "x", "b64")),
        "create-hmac-bad": ("crypto.createHMAC('nope', 'k')", lambda: crypto.create_hmac("nope", "k")),
        "random-0": ("crypto.randomBytes(0)", lambda: crypto.random_bytes(0)),
        "random-neg": ("crypto.randomBytes(-3)", lambda: crypto.random_bytes(-3)),
        "random-size": ("crypto.randomBytes(7.9).byteLength", lambda: len(crypto.random_bytes(7.9))),
        "hex-encode": ("crypto.hexEncode('\\u00e9a')", lambda: crypto.hex_encode("\u00e9a")),
        "hex-encode-ab": ("crypto.hexEncode(new Uint8Array([0, 255]).buffer)", lambda: crypto.hex_encode(b"\0\xff")),
        "hex-encode-bad": ("crypto.hexEncode(1.5)", lambda: crypto.hex_encode(1.5)),
    }
    for name, (expr, fn) in errors.items():
        js[name], py[name] = expr, fn
    return js, py


def _incremental(hasher: crypto.Hasher) -> list[str | bytes]:
    hasher.update("a")
    first = hasher.digest("hex")
    hasher.update(b"bc")
    return [first, hasher.digest("hex"), hasher.digest("base64")]


def test_crypto_matches_k6() -> None:
    js, py = _cases()
    compare(k6_eval(PREAMBLE, js), py)


@pytest.mark.parametrize("data", [b"", b"abc", b"a" * 55, b"a" * 56, b"a" * 64, bytes(range(256)) * 5])
def test_pure_fallbacks_match_reference_vectors(data: bytes) -> None:
    """The pure MD4/RIPEMD-160 are exercised even where hashlib has them (k6 compares only the chosen one)."""
    expected_md4 = {b"": "31d6cfe0d16ae931b73c59d7e0c089c0", b"abc": "a448017aaf21d8525fc10ae87aa6729d"}
    expected_rmd = {b"": "9c1185a5c5e9fc54612808977ee8f548b2258d31", b"abc": "8eb208f7e05d987a9b044a8e98c6b087f15a0bfc"}
    if data in expected_md4:
        assert MD4(data).hexdigest() == expected_md4[data]
        assert RIPEMD160(data).hexdigest() == expected_rmd[data]
    incremental = RIPEMD160()
    for i in range(0, len(data), 7):
        incremental.update(data[i : i + 7])
    assert incremental.digest() == RIPEMD160(data).digest()


def test_pure_fallbacks_match_k6() -> None:
    inputs = ["", "abc", "a" * 55, "a" * 56, "a" * 64, "q" * 1000]
    js = {
        f"{alg}-{i}": f"crypto.{alg}({json.dumps(d)}, 'hex')"
        for alg in ("md4", "ripemd160")
        for i, d in enumerate(inputs)
    }
    py = {f"md4-{i}": (lambda d=d: MD4(d.encode()).hexdigest()) for i, d in enumerate(inputs)}
    py |= {f"ripemd160-{i}": (lambda d=d: RIPEMD160(d.encode()).hexdigest()) for i, d in enumerate(inputs)}
    compare(k6_eval(PREAMBLE, js), py)


def test_create_hash_refuses_unknown_algorithm() -> None:
    """k6 v1.1 crashes on this (nil pointer); loadpy throws the text of createHMAC instead."""
    with pytest.raises(K6Error, match=r"^invalid algorithm: sha3$"):
        crypto.create_hash("sha3")
