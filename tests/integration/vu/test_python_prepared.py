"""`vu.http.get(url)` without headers, body or params is prepared once for every VU (as a constant
YAML request step): each VU still sends its own cookies, and what the target receives and the
metrics count are what a request built per call gives."""

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

options = {"noCookiesReset": True, "scenarios": {"s": {"executor": "per-vu-iterations", "vus": 3, "iterations": 4}}}
SEEN = []

async def default(vu, data):
    base = vu.env["BASE"]
    if vu.iteration == 0:  # each VU's own cookie, in its own jar (kept across iterations: noCookiesReset)
        await vu.http.get(base + "/cookies/set?who=vu" + str(vu.id))
    res = await vu.http.get(base + "/cookies")  # the same prepared request for every VU
    head = await vu.http.request("HEAD", base + "/cookies")
    SEEN.append((vu.id, vu.iteration, res.json(), head.status))

def teardown(vu, data):
    with open(vu.env["OUT"], "w") as f:
        json.dump(sorted(SEEN), f)
"""


def test_a_shared_prepared_request_carries_each_vus_cookies(tmp_path: Path, demo_server: DemoServer) -> None:
    script = tmp_path / "script.py"
    script.write_text(textwrap.dedent(SCRIPT).lstrip())
    out_file = tmp_path / "out.json"
    out = run_loadpy(tmp_path, script, env={"BASE": demo_server.base_url, "OUT": str(out_file)})
    assert out.code == 0, out.stderr
    seen = json.loads(out_file.read_text())
    assert seen == [[v, i, {"who": f"vu{v}"}, 200] for v in (1, 2, 3) for i in range(4)]
    assert out.export is not None and out.export["metrics"]["http_reqs"]["count"] == 3 + 3 * 4 * 2
