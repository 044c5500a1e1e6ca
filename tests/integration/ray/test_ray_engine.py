"""`loadpy run --engine ray` on a real local 2-node Ray cluster (one per module: it takes 10-40 s to start).

The cluster is loadpy.cluster.local's (two `ray start` nodes of one CPU each, token auth, a short temp
dir, the memory monitor off, a small object store), joined with --ray-address as a user joins theirs;
every load request goes to the demo target on 127.0.0.1. The node-killing test runs last: it takes one
of the two nodes away.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import shutil
import signal
import subprocess
import textwrap
import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from loadpy.cluster.local import LocalCluster
from tests.integration.cli.helpers import RunOutcome, loadpy_cmd, run_loadpy, subprocess_env

pytestmark = [pytest.mark.slow, pytest.mark.timeout(600)]

RUN_TIMEOUT_S = 180  # one run on a loaded 2-core CI machine: cluster join, working-dir upload, the load


@pytest.fixture(scope="module")
def cluster() -> Iterator[LocalCluster]:
    local = LocalCluster(nodes=2, cpus_per_node=1)
    try:
        local.start()
        yield local
    finally:
        local.stop()


def _ray_env(cluster: LocalCluster) -> dict[str, str]:
    return {**cluster.env, "RAY_ADDRESS": ""}


def _run(tmp_path: Path, cluster: LocalCluster, script: Path, *args: str) -> RunOutcome:
    return run_loadpy(
        tmp_path,
        script,
        "--engine",
        "ray",
        "--ray-address",
        cluster.address,
        "--nodes",
        "2",
        *args,
        timeout=RUN_TIMEOUT_S,
        env=_ray_env(cluster),
    )


def _tag() -> str:
    return uuid.uuid4().hex[:12]


EXECUTORS = {  # scenario -> its options (exec: the function of the same name), both tools
    "pvu": {"executor": "per-vu-iterations", "vus": 3, "iterations": 5},
    "shared": {"executor": "shared-iterations", "vus": 4, "iterations": 21},
    "car": {"executor": "constant-arrival-rate", "rate": 30, "timeUnit": "1s", "duration": "2s", "preAllocatedVUs": 6},
}


def _python_script(tmp_path: Path, base: str, tag: str) -> Path:
    scenarios = {name: {**opts, "exec": name} for name, opts in EXECUTORS.items()}
    functions = "\n".join(
        f'async def {name}(vu):\n    await vu.http.get("{base}/items/{tag}-{name}")\n' for name in EXECUTORS
    )
    script = tmp_path / "script.py"
    script.write_text(
        f"options = {json.dumps({'scenarios': scenarios})}\n\n"
        f'async def setup(vu):\n    await vu.http.get("{base}/items/{tag}-setup")\n    return {{"n": 7}}\n\n'
        f'async def teardown(vu, data):\n    await vu.http.get("{base}/items/{tag}-teardown-" + str(data["n"]))\n\n'
        f"{functions}",
        encoding="utf-8",
    )
    return script


def _k6_script(tmp_path: Path, base: str, tag: str) -> Path:
    scenarios = {name: {**opts, "exec": name} for name, opts in EXECUTORS.items()}
    functions = "\n".join(f'export function {n}() {{ http.get("{base}/items/{tag}-{n}"); }}' for n in EXECUTORS)
    script = tmp_path / "script.js"
    script.write_text(
        textwrap.dedent(
            f"""
            import http from "k6/http";
            export const options = {json.dumps({"scenarios": scenarios})};
            export function setup() {{ http.get("{base}/items/{tag}-setup"); return {{ n: 7 }}; }}
            export function teardown(data) {{ http.get("{base}/items/{tag}-teardown-" + data.n); }}
            """
        )
        + functions,
        encoding="utf-8",
    )
    return script


def _served(demo_server: Any, tag: str) -> dict[str, int]:
    prefix = f"/items/{tag}-"
    return {p[len(prefix) :]: n for p, n in demo_server.stats()["paths"].items() if p.startswith(prefix)}


def test_two_nodes_make_k6s_counts_with_setup_and_teardown_once(
    tmp_path: Path, demo_server: Any, cluster: LocalCluster
) -> None:
    k6 = shutil.which("k6")
    assert k6 is not None, "k6 v1.1.0 must be installed for the differential tests"
    k6_tag, tag = _tag(), _tag()
    k6_dir = tmp_path / "k6"
    k6_dir.mkdir()
    done = subprocess.run(
        [k6, "run", "-q", "--address", "", _k6_script(k6_dir, demo_server.base_url, k6_tag)],
        capture_output=True,
        text=True,
        timeout=60,
        cwd=k6_dir,
    )
    assert done.returncode == 0, done.stderr
    expected = _served(demo_server, k6_tag)
    # constant-arrival-rate 30/s over 2 s starts 61 iterations (t = 0 .. 2 s); on a loaded machine either
    # tool may start the last one, due at the very end, too late: that one is the tolerance, nothing else
    car_k6 = expected.pop("car")
    assert expected == {"setup": 1, "teardown-7": 1, "pvu": 15, "shared": 21} and car_k6 in (60, 61)

    out = _run(tmp_path, cluster, _python_script(tmp_path, demo_server.base_url, tag), "--workers-per-node", "2")
    assert out.code == 0, out.stderr
    assert "Traceback" not in out.stderr
    # the same requests as k6: every scenario's exact count over 4 workers on 2 nodes, setup and teardown once
    served = _served(demo_server, tag)
    car = served.pop("car")
    assert served == expected and car in (60, 61)
    # one merged export: every worker's iterations and requests (setup/teardown's requests count, as in k6)
    assert out.export is not None
    assert out.export["metrics"]["iterations"]["count"] == 15 + 21 + car
    assert out.export["metrics"]["http_reqs"]["count"] == 15 + 21 + car + 2
    assert out.export["setup_data"] == {"n": 7}


def test_the_cluster_is_named_in_the_banner(tmp_path: Path, demo_server: Any, cluster: LocalCluster) -> None:
    """Without -q: the nodes and workers the run got, before the load starts."""
    tag = _tag()
    script = tmp_path / "one.yaml"
    script.write_text(
        "options:\n  scenarios:\n    s: {executor: shared-iterations, vus: 2, iterations: 6}\n"
        f'flows:\n  default:\n    - request: {{url: "{demo_server.base_url}/items/{tag}-x"}}\n',
        encoding="utf-8",
    )
    cmd = loadpy_cmd("run", "--address", "", "--engine", "ray", "--ray-address", cluster.address, str(script))
    done = subprocess.run(
        cmd, capture_output=True, text=True, timeout=RUN_TIMEOUT_S, env=subprocess_env(_ray_env(cluster)), cwd=tmp_path
    )
    assert done.returncode == 0, done.stderr
    # two nodes (every alive one by default), one worker per core of each (the machine's cores)
    cores = os.cpu_count() or 1
    banner = [line.strip() for line in done.stdout.splitlines() if line.strip().startswith("ray:")]
    assert len(banner) == 1, done.stdout
    assert banner[0].startswith(f"ray: {cluster.address}, 2 node(s) — workers node 1 (")
    assert banner[0].count(f": {cores}") == 2, banner
    assert f"workers: {2 * cores} processes, one execution segment each" in done.stdout
    assert _served(demo_server, tag) == {"x": 6}


def _ours(marker: bytes) -> list[int]:
    """Processes whose command line or environment names `marker` (a local cluster's temporary dir)."""
    found = []
    for entry in Path("/proc").iterdir():
        with contextlib.suppress(OSError):
            if entry.name.isdigit() and (
                marker in (entry / "cmdline").read_bytes() or marker in (entry / "environ").read_bytes()
            ):
                found.append(int(entry.name))
    return found


def test_without_an_address_a_local_cluster_starts_and_is_gone_after(
    tmp_path: Path, demo_server: Any, cluster: LocalCluster
) -> None:
    """No --ray-address: loadpy starts its own 2-node cluster (beside the module's, untouched) and stops it."""
    before = set(Path("/tmp").glob("lpray-*"))
    tag = _tag()
    script = tmp_path / "own.yaml"
    script.write_text(
        "options:\n  scenarios:\n    s: {executor: per-vu-iterations, vus: 3, iterations: 4}\n"
        f'flows:\n  default:\n    - request: {{url: "{demo_server.base_url}/items/{tag}-x"}}\n',
        encoding="utf-8",
    )
    env = {k: v for k, v in os.environ.items() if not k.startswith("RAY_")}
    out = run_loadpy(
        tmp_path, script, "--engine", "ray", "--nodes", "2", "--workers-per-node", "1", timeout=RUN_TIMEOUT_S, env=env
    )
    assert out.code == 0, out.stderr
    assert _served(demo_server, tag) == {"x": 12}
    assert out.export is not None and out.export["metrics"]["iterations"]["count"] == 12
    # its temporary directory and every process that named it are gone; the module's cluster still runs
    assert set(Path("/tmp").glob("lpray-*")) == before
    assert set(_ours(b"/tmp/lpray-")) == set(_ours(cluster.tmpdir.encode()))
    assert Path(cluster.tmpdir).is_dir() and _ours(cluster.tmpdir.encode())


def test_abort_on_fail_stops_both_nodes_within_one_evaluation_tick(
    tmp_path: Path, demo_server: Any, cluster: LocalCluster
) -> None:
    tag = _tag()
    script = tmp_path / "abort.yaml"
    script.write_text(
        textwrap.dedent(
            f"""
            options:
              scenarios:
                s: {{executor: constant-vus, vus: 4, duration: 60s}}
              thresholds:
                http_req_duration: [{{threshold: "max<0", abortOnFail: true}}]
            flows:
              default:
                - request: {{url: "{demo_server.base_url}/items/{tag}-x"}}
                - sleep: 0.1
            """
        ),
        encoding="utf-8",
    )
    out = _run(tmp_path, cluster, script, "--workers-per-node", "1")
    assert out.code == 99, out.stderr
    assert "thresholds on metrics 'http_req_duration' were crossed" in out.stderr
    assert out.export is not None
    assert out.export["metrics"]["http_req_duration"]["thresholds"] == {"max<0": True}
    # the first evaluation (at 2 s) failed: every worker on both nodes stopped before the second one (4 s),
    # as the target saw it (the first request comes right after the start)
    arrivals = [t for p, t in demo_server.stats()["arrivals"] if p == f"/items/{tag}-x"]
    assert arrivals
    assert 1.5 < max(arrivals) - min(arrivals) < 4.0, max(arrivals) - min(arrivals)
    assert out.export["metrics"]["http_reqs"]["count"] == len(arrivals)


def test_more_nodes_than_the_cluster_has_is_refused(tmp_path: Path, demo_server: Any, cluster: LocalCluster) -> None:
    tag = _tag()
    script = tmp_path / "three.yaml"
    script.write_text(
        "options:\n  scenarios:\n    s: {executor: shared-iterations, vus: 1, iterations: 2}\n"
        f'flows:\n  default:\n    - request: {{url: "{demo_server.base_url}/items/{tag}-x"}}\n',
        encoding="utf-8",
    )
    out = _run(tmp_path, cluster, script, "--nodes", "3")
    assert out.code == 104, out.stderr
    assert out.stderr == (
        f"loadpy: error: key '--nodes': --nodes 3: the Ray cluster at {cluster.address} has 2 alive node(s) with "
        "CPUs, and loadpy places one node agent on each of --nodes distinct nodes\n"
    )
    assert out.export is None
    assert _served(demo_server, tag) == {}


def _wait_for(predicate: Any, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.1)


def _start_long_run(tmp_path: Path, cluster: LocalCluster, demo_server: Any, path: str) -> subprocess.Popen[str]:
    """Two workers (one per node) sending load for a minute, unless stopped."""
    script = tmp_path / "long.yaml"
    script.write_text(
        "options:\n  scenarios:\n    s: {executor: constant-vus, vus: 2, duration: 60s}\n"
        f'flows:\n  default:\n    - request: {{url: "{demo_server.base_url}{path}"}}\n    - sleep: 0.1\n',
        encoding="utf-8",
    )
    cmd = loadpy_cmd(
        "run", "-q", "--address", "", "--summary-export", str(tmp_path / "export.json"), "--engine", "ray",
        "--ray-address", cluster.address, "--nodes", "2", "--workers-per-node", "1", str(script),
    )  # fmt: skip
    return subprocess.Popen(
        cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=subprocess_env(_ray_env(cluster)),
        cwd=tmp_path,
    )  # fmt: skip


def _agents(cluster: LocalCluster) -> list[int]:
    """The pids of this cluster's node agents: the parents of loadpy workers, in this cluster's Ray sessions."""
    agents = set()
    for entry in Path("/proc").iterdir():
        try:
            if b"loadpy.workers.worker" not in (entry / "cmdline").read_bytes():
                continue
            parent = Path(f"/proc/{(entry / 'stat').read_text().rsplit(')', 1)[1].split()[1]}")
            if (parent / "cmdline").read_bytes().startswith(b"ray::NodeAgent") and cluster.tmpdir.encode() in (
                parent / "environ"
            ).read_bytes():
                agents.add(int(parent.name))
        except (OSError, IndexError):
            continue
    return sorted(agents)


def test_a_hung_node_is_lost_after_5_s_of_silence(tmp_path: Path, demo_server: Any, cluster: LocalCluster) -> None:
    """An agent that stops answering (SIGSTOP: a hung machine) is lost after loadpy's 5 s, not Ray's minute."""
    path = f"/items/{_tag()}-x"
    proc = _start_long_run(tmp_path, cluster, demo_server, path)
    stopped: list[int] = []
    try:
        _wait_for(lambda: demo_server.stats()["paths"].get(path, 0) >= 40, RUN_TIMEOUT_S)
        agents = _agents(cluster)
        assert len(agents) == 2, agents
        os.kill(agents[0], signal.SIGSTOP)
        stopped.append(agents[0])
        hung_at = time.monotonic()
        _, stderr = proc.communicate(timeout=RUN_TIMEOUT_S)
        ended_after = time.monotonic() - hung_at
    finally:
        for pid in stopped:  # loadpy had Ray kill it; if not, it must not stay stopped
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGCONT)
        if proc.poll() is None:
            proc.kill()
            proc.communicate()
    assert proc.returncode == 255, stderr
    assert "Traceback" not in stderr
    assert len(re.findall(r'msg="node [12] \(\S+\) is lost: no answer for 5 s', stderr)) == 1, stderr
    assert 5 <= ended_after < 30, ended_after
    export = json.loads((tmp_path / "export.json").read_text())
    assert 0 < export["metrics"]["http_reqs"]["count"] <= demo_server.stats()["paths"][path]
    # the hung agent and its worker are gone (Ray killed the agent; the worker dies with its parent)
    _wait_for(lambda: not Path(f"/proc/{stopped[0]}").exists() or _zombie(stopped[0]), 30)


