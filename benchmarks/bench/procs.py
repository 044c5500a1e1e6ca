"""Running one measured process: pinned to a CPU, with its own CPU time and peak RSS (wait4)."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path


@dataclass
class Measured:
    code: int
    wall_s: float
    cpu_s: float  # user + system of the process (and its reaped children)
    peak_rss_kb: int
    stdout: str
    stderr: str
    launched: float = 0.0  # perf_counter() just before the process was started


def installed_env(cache: Path, trees: Sequence[Path] = ()) -> dict[str, str]:
    """This process's environment with loadpy's bytecode cached in `cache`, as an installed package has
    it (pip compiles it): without it a run under PYTHONDONTWRITEBYTECODE compiles every module it
    imports again (~0.5 s of CPU for all of loadpy). Each tree's `loadpy` is compiled there now."""
    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    env["PYTHONPYCACHEPREFIX"] = str(cache)
    for tree in trees:
        subprocess.run([sys.executable, "-m", "compileall", "-q", str(tree / "loadpy")], env=env, check=True)
    return env


def pinned(cmd: list[str], cpu: int | None) -> list[str]:
    return cmd if cpu is None else ["taskset", "-c", str(cpu), *cmd]


def run_measured(
    cmd: list[str],
    cpu: int | None,
    timeout: float,
    cwd: Path | None = None,
    env: dict[str, str] | None = None,
    on_start: Callable[[int], None] | None = None,
) -> Measured:
    """Run to completion; CPU and peak RSS come from wait4's rusage of exactly this child.
    `on_start` gets the child's pid as soon as it runs (a marker server watches it)."""
    out_path = Path(os.environ.get("TMPDIR", "/tmp")) / f"bench-{os.getpid()}-{time.monotonic_ns()}"
    with open(f"{out_path}.out", "w+b") as out, open(f"{out_path}.err", "w+b") as err:
        start = time.perf_counter()
        proc = subprocess.Popen(pinned(cmd, cpu), stdout=out, stderr=err, cwd=cwd, env=env)
        if on_start is not None:
            on_start(proc.pid)  # taskset execs the command: the same pid
        deadline = start + timeout
        while True:
            pid, status, usage = os.wait4(proc.pid, os.WNOHANG)
            if pid:
                break
            if time.perf_counter() > deadline:
                proc.kill()
                pid, status, usage = os.wait4(proc.pid, 0)
                break
            time.sleep(0.01)
        wall = time.perf_counter() - start
        proc.returncode = os.waitstatus_to_exitcode(status)
        out.seek(0)
        err.seek(0)
        stdout, stderr = out.read().decode(errors="replace"), err.read().decode(errors="replace")
    for suffix in (".out", ".err"):
        Path(f"{out_path}{suffix}").unlink(missing_ok=True)
    return Measured(proc.returncode, wall, usage.ru_utime + usage.ru_stime, usage.ru_maxrss, stdout, stderr, start)
