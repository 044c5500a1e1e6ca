"""A blocking call in script code stalls every VU: it is reported once, naming the scenario and the
line; `await vu.run_blocking(fn)` runs it on a thread instead, and the other VUs go on meanwhile."""

from __future__ import annotations

import json
import textwrap
from pathlib import Path

import pytest

from loadpy.demo import DemoServer
from tests.integration.cli.helpers import run_loadpy

pytestmark = pytest.mark.timeout(120)

BLOCKING = """
import time
options = {"scenarios": {"shop": {"executor": "per-vu-iterations", "vus": 2, "iterations": 3}}}

async def default(vu):
    await vu.http.get(vu.env["BASE"] + "/")
    time.sleep(0.3)
"""

# Each VU sleeps 0.4 s on a worker thread; the intervals are written out by teardown().
ON_A_THREAD = """
import json, time
options = {"scenarios": {"shop": {"executor": "per-vu-iterations", "vus": 2, "iterations": 1}}}
SPANS = []

def nap():
    start = time.monotonic()
    time.sleep(0.4)
    return start, time.monotonic()

async def default(vu):
    SPANS.append(await vu.run_blocking(nap))

def teardown(vu):
    with open(vu.env["SPANS"], "w") as f:
        json.dump(SPANS, f)
"""

WARNING = "a blocking call held the event loop"


def write(tmp_path: Path, text: str) -> Path:
    script = tmp_path / "script.py"
    script.write_text(textwrap.dedent(text).lstrip())
    return script


def test_a_blocking_call_is_reported_once_with_scenario_and_line(tmp_path: Path, demo_server: DemoServer) -> None:
    out = run_loadpy(tmp_path, write(tmp_path, BLOCKING), env={"BASE": demo_server.base_url})
    assert out.code == 0, out.stderr
    warnings = [line for line in out.stderr.splitlines() if WARNING in line]
    assert len(warnings) == 1, out.stderr  # six blocking iterations, one warning
    assert "in scenario shop at script.py:6;" in warnings[0]
    assert "await vu.run_blocking(fn, *args)" in warnings[0]
    assert out.export is not None and out.export["metrics"]["iterations"]["count"] == 6


def test_run_blocking_keeps_the_loop_free(tmp_path: Path) -> None:
    spans_file = tmp_path / "spans.json"
    out = run_loadpy(tmp_path, write(tmp_path, ON_A_THREAD), env={"SPANS": str(spans_file)})
    assert out.code == 0, out.stderr
    assert WARNING not in out.stderr
    (_, a_end), (b_start, _) = sorted(json.loads(spans_file.read_text()))
    assert b_start < a_end  # the second VU started its call while the first one's was still running


def test_async_code_is_not_reported(tmp_path: Path, demo_server: DemoServer) -> None:
    script = write(
        tmp_path,
        """
        options = {"vus": 4, "duration": "1s"}

        async def default(vu):
            res = await vu.http.get(vu.env["BASE"] + "/json")
            vu.check(res, {"ok": lambda r: r.status == 200})
            await vu.sleep(0.05)
        """,
    )
    out = run_loadpy(tmp_path, script, env={"BASE": demo_server.base_url})
    assert out.code == 0, out.stderr
    assert WARNING not in out.stderr
