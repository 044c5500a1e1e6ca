"""Coordinator tick cost of `loadpy run --workers N` with N simulated workers (no processes, no network).

    python benchmarks/tick_cost.py                 # 2, 16 and 64 workers, 5 ticks each
    python benchmarks/tick_cost.py --workers 64 --ticks 10 --rate 500

Each simulated worker holds a realistic registry (URLs x the http_req_* trends, counters, rates,
checks, a few minutes of history so trends are past the exact limit) and records `--rate` new
requests per second. One tick is what the coordinator does with one second of the workers' reports:

* before (full snapshots): unpickle every worker's whole snapshot, merge them all into a fresh
  registry, parse the thresholds against it and evaluate them;
* after (deltas): unpickle every worker's delta (what it gained in that second), merge it into the
  one running registry and evaluate the thresholds parsed once. Series the running registry holds
  as histograms get buckets from the workers, as the coordinator tells them (`buckets` command).
  With loadpy.metrics.live (a tree that has it), each delta carries one aggregate per threshold
  (sub)metric, which the thresholds read while the workers run, and the per-series detail comes
  staggered, every `detail_interval(workers)` ticks per worker, as `--workers N` does; the cost of the
  end of the run (every worker's last detail, the final evaluation on the series) is printed apart.

Worker-side costs (taking the delta, pickling) are paid by the workers, in parallel, and are not
counted. Prints the median, max and mean tick in ms of CPU time (process_time: the machine is
shared, so wall time would measure the neighbours; the mean includes counting the bucket keys the
running registry batches per series and counts every few seconds) and the mean frame size per worker.
"""

from __future__ import annotations

import argparse
import importlib.util
import pickle
import random
import statistics
import time
from typing import Any

from loadpy.metrics.builtin import HTTP_TRENDS as TRENDS
from loadpy.metrics.registry import Registry
from loadpy.metrics.thresholds import Thresholds

THRESHOLDS: dict[str, Any] = {
    "http_req_duration": ["p(95)<500", "avg<400"],
    "http_req_duration{name:/api/item/3}": ["p(99)<1000"],
    "http_req_failed": [{"threshold": "rate<0.5", "abortOnFail": True}],
    "checks": ["rate>0.5"],
    "http_reqs": ["count>0"],
}


class SimulatedWorker:
    """A worker's registry and the samples one second of its load adds."""

    def __init__(self, seed: int, urls: int, history_s: int, rate: int) -> None:
        self.rng = random.Random(seed)
        self.registry = Registry()
        self.rate = rate
        self.tags = [
            (
                ("expected_response", "true"),
                ("group", ""),
                ("method", "GET"),
                ("name", f"/api/item/{i}"),
                ("proto", "HTTP/1.1"),
                ("scenario", "default"),
                ("status", "200"),
                ("url", f"http://127.0.0.1:8080/api/item/{i}"),
            )
            for i in range(urls)
        ]
        for _ in range(history_s):
            self.second()
        self.registry.fold()

    def second(self) -> None:
        """One second of load: `rate` requests, their timings, an iteration and a check each."""
        reg, rng = self.registry, self.rng
        m = reg.metrics
        trends = [m[name] for name in TRENDS]
        check = reg.groups.root.check("status is 200")
        for _ in range(self.rate):
            tags = self.tags[rng.randrange(len(self.tags))]
            for metric in trends:
                reg.sink(metric, tags).add(rng.lognormvariate(1.5, 0.6))
            reg.sink(m["http_reqs"], tags).add(1.0)
            reg.sink(m["http_req_failed"], tags).add(0.0)
            reg.sink(m["data_received"], ()).add(1200.0)
            reg.sink(m["data_sent"], ()).add(90.0)
            reg.sink(m["iterations"], ()).add(1.0)
            reg.sink(m["iteration_duration"], ()).add(rng.lognormvariate(2.0, 0.5))
            reg.sink(m["checks"], (("check", "status is 200"),)).add(1.0)
            check.passes += 1
        reg.add(m["vus"], (), 10.0)
        reg.fold()


