"""`loadpy run --workers N`: real coordinator and worker processes against the demo target.

Every run is bounded (a few seconds of load, a subprocess timeout). Server-side counts use a
path unique to the test, so other tests sharing the demo server can't disturb them.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import time
import uuid
from pathlib import Path
from typing import Any

import pytest

from tests.integration.cli.helpers import RunOutcome, loadpy_cmd, run_loadpy, subprocess_env, write_scenario

pytestmark = pytest.mark.timeout(120)

# executor → (scenario options, exact?) ; time-based executors are compared within a tolerance
EXECUTORS: dict[str, tuple[str, bool]] = {
    "per-vu-iterations": ("{executor: per-vu-iterations, vus: 3, iterations: 5}", True),
    "shared-iterations": ("{executor: shared-iterations, vus: 4, iterations: 21}", True),
    "constant-arrival-rate": (
        "{executor: constant-arrival-rate, rate: 30, timeUnit: 1s, duration: 2s, preAllocatedVUs: 6}",
        True,
    ),
    "ramping-arrival-rate": (
        "{executor: ramping-arrival-rate, startRate: 10, timeUnit: 1s, preAllocatedVUs: 6, "
        "stages: [{duration: 1s, target: 30}, {duration: 1s, target: 30}]}",
        True,
    ),
    "constant-vus": ("{executor: constant-vus, vus: 4, duration: 2s}", False),
    "ramping-vus": (
        "{executor: ramping-vus, startVUs: 1, stages: [{duration: 1s, target: 4}, {duration: 1s, target: 4}]}",
        False,
    ),
}


def _path() -> str:
    return f"/items/{uuid.uuid4().hex}"


def _scenario(tmp_path: Path, base: str, path: str, scenario: str, sleep: float = 0.05, extra: str = "") -> Path:
    return write_scenario(
        tmp_path,
        f"""
        options:
          scenarios:
            s: {scenario}
        {extra}
        flows:
          default:
            - request: {{url: "{base}{path}"}}
            - sleep: {sleep}
        """,
    )


def _count(out: RunOutcome, name: str, key: str = "count") -> float:
    assert out.export is not None, out.stderr
    return float(out.export["metrics"][name][key])


@pytest.mark.parametrize("executor", list(EXECUTORS))
def test_two_workers_make_the_load_of_one(tmp_path: Path, demo_server: Any, executor: str) -> None:
    scenario_text, exact = EXECUTORS[executor]
    results = {}
    for workers in (1, 2):
        path = _path()
        scenario = _scenario(tmp_path, demo_server.base_url, path, scenario_text)
        out = run_loadpy(tmp_path, scenario, "--workers", str(workers))
        assert out.code == 0, out.stderr
        assert "Traceback" not in out.stderr
        served = demo_server.stats()["paths"].get(path, 0)
        assert _count(out, "http_reqs") == _count(out, "iterations") == served
        if exact:  # the iterations the executor scheduled: started, or dropped when no VU was free in time
            results[workers] = served + _dropped(out)
        else:  # closed-loop: the VU-seconds spent iterating, whatever an iteration takes on this machine
            results[workers] = served * _count(out, "iteration_duration", "avg") / 1000
    if exact:
        assert results[2] == results[1], results
    else:  # the same load shape: 4 VUs x 2 s, or the ramp's area (plus each VU's last iteration)
        assert abs(results[2] - results[1]) <= 0.25 * results[1], results


def _dropped(out: RunOutcome) -> float:
    assert out.export is not None, out.stderr
    return float(out.export["metrics"].get("dropped_iterations", {}).get("count", 0))  # k6 omits it at 0


def test_export_has_the_shape_of_a_single_process_run(tmp_path: Path, demo_server: Any) -> None:
    scenario_text = "{executor: constant-vus, vus: 4, duration: 2500ms}"
    outs = {}
    for workers in (1, 2):
        scenario = _scenario(tmp_path, demo_server.base_url, _path(), scenario_text, extra='  tags: {run: "x"}')
        outs[workers] = run_loadpy(tmp_path, scenario, "--workers", str(workers))
        assert outs[workers].code == 0, outs[workers].stderr
    one, two = outs[1].export, outs[2].export
    assert one is not None and two is not None
    assert set(two) == set(one)
    assert set(two["metrics"]) == set(one["metrics"])
    for name, values in one["metrics"].items():
        assert set(two["metrics"][name]) == set(values), name
    # vus/vus_max are sums over the workers, not one worker's value
    assert two["metrics"]["vus_max"]["value"] == 4
    assert two["metrics"]["vus"]["max"] == 4


def test_setup_once_teardown_once_with_data_for_every_worker(tmp_path: Path, demo_server: Any) -> None:
    setup_path, teardown_path, vu_path = _path(), _path(), _path()
    scenario = write_scenario(
        tmp_path,
        f"""
        options:
          scenarios:
            s: {{executor: per-vu-iterations, vus: 4, iterations: 2}}
        flows:
          setup:
            - request: {{url: "{demo_server.base_url}{setup_path}"}}
            - return: {{token: "{vu_path}"}}
          default:
            - request: {{url: "{demo_server.base_url}{{{{ setup_data['token'] }}}}"}}
          teardown:
            - request: {{url: "{demo_server.base_url}{teardown_path}"}}
        """,
    )
    out = run_loadpy(tmp_path, scenario, "--workers", "2")
    assert out.code == 0, out.stderr
    paths = demo_server.stats()["paths"]
    assert paths.get(setup_path) == 1
    assert paths.get(teardown_path) == 1
    assert paths.get(vu_path) == 8
    assert _count(out, "http_reqs") == 10


def test_failing_thresholds_across_workers_exit_99(tmp_path: Path, demo_server: Any) -> None:
    # each worker makes 6 requests; only the merged count (12) crosses the threshold
    scenario = _scenario(
        tmp_path,
        demo_server.base_url,
        _path(),
        "{executor: per-vu-iterations, vus: 2, iterations: 6}",
        sleep=0,
        extra="  thresholds: {http_reqs: ['count<10']}",
    )
    out = run_loadpy(tmp_path, scenario, "--workers", "2")
    assert out.code == 99, out.stderr
    assert _count(out, "http_reqs") == 12
    assert out.export is not None
    assert out.export["metrics"]["http_reqs"]["thresholds"] == {"count<10": True}


def test_abort_on_fail_stops_every_worker(tmp_path: Path, demo_server: Any) -> None:
    path = _path()
    scenario = _scenario(
        tmp_path,
        demo_server.base_url,
        path,
        "{executor: constant-vus, vus: 2, duration: 60s}",
        sleep=0.05,
        extra="  thresholds: {http_reqs: [{threshold: 'count<5', abortOnFail: true}]}",
    )
    started = time.monotonic()
    out = run_loadpy(tmp_path, scenario, "--workers", "2", timeout=60)
    assert out.code == 99, out.stderr
    assert time.monotonic() - started < 30  # far before the 60 s the scenario asks for
    assert "abortOnFail" in out.stderr
    assert _count(out, "http_reqs") == demo_server.stats()["paths"][path] >= 5


def test_externally_controlled_is_rejected_before_any_worker_starts(tmp_path: Path, demo_server: Any) -> None:
    scenario = _scenario(
        tmp_path, demo_server.base_url, _path(), "{executor: externally-controlled, vus: 1, maxVUs: 2, duration: 2s}"
    )
    out = run_loadpy(tmp_path, scenario, "--workers", "2")
    assert out.code == 104, out.stderr
    assert "externally-controlled executor of scenario s can't be used with execution segments" in out.stderr
    assert "--workers" in out.stderr
    assert "Traceback" not in out.stderr
    assert out.export is None


def test_bad_input_exits_104_before_any_worker_starts(tmp_path: Path, demo_server: Any) -> None:
    scenario = _scenario(tmp_path, demo_server.base_url, _path(), "{executor: constant-vus, vus: 2, duration: 2s}")
    out = run_loadpy(tmp_path, scenario, "--workers", "2", "--execution-segment", "0:1/2")
    assert out.code == 104, out.stderr
    assert "--workers 2 can't be combined with --execution-segment" in out.stderr
    assert "Traceback" not in out.stderr


def _start(tmp_path: Path, scenario: Path, *args: str) -> tuple[subprocess.Popen[str], Path]:
    export = tmp_path / "export.json"
    cmd = loadpy_cmd("run", "-q", "--address", "", "--summary-export", str(export), *args, str(scenario))
    proc = subprocess.Popen(
        cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, cwd=tmp_path, env=subprocess_env()
    )
    return proc, export


def _children(pid: int) -> list[int]:
    """The worker processes: children of the coordinator running loadpy.workers.worker."""
    out = []
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            stat = Path(f"/proc/{entry}/stat").read_text()
            cmdline = Path(f"/proc/{entry}/cmdline").read_bytes()
        except OSError:
            continue
        if int(stat.rsplit(")", 1)[1].split()[1]) == pid and b"loadpy.workers.worker" in cmdline:
            out.append(int(entry))
    return sorted(out)


def _wait_for_workers(pid: int, count: int) -> list[int]:
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        found = _children(pid)
        if len(found) == count:
            return found
        time.sleep(0.1)
    raise AssertionError(f"expected {count} workers of {pid}, found {_children(pid)}")


def _wait_for_load(demo_server: Any, path: str) -> None:
    """Until the target has served a few requests: worker start-up time varies with the machine's load."""
    deadline = time.monotonic() + 30
    while demo_server.stats()["paths"].get(path, 0) < 8:
        assert time.monotonic() < deadline, "the workers never started their load"
        time.sleep(0.1)


