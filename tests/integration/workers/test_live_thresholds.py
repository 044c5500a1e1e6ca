"""Thresholds of `--workers N` while the workers run read the aggregates each delta carries per threshold
(loadpy.metrics.live); at the end, the series. Submetric thresholds (tags, groups, expected_response,
a custom metric) must end exactly as in one process, abortOnFail on a submetric must stop every worker,
and a run stopped before its workers start must end as usual."""

from __future__ import annotations

import textwrap
import time
import uuid
from pathlib import Path
from typing import Any

import pytest

from tests.integration.cli.helpers import run_loadpy

pytestmark = pytest.mark.timeout(180)


def _script(
    tmp_path: Path, base: str, path: str, scenario: str, thresholds: dict[str, Any], setup: str = "return None"
) -> Path:
    script = tmp_path / "script.py"
    script.write_text(
        textwrap.dedent(
            f"""
            metrics = {{"marks": "counter"}}
            options = {{
                "scenarios": {{"s": {scenario}}},
                "thresholds": {thresholds!r},
            }}

            async def setup(vu):
                {setup}

            async def default(vu):
                async with vu.group("g"):
                    await vu.http.get("{base}{path}")
                await vu.http.get("{base}/status/404")
                vu.metrics["marks"].add(2)
            """
        ),
        encoding="utf-8",
    )
    return script


def test_submetric_thresholds_of_two_workers_end_as_in_one_process(tmp_path: Path, demo_server: Any) -> None:
    path = f"/items/{uuid.uuid4().hex}"
    base = demo_server.base_url
    thresholds = {
        f"http_req_duration{{url:{base}{path}}}": ["max<60000", "p(95)<0"],
        f"http_reqs{{url:{base}{path}}}": ["count==12", "count<12"],
        "http_reqs{scenario:s}": ["count==24"],
        "http_reqs{group:::g}": ["count==12", "count>12"],
        "http_req_duration{expected_response:true}": ["max>0"],
        "http_req_failed": ["rate<0.6", "rate<0.4"],
        "marks": ["count==24"],
    }
    scenario = '{"executor": "shared-iterations", "vus": 4, "iterations": 12}'
    script = _script(tmp_path, demo_server.base_url, path, scenario, thresholds)
    (tmp_path / "one").mkdir()
    (tmp_path / "two").mkdir()
    one = run_loadpy(tmp_path / "one", script)
    two = run_loadpy(tmp_path / "two", script, "--workers", "2")
    assert one.code == two.code == 99, (one.stderr, two.stderr)
    assert one.export is not None and two.export is not None
    results = {name: metric.get("thresholds") for name, metric in two.export["metrics"].items()}
    assert results == {name: metric.get("thresholds") for name, metric in one.export["metrics"].items()}
    assert results[f"http_req_duration{{url:{base}{path}}}"] == {"max<60000": False, "p(95)<0": True}
    assert results[f"http_reqs{{url:{base}{path}}}"] == {"count==12": False, "count<12": True}
    assert results["http_reqs{group:::g}"] == {"count==12": False, "count>12": True}
    assert results["marks"] == {"count==24": False}
    assert two.export["metrics"]["http_reqs"]["count"] == 24


def test_abort_on_fail_on_a_submetric_stops_every_worker(tmp_path: Path, demo_server: Any) -> None:
    path = f"/items/{uuid.uuid4().hex}"
    thresholds = {f"http_reqs{{url:{demo_server.base_url}{path}}}": [{"threshold": "count<6", "abortOnFail": True}]}
    scenario = '{"executor": "constant-vus", "vus": 2, "duration": "60s"}'
    started = time.monotonic()
    out = run_loadpy(
        tmp_path, _script(tmp_path, demo_server.base_url, path, scenario, thresholds), "--workers", "2", timeout=60
    )
    assert out.code == 99, out.stderr
    assert time.monotonic() - started < 30
    assert "abortOnFail" in out.stderr
    assert out.export is not None
    assert out.export["metrics"]["http_reqs"]["count"] >= 6


def test_a_failed_setup_with_thresholds_ends_before_the_workers_start(tmp_path: Path, demo_server: Any) -> None:
    path = f"/items/{uuid.uuid4().hex}"
    scenario = '{"executor": "shared-iterations", "vus": 2, "iterations": 4}'
    script = _script(
        tmp_path, demo_server.base_url, path, scenario, {"http_reqs": ["count>0"]}, 'raise ValueError("no setup")'
    )
    out = run_loadpy(tmp_path, script, "--workers", "2")
    assert out.code == 107, out.stderr
    assert "Traceback" not in out.stderr
    assert demo_server.stats()["paths"].get(path) is None  # no worker sent a request
