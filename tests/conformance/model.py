"""A conformance case: one workload described once, plus what must agree between k6 and loadpy.

Flows are written as loadpy flow steps (plain dicts, exactly the YAML shape); the only non-YAML
values are `Check`s, which carry the predicate in both languages. `render.py` turns a case into a
k6 script and a loadpy YAML file; `harness.py` runs both and evaluates the `Expect`s.
"""

from __future__ import annotations

import itertools
import json
import statistics
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from tests.conformance.target import Stats


@dataclass(frozen=True)
class Check:
    """One check predicate in both languages: `py` for loadpy's expression, `js` over the response `r`."""

    py: str
    js: str


def status_is(code: int) -> Check:
    return Check(f"status == {code}", f"r.status === {code}")


def always(value: bool) -> Check:
    return Check("True" if value else "False", "true" if value else "false")


def cond(py: str, js: str) -> Check:
    """A condition (`if:` of abort/fail) in both languages; `js` may use __ITER, __VU and `data`."""
    return Check(py, js)


def json_eq(key: str, value: str) -> Check:
    return Check(f"json[{key!r}] == {value!r}", f"r.json()[{json.dumps(key)}] === {json.dumps(value)}")


@dataclass
class Outcome:
    """One tool's run of a case (or, for segmented cases, `parts` holds one Outcome per instance)."""

    tool: str
    rc: int
    stdout: str
    stderr: str
    export: dict[str, Any] | None
    wall: float
    stats: Stats | None = None
    parts: list[Outcome] = field(default_factory=list)

    def metric(self, name: str, key: str, default: float | None = 0) -> float | None:
        """A --summary-export value; an absent metric reads as `default` (k6 omits metrics with no samples)."""
        if self.export is None:
            return None
        values = self.export.get("metrics", {}).get(name)
        if values is None:
            return default
        value = values.get(key)
        return None if value is None else float(value)

    def tail(self) -> str:
        return f"[{self.tool}] rc={self.rc} wall={self.wall:.2f}s\nstderr: {self.stderr[-1500:]}"


Getter = Callable[[Outcome], float | None]


@dataclass(frozen=True)
class Expect:
    """A figure both tools produce. Both must lie in [lo, hi] when given (the k6-measured range from
    conformance-ideas.md, so a broken rendering shows up on the k6 side too), and loadpy must be within
    max(tol, rel*|k6|) of k6's figure from the same session. `why` states the reason for the tolerance."""

    label: str
    get: Getter
    tol: float = 0.0
    rel: float = 0.0
    lo: float | None = None
    hi: float | None = None
    why: str = "exact: deterministic in k6"

    def in_range(self, value: float | None) -> bool:
        if value is None:
            return False
        return (self.lo is None or value >= self.lo - 1e-9) and (self.hi is None or value <= self.hi + 1e-9)


@dataclass(frozen=True)
class Case:
    id: str
    doc: str
    flows: dict[str, list[dict[str, Any]]]
    options: dict[str, Any] | None = None
    metrics: dict[str, Any] = field(default_factory=dict)
    env: dict[str, str] = field(default_factory=dict)  # the YAML `env:` block (defaults; -e overrides)
    args: tuple[str, ...] = ()  # flags passed to both `k6 run` and `loadpy run`
    os_env: dict[str, str] = field(default_factory=dict)  # process environment for both tools
    expect: tuple[Expect, ...] = ()
    exit_code: int = 0
    timing: bool = False  # timing-sensitive: run the tools one after the other, never together
    segments: tuple[str, ...] = ()  # run one instance per segment (all together) with --execution-segment
    sequence: str | None = None  # --execution-segment-sequence for every instance
    structure: bool = True  # compare metric names, value keys, thresholds and root_group
    exact_checks: bool = True  # root_group check passes/fails must match exactly
    ignore_metrics: frozenset[str] = frozenset()  # names whose presence may legitimately differ
    http: dict[str, Any] | None = None  # the YAML top-level `http:` block (k6 http.setResponseCallback)
    known_difference: str = ""  # a loadpy divergence not yet fixed: the case is a strict xfail naming it


# --- getters ------------------------------------------------------------------------------------


def m(name: str, key: str = "count", default: float | None = 0) -> Getter:
    return lambda o: o.metric(name, key, default)


def rc() -> Getter:
    return lambda o: float(o.rc)


def threshold_failed(name: str, source: str) -> Getter:
    """1 when the export marks the threshold as crossed (`true` means FAILED in --summary-export)."""

    def get(o: Outcome) -> float | None:
        if o.export is None:
            return None
        value = o.export["metrics"].get(name, {}).get("thresholds", {}).get(source)
        return None if value is None else float(bool(value))

    return get


def served(prefix: str) -> Getter:
    """Requests the target received on paths starting with `prefix` (redirect hops included)."""
    return lambda o: None if o.stats is None else float(o.stats.count(prefix))


def gap_ms(path: str) -> Getter:
    """Median spacing between arrivals on `path`, in ms (the target's own clock)."""

    def get(o: Outcome) -> float | None:
        times = sorted(o.stats.times(path)) if o.stats else []
        if len(times) < 3:
            return None
        return statistics.median(b - a for a, b in itertools.pairwise(times)) * 1000

    return get


def offset_ms(first: str, then: str) -> Getter:
    """Time from the first arrival on `first` to the first arrival on `then`, in ms."""

    def get(o: Outcome) -> float | None:
        a = o.stats.times(first) if o.stats else []
        b = o.stats.times(then) if o.stats else []
        return (min(b) - min(a)) * 1000 if a and b else None

    return get


def span_ms(path: str) -> Getter:
    """First to last arrival on `path`, in ms: how long the load actually lasted, free of process startup."""

    def get(o: Outcome) -> float | None:
        times = o.stats.times(path) if o.stats else []
        return (max(times) - min(times)) * 1000 if len(times) >= 2 else None

    return get


def part(index: int, getter: Getter) -> Getter:
    """`getter` applied to one instance of a segmented run."""
    return lambda o: getter(o.parts[index]) if index < len(o.parts) else None


def total(getter: Getter) -> Getter:
    """Sum of `getter` over the instances of a segmented run."""

    def get(o: Outcome) -> float | None:
        values = [getter(p) for p in o.parts]
        return None if not values or any(v is None for v in values) else float(sum(v for v in values if v is not None))

    return get


def plus(*getters: Getter) -> Getter:
    def get(o: Outcome) -> float | None:
        values = [g(o) for g in getters]
        return None if any(v is None for v in values) else float(sum(v for v in values if v is not None))

    return get
