"""exec.vu.metrics.tags (and exec.vu.tags, the same object): a tag set on the VU goes on every later
sample of that VU, across iterations, until deleted; values are strings, numbers or booleans (k6's
TypeError otherwise). The same script through k6 and loadpy: what it logs, and the tags of the
samples both write with `--out json`."""

from __future__ import annotations

import json
import sys
from pathlib import Path

from tests.js.logged_run import run_logged
from tests.js.raw_echo_server import RawEchoServer
from tests.unit.k6lib.oracle import k6_binary

SCRIPT = """
import exec from "k6/execution";
import http from "k6/http";
import { check, group } from "k6";
import { Counter } from "k6/metrics";
const counter = new Counter("my_counter");
export const options = { iterations: 3, vus: 1 };
const sorted = (o) => JSON.stringify(Object.fromEntries(Object.keys(o).sort().map((k) => [k, o[k]])));
export default function () {
  const i = exec.vu.iterationInInstance;
  http.get(`${__ENV.TARGET}/before${i}`);
  if (i === 0) exec.vu.metrics.tags.phase = "one";
  if (i === 1) exec.vu.tags.phase = 2;
  if (i === 2) delete exec.vu.metrics.tags.phase;
  try {
    exec.vu.metrics.tags.bad = { a: 1 };
  } catch (e) {
    console.log(String(e));
  }
  console.log(i, sorted(exec.vu.tags), sorted(exec.vu.metrics.tags), typeof exec.vu.tags.phase);
  http.get(`${__ENV.TARGET}/after${i}`);
  group("g", () => {
    check(1, { ok: () => true });
    counter.add(1);
  });
}
"""
WATCHED = ("http_reqs", "iterations", "checks", "my_counter", "data_sent")


def _run(command: list[str], script: Path, target: str, out: Path) -> tuple[int, list[str], list[str]]:
    """Exit code, the lines logged, and one `metric url group phase` line per watched sample (sorted)."""
    run = run_logged(command, script, f"--out=json={out}", env={"TARGET": target})
    samples = []
    for line in out.read_text().splitlines():
        point = json.loads(line)
        if point.get("type") == "Point" and point["metric"] in WATCHED:
            tags = point["data"]["tags"]
            where = tags.get("url", "").rsplit("/", 1)[-1]
            samples.append(f"{point['metric']} {where} {tags.get('group')} {tags.get('phase')}")
    return run.code, (run.stdout + run.stderr).splitlines(), sorted(samples)


def test_vu_tags_as_k6(tmp_path: Path) -> None:
    script = tmp_path / "script.js"
    script.write_text(SCRIPT, encoding="utf-8")
    with RawEchoServer() as server:
        k6 = _run([k6_binary()], script, server.url, tmp_path / "k6.json")
        loadpy = _run([sys.executable, "-m", "loadpy"], script, server.url, tmp_path / "loadpy.json")
    assert loadpy == k6
    code, lines, samples = loadpy
    assert code == 0
    assert (
        lines[1]
        == '0 {"group":"","phase":"one","scenario":"default"} {"group":"","phase":"one","scenario":"default"} string'
    )
    # the tag reaches the samples after it was set, the iteration's own samples, and the next iterations
    assert samples.count("http_reqs before0  None") == 1
    assert samples.count("http_reqs after0  one") == 1
    assert samples.count("iterations   one") == 1 and samples.count("iterations   2") == 1
    assert samples.count("my_counter  ::g one") == 1 and samples.count("checks  ::g 2") == 1
    assert samples.count("http_reqs before1  one") == 1 and samples.count("http_reqs after2  None") == 1
