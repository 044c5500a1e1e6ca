"""A Markdown summary appended to $GITHUB_STEP_SUMMARY when GitHub Actions sets it, and the end-of-run
reports of every run (`finish_reports`: here, so that a run without --out imports no output module)."""

from __future__ import annotations

import logging
import os
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

from loadpy.outputs.files import describe_os_error
from loadpy.outputs.results import CheckResult, ThresholdResult, mask_results

if TYPE_CHECKING:
    from loadpy.secrets import Masker

log = logging.getLogger("loadpy.outputs")

ENV_VAR = "GITHUB_STEP_SUMMARY"


def _cell(text: str) -> str:
    return text.replace("\\", "\\\\").replace("|", "\\|").replace("\n", " ")


def github_markdown(
    thresholds: Sequence[ThresholdResult],
    checks: Sequence[CheckResult],
    metrics: Sequence[tuple[str, str]] = (),
    title: str = "loadpy results",
) -> str:
    failed = sum(not t.ok for t in thresholds)
    verdict = "✅ all thresholds passed" if not failed else f"❌ {failed} of {len(thresholds)} thresholds crossed"
    lines = [f"## {_cell(title)}", "", verdict if thresholds else "no thresholds defined", ""]
    if thresholds:
        lines += ["### Thresholds", "", "| Metric | Threshold | Observed | Result |", "|---|---|---|---|"]
        lines += [
            f"| {_cell(t.metric)} | `{_cell(t.source)}` | {_cell(t.observed)} | {'✅ pass' if t.ok else '❌ fail'} |"
            for t in thresholds
        ]
        lines.append("")
    if checks:
        lines += ["### Checks", "", "| Check | Group | Passes | Fails | Result |", "|---|---|---:|---:|---|"]
        for c in checks:
            group = c.path.rsplit("::", 1)[0] or "(root)"
            lines.append(f"| {_cell(c.name)} | {_cell(group)} | {c.passes} | {c.fails} | {'✅' if c.ok else '❌'} |")
        lines.append("")
    if metrics:
        lines += ["### Metrics", "", "| Metric | Value |", "|---|---|"]
        lines += [f"| {_cell(name)} | {_cell(value)} |" for name, value in metrics]
        lines.append("")
    return "\n".join(lines) + "\n"


def write_github_summary(
    thresholds: Sequence[ThresholdResult],
    checks: Sequence[CheckResult],
    metrics: Sequence[tuple[str, str]] = (),
    env: Mapping[str, str] | None = None,
) -> bool:
    """Append the summary to $GITHUB_STEP_SUMMARY; False when it is unset or can't be written (logged)."""
    path = (os.environ if env is None else env).get(ENV_VAR)
    if not path:
        return False
    try:
        with open(path, "a", encoding="utf-8") as fh:
            fh.write(github_markdown(thresholds, checks, metrics))
    except OSError as exc:
        log.error("could not append to $%s (%s): %s", ENV_VAR, path, describe_os_error(exc))
        return False
    return True


def finish_reports(
    manager: Any,
    thresholds: Sequence[ThresholdResult],
    checks: Sequence[CheckResult],
    masker: Masker | None = None,
) -> None:
    """End-of-run reports whether or not any --out was given (the GitHub summary needs no flag).

    With a manager its own masker applies; without one, `masker` does.
    """
    if manager is not None:
        manager.finish(thresholds, checks)
        return
    if masker:
        thresholds, checks = mask_results(thresholds, checks, masker)
    write_github_summary(thresholds, checks)
