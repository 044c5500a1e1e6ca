"""What one await of a connection's future costs under uvloop, by the way the future is made.

    taskset -c 0 python benchmarks/future_cycle.py --cycles 100000 --rounds 5

A task awaits a future that a `call_soon` callback resolves (as `H1Connection.data_received` resolves
the VU's), `--cycles` times, for each way of making the future: `loop.create_future()` (what the
connection does), `asyncio.Future(loop=loop)`, and one future per connection re-initialised
(`fut.__init__(loop=loop)`). Prints the best three rounds of CPU ns per cycle for each.
"""

from __future__ import annotations

import argparse
import asyncio
import time
from typing import Any

import uvloop

MODES = ("create_future", "Future(loop=loop)", "reinitialised")


class Connection:
    """The part of H1Connection that makes and resolves the waiter."""

    def __init__(self, loop: asyncio.AbstractEventLoop, mode: str) -> None:
        self.loop = loop
        self.mode = mode
        self.reused: asyncio.Future[Any] = loop.create_future()
        self.waiter: asyncio.Future[Any] | None = None

    def data_received(self) -> None:
        fut, self.waiter = self.waiter, None
        if fut is not None and not fut.done():
            fut.set_result(None)

    def send(self) -> asyncio.Future[Any]:
        if self.mode == "create_future":
            fut = self.loop.create_future()
        elif self.mode == "Future(loop=loop)":
            fut = asyncio.Future(loop=self.loop)
        else:
            fut = self.reused
            fut.__init__(loop=self.loop)  # type: ignore[misc]
        self.waiter = fut
        self.loop.call_soon(self.data_received)
        return fut


async def cycles(mode: str, count: int) -> float:
    conn = Connection(asyncio.get_running_loop(), mode)
    start = time.process_time()
    for _ in range(count):
        await conn.send()
    return (time.process_time() - start) / count * 1e9


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--cycles", type=int, default=100_000)
    ap.add_argument("--rounds", type=int, default=5)
    args = ap.parse_args()
    results: dict[str, list[float]] = {mode: [] for mode in MODES}
    for _ in range(args.rounds):
        for mode in MODES:  # interleaved: drift on a shared machine hits every mode alike
            results[mode].append(uvloop.run(cycles(mode, args.cycles)))
    for mode, values in results.items():
        best = ", ".join(f"{v:,.0f}" for v in sorted(values)[:3])
        print(f"{mode:>20}: {best} ns per cycle (best 3 of {args.rounds})")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
