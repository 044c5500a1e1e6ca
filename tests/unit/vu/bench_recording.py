"""Micro-benchmark of the per-response recording path: `python tests/unit/vu/bench_recording.py`.

Measures Recorder.record_http (steady state: cache hit, 9 sink adds), the full on_response hook
of a VU, and one check; prints µs per call (best of 5 rounds).
"""

from __future__ import annotations

import time

from loadpy.config.options import Options
from loadpy.metrics.registry import Registry
from loadpy.protocols.http.model import Response, Timings
from loadpy.vu.context import VuContext
from loadpy.vu.core import RuntimeCore

N = 200_000


def best(fn: object, n: int = N) -> float:
    rounds = []
    for _ in range(5):
        start = time.perf_counter()
        fn(n)  # type: ignore[operator]
        rounds.append((time.perf_counter() - start) / n * 1e6)
    return min(rounds)


def main() -> None:
    registry = Registry()
    core = RuntimeCore(registry, Options(), {})
    vu = VuContext(core, 1, 1)
    vu._ctx = core.recorder.context((("scenario", "default"),))
    resp = Response(
        "GET", "http://127.0.0.1:8080/", status=200, proto="HTTP/1.1", timings=Timings(0.1, 0, 0, 0, 0.01, 0.2, 0.02)
    )
    record = core.recorder.record_http
    ctx, site = vu._ctx, core.recorder.default_site
    hook = vu._on_response
    check = core.recorder.record_check

    def direct(n: int) -> None:
        for _ in range(n):
            record(resp, ctx, site, None, None)

    def via_hook(n: int) -> None:
        for _ in range(n):
            hook(resp)

    def one_check(n: int) -> None:
        for _ in range(n):
            check(ctx, "ok", True, (), None)

    def empty(n: int) -> None:
        for _ in range(n):
            pass

    loop = best(empty)
    print(f"Recorder.record_http: {best(direct) - loop:.2f} µs/response")
    print(f"VU on_response hook:  {best(via_hook) - loop:.2f} µs/response")
    print(f"record_check:         {best(one_check) - loop:.2f} µs/check")
    registry.fold()


if __name__ == "__main__":
    main()
