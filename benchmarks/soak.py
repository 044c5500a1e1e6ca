"""Soak: a constant arrival rate for a long time, sampling loadpy's resident memory every second.

    python benchmarks/soak.py                          # the real soak: 30 minutes at 200 req/s
    python benchmarks/soak.py --duration 30s --vus 20 --json soak.json   # closed loop, as fast as it goes

The target is loadpy's demo server in its own process; loadpy runs `constant-arrival-rate` (or, with
--vus, `constant-vus`: the closed loop that sends the most requests) against `GET /` with
`--address ""`. VmRSS of the loadpy process is read from /proc every second.
Verdict: after a warm-up (the first 15 % of the samples, at least 3 s), the maximum RSS of the last
third must stay within --tolerance-mb of the maximum of the first third. Exit 0 if flat, 1 if not.
`mb_per_million_requests`: the least-squares RSS slope of the steady samples over the request rate.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import textwrap
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from loadpy.base.durations import parse_duration  # noqa: E402
from loadpy.demo.server import demo_subprocess  # noqa: E402


def rss_mb(pid: int) -> float | None:
    try:
        with open(f"/proc/{pid}/status") as handle:
            for line in handle:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1]) / 1024
    except OSError:
        return None
    return None


def verdict(samples: list[float], tolerance_mb: float, requests: float, duration_s: float) -> dict[str, Any]:
    warm = max(3, len(samples) * 15 // 100)
    steady = samples[warm:]
    third = max(1, len(steady) // 3)
    first, last = max(steady[:third]), max(steady[-third:])
    # growth rate: least-squares slope of the steady samples (one a second) over the request rate
    slope_mb_s = statistics.linear_regression(range(len(steady)), steady).slope if len(steady) > 1 else 0.0
    per_s = requests / duration_s if duration_s else 0.0
    return {
        "samples": len(samples),
        "warmup_samples": warm,
        "first_third_max_mb": round(first, 2),
        "last_third_max_mb": round(last, 2),
        "growth_mb": round(last - first, 2),
        "mb_per_million_requests": round(slope_mb_s / per_s * 1e6, 2) if per_s else None,
        "tolerance_mb": tolerance_mb,
        "flat": last - first <= tolerance_mb,
    }


def _executor(duration_s: float, rate: int, vus: int) -> str:
    if vus:
        return f"{{executor: constant-vus, vus: {vus}, duration: {duration_s}s}}"
    return (
        f"{{executor: constant-arrival-rate, rate: {rate}, timeUnit: 1s, duration: {duration_s}s, "
        "preAllocatedVUs: 20, maxVUs: 100}"
    )


def soak(duration_s: float, rate: int, tolerance_mb: float, workdir: Path, vus: int = 0) -> dict[str, Any]:
    with demo_subprocess() as base_url:
        scenario = workdir / "soak.yaml"
        scenario.write_text(
            textwrap.dedent(
                f"""
                options:
                  scenarios:
                    soak: {_executor(duration_s, rate, vus)}
                flows:
                  default:
                    - request: {{url: "{base_url}/"}}
                """
            ),
            encoding="utf-8",
        )
        export = workdir / "export.json"
        env = {**os.environ, "PYTHONPATH": os.pathsep.join(p for p in (str(ROOT), os.environ.get("PYTHONPATH")) if p)}
        cmd = [sys.executable, "-m", "loadpy", "run", "-q", "--address", "", "--summary-export", str(export)]
        proc = subprocess.Popen([*cmd, str(scenario)], env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        samples: list[float] = []
        started = time.monotonic()
        try:
            while proc.poll() is None:
                value = rss_mb(proc.pid)
                # only while the load runs: the summary at the end is not part of the steady state
                if value and time.monotonic() - started <= duration_s:
                    samples.append(value)
                time.sleep(1.0)
            stderr = proc.stderr.read().decode() if proc.stderr else ""
        finally:
            if proc.poll() is None:
                proc.kill()
            proc.wait()
        metrics = json.loads(export.read_text())["metrics"] if export.exists() else {}
    http_reqs = metrics.get("http_reqs", {}).get("count")
    result: dict[str, Any] = {"flat": False, "samples": len(samples)}
    if len(samples) >= 6:
        result = verdict(samples, tolerance_mb, http_reqs or 0, duration_s)
    result.update(
        exit_code=proc.returncode,
        duration_s=duration_s,
        rate=rate,
        vus=vus,
        http_reqs=http_reqs,
        dropped_iterations=metrics.get("dropped_iterations", {}).get("count", 0),
        http_req_failed=metrics.get("http_req_failed", {}).get("value"),
        rss_mb=[round(s, 2) for s in samples],
        stderr_tail=stderr[-2000:],
    )
    return result


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--duration", default="30m", help="how long to run (default 30m)")
    parser.add_argument("--rate", type=int, default=200, help="iterations per second (default 200)")
    parser.add_argument("--vus", type=int, default=0, help="closed loop (constant-vus) with this many VUs instead")
    parser.add_argument("--tolerance-mb", type=float, default=10.0)
    parser.add_argument("--json", help="also write the result (with every RSS sample) to this file")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="loadpy-soak-") as tmp:
        result = soak(parse_duration(args.duration), args.rate, args.tolerance_mb, Path(tmp), args.vus)
    if args.json:
        Path(args.json).write_text(json.dumps(result, indent=2) + "\n", encoding="utf-8")
    shown = {k: v for k, v in result.items() if k not in ("rss_mb", "stderr_tail")}
    print(json.dumps(shown, indent=2))
    return 0 if result["flat"] and result["exit_code"] == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
