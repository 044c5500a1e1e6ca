"""Bad input that only the full `loadpy run` path catches (thresholds against the registry, compiled
expressions and templates, data files, flows, CLI flags, outputs, execution segments).

Each case: exit 104, one paragraph on stderr that names the file (or "command line"), the line and the
key, no traceback, and not a single request reaches the (counting) demo target."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import pytest

from tests.integration.cli.helpers import run_loadpy, write_scenario

REQUEST = '    - request: {url: "URL/"}\n'
FLOW = "flows:\n  default:\n" + REQUEST
SIMPLE = "options: {iterations: 1}\n" + FLOW


@dataclass
class Case:
    yaml: str | None  # None: the scenario file does not exist
    expect: str  # text the message must contain
    where: str  # "scenario.yaml, line N, key '...'" or "command line, key '...'" prefix
    args: tuple[str, ...] = ()
    files: dict[str, str] = field(default_factory=dict)


def _thresholds(body: str) -> str:
    return f"options:\n  iterations: 1\n  thresholds:\n{body}" + FLOW


def _check(expr: str) -> str:
    return f"options: {{iterations: 1}}\nflows:\n  default:\n{REQUEST}      checks:\n        ok: {expr}\n"


def _data(name: str) -> str:
    return f"data:\n  users: {{file: {name}}}\n" + SIMPLE


CASES: dict[str, Case] = {
    "threshold_no_aggregation_parens": Case(
        _thresholds('    http_req_duration: ["p95<200"]\n'),
        """failed parsing threshold expression's "p95<200" left hand side""",
        "scenario.yaml, line 4, key 'options.thresholds.http_req_duration'",
    ),
    "threshold_unknown_aggregation": Case(
        _thresholds('    http_req_duration: ["p(95)<200", "mean<3"]\n'),
        """threshold expression's "mean<3" left hand side""",
        "scenario.yaml, line 4, key 'options.thresholds.http_req_duration'",
    ),
    "threshold_aggregation_for_another_type": Case(
        _thresholds('    http_reqs: ["p(95)<200"]\n'),
        "unsupported aggregation method p on metric of type counter",
        "scenario.yaml, line 4, key 'options.thresholds.http_reqs'",
    ),
    "threshold_bad_selector": Case(
        _thresholds('    "http_req_duration{status200}": ["p(95)<200"]\n'),
        'metric "status200" tag expression is malformed',
        "scenario.yaml, line 4, key 'options.thresholds.http_req_duration{status200}'",
    ),
    "threshold_unknown_metric": Case(
        _thresholds('    http_req_duraton: ["p(95)<200"]\n'),
        'no metric name "http_req_duraton" found',
        "scenario.yaml, line 4, key 'options.thresholds.http_req_duraton'",
    ),
    "threshold_not_a_string": Case(
        _thresholds("    http_req_duration: 5\n"),
        "a threshold must be a string",
        "scenario.yaml, line 4, key 'options.thresholds.http_req_duration'",
    ),
    "threshold_bad_abort_delay": Case(
        _thresholds('    http_req_duration: [{threshold: "p(95)<200", abortOnFail: true, delayAbortEval: soon}]\n'),
        'invalid duration "soon"',
        "scenario.yaml, line 4, key 'options.thresholds.http_req_duration'",
    ),
    "check_syntax_error": Case(
        _check("status =="),
        "invalid expression 'status ==': invalid syntax",
        "scenario.yaml, line 6, key 'flows.default[0].checks.ok'",
    ),
    "check_unknown_name": Case(
        _check("statuz == 200"),
        "unknown name 'statuz' in expression 'statuz == 200' (did you mean status?)",
        "scenario.yaml, line 6, key 'flows.default[0].checks.ok'",
    ),
    "check_reaches_for_the_interpreter": Case(
        _check('__import__("os").getpid() > 0'),
        "'__import__' is not allowed in expression",
        "scenario.yaml, line 6, key 'flows.default[0].checks.ok'",
    ),
    "check_opens_a_file": Case(
        _check('open("/etc/passwd").read() != ""'),
        "'open' is not allowed in expression",
        "scenario.yaml, line 6, key 'flows.default[0].checks.ok'",
    ),
    "template_unclosed": Case(
        SIMPLE.replace('"URL/"', '"URL/{{ vu "'),
        "unclosed '{{' in template",
        "scenario.yaml, line 4, key 'flows.default[0].request.url'",
    ),
    "template_syntax_error": Case(
        SIMPLE.replace('"URL/"', '"URL/{{ vu + }}"'),
        "invalid expression 'vu +' in template",
        "scenario.yaml, line 4, key 'flows.default[0].request.url'",
    ),
    "template_unknown_name": Case(
        SIMPLE.replace('"URL/"', '"URL/{{ nobody }}"'),
        "unknown name 'nobody'",
        "scenario.yaml, line 4, key 'flows.default[0].request.url'",
    ),
    "template_dunder_attribute": Case(
        SIMPLE.replace('"URL/"', '"URL/{{ vu.__class__ }}"'),
        "'__class__' is not allowed in expression",
        "scenario.yaml, line 4, key 'flows.default[0].request.url'",
    ),
    "data_file_missing": Case(
        _data("missing.csv"), "missing.csv not found", "scenario.yaml, line 2, key 'data.users.file'"
    ),
    "data_csv_ragged": Case(
        _data("users.csv"),
        "users.csv, line 3: 3 fields, the header has 2 (id, name)",
        "scenario.yaml, line 2, key 'data.users.file'",
        files={"users.csv": "id,name\n1,a\n2,b,extra\n"},
    ),
    "data_csv_empty": Case(
        _data("users.csv"),
        "users.csv is empty",
        "scenario.yaml, line 2, key 'data.users.file'",
        files={"users.csv": ""},
    ),
    "data_json_malformed": Case(
        _data("users.json"),
        "users.json is not valid JSON",
        "scenario.yaml, line 2, key 'data.users.file'",
        files={"users.json": '[{"id": 1},\n {"id": 2,}]\n'},
    ),
    "step_unknown_kind": Case(
        SIMPLE.replace("- request:", "- requests:"),
        "unknown step kind 'requests'",
        "scenario.yaml, line 4, key 'flows.default[0].requests'",
    ),
    "step_unknown_request_key": Case(
        SIMPLE.replace('"URL/"}', '"URL/", headres: {a: b}}'),
        "unknown key 'headres' in a request",
        "scenario.yaml, line 4, key 'flows.default[0].request.headres'",
    ),
    "step_sleep_not_a_duration": Case(
        SIMPLE + "    - sleep: forever\n",
        'invalid duration "forever"',
        "scenario.yaml, line 5, key 'flows.default[1].sleep'",
    ),
    "exec_unknown_flow": Case(
        "options:\n  scenarios:\n    main: {executor: shared-iterations, iterations: 1, exec: checkout}\n" + FLOW,
        "function 'checkout' not found",
        "scenario.yaml, line 3, key 'options.scenarios.main.exec'",
    ),
    "cli_vus_not_a_number": Case(
        SIMPLE, "argument -u/--vus: invalid integer 'abc'", "command line", args=("--vus", "abc")
    ),
    "cli_env_without_equals": Case(
        SIMPLE, "expected KEY=VALUE, got 'NOEQUALS'", "command line", args=("-e", "NOEQUALS")
    ),
    "cli_unknown_flag": Case(SIMPLE, "unrecognized arguments: --vuz", "command line", args=("--vuz", "2")),
    "cli_bad_duration": Case(
        SIMPLE,
        'time: unknown unit " minutes" in duration "10 minutes"',
        "command line, key '--duration'",
        args=("--duration", "10 minutes"),
    ),
    "cli_bad_out_type": Case(
        SIMPLE, "unknown output type 'influxdbx'", "command line, key 'out'", args=("--out", "influxdbx=http://x")
    ),
    "cli_junit_out_without_file": Case(
        SIMPLE, "the junit output needs a file name", "command line, key 'out'", args=("--out", "junit")
    ),
    "cli_execution_segment_reversed": Case(
        SIMPLE,
        "the start must be smaller than the end",
        "command line, key '--execution-segment'",
        args=("--execution-segment", "1/2:1/4"),
    ),
    "cli_execution_segment_garbage": Case(
        SIMPLE,
        "invalid execution segment point 'half'",
        "command line, key '--execution-segment'",
        args=("--execution-segment", "half"),
    ),
    "cli_bad_trend_stat": Case(
        SIMPLE,
        "invalid percentile trend stat value 'p(200)'",
        "command line, key '--summary-trend-stats'",
        args=("--summary-trend-stats", "avg,p(200)"),
    ),
    "cli_config_file_missing": Case(
        SIMPLE, "the config file nope.json does not exist", "nope.json, key '--config'", args=("--config", "nope.json")
    ),
    "cli_config_file_not_json": Case(
        SIMPLE,
        "invalid JSON",
        "bad.json, line 1, key '--config'",
        args=("--config", "bad.json"),
        files={"bad.json": "{vus: 2}"},
    ),
    "scenario_file_missing": Case(None, "scenario.yaml does not exist", "scenario.yaml"),
}


