"""The k6lib functions a YAML scenario's `{{ expressions }}` can call by name.

Pure functions only (no VU state): the k6-utils helpers, base64, digests and HMAC, and parse_html for
reading a response body. A data array of the same name takes precedence over a function.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from loadpy.k6lib import crypto, encoding, utils


def parse_html(source: str) -> Any:
    """k6/html's parseHTML; the HTML parser is imported on first use, not by every run."""
    from loadpy.k6lib.html import parse_html as parse

    return parse(source)


TEMPLATE_FUNCTIONS: dict[str, Callable[..., Any]] = {
    "random_int_between": utils.random_int_between,
    "random_item": utils.random_item,
    "random_string": utils.random_string,
    "uuidv4": utils.uuidv4,
    "find_between": utils.find_between,
    "b64encode": encoding.b64encode,
    "b64decode": encoding.b64decode,
    "md4": crypto.md4,
    "md5": crypto.md5,
    "sha1": crypto.sha1,
    "sha256": crypto.sha256,
    "sha384": crypto.sha384,
    "sha512": crypto.sha512,
    "sha512_224": crypto.sha512_224,
    "sha512_256": crypto.sha512_256,
    "ripemd160": crypto.ripemd160,
    "hmac": crypto.hmac,
    "parse_html": parse_html,
}
