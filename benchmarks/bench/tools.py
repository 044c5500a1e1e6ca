"""One runner per tool: writes the tool's script for a workload, runs it pinned, parses its numbers.

Every runner returns a dict of figures (or raises ToolFailed with the tool's own message).
Workloads: closed (N VUs looping GET for D s), requests (N VUs sharing I GET iterations: k6's
shared-iterations, a closed loop of a fixed request count), car (constant-arrival-rate R/s for D s),
latency (the same at R/s, reporting http_req_duration p50/p99), sleepers (N VUs sleeping
S s, one iteration each) and once (one iteration of one VU).
"""

from __future__ import annotations

import csv
import json
import re
import sys
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from bench.marker import MarkerServer
from bench.procs import Measured, installed_env, run_measured


class ToolFailed(RuntimeError):
    pass


class ToolSkipped(ToolFailed):
    """The run was not attempted (it would not fit in memory, or is too long for --quick): why."""


@dataclass
class Workload:
    kind: str  # closed | requests | car | latency | sleepers | once
    url: str
    vus: int = 1
    duration_s: float = 10.0
    rate: int = 0
    sleep_s: float = 0.0
    iterations: int = 0
    # sleepers: VU 1's and the last VU's first iterations ask this server GET /first and /last
    # (bench/marker.py: seconds from the launch to all VUs running, and the CPU spent until then)
    marker: MarkerServer | None = None


def run_timeout(w: Workload) -> float:
    """How long a run may take before it is killed: its own length, start-up, and VU creation
    (k6 needs ~1 ms of CPU per VU, loadpy's JavaScript front end ~5-10 ms); a fixed request count
    at no less than 500 requests/s."""
    return w.duration_s + w.sleep_s + 90 + 0.02 * w.vus + 0.002 * w.iterations


def _check(m: Measured, name: str, ok_codes: tuple[int, ...] = (0,)) -> None:
    if m.code not in ok_codes:
        tail = "\n".join((m.stderr or m.stdout).strip().splitlines()[-6:])
        raise ToolFailed(f"{name} exited with {m.code}: {tail}")


def _common(m: Measured, requests: float) -> dict[str, Any]:
    return {
        "wall_s": round(m.wall_s, 3),
        "cpu_s": round(m.cpu_s, 3),
        "peak_rss_kb": m.peak_rss_kb,
        "cpu_us_per_req": round(m.cpu_s * 1e6 / requests, 2) if requests else None,
    }


TREND_STATS = ("avg", "min", "med", "max", "p(90)", "p(95)", "p(99)")


# -- k6 -------------------------------------------------------------------------------
def _k6_options(w: Workload) -> dict[str, Any]:
    if w.kind == "closed":
        return {"vus": w.vus, "duration": f"{w.duration_s:g}s"}
    if w.kind == "requests":
        return {"vus": w.vus, "iterations": w.iterations}
    if w.kind in ("car", "latency"):
        options: dict[str, Any] = {"summaryTrendStats": list(TREND_STATS)} if w.kind == "latency" else {}
        return options | {
            "scenarios": {
                "car": {
                    "executor": "constant-arrival-rate",
                    "rate": w.rate,
                    "timeUnit": "1s",
                    "duration": f"{w.duration_s:g}s",
                    "preAllocatedVUs": 100,
                    "maxVUs": 1000,
                }
            }
        }
    if w.kind == "sleepers":
        return {"scenarios": {"s": {"executor": "per-vu-iterations", "vus": w.vus, "iterations": 1}}}
    return {"vus": 1, "iterations": 1}


def k6_script(w: Workload) -> str:
    """The k6 script of a workload (run by k6, and by `loadpy run` for the loadpy-js rows)."""
    body = f"sleep({w.sleep_s});" if w.kind == "sleepers" else f"http.get({json.dumps(w.url)});"
    if w.kind == "sleepers" and w.marker is not None:
        first, last = json.dumps(f"{w.marker.url}/first"), json.dumps(f"{w.marker.url}/last")
        body = f"if (__VU === 1) http.get({first}); if (__VU === {w.vus}) http.get({last}); {body}"
    return (
        "import http from 'k6/http';\nimport { sleep } from 'k6';\n"
        f"export const options = {json.dumps(_k6_options(w))};\n"
        f"export default function () {{ {body} }}\n"
    )


