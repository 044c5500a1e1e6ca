"""Live progress and the header through the real CLI, stdout piped (not a terminal, as in CI):
plain progress blocks appear during the run and once at the end; `-q` prints none. The header's
scenario lines and max duration (startTime included) equal k6's."""

from __future__ import annotations

import re
import shutil
import subprocess
import textwrap
from pathlib import Path

import pytest

from loadpy.demo import DemoServer
from tests.integration.cli.helpers import loadpy_cmd, subprocess_env
from tests.reliability.helpers import json_points

SCENARIO = """
options:
  scenarios:
    steady: {executor: constant-vus, vus: 2, duration: 3s}
flows:
  default:
    - request: {url: "${BASE}/"}
    - sleep: 0.1
"""


def run(tmp_path: Path, demo: DemoServer, *extra: str) -> subprocess.CompletedProcess[str]:
    scenario = tmp_path / "scenario.yaml"
    scenario.write_text(textwrap.dedent(SCENARIO).lstrip())
    cmd = loadpy_cmd("run", "--address", "", "--no-summary", "-e", f"BASE={demo.base_url}", *extra, str(scenario))
    proc = subprocess.run(cmd, capture_output=True, text=True, timeout=60, env=subprocess_env(), cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr[-2000:]
    return proc


@pytest.mark.slow
def test_plain_progress_when_stdout_is_not_a_terminal(tmp_path: Path, demo_server: DemoServer) -> None:
    out = run(tmp_path, demo_server, "--out", "json=out.json").stdout  # --no-summary: no --summary-export
    points = [p for p in json_points(tmp_path / "out.json") if p["type"] == "Point"]
    durations_s = [p["data"]["value"] / 1000 for p in points if p["metric"] == "iteration_duration"]
    blocks = re.findall(
        r"^running \((\d\d\.\ds)\), (\d)/(\d) VUs, (\d+) complete and (\d+) interrupted iterations\n"
        r"(.*)$",
        out,
        re.MULTILINE,
    )
    # One block every 2 s during the 3 s run, then the final state.
    assert len(blocks) >= 2, out
    *during, final = blocks
    for _elapsed, _active, max_vus, _complete, _interrupted, line in during:
        assert max_vus == "2"
        assert re.fullmatch(r"steady   \[ +\d+% \] 2 VUs  \d\.\ds/3s", line), line
    elapsed, active, max_vus, complete, interrupted, line = final
    assert (active, max_vus, interrupted) == ("0", "2", "0")
    assert int(complete) == len(durations_s)  # the last block shows the run's own count
    # 2 VUs x 3 s of iterations at least 0.1 s long (how long is the machine's; the run recorded it):
    # the VUs iterate back to back for the 3 s, and each ends its last iteration after them
    assert min(durations_s) >= 0.1
    assert 2 * 3 * 0.9 <= sum(durations_s) <= 2 * 3 + 2 * max(durations_s)
    assert line == "steady ✓ [ 100% ] 2 VUs  3s"
    assert float(elapsed[:-1]) >= 3.0


@pytest.mark.slow
def test_quiet_prints_no_progress(tmp_path: Path, demo_server: DemoServer) -> None:
    proc = run(tmp_path, demo_server, "-q")
    assert "running (" not in proc.stdout
    assert "steady" not in proc.stdout
    assert proc.stdout.strip() == ""


K6_SCRIPT = """
import http from 'k6/http';
export const options = { scenarios: {
  late: { executor: 'shared-iterations', vus: 1, iterations: 1, startTime: '500ms', maxDuration: '5s' },
  early: { executor: 'per-vu-iterations', vus: 1, iterations: 1, maxDuration: '2s', gracefulStop: '1s' },
}};
export default function () { http.get(`${__ENV.BASE}/`); }
"""

YAML_SCRIPT = """
options:
  scenarios:
    late: {executor: shared-iterations, vus: 1, iterations: 1, startTime: 500ms, maxDuration: 5s}
    early: {executor: per-vu-iterations, vus: 1, iterations: 1, maxDuration: 2s, gracefulStop: 1s}
flows:
  default:
    - request: {url: "${BASE}/"}
"""


def header(stdout: str) -> list[str]:
    lines = stdout.splitlines()
    start = next(i for i, line in enumerate(lines) if line.lstrip().startswith("scenarios:"))
    return [line for line in lines[start:] if line.strip().startswith(("scenarios:", "* "))]


@pytest.mark.k6
def test_header_scenarios_equal_k6s_with_a_start_time(tmp_path: Path, demo_server: DemoServer) -> None:
    k6 = shutil.which("k6")
    assert k6 is not None, "k6 v1.1.0 must be installed for the differential tests"
    (tmp_path / "s.js").write_text(textwrap.dedent(K6_SCRIPT))
    (tmp_path / "s.yaml").write_text(textwrap.dedent(YAML_SCRIPT).lstrip())
    common = ["--address", "", "--no-summary", "-e", f"BASE={demo_server.base_url}"]
    outputs = {}
    for tool, cmd in {
        "k6": [k6, "run", "--no-color", *common, str(tmp_path / "s.js")],
        "loadpy": loadpy_cmd("run", *common, str(tmp_path / "s.yaml")),
    }.items():
        proc = subprocess.run(cmd, capture_output=True, text=True, timeout=60, env=subprocess_env(), cwd=tmp_path)
        assert proc.returncode == 0, f"{tool}: {proc.stderr[-2000:]}"
        outputs[tool] = header(proc.stdout)
    assert outputs["loadpy"] == outputs["k6"]
    # 500ms start + 5s maxDuration + 30s gracefulStop; listed by startTime, then name.
    assert outputs["k6"][0].strip().startswith("scenarios: (100.00%) 2 scenarios, 2 max VUs, 35.5s max duration")
    assert [line.split(":")[0].strip() for line in outputs["k6"][1:]] == ["* early", "* late"]
