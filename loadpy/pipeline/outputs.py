"""What a run writes besides the summary: the streaming outputs (--out), the HTML report (--report)
and the end-of-run JUnit/GitHub reports. loadpy.pipeline.run writes them through here,
whatever the backend.
"""

from __future__ import annotations

import asyncio
from typing import Any

from loadpy.metrics.selectors import split_metric_name
from loadpy.pipeline.plan import TestPlan
from loadpy.pipeline.results import RunResults


def start_report_recorder(p: TestPlan, report: str | None, loop: asyncio.AbstractEventLoop) -> Any:
    """--report FILE: the per-interval series the report draws, recorded from the registry; None without it."""
    if not report:
        return None
    from loadpy.report import TimeSeriesRecorder

    recorder = TimeSeriesRecorder(p.registry)
    recorder.start(loop)
    return recorder


def write_html_report(path: str, p: TestPlan, summary: Any, recorder: Any, duration_s: float) -> None:
    """--report FILE: a self-contained HTML report, or (FILE ending in .json) the data to rebuild one later."""
    from loadpy.outputs.files import write_end_of_test
    from loadpy.report import render_report, report_data, results_json

    meta = {"script": p.path, "duration_s": duration_s, "options": p.options.raw}
    data = report_data(p.registry, summary, recorder, meta)
    data = p.masker.mask_data(data)
    write_end_of_test("--report", path, results_json(data) if path.endswith(".json") else render_report(data))


def finish_reports(p: TestPlan, outputs: Any, results: RunResults) -> None:
    """JUnit files (--out junit=) and the GitHub step summary ($GITHUB_STEP_SUMMARY), after the verdict."""
    from loadpy.outputs.github import finish_reports as write_reports  # (not the --out outputs' modules)

    summary = results.summary
    write_reports(outputs, summary.threshold_results(), summary.check_results(), p.masker)


def start_outputs(p: TestPlan) -> Any:
    """--out: open every output and register it for samples (None without --out)."""
    if not p.options.out:
        return None
    from loadpy.outputs.manager import OutputManager, parse_out_arg

    system_tags = p.options.system_tags
    outs = [parse_out_arg(text, system_tags) for text in p.options.out]
    thresholds_by_metric: dict[str, list[str]] = {}
    submetrics: dict[str, list[Any]] = {}
    if p.thresholds is not None:
        for name, items in p.thresholds.by_metric.items():
            parent, selector = split_metric_name(name)
            if selector:  # k6 lists a submetric's thresholds on the submetric, not the parent
                submetrics.setdefault(parent, []).append(name)
            else:
                thresholds_by_metric.setdefault(parent, []).extend(t.source for t in items)
    manager = OutputManager(
        p.registry,
        outs,
        thresholds_by_metric=thresholds_by_metric,
        submetrics=submetrics,
        system_tags=system_tags,
        masker=p.masker,
    )
    manager.start(asyncio.get_running_loop())
    return manager
