"""Request bodies and query strings, built the way k6 builds them (flow steps and Python code alike)."""

from __future__ import annotations

import json as _json
from collections.abc import Mapping
from typing import Any
from urllib.parse import urlencode


def encode_body(body: Any, json: Any, headers: dict[str, str]) -> bytes | None:
    """k6's body rules: str/bytes as is; a mapping is form-encoded (or multipart); `json` is serialised."""
    if json is not None:
        headers.setdefault("Content-Type", "application/json")
        return _json.dumps(json, separators=(",", ":")).encode()
    if body is None:
        return None
    if isinstance(body, bytes):
        return body
    if isinstance(body, str):
        return body.encode()
    if isinstance(body, Mapping):  # k6's rules: sorted form fields, or multipart when a value is a file
        from loadpy.k6lib.http import object_body  # (k6lib's Go formatting: loaded by the first form body)

        data, content_type = object_body(body)
        headers.setdefault("Content-Type", content_type)
        return data
    return str(body).encode()


def with_query(url: str, params: Mapping[str, Any] | None) -> str:
    if not params:
        return url
    query = urlencode([(k, v if isinstance(v, str) else _json.dumps(v)) for k, v in params.items()])
    return f"{url}{'&' if '?' in url else '?'}{query}"