def test_sigint_exits_105_with_a_complete_export(tmp_path: Path, demo_server: Any) -> None:
    path = _path()
    scenario = _scenario(tmp_path, demo_server.base_url, path, "{executor: constant-vus, vus: 4, duration: 60s}")
    proc, export = _start(tmp_path, scenario, "--workers", "2")
    _wait_for_workers(proc.pid, 2)
    _wait_for_load(demo_server, path)
    proc.send_signal(signal.SIGINT)
    _, stderr = proc.communicate(timeout=30)
    assert proc.returncode == 105, stderr
    assert "Traceback" not in stderr
    data = json.loads(export.read_text())
    # every request the server saw is in the export: nothing of either worker was lost
    assert data["metrics"]["http_reqs"]["count"] == demo_server.stats()["paths"][path] > 0
    assert data["metrics"]["iterations"]["count"] > 0


def test_a_killed_worker_ends_the_run_with_the_others_data(tmp_path: Path, demo_server: Any) -> None:
    path = _path()
    scenario = _scenario(tmp_path, demo_server.base_url, path, "{executor: constant-vus, vus: 4, duration: 60s}")
    proc, export = _start(tmp_path, scenario, "--workers", "2")
    victim = _wait_for_workers(proc.pid, 2)[1]
    _wait_for_load(demo_server, path)
    time.sleep(1.5)  # at least one snapshot from each worker
    os.kill(victim, signal.SIGKILL)
    _, stderr = proc.communicate(timeout=40)
    assert proc.returncode == 255, stderr
    assert "Traceback" not in stderr
    assert "worker 2/2 (segment 1/2:1) died (killed by SIGKILL)" in stderr
    data = json.loads(export.read_text())
    served = demo_server.stats()["paths"][path]
    reported = data["metrics"]["http_reqs"]["count"]
    # the survivor's data is complete; only the dead worker's last second can be missing
    assert 0.5 * served < reported <= served
