"""http.asyncRequest runs concurrently on the VU's event loop, as in k6: five requests to a target
that answers after 200 ms take about 200 ms, not a second; each request keeps the tags and group
of the moment it started. The same script runs through the real k6 binary and through loadpy and
the http_reqs samples (with their tags) must be the same."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from collections import Counter
from pathlib import Path

from loadpy.demo import DemoServer
from tests.unit.k6lib.oracle import k6_binary

REPO = Path(__file__).resolve().parents[2]

SCRIPT = """
import http from 'k6/http';
import {{ group }} from 'k6';
export const options = {{ iterations: 2, vus: 1 }};
export default async function () {{
  const t0 = Date.now();
  const all = await Promise.all([1, 2, 3, 4, 5].map(
    (i) => http.asyncRequest('GET', `{base}/delay/200?i=${{i}}`, null, {{ tags: {{ n: String(i) }} }})));
  const took = Date.now() - t0;
  console.log('all', all.map((r) => r.status).join(','), took < 600 ? 'concurrent' : `sequential ${{took}}ms`);
  let started;
  group('g', () => {{ started = http.asyncRequest('POST', `{base}/echo`, 'x', {{ tags: {{ n: 'grouped' }} }}); }});
  http.get(`{base}/status/201`);  // a blocking request while the other is in flight
  console.log('grouped', (await started).body);
  try {{ await http.asyncRequest('GET', 'http://127.0.0.1:1/'); }} catch (e) {{ console.log('not rejected', e); }}
  const late = http.asyncRequest('GET', `{base}/delay/100`);
  setTimeout(() => console.log('timer first'), 10);
  console.log('late', (await late).status);
}}
"""


def samples(command: list[str], script: Path, out: Path) -> tuple[list[str], Counter[tuple[str, ...]]]:
    proc = subprocess.run(
        [
            *command,
            "run",
            "-q",
            "--no-summary",
            "--address",
            "",
            "--log-format",
            "raw",
            "--out",
            f"json={out}",
            str(script),
        ],
        capture_output=True,
        text=True,
        timeout=120,
        env={**os.environ, "PYTHONPATH": str(REPO)},
        cwd=script.parent,
    )
    assert proc.returncode == 0, proc.stderr
    seen: Counter[tuple[str, ...]] = Counter()
    for line in out.read_text().splitlines():
        point = json.loads(line)
        if point.get("type") == "Point" and point["metric"] == "http_reqs":
            tags = point["data"]["tags"]
            seen[tuple(str(tags.get(k, "")) for k in ("method", "name", "status", "group", "n", "error_code"))] += 1
    return [line for line in proc.stderr.splitlines() if line], seen


def test_async_requests_overlap_and_keep_their_tags_as_k6(tmp_path: Path, demo_server: DemoServer) -> None:
    script = tmp_path / "async.js"
    script.write_text(textwrap.dedent(SCRIPT.format(base=demo_server.base_url)).lstrip(), encoding="utf-8")
    expected = samples([k6_binary()], script, tmp_path / "k6.json")
    got = samples([sys.executable, "-m", "loadpy"], script, tmp_path / "loadpy.json")
    assert got == expected
    lines, seen = got
    assert lines.count("all 200,200,200,200,200 concurrent") == 2
    assert lines.count("timer first") == 2 and lines.count("late 200") == 2
    assert seen[("POST", f"{demo_server.base_url}/echo", "200", "::g", "grouped", "")] == 2
    assert sum(seen.values()) == 2 * 9
