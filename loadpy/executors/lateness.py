"""Start lateness of arrival-rate iterations: a benchmark hook, not a metric.

k6 reports no such figure and loadpy's summary must stay k6's, so this never touches the
registry. When the environment variable LOADPY_DEBUG_LATENCY_FILE names a file, every
arrival-rate scenario keeps how late each iteration actually started behind its planned
time and appends one JSON line to that file when the scenario ends:

    {"scenario": "car", "executor": "constant-arrival-rate", "pid": 123, "dropped": 0,
     "started": 30001, "p50_ms": 0.41, "p90_ms": 0.8, "p99_ms": 1.3, "max_ms": 4.2}

(one line per scenario and process, so `--workers N` appends N lines, each with that worker's
share: its started and dropped iterations). `benchmarks/run.py` reads it for figure 2. Without the
variable nothing is recorded.
"""

from __future__ import annotations

import json
import logging
import math
import os
from array import array
from collections.abc import Mapping

LATENESS_ENV = "LOADPY_DEBUG_LATENCY_FILE"

log = logging.getLogger("loadpy.executors")


def lateness_path(environ: Mapping[str, str] | None = None) -> str | None:
    """The file named by LOADPY_DEBUG_LATENCY_FILE, or None when the hook is off."""
    return (os.environ if environ is None else environ).get(LATENESS_ENV) or None


class LatenessLog:
    """Lateness samples (seconds) of one scenario; one C-level append per started iteration."""

    __slots__ = ("add", "samples")

    def __init__(self) -> None:
        self.samples = array("d")
        self.add = self.samples.append

    def summary(self) -> dict[str, float | int]:
        """Count and p50/p90/p99/max in milliseconds (nearest-rank percentiles)."""
        ordered = sorted(self.samples)
        out: dict[str, float | int] = {"started": len(ordered)}
        for name, pct in (("p50_ms", 50.0), ("p90_ms", 90.0), ("p99_ms", 99.0), ("max_ms", 100.0)):
            out[name] = round(_nearest_rank(ordered, pct) * 1000.0, 4) if ordered else 0.0
        return out

    def write(self, path: str, scenario: str, executor: str, dropped: int = 0) -> None:
        """Append this scenario's summary as one JSON line; a benchmark hook never fails the run."""
        line = {"scenario": scenario, "executor": executor, "pid": os.getpid(), "dropped": dropped, **self.summary()}
        try:
            with open(path, "a", encoding="utf-8") as fh:
                fh.write(json.dumps(line) + "\n")
        except OSError as exc:
            log.warning("cannot write %s=%s: %s", LATENESS_ENV, path, exc)


def _nearest_rank(ordered: list[float], pct: float) -> float:
    rank = max(1, math.ceil(pct / 100.0 * len(ordered)))
    return ordered[min(rank, len(ordered)) - 1]
