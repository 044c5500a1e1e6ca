"""What a JS front end binds: each k6 module's exports by their JS names, and the JS → Python name rule.

`JS_EXPORTS["k6/crypto"]["createHash"]` is the Python callable behind `crypto.createHash`. Methods of the
objects they return (Selection, Element, Hasher) are found with `python_name(js_name)`: `nextAll` →
`next_all`, `innerHTML` → `inner_html`, `tHead` → `t_head`, `not` → `not_`.

The k6-utils stage helpers need VU state (`exec.test.options`, `exec.scenario.startTime`, `exec.vu.tags`)
and are not in the table: a binding calls `utils.current_stage_index(stages, elapsed_ms)` and friends with it.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from loadpy.k6lib import crypto, encoding, http, utils

if TYPE_CHECKING:
    from loadpy.k6lib.html import Selection


def parse_html(source: str, url: str = "") -> Selection:
    """k6/html's parseHTML (and a Response's html(), which gives the URL). Its parser (selectolax, ~2 MB
    resident) is loaded by the first call, not by every run that could import k6/html."""
    from loadpy.k6lib.html import parse_html as parse

    return parse(source, url)


JS_EXPORTS: dict[str, dict[str, Callable[..., Any]]] = {
    "k6/encoding": {"b64encode": encoding.b64encode, "b64decode": encoding.b64decode},
    "k6/crypto": {
        "createHash": crypto.create_hash,
        "createHMAC": crypto.create_hmac,
        "hmac": crypto.hmac,
        "md4": crypto.md4,
        "md5": crypto.md5,
        "randomBytes": crypto.random_bytes,
        "ripemd160": crypto.ripemd160,
        "sha1": crypto.sha1,
        "sha256": crypto.sha256,
        "sha384": crypto.sha384,
        "sha512": crypto.sha512,
        "sha512_224": crypto.sha512_224,
        "sha512_256": crypto.sha512_256,
        "hexEncode": crypto.hex_encode,
    },
    "k6/html": {"parseHTML": parse_html},
    # The pure parts of k6/http; requests themselves belong to the HTTP client.
    "k6/http": {"url": http.url, "file": http.file},
    "k6-utils": {
        "randomIntBetween": utils.random_int_between,
        "randomItem": utils.random_item,
        "randomString": utils.random_string,
        "uuidv4": utils.uuidv4,
        "findBetween": utils.find_between,
        "normalDistributionStages": utils.normal_distribution_stages,
        "parseDuration": utils.parse_duration,
    },
}

_K6_UTILS_URL = re.compile(r"https://jslib\.k6\.io/k6-utils/[0-9.]+/index\.js")
_WORD_BREAK = re.compile(r"(?<=[a-z0-9])(?=[A-Z])|(?<=[A-Z])(?=[A-Z][a-z])")
_KEYWORDS = frozenset(("not", "is"))


def module_exports(specifier: str) -> dict[str, Callable[..., Any]] | None:
    """The exports of an import specifier (`k6/crypto`, `https://jslib.k6.io/k6-utils/1.4.0/index.js`)."""
    if _K6_UTILS_URL.fullmatch(specifier):
        specifier = "k6-utils"
    return JS_EXPORTS.get(specifier)


def python_name(js_name: str) -> str:
    """The Python method for a k6 JS method or property name."""
    name = _WORD_BREAK.sub("_", js_name).lower()
    return name + "_" if name in _KEYWORDS else name
