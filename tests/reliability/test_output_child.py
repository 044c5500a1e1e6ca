"""The writer child (loadpy/outputs/writer_child.py) that formats and writes `--out json/csv` files: it
outlives what would cut its file short. A Ctrl-C reaches the whole process group, not the child (its
own session); a parent killed outright leaves it an EOF, and it writes every batch it was sent."""

from __future__ import annotations

import gzip
import json
import os
import signal
import subprocess
import sys
import textwrap
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.integration.cli.helpers import subprocess_env, write_scenario
from tests.reliability.faulty_server import FaultyServer, faulty_server
from tests.reliability.helpers import csv_rows


@pytest.fixture(scope="module")
def server() -> Iterator[FaultyServer]:
    with faulty_server() as srv:
        yield srv


def _gone(pid: int) -> bool:
    """The process ended (a zombie left to a parent that doesn't reap counts as ended)."""
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except (FileNotFoundError, ProcessLookupError):
        return True
    return state in ("Z", "X")


def _records(path: Path) -> list[dict[str, object]]:
    """Every line of a json (or json.gz) output: each must parse and the file must end with a newline."""
    data = path.read_bytes()
    text = (gzip.decompress(data) if path.name.endswith(".gz") else data).decode()
    assert text.endswith("\n"), f"truncated last line in {path}: {text[-80:]!r}"
    return [json.loads(line) for line in text.splitlines()]


def _points(path: Path) -> list[object]:
    """The metric name of every Point line, in file order."""
    return [r["metric"] for r in _records(path) if r["type"] == "Point"]


# A generator that flushes three batches of 1,000 requests (2 groups each: 13 samples) to a json, a
# json.gz and a csv file, prints its writer children's pids and kills itself before closing anything.
_KILLED_PARENT = textwrap.dedent(
    """
    import os, signal, sys
    from loadpy.clock import now
    from loadpy.metrics.registry import Registry
    from loadpy.metrics.tags import tagset
    from loadpy.outputs import CsvOutput, JsonOutput, OutputManager
    from loadpy.outputs.columns import ColumnarOutput

    ColumnarOutput.offload = True  # a writer child even on one CPU
    registry = Registry()
    outputs = [JsonOutput("out.json"), JsonOutput("out.json.gz"), CsvOutput("out.csv")]
    manager = OutputManager(registry, outputs)
    manager.start()
    http = tuple(registry.metrics[n] for n in ("http_reqs", "http_req_duration", "http_req_failed"))
    loop = tuple(registry.metrics[n] for n in ("iterations", "iteration_duration"))
    tags = tagset({"status": "200", "scenario": "default"})
    for _ in range(3):
        for i in range(1000):
            registry.emit_many(http, tags, (1.0, 0.5 + i, 0.0), now())
            registry.emit_many(loop, tags, (1.0, 9.5), now())
        manager.flush()
    print(" ".join(str(out.writer_pid) for out in outputs), flush=True)
    os.kill(os.getpid(), signal.SIGKILL)
    """
)


def test_a_killed_parent_leaves_complete_files_of_every_batch_it_sent(tmp_path: Path) -> None:
    proc = subprocess.run(
        [sys.executable, "-c", _KILLED_PARENT],
        cwd=tmp_path,
        env=subprocess_env(),
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert proc.returncode == -signal.SIGKILL, proc.stderr
    pids = [int(pid) for pid in proc.stdout.split()]
    assert len(pids) == 3 and os.getpid() not in pids
    deadline = time.monotonic() + 30
    while not all(_gone(pid) for pid in pids):
        assert time.monotonic() < deadline, "the writer children did not finish after their parent died"
        time.sleep(0.05)
    expected = {"http_reqs": 3000, "http_req_duration": 3000, "http_req_failed": 3000, "iterations": 3000}
    for name in ("out.json", "out.json.gz"):
        records = _records(tmp_path / name)
        points = [r["metric"] for r in records if r["type"] == "Point"]
        assert {m: points.count(m) for m in expected} == expected, name
        assert len(points) == 5 * 3000
        assert [r["metric"] for r in records if r["type"] == "Metric"] == [
            "http_reqs", "http_req_duration", "http_req_failed", "iterations", "iteration_duration",
        ]  # fmt: skip
    rows = csv_rows(tmp_path / "out.csv")
    assert len(rows) == 5 * 3000
    assert sum(r["metric_name"] == "http_req_duration" for r in rows) == 3000


# `loadpy` with writer children whatever this machine's CPUs (on one, the files are written in-process)
_WITH_WRITER_CHILDREN = [
    sys.executable,
    "-c",
    "import sys; from loadpy.outputs.columns import ColumnarOutput; ColumnarOutput.offload = True;"
    " from loadpy.cli.main import main; sys.argv[0] = 'loadpy'; raise SystemExit(main())",
]


def test_sigint_to_the_process_group_mid_run_leaves_files_whose_points_match_the_summary(
    tmp_path: Path, server: FaultyServer
) -> None:
    server.reset()
    scenario = write_scenario(
        tmp_path,
        f"""
        options: {{vus: 4, duration: 30s}}
        flows:
          default:
            - request: {{url: "{server.base_url}/ok"}}
        """,
    )
    cmd = [
        *_WITH_WRITER_CHILDREN,
        "run", "--quiet", "--summary-export", "export.json",
        "--out", "json=out.json", "--out", "json=out.json.gz", "--out", "csv=out.csv", str(scenario),
    ]  # fmt: skip
    # a group of its own, as a shell's job: the Ctrl-C goes to every process in it
    proc = subprocess.Popen(
        cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, cwd=tmp_path, env=subprocess_env(),
        start_new_session=True,
    )  # fmt: skip
    try:
        deadline = time.monotonic() + 20
        while server.count("/ok") < 2000:
            assert time.monotonic() < deadline, "the run did not get going"
            time.sleep(0.05)
        children = Path(f"/proc/{proc.pid}/task/{proc.pid}/children").read_text().split()
        assert len(children) == 3, children  # a writer child per file: the Ctrl-C must not reach them
        os.killpg(proc.pid, signal.SIGINT)
        _, stderr = proc.communicate(timeout=30)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.communicate()
    assert proc.returncode == 105, stderr
    assert "Traceback" not in stderr
    metrics = json.loads((tmp_path / "export.json").read_text())["metrics"]
    requests, iterations = metrics["http_reqs"]["count"], metrics["iterations"]["count"]
    assert requests == server.count("/ok") >= 2000
    for path in (tmp_path / "out.json", tmp_path / "out.json.gz"):
        points = _points(path)
        assert points.count("http_reqs") == requests, path
        assert points.count("iterations") == iterations, path
        assert points.count("http_req_duration") == requests, path
    rows = csv_rows(tmp_path / "out.csv")
    assert sum(r["metric_name"] == "http_reqs" for r in rows) == requests
    assert sum(r["metric_name"] == "iterations" for r in rows) == iterations
