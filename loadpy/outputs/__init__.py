"""Streaming outputs (`--out json=`, `--out csv=`) and end-of-run reports (junit, GitHub summary)."""

from loadpy.outputs.base import BufferedOutput, Output
from loadpy.outputs.csv_out import CsvOutput, csv_header
from loadpy.outputs.github import write_github_summary
from loadpy.outputs.json_out import JsonOutput
from loadpy.outputs.junit import JunitOutput, write_junit
from loadpy.outputs.manager import OutputManager, parse_out_arg
from loadpy.outputs.results import CheckResult, ThresholdResult

__all__ = [
    "BufferedOutput",
    "CheckResult",
    "CsvOutput",
    "JsonOutput",
    "JunitOutput",
    "Output",
    "OutputManager",
    "ThresholdResult",
    "csv_header",
    "parse_out_arg",
    "write_github_summary",
    "write_junit",
]