def run_k6(
    binary: str, w: Workload, work: Path, cpu: int | None, timeout: float, extra: tuple[str, ...] = ()
) -> dict[str, Any]:
    script = work / "k6.js"
    script.write_text(k6_script(w))
    export = work / "k6-export.json"
    export.unlink(missing_ok=True)
    cmd = [binary, "run", "--address", "", "-q", "--summary-export", str(export), *extra, str(script)]
    m = run_measured(cmd, cpu, timeout, on_start=_marker_watch(w))
    _check(m, "k6")
    return _from_export(json.loads(export.read_text()), m, w)


def _marker_watch(w: Workload) -> Callable[[int], None] | None:
    """What the marker server watches from the launch on: the process about to ask it (its marks reset)."""
    return w.marker.reset if w.marker is not None else None


def _from_export(data: dict[str, Any], m: Measured, w: Workload) -> dict[str, Any]:
    """Figures from a k6-shaped --summary-export (k6's and loadpy's are the same shape)."""
    metrics = data["metrics"]
    reqs = float(metrics.get("http_reqs", {}).get("count", 0))
    out: dict[str, Any] = {"requests": reqs, "rps": round(float(metrics.get("http_reqs", {}).get("rate", 0)), 1)}
    if w.kind == "latency":
        duration = metrics.get("http_req_duration", {})
        out["p50_ms"] = round(float(duration.get("med", 0.0)), 4)
        out["p99_ms"] = round(float(duration.get("p(99)", 0.0)), 4)
    if w.kind in ("car", "latency"):
        iterations = float(metrics.get("iterations", {}).get("count", 0))
        target = w.rate * w.duration_s
        out["achieved_ratio"] = round(iterations / target, 4)
        out["dropped"] = int(metrics.get("dropped_iterations", {}).get("count", 0))
    if w.kind == "sleepers":
        out["kb_per_vu"] = round(m.peak_rss_kb / w.vus, 2)
        if w.marker is not None:
            out.update(w.marker.figures(m.launched))
    out.update(_common(m, reqs))
    return out


# -- loadpy ---------------------------------------------------------------------------
def loadpy_scenario(w: Workload) -> str:
    import yaml

    steps: list[dict[str, Any]] = [{"sleep": w.sleep_s} if w.kind == "sleepers" else {"request": {"url": w.url}}]
    if w.kind == "sleepers" and w.marker is not None:
        steps[:0] = [
            {"if": f"vu == {vu}", "then": [{"request": {"url": f"{w.marker.url}/{name}"}}]}
            for vu, name in ((1, "first"), (w.vus, "last"))
        ]
    return yaml.safe_dump({"options": _k6_options(w), "flows": {"default": steps}}, sort_keys=False)


_ENVS: dict[Path, dict[str, str]] = {}


def loadpy_env(repo: Path) -> dict[str, str]:
    """The environment a loadpy run gets: its bytecode cached as an installed package has it
    (compiled once per tree and benchmark process), so no run pays for compiling loadpy."""
    env = _ENVS.get(repo)
    if env is None:
        env = _ENVS[repo] = installed_env(Path(tempfile.gettempdir()) / "loadpy-bench-pycache", [repo])
    return env


def loadpy_cmd() -> list[str]:
    return [sys.executable, "-m", "loadpy"]


def run_loadpy(
    w: Workload,
    work: Path,
    cpu: int | None,
    timeout: float,
    repo: Path,
    extra: tuple[str, ...] = (),
    js: bool = False,
) -> dict[str, Any]:
    """`loadpy run` of the workload as a scenario YAML, or (js=True) of the k6 script k6 runs."""
    scenario = work / ("script.js" if js else "scenario.yaml")
    scenario.write_text(k6_script(w) if js else loadpy_scenario(w))
    export = work / "loadpy-export.json"
    export.unlink(missing_ok=True)
    # the arrival-rate start lateness hook (see loadpy/executors/lateness.py); not a k6 metric
    lateness = work / "loadpy-lateness.jsonl"
    lateness.unlink(missing_ok=True)
    env = loadpy_env(repo)
    if w.kind in ("car", "latency"):
        env = dict(env, LOADPY_DEBUG_LATENCY_FILE=str(lateness))
    m = run_measured(
        [*loadpy_cmd(), "run", "-q", "--address", "", "--summary-export", str(export), *extra, str(scenario)],
        cpu,
        timeout,
        cwd=repo,
        env=env,
        on_start=_marker_watch(w),
    )
    _check(m, "loadpy")
    if not export.exists():
        raise ToolFailed("loadpy wrote no --summary-export file")
    out = _from_export(json.loads(export.read_text()), m, w)
    if w.kind in ("car", "latency"):
        out.update(_lateness(lateness))
    return out


