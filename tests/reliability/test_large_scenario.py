"""A generated 10 MB scenario (47,831 request steps) loads in seconds, in time and memory linear in size.

Through PyYAML's node graph the file took 10 s of CPU (36-39 s of wall time on a loaded machine)
and 570 MB more memory; read from libyaml's events in one pass it takes 4-5 s and 185 MB
(docs/input-limits.md has the figures). CPU time, not wall time, is bounded: this machine is
shared, and a loaded neighbour stretches wall time several-fold without changing the work done.
"""

from __future__ import annotations

import gc
import json
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

from loadpy.config.loader import parse_document
from tests.integration.cli.helpers import subprocess_env

STEPS_10MB = 47_831


def scenario_text(steps: int) -> str:
    """A valid scenario of `steps` POST steps, ~217 bytes each (47,831 steps: 10.4 MB)."""
    head = 'env: {BASE_URL: "http://127.0.0.1:1"}\noptions:\n  vus: 1\n  iterations: 1\nflows:\n  default:\n'
    step = (
        '    - request:\n        method: POST\n        url: "${{BASE_URL}}/items/{i}"\n'
        '        headers: {{Authorization: "Bearer {{{{ vu }}}}", X-Id: "{i}"}}\n'
        "        json: {{id: {i}, ok: true}}\n      checks:\n        ok: status == 200\n"
    )
    return head + "".join(step.format(i=i) for i in range(steps))


_CHILD = textwrap.dedent(
    """
    import json, resource, sys
    from loadpy.config.loader import parse_document
    text = open(sys.argv[1], encoding="utf-8").read()
    def usage():
        ru = resource.getrusage(resource.RUSAGE_SELF)
        return ru.ru_utime + ru.ru_stime, ru.ru_maxrss / 1024
    cpu0, rss0 = usage()
    doc = parse_document(text, sys.argv[1])
    cpu1, rss1 = usage()
    steps = doc.data["flows"]["default"]
    print(json.dumps({"cpu_s": cpu1 - cpu0, "rss_growth_mb": rss1 - rss0, "steps": len(steps),
                      "last_url_line": doc.line_of(("flows", "default", len(steps) - 1, "request", "url"))}))
    """
)


@pytest.mark.slow
def test_a_10mb_scenario_loads_in_seconds_and_a_bounded_amount_of_memory(tmp_path: Path) -> None:
    path = tmp_path / "big.yaml"
    path.write_text(scenario_text(STEPS_10MB), encoding="utf-8")
    assert 10_000_000 < path.stat().st_size < 11_000_000
    proc = subprocess.run(
        [sys.executable, "-c", _CHILD, str(path)], capture_output=True, text=True, timeout=300, env=subprocess_env()
    )
    assert proc.returncode == 0, proc.stderr
    result = json.loads(proc.stdout)
    assert result["steps"] == STEPS_10MB
    assert result["last_url_line"] == 7 + (STEPS_10MB - 1) * 7 + 2  # the line map reaches the end of the file
    assert result["cpu_s"] < 12, result  # 4-5 s here; the node-graph reader took 10 s, and 245 s before that
    assert result["rss_growth_mb"] < 300, result  # ~185 MB here; the node-graph reader grew by ~570 MB


@pytest.mark.slow
def test_four_times_the_steps_take_about_four_times_the_time() -> None:
    texts = {steps: scenario_text(steps) for steps in (2_000, 8_000)}
    best = dict.fromkeys(texts, float("inf"))
    parse_document(scenario_text(200))  # warm up imports and caches
    for _ in range(5):  # interleaved, fastest of five: what the code costs, less the neighbours' noise
        for steps, text in texts.items():
            gc.collect()
            gc.disable()  # a collection's cost depends on every live object, not on this parse
            try:
                started = time.process_time()
                parse_document(text)
                best[steps] = min(best[steps], time.process_time() - started)
            finally:
                gc.enable()
    # 4.0-4.2 on a quiet machine; a loaded CI machine stretched a 2x ratio to 3.1 (larger dicts miss caches
    # more), so the sizes are 4x apart: linear is 4, anything quadratic is 16 and more
    assert best[8_000] < 8.0 * best[2_000], best
