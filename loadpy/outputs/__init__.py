"""Streaming outputs (`--out json=`, `--out csv=`) and end-of-run reports (junit, GitHub summary).

Each name is imported from its module on first use: `loadpy.outputs.formats` (which k6lib's Go
formatting needs) does not load orjson, xml.etree and the summary with it."""

from typing import TYPE_CHECKING

from loadpy.base.lazy import lazy_exports

if TYPE_CHECKING:
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
__getattr__ = lazy_exports(
    __name__,
    {
        "BufferedOutput": "loadpy.outputs.base",
        "Output": "loadpy.outputs.base",
        "CsvOutput": "loadpy.outputs.csv_out",
        "csv_header": "loadpy.outputs.csv_out",
        "write_github_summary": "loadpy.outputs.github",
        "JsonOutput": "loadpy.outputs.json_out",
        "JunitOutput": "loadpy.outputs.junit",
        "write_junit": "loadpy.outputs.junit",
        "OutputManager": "loadpy.outputs.manager",
        "parse_out_arg": "loadpy.outputs.manager",
        "CheckResult": "loadpy.outputs.results",
        "ThresholdResult": "loadpy.outputs.results",
    },
)
