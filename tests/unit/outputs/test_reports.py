"""junit XML, the GitHub step summary and `--out` parsing."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from loadpy.errors import ConfigError, ExitCode
from loadpy.metrics import Registry
from loadpy.outputs import (
    CheckResult,
    CsvOutput,
    JsonOutput,
    JunitOutput,
    OutputManager,
    ThresholdResult,
    parse_out_arg,
    write_github_summary,
    write_junit,
)
from loadpy.summary.results import check_results

THRESHOLDS = [
    ThresholdResult("http_req_duration", "p(95)<500", True, "p(95)=1.49ms"),
    ThresholdResult("http_req_duration{name:delayed}", "max<1", False, "max=21.2ms"),
    ThresholdResult("checks", "rate>0.9", False, "rate=66.66%"),
]


def sample_checks() -> list[CheckResult]:
    reg = Registry()
    api = reg.groups.root.group("api")
    ok = api.check("status is 200")
    ok.passes = 6
    bad = reg.groups.root.check("is 200 (fails)")
    bad.fails = 6
    return check_results(reg.groups.root)


def test_check_results_walk_the_tree() -> None:
    assert sample_checks() == [
        CheckResult("is 200 (fails)", "::is 200 (fails)", 0, 6),
        CheckResult("status is 200", "::api::status is 200", 6, 0),
    ]


def test_junit_has_one_case_per_threshold_and_check(tmp_path: Path) -> None:
    path = tmp_path / "junit.xml"
    write_junit(str(path), THRESHOLDS, sample_checks())
    root = ET.parse(path).getroot()
    assert root.tag == "testsuites"
    assert (root.get("tests"), root.get("failures")) == ("5", "3")
    suites = {s.get("name"): s for s in root.findall("testsuite")}
    cases = {c.get("name"): c.find("failure") for c in suites["thresholds"].findall("testcase")}
    assert list(cases) == [
        "http_req_duration: p(95)<500",
        "http_req_duration{name:delayed}: max<1",
        "checks: rate>0.9",
    ]
    assert cases["http_req_duration: p(95)<500"] is None
    failure = cases["http_req_duration{name:delayed}: max<1"]
    assert failure is not None and failure.text == "max=21.2ms"
    checks = suites["checks"].findall("testcase")
    assert [(c.get("classname"), c.get("name"), c.find("failure") is not None) for c in checks] == [
        ("checks::", "is 200 (fails)", True),
        ("checks::api", "status is 200", False),
    ]


def test_junit_output_through_the_manager(tmp_path: Path) -> None:
    path = tmp_path / "j.xml"
    mgr = OutputManager(Registry(), [parse_out_arg(f"junit={path}")])
    mgr.start()
    mgr.stop()
    assert not path.exists()  # written at the end, from the results
    mgr.finish(THRESHOLDS[:1], [], env={})
    root = ET.parse(path).getroot()
    assert (root.get("tests"), root.get("failures")) == ("1", "0")


def test_github_summary_appends_markdown(tmp_path: Path) -> None:
    path = tmp_path / "step_summary.md"
    path.write_text("earlier step\n")
    assert write_github_summary(
        THRESHOLDS, sample_checks(), [("http_reqs", "18 a|b")], env={"GITHUB_STEP_SUMMARY": str(path)}
    )
    text = path.read_text()
    assert text.startswith("earlier step\n## loadpy results\n\n❌ 2 of 3 thresholds crossed\n")
    assert "| http_req_duration{name:delayed} | `max<1` | max=21.2ms | ❌ fail |" in text
    assert "| status is 200 | ::api | 6 | 0 | ✅ |" in text
    assert "| http_reqs | 18 a\\|b |" in text


def test_github_summary_needs_the_variable(tmp_path: Path) -> None:
    assert write_github_summary(THRESHOLDS, [], env={}) is False


def test_parse_out_arg_types(tmp_path: Path) -> None:
    assert isinstance(parse_out_arg("json=a.json"), JsonOutput)
    csv_out = parse_out_arg("csv=a.csv", system_tags={"status", "vu"})
    assert isinstance(csv_out, CsvOutput) and csv_out.columns == ["status"]
    assert isinstance(parse_out_arg("junit=a.xml"), JunitOutput)
    json_out = parse_out_arg("json")
    assert isinstance(json_out, JsonOutput) and json_out.path == "-"


def test_parse_out_arg_unknown_type_is_a_config_error() -> None:
    with pytest.raises(ConfigError) as info:
        parse_out_arg("jsn=out.json")
    assert info.value.exit_code == ExitCode.INVALID_CONFIG == 104
    assert str(info.value) == (
        "key 'out': unknown output type 'jsn' in --out 'jsn=out.json'; supported types are json, csv, junit, "
        "influxdb, experimental-prometheus-rw, statsd, output-statsd, experimental-opentelemetry, opentelemetry "
        "(did you mean json?)"
    )


def test_junit_without_file_is_a_config_error() -> None:
    with pytest.raises(ConfigError, match="junit output needs a file name"):
        parse_out_arg("junit")


def test_several_outputs_at_once(tmp_path: Path) -> None:
    reg = Registry()
    outs = [parse_out_arg(f"json={tmp_path / 'a.json'}"), parse_out_arg(f"csv={tmp_path / 'a.csv'}")]
    mgr = OutputManager(reg, outs)
    mgr.start()
    assert len(reg.listeners) == 2
    reg.add(reg.metrics["iterations"], (), 1.0)
    mgr.stop()
    assert (tmp_path / "a.json").read_text().count("\n") == 2
    assert (tmp_path / "a.csv").read_text().count("\n") == 2
