"""The final progress line of a scenario cut by its maxDuration, next to the real k6 v1.1.0.

k6 (trackProgress) draws ✗ and leaves the bar where the work stopped when a scenario ends short of
its work: shared-iterations cut by maxDuration shows `✗ [  19% ] 2 VUs  1.0s/1s  019/100 shared
iters`. per-vu-iterations reports its progress as 1 once maxDuration has passed, so k6 draws ✓
there. (The count itself races in k6: it includes interrupted iterations that returned before the
final snapshot, so counts are compared with each tool's own percentage, not with each other.)
"""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

import pytest

from tests.integration.cli.helpers import loadpy_cmd, subprocess_env, write_scenario

pytestmark = [pytest.mark.k6, pytest.mark.timeout(120)]

LINE = re.compile(r"^main (.) \[ *(\d+)% \] 2 VUs  (\S+)  (\d+)/(\d+) (.*)$")


def _final_line(output: str) -> re.Match[str]:
    lines = [m for line in output.splitlines() if (m := LINE.match(line))]
    assert lines, output
    return lines[-1]


@pytest.mark.parametrize(("executor", "mark"), [("shared-iterations", "✗"), ("per-vu-iterations", "✓")])
def test_a_scenario_cut_by_max_duration_is_marked_as_k6_marks_it(tmp_path: Path, executor: str, mark: str) -> None:
    scenario = f"{{executor: {executor}, vus: 2, iterations: 100, maxDuration: 1s, gracefulStop: 0s}}"
    write_scenario(tmp_path, f"options:\n  scenarios:\n    main: {scenario}\nflows:\n  default:\n    - sleep: 0.1\n")
    (tmp_path / "script.js").write_text(
        "import { sleep } from 'k6';\n"
        f"export const options = {{ scenarios: {{ main: {{ executor: '{executor}', vus: 2, iterations: 100,"
        " maxDuration: '1s', gracefulStop: '0s' } } };\n"
        "export default function () { sleep(0.1); }\n"
    )
    env = subprocess_env()
    ours = subprocess.run(
        [*loadpy_cmd("run", "--address", "", "scenario.yaml")], cwd=tmp_path, env=env, capture_output=True, text=True
    )
    k6 = subprocess.run(
        ["k6", "run", "--address", "", "script.js"], cwd=tmp_path, env=env, capture_output=True, text=True, timeout=60
    )
    assert ours.returncode == k6.returncode == 0, ours.stderr
    theirs, mine = _final_line(k6.stdout + k6.stderr), _final_line(ours.stdout + ours.stderr)
    assert theirs.group(1) == mine.group(1) == mark
    assert mine.group(6) == theirs.group(6)  # "shared iters" / "iters, 100 per VU"
    for line in (theirs, mine):
        done, total = int(line.group(4)), int(line.group(5))
        assert 5 <= done < 40, line.group(0)  # ~10 iterations a second per VU, cut at 1 s
        expected = 100 if mark == "✓" else done * 100 // total
        assert int(line.group(2)) == expected, line.group(0)
    if mark == "✗":
        assert mine.group(3) == theirs.group(3) == "1.0s/1s"
