"""Cases of a request's own settings (`redirects`, `timeout`, `response_type`: k6's params), which the
client resolves once per prepared request: each request keeps its own, iteration after iteration, and
a request without any gets the options' defaults."""

from __future__ import annotations

from typing import Any

from tests.conformance.model import Case, Check, Expect, Getter, cond, m, served, status_is


def _exact(label: str, getter: Getter, value: float) -> Expect:
    return Expect(label, getter, lo=value, hi=value)


def _get(path: str, name: str, check: Check, **settings: Any) -> dict[str, Any]:
    return {"request": {"method": "GET", "url": "${BASE_URL}" + path, **settings}, "checks": {name: check}}


SETTINGS_PER_REQUEST = {
    "default": [
        _get("/redirect/3", "stopped at the 302", status_is(302), redirects=1),
        _get("/delay/3000", "timed out", cond("error_code == 1050", "r.error_code === 1050"), timeout="300ms"),
        _get("/bytes/100", "no body kept", cond("body == ''", "r.body === null"), response_type="none"),
        _get("/redirect/2", "followed to the end", status_is(200)),  # the defaults: maxRedirects 10
    ]
}

HOT4 = [
    Case(
        "request_settings_per_request",
        "per-request redirects 1, timeout 300ms, responseType none, then a request with none, 2 iterations",
        SETTINGS_PER_REQUEST,
        {"iterations": 2},
        expect=(
            _exact("http_reqs", m("http_reqs"), 2 * (2 + 1 + 1 + 3)),
            _exact("served /redirect/", served("/redirect/"), 2 * (2 + 3)),
            _exact("checks passes", m("checks", "passes"), 8),
            _exact("checks fails", m("checks", "fails"), 0),
            _exact("http_req_failed passes (the timeouts)", m("http_req_failed", "passes"), 2),
        ),
    ),
]
