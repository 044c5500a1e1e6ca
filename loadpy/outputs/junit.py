"""`--out junit=FILE`: a JUnit XML report written at the end of the run.

One test case per threshold and per check; failed thresholds and checks with any
failing evaluation become <failure> elements, so CI marks exactly those red.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from collections.abc import Sequence

from loadpy.metrics.metric import Metric
from loadpy.metrics.tags import TagSet
from loadpy.outputs.files import write_end_of_test
from loadpy.outputs.results import CheckResult, ThresholdResult


def junit_xml(thresholds: Sequence[ThresholdResult], checks: Sequence[CheckResult]) -> str:
    t_fail = sum(not t.ok for t in thresholds)
    c_fail = sum(not c.ok for c in checks)
    suites = ET.Element(
        "testsuites", name="loadpy", tests=str(len(thresholds) + len(checks)), failures=str(t_fail + c_fail)
    )
    t_suite = ET.SubElement(
        suites, "testsuite", name="thresholds", tests=str(len(thresholds)), failures=str(t_fail), errors="0"
    )
    for t in thresholds:
        case = ET.SubElement(t_suite, "testcase", classname=f"thresholds.{t.metric}", name=f"{t.metric}: {t.source}")
        if not t.ok:
            failure = ET.SubElement(case, "failure", message=f"threshold '{t.source}' on {t.metric} crossed")
            failure.text = t.observed or None
    c_suite = ET.SubElement(
        suites, "testsuite", name="checks", tests=str(len(checks)), failures=str(c_fail), errors="0"
    )
    for c in checks:
        group = c.path.rsplit("::", 1)[0]
        case = ET.SubElement(c_suite, "testcase", classname=f"checks{group or '::'}", name=c.name)
        if not c.ok:
            ET.SubElement(
                case, "failure", message=f"{c.fails} of {c.passes + c.fails} evaluations failed"
            ).text = f"passes={c.passes} fails={c.fails}"
    ET.indent(suites)
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(suites, encoding="unicode") + "\n"


def write_junit(path: str, thresholds: Sequence[ThresholdResult], checks: Sequence[CheckResult]) -> bool:
    """Write the report; False (and an error logged) when the file can't be written."""
    return write_end_of_test("--out junit", path, junit_xml(thresholds, checks))


class JunitOutput:
    """The `--out junit=FILE` entry: streams nothing; `finish` writes the report at the end."""

    def __init__(self, path: str) -> None:
        self.path = path

    def describe(self) -> str:
        return f"junit ({self.path})"

    def start(self) -> None:
        pass

    def add(self, metric: Metric, tags: TagSet, value: float, when: float, metadata: dict[str, str] | None) -> None:
        pass

    def flush(self) -> None:
        pass

    def stop(self) -> None:
        pass

    def finish(self, thresholds: Sequence[ThresholdResult], checks: Sequence[CheckResult]) -> None:
        write_junit(self.path, thresholds, checks)
