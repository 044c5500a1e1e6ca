"""A Python script's `env = {...}` defaults: below the process environment, below `-e` (as YAML's `env:`)."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from loadpy.demo import DemoServer
from tests.integration.cli.helpers import run_loadpy

pytestmark = pytest.mark.timeout(120)

SCRIPT = """
options = {"iterations": 1, "vus": 1}
env = {"ITEM": 7, "FLAG": True, "BASE": "http://127.0.0.1:1"}

async def default(vu):
    await vu.http.get(f"{vu.env['BASE']}/items/{vu.env['ITEM']}-{vu.env['FLAG']}")
"""


def served_paths(demo: DemoServer) -> dict[str, int]:
    return {p: n for p, n in demo.stats()["paths"].items() if p.startswith("/items/")}


@pytest.mark.parametrize(
    ("process_env", "args", "path"),
    [
        ({}, (), "/items/7-true"),  # the script's defaults (rendered like YAML's: true, not True)
        ({"ITEM": "8"}, (), "/items/8-true"),  # the process environment wins over a default
        ({"ITEM": "8"}, ("-e", "ITEM=9", "-e", "FLAG=no"), "/items/9-no"),  # -e wins over both
    ],
)
def test_env_defaults_and_their_precedence(
    tmp_path: Path, demo_server: DemoServer, process_env: dict[str, str], args: tuple[str, ...], path: str
) -> None:
    script = tmp_path / "script.py"
    script.write_text(textwrap.dedent(SCRIPT).lstrip())
    demo_server.reset()
    out = run_loadpy(tmp_path, script, *args, env={"BASE": demo_server.base_url, **process_env})
    assert out.code == 0, out.stderr
    assert served_paths(demo_server) == {path: 1}


@pytest.mark.parametrize(
    ("env_line", "key", "message"),
    [
        ('env = {"1X": "a"}', "env.1X", "invalid environment variable name '1X'"),
        ('env = {"X": ["a"]}', "env.X", "env values must be strings or numbers, not a list"),
        ('env = ["X"]', "env", "env must be a dict of NAME: value defaults, not a list"),
    ],
)
def test_bad_env_defaults_are_a_config_error(
    tmp_path: Path, demo_server: DemoServer, env_line: str, key: str, message: str
) -> None:
    script = tmp_path / "script.py"
    script.write_text(
        f'options = {{"iterations": 1}}\n{env_line}\n\nasync def default(vu):\n'
        f'    await vu.http.get("{demo_server.base_url}/items/1")\n'
    )
    demo_server.reset()
    out = run_loadpy(tmp_path, script)
    assert out.code == 104, out.stderr
    assert "Traceback" not in out.stderr
    assert message in out.stderr
    assert "line 2" in out.stderr and key in out.stderr and "script.py" in out.stderr
    assert demo_server.stats()["total"] == 0
