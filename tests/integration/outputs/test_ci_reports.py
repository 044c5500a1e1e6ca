"""CI friendliness through the real CLI: `--out junit=FILE` fails exactly the crossed threshold and
the failing check, and a Markdown summary is appended to $GITHUB_STEP_SUMMARY."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from loadpy.demo import DemoServer
from tests.integration.cli.helpers import run_loadpy, write_scenario

# Two thresholds (one crossed) and two checks (one failing) on 2 iterations of 1 request.
SCENARIO = """
options:
  vus: 1
  iterations: 2
  thresholds:
    http_req_duration: ["p(95)<10000"]
    http_reqs: ["count<1"]
flows:
  default:
    - request: {url: "${BASE}/", name: home}
      checks:
        status is 200: status == 200
        body says nope: body == "nope"
"""


def run_with(tmp_path: Path, demo: DemoServer, *args: str, env: dict[str, str] | None = None) -> int:
    scenario = write_scenario(tmp_path, SCENARIO)
    outcome = run_loadpy(tmp_path, scenario, "-e", f"BASE={demo.base_url}", *args, env=env)
    assert "Traceback" not in outcome.stderr, outcome.stderr
    assert outcome.export is not None
    assert outcome.export["metrics"]["http_reqs"]["count"] == 2
    return outcome.code


def test_junit_validates_and_fails_exactly_the_crossed_threshold_and_failing_check(
    tmp_path: Path, demo_server: DemoServer
) -> None:
    junit = tmp_path / "junit.xml"
    assert run_with(tmp_path, demo_server, "--out", f"junit={junit}") == 99  # thresholds crossed

    root = ET.parse(junit).getroot()
    assert root.tag == "testsuites"
    suites = root.findall("testsuite")
    assert [s.get("name") for s in suites] == ["thresholds", "checks"]
    # The counts on every level agree with the testcases below them.
    for suite in suites:
        cases = suite.findall("testcase")
        assert suite.get("tests") == str(len(cases))
        assert suite.get("failures") == str(sum(c.find("failure") is not None for c in cases))
        assert suite.get("errors") == "0"
        for case in cases:
            assert case.get("name") and case.get("classname")
            assert set(case.attrib) == {"name", "classname"}
            assert all(child.tag == "failure" and child.get("message") for child in case)
    assert (root.get("tests"), root.get("failures")) == ("4", "2")

    outcome = {
        (case.get("classname"), case.get("name")): case.find("failure")
        for suite in suites
        for case in suite.findall("testcase")
    }
    assert {key: failure is None for key, failure in outcome.items()} == {
        ("thresholds.http_req_duration", "http_req_duration: p(95)<10000"): True,
        ("thresholds.http_reqs", "http_reqs: count<1"): False,
        ("checks::", "status is 200"): True,
        ("checks::", "body says nope"): False,
    }
    threshold_failure = outcome[("thresholds.http_reqs", "http_reqs: count<1")]
    assert threshold_failure is not None
    assert threshold_failure.get("message") == "threshold 'count<1' on http_reqs crossed"
    assert threshold_failure.text == "count=2"
    check_failure = outcome[("checks::", "body says nope")]
    assert check_failure is not None
    assert check_failure.get("message") == "2 of 2 evaluations failed"
    assert check_failure.text == "passes=0 fails=2"


def test_junit_all_green_run_has_no_failure(tmp_path: Path, demo_server: DemoServer) -> None:
    junit = tmp_path / "junit.xml"
    scenario = write_scenario(
        tmp_path,
        """
        options: {vus: 1, iterations: 1, thresholds: {http_reqs: ["count>=1"]}}
        flows:
          default:
            - request: {url: "${BASE}/"}
              checks: {ok: status == 200}
        """,
    )
    outcome = run_loadpy(tmp_path, scenario, "-e", f"BASE={demo_server.base_url}", "--out", f"junit={junit}")
    assert outcome.code == 0, outcome.stderr
    root = ET.parse(junit).getroot()
    assert (root.get("tests"), root.get("failures")) == ("2", "0")
    assert root.find(".//failure") is None


@pytest.mark.slow
def test_github_step_summary_is_appended(tmp_path: Path, demo_server: DemoServer) -> None:
    summary = tmp_path / "step_summary.md"
    summary.write_text("# an earlier step\n", encoding="utf-8")
    env = {"GITHUB_STEP_SUMMARY": str(summary)}
    assert run_with(tmp_path, demo_server, env=env) == 99
    first = summary.read_text(encoding="utf-8")
    assert first.startswith("# an earlier step\n## loadpy results\n")
    assert "❌ 1 of 2 thresholds crossed" in first
    assert "| Metric | Threshold | Observed | Result |" in first
    assert "| http_reqs | `count<1` | count=2 | ❌ fail |" in first
    assert "| http_req_duration | `p(95)<10000` | p(95)=" in first
    assert "| Check | Group | Passes | Fails | Result |" in first
    assert "| status is 200 | (root) | 2 | 0 | ✅ |" in first
    assert "| body says nope | (root) | 0 | 2 | ❌ |" in first

    assert run_with(tmp_path, demo_server, env=env) == 99
    second = summary.read_text(encoding="utf-8")
    assert second.startswith(first)  # appended, never overwritten
    assert second.count("## loadpy results") == 2


def test_no_step_summary_without_the_variable(tmp_path: Path, demo_server: DemoServer) -> None:
    env = {"GITHUB_STEP_SUMMARY": ""}
    assert run_with(tmp_path, demo_server, env=env) == 99
    assert sorted(p.name for p in tmp_path.iterdir()) == ["export.json", "scenario.yaml"]
