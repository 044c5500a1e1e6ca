"""The HTML report (`--report report.html`, `loadpy report results.json -o report.html`)."""

from loadpy.report.data import load_results, report_data, results_json, save_results
from loadpy.report.html import render_report, write_report
from loadpy.report.timeseries import TimeSeriesRecorder

__all__ = [
    "TimeSeriesRecorder",
    "load_results",
    "render_report",
    "report_data",
    "results_json",
    "save_results",
    "write_report",
]
