"""The control surface both ways: the real k6 binary's `status|pause|resume|scale|stats` drive
`loadpy run -a …`, and `loadpy status|pause|resume|scale|stats` drive `k6 run -a …` (and loadpy).
The expected YAML and error lines are what k6 v1.1.0 printed against its own `k6 run`."""

from __future__ import annotations

import json
import re
import shutil
import socket
import subprocess
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.integration.cli.helpers import loadpy_cmd, subprocess_env, write_scenario

K6 = shutil.which("k6")
TIME = re.compile(r'^time="[^"]+" ', re.MULTILINE)


def k6_status(paused: bool, vus: int, vus_max: int) -> str:
    """`k6 status` / `k6 pause` / … output for a running test (yamlPrint of v1.Status)."""
    return (
        f'status: 7\npaused: "{str(paused).lower()}"\nvus: "{vus}"\nvus-max: "{vus_max}"\n'
        "stopped: false\nrunning: true\ntainted: false\n"
    )


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def wait_for_api(address: str, proc: subprocess.Popen[str]) -> None:
    deadline = time.monotonic() + 20
    while True:
        try:
            with urllib.request.urlopen(f"http://{address}/v1/status", timeout=2) as response:
                if json.load(response)["data"]["attributes"]["running"]:
                    return
        except OSError:
            pass
        assert proc.poll() is None and time.monotonic() < deadline, "the API did not come up"
        time.sleep(0.1)


def stop(address: str) -> None:
    body = b'{"data":{"attributes":{"stopped":true}}}'
    request = urllib.request.Request(f"http://{address}/v1/status", data=body, method="PATCH")
    with urllib.request.urlopen(request, timeout=5):
        pass


@pytest.fixture
def loadpy_run(tmp_path: Path) -> Iterator[tuple[str, subprocess.Popen[str]]]:
    scenario = write_scenario(
        tmp_path,
        """
        options:
          scenarios:
            ext: {executor: externally-controlled, vus: 1, maxVUs: 2, duration: 40s}
        flows:
          default:
            - sleep: 0.2
        """,
    )
    address = f"127.0.0.1:{free_port()}"
    proc = subprocess.Popen(
        loadpy_cmd("run", "-q", "--no-summary", "-a", address, str(scenario)),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
        env=subprocess_env(),
        cwd=tmp_path,
    )
    try:
        wait_for_api(address, proc)
        yield address, proc
    finally:
        if proc.poll() is None:
            proc.kill()
        proc.communicate(timeout=20)


@pytest.fixture
def k6_run(tmp_path: Path) -> Iterator[str]:
    assert K6 is not None, "the k6 binary must be on PATH (the oracle of these tests)"
    script = tmp_path / "ext.js"
    script.write_text(
        "import { sleep } from 'k6';\n"
        "export const options = { scenarios: { ext: { executor: 'externally-controlled', vus: 1, maxVUs: 2,"
        " duration: '40s' } } };\n"
        "export default function () { sleep(0.2); }\n"
    )
    address = f"127.0.0.1:{free_port()}"
    proc = subprocess.Popen(
        [K6, "run", "-q", "--no-summary", "-a", address, str(script)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        text=True,
        cwd=tmp_path,
    )
    try:
        wait_for_api(address, proc)
        yield address
    finally:
        if proc.poll() is None:
            stop(address)
        proc.wait(timeout=20)


def k6_cmd(*args: str) -> subprocess.CompletedProcess[str]:
    assert K6 is not None
    return subprocess.run([K6, *args], capture_output=True, text=True, timeout=30)


def loadpy_client(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(loadpy_cmd(*args), capture_output=True, text=True, timeout=30, env=subprocess_env())


# (command, k6's stdout, k6's error line, exit code) — in this order against a fresh run
SESSION = [
    (["status"], k6_status(False, 1, 2), "", 0),
    (["pause"], k6_status(True, 0, 2), "", 0),
    (["pause"], "", 'level=error msg="Pause error: test execution was already paused"', 255),
    (["resume"], k6_status(False, 1, 2), "", 0),
    (["resume"], "", 'level=error msg="Pause error: test execution wasn\'t paused"', 255),
    (["scale", "-u", "2"], k6_status(False, 2, 2), "", 0),
    (
        ["scale", "-u", "5"],
        "",
        'level=error msg="Config update error: invalid configuration supplied: the number of active VUs (5) '
        'must be less than or equal to the number of maxVUs (2)"',
        255,
    ),
    (["scale", "-m", "3"], k6_status(False, 2, 3), "", 0),
]


def _check_session(client: object, address: str) -> None:
    for args, stdout, error, code in SESSION:
        out = client(*args, "-a", address)  # type: ignore[operator]
        assert (out.returncode, out.stdout, TIME.sub("", out.stderr).strip()) == (code, stdout, error), args


def _check_stats(stats: str) -> None:
    """`stats`: yaml of []v1.Metric; the counters print as integers, the sample keys sorted."""
    blocks = {block.split("\n", 1)[0]: block for block in ("\n" + stats).split("\n- name: ")[1:]}
    assert {"iterations", "vus", "vus_max", "iteration_duration"} <= set(blocks)
    assert re.fullmatch(
        r"iterations\n  type:\n    type: counter\n    valid: true\n  contains:\n    type: default\n"
        r"    valid: true\n  tainted: \"\"\n  sample:\n    count: \d+\n    rate: \d+(\.\d+)?(e[+-]\d+)?\n",
        blocks["iterations"].rstrip("\n") + "\n",
    ), blocks["iterations"]
    assert "  sample:\n    value: 3" in blocks["vus_max"]
    keys = re.findall(r"^    (\S+): ", blocks["iteration_duration"].split("  sample:\n")[1], re.MULTILINE)
    assert keys == ["avg", "max", "med", "min", "p(90)", "p(95)"]


@pytest.mark.slow
def test_the_k6_binary_drives_loadpy(loadpy_run: tuple[str, subprocess.Popen[str]]) -> None:
    address, proc = loadpy_run
    _check_session(k6_cmd, address)
    time.sleep(1.2)  # vus / vus_max are sampled once a second
    stats = k6_cmd("stats", "-a", address)
    assert stats.returncode == 0, stats.stderr
    _check_stats(stats.stdout)
    stop(address)
    assert proc.wait(timeout=20) == 103


@pytest.mark.slow
def test_loadpy_commands_drive_k6(k6_run: str) -> None:
    _check_session(loadpy_client, k6_run)
    time.sleep(1.2)
    stats = loadpy_client("stats", "-a", k6_run)
    assert stats.returncode == 0, stats.stderr
    _check_stats(stats.stdout)


@pytest.mark.slow
def test_loadpy_commands_drive_loadpy(loadpy_run: tuple[str, subprocess.Popen[str]]) -> None:
    address, proc = loadpy_run
    _check_session(loadpy_client, address)
    stop(address)
    assert proc.wait(timeout=20) == 103


def test_client_errors_read_as_k6_prints_them() -> None:
    port = free_port()  # nothing listens there
    out = loadpy_client("status", "-a", f"127.0.0.1:{port}")
    assert out.returncode == 255 and out.stdout == ""
    assert TIME.sub("", out.stderr).strip() == (
        f'level=error msg="Get \\"http://127.0.0.1:{port}/v1/status\\": dial tcp 127.0.0.1:{port}: '
        'connect: connection refused"'
    )
    missing = loadpy_client("scale", "-a", f"127.0.0.1:{port}")
    assert missing.returncode == 104
    assert "Specify either -u/--vus or -m/--max" in missing.stderr
