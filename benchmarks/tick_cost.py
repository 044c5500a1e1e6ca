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

The simulated workers run first, answered by a stand-in coordinator (which series to bucket), and
their frames are recorded; then, with the workers' objects gone, a coordinator alone merges the
frames as they came, measured: in a run the workers' heaps are in other processes, and here a full
garbage collection walked all 64 of them inside one tick (~200 ms; benchmarks/README.md, round 5).
Worker-side costs (taking the delta, pickling) are paid by the workers, in parallel, and are not
counted. `--phases` times each tick's steps (unpickle, merge, key counting, evaluation, garbage
collections) and prints the worst tick's beside the median's; `--profile` prints its cProfile.

Prints the median, max and mean tick in ms of CPU time (process_time: the machine is
shared, so wall time would measure the neighbours; the mean includes counting the bucket keys the
running registry batches per series and counts every few seconds) and the mean frame size per worker.
"""

from __future__ import annotations

import argparse
import contextlib
import cProfile
import gc
import importlib.util
import io
import pickle
import pstats
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
    phases = PHASES
    for receiver, frame in zip(receivers, frames, strict=True):
        with phases.timed("unpickle"):
            delta = pickle.loads(frame)
        with phases.timed("series merge"):
            told.append(receiver.merge(delta))
        if live is not None:
            with phases.timed("live merge"):
                live.merge(delta["live"])
    if final and live is not None:
        live.remove()
    merged = time.process_time()
    with phases.timed("evaluate"):
        thresholds.evaluate(60.0, final=final)
    return (merged - start) * 1000, (time.process_time() - merged) * 1000, told


class Phases:
    """CPU ms per phase of one tick (`--phases`): the coordinator's steps, and inside the series merge
    the histogram work (key counting, value bucketing), timed by wrapping those methods; garbage
    collections through gc.callbacks. Off (the default), `timed` is a no-op context."""

    WRAPPED = (
        ("loadpy.metrics.sinks", "TrendSink", "_count_keys", "  count keys (batch due)"),
        ("loadpy.metrics.sinks", "TrendSink", "_to_histogram", "  exact -> histogram"),
        ("loadpy.metrics.histogram", "Histogram", "count_values", "  bucket raw values"),
        ("loadpy.metrics.histogram", "Histogram", "add_counts", "  add {key: count}"),
        ("loadpy.metrics.histogram", "Histogram", "ranked", "  rank buckets (percentile)"),
    )

    def __init__(self) -> None:
        self.on = False
        self.tick: dict[str, float] = {}
        self.calls: dict[str, int] = {}
        self._gc_start = 0.0
        self._depth = 0  # wrapped methods call each other: time the outermost only

    def enable(self) -> None:
        self.on = True
        for module_name, class_name, method, label in self.WRAPPED:
            try:
                owner = getattr(importlib.import_module(module_name), class_name)
                original = getattr(owner, method)
            except (ImportError, AttributeError):  # an older tree: that phase is not there
                continue
            setattr(owner, method, self._wrap(original, label))
        gc.callbacks.append(self._gc)

    def _wrap(self, original: Any, label: str) -> Any:
        def timed(*args: Any, **kwargs: Any) -> Any:
            if self._depth:
                return original(*args, **kwargs)
            self._depth += 1
            start = time.process_time()
            try:
                return original(*args, **kwargs)
            finally:
                self._add(label, time.process_time() - start)
                self._depth -= 1

        return timed

    def _gc(self, phase: str, info: dict[str, Any]) -> None:
        if phase == "start":
            self._gc_start = time.process_time()
        else:
            self._add(f"gc (generation {info['generation']})", time.process_time() - self._gc_start)

    def _add(self, label: str, seconds: float) -> None:
        self.tick[label] = self.tick.get(label, 0.0) + seconds * 1000
        self.calls[label] = self.calls.get(label, 0) + 1

    def timed(self, label: str) -> Any:
        return _Timed(self, label) if self.on else _NOT_TIMED

    def take(self) -> tuple[dict[str, float], dict[str, int]]:
        out = self.tick, self.calls
        self.tick, self.calls = {}, {}
        return out


class _Timed:
    __slots__ = ("label", "phases", "start")

    def __init__(self, phases: Phases, label: str) -> None:
        self.phases, self.label = phases, label

    def __enter__(self) -> None:
        self.start = time.process_time()

    def __exit__(self, *exc: object) -> None:
        self.phases._add(self.label, time.process_time() - self.start)


_NOT_TIMED = contextlib.nullcontext()
PHASES = Phases()


class CoordinatorSide:
    """What the coordinator's process holds while the workers run: the one running registry, the
    thresholds parsed once against it, the live threshold aggregates (a tree that has them), one
    receiver per worker."""

    def __init__(self, count: int, live_exists: bool) -> None:
        from loadpy.metrics.deltas import DeltaReceiver

        self.running = Registry()
        self.thresholds = Thresholds.parse(THRESHOLDS, self.running)
        self.live: Any = None
        if live_exists:
            from loadpy.metrics.live import LiveThresholds

            self.live = LiveThresholds(self.thresholds)
            self.live.install()
        self.receivers = [DeltaReceiver(self.running) for _ in range(count)]

    def tick(self, frames: list[bytes], *, final: bool = False) -> tuple[float, float, list[list[int]]]:
        return after_tick(self.receivers, self.live, self.thresholds, frames, final=final)


class Recording:
    """The frames the simulated workers sent, tick by tick, to replay into a coordinator alone."""

    def __init__(self) -> None:
        self.unmeasured: list[list[bytes]] = []  # the history, then one round of staggered detail
        self.measured: list[list[bytes]] = []
        self.told: list[list[list[int]]] = []  # per measured tick, the coordinator's answer (buckets)
        self.last: list[bytes] = []  # every worker's last delta, with all its pending detail
        self.before: list[float] = []  # the rebuild from full snapshots, ms per tick (with_before)
        self.snapshot_sizes: list[float] = []
        self.delta_sizes: list[float] = []


def record(count: int, ticks: int, urls: int, history_s: int, rate: int, with_before: bool) -> Recording:
    """Run the simulated workers, answered by a stand-in coordinator (which series to bucket), and
    keep their frames. The workers' heaps stay out of the measured process: in a run they live in
    other processes, and here a full garbage collection walked all 64 of them inside a tick
    (benchmarks/README.md, "Round 5")."""
    out = Recording()
    workers = [SimulatedWorker(i, urls, history_s, rate) for i in range(count)]
    # a tree from before deltas (benchmarks/README.md: PYTHONPATH=old-tree) measures "before" only
    deltas_exist = importlib.util.find_spec("loadpy.metrics.deltas") is not None
    # a tree without live threshold aggregates: every delta carries every series' detail
    live_exists = importlib.util.find_spec("loadpy.metrics.live") is not None
    senders: list[Any] = []
    every = 1
    stand_in: CoordinatorSide | None = None
    if deltas_exist:
        from loadpy.metrics.deltas import DeltaSender

        stand_in = CoordinatorSide(count, live_exists)
        options: dict[str, Any] = {}
        if live_exists:
            from loadpy.metrics.live import live_keys
            from loadpy.workers.coordinator import detail_interval

            options["live"] = live_keys(stand_in.thresholds)
            every = detail_interval(count, report=False)
        senders = [DeltaSender(w.registry, skip=("vus", "vus_max"), **options) for w in workers]

    def send(tick: int | None, into: list[list[bytes]]) -> list[list[int]]:
        """Every worker's delta (detail on its staggered turn; tick None: all of it), merged by the
        stand-in, whose answer the workers apply as they would the coordinator's."""
        assert stand_in is not None
        frames = [
            pickle.dumps(_take(sender, tick is None or (tick + i) % every == 0, live_exists), pickle.HIGHEST_PROTOCOL)
            for i, sender in enumerate(senders)
        ]
        into.append(frames)
        told = stand_in.tick(frames)[2]
        for sender, series in zip(senders, told, strict=True):
            sender.bucket(series)
        return told

    if deltas_exist:
        send(None, out.unmeasured)  # the history, before measuring
        # one round of staggered detail: each worker learns what to bucket (ticks 0..every-1: every
        # worker's turn once; from 1, the workers whose turn is tick 0 met the coordinator's histograms)
        for tick in range(every):
            for w in workers:
                w.second()
            send(tick, out.unmeasured)
    # the ticks go on from the warm-up's (a worker's detail every `every` ticks, as in a run: restarting
    # at 1 made the workers whose turn is 0 wait 2 x every - 1 ticks once, their keys doubled in one tick)
    for tick in range(every, every + ticks):
        for w in workers:
            w.second()
        if with_before or not deltas_exist:
            snaps = [pickle.dumps(_without_vu_gauges(w.registry.snapshot()), pickle.HIGHEST_PROTOCOL) for w in workers]
            out.snapshot_sizes.append(statistics.mean(map(len, snaps)))
            out.before.append(before_tick(snaps))
        if deltas_exist:
            out.told.append(send(tick, out.measured))
            out.delta_sizes.append(statistics.mean(map(len, out.measured[-1])))
    if deltas_exist:  # the end of the run
        for w in workers:
            w.second()
        out.last = [pickle.dumps(_take(sender, True, live_exists), pickle.HIGHEST_PROTOCOL) for sender in senders]
    return out


