"""`loadpy.run()` in this process and the pytest plugin's `loadpy` fixture: the result a harness asserts on."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

import loadpy
from loadpy.demo import DemoServer
from loadpy.pytest_plugin import LoadpyRunner


def scenario(base_url: str, threshold: str) -> dict[str, Any]:
    return {
        "options": {"vus": 2, "iterations": 6, "thresholds": {"http_req_duration": [threshold]}},
        "flows": {
            "default": [
                {"request": {"url": f"{base_url}/"}, "checks": {"status is 200": "status == 200"}},
                {"group": "g", "steps": [{"request": {"url": f"{base_url}/status/404"}}]},
            ]
        },
    }


def test_run_returns_counts_checks_and_threshold_verdicts(demo_server: DemoServer) -> None:
    passed = loadpy.run(scenario(demo_server.base_url, "p(95)<10000"))
    assert passed.exit_code == 0 and passed.ok and passed.thresholds_ok
    assert passed.metrics["http_reqs"]["count"] == 12
    assert passed.metrics["iterations"]["count"] == 6
    assert passed.metrics["http_req_failed"]["value"] == 0.5
    assert passed.checks == {"::status is 200": {"passes": 6, "fails": 0}}

    failed = loadpy.run(scenario(demo_server.base_url, "p(95)<0"))
    assert failed.exit_code == 99 and not failed.thresholds_ok
    assert failed.failed_thresholds == ["http_req_duration: p(95)<0"]


def test_flags_are_the_command_line_flags(demo_server: DemoServer, tmp_path: Path) -> None:
    export = tmp_path / "export.json"
    result = loadpy.run(
        scenario(demo_server.base_url, "p(95)<10000"), iterations=2, tag={"team": "a"}, summary_export=export
    )
    assert result.metrics["iterations"]["count"] == 2
    assert export.exists()  # the user's export path is kept
    with pytest.raises(TypeError, match="unknown flag 'iteration' \\(did you mean 'iterations'\\?\\)"):
        loadpy.run(scenario(demo_server.base_url, "p(95)<1"), iteration=2)


def test_bad_scenario_is_exit_104_not_an_exception(tmp_path: Path) -> None:
    result = loadpy.run({"options": {"vus": "many"}, "flows": {"default": []}})
    assert result.exit_code == 104 and result.export == {}


def test_fixture_keeps_each_export(loadpy: LoadpyRunner, demo_server: DemoServer) -> None:
    first = loadpy.run(scenario(demo_server.base_url, "p(95)<10000"))
    loadpy.run(scenario(demo_server.base_url, "p(95)<10000"), iterations=2)
    assert first.thresholds_ok
    assert sorted(p.name for p in loadpy.directory.glob("summary-*.json")) == ["summary-1.json", "summary-2.json"]
    assert [r.metrics["iterations"]["count"] for r in loadpy.results] == [6, 2]
