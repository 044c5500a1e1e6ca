"""Many concurrent GraphQL subscriptions from one loadpy process: memory per subscription, events/s.

    python benchmarks/subscriptions_bench.py --subs 10000 --events 5 --interval 2000

Starts the demo target in a child process, then N VUs of a YAML `subscription` step (the real VU
path: metrics, checks, tags) each hold one subscription taking `--events` events `--interval` ms
apart, all at once. Reports the generator's RSS growth per subscription while every subscription
is open (sampled from /proc/self/statm when the last one got its first event) and the events/s
delivered and recorded over the whole run.

Measured on the shared 2-core box (demo target in the other process, both unpinned):
10,000 subscriptions x 5 events 3 s apart: all 10,000 checks passed, 50,000 events, RSS growth
153.5 MiB = 15.7 KiB per open subscription (VU, WebSocket protocol, transport, metrics), 20 s wall
(the events/s, ~2,500, is set by the 3 s interval here, not by the client).
"""

from __future__ import annotations

import argparse
import asyncio
import os
import sys
import textwrap
import time

sys.path.insert(0, os.path.join(os.path.dirname(__file__), ".."))

import uvloop

from loadpy.base.runtime import ScenarioContext
from loadpy.config.loader import parse_document
from loadpy.config.options import Options
from loadpy.demo import demo_subprocess
from loadpy.flows.runtime import FlowRuntime
from loadpy.metrics.registry import Registry

PAGE = os.sysconf("SC_PAGE_SIZE")


def rss() -> int:
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * PAGE


async def bench(ws_url: str, subs: int, events: int, interval: int) -> None:
    text = textwrap.dedent(f"""
        flows:
          default:
            - subscription:
                url: {ws_url}/graphql
                query: "subscription Ticks {{ tick(count: {events}, interval: {interval}) }}"
                take: {events}
                timeout: 120s
              checks:
                all events: len(events) == {events}
    """)
    registry = Registry()
    runtime = FlowRuntime.from_document(parse_document(text, "<bench>"), Options(), registry, {})
    ctx = ScenarioContext(
        name="default", executor="per-vu-iterations", exec_name="default", tags=(("scenario", "default"),)
    )
    vus = [runtime.new_vu(i, i) for i in range(1, subs + 1)]
    base = rss()
    first = registry.define("graphql_subscription_first_event", "trend", "time")
    peak = 0

    async def sample() -> None:  # RSS once every subscription has had its first event
        nonlocal peak
        while True:
            await asyncio.sleep(0.05)
            sinks = list(registry.series(first).values())
            for sink in sinks:
                sink.fold()
            if sum(s.count for s in sinks) >= subs:
                peak = rss()
                return

    start = time.perf_counter()
    sampler = asyncio.create_task(sample())
    await asyncio.gather(*(vu.run_iteration(ctx, i) for i, vu in enumerate(vus)))
    elapsed = time.perf_counter() - start
    sampler.cancel()
    node = registry.groups.root.checks["all events"]
    got = sum(s.total for s in registry.series(registry.metrics["graphql_subscription_events"]).values())
    print(f"subscriptions {subs}: checks {node.passes} passed / {node.fails} failed, events {got:.0f}")
    if peak:
        print(
            f"RSS growth with all open: {(peak - base) / 2**20:.1f} MiB = {(peak - base) / subs / 1024:.1f} KiB "
            f"per subscription (base {base / 2**20:.1f} MiB)"
        )
    print(f"wall {elapsed:.2f} s, {got / elapsed:.0f} events/s delivered and recorded")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--subs", type=int, default=2000)
    parser.add_argument("--events", type=int, default=5)
    parser.add_argument("--interval", type=int, default=2000, help="ms between events")
    args = parser.parse_args()
    with demo_subprocess() as base_url:
        uvloop.run(bench(base_url.replace("http", "ws", 1), args.subs, args.events, args.interval))


if __name__ == "__main__":
    main()
