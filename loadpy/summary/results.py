"""The verdicts of a run, one class each for the whole of loadpy: a threshold's (ThresholdResult) and a
check's (CheckResult). The summary model holds them; the text summary, --summary-export, handle_summary
data, JUnit, the GitHub step summary and the HTML report all read these.
"""

from __future__ import annotations

from dataclasses import dataclass

from loadpy.metrics.groups import GroupNode


@dataclass(slots=True)
class ThresholdResult:
    metric: str  # as written in the options: "http_req_duration" or "http_req_duration{name:a}"
    source: str  # "p(95)<500"
    ok: bool
    observed: str = ""  # what the summary prints, e.g. "p(95)=1.49ms"
    stat: str = ""  # the statistic compared, as the summary names it: "p(95)", "rate", "avg"
    value: float | None = None  # the value compared (None: no data, or not a finite number)


@dataclass(slots=True)
class CheckResult:
    name: str
    path: str = ""  # k6 path, "::group::check" (empty in a summary section, which merges groups)
    passes: int = 0
    fails: int = 0

    @property
    def ok(self) -> bool:
        return self.fails == 0


def check_results(root: GroupNode) -> list[CheckResult]:
    """Every check of the group tree, groups first-seen order, depth first."""
    return [
        CheckResult(check.name, check.path, check.passes, check.fails)
        for group in root.walk()
        for check in group.checks.values()
    ]


def stat_name(key: str) -> str:
    """p(95.0) -> p(95), as the summary names the statistic."""
    if key.startswith("p(") and key.endswith(".0)"):
        return key[:-3] + ")"
    return key


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
