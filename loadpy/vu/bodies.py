"""Request bodies and query strings, built the way k6 builds them (flow steps and Python code alike)."""

from __future__ import annotations

import json as _json
from collections.abc import Mapping
from typing import Any
from urllib.parse import urlencode


def encode_body(body: Any, json: Any, headers: dict[str, str]) -> bytes | None:
    """k6's body rules: str/bytes as is; a mapping is form-encoded; `json` is serialised."""
    if json is not None:
        headers.setdefault("Content-Type", "application/json")
        return _json.dumps(json, separators=(",", ":")).encode()
    if body is None:
        return None
    if isinstance(body, bytes):
        return body
    if isinstance(body, str):
        return body.encode()
    if isinstance(body, Mapping):
        headers.setdefault("Content-Type", "application/x-www-form-urlencoded")
        return urlencode({k: str(v) for k, v in body.items()}).encode()
    return str(body).encode()


def with_query(url: str, params: Mapping[str, Any] | None) -> str:
    if not params:
        return url
    query = urlencode([(k, v if isinstance(v, str) else _json.dumps(v)) for k, v in params.items()])
    return f"{url}{'&' if '?' in url else '?'}{query}"
