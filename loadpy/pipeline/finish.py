"""The end of a `loadpy run`: final thresholds, the summary, --summary-export, handle_summary and
k6's exit code, as RunResults. Every backend's run ends here (loadpy.pipeline.run).
"""

from __future__ import annotations

import json
import logging
import sys
from collections.abc import Mapping
from dataclasses import replace
from typing import Any

from loadpy.errors import ExitCode, LoadpyError
from loadpy.pipeline.plan import TestPlan
from loadpy.pipeline.results import RunResults, RunState
from loadpy.secrets import Masker, unmasked

log = logging.getLogger("loadpy")


def finish_run(p: TestPlan, result: RunState) -> RunResults:
    """Final thresholds, summary, exports, handle_summary; the results with k6's exit code."""
    from loadpy.outputs.files import write_end_of_test
    from loadpy.summary import build_summary, export_json

    opts = p.options
    duration = result.test_run_duration_s
    thresholds_failed = False
    if p.thresholds is not None:
        p.thresholds.evaluate(duration, final=True)
        failed = p.thresholds.failed_metric_names()
        if failed:
            thresholds_failed = True
            if not result.aborted_by_thresholds:  # k6 logged the abort line already, and only that
                log.error("thresholds on metrics '%s' have been crossed", ", ".join(failed))
    if result.error is not None and not isinstance(result.error, LoadpyError | None):
        log.error("%s", result.error)
    summary = build_summary(
        p.registry,
        p.thresholds,
        test_run_duration_s=duration,
        summary_trend_stats=list(opts.summary_trend_stats),
        summary_time_unit=opts.summary_time_unit or None,
        setup_data=result.setup_data,
        no_color=bool(opts.no_color) or not sys.stdout.isatty(),
        is_stdout_tty=sys.stdout.isatty(),
        is_stderr_tty=sys.stderr.isatty(),
        system_tags=opts.system_tags,
        submetric_keys=p.submetric_keys,
    )
    if not opts.no_summary:
        if opts.summary_export:
            export = json.dumps(p.masker.mask_data(export_json(summary)), indent=4) + "\n"
            write_end_of_test("--summary-export", opts.summary_export, export)
        printed = run_handle_summary(p, summary)
        if not printed:
            print_text_summary(summary, opts.summary_mode or "compact", p.masker)
    code = int(result.exit_code)
    if code == 0 and getattr(p.runtime, "test_failed", False):
        code = int(ExitCode.TEST_FAILED)
    if code == 0 and thresholds_failed:
        code = int(ExitCode.THRESHOLDS_FAILED)
    return RunResults(result, code, summary)


def run_handle_summary(p: TestPlan, summary: Any) -> bool:
    """Run the user's handle_summary; True when it took over the stdout summary."""
    if p.handle_summary is None:
        return False
    from loadpy.outputs.files import write_handle_summary
    from loadpy.summary import handle_summary_data

    try:
        # the user's code gets the masked data: what it returns carries no secret of ours
        outcome = p.handle_summary(p.masker.mask_data(handle_summary_data(summary)))
    except Exception as exc:  # k6 logs the error and falls back to the default summary
        log.error("handle_summary failed: %s", exc)
        return False
    if outcome is None:
        return False
    if not isinstance(outcome, Mapping):
        log.error("handle_summary must return a mapping of path -> content, got %s", type(outcome).__name__)
        return False
    write_handle_summary(outcome, p.masker)
    return True


def print_text_summary(summary: Any, mode: str, masker: Masker) -> None:
    """The end-of-test summary on stdout. With secrets, its names are masked as data and it is printed
    past the terminal's text masking, so a short secret (`0`) can't mask the digits of the figures;
    the legacy layout prints the group tree itself and stays text-masked."""
    from loadpy.summary import render_text

    if masker and mode != "legacy":
        out = unmasked(sys.stdout)
        out.write(render_text(masked_summary(summary, masker), mode=mode))
        out.flush()
        return
    sys.stdout.write(render_text(summary, mode=mode))
    sys.stdout.flush()


def masked_summary(summary: Any, masker: Masker) -> Any:
    """A copy of a `loadpy.summary.model.Summary` with every name the text summary prints masked."""
    from loadpy.summary.model import Section

    def metric(m: Any) -> Any:
        thresholds = m.thresholds and [
            replace(t, metric=masker.mask_key(t.metric), source=masker.mask_key(t.source)) for t in m.thresholds
        ]
        return replace(m, name=masker.mask_key(m.name), thresholds=thresholds)

    def metrics(items: Mapping[str, Any]) -> dict[str, Any]:
        return {masker.mask_key(name): metric(m) for name, m in items.items()}

    def section(s: Any) -> Any:
        checks = s.checks and [replace(c, name=masker.mask(c.name)) for c in s.checks]
        return Section(metrics(s.metrics), checks, {masker.mask(k): section(g) for k, g in s.groups.items()})

    return replace(
        summary,
        metrics=metrics(summary.metrics),
        total=section(summary.total),
        groups={masker.mask(k): section(g) for k, g in summary.groups.items()},
        scenarios={masker.mask(k): section(g) for k, g in summary.scenarios.items()},
        thresholds=metrics(summary.thresholds),
    )
