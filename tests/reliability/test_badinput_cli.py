"""Bad input that only the full `loadpy run` path catches (thresholds against the registry, compiled
expressions and templates, data files, flows, CLI flags, outputs, execution segments).

Each case: exit 104, one paragraph on stderr that names the file (or "command line"), the line and the
key, no traceback, and not a single request reaches the (counting) demo target."""

from __future__ import annotations

import subprocess
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from tests.integration.cli.helpers import loadpy_cmd, run_loadpy, subprocess_env, write_scenario

REQUEST = '    - request: {url: "URL/"}\n'
FLOW = "flows:\n  default:\n" + REQUEST
SIMPLE = "options: {iterations: 1}\n" + FLOW


@dataclass
class Case:
    yaml: str | None  # None: the scenario file does not exist
    expect: str  # text the message must contain
    where: str  # "scenario.yaml, line N, key '...'" or "command line, key '...'" prefix
    args: tuple[str, ...] = ()
    files: dict[str, str | bytes] = field(default_factory=dict)  # written under tmp_path (folders made)
    env: dict[str, str] = field(default_factory=dict)  # extra process environment


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
        "users.json, line 2: invalid JSON: Expecting property name enclosed in double quotes",
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
    "cli_throw_outside_k6_scripts": Case(
        SIMPLE, "the k6 option 'throw' applies to k6 scripts (.js, .ts) only", "scenario.yaml", args=("--throw",)
    ),
    "env_rps_invalid": Case(
        SIMPLE, "expected a whole number, got 'many'", "environment, key 'K6_RPS'", env={"K6_RPS": "many"}
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
    "cli_config_collectors_refused": Case(
        SIMPLE,
        "loadpy reads the outputs' settings from K6_* environment variables",
        "c.json, key 'collectors'",
        args=("--config", "c.json"),
        files={"c.json": '{"collectors": {"influxdb": {"db": "k6"}}}'},
    ),
    "scenario_file_missing": Case(None, "scenario.yaml does not exist", "scenario.yaml"),
    "scenario_file_is_a_directory": Case(
        None, "scenario.yaml is a directory, not a scenario file", "scenario.yaml", files={"scenario.yaml/x": ""}
    ),
    "scenario_file_not_utf8": Case(
        None,
        "the scenario file is not UTF-8 text (byte 0xe9",
        "scenario.yaml, line 4",
        files={"scenario.yaml": "options: {iterations: 1}\nflows:\n  default:\n    - log: caf\xe9\n".encode("latin-1")},
    ),
    "data_csv_not_utf8": Case(
        _data("users.csv"),
        "users.csv, line 3: the data file is not UTF-8 text (byte 0xff",
        "scenario.yaml, line 2, key 'data.users.file'",
        files={"users.csv": b"id,name\n1,a\n2,\xff\xfe\n"},
    ),
    "data_csv_huge_field": Case(
        _data("users.csv"),
        "users.csv, line 2: not valid CSV: field larger than field limit",
        "scenario.yaml, line 2, key 'data.users.file'",
        files={"users.csv": "id,name\n1," + "x" * 200_000 + "\n"},
    ),
    "data_json_deeply_nested": Case(
        _data("users.json"),
        "users.json: the JSON nests deeper than 100 levels",
        "scenario.yaml, line 2, key 'data.users.file'",
        files={"users.json": "[" * 100_000 + "]" * 100_000},
    ),
    "data_json_not_utf8": Case(
        _data("users.json"),
        "users.json, line 1: the data file is not UTF-8 text",
        "scenario.yaml, line 2, key 'data.users.file'",
        files={"users.json": b'[{"name": "\xe9"}]'},
    ),
    "config_file_is_a_directory": Case(
        SIMPLE,
        "conf is a directory, not a config file",
        "conf, key '--config'",
        args=("--config", "conf"),
        files={"conf/x": ""},
    ),
    "config_file_not_utf8": Case(
        SIMPLE,
        "the config file is not UTF-8 text",
        "bad.json, line 1, key '--config'",
        args=("--config", "bad.json"),
        files={"bad.json": b'{"vus": "\xe9"}'},
    ),
    "config_file_deeply_nested": Case(
        SIMPLE,
        "the JSON nests deeper than 100 levels",
        "deep.json, key '--config'",
        args=("--config", "deep.json"),
        files={"deep.json": '{"tags": ' + "[" * 5000 + "]" * 5000 + "}"},
    ),
    "k6_config_env_is_a_directory": Case(
        SIMPLE,
        "conf is a directory, not a config file",
        "conf, key 'K6_CONFIG'",
        files={"conf/x": ""},
        env={"K6_CONFIG": "conf"},
    ),
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
    for filename, content in case.files.items():
        target = tmp_path / filename
        target.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(content, bytes):
            target.write_bytes(content)
        else:
            target.write_text(content, encoding="utf-8")
    scenario = tmp_path / "scenario.yaml"
    if case.yaml is not None:
        write_scenario(tmp_path, case.yaml.replace("URL", demo_server.base_url))
    demo_server.reset()
    out = run_loadpy(
        tmp_path, scenario, *case.args, "--out", f"json={tmp_path / 'out.json'}", timeout=30, env=case.env or None
    )
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


# --- the other commands: `new`, `report`, `inspect` ---------------------------------------------------


def _loadpy(tmp_path: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        loadpy_cmd(*args), capture_output=True, text=True, timeout=30, env=subprocess_env(), cwd=tmp_path
    )


def test_new_into_a_missing_folder_is_one_paragraph_exit_104(tmp_path: Path) -> None:
    target = tmp_path / "missing" / "x.yaml"
    out = _loadpy(tmp_path, "new", str(target))
    assert out.returncode == 104
    assert out.stderr == (
        f"loadpy: error: key 'path': cannot write {target}: the folder {target.parent} does not exist\n"
    )
    assert not target.parent.exists()


@pytest.mark.parametrize(
    ("content", "expect"),
    [
        ('{"format": "loadpy-report/1", "metrics": 5}', "malformed loadpy results file: AttributeError"),
        ('{"format": "loadpy-report/1", "x": ' + "[" * 100_000 + "]" * 100_000 + "}", "nests too deeply"),
        ('{"format": ', "the results file is not valid JSON"),
    ],
    ids=["wrong_shape", "deeply_nested", "truncated"],
)
def test_report_on_a_malformed_results_file_is_exit_104(tmp_path: Path, content: str, expect: str) -> None:
    results = tmp_path / "results.json"
    results.write_text(content)
    out = _loadpy(tmp_path, "report", str(results), "-o", str(tmp_path / "r.html"))
    assert out.returncode == 104
    assert out.stderr.startswith(f"loadpy: error: {results}") and expect in out.stderr
    assert len(out.stderr.strip().splitlines()) == 1
    assert not (tmp_path / "r.html").exists()


def test_inspect_into_a_closed_pipe_stops_quietly_like_k6(tmp_path: Path) -> None:
    scenarios = "".join(f"    s{i}: {{executor: per-vu-iterations, vus: 1, iterations: 1}}\n" for i in range(3000))
    scenario = write_scenario(tmp_path, "options:\n  scenarios:\n" + scenarios + "flows:\n  default:\n    - log: x\n")
    proc = subprocess.Popen(
        loadpy_cmd("inspect", str(scenario)),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env=subprocess_env(),
        cwd=tmp_path,
    )
    assert proc.stdout is not None and proc.stderr is not None
    assert len(proc.stdout.read(10)) == 10  # `| head -c 10`: read a little, then hang up
    proc.stdout.close()
    stderr = proc.stderr.read().decode()
    assert proc.wait(timeout=30) == 141  # what k6 inspect gives (killed by SIGPIPE)
    assert stderr == ""
