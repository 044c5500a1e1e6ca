"""The last stage of a run: what the lifecycle ends with (RunState) and the results every end-of-run output
reads (RunResults: the state, the verdict and the summary model).

The summary model (loadpy.summary.model.Summary) is the one model of metrics with their thresholds, checks
and groups: the text summary, --summary-export, handle_summary's data, JUnit, the GitHub step summary and
the HTML report are all rendered from it.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from loadpy.errors import ExitCode, LoadpyError


@dataclass
class RunState:
    """How the lifecycle ended, for any backend (k6's test run state at the end)."""

    exit_code: ExitCode
    setup_data: Any
    test_run_duration_s: float
    interrupted: bool
    aborted_by_thresholds: bool
    error: LoadpyError | None


@dataclass
class RunResults:
    """A finished run: its state, k6's exit code (final thresholds and failed checks included) and summary."""

    state: RunState
    exit_code: int
    summary: Any  # loadpy.summary.model.Summary
