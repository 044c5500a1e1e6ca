"""The CI-sized soak: benchmarks/soak.py itself, shortened to 20 s at 200 iterations/s.

Memory must be flat after warm-up: the last third's peak RSS within 10 MB of the first third's."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from tests.integration.cli.helpers import REPO_ROOT, subprocess_env


@pytest.mark.slow
def test_a_20s_constant_arrival_rate_soak_has_flat_memory(tmp_path: Path) -> None:
    result_file = tmp_path / "soak.json"
    proc = subprocess.run(
        [sys.executable, str(REPO_ROOT / "benchmarks" / "soak.py"), "--duration", "20s", "--rate", "200",
         "--tolerance-mb", "10", "--json", str(result_file)],
        capture_output=True, text=True, timeout=90, env=subprocess_env(), cwd=tmp_path,
    )  # fmt: skip
    result = json.loads(result_file.read_text())
    assert result["exit_code"] == 0, result["stderr_tail"]
    assert "Traceback" not in result["stderr_tail"]
    assert result["samples"] >= 15
    assert result["flat"], result
    assert proc.returncode == 0, proc.stdout
    assert result["http_req_failed"] == 0
    # 4000 scheduled (+1 at t=0): whatever was not sent is accounted for as dropped
    assert result["http_reqs"] + result["dropped_iterations"] in (4000, 4001)
    assert result["http_reqs"] >= 3600
