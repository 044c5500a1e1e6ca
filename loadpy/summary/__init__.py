"""The end-of-test summary: one model built from the registry and thresholds, rendered as
k6's text summary (compact/full/legacy), --summary-export JSON or handle_summary data."""

from loadpy.summary.export import export_json, handle_summary_data
from loadpy.summary.model import (
    DEFAULT_TREND_STATS,
    CheckResult,
    MetricSummary,
    Section,
    Summary,
    ThresholdResult,
    build_summary,
    validate_trend_stats,
)
from loadpy.summary.text import MODES, render_text

__all__ = [
    "DEFAULT_TREND_STATS",
    "MODES",
    "CheckResult",
    "MetricSummary",
    "Section",
    "Summary",
    "ThresholdResult",
    "build_summary",
    "export_json",
    "handle_summary_data",
    "render_text",
    "validate_trend_stats",
]