def _lateness(path: Path) -> dict[str, Any]:
    """p50/p99 start lateness (ms) from the hook's JSON lines (the worst line when several); with
    several lines (`--workers N`) also each worker's started / dropped / p50 / p99."""
    if not path.exists():
        return {}
    lines = [json.loads(line) for line in path.read_text().splitlines() if line.strip()]
    if not lines:
        return {}
    out: dict[str, Any] = {
        "late_p50_ms": max(float(line["p50_ms"]) for line in lines),
        "late_p99_ms": max(float(line["p99_ms"]) for line in lines),
    }
    if len(lines) > 1:
        keys = ("started", "dropped", "p50_ms", "p99_ms")
        out["per_worker"] = [{k: line.get(k) for k in keys} for line in lines]
    return out


# -- the latency floor (figure 4) ----------------------------------------------------
def run_floor(w: Workload, work: Path, cpu: int | None, timeout: float) -> dict[str, Any]:
    """bench/latency_floor.py: a blocking-socket client at the same rate, nothing else in the way."""
    script = Path(__file__).resolve().parent / "latency_floor.py"
    cmd = [sys.executable, str(script), w.url, "--rate", str(w.rate), "--duration", f"{w.duration_s:g}"]
    m = run_measured(cmd, cpu, timeout)
    _check(m, "latency floor")
    out: dict[str, Any] = json.loads(m.stdout.strip().splitlines()[-1])
    out.update(_common(m, out["requests"]))
    return out


# -- wrk ------------------------------------------------------------------------------
def run_wrk(binary: str, w: Workload, work: Path, cpu: int | None, timeout: float) -> dict[str, Any]:
    m = run_measured([binary, "-t1", f"-c{w.vus}", f"-d{w.duration_s:g}s", w.url], cpu, timeout)
    _check(m, "wrk")
    total = re.search(r"(\d+) requests in", m.stdout)
    rps = re.search(r"Requests/sec:\s+([\d.]+)", m.stdout)
    errors = re.search(r"Non-2xx or 3xx responses: (\d+)|Socket errors: (.*)", m.stdout)
    if not total or not rps:
        raise ToolFailed(f"cannot parse wrk output: {m.stdout[-300:]}")
    reqs = float(total.group(1))
    out: dict[str, Any] = {"requests": reqs, "rps": round(float(rps.group(1)), 1)}
    if errors:
        out["errors"] = errors.group(0)
    out.update(_common(m, reqs))
    return out


# -- Locust ---------------------------------------------------------------------------
LOCUSTFILE = """\
from locust import FastHttpUser, constant, task


class Bench(FastHttpUser):
    wait_time = constant(0)

    @task
    def get(self):
        self.client.get("/")
"""


def run_locust(binary: str, w: Workload, work: Path, cpu: int | None, timeout: float) -> dict[str, Any]:
    (work / "locustfile.py").write_text(LOCUSTFILE)
    prefix = work / "locust"
    m = run_measured(
        [
            binary, "-f", str(work / "locustfile.py"), "--headless", "-u", str(w.vus), "-r", str(w.vus),
            "-t", f"{w.duration_s:g}s", "-H", w.url.rstrip("/"), "--csv", str(prefix), "--only-summary",
            "--loglevel", "ERROR", "--stop-timeout", "1",
        ],
        cpu,
        timeout,
    )  # fmt: skip
    _check(m, "locust", ok_codes=(0, 1))
    with open(f"{prefix}_stats.csv", newline="") as fh:
        rows = {row["Name"]: row for row in csv.DictReader(fh)}
    agg = rows.get("Aggregated")
    if agg is None:
        raise ToolFailed("locust wrote no Aggregated row")
    reqs = float(agg["Request Count"])
    out: dict[str, Any] = {
        "requests": reqs,
        "rps": round(float(agg["Requests/s"]), 1),
        "failures": int(agg["Failure Count"]),
    }
    out.update(_common(m, reqs))
    return out
