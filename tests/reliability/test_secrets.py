"""Secret `-e` values reach the target but never the terminal, an error paragraph or a written report."""

from __future__ import annotations

import json
import signal
import socket
import subprocess
import textwrap
import time
import urllib.request
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from loadpy.metrics import Registry
from loadpy.outputs import CheckResult, CsvOutput, JsonOutput, JunitOutput, OutputManager, ThresholdResult
from loadpy.secrets import MASK, Masker, secret_values
from tests.integration.cli.helpers import RunOutcome, loadpy_cmd, run_loadpy, subprocess_env, write_scenario
from tests.reliability.faulty_server import FaultyServer, faulty_server
from tests.reliability.helpers import csv_rows, json_points


@pytest.fixture(scope="module")
def server() -> Iterator[FaultyServer]:
    with faulty_server() as srv:
        yield srv


def test_which_values_are_secret() -> None:
    pairs = [("API_TOKEN", "t0k"), ("db_password", "pw"), ("MY_KEY", "k"), ("PLAIN", "p"), ("X_SECRET", "")]
    assert secret_values(pairs) == ["t0k", "pw"]
    assert secret_values(pairs, ["MY_KEY"]) == ["t0k", "pw", "k"]


def test_masking_covers_json_escaped_and_nested_secrets() -> None:
    masker = Masker(['a"b\\c', "abc", "abcdef"])
    assert masker.mask("x abcdef y abc z") == f"x {MASK} y {MASK} z"
    assert masker.mask_data({"k": ['a"b\\c', "q abc"]}) == {"k": [MASK, f"q {MASK}"]}
    assert not Masker([]) and Masker([]).mask("abc") == "abc"


def test_secrets_are_masked_in_logs_summary_and_export(tmp_path: Path, server: FaultyServer) -> None:
    server.reset()
    scenario = write_scenario(
        tmp_path,
        f"""
        options:
          iterations: 1
        flows:
          setup:
            - return: {{token: "${{API_TOKEN}}"}}
          default:
            - log: "token={{{{ setup_data['token'] }}}} key=${{MY_KEY}} plain=${{PLAIN}}"
            - request: {{url: "{server.base_url}/ok?t=${{API_TOKEN}}&k=${{MY_KEY}}", name: ok}}
        """,
    )
    # not -q: the log step prints at info level, which -q hides
    cmd = loadpy_cmd(
        "run", "--address", "", "--summary-export", "export.json", "--summary-mode", "full",
        "-e", "API_TOKEN=tok-31337-abc", "-e", "MY_KEY=key-271828", "-e", "PLAIN=plain-visible",
        "--secret", "MY_KEY", str(scenario),
    )  # fmt: skip
    proc = subprocess.run(cmd, capture_output=True, text=True, timeout=60, env=subprocess_env(), cwd=tmp_path)
    out = RunOutcome(proc.returncode, proc.stdout, proc.stderr, json.loads((tmp_path / "export.json").read_text()))
    assert out.code == 0, out.stderr
    # the request really carried them
    assert server.targets == ["/ok?t=tok-31337-abc&k=key-271828"]
    export_text = (tmp_path / "export.json").read_text()
    for text in (out.stdout, out.stderr, export_text):
        assert "tok-31337-abc" not in text
        assert "key-271828" not in text
    assert f"token={MASK} key={MASK} plain=plain-visible" in out.stderr
    assert out.export is not None
    assert out.export["setup_data"] == {"token": MASK}
    assert "http_reqs" in out.stdout
    json.loads(export_text)


def test_secrets_are_masked_in_error_paragraphs(tmp_path: Path, server: FaultyServer) -> None:
    server.reset()
    scenario = write_scenario(
        tmp_path,
        f"""
        options: {{duration: "${{DB_PASSWORD}}", vus: 1}}
        flows:
          default:
            - request: {{url: "{server.base_url}/ok"}}
        """,
    )
    out = run_loadpy(tmp_path, scenario, "-e", "DB_PASSWORD=hunter2-hunter2")
    assert out.code == 104, out.stderr
    assert "hunter2-hunter2" not in out.stderr
    assert f'invalid duration "{MASK}"' in out.stderr
    assert server.total() == 0


