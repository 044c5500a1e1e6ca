"""`--workers N` writes what one process writes: --out json/csv with every sample exactly once,
--report, JUnit, with the REST API served. Real coordinator and worker processes against the demo target,
a few seconds each."""

from __future__ import annotations

import csv
import json
import subprocess
import uuid
from collections import Counter
from pathlib import Path
from typing import Any

import pytest

from loadpy.report import load_results
from tests.integration.cli.helpers import loadpy_cmd, run_loadpy, subprocess_env, write_scenario
from tests.integration.cli.test_control_commands import free_port
from tests.integration.workers.test_worker_control import _get, _status_when

pytestmark = pytest.mark.timeout(120)


def _scenario(tmp_path: Path, base: str, path: str, sleep: float = 0.02) -> Path:
    return write_scenario(
        tmp_path,
        f"""
        options:
          scenarios:
            s: {{executor: shared-iterations, vus: 4, iterations: 37}}
          thresholds:
            http_req_duration: ["p(95)<5000"]
        flows:
          default:
            - request: {{url: "{base}{path}"}}
              checks: {{ok: "status == 200"}}
            - sleep: {sleep}
        """,
    )


def _points(path: Path) -> Counter[str]:
    """Point lines per metric of a k6 NDJSON file (every line must parse)."""
    points: Counter[str] = Counter()
    for line in path.read_text().splitlines():
        item = json.loads(line)
        if item["type"] == "Point":
            points[item["metric"]] += 1
    return points


def test_json_csv_report_and_junit_of_two_workers(tmp_path: Path, demo_server: Any) -> None:
    path = f"/items/{uuid.uuid4().hex}"
    scenario = _scenario(tmp_path, demo_server.base_url, path)
    out_json, out_csv = tmp_path / "out.json", tmp_path / "out.csv"
    report, junit = tmp_path / "report.html", tmp_path / "junit.xml"
    out = run_loadpy(
        tmp_path,
        scenario,
        "--workers",
        "2",
        "--out",
        f"json={out_json}",
        "--out",
        f"csv={out_csv}",
        "--out",
        f"junit={junit}",
        "--report",
        str(report),
    )
    assert out.code == 0, out.stderr
    assert out.export is not None
    metrics = out.export["metrics"]
    assert demo_server.stats()["paths"][path] == 37
    points = _points(out_json)
    # every sample exactly once: Points per metric = the summary's counts
    assert points["http_reqs"] == metrics["http_reqs"]["count"] == 37
    assert points["iterations"] == metrics["iterations"]["count"] == 37
    assert points["http_req_duration"] == 37
    assert points["checks"] == metrics["checks"]["passes"] == 37
    assert points["data_received"] == 37
    # vus/vus_max come from the coordinator (sums over the workers), never a worker's own value
    assert all(
        json.loads(line)["data"]["value"] <= 4
        for line in out_json.read_text().splitlines()
        if '"metric":"vus_max"' in line and '"type":"Point"' in line
    )
    with out_csv.open() as f:
        rows = Counter(row["metric_name"] for row in csv.DictReader(f))
    assert rows["http_reqs"] == rows["iterations"] == 37
    html = report.read_text()
    assert html.startswith("<!DOCTYPE html>") or html.lower().startswith("<!doctype html>")
    assert "http_req_duration" in html
    assert "p(95)&lt;5000" in junit.read_text() or "p(95)<5000" in junit.read_text()


def test_json_out_of_a_single_process_has_the_same_lines(tmp_path: Path, demo_server: Any) -> None:
    """The same scenario with 1 and 2 workers: the same Metric lines and Point counts."""
    files = {}
    for workers in ("1", "2"):
        # over a second of load either way: both runs record the VU gauges (their Metric lines)
        scenario = _scenario(tmp_path, demo_server.base_url, f"/items/{uuid.uuid4().hex}", sleep=0.15)
        files[workers] = tmp_path / f"out{workers}.json"
        out = run_loadpy(tmp_path, scenario, "--workers", workers, "--out", f"json={files[workers]}")
        assert out.code == 0, out.stderr
    one, two = _points(files["1"]), _points(files["2"])
    for name in ("http_reqs", "http_req_duration", "iterations", "checks", "data_sent"):
        assert one[name] == two[name] == 37, name

    def metric_lines(p: Path) -> set[str]:
        return {line for line in p.read_text().splitlines() if '"type":"Metric"' in line}

    assert metric_lines(files["2"]) == metric_lines(files["1"])


def test_two_workers_write_every_sample_once_with_report_export_and_rest_api(tmp_path: Path, demo_server: Any) -> None:
    """Issue #16's done-when: `--workers 2` with `--out json`, `--report`, `--summary-export` and the REST
    API at once. Every metric's json Points add up to its summary figure (each sample written exactly
    once), the report holds the same numbers, and the coordinator served /v1/status during the run."""
    path = f"/items/{uuid.uuid4().hex}"
    scenario = write_scenario(
        tmp_path,
        f"""
        options:
          scenarios:
            s: {{executor: constant-vus, vus: 4, duration: 3s}}
          thresholds:
            http_req_duration: ["p(95)<5000"]
        flows:
          default:
            - request: {{url: "{demo_server.base_url}{path}"}}
              checks: {{ok: "status == 200"}}
            - sleep: 0.1
        """,
    )
    address = f"127.0.0.1:{free_port()}"
    out_json, report, export = tmp_path / "out.json", tmp_path / "report.html", tmp_path / "export.json"
    cmd = loadpy_cmd(
        "run", "-q", "-a", address, "--workers", "2", "--summary-trend-stats", "count,avg",
        "--out", f"json={out_json}", "--report", str(report), "--summary-export", str(export), str(scenario),
    )  # fmt: skip
    proc = subprocess.Popen(
        cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True, env=subprocess_env(), cwd=tmp_path
    )
    try:
        running = _status_when(address, proc, lambda s: s["running"] and s["vus"] == 4)
        assert (running["status"], running["vus-max"], running["stopped"]) == (7, 4, False)
        assert "http_reqs" in {m["id"] for m in _get(address, "/v1/metrics")["data"]}
        _, stderr = proc.communicate(timeout=60)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    assert proc.returncode == 0, stderr
    metrics = json.loads(export.read_text())["metrics"]
    requests = demo_server.stats()["paths"][path]
    assert metrics["http_reqs"]["count"] == requests > 0

    points: Counter[str] = Counter()
    sums: Counter[str] = Counter()
    for line in out_json.read_text().splitlines():
        item = json.loads(line)
        if item["type"] == "Point":
            points[item["metric"]] += 1
            sums[item["metric"]] += item["data"]["value"]
    checked = 0
    for name, values in metrics.items():
        if "{" in name or name in ("vus", "vus_max"):  # submetrics are views; the gauges are the coordinator's
            continue
        if "passes" in values:  # a Rate: one Point per sample
            assert points[name] == values["passes"] + values["fails"], name
        elif "avg" in values:  # a Trend
            assert points[name] == values["count"], name
        else:  # a Counter: the Points add up to its count
            assert sums[name] == pytest.approx(values["count"]), name
        checked += 1
    assert checked >= 10 and points["http_reqs"] == points["http_req_duration"] == requests
    assert points["checks"] == metrics["checks"]["passes"] == requests

    data = load_results(report)  # the report's embedded data: the same run
    assert data["metrics"]["http_reqs"]["count"] == requests
    assert [(t["metric"], t["source"], t["ok"]) for t in data["thresholds"]] == [
        ("http_req_duration", "p(95)<5000", True)
    ]
    assert data["thresholds"][0]["observed"] is not None
