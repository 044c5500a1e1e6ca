"""Secret `-e` values reach the target but never the terminal, an error paragraph or a written report."""

from __future__ import annotations

import json
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

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
