"""Every bundled HTTP scenario runs out of the box against the demo target (README's first command),
passes its thresholds and fails no check. (graphql/subscriptions: test_realtime_scenarios.py.)"""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.integration.cli.helpers import REPO_ROOT, metric, run_loadpy


@pytest.mark.slow
@pytest.mark.parametrize("name", ["load", "smoke", "arrival"])
def test_bundled_scenario_passes_against_the_demo_target(tmp_path: Path, name: str) -> None:
    out = run_loadpy(tmp_path, REPO_ROOT / "scenarios" / f"{name}.yaml", "--demo", timeout=120)
    assert out.code == 0, out.stderr
    assert "Traceback" not in out.stderr
    assert out.export is not None
    assert metric(out.export, "http_reqs", "count") > 0
    assert metric(out.export, "checks", "fails") == 0
    assert metric(out.export, "http_req_failed", "passes") == 0
    for name_, values in out.export["metrics"].items():
        for source, failed in values.get("thresholds", {}).items():
            assert failed is False, f"{name_}: {source}"
