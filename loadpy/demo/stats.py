"""The demo target's request log: what arrived, where, when (for tests and conformance runs)."""

from __future__ import annotations

import threading
from typing import Any

from loadpy import clock

MAX_ARRIVALS = 500_000  # beyond this only counters grow: a long soak must not eat memory
UNCOUNTED = frozenset({"/_stats", "/_reset"})


class RequestLog:
    """Per-path counters and arrival times; safe to read from another thread."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._paths: dict[str, int] = {}
        self._arrivals: list[tuple[str, float]] = []
        self._total = 0

    def record(self, path: str) -> None:
        if path in UNCOUNTED:
            return
        with self._lock:
            self._total += 1
            self._paths[path] = self._paths.get(path, 0) + 1
            if len(self._arrivals) < MAX_ARRIVALS:
                self._arrivals.append((path, clock.now()))

    @property
    def total(self) -> int:
        return self._total

    def snapshot(self) -> dict[str, Any]:
        """{"total": n, "paths": {path: count}, "arrivals": [[path, t_monotonic], ...]}"""
        with self._lock:
            return {
                "total": self._total,
                "paths": dict(self._paths),
                "arrivals": [[p, t] for p, t in self._arrivals],
            }

    def reset(self) -> None:
        with self._lock:
            self._total = 0
            self._paths = {}
            self._arrivals = []
