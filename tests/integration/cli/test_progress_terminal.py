"""The live progress in a real terminal (a tmux pane 60, 80 and 120 columns wide), next to the real
k6 v1.1.0 in a pane of the same width running the same scenarios: the same final block, to the
character, and bars that fit the pane while the test runs."""

from __future__ import annotations

import re
import shlex
import shutil
import subprocess
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from loadpy.demo import DemoServer
from tests.integration.cli.helpers import loadpy_cmd, subprocess_env, write_scenario

pytestmark = pytest.mark.slow

NAMES = ("a_long_scenario_name", "rate")
YAML = """
options:
  scenarios:
    a_long_scenario_name: {executor: constant-vus, vus: 2, duration: 2s}
    rate: {executor: constant-arrival-rate, rate: 5, timeUnit: 1s, duration: 2s, preAllocatedVUs: 2, maxVUs: 4}
flows:
  default:
    - request: {url: "BASE/"}
    - sleep: 0.1
"""
K6_SCRIPT = """
import http from 'k6/http';
import { sleep } from 'k6';
export const options = { scenarios: {
  a_long_scenario_name: { executor: 'constant-vus', vus: 2, duration: '2s' },
  rate: { executor: 'constant-arrival-rate', rate: 5, timeUnit: '1s', duration: '2s', preAllocatedVUs: 2, maxVUs: 4 },
} };
export default function () { http.get('BASE/'); sleep(0.1); }
"""
DONE = "__PANE_DONE__"


@pytest.fixture(scope="module")
def tmux() -> Iterator[str]:
    path = shutil.which("tmux")
    if path is None:
        pytest.fail("tmux is not installed (apt-get install -y tmux): this test needs a real terminal")
    yield path


def run_in_pane(tmux: str, width: int, command: list[str], cwd: Path, env: dict[str, str]) -> list[list[str]]:
    """Run `command` in a detached pane `width` columns wide; the pane's rows every 0.2 s until the
    command ends (at most 60 s). Rows, not joined lines: tmux keeps a row's "wrapped" flag after k6
    redraws it shorter, so joining would glue two of k6's lines together."""
    session = f"loadpy-progress-{uuid.uuid4().hex[:8]}"
    shell = f"cd {shlex.quote(str(cwd))} && {shlex.join(command)}; echo {DONE}; sleep 60"
    subprocess.run([tmux, "new-session", "-d", "-s", session, "-x", str(width), "-y", "50", shell], env=env, check=True)
    frames: list[list[str]] = []
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            time.sleep(0.2)
            pane = subprocess.run(
                [tmux, "capture-pane", "-p", "-t", session], capture_output=True, text=True, check=True
            ).stdout
            frames.append([line.rstrip() for line in pane.splitlines()])
            if DONE in pane:
                return frames
        pytest.fail(f"{command[0]} did not finish in 60 s in the pane")
    finally:
        subprocess.run([tmux, "kill-session", "-t", session], check=False)
    return frames


def final_block(frames: list[list[str]]) -> list[str]:
    """The scenario lines of the last block in the pane (the one printed at the end)."""
    last = frames[-1]
    return [next(line for line in reversed(last) if line.startswith(name + " ")) for name in NAMES]


@pytest.mark.parametrize("width", [60, 80, 120])
def test_progress_in_a_terminal_as_k6s(tmp_path: Path, tmux: str, demo_server: DemoServer, width: int) -> None:
    k6 = shutil.which("k6")
    if k6 is None:
        pytest.fail("the real k6 binary is not on PATH: this test compares against it")
    scenario = write_scenario(tmp_path, YAML.replace("BASE", demo_server.base_url))
    script = tmp_path / "script.js"
    script.write_text(K6_SCRIPT.replace("BASE", demo_server.base_url), encoding="utf-8")
    env = subprocess_env()
    ours = run_in_pane(tmux, width, loadpy_cmd("run", "--no-summary", "--address", "", str(scenario)), tmp_path, env)
    theirs = run_in_pane(tmux, width, [k6, "run", "--no-summary", "--address", "", str(script)], tmp_path, env)

    # the block k6 draws at this width: the bar takes what the longest line leaves, 40 columns at most
    bar = "[" + "=" * {60: 8, 80: 28, 120: 38}[width] + "]"
    # on a loaded machine k6 sometimes leaves its last frame with a running frame's narrower bar (its
    # `1.0s/2s` columns were longer; at 60 columns that is the compact `[ 100% ]`): every other column
    # is still compared with k6's own frame
    expected = [re.sub(r"\[(?:=+| *100% *)\]", lambda _: bar, line) for line in final_block(theirs)]
    assert final_block(ours) == expected
    assert expected[1] == f"rate                 ✓ {bar} 0/2 VUs  2s  5.00 iters/s"

    # while running (`1.0s/2s` columns: longer lines), every redrawn line fits the pane, k6 keeping one
    # column free; at 60 columns not even an 8-column bar fits, so the bar is the compact one
    live = [line for frame in ours[:-1] for line in frame if line.startswith(NAMES[1] + " ") and "s/2s " in line]
    assert live, "no live progress was drawn"
    if width >= 80:
        assert all(len(line) <= width - 1 and ("[=" in line or "[-" in line) for line in live)
    else:
        assert all("%" in line for line in live)
