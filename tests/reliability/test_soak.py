"""The CI-sized soak: benchmarks/soak.py itself, shortened to a 30 s closed loop (20 VUs, no sleep).

That is a few hundred thousand requests on this machine: enough for per-request growth to show.
Before trend values were folded while running, RSS grew 54-63 MB per million requests (8 bytes per
trend sample); folded once a second it measures 5-15 MB per million over 30 s, most of it histogram
buckets still appearing (bounded: at most 1024 per octave of values per series)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from tests.integration.cli.helpers import REPO_ROOT, subprocess_env

DURATION_S = 30
MIN_REQUESTS = 100_000  # below this the slope is too noisy to tell 60 MB/M from flat
MAX_MB_PER_MILLION = 30.0  # halfway between folded (5-15) and not folded (54-63)


@pytest.mark.slow
def test_a_30s_closed_loop_soak_has_flat_memory(tmp_path: Path) -> None:
    result_file = tmp_path / "soak.json"
    proc = subprocess.run(
        [sys.executable, str(REPO_ROOT / "benchmarks" / "soak.py"), "--duration", f"{DURATION_S}s", "--vus", "20",
         "--tolerance-mb", "3", "--json", str(result_file)],
        capture_output=True, text=True, timeout=DURATION_S + 30, env=subprocess_env(), cwd=tmp_path,
    )  # fmt: skip
    result = json.loads(result_file.read_text())
    assert result["exit_code"] == 0, result["stderr_tail"]
    assert "Traceback" not in result["stderr_tail"]
    assert result["http_req_failed"] == 0
    assert result["http_reqs"] >= MIN_REQUESTS, result
    assert result["samples"] >= DURATION_S - 3, result
    assert result["mb_per_million_requests"] <= MAX_MB_PER_MILLION, result
    assert result["flat"], result  # the last third's peak within 3 MB of the first third's
    assert proc.returncode == 0, proc.stdout
