"""A sleep step is never shorter than asked: iteration_duration's min is at least the sleep, as in k6."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path


def test_iteration_of_a_sleep_is_never_shorter_than_the_sleep(tmp_path: Path) -> None:
    scenario = tmp_path / "sleep.yaml"
    scenario.write_text("options:\n  vus: 2\n  iterations: 40\nflows:\n  default:\n    - sleep: 0.0203\n")
    export = tmp_path / "summary.json"
    done = subprocess.run(
        [sys.executable, "-m", "loadpy", "run", "-q", "--address", "", "--summary-export", str(export), str(scenario)],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    duration = json.loads(export.read_text())["metrics"]["iteration_duration"]
    assert json.loads(export.read_text())["metrics"]["iterations"]["count"] == 40
    assert duration["min"] >= 20.3