def _zombie(pid: int) -> bool:
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0] == "Z"
    except OSError:
        return True


def test_a_killed_node_ends_the_run_with_255_and_the_other_nodes_data(
    tmp_path: Path, demo_server: Any, cluster: LocalCluster
) -> None:
    """Runs last: node 2 of the module's cluster dies here (SIGKILL of everything it runs)."""
    path = f"/items/{_tag()}-x"
    proc = _start_long_run(tmp_path, cluster, demo_server, path)
    try:
        # both workers (one per node) send load for a while, and have reported deltas
        _wait_for(lambda: demo_server.stats()["paths"].get(path, 0) >= 40, RUN_TIMEOUT_S)
        time.sleep(2.5)
        cluster.kill_node(2)
        killed_at = time.monotonic()
        _, stderr = proc.communicate(timeout=RUN_TIMEOUT_S)
        ended_after = time.monotonic() - killed_at
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.communicate()
    assert proc.returncode == 255, stderr
    assert "Traceback" not in stderr
    # loadpy numbers nodes in placement order: the killed one is node 1 or 2 to it
    assert len(re.findall(r'msg="node [12] \(\S+\) is lost: ', stderr)) == 1, stderr
    assert "died (killed by SIGKILL); the metrics it reported are kept" in stderr, stderr
    # noticed by loadpy's own watchdog (5 s) at the latest, not Ray's (about a minute); then gracefulStop
    assert ended_after < 30, ended_after
    # kept: the survivor's requests to the end and the dead worker's until its last delta
    data = json.loads((tmp_path / "export.json").read_text())
    counted = data["metrics"]["http_reqs"]["count"]
    served = demo_server.stats()["paths"][path]
    assert served * 0.6 < counted <= served, (counted, served)
