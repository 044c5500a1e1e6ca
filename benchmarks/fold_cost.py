"""What folding a trend series costs per value, over batches a real run folds.

    python benchmarks/fold_cost.py --capture /tmp/folds.bin      # 50 VUs for 6 s against nginx
    PYTHONPATH=<tree> taskset -c 0 python benchmarks/fold_cost.py --batches /tmp/folds.bin

`--capture` runs `loadpy run` in this process (50 VUs, constant-vus, one `GET /` against nginx on
CPU 1) with `TrendSink.fold` wrapped to keep a copy of every batch it folds of 1,000 values or more
(the 0.1-s slices of loadpy/engine/upkeep.py), and writes them to a file. The timing mode reads
them and prints the cost per folded value (best of `--repeat` timeit runs over all batches, each
batch folded into a series already past its exact store) of each part of the fold, with the
standard library and with numpy, and of the whole `TrendSink.fold`; and numpy's import, CPU and
RSS, measured in a fresh interpreter that has imported what a run imports.
"""

from __future__ import annotations

import argparse
import contextlib
import io
import math
import struct
import subprocess
import sys
import tempfile
import time
import timeit
from array import array
from collections import Counter
from collections.abc import Callable
from itertools import repeat
from operator import rshift
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

_LEN = struct.Struct("<I")


def capture(out: Path, seconds: float) -> None:
    from bench.setup_tools import _which
    from bench.target import Nginx

    from loadpy.cli.main import main
    from loadpy.metrics.sinks import TrendSink

    batches: list[bytes] = []
    fold = TrendSink.fold

    def recording_fold(sink: TrendSink) -> None:
        if sink.buffered >= 1000:
            from loadpy.metrics.sinks import flush_rows

            flush_rows(sink._batches)
            batches.append(sink._buf.tobytes())
        fold(sink)

    TrendSink.fold = recording_fold  # type: ignore[method-assign]
    nginx = _which("nginx")
    if nginx is None:
        raise SystemExit("nginx is required")
    with Nginx(nginx, 1) as target, tempfile.TemporaryDirectory() as work:
        script = Path(work) / "run.yaml"
        script.write_text(
            f"options: {{scenarios: {{s: {{executor: constant-vus, vus: 50, duration: {seconds}s}}}}}}\n"
            f"flows:\n  default:\n    - request: {{url: '{target.url}'}}\n"
        )
        with contextlib.redirect_stdout(io.StringIO()):
            code = main(["run", "-q", "--address", "", "--no-summary", str(script)])
    if code:
        raise SystemExit(f"loadpy run exited {code}")
    out.write_bytes(b"".join(_LEN.pack(len(b)) + b for b in batches))
    print(f"{len(batches)} batches, {sum(len(b) for b in batches) // 8} values -> {out}")


def read_batches(path: Path) -> list[array]:
    data = path.read_bytes()
    out: list[array] = []
    at = 0
    while at < len(data):
        (size,) = _LEN.unpack_from(data, at)
        values = array("d")
        values.frombytes(data[at + 4 : at + 4 + size])
        out.append(values)
        at += 4 + size
    return out


def per_value(batches: list[array], body: Callable[[array], object], repeat_: int) -> float:
    """ns per value of `body` over every batch, best of `repeat_` runs."""
    values = sum(map(len, batches))

    def all_batches() -> None:
        for batch in batches:
            body(batch)

    return min(timeit.repeat(all_batches, number=1, repeat=repeat_)) / values * 1e9


def whole_fold(batches: list[array], repeat_: int) -> float:
    """ns per value of TrendSink.fold, each batch into a series past its exact store."""
    from loadpy.metrics.sinks import EXACT_LIMIT, TrendSink

    values = sum(map(len, batches))
    best = math.inf
    for _ in range(repeat_):
        sink = TrendSink()
        for i in range(EXACT_LIMIT + 1):
            sink.add(float(i))
        sink.fold()
        spent = 0.0
        fold = sink.fold
        for batch in batches:
            sink._buf.extend(batch)
            start = time.perf_counter()  # (not timeit.timeit: it compiles a timer per call, ~30 µs)
            fold()
            spent += time.perf_counter() - start
        best = min(best, spent)
    return best / values * 1e9


