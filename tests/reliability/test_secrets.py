"""Secret `-e` values reach the target but never the terminal, an error paragraph or a written report."""

from __future__ import annotations

import json
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

from loadpy.metrics import Registry
from loadpy.outputs import CheckResult, CsvOutput, JsonOutput, JunitOutput, OutputManager, ThresholdResult
from loadpy.secrets import MASK, Masker, secret_values
from tests.integration.cli.helpers import RunOutcome, loadpy_cmd, run_loadpy, subprocess_env, write_scenario
from tests.reliability.faulty_server import FaultyServer, faulty_server


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
