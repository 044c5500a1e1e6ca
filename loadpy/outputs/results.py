"""The plain end-of-run results the JUnit and GitHub summary writers take."""

from __future__ import annotations

from dataclasses import dataclass

from loadpy.metrics.groups import GroupNode


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