def _while_workers_run() -> Any:
    """What the tree's coordinator does around its workers' run, if anything (from session 6: the
    objects alive at their start are frozen out of the collector, as a single process's engine does)."""
    if importlib.util.find_spec("loadpy.workers.coordinator") is not None:
        import loadpy.workers.coordinator as coordinator

        frozen = getattr(coordinator, "frozen_while_scenarios_run", None)
        if frozen is not None:
            return frozen()
    return contextlib.nullcontext()


def measure(
    count: int, ticks: int, urls: int, history_s: int, rate: int, with_before: bool, *, profile: bool = False
) -> dict[str, float]:
    recording = record(count, ticks, urls, history_s, rate, with_before)
    after: list[float] = []
    merge: list[float] = []
    breakdown: list[tuple[float, int, dict[str, float], dict[str, int], cProfile.Profile | None]] = []
    left_over = end_ms = float("nan")
    if recording.measured:
        gc.collect()  # the workers' heaps are gone: from here on this process is a coordinator
        side = CoordinatorSide(count, importlib.util.find_spec("loadpy.metrics.live") is not None)
        with _while_workers_run():  # entered where the coordinator does: its registry still empty
            for frames in recording.unmeasured:
                side.tick(frames)
            recording.unmeasured = []
            for tick, (frames, told) in enumerate(zip(recording.measured, recording.told, strict=True), start=1):
                PHASES.take()
                profiler = cProfile.Profile() if profile else None
                if profiler is not None:
                    profiler.enable()
                merge_ms, evaluate_ms, answer = side.tick(frames)
                if profiler is not None:
                    profiler.disable()
                assert answer == told, "the replay must merge what the workers sent as the stand-in did"
                merge.append(merge_ms)
                after.append(merge_ms + evaluate_ms)
                if PHASES.on or profiler is not None:
                    breakdown.append((merge_ms + evaluate_ms, tick, *PHASES.take(), profiler))
            # bucket keys the running registry still holds uncounted (TrendSink._keys): their counting
            # is part of the ticks' cost, spread over them in the mean
            start = time.process_time()
            side.running.fold()
            left_over = (time.process_time() - start) * 1000
            # the end of the run: every worker's last delta (all its detail), the final evaluation
            merge_ms, evaluate_ms, _ = side.tick(recording.last, final=True)
            end_ms = merge_ms + evaluate_ms
    if breakdown:
        _print_breakdown(count, breakdown)
    if not after:
        after = merge = [float("nan")]
    before = recording.before or [float("nan")]
    return {
        "before_median_ms": statistics.median(before),
        "before_max_ms": max(before),
        "after_median_ms": statistics.median(after),
        "after_max_ms": max(after),
        "after_mean_ms": (sum(after) + left_over) / len(after),
        "merge_median_ms": statistics.median(merge),
        "end_ms": end_ms,
        "snapshot_kb": statistics.mean(recording.snapshot_sizes or [float("nan")]) / 1024,
        "delta_kb": statistics.mean(recording.delta_sizes or [float("nan")]) / 1024,
    }


