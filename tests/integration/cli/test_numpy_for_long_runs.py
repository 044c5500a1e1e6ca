"""`loadpy run` imports numpy for the trend fold only when the plan is long (loadpy.engine.numpy_choice),
before the first iteration, in each process that runs VUs: a one-iteration run keeps its start and
memory; a 10-minute plan (ended by its first iteration here) imports it, in each `--workers` worker and
not in their coordinator."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from loadpy.demo import DemoServer
from tests.js.test_js_run import REPO, served
from tests.js.test_js_start import run_recorded

pytestmark = pytest.mark.timeout(120)


def test_a_one_iteration_run_does_not_import_numpy(tmp_path: Path, demo_server: DemoServer) -> None:
    code, stderr, export, modules = run_recorded(
        tmp_path,
        "one.yaml",
        f"""
        options: {{vus: 1, iterations: 1}}
        flows:
          default:
            - request: {{url: "{demo_server.base_url}/items/numpy-one"}}
        """,
    )
    assert code == 0, stderr
    assert export["metrics"]["http_reqs"]["count"] == 1  # type: ignore[index]
    assert "loadpy.flows.runtime" in modules and "numpy" not in modules


def test_a_long_plan_imports_numpy_before_its_first_iteration(tmp_path: Path, demo_server: DemoServer) -> None:
    before = served(demo_server, "/items/numpy-long")
    code, stderr, export, modules = run_recorded(
        tmp_path,
        "long.yaml",
        f"""
        options: {{vus: 1, duration: 10m}}
        flows:
          default:
            - request: {{url: "{demo_server.base_url}/items/numpy-long"}}
            - abort: enough
        """,
    )
    assert code == 108, stderr  # the abort step: k6's exit code
    assert served(demo_server, "/items/numpy-long") - before == 1
    assert export["metrics"]["http_reqs"]["count"] == 1  # type: ignore[index]
    assert "numpy" in modules


def test_each_worker_of_a_long_plan_imports_numpy_and_the_coordinator_does_not(tmp_path: Path) -> None:
    script = tmp_path / "long.py"
    script.write_text(
        textwrap.dedent(
            f"""
            import os, sys
            import loadpy

            options = {{"vus": 2, "duration": "10m"}}


            def default(vu):
                with open({str(tmp_path)!r} + f"/worker-{{os.getpid()}}.json", "w") as out:
                    out.write("true" if "numpy" in sys.modules else "false")
                loadpy.abort("enough")
            """
        )
    )
    modules = tmp_path / "modules.json"
    recorder = (
        "import atexit, json, runpy, sys\n"
        f"atexit.register(lambda: open({str(modules)!r}, 'w').write(json.dumps(sorted(sys.modules))))\n"
        "sys.argv = ['loadpy', *sys.argv[1:]]\n"
        "runpy.run_module('loadpy', run_name='__main__', alter_sys=True)\n"
    )
    proc = subprocess.run(
        [sys.executable, "-c", recorder, "run", "-q", "--address", "", "--workers", "2", str(script)],
        capture_output=True,
        text=True,
        timeout=100,
        env={**os.environ, "PYTHONPATH": str(REPO)},
        cwd=tmp_path,
    )
    assert proc.returncode == 108, proc.stderr
    workers = {p.name: json.loads(p.read_text()) for p in tmp_path.glob("worker-*.json")}
    assert len(workers) == 2 and all(workers.values()), workers  # two processes, numpy in each
    assert "loadpy.workers.coordinator" in json.loads(modules.read_text())
    assert "numpy" not in json.loads(modules.read_text())