def _without_vu_gauges(snap: dict[str, Any]) -> dict[str, Any]:
    """What a worker sent before deltas: its snapshot without its own vus/vus_max."""
    return {**snap, "series": [s for s in snap["series"] if s[0] not in ("vus", "vus_max")]}


def before_tick(frames: list[bytes]) -> float:
    """The coordinator before deltas: rebuild from every full snapshot, parse, evaluate (ms)."""
    start = time.process_time()
    merged = Registry()
    for frame in frames:
        merged.merge_snapshot(pickle.loads(frame))
    Thresholds.parse(THRESHOLDS, merged).evaluate(60.0)
    return (time.process_time() - start) * 1000


def after_tick(
    receivers: list[Any], live: Any, thresholds: Thresholds, frames: list[bytes], *, final: bool = False
) -> tuple[float, float, list[list[int]]]:
    """The coordinator with deltas: merge what is new into the running registry (and the live
    aggregates), evaluate: (ms, ms, per worker the series to bucket from now on, as the coordinator
    tells its workers). `final`: the last frames, then the evaluation on the series."""
    start = time.process_time()
    told = []
    for receiver, frame in zip(receivers, frames, strict=True):
        delta = pickle.loads(frame)
        told.append(receiver.merge(delta))
        if live is not None:
            live.merge(delta["live"])
    if final and live is not None:
        live.remove()
    merged = time.process_time()
    thresholds.evaluate(60.0, final=final)
    return (merged - start) * 1000, (time.process_time() - merged) * 1000, told


def measure(count: int, ticks: int, urls: int, history_s: int, rate: int, with_before: bool) -> dict[str, float]:
    workers = [SimulatedWorker(i, urls, history_s, rate) for i in range(count)]
    # a tree from before deltas (benchmarks/README.md: PYTHONPATH=old-tree) measures "before" only
    deltas_exist = importlib.util.find_spec("loadpy.metrics.deltas") is not None
    # a tree without live threshold aggregates: every delta carries every series' detail
    live_exists = importlib.util.find_spec("loadpy.metrics.live") is not None
    running = Registry()
    thresholds = Thresholds.parse(THRESHOLDS, running)
    senders: list[Any] = []
    receivers: list[Any] = []
    live: Any = None
    every = 1
    if deltas_exist:
        from loadpy.metrics.deltas import DeltaReceiver, DeltaSender

        options: dict[str, Any] = {}
        if live_exists:
            from loadpy.metrics.live import LiveThresholds, live_keys
            from loadpy.workers.coordinator import detail_interval

            options["live"] = live_keys(thresholds)
            every = detail_interval(count, report=False)
            live = LiveThresholds(thresholds)
            live.install()
        senders = [DeltaSender(w.registry, skip=("vus", "vus_max"), **options) for w in workers]
        receivers = [DeltaReceiver(running) for _ in workers]
        for sender, receiver in zip(senders, receivers, strict=True):  # the history, before measuring
            delta = sender.take()
            sender.bucket(receiver.merge(delta))
            if live is not None:
                live.merge(delta["live"])
    # one round of staggered detail: each worker learns what to bucket (ticks 0..every-1: every worker's
    # turn once; from 1, the workers whose turn is tick 0 met the coordinator's histograms measured)
    for tick in range(every):
        for w in workers:
            w.second()
        for i, (sender, receiver) in enumerate(zip(senders, receivers, strict=True)):
            delta = _take(sender, (tick + i) % every == 0, live_exists)
            sender.bucket(receiver.merge(delta))
            live.merge(delta["live"])
    before: list[float] = []
    after: list[float] = []
    merge: list[float] = []
    snap_sizes: list[float] = []
    delta_sizes: list[float] = []
    for tick in range(1, ticks + 1):
        for w in workers:
            w.second()
        if with_before or not deltas_exist:
            snaps = [pickle.dumps(_without_vu_gauges(w.registry.snapshot()), pickle.HIGHEST_PROTOCOL) for w in workers]
            snap_sizes.append(statistics.mean(map(len, snaps)))
            before.append(before_tick(snaps))
        if deltas_exist:
            deltas = [
                pickle.dumps(_take(sender, (tick + i) % every == 0, live_exists), pickle.HIGHEST_PROTOCOL)
                for i, sender in enumerate(senders)
            ]
            delta_sizes.append(statistics.mean(map(len, deltas)))
            merge_ms, evaluate_ms, told = after_tick(receivers, live, thresholds, deltas)
            for sender, series in zip(senders, told, strict=True):
                sender.bucket(series)
            merge.append(merge_ms)
            after.append(merge_ms + evaluate_ms)
    # bucket keys the running registry still holds uncounted (TrendSink._keys): their counting is
    # part of the ticks' cost, spread over them in the mean
    start = time.process_time()
    running.fold()
    left_over = (time.process_time() - start) * 1000
    end_ms = float("nan")
    if deltas_exist:  # the end of the run: every worker's last delta (all its detail), the final evaluation
        for w in workers:
            w.second()
        last = [pickle.dumps(_take(sender, True, live_exists), pickle.HIGHEST_PROTOCOL) for sender in senders]
        merge_ms, evaluate_ms, _ = after_tick(receivers, live, thresholds, last, final=True)
        end_ms = merge_ms + evaluate_ms
    if not after:
        after = merge = delta_sizes = [float("nan")]
    if not before:
        before = snap_sizes = [float("nan")]
    return {
        "before_median_ms": statistics.median(before),
        "before_max_ms": max(before),
        "after_median_ms": statistics.median(after),
        "after_max_ms": max(after),
        "after_mean_ms": (sum(after) + left_over) / len(after),
        "merge_median_ms": statistics.median(merge),
        "end_ms": end_ms,
        "snapshot_kb": statistics.mean(snap_sizes) / 1024,
        "delta_kb": statistics.mean(delta_sizes) / 1024,
    }


