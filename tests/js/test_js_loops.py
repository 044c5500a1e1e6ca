"""A VU stuck in a CPU loop: the bundler puts a guard at the top of every loop body (bundle.py
LOOP_GUARD) that lets the other VUs of the process run and interrupts the loop at the hard stop,
as k6 does. Line numbers are kept: errors point at the same lines as k6's."""

from __future__ import annotations

import os
import re
import subprocess
import sys
import textwrap
import time
from pathlib import Path

from loadpy.js.bundle import LOOP_GUARD, Bundler
from tests.unit.k6lib.oracle import k6_binary

REPO = Path(__file__).resolve().parents[2]


def run(command: list[str], script: Path, *extra: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [*command, "run", "--address", "", "--log-format", "raw", *extra, str(script)],
        capture_output=True,
        text=True,
        timeout=120,
        env={**os.environ, "PYTHONPATH": str(REPO)},
        cwd=script.parent,
    )


def write(tmp_path: Path, source: str) -> Path:
    script = tmp_path / "script.js"
    script.write_text(textwrap.dedent(source).lstrip(), encoding="utf-8")
    return script


def test_every_loop_body_gets_the_guard_on_its_own_line(tmp_path: Path) -> None:
    script = write(
        tmp_path,
        """
        for (let i = 0; i < 3; i++)
          f(i)
        while (x) { y() }
        do z(); while (false)
        for (const k in o) for (const v of k) g(v);
        """,
    )
    bundler = Bundler(set())
    code = bundler.units[bundler.add_file(str(script))].code
    lines = code.splitlines()
    assert lines[1] == "  {" + LOOP_GUARD + "f(i)}"
    assert lines[2] == "while (x) {" + LOOP_GUARD + " y() }"
    assert lines[3] == "do {" + LOOP_GUARD + "z();} while (false)"
    assert lines[4] == "for (const k in o) {" + LOOP_GUARD + "for (const v of k) {" + LOOP_GUARD + "g(v);}}"
    assert len(lines) == len(script.read_text().splitlines())


def test_errors_after_loops_keep_k6s_line_numbers(tmp_path: Path) -> None:
    script = write(
        tmp_path,
        """
        export default function () {
          for (let i = 0; i < 3; i++)
            console.log('x', i)
          let j = 0;
          while (j < 1) j++
          do { j++ } while (j < 3)
          for (const k in {a: 1}) { if (k) continue; }
          outer: for (const v of [1, 2]) for (const w of [3]) { if (v) continue outer; }
          throw new Error('line 9');
        }
        """,
    )
    no_columns = re.compile(r":(\d+):\d+\(\d+\)\)$")

    def logged(command: list[str]) -> list[str]:
        proc = run(command, script, "-q", "--no-summary", "--iterations", "1")
        return [no_columns.sub(r":\1)", line) for line in proc.stderr.splitlines() if line]

    expected = logged([k6_binary()])
    assert logged([sys.executable, "-m", "loadpy"]) == expected
    assert expected[-1] == f"\tat default (file://{script}:9)"


def test_a_busy_vu_lets_the_others_run_and_is_interrupted_at_the_hard_stop(tmp_path: Path) -> None:
    script = write(
        tmp_path,
        """
        export const options = {
          scenarios: { spin: { executor: 'constant-vus', vus: 2, duration: '2s', gracefulStop: '1s' } },
        };
        let caught = 0;
        export default function () {
          if (__VU === 1) {
            // a catch inside the loop does not keep it going: the guard throws at every pass
            while (true) { try { while (true) {} } catch (e) { caught++; } }
          }
          for (let i = 0; i < 10; i++) caught += 0;
        }
        """,
    )
    started = time.monotonic()
    proc = run([sys.executable, "-m", "loadpy"], script)
    took = time.monotonic() - started
    assert proc.returncode == 0, proc.stderr
    final = re.findall(r"(\d+) complete and (\d+) interrupted iterations", proc.stdout)[-1]
    # the other VU ran all along (thousands of iterations, not 0), the busy one was interrupted
    assert int(final[0]) > 500 and final[1] == "1"
    assert took < 20  # 3 s of test; the rest is the start of a Python process on a shared machine
    expected = run([k6_binary()], script)
    assert re.findall(r"complete and (\d+) interrupted iterations", expected.stdout)[-1] == "1"
