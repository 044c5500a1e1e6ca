"""The public API of docs/python-api.md, end to end: `loadpy.VU` / `loadpy.Response` are what script
functions get, scenario functions and teardown taking `(vu, data)` receive the setup data, and the
VU's ids and counters read as documented."""

from __future__ import annotations

import json
import textwrap
from pathlib import Path

import pytest

from loadpy.demo import DemoServer
from tests.integration.cli.helpers import run_loadpy

pytestmark = pytest.mark.timeout(120)

SCRIPT = """
import json
import loadpy

options = {"scenarios": {"shop": {"executor": "per-vu-iterations", "vus": 2, "iterations": 2, "exec": "shop"}}}
SEEN = []

def setup(vu):
    assert isinstance(vu, loadpy.VU) and (vu.id, vu.scenario) == (0, "")
    return {"seed": 41}

async def shop(vu: loadpy.VU, data: dict) -> None:
    res = await vu.http.get(vu.env["BASE"] + "/items/" + str(vu.id))
    SEEN.append({
        "vu": vu.id, "iteration": vu.iteration, "scenario": vu.scenario, "data": data,
        "same_data": data == vu.setup_data, "response": isinstance(res, loadpy.Response), "status": res.status,
    })

def teardown(vu, data):
    with open(vu.env["OUT"], "w") as f:
        json.dump({"teardown_data": data, "seen": sorted(SEEN, key=lambda s: (s["vu"], s["iteration"]))}, f)
"""


def test_documented_api(tmp_path: Path, demo_server: DemoServer) -> None:
    script = tmp_path / "script.py"
    script.write_text(textwrap.dedent(SCRIPT).lstrip())
    out_file = tmp_path / "out.json"
    out = run_loadpy(tmp_path, script, env={"BASE": demo_server.base_url, "OUT": str(out_file)})
    assert out.code == 0, out.stderr
    result = json.loads(out_file.read_text())
    assert result["teardown_data"] == {"seed": 41}
    common = {"scenario": "shop", "data": {"seed": 41}, "same_data": True, "response": True, "status": 200}
    assert result["seen"] == [{"vu": v, "iteration": i, **common} for v in (1, 2) for i in (0, 1)]
