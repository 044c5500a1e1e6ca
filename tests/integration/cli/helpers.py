"""Run the real `loadpy` command in a subprocess, the way a user or CI job does."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any


@dataclass
class RunOutcome:
    code: int
    stdout: str
    stderr: str
    export: dict[str, Any] | None


def write_scenario(tmp_path: Path, text: str, name: str = "scenario.yaml") -> Path:
    path = tmp_path / name
    path.write_text(textwrap.dedent(text).lstrip(), encoding="utf-8")
    return path


REPO_ROOT = Path(__file__).resolve().parents[3]


def loadpy_cmd(*args: str) -> list[str]:
    return [sys.executable, "-m", "loadpy", *args]


def subprocess_env(extra: dict[str, str] | None = None) -> dict[str, str]:
    """The environment for a loadpy subprocess: this checkout first on the path, whatever the cwd."""
    path = os.pathsep.join(p for p in (str(REPO_ROOT), os.environ.get("PYTHONPATH", "")) if p)
    return {**os.environ, "PYTHONPATH": path, **(extra or {})}


def run_loadpy(
    tmp_path: Path, scenario: Path, *args: str, timeout: float = 60, env: dict[str, str] | None = None
) -> RunOutcome:
    export = tmp_path / "export.json"
    if export.exists():
        export.unlink()
    cmd = loadpy_cmd("run", "-q", "--address", "", "--summary-export", str(export), *args, str(scenario))
    proc = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout, env=subprocess_env(env), cwd=tmp_path)
    data = json.loads(export.read_text()) if export.exists() else None
    return RunOutcome(proc.returncode, proc.stdout, proc.stderr, data)


def metric(export: dict[str, Any], name: str, key: str) -> float:
    return export["metrics"][name][key]


def wait_until(condition: Callable[[], bool], what: str, timeout: float = 30.0) -> None:
    """Poll `condition` instead of sleeping a fixed time: a loaded machine may start a process late."""
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, f"{what}: not after {timeout} s"
        time.sleep(0.05)
