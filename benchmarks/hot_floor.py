"""The YAML closed loop's own CPU cost per request, with the network replaced by memory.

    PYTHONPATH=<tree> taskset -c 0 python benchmarks/hot_floor.py --vus 50 --requests 60000
    PYTHONPATH=<tree> taskset -c 0 python benchmarks/hot_floor.py --profile 30   # cProfile, top 30
    PYTHONPATH=<tree> taskset -c 0 python benchmarks/hot_floor.py --body-bytes 8192   # an 8 KB body with its head
    PYTHONPATH=<tree> taskset -c 0 python benchmarks/hot_floor.py --distinct   # no two responses alike

`loadpy run` of the `ab.py` workload (50 VUs, shared-iterations, one `request` step) in this
process, with every connection an in-memory one: a write is answered by nginx's exact response
(`return 200 "ok"`) through `loop.call_soon(protocol.data_received, ...)`, as the loop would hand
over the bytes read from the socket. Everything of loadpy runs (engine, executor, VU, flow step,
client, connection, parser, recording, the end-of-test summary); what is gone is the kernel's send
and receive and the loop's polling. Each tree runs with N VUs and then with N VUs + R requests:
the difference over R is the steady cost per request (start-up and the summary cancel out),
median of `--rounds`. Compare with wrk's CPU µs/request (figure 1) for the kernel's share.

CPU time on a shared machine moves with the neighbours; instructions do not. `--once` runs the long
scenario alone, so that two runs under valgrind give instructions per request, whatever the load:

    valgrind --tool=cachegrind --cache-sim=no --cachegrind-out-file=/dev/null \
        python benchmarks/hot_floor.py --once --requests 2000     # and 10000: (I2 - I1) / 8000

Its scenario plans fewer than 200,000 iterations, so a run folds its trend values with the standard
library (loadpy.engine.numpy_choice); `--numpy` counts them with numpy from the start, as a run
planned long does (imported before the runs: outside the difference of two `--once` runs too).
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import cProfile
import io
import pstats
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

NGINX_RESPONSE = (
    b"HTTP/1.1 200 OK\r\nServer: nginx/1.22.1\r\nDate: Thu, 26 Nov 2026 21:54:50 GMT\r\n"
    b"Content-Type: text/plain\r\nContent-Length: 2\r\nConnection: keep-alive\r\n\r\nok"
)

RESPONSE = [NGINX_RESPONSE]  # what every write is answered with (`--body-bytes` replaces it)
DISTINCT = [False]  # `--distinct`: every response's Date differs (a server's next second, every time)
_DATE = b"21:54:50"


def response_with_body(size: int) -> bytes:
    """nginx's response with a JSON-like body of `size` bytes (head and body in one read)."""
    body = (b'{"k": "v"}, ' * (size // 12 + 1))[:size]
    return (
        NGINX_RESPONSE.replace(
            b"Content-Type: text/plain\r\nContent-Length: 2\r\n",
            b"Content-Type: application/json\r\nContent-Length: %d\r\n" % size,
        ).removesuffix(b"ok")
        + body
    )


class MemoryTransport:
    """The part of a transport H1Connection uses; every write is answered on the next loop turn."""

    def __init__(self, loop: asyncio.AbstractEventLoop, protocol: Any) -> None:
        self._loop = loop
        self._protocol = protocol
        self._closing = False
        self._written = 0

    def write(self, data: bytes) -> None:
        response = RESPONSE[0]
        if DISTINCT[0]:
            self._written += 1
            response = response.replace(_DATE, b"%08d" % self._written)
        self._loop.call_soon(self._protocol.data_received, response)

    def writelines(self, chunks: Any) -> None:
        self.write(b"".join(chunks))

    def set_write_buffer_limits(self, high: int | None = None, low: int | None = None) -> None:
        pass

    def is_closing(self) -> bool:
        return self._closing

    def close(self) -> None:
        self._closing = True

    abort = close

    def get_extra_info(self, name: str, default: Any = None) -> Any:
        return default


def patch_connect() -> None:
    """Every new connection of the HTTP client becomes an in-memory one."""
    from loadpy.clock import now
    from loadpy.protocols.http import client
    from loadpy.protocols.http.connection import Connected, H1Connection

    async def connect(loop: asyncio.AbstractEventLoop, counter: Any, ip: str, port: int, **_: Any) -> Connected:
        result = Connected()
        result.t_start = result.t_connected = now()
        proto = H1Connection(loop, counter)
        proto.connection_made(MemoryTransport(loop, proto))  # type: ignore[arg-type]
        result.protocol = proto
        result.remote_ip, result.remote_port = ip, port
        return result

    client.connect = connect  # type: ignore[assignment]


def scenario(vus: int, iterations: int) -> str:
    return (
        "options:\n  scenarios:\n    s: {executor: shared-iterations, "
        f"vus: {vus}, iterations: {iterations}, maxDuration: 600s}}\n"
        "flows:\n  default:\n    - request: {url: 'http://127.0.0.1:9/'}\n"
    )


def run_once(path: Path, profile: cProfile.Profile | None = None) -> float:
    """CPU seconds of one in-process `loadpy run` of `path`."""
    from loadpy.cli.main import main

    start = time.process_time()
    with contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(io.StringIO()):
        if profile is not None:
            profile.enable()
        code = main(["run", "-q", "--address", "", "--no-summary", str(path)])
        if profile is not None:
            profile.disable()
    if code != 0:
        raise SystemExit(f"loadpy run exited {code}")
    return time.process_time() - start


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--vus", type=int, default=50)
    ap.add_argument("--requests", type=int, default=60_000)
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--body-bytes", type=int, help="answer with a body of N bytes instead of nginx's 2-byte `ok`")
    ap.add_argument(
        "--distinct",
        action="store_true",
        help="every response differs (its Date): nothing of one response on a connection is like the last",
    )
    ap.add_argument("--profile", type=int, metavar="N", help="cProfile one long run, print the top N by own time")
    ap.add_argument(
        "--once",
        action="store_true",
        help="one run of VUs + R requests, nothing else (for an instruction counter: see the module doc)",
    )
    ap.add_argument("--numpy", action="store_true", help="fold trend values with numpy, as a long run does")
    args = ap.parse_args()
    if args.numpy:
        from loadpy.metrics.histogram import use_numpy

        if not use_numpy():
            raise SystemExit("--numpy: numpy is not installed")
    if args.body_bytes is not None:
        RESPONSE[0] = response_with_body(args.body_bytes)
    DISTINCT[0] = args.distinct
    patch_connect()
    work = Path(tempfile.mkdtemp(prefix="loadpy-floor-"))
    short, long = work / "short.yaml", work / "long.yaml"
    short.write_text(scenario(args.vus, args.vus))
    long.write_text(scenario(args.vus, args.vus + args.requests))
    if args.once:
        run_once(long)
        return 0
    run_once(short)  # warm: imports, caches
    if args.profile:
        profile = cProfile.Profile()
        run_once(long, profile)
        pstats.Stats(profile, stream=sys.stdout).sort_stats("tottime").print_stats(args.profile)
        return 0
    costs = []
    for _ in range(args.rounds):
        costs.append((run_once(long) - run_once(short)) / args.requests * 1e6)
    rounds = ", ".join(f"{c:.2f}" for c in costs)
    print(f"steady CPU µs/request: {statistics.median(costs):.2f} (rounds {rounds}; {args.vus} VUs, no network)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
