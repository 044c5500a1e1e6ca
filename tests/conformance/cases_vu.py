"""Tags follow each request (issue #14): batch items with one URL but their own `name`, and the hops
of a named redirect, are counted in their own submetrics — exactly as k6 counts them."""

from __future__ import annotations

from typing import Any

from tests.conformance.model import Case, Expect, m, served


def exact(label: str, getter: Any, value: float) -> Expect:
    return Expect(label, getter, lo=value, hi=value)


def _item(path: str, name: str) -> dict[str, Any]:
    return {"request": {"method": "GET", "url": "${BASE_URL}" + path, "name": name}}


def _counts(*names: str) -> dict[str, list[str]]:
    return {f"http_reqs{{name:{n}}}": ["count>0"] for n in names}


VU_CASES: list[Case] = [
    Case(
        "batch_same_url_own_names",
        "a batch of one URL twice under two names, and a named 2-hop redirect",
        {
            "default": [
                {
                    "batch": [
                        _item("/items/1", "first"),
                        _item("/items/1", "second"),
                        _item("/redirect/2", "batch-redirect"),
                    ]
                }
            ]
        },
        {"iterations": 2, "thresholds": _counts("first", "second", "batch-redirect")},
        expect=(
            exact("first", m("http_reqs{name:first}"), 2),
            exact("second", m("http_reqs{name:second}"), 2),
            exact("batch-redirect hops", m("http_reqs{name:batch-redirect}"), 6),
            exact("http_reqs", m("http_reqs"), 10),
            exact("served /items/1", served("/items/1"), 4),
        ),
    ),
    Case(
        "named_redirect_keeps_name",
        "every hop of a named redirect is counted under its name",
        {"default": [{"request": {"method": "GET", "url": "${BASE_URL}/redirect/3", "name": "hop"}}]},
        {"iterations": 2, "thresholds": _counts("hop")},
        expect=(exact("hop", m("http_reqs{name:hop}"), 8), exact("http_reqs", m("http_reqs"), 8)),
    ),
]
