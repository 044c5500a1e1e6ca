"""`EXECUTORS`: k6's seven executor names, each module imported when a scenario names it."""

from __future__ import annotations

import json
import subprocess
import sys

from loadpy.executors import EXECUTORS, parse_scenario

K6_EXECUTORS = [
    "shared-iterations",
    "per-vu-iterations",
    "constant-vus",
    "ramping-vus",
    "constant-arrival-rate",
    "ramping-arrival-rate",
    "externally-controlled",
]


def test_every_k6_executor_name_finds_its_own_config_class() -> None:
    assert list(EXECUTORS) == K6_EXECUTORS and len(EXECUTORS) == 7
    for name in K6_EXECUTORS:
        assert EXECUTORS[name].executor == name
    assert EXECUTORS.get("constant-vu") is None and "x" not in EXECUTORS


def test_a_scenario_imports_its_executor_only() -> None:
    probe = (
        "import json, sys\n"
        "from loadpy.executors import parse_scenario\n"
        "parse_scenario('s', {'executor': 'constant-vus', 'vus': 1, 'duration': '1s'})\n"
        "print(json.dumps(sorted(m for m in sys.modules if m.startswith('loadpy.executors.'))))\n"
    )
    out = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True).stdout
    assert json.loads(out) == ["loadpy.executors.base", "loadpy.executors.constant_vus"]
    assert parse_scenario("s", {"executor": "constant-vus", "vus": 1, "duration": "1s"}).executor == "constant-vus"
