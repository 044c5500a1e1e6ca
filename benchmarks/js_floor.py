"""The JavaScript front end's own CPU cost per iteration, without network or event loop.

    PYTHONPATH=<tree> taskset -c 0 python benchmarks/js_floor.py --contexts 50 --iterations 20000

Each of N QuickJS contexts (one per VU, as `loadpy run script.js` makes them) runs the script's
default function in turn, round-robin, as 50 VUs waiting on the network take turns. The host answers
`http.get` at once with one canned response (no greenlet switch, no request): what is left is the
JavaScript side of an iteration and the Python host calls it makes. Workloads (`--script`):
empty (an empty function), noop (one host call that does nothing: `__lp_host_init()`), get
(`http.get(url)`), check (`http.get` + `check(res, {'status is 200': ...})`). Prints CPU µs per
iteration (process_time, median of `--rounds`).
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

SCRIPTS = {
    "empty": "export default function () {}\n",
    "noop": "export default function () { __lp_host_init(); }\n",
    "get": "import http from 'k6/http';\nexport default function () { http.get('http://127.0.0.1:1/'); }\n",
    "check": (
        "import http from 'k6/http';\nimport { check } from 'k6';\n"
        "export default function () {\n"
        "  const res = http.get('http://127.0.0.1:1/');\n"
        "  check(res, { 'status is 200': (r) => r.status === 200 });\n"
        "}\n"
    ),
}


class CannedResponse:
    """What the host reads of a response: the head fields."""

    status = 200
    proto = "HTTP/1.1"
    url = "http://127.0.0.1:1/"
    error_code = 0
    error = ""


class FakeHttp:
    def request(self, method: str, url: str, *args: Any, **kwargs: Any) -> CannedResponse:
        return CannedResponse()


class FakeVU:
    """The `vu` API a host calls: answers at once, records nothing."""

    def __init__(self) -> None:
        self.http = FakeHttp()
        self.checks = 0

    def check(self, value: Any, checks: Any, tags: Any = None) -> bool:
        self.checks += 1
        return True


class FakeState:
    """The VU state a host records on and sends through (`send` answers at once)."""

    default_site = None

    def prepared_plain(self, method: str, url: str) -> tuple[str, str]:
        return method, url

    def send(self, prepared: Any, site: Any, name: Any, *args: Any) -> CannedResponse:
        return CannedResponse()

    def record_check(self, name: str, passed: bool, extra: Any) -> None:
        pass


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--script", default="get", choices=sorted(SCRIPTS))
    ap.add_argument("--contexts", type=int, default=50)
    ap.add_argument("--iterations", type=int, default=20_000)
    ap.add_argument("--rounds", type=int, default=3)
    args = ap.parse_args()

    from loadpy.js.engine import JsContext, compile_program
    from loadpy.js.host import Host, Shared

    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "script.js"
        path.write_text(SCRIPTS[args.script])
        program = compile_program(str(path))
    contexts = []
    for vu_id in range(1, args.contexts + 1):
        host = Host(Shared())
        context = JsContext(program, host, {}, vu_id)
        host.vu = FakeVU()
        host.state = FakeState()
        host._await = lambda awaitable: awaitable  # type: ignore[method-assign]  # answered at once
        contexts.append(context)
    per_round = []
    for _ in range(args.rounds):
        start = time.process_time()
        iteration = 0
        while iteration < args.iterations:
            for context in contexts:
                context.host.new_iteration()
                context.call("default", iteration, True)
                iteration += 1
        per_round.append((time.process_time() - start) / iteration * 1e6)
    print(
        f"{args.script} contexts={args.contexts}: {statistics.median(per_round):.2f} µs/iteration "
        f"(rounds {', '.join(f'{v:.2f}' for v in per_round)})"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
