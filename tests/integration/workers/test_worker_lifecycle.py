"""`--workers N` processes: bounded in number, never outliving their coordinator, nothing left on disk."""

from __future__ import annotations

import os
import signal
import subprocess
import time
import uuid
from pathlib import Path
from typing import Any

import pytest

from loadpy.workers.coordinator import WORKERS_PER_CORE
from tests.integration.cli.helpers import loadpy_cmd, run_loadpy, subprocess_env, write_scenario
from tests.integration.workers.test_workers import _children, _wait_for_workers

pytestmark = pytest.mark.timeout(120)


def _long_scenario(tmp_path: Path, base: str, path: str) -> Path:
    return write_scenario(
        tmp_path,
        f"""
        options:
          scenarios:
            s: {{executor: constant-vus, vus: 2, duration: 60s}}
        flows:
          default:
            - request: {{url: "{base}{path}"}}
            - sleep: 0.05
        """,
    )


def _settled_count(demo_server: Any, path: str, quiet: float = 0.3, timeout: float = 5.0) -> int:
    """`path`'s count once the server has answered what was already on its way: a request a worker wrote
    just before it died is still served after (the server reads its socket later), so the count is read
    when it held still for `quiet` seconds (or at `timeout`: a live sender keeps it moving, and the
    caller's next read then still sees it grow)."""
    deadline = time.monotonic() + timeout
    count = demo_server.stats()["paths"][path]
    while time.monotonic() < deadline:
        time.sleep(quiet)
        now = demo_server.stats()["paths"][path]
        if now == count:
            break
        count = now
    return count


def _alive(pid: int) -> bool:
    """True while `pid` runs (a zombie counts as gone: it holds no memory and does no work)."""
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"


@pytest.mark.parametrize("count", ["9999999", str(WORKERS_PER_CORE * (os.cpu_count() or 1) + 1)])
def test_a_worker_count_beyond_the_cap_is_refused_before_anything_starts(
    tmp_path: Path, demo_server: Any, count: str
) -> None:
    path = f"/items/{uuid.uuid4().hex}"
    scenario = _long_scenario(tmp_path, demo_server.base_url, path)
    out = run_loadpy(tmp_path, scenario, "--workers", count, timeout=30)
    cores = os.cpu_count() or 1
    assert out.code == 104, out.stderr
    assert out.stderr == (
        f"loadpy: error: command line, key '--workers': --workers {count} is out of range: give 0 (one per core) "
        f"or 1 to {WORKERS_PER_CORE * cores} ({WORKERS_PER_CORE} per core on the {cores} cores here); "
        "more processes than that only compete for the same CPUs and memory\n"
    )
    assert out.export is None
    assert demo_server.stats()["paths"].get(path, 0) == 0


def test_workers_die_with_their_coordinator_and_leave_no_files(tmp_path: Path, demo_server: Any) -> None:
    """SIGKILL on the coordinator: the kernel (PR_SET_PDEATHSIG) or stdin EOF ends every worker at once."""
    path = f"/items/{uuid.uuid4().hex}"
    scenario = _long_scenario(tmp_path, demo_server.base_url, path)
    scratch = tmp_path / "tmp"  # TMPDIR of the run: whatever it writes there would stay behind
    scratch.mkdir()
    proc = subprocess.Popen(
        loadpy_cmd("run", "-q", "--address", "", "--workers", "2", str(scenario)),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        cwd=tmp_path,
        env=subprocess_env({"TMPDIR": str(scratch)}),
    )
    try:
        workers = _wait_for_workers(proc.pid, 2)
        deadline = time.monotonic() + 20
        while demo_server.stats()["paths"].get(path, 0) == 0 and time.monotonic() < deadline:
            time.sleep(0.05)
        assert demo_server.stats()["paths"].get(path, 0) > 0, "the workers never sent a request"
        proc.kill()
        proc.wait(timeout=10)
        deadline = time.monotonic() + 5
        while any(_alive(pid) for pid in workers) and time.monotonic() < deadline:
            time.sleep(0.05)
        survivors = [pid for pid in workers if _alive(pid)]
        assert survivors == [], "workers outlived their coordinator"
        served = _settled_count(demo_server, path)
        time.sleep(0.5)
        assert demo_server.stats()["paths"][path] == served, "requests kept coming after the coordinator died"
        assert list(scratch.iterdir()) == []
    finally:
        for pid in _children(proc.pid):
            os.kill(pid, signal.SIGKILL)
        if proc.poll() is None:
            proc.kill()
            proc.wait(timeout=10)


def test_sigterm_while_workers_start_stops_the_run(tmp_path: Path, demo_server: Any) -> None:
    """SIGTERM as soon as the first worker exists: no more are started, the run ends (105), none is left."""
    path = f"/items/{uuid.uuid4().hex}"
    scenario = _long_scenario(tmp_path, demo_server.base_url, path)
    count = min(8, WORKERS_PER_CORE * (os.cpu_count() or 1))
    proc = subprocess.Popen(
        loadpy_cmd("run", "-q", "--address", "", "--workers", str(count), str(scenario)),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        cwd=tmp_path,
        env=subprocess_env(),
    )
    seen: set[int] = set()
    deadline = time.monotonic() + 20
    while not seen and time.monotonic() < deadline:
        seen.update(_children(proc.pid))
        time.sleep(0.01)
    assert seen, "no worker started"
    proc.send_signal(signal.SIGTERM)
    _, stderr = proc.communicate(timeout=40)
    assert proc.returncode == 105, stderr
    assert "Traceback" not in stderr
    assert not any(_alive(pid) for pid in seen)


def test_a_worker_whose_stdin_closes_stops_at_once(tmp_path: Path, demo_server: Any) -> None:
    """The portable fallback (no prctl): EOF on stdin means the coordinator is gone."""
    from loadpy.cli.args import run_request
    from loadpy.cli.main import build_parser
    from loadpy.workers.frames import FrameDecoder, encode
    from loadpy.workers.job import Job

    path = f"/items/{uuid.uuid4().hex}"
    scenario = _long_scenario(tmp_path, demo_server.base_url, path)
    request = run_request(build_parser().parse_args(["run", "-q", "--address", "", str(scenario)]), os.environ)
    read_fd, write_fd = os.pipe()
    worker = subprocess.Popen(
        [*loadpy_cmd()[:2], "loadpy.workers.worker", str(write_fd)],
        stdin=subprocess.PIPE,
        stderr=subprocess.PIPE,
        pass_fds=(write_fd,),
        env=subprocess_env(),
        cwd=tmp_path,
    )
    os.close(write_fd)
    try:
        assert worker.stdin is not None
        worker.stdin.write(encode("job", Job(0, 1, request, None, os.getpid())))
        worker.stdin.flush()
        decoder, messages = FrameDecoder(), []
        while not messages:  # wait for "ready": the worker now waits for its start command
            chunk = os.read(read_fd, 65536)
            assert chunk, "the worker closed its frame pipe before it was ready"
            messages = decoder.feed(chunk)
        assert messages[0][0] == "ready"
        started = time.monotonic()
        worker.stdin.close()
        assert worker.wait(timeout=10) == 105
        assert time.monotonic() - started < 5
        assert worker.stderr is not None
        assert "the coordinator is gone: this worker stops now" in worker.stderr.read().decode()
        assert demo_server.stats()["paths"].get(path, 0) == 0
    finally:
        os.close(read_fd)
        if worker.poll() is None:
            worker.kill()
            worker.wait(timeout=10)
