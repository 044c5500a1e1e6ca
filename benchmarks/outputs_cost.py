"""CPU cost of `--out json` / `--out csv` per request and per sample, without network or event loop.

    python benchmarks/outputs_cost.py json 50000          # one output, 50k requests
    PYTHONPATH=/tmp/before python benchmarks/outputs_cost.py csv 50000   # another tree
    python benchmarks/outputs_cost.py json --rounds 5     # the median of 5 rounds

Each request records what a kept-alive `GET` records (`Recorder.record_http`: 9 samples, then
`Recorder.iteration_done`: 4 samples) with the output registered by a real `OutputManager`,
flushed every 5,000 requests as its 200 ms timer would at 25k requests/s. Each round measures the
same recording without an output (`none`) right before, and prints process CPU µs per request
with the output, and what the output **adds** per request and per sample (13 a request):
formatting and file writes included. A file output formats and writes in a writer child process
(loadpy/outputs/writer_child.py): the generator's figure is this process's CPU, the whole tree's
adds the child's (its rusage once it exited, its start included). Pinned to one CPU (`taskset -c 0`)
the output formats in this process unless `--child` (see `ColumnarOutput.offload`); `--in-process`
formats here anyway. `--singles` hands the output every sample alone (no groups), as the coordinator
of `--workers` does. `--heap N` keeps N small tracked objects alive during the rounds (what a run
with many VUs holds): the buffered entries' cost in garbage-collector passes grows with it.
Compare trees in interleaved runs only.
"""

from __future__ import annotations

import argparse
import os
import random
import resource
import statistics
import tempfile
import time

from loadpy.clock import now
from loadpy.metrics.registry import Registry
from loadpy.outputs.base import Output
from loadpy.outputs.csv_out import CsvOutput
from loadpy.outputs.json_out import JsonOutput
from loadpy.outputs.manager import OutputManager
from loadpy.protocols.http.model import Response, Timings
from loadpy.vu.recording import Recorder

SAMPLES_PER_REQUEST = 13


def _children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def measure(kind: str, requests: int, path: str, singles: bool = False) -> tuple[float, float]:
    """CPU seconds of `requests` recorded requests with output `kind` ("none", "json", "csv", "json.gz",
    "csv.gz"): this process's, and its writer child's."""
    registry = Registry()
    recorder = Recorder(registry)
    outputs: list[Output] = [] if kind == "none" else [JsonOutput(path) if kind.startswith("json") else CsvOutput(path)]
    manager = OutputManager(registry, outputs)
    manager.start()
    if singles:  # every sample on its own, as the coordinator of --workers re-emits its workers' samples
        registry.grouped.clear()
    ctx = recorder.context((("scenario", "default"),))
    rng = random.Random(1)
    responses = [
        Response(
            "GET",
            "http://127.0.0.1:8080/",
            200,
            proto="HTTP/1.1",
            timings=Timings(
                blocked=rng.random() * 0.01,
                sending=rng.random() * 0.05,
                waiting=rng.random(),
                receiving=rng.random() * 0.05,
            ),
        )
        for _ in range(1000)
    ]
    children = _children_cpu()
    start = time.process_time()
    for i in range(requests):
        response = responses[i % 1000]
        response.end_time = now()
        recorder.record_http(response, ctx, recorder.default_site, None, None)
        recorder.iteration_done(ctx, 1.5, 90.0, 1200.0, None)
        if i % 5000 == 4999:
            manager.flush()
    manager.stop()  # waits for the writer child: its CPU is in RUSAGE_CHILDREN from here on
    return time.process_time() - start, _children_cpu() - children


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("kind", choices=["none", "json", "csv", "json.gz", "csv.gz"])
    parser.add_argument("requests", type=int, nargs="?", default=50_000)
    parser.add_argument("--rounds", type=int, default=1)
    parser.add_argument("--singles", action="store_true", help="each sample emitted alone (the --workers coordinator)")
    parser.add_argument("--in-process", action="store_true", help="no writer child: format in this process")
    parser.add_argument("--child", action="store_true", help="a writer child even when pinned to one CPU")
    parser.add_argument("--heap", type=int, default=0, help="tracked objects kept alive meanwhile (a big run's heap)")
    args = parser.parse_args()
    heap = [[i] for i in range(args.heap)]  # noqa: F841 - alive during the rounds, that is its purpose
    if args.in_process or args.child:
        from loadpy.outputs.columns import ColumnarOutput

        ColumnarOutput.offload = args.child  # type: ignore[misc,unused-ignore]
    totals: list[float] = []
    added: list[float] = []
    tree: list[float] = []
    with tempfile.TemporaryDirectory() as tmp:
        for _ in range(args.rounds):
            base, _ = measure("none", args.requests, "", args.singles)
            cpu, child = (
                (base, 0.0)
                if args.kind == "none"
                else measure(args.kind, args.requests, os.path.join(tmp, f"out.{args.kind}"), args.singles)
            )
            totals.append(cpu / args.requests * 1e6)
            added.append((cpu - base) / args.requests * 1e6)
            tree.append((cpu + child - base) / args.requests * 1e6)
    total, extra, whole = statistics.median(totals), statistics.median(added), statistics.median(tree)
    print(
        f"{args.kind}: {total:.2f} µs/request; the output adds {extra:.2f} µs/request = "
        f"{extra / SAMPLES_PER_REQUEST:.3f} µs/sample on the generator, {whole:.2f} µs/request = "
        f"{whole / SAMPLES_PER_REQUEST:.3f} µs/sample with its writer child (median of {args.rounds})",
        flush=True,
    )


if __name__ == "__main__":
    main()