def _take(sender: Any, detail: bool, live_exists: bool) -> Any:
    return sender.take(detail) if live_exists else sender.take()


def _count_keys_with(choice: str, count: int) -> None:
    """How the running registry counts bucket keys (loadpy.metrics.histogram), in a tree that chooses."""
    if importlib.util.find_spec("loadpy.metrics.histogram") is None:
        return
    from loadpy.metrics.histogram import use_numpy
    from loadpy.workers.coordinator import count_with_numpy

    use_numpy(False)
    if choice == "on":
        use_numpy()
    elif choice == "auto":
        count_with_numpy(count)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--workers", default="2,16,64", help="comma-separated worker counts (default 2,16,64)")
    parser.add_argument("--ticks", type=int, default=10, help="ticks measured per worker count (default 10)")
    parser.add_argument("--urls", type=int, default=50, help="distinct URLs (tag sets) per worker (default 50)")
    parser.add_argument("--history", type=int, default=30, help="seconds of load before measuring (default 30)")
    parser.add_argument("--rate", type=int, default=500, help="requests per second per worker (default 500)")
    parser.add_argument("--no-before", action="store_true", help="skip the full-snapshot rebuild (slow at 64)")
    parser.add_argument(
        "--numpy",
        choices=("auto", "on", "off"),
        default="auto",
        help="count bucket keys with numpy: as --workers N does (auto, a tree that has it), always, never",
    )
    args = parser.parse_args()
    print(
        f"{'workers':>7}  {'before med/max ms':>18}  {'after med/max ms':>17}  {'after mean':>10}  "
        f"{'of it merge':>11}  {'end of run':>10}  {'snapshot KB':>11}  {'delta KB':>8}",
        flush=True,
    )
    for count in (int(n) for n in args.workers.split(",")):
        _count_keys_with(args.numpy, count)
        r = measure(count, args.ticks, args.urls, args.history, args.rate, not args.no_before)
        print(
            f"{count:>7}  {r['before_median_ms']:>9.1f} / {r['before_max_ms']:<6.1f}  "
            f"{r['after_median_ms']:>8.1f} / {r['after_max_ms']:<6.1f}  {r['after_mean_ms']:>10.1f}  "
            f"{r['merge_median_ms']:>11.1f}  {r['end_ms']:>10.1f}  "
            f"{r['snapshot_kb']:>11.0f}  {r['delta_kb']:>8.0f}",
            flush=True,
        )


if __name__ == "__main__":
    main()
