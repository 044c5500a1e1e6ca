"""The plain end-of-run results the JUnit and GitHub summary writers take."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Any

from loadpy.metrics.groups import GroupNode

if TYPE_CHECKING:
    from loadpy.secrets import Masker


@dataclass(frozen=True, slots=True)
class ThresholdResult:
    metric: str  # as written in the options: "http_req_duration" or "http_req_duration{name:a}"
    source: str  # "p(95)<500"
    ok: bool
    observed: str = ""  # what the summary prints, e.g. "p(95)=1.49ms"


@dataclass(frozen=True, slots=True)
class CheckResult:
    name: str
    path: str  # k6 path, "::group::check"
    passes: int
    fails: int

    @property
    def ok(self) -> bool:
        return self.fails == 0


def checks_from_groups(root: GroupNode) -> list[CheckResult]:
    """Every check of the group tree, groups first-seen order, depth first."""
    return [
        CheckResult(check.name, check.path, check.passes, check.fails)
        for group in root.walk()
        for check in group.checks.values()
    ]


def observed_text(key: str, value: float | None, metric_type: str, contains: str) -> str:
    """What a threshold saw, as the summary shows it: "p(95)=1.49ms", "rate=66.66%", "count=18"."""
    if value is None:
        return f"{key}=n/a"
    if contains == "time" and key not in ("count", "rate"):
        return f"{key}={value:.2f}ms"
    if metric_type == "rate":
        return f"{key}={value * 100:.2f}%"
    if key == "rate":
        return f"{key}={value:g}/s"
    return f"{key}={value:g}"


def threshold_results(thresholds: Any, duration_s: float) -> list[ThresholdResult]:
    """Every threshold of a `loadpy.metrics.thresholds.Thresholds` after its final evaluation."""
    from loadpy.metrics.thresholds import sink_values

    out: list[ThresholdResult] = []
    if thresholds is None:
        return out
    for name, group in thresholds.metrics.items():
        values = sink_values(group.view.sink(), group.thresholds, duration_s)
        contains = group.metric.contains.value
        kind = group.metric.type.value
        for t in group.thresholds:
            pct = t.expression.percentile
            label = t.key if pct is None else f"p({pct:g})"  # "p(95)", as the summary prints it
            observed = observed_text(label, values.get(t.key), kind, contains)
            out.append(ThresholdResult(name, t.source, bool(t.ok), observed))
    return out


def mask_results(
    thresholds: Sequence[ThresholdResult], checks: Sequence[CheckResult], masker: Masker
) -> tuple[list[ThresholdResult], list[CheckResult]]:
    """The results with every secret masked in their text, before any report renders (and escapes) it.

    `observed` is left alone: it is a statistic's name and a number ("p(95)=1.49ms"), never user text.
    """
    m = masker.mask
    return (
        [replace(t, metric=masker.mask_key(t.metric), source=masker.mask_key(t.source)) for t in thresholds],
        [replace(c, name=m(c.name), path=m(c.path)) for c in checks],
    )