def test_secrets_are_masked_in_every_written_output(tmp_path: Path, server: FaultyServer) -> None:
    """--out json/csv/junit, the summary export and the GitHub step summary (URL tags, a check name)."""
    server.reset()
    secret = "s3cr3t"
    scenario = write_scenario(
        tmp_path,
        f"""
        options:
          iterations: 2
          thresholds: {{http_req_failed: ["rate<0.5"]}}
        flows:
          default:
            - request: {{url: "{server.base_url}/ok?t=${{API_TOKEN}}"}}
              checks:
                is ok: status == 200
        """,
    )
    github = tmp_path / "github.md"
    cmd = loadpy_cmd(
        "run", "-q", "--address", "", "--summary-export", "export.json",
        "--out", "json=out.json", "--out", "csv=out.csv", "--out", "junit=junit.xml",
        "-e", f"API_TOKEN={secret}", str(scenario),
    )  # fmt: skip
    env = subprocess_env({"GITHUB_STEP_SUMMARY": str(github)})
    proc = subprocess.run(cmd, capture_output=True, text=True, timeout=60, env=env, cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    assert server.targets == [f"/ok?t={secret}"] * 2  # the requests carried it
    texts = {
        name: (tmp_path / name).read_text(encoding="utf-8")
        for name in ("out.json", "out.csv", "junit.xml", "export.json", "github.md")
    }
    for name, text in texts.items():
        assert secret not in text, name
    masked_url = f"{server.base_url}/ok?t={MASK}"
    points = [json.loads(line) for line in texts["out.json"].splitlines()]
    reqs = [p for p in points if p["type"] == "Point" and p["metric"] == "http_reqs"]
    assert [p["data"]["tags"]["url"] for p in reqs] == [masked_url] * 2
    assert [p["data"]["tags"]["name"] for p in reqs] == [masked_url] * 2
    csv_rows = [row for row in texts["out.csv"].splitlines() if row.startswith("http_reqs,")]
    assert len(csv_rows) == 2 and all(masked_url in row for row in csv_rows)
    assert 'name="is ok"' in texts["junit.xml"] and "is ok" in texts["github.md"]


def test_end_of_run_reports_mask_check_and_threshold_text(tmp_path: Path) -> None:
    """The JUnit file and the GitHub summary render masked results (names escaped after masking)."""
    secret = "a&b<s3cr3t>"
    manager = OutputManager(Registry(), [JunitOutput(str(tmp_path / "junit.xml"))], masker=Masker([secret]))
    thresholds = [ThresholdResult(f"http_req_duration{{url:/x?t={secret}}}", "p(95)<1", False, "p(95)=2.00ms")]
    checks = [CheckResult(f"got {secret}", f"::g {secret}::got {secret}", 1, 1)]
    manager.finish(thresholds, checks, env={"GITHUB_STEP_SUMMARY": str(tmp_path / "github.md")})
    junit = (tmp_path / "junit.xml").read_text(encoding="utf-8")
    github = (tmp_path / "github.md").read_text(encoding="utf-8")
    for text in (junit, github):
        assert "s3cr3t" not in text
    assert f'name="got {MASK}"' in junit and f'classname="checks::g {MASK}"' in junit
    assert f"http_req_duration{{url:/x?t={MASK}}}: p(95)&lt;1" in junit
    assert f"| got {MASK} | ::g {MASK} | 1 | 1 | ❌ |" in github


def test_outputs_get_no_masker_without_secrets(tmp_path: Path) -> None:
    """No secret, no masking work: the streaming outputs keep their unmasked formatting path."""
    json_out, csv_out = JsonOutput(str(tmp_path / "o.json")), CsvOutput(str(tmp_path / "o.csv"))
    OutputManager(Registry(), [json_out, csv_out], masker=Masker([]))
    assert json_out.masker is None and csv_out.masker is None
    OutputManager(Registry(), [json_out, csv_out], masker=Masker(["x"]))
    assert json_out.masker is not None and csv_out.masker is not None


def test_structured_masking_keeps_numbers_and_loadpys_own_words() -> None:
    """The rules (loadpy/secrets): text is masked, numbers, field names and computed fields never."""
    masker = Masker(["0", "e"])
    doc = {
        "metrics": {"http_reqs": {"count": 10, "rate": 0.5}, "http_req_duration{name:e0,status:200}": {"p(95)": 1}},
        "root_group": {"id": "d41d8cd98f00b204e9800998ecf8427e", "name": "g0", "checks": {}},
        "setup_data": {"e": "e0", "x": [0, "0"], "***": 1},
    }
    assert masker.mask_data(doc) == {
        "metrics": {"http_reqs": {"count": 10, "rate": 0.5}, "http_req_duration{name:******,status:200}": {"p(95)": 1}},
        "root_group": {"id": "d41d8cd98f00b204e9800998ecf8427e", "name": "g***", "checks": {}},
        "setup_data": {"***": "******", "x": [MASK, "***"], "*** (2)": 1},  # the user's data: 0 is the secret
    }
    assert masker.mask_pairs((("status", "200"), ("url", "http://h/e0"))) == (
        ("status", "200"),
        ("url", "http://h/******"),
    )
    # a JSON document from user code stays valid: only its string literals are masked
    assert masker.mask_json_text('{"n": 100, "s": "e0", "q": "a\\"e"}') == '{"n": 100, "s": "******", "q": "a\\"***"}'
    assert masker.mask_json_text("<p>100 e</p>") == "<p>1****** ***</p>"


def _python_script(tmp_path: Path, base_url: str) -> Path:
    """Requests carrying API_TOKEN, a check and a group named with it, handle_summary writing three files."""
    script = tmp_path / "script.py"
    script.write_text(
        textwrap.dedent(
            f"""
            import json, os

            options = {{"iterations": 5, "thresholds": {{"http_req_duration": ["p(95)<10000"]}}}}
            TOKEN = os.environ.get("API_TOKEN", "")

            async def setup(vu):
                return {{"token": vu.env["API_TOKEN"], "n": 100}}

            async def default(vu):
                async with vu.group("g " + vu.env["API_TOKEN"]):
                    res = await vu.http.get("{base_url}/ok?t=" + vu.env["API_TOKEN"])
                    vu.check(res, {{"ok " + vu.env["API_TOKEN"]: lambda r: r.status == 200}})

            def handle_summary(data):
                return {{
                    "hs.json": json.dumps(data),
                    "hs-obj.json": {{"count": data["metrics"]["http_reqs"]["values"]["count"], "t": "x"}},
                    "hs.txt": "count=" + str(data["metrics"]["http_reqs"]["values"]["count"]),
                    "stdout": json.dumps({{"reqs": data["metrics"]["http_reqs"]["values"]["count"]}}) + "\\n",
                }}
            """
        ),
        encoding="utf-8",
    )
    return script


@pytest.mark.parametrize("secret", ["0", "e", '"'])
def test_short_and_numeric_secrets_keep_every_output_valid(tmp_path: Path, server: FaultyServer, secret: str) -> None:
    """`-e API_TOKEN=0` used to corrupt the summary JSON (masked after serialising) and end in a traceback."""
    server.reset()
    cmd = loadpy_cmd(
        "run", "-q", "--address", "", "--summary-export", "export.json", "--out", "json=out.json",
        "--out", "csv=out.csv", "--out", "junit=junit.xml", "--report", "report.json",
        "-e", f"API_TOKEN={secret}", str(_python_script(tmp_path, server.base_url)),
    )  # fmt: skip
    proc = subprocess.run(cmd, capture_output=True, text=True, timeout=60, env=subprocess_env(), cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    assert "Traceback" not in proc.stderr
    assert server.count("/ok") == 5
    export = json.loads((tmp_path / "export.json").read_text())
    assert export["metrics"]["http_reqs"]["count"] == 5  # numbers are never masked
    assert export["metrics"]["iterations"]["count"] == 5
    assert export["metrics"]["http_req_duration"]["thresholds"] == {"p(95)<10000": False} or secret == "0"
    setup_data = {"token".replace(secret, MASK): MASK, "n": 100}  # a key of the user's data is user text
    assert export["setup_data"] == setup_data
    assert list(export["root_group"]["groups"]) == [f"g {MASK}"]
    points = json_points(tmp_path / "out.json")
    assert sum(p["type"] == "Point" and p["metric"] == "http_reqs" for p in points) == 5
    assert all(float(row["metric_value"]) >= 0 for row in csv_rows(tmp_path / "out.csv"))
    junit = ET.fromstring((tmp_path / "junit.xml").read_text())
    assert junit.get("tests") == "2"  # one threshold, one check
    report = json.loads((tmp_path / "report.json").read_text())
    assert report["metrics"]["http_reqs"]["count"] == 5
    hs = json.loads((tmp_path / "hs.json").read_text())
    assert hs["metrics"]["http_reqs"]["values"]["count"] == 5 and hs["setup_data"] == setup_data
    assert json.loads((tmp_path / "hs-obj.json").read_text()) == {"count": 5, "t": "x"}
    # handle_summary's stdout JSON: masked as data (its count intact), not as text
    assert json.loads(proc.stdout) == {"reqs".replace(secret, MASK): 5}
    for name in ("out.json", "out.csv", "junit.xml", "export.json", "report.json", "hs.json"):
        text = (tmp_path / name).read_text()
        assert f"g {secret}" not in text and f"ok {secret}" not in text, name


def test_secret_process_environment_values_are_masked(tmp_path: Path, server: FaultyServer) -> None:
    """A *_TOKEN variable of the process environment that the scenario reads is masked like an -e one."""
    server.reset()
    secret = "proc-env-9f3c1"
    scenario = write_scenario(
        tmp_path,
        f"""
        options:
          iterations: 1
        flows:
          default:
            - log: "using ${{DEPLOY_TOKEN}}"
            - request: {{url: "{server.base_url}/ok?t=${{DEPLOY_TOKEN}}"}}
        """,
    )
    cmd = loadpy_cmd("run", "--address", "", "--summary-export", "export.json", "--out", "json=out.json", str(scenario))
    env = subprocess_env({"DEPLOY_TOKEN": secret})
    proc = subprocess.run(cmd, capture_output=True, text=True, timeout=60, env=env, cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    assert server.targets == [f"/ok?t={secret}"]
    for text in (proc.stdout, proc.stderr, (tmp_path / "export.json").read_text(), (tmp_path / "out.json").read_text()):
        assert secret not in text
    assert f'msg="using {MASK}"' in proc.stderr


def test_worker_logs_are_masked(tmp_path: Path, server: FaultyServer) -> None:
    server.reset()
    secret = "w0rker-s3cret"
    scenario = write_scenario(
        tmp_path,
        f"""
        options:
          scenarios:
            s: {{executor: shared-iterations, vus: 2, iterations: 4}}
        flows:
          default:
            - log: "token=${{API_TOKEN}}"
            - request: {{url: "{server.base_url}/ok?t=${{API_TOKEN}}"}}
        """,
    )
    cmd = loadpy_cmd("run", "--address", "", "--workers", "2", "-e", f"API_TOKEN={secret}", str(scenario))
    proc = subprocess.run(cmd, capture_output=True, text=True, timeout=90, env=subprocess_env(), cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    assert server.targets == [f"/ok?t={secret}"] * 4
    assert secret not in proc.stderr and secret not in proc.stdout
    logged = [line for line in proc.stderr.splitlines() if "token=" in line]
    expected = f'msg="token={MASK}" source=console worker='
    assert len(logged) == 4 and all(expected in line for line in logged), proc.stderr


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def test_rest_api_groups_and_metrics_are_masked(tmp_path: Path, server: FaultyServer) -> None:
    server.reset()
    secret = "api-s3cret-77"
    scenario = tmp_path / "script.py"
    scenario.write_text(
        textwrap.dedent(
            f"""
            import asyncio

            options = {{"scenarios": {{"s": {{"executor": "constant-vus", "vus": 1, "duration": "30s"}}}}}}

            async def default(vu):
                async with vu.group("g " + vu.env["API_TOKEN"]):
                    res = await vu.http.get("{server.base_url}/ok")
                    vu.check(res, {{"ok " + vu.env["API_TOKEN"]: lambda r: r.status == 200}})
                await asyncio.sleep(0.05)
            """
        ),
        encoding="utf-8",
    )
    address = f"127.0.0.1:{_free_port()}"
    cmd = loadpy_cmd("run", "-q", "--address", address, "-e", f"API_TOKEN={secret}", str(scenario))
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=subprocess_env())
    try:
        deadline = time.monotonic() + 20
        named: list[Any] = []
        body = ""
        # the group exists as soon as an iteration enters it; wait until its check has run too
        while time.monotonic() < deadline and not (named and named[0]["attributes"]["checks"]):
            time.sleep(0.1)
            try:
                with urllib.request.urlopen(f"http://{address}/v1/groups", timeout=10) as resp:
                    body = resp.read().decode()
            except OSError:
                assert proc.poll() is None, proc.communicate()[1]
                continue
            named = [g for g in json.loads(body)["data"] if g["attributes"]["name"] != ""]
        assert named and named[0]["attributes"]["checks"], f"the group's check never appeared in /v1/groups: {body}"
        assert secret not in body
        assert len(named) == 1 and named[0]["attributes"]["name"] == f"g {MASK}"
        assert named[0]["attributes"]["checks"][0]["name"] == f"ok {MASK}"
        assert named[0]["attributes"]["path"] == f"::g {MASK}"
        with urllib.request.urlopen(f"http://{address}/v1/metrics", timeout=10) as resp:
            metrics = resp.read().decode()
        assert secret not in metrics and '"id":"http_reqs"' in metrics
    finally:
        proc.send_signal(signal.SIGINT)
        proc.communicate(timeout=60)


def test_a_numeric_secret_in_the_users_data_is_masked_and_every_document_stays_valid(
    tmp_path: Path, server: FaultyServer
) -> None:
    """`${API_TOKEN}` alone in a YAML value is read as a number: masked in setup_data and the options,
    while the measurements (numbers everywhere else) stay exact."""
    server.reset()
    scenario = write_scenario(
        tmp_path,
        f"""
        options:
          iterations: 3
          tags: {{deploy: "v-${{API_TOKEN}}"}}  # a tag is a string (k6 refuses a number there)
        flows:
          setup:
            - return: {{token: "${{API_TOKEN}}", other: 7}}
          default:
            - request: {{url: "{server.base_url}/ok"}}
        """,
    )
    inspect = subprocess.run(
        loadpy_cmd("inspect", "-e", "API_TOKEN=31337", str(scenario)),
        capture_output=True, text=True, timeout=60, env=subprocess_env(), cwd=tmp_path,
    )  # fmt: skip
    assert inspect.returncode == 0, inspect.stderr
    options = json.loads(inspect.stdout)
    assert options["tags"] == {"deploy": f"v-{MASK}"} and options["iterations"] == 3
    assert "31337" not in inspect.stdout
    out = run_loadpy(tmp_path, scenario, "-e", "API_TOKEN=31337")
    assert out.code == 0, out.stderr
    assert out.export is not None
    assert out.export["setup_data"] == {"token": MASK, "other": 7}
    assert out.export["metrics"]["http_reqs"]["count"] == 3 == server.count("/ok")
    assert "31337" not in (tmp_path / "export.json").read_text()


def test_the_text_summary_masks_names_but_keeps_its_figures_with_a_numeric_secret(
    tmp_path: Path, server: FaultyServer
) -> None:
    server.reset()
    script = tmp_path / "script.py"
    script.write_text(
        textwrap.dedent(
            f"""
            options = {{"iterations": 10, "thresholds": {{"http_req_failed": ["rate<0.01"]}}}}

            async def default(vu):
                async with vu.group("g " + vu.env["API_TOKEN"]):
                    res = await vu.http.get("{server.base_url}/ok?t=" + vu.env["API_TOKEN"])
                    vu.check(res, {{"check " + vu.env["API_TOKEN"]: lambda r: r.status == 200}})
            """
        ),
        encoding="utf-8",
    )
    out = run_loadpy(tmp_path, script, "-e", "API_TOKEN=0", "--summary-mode", "full")
    assert out.code == 0, out.stderr
    lines = [line.strip() for line in out.stdout.splitlines()]
    assert f"✓ check {MASK}" in lines and f"█ GROUP: g {MASK}" in lines
    assert "✓ 'rate<0.01' rate=0.00%" in lines  # a threshold expression is not user text
    figures = {line.split(".", 1)[0]: line.rsplit(":", 1)[1].split() for line in lines if "....:" in line}
    assert figures["http_reqs"][0] == "10" and figures["iterations"][0] == "10"
    assert figures["checks_succeeded"] == ["100.00%", "10", "out", "of", "10"]
