"""Cases of the VU's iteration loop (`VUState.run_iterations`): what each executor counts when an
iteration aborts the test, on the looping executors and on an arrival-rate one (one iteration of the
loop per arrival)."""

from __future__ import annotations

from tests.conformance.model import Case, Expect, Getter, cond, m, served


def _exact(label: str, getter: Getter, value: float) -> Expect:
    return Expect(label, getter, lo=value, hi=value)


# the VU's 3rd iteration aborts between its two requests
ABORT_AT_THIRD = {
    "default": [
        {"request": {"method": "GET", "url": "${BASE_URL}/"}},
        {"abort": "stop at iter 2", "if": cond("iter == 2", "__ITER === 2")},
        {"request": {"method": "GET", "url": "${BASE_URL}/items/after"}},
    ]
}


HOT = [
    Case(
        "abort_per_vu_loop",
        "per-vu-iterations, 1 VU x 5: abort on the 3rd iteration: exit 108, the aborting iteration counts",
        ABORT_AT_THIRD,
        {"scenarios": {"s": {"executor": "per-vu-iterations", "vus": 1, "iterations": 5}}},
        exit_code=108,
        expect=(
            _exact("served in all (/ and /items/after)", served("/"), 5),
            _exact("served after", served("/items/after"), 2),
            _exact("iterations", m("iterations"), 3),
            _exact("http_reqs", m("http_reqs"), 5),
        ),
    ),
    Case(
        "abort_arrival_rate_loop",
        "constant-arrival-rate 5/s for 2s on 1 VU: abort on its 3rd iteration: exit 108, 3 iterations",
        ABORT_AT_THIRD,
        {
            "scenarios": {
                "s": {
                    "executor": "constant-arrival-rate",
                    "rate": 5,
                    "timeUnit": "1s",
                    "duration": "2s",
                    "preAllocatedVUs": 1,
                    "maxVUs": 1,
                }
            }
        },
        exit_code=108,
        expect=(
            _exact("served in all (/ and /items/after)", served("/"), 5),
            _exact("served after", served("/items/after"), 2),
            _exact("iterations", m("iterations"), 3),
            _exact("http_reqs", m("http_reqs"), 5),
        ),
    ),
]