def _print_breakdown(
    count: int, ticks: list[tuple[float, int, dict[str, float], dict[str, int], cProfile.Profile | None]]
) -> None:
    """The phases (and the profile, with --profile) of the worst tick, beside the median tick's."""
    ranked = sorted(ticks, key=lambda t: t[0])
    median, worst = ranked[len(ranked) // 2], ranked[-1]
    print(f"{count} workers, CPU ms by tick: " + " ".join(f"{t[0]:.0f}" for t in sorted(ticks, key=lambda t: t[1])))
    print(f"  {'phase':<32} {'worst (tick ' + str(worst[1]) + ')':>22} {'median (tick ' + str(median[1]) + ')':>22}")
    print(f"  {'whole tick':<32} {worst[0]:>22.1f} {median[0]:>22.1f}")
    for label in sorted(worst[2].keys() | median[2].keys()):
        cells = [f"{t[2].get(label, 0.0):.1f} ({t[3].get(label, 0)}x)" for t in (worst, median)]
        print(f"  {label:<32} {cells[0]:>22} {cells[1]:>22}")
    profiler = worst[4]
    if profiler is not None:
        out = io.StringIO()
        pstats.Stats(profiler, stream=out).sort_stats("tottime").print_stats(15)
        print(out.getvalue())


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
        "--phases",
        action="store_true",
        help="time the phases of every tick; print the worst tick's beside the median's",
    )
    parser.add_argument("--profile", action="store_true", help="cProfile every tick; print the worst tick's profile")
    parser.add_argument(
        "--numpy",
        choices=("auto", "on", "off"),
        default="auto",
        help="count bucket keys with numpy: as --workers N does (auto, a tree that has it), always, never",
    )
    args = parser.parse_args()
    if args.phases:
        PHASES.enable()
    print(
        f"{'workers':>7}  {'before med/max ms':>18}  {'after med/max ms':>17}  {'after mean':>10}  "
        f"{'of it merge':>11}  {'end of run':>10}  {'snapshot KB':>11}  {'delta KB':>8}",
        flush=True,
    )
    for count in (int(n) for n in args.workers.split(",")):
        _count_keys_with(args.numpy, count)
        r = measure(count, args.ticks, args.urls, args.history, args.rate, not args.no_before, profile=args.profile)
        print(
            f"{count:>7}  {r['before_median_ms']:>9.1f} / {r['before_max_ms']:<6.1f}  "
            f"{r['after_median_ms']:>8.1f} / {r['after_max_ms']:<6.1f}  {r['after_mean_ms']:>10.1f}  "
            f"{r['merge_median_ms']:>11.1f}  {r['end_ms']:>10.1f}  "
            f"{r['snapshot_kb']:>11.0f}  {r['delta_kb']:>8.0f}",
            flush=True,
        )


if __name__ == "__main__":
    main()
