"""`--workers N` writes what one process writes: --out json/csv with every sample exactly once,
--report, JUnit. Real coordinator and worker processes against the demo target, a few seconds each."""

from __future__ import annotations

import csv
import json
import uuid
from collections import Counter
from pathlib import Path
from typing import Any

import pytest

from tests.integration.cli.helpers import run_loadpy, write_scenario

pytestmark = pytest.mark.timeout(120)


def _scenario(tmp_path: Path, base: str, path: str) -> Path:
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
            - sleep: 0.02
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
        scenario = _scenario(tmp_path, demo_server.base_url, f"/items/{uuid.uuid4().hex}")
        files[workers] = tmp_path / f"out{workers}.json"
        out = run_loadpy(tmp_path, scenario, "--workers", workers, "--out", f"json={files[workers]}")
        assert out.code == 0, out.stderr
    one, two = _points(files["1"]), _points(files["2"])
    for name in ("http_reqs", "http_req_duration", "iterations", "checks", "data_sent"):
        assert one[name] == two[name] == 37, name

    def metric_lines(p: Path) -> set[str]:
        return {line for line in p.read_text().splitlines() if '"type":"Metric"' in line}

    assert metric_lines(files["2"]) == metric_lines(files["1"])
