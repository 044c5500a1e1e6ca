"""k6/encoding against the real k6: every alphabet, both input kinds, both output formats, Go's errors."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from loadpy.k6lib.encoding import b64decode, b64encode
from tests.unit.k6lib.oracle import compare, k6_eval

PREAMBLE = "import encoding from 'k6/encoding';"
ENCODINGS = ["std", "rawstd", "url", "rawurl", "nonsense"]
TEXTS = ["", "f", "fo", "foo", "foob", "hello ü €?>", "\x00\xff~~~"]
BAD = [
    "!!!", "Zg", "Zg=", "Zg==", "Zm8=", "Zm8", "Zg===", "Zm9v\nYmFy", "Zm9v\r\nYg==\n", "Zg=\n=", "Z", "Zm9vY",
    "Zm9v=", "Zg==Zg==", "Zh==", "-_-_", "+/+/", "Zm9 v", "é", "Zg==\n\nx", "====",
]  # fmt: skip


def _cases() -> tuple[dict[str, str], dict[str, Callable[[], Any]]]:
    js: dict[str, str] = {}
    py: dict[str, Callable[[], Any]] = {}
    for enc in ENCODINGS:
        for i, text in enumerate(TEXTS):
            js[f"enc-{enc}-{i}"] = f"encoding.b64encode({json.dumps(text)}, {json.dumps(enc)})"
            py[f"enc-{enc}-{i}"] = lambda t=text, e=enc: b64encode(t, e)
            data = list(text.encode("utf-8"))
            js[f"encab-{enc}-{i}"] = f"encoding.b64encode(new Uint8Array({data}).buffer, {json.dumps(enc)})"
            py[f"encab-{enc}-{i}"] = lambda d=bytes(data), e=enc: b64encode(d, e)
        for i, src in enumerate(BAD + [b64encode(t, enc) for t in TEXTS]):
            for fmt in ("s", "b"):
                js[f"dec-{enc}-{i}-{fmt}"] = f"encoding.b64decode({json.dumps(src)}, {json.dumps(enc)}, '{fmt}')"
                py[f"dec-{enc}-{i}-{fmt}"] = lambda s=src, e=enc, f=fmt: b64decode(s, e, f)
    # Bytes that are not UTF-8 come back as one U+FFFD per bad byte (Go), a lone surrogate goes in as U+FFFD.
    for i, raw in enumerate([b"\xe2\x82", b"\xff\xfe", b"a\xc3", b"\xed\xa0\x80", b"\xf0\x9f\x98"]):
        src = b64encode(raw)
        js[f"bad-utf8-{i}"] = f"encoding.b64decode({json.dumps(src)}, 'std', 's')"
        py[f"bad-utf8-{i}"] = lambda s=src: b64decode(s, "std", "s")
    js["surrogate"] = "encoding.b64encode('a\\ud800b')"
    py["surrogate"] = lambda: b64encode("a\ud800b")
    js["default-encoding"] = "encoding.b64encode('??>')"
    py["default-encoding"] = lambda: b64encode("??>")
    for name, value in {"number": 5, "float": 1.5, "bool": True, "null": None, "object": {"a": 1}, "list": [1]}.items():
        js[f"type-{name}"] = f"encoding.b64encode({json.dumps(value)}, 'std')"
        py[f"type-{name}"] = lambda v=value: b64encode(v, "std")
    return js, py


def test_encoding_matches_k6() -> None:
    js, py = _cases()
    compare(k6_eval(PREAMBLE, js), py)
