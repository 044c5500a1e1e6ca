"""Bytecodes the YAML closed loop executes per request, by function (or by line): deterministic.

    PYTHONPATH=<tree> python benchmarks/bytecode_count.py                       # by function
    PYTHONPATH=<tree> python benchmarks/bytecode_count.py --lines send,feed     # by line, these functions

`hot_floor.py`'s in-process run (every connection in memory) under `sys.settrace` with opcode events,
once with R and once with 2R requests after a warm-up run: the difference over R is what one request
executes, start-up and the summary cancelled out. Slow (the tracer runs per bytecode), but it names the
functions and lines that a cut must shorten, and counts the same on any machine, however loaded.
"""

from __future__ import annotations

import argparse
import linecache
import sys
import tempfile
from collections import Counter
from collections.abc import Callable
from pathlib import Path
from types import FrameType
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

import hot_floor

Tracer = Callable[[FrameType, str, Any], Any]


def count(requests: int, key: Callable[[FrameType], Any | None]) -> Counter[Any]:
    """Bytecodes executed by `key(frame)` (None: not counted) in a run of 50 VUs + `requests`."""
    counts: Counter[Any] = Counter()

    def tracer(frame: FrameType, event: str, arg: Any) -> Tracer | None:
        if key(frame) is None:
            return None
        frame.f_trace_opcodes = True

        def local(frame: FrameType, event: str, arg: Any) -> Tracer:
            if event == "opcode":
                counts[key(frame)] += 1
            return local

        return local

    path = Path(tempfile.mkdtemp(prefix="loadpy-bytecodes-")) / "s.yaml"
    path.write_text(hot_floor.scenario(50, 50 + requests))
    sys.settrace(tracer)
    try:
        hot_floor.run_once(path)
    finally:
        sys.settrace(None)
    return counts


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--requests", type=int, default=2000)
    ap.add_argument("--lines", help="comma-separated function names: count these by line instead")
    args = ap.parse_args()
    hot_floor.patch_connect()
    warm = Path(tempfile.mkdtemp(prefix="loadpy-bytecodes-")) / "warm.yaml"
    warm.write_text(hot_floor.scenario(50, 100))
    hot_floor.run_once(warm)  # imports, caches

    def by_function(frame: FrameType) -> str:
        code = frame.f_code
        return f"{'/'.join(code.co_filename.split('/')[-2:])}:{code.co_name}"

    def by_line(frame: FrameType) -> tuple[str, int] | None:
        return (frame.f_code.co_filename, frame.f_lineno or 0) if frame.f_code.co_name in chosen else None

    chosen = set(args.lines.split(",")) if args.lines else set()
    key = by_line if chosen else by_function
    r = args.requests
    small, large = count(r, key), count(2 * r, key)
    rows = sorted(((large[k] - small[k]) / r, k) for k in set(small) | set(large))
    total = sum(d for d, _ in rows)
    for per_request, k in sorted(rows, key=lambda row: -row[0]):
        if per_request < 0.5:
            continue
        if chosen:
            text = linecache.getline(k[0], k[1]).rstrip()[:100]
            print(f"{per_request:8.1f}  {Path(k[0]).name}:{k[1]}  {text}")
        else:
            print(f"{per_request:8.1f}  {k}")
    print(f"{total:8.1f}  bytecodes per request in all")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
