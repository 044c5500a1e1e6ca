"""A Ray cluster of N nodes on this machine: `--engine ray` without `--ray-address`, and the tests' cluster.

Each node is one `ray start --block` process (the head first), in its own session so that stopping
it stops only what it started. Settings that make Ray behave on a shared laptop or CI machine:

* token auth (Ray 2.60's default) with a fresh token, given to every node and to this driver;
* a short temporary directory (Ray's unix socket paths live under it and must stay short);
* no RAY_ADDRESS inherited (it would override the address given here);
* Ray's host-wide memory monitor off (it would kill workers for memory other programs use) and a
  small object store (the frames are small);
* the node's address is 127.0.0.1 (Ray still advertises the host's own address for its control
  plane; that stays on the machine).
"""

from __future__ import annotations

import contextlib
import os
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from loadpy.errors import LoadpyError

OBJECT_STORE_BYTES = 80 * 1024 * 1024
START_TIMEOUT_S = 90.0
STARTED = b"Ray runtime started."  # what `ray start` prints once its node is up
STOP_TIMEOUT_S = 3.0  # Ray exits slowly on SIGTERM; what is left then is killed


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _port_open(port: int) -> bool:
    with socket.socket() as s:
        s.settimeout(0.2)
        return s.connect_ex(("127.0.0.1", port)) == 0


class LocalCluster:
    """`start()` → the address to give ray.init (or --ray-address); `stop()` ends every process it started."""

    def __init__(self, nodes: int, cpus_per_node: int | None = None) -> None:
        self.nodes = nodes
        self.cpus_per_node = cpus_per_node  # None: Ray counts this machine's cores for each node
        self.port = _free_port()
        self.address = f"127.0.0.1:{self.port}"
        self.tmpdir = tempfile.mkdtemp(prefix="lpray-", dir="/tmp" if os.path.isdir("/tmp") else None)
        # what every Ray process of this cluster, and every driver that joins it, needs in its environment
        self.env = {
            "RAY_AUTH_MODE": "token",
            "RAY_AUTH_TOKEN": secrets.token_hex(24),
            "RAY_TMPDIR": self.tmpdir,
            "RAY_memory_monitor_refresh_ms": "0",
            "RAY_USAGE_STATS_ENABLED": "0",
        }
        self.procs: list[subprocess.Popen[bytes]] = []

    def _node_env(self) -> dict[str, str]:
        root = str(Path(__file__).resolve().parents[2])  # this loadpy, importable by the node agents
        path = os.pathsep.join(p for p in (root, os.environ.get("PYTHONPATH", "")) if p)
        env = {k: v for k, v in os.environ.items() if k != "RAY_ADDRESS"}
        return {**env, **self.env, "PYTHONPATH": path}

    def _start_node(self, head: bool) -> None:
        cmd = [sys.executable, "-m", "ray.scripts.scripts", "start", "--block", "--disable-usage-stats"]
        cmd += ["--head", "--port", str(self.port), "--include-dashboard", "false"] if head else []
        cmd += [] if head else ["--address", self.address]
        cmd += ["--node-ip-address", "127.0.0.1", "--temp-dir", self.tmpdir]
        cmd += ["--object-store-memory", str(OBJECT_STORE_BYTES)]
        if self.cpus_per_node is not None:
            cmd += ["--num-cpus", str(self.cpus_per_node)]
        log = open(self._log(len(self.procs) + 1), "wb")  # noqa: SIM115
        with log:
            self.procs.append(
                subprocess.Popen(
                    cmd, stdout=log, stderr=subprocess.STDOUT, env=self._node_env(), start_new_session=True
                )
            )

    def _log(self, number: int) -> Path:
        return Path(self.tmpdir, f"node-{number}.log")

    def _started(self, number: int, deadline: float) -> None:
        """Wait for node `number`'s `ray start` to say the node is up (it then blocks, serving)."""
        while STARTED not in self._log(number).read_bytes():
            if self.procs[number - 1].poll() is not None or time.monotonic() > deadline:
                raise LoadpyError(self._failed(number))
            time.sleep(0.1)

    def start(self) -> str:
        """Start the head, then the other nodes together; returns once every node is up."""
        deadline = time.monotonic() + START_TIMEOUT_S
        try:
            self._start_node(head=True)
            while not _port_open(self.port):  # the other nodes register with the head's GCS
                if self.procs[0].poll() is not None or time.monotonic() > deadline:
                    raise LoadpyError(self._failed(1))
                time.sleep(0.1)
            for _ in range(self.nodes - 1):
                self._start_node(head=False)
            for number in range(1, self.nodes + 1):
                self._started(number, deadline)
        except BaseException:
            self.stop()
            raise
        return self.address

    def _failed(self, number: int) -> str:
        log = self._log(number)
        tail = log.read_text(errors="replace").strip().splitlines()[-3:] if log.exists() else []
        return f"node {number} of a local Ray cluster did not start within {START_TIMEOUT_S:g} s" + (
            f"; its last lines: {' | '.join(tail)}" if tail else ""
        )

    def kill_node(self, number: int) -> None:
        """SIGKILL node `number` (1 = the head) and everything it started: a machine that died (tests)."""
        proc = self.procs[number - 1]
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGKILL)
        proc.wait()

    def stop(self) -> None:
        """End every process this cluster started (its nodes first, then the head), and its files."""
        for proc in reversed(self.procs):
            with contextlib.suppress(ProcessLookupError):
                os.killpg(proc.pid, signal.SIGTERM)
        deadline = time.monotonic() + STOP_TIMEOUT_S
        for proc in reversed(self.procs):
            try:
                proc.wait(max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(proc.pid, signal.SIGKILL)
                proc.wait()
        self._kill_leftovers()
        shutil.rmtree(self.tmpdir, ignore_errors=True)

    def _kill_leftovers(self) -> None:
        """Ray's own daemons name this cluster's temporary directory on their command line, and its idle
        workers (`ray::IDLE`, reparented to init, exiting seconds later) in their environment: end any left."""
        marker = self.tmpdir.encode()
        for entry in Path("/proc").iterdir() if os.path.isdir("/proc") else []:
            if not entry.name.isdigit() or int(entry.name) == os.getpid():
                continue
            with contextlib.suppress(OSError):
                if marker in (entry / "cmdline").read_bytes() or marker in (entry / "environ").read_bytes():
                    os.kill(int(entry.name), signal.SIGKILL)
