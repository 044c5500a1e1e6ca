"""The run header's max duration, compared with k6 v1.1.0's for the same options."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from loadpy.cli.args import run_request
from loadpy.cli.banner import banner
from loadpy.cli.main import build_parser
from loadpy.pipeline.plan import plan_test


@pytest.mark.parametrize(
    ("options", "k6_line"),
    [
        (
            {"vus": 2, "duration": "10s"},
            "(100.00%) 1 scenario, 2 max VUs, 40s max duration (incl. graceful stop):",
        ),
        (  # k6 rounds to 100 ms: 100ms + 1.5s + 250ms prints as 1.9s
            {
                "scenarios": {
                    "a": {
                        "executor": "constant-vus",
                        "vus": 1,
                        "duration": "1500ms",
                        "gracefulStop": "250ms",
                        "startTime": "100ms",
                    }
                }
            },
            "(100.00%) 1 scenario, 1 max VUs, 1.9s max duration (incl. graceful stop):",
        ),
        (
            {
                "scenarios": {
                    "a": {"executor": "constant-vus", "vus": 1, "duration": "10s", "gracefulStop": "50s"},
                    "b": {"executor": "constant-vus", "vus": 1, "duration": "30s", "startTime": "20s"},
                }
            },
            "(100.00%) 2 scenarios, 2 max VUs, 1m20s max duration (incl. graceful stop):",
        ),
        (
            {"scenarios": {"e": {"executor": "externally-controlled", "vus": 1, "maxVUs": 3, "duration": "0s"}}},
            "(100.00%) 1 scenario, 3 max VUs, 0s max duration (incl. graceful stop):",
        ),
    ],
)
def test_max_duration_is_k6s(tmp_path: Path, options: dict[str, object], k6_line: str) -> None:
    path = tmp_path / "s.yaml"
    path.write_text(f"options: {json.dumps(options)}\nflows:\n  default:\n    - sleep: 0.1\n")
    prepared = plan_test(run_request(build_parser().parse_args(["run", str(path)]), {}))
    lines = banner(str(path), prepared.options, None).splitlines()
    assert f"     scenarios: {k6_line}" in lines
