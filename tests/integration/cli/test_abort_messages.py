"""What the user sees when a threshold with abortOnFail stops the run, against k6 v1.1.0's output for the
same test (a counter with `count<2` and abortOnFail, plus a crossed `iteration_duration: max<0`):

    stderr: time="…" level=error msg="thresholds on metrics 'iteration_duration, my_count' were crossed;
            at least one has abortOnFail enabled, stopping test prematurely"      (one line, nothing else)
    stdout, after the summary: `default ✗ [  20% ] 1 VUs  02.0s/10s`; exit 99."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

import pytest

from tests.integration.cli.helpers import loadpy_cmd, subprocess_env, write_scenario

K6_LINE = (
    "level=error msg=\"thresholds on metrics 'iteration_duration, my_count' were crossed; at least one has "
    'abortOnFail enabled, stopping test prematurely"'
)


@pytest.mark.slow
def test_abort_on_fail_logs_one_line_as_k6(tmp_path: Path) -> None:
    scenario = write_scenario(
        tmp_path,
        """
        options:
          vus: 1
          duration: 10s
          thresholds:
            my_count: [{threshold: "count<2", abortOnFail: true}]
            iteration_duration: ["max<0"]
        metrics:
          my_count: counter
        flows:
          default:
            - metric: {name: my_count, value: 1}
            - sleep: 0.3
        """,
    )
    proc = subprocess.run(
        loadpy_cmd("run", "--address", "", str(scenario)),
        capture_output=True,
        text=True,
        timeout=60,
        cwd=tmp_path,
        env=subprocess_env(),
    )
    assert proc.returncode == 99, proc.stderr
    assert [re.sub(r'^time="[^"]+" ', "", line) for line in proc.stderr.splitlines()] == [K6_LINE]
    final = proc.stdout.rpartition("\n\n\n\n\nrunning (")[2]
    assert re.fullmatch(
        r"0\d\.\ds\), 0/1 VUs, \d+ complete and \d+ interrupted iterations\n"
        r"default ✗ \[ +\d+% \] 1 VUs  0\d\.\ds/10s\n",
        final,
    ), final
