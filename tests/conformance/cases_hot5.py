"""Cases of responses that repeat byte for byte on a connection, which the HTTP/1.1 parser answers from
the last whole response it parsed (`ResponseParser._seen_whole`): status, body, checks and
`http_req_failed` must count as k6 counts them, repeat after repeat."""

from __future__ import annotations

from typing import Any

from tests.conformance.model import Case, Check, Expect, Getter, cond, m, served, status_is


def _exact(label: str, getter: Getter, value: float) -> Expect:
    return Expect(label, getter, lo=value, hi=value)


def _get(path: str, name: str, check: Check) -> dict[str, Any]:
    return {"request": {"method": "GET", "url": "${BASE_URL}" + path}, "checks": {name: check}}


def _body_is(text: str) -> Check:
    return cond(f"body == {text!r}", f"r.body === {text!r}")


REPEATS = 3
REPEATED_RESPONSES = {
    "default": [
        *(_get("/status/200", f"200 #{i}", _body_is("status 200")) for i in range(REPEATS)),
        *(_get("/status/503", f"503 #{i}", status_is(503)) for i in range(REPEATS)),
        _get("/status/200", "200 after the 503s", status_is(200)),
    ]
}
ITERATIONS = 5
PER_ITERATION = 2 * REPEATS + 1

HOT5 = [
    Case(
        "repeated_responses",
        "three identical 200s, three identical 503s, a 200, on one VU's connection, 5 iterations",
        REPEATED_RESPONSES,
        {"iterations": ITERATIONS},
        expect=(
            _exact("http_reqs", m("http_reqs"), ITERATIONS * PER_ITERATION),
            _exact("served /status/", served("/status/"), ITERATIONS * PER_ITERATION),
            _exact("checks passes", m("checks", "passes"), ITERATIONS * PER_ITERATION),
            _exact("checks fails", m("checks", "fails"), 0),
            _exact("http_req_failed passes (the 503s)", m("http_req_failed", "passes"), ITERATIONS * REPEATS),
        ),
    ),
]