# (RSS from /proc: ru_maxrss of a child forked from a large parent starts at the parent's)
IMPORT_PROBE = """
import re, time
import loadpy.pipeline.run, loadpy.engine.scheduler, loadpy.flows.runtime, loadpy.protocols.http.client
def rss():
    return int(re.search(r"VmRSS:\\s+(\\d+)", open("/proc/self/status").read()).group(1))
before = rss()
start = time.process_time()
import numpy
print(time.process_time() - start, rss() - before)
"""


def numpy_import(rounds: int) -> tuple[list[float], list[int]]:
    """CPU ms and RSS KB that importing numpy adds to a process that imported what a run imports."""
    cpu, rss = [], []
    for _ in range(rounds):
        out = subprocess.run([sys.executable, "-c", IMPORT_PROBE], capture_output=True, text=True, check=True)
        seconds, kb = out.stdout.split()
        cpu.append(float(seconds) * 1e3)
        rss.append(int(kb))
    return cpu, rss


def timing(path: Path, repeat_: int) -> None:
    from loadpy.metrics import histogram
    from loadpy.metrics.histogram import SHIFT, Histogram

    def min_max(values: array) -> tuple[float, float]:
        return min(values), max(values)

    extremes = getattr(histogram, "extremes", min_max)  # (a tree before session 8 has none)

    batches = read_batches(path)
    values = sum(map(len, batches))

    def counter_keys(batch: array) -> Counter[int]:
        with memoryview(batch) as raw, raw.cast("B").cast("Q") as bits:
            return Counter(map(rshift, bits, repeat(SHIFT)))

    counted = [counter_keys(b) for b in batches]
    print(
        f"{len(batches)} batches, {values} values, {values / len(batches):.0f} per batch, "
        f"distinct bucket keys / values {sum(map(len, counted)) / values:.2f}"
    )
    adds = iter(counted * (repeat_ + 1))
    hist = Histogram()
    rows: list[tuple[str, float]] = []
    histogram.use_numpy(False)
    rows.append(("math.fsum", per_value(batches, math.fsum, repeat_)))
    rows.append(("min + max (stdlib)", per_value(batches, extremes, repeat_)))
    rows.append(("Counter(map(rshift, ...))", per_value(batches, counter_keys, repeat_)))
    rows.append(("Histogram.add_counts", per_value(batches, lambda _: hist.add_counts(next(adds)), repeat_)))  # type: ignore[arg-type]
    rows.append(("count_values (stdlib)", per_value(batches, hist.count_values, repeat_)))
    rows.append(("TrendSink.fold (stdlib)", whole_fold(batches, repeat_)))
    histogram.use_numpy()
    rows.append(("extremes (numpy argmin/argmax)", per_value(batches, extremes, repeat_)))
    rows.append(("count_values (numpy)", per_value(batches, hist.count_values, repeat_)))
    rows.append(("TrendSink.fold (numpy)", whole_fold(batches, repeat_)))
    for name, ns in rows:
        print(f"{name:34s} {ns:7.1f} ns/value")
    cpu, rss = numpy_import(5)
    print(f"import numpy after a run's imports: CPU ms {sorted(round(c, 1) for c in cpu)}, RSS KB {sorted(rss)}")


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--capture", type=Path, help="run 50 VUs against nginx and write the folded batches here")
    ap.add_argument("--seconds", type=float, default=6.0)
    ap.add_argument("--batches", type=Path, help="time the fold over the batches of this file")
    ap.add_argument("--repeat", type=int, default=5)
    args = ap.parse_args()
    if args.capture:
        capture(args.capture, args.seconds)
    if args.batches:
        timing(args.batches, args.repeat)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