def test_the_cli_corpus_has_at_least_20_cases() -> None:
    assert len(CASES) >= 20


@pytest.mark.parametrize("name", sorted(CASES))
def test_bad_input_is_one_located_paragraph_exit_104_and_no_request(
    tmp_path: Path,
    demo_server,  # type: ignore[no-untyped-def]
    name: str,
) -> None:
    case = CASES[name]
    for filename, text in case.files.items():
        (tmp_path / filename).write_text(text, encoding="utf-8")
    scenario = tmp_path / "scenario.yaml"
    if case.yaml is not None:
        write_scenario(tmp_path, case.yaml.replace("URL", demo_server.base_url))
    demo_server.reset()
    out = run_loadpy(tmp_path, scenario, *case.args, "--out", f"json={tmp_path / 'out.json'}", timeout=30)
    assert out.code == 104, out.stderr
    assert "Traceback" not in out.stderr
    lines = out.stderr.strip().splitlines()
    assert len(lines) == 1, out.stderr  # one paragraph
    where = case.where.replace("scenario.yaml", str(scenario), 1)  # the path as given on the command line
    assert lines[0].startswith(f"loadpy: error: {where}"), lines[0]
    assert case.expect in lines[0]
    assert demo_server.stats()["total"] == 0
    assert out.export is None
    assert not (tmp_path / "out.json").exists()  # no output was even opened
