"""The web dashboard's environment variables (issue #19): turning the dashboard on changes nothing
the run measures, and an unreadable K6_WEB_DASHBOARD is refused as k6 refuses it. The port is -1
(k6's "serve nothing") so both tools can run at once without contending for 5665."""

from __future__ import annotations

from tests.conformance.model import Case, Expect, m, served, status_is

_FLOW = {"default": [{"request": {"method": "GET", "url": "${BASE_URL}/"}, "checks": {"ok": status_is(200)}}]}


DASHBOARD: list[Case] = [
    Case(
        "dashboard_on_measures_the_same",
        "K6_WEB_DASHBOARD=true with K6_WEB_DASHBOARD_PORT=-1: same counts, same export shape",
        _FLOW,
        {"vus": 2, "iterations": 6},
        os_env={"K6_WEB_DASHBOARD": "true", "K6_WEB_DASHBOARD_PORT": "-1", "K6_WEB_DASHBOARD_PERIOD": "1s"},
        expect=(
            Expect("http_reqs", m("http_reqs"), lo=6, hi=6),
            Expect("iterations", m("iterations"), lo=6, hi=6),
            Expect("served", served("/"), lo=6, hi=6),
        ),
    ),
    Case(
        "dashboard_unreadable_switch",
        "K6_WEB_DASHBOARD=maybe: k6 refuses it with exit 104 before the run",
        _FLOW,
        {"vus": 1, "iterations": 1},
        os_env={"K6_WEB_DASHBOARD": "maybe"},
        exit_code=104,
        expect=(Expect("served", served("/"), lo=0, hi=0),),
    ),
]
