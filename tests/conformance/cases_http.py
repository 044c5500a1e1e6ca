"""The HTTP client's conformance cases: `rps` (one limiter per instance, not scaled by segment) and the
destination rules (`blockHostnames`, `blacklistIPs`). Figures measured with k6 v1.1.0 on this machine."""

from __future__ import annotations

from tests.conformance.model import Case, Expect, gap_ms, m, part, served

RPS_WHY = "k6's limiter spaces requests 100 ms apart; the first goes at once; scheduler noise on 2 cores"

HTTP_CLIENT: list[Case] = [
    Case(
        "rps_limit",
        "rps 10 shared by 5 VUs for 2s: ~10 requests a second, not thousands",
        {"default": [{"request": {"method": "GET", "url": "${BASE_URL}/"}}]},
        {"rps": 10, "vus": 5, "duration": "2s"},
        timing=True,
        expect=(
            Expect("http_reqs", m("http_reqs"), tol=2, lo=20, hi=27, why=RPS_WHY),
            Expect("served", served("/"), tol=2, lo=20, hi=27, why=RPS_WHY),
            Expect("median gap ms", gap_ms("/"), tol=10, lo=90, hi=110, why=RPS_WHY),
        ),
    ),
    Case(
        "rps_per_segment",
        "rps 10 over two execution segments: each instance has its own full-rate limiter (k6 v1.1)",
        {"default": [{"request": {"method": "GET", "url": "${BASE_URL}/"}}]},
        {"rps": 10, "vus": 4, "duration": "2s"},
        segments=("0:1/2", "1/2:1"),
        sequence="0,1/2,1",
        timing=True,
        expect=(
            Expect("seg0 http_reqs", part(0, m("http_reqs")), tol=2, lo=20, hi=27, why=RPS_WHY),
            Expect("seg1 http_reqs", part(1, m("http_reqs")), tol=2, lo=20, hi=27, why=RPS_WHY),
        ),
    ),
    Case(
        "blocked_destinations",
        "blockHostnames and blacklistIPs fail requests with 1111 / 1110 and nothing reaches the target",
        {
            "default": [
                {"request": {"method": "GET", "url": "http://api.blocked.test/"}},
                {"request": {"method": "GET", "url": "${BASE_URL}/"}},
            ]
        },
        {
            "iterations": 2,
            "blockHostnames": ["*.blocked.test"],
            "blacklistIPs": ["127.0.0.0/8"],
            "thresholds": {"http_reqs{error_code:1111}": ["count==2"], "http_reqs{error_code:1110}": ["count==2"]},
        },
        expect=(
            Expect("http_reqs", m("http_reqs"), lo=4, hi=4),
            Expect("failed", m("http_req_failed", "passes"), lo=4, hi=4),
            Expect("served", served("/"), lo=0, hi=0),
        ),
    ),
]
