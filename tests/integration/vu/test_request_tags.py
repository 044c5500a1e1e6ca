"""Every request (and every redirect hop) is recorded under its own call's `name`, whatever runs
beside it: batch items with the same URL, the hops of a named redirect, two requests of one VU
in flight at once. The samples of `--out json` are compared with what k6 tags in the same script."""

from __future__ import annotations

import json
import shutil
import subprocess
import textwrap
from pathlib import Path

import pytest

from loadpy.demo import DemoServer
from tests.integration.cli.helpers import loadpy_cmd, subprocess_env

pytestmark = pytest.mark.timeout(120)

Sample = tuple[str, str, str, str]  # name, url, status, group

K6_SCRIPT = """
import http from 'k6/http'; import { group } from 'k6';
export const options = { iterations: 1, vus: 1 };
const B = __ENV.BASE;
export default async function () {
  http.batch([
    ['GET', `${B}/items/1`, null, { tags: { name: 'first' } }],
    ['GET', `${B}/items/1`, null, { tags: { name: 'second' } }],
    ['GET', `${B}/redirect/2`, null, { tags: { name: 'batch-redirect' } }],
  ]);
  group('g', () => { http.get(`${B}/redirect/1`, { tags: { name: 'redirect' } }); });
  await Promise.all([
    http.asyncRequest('GET', `${B}/delay/200`, null, { tags: { name: 'slow' } }),
    http.asyncRequest('GET', `${B}/items/2`, null, { tags: { name: 'fast' } }),
  ]);
}
"""

PY_SCRIPT = """
import asyncio
options = {"iterations": 1, "vus": 1}

async def default(vu):
    B = vu.env["BASE"]
    await vu.http.batch([
        {"url": f"{B}/items/1", "name": "first"},
        {"url": f"{B}/items/1", "name": "second"},
        {"url": f"{B}/redirect/2", "name": "batch-redirect"},
    ])
    async with vu.group("g"):
        await vu.http.get(f"{B}/redirect/1", name="redirect")
    await asyncio.gather(vu.http.get(f"{B}/delay/200", name="slow"), vu.http.get(f"{B}/items/2", name="fast"))
"""

YAML_SCENARIO = """
options: {iterations: 1, vus: 1}
flows:
  default:
    - batch:
        - {url: "${BASE}/items/1", name: first}
        - {url: "${BASE}/items/1", name: second}
        - {url: "${BASE}/redirect/2", name: batch-redirect}
    - group: g
      steps:
        - request: {url: "${BASE}/redirect/1", name: redirect}
"""

# k6 v1.1.0 with --out json (a named request's `url` tag is its name, every hop keeps both)
BATCH_AND_REDIRECTS: list[Sample] = sorted(
    [
        ("first", "first", "200", ""),
        ("second", "second", "200", ""),
        ("batch-redirect", "batch-redirect", "302", ""),
        ("batch-redirect", "batch-redirect", "302", ""),
        ("batch-redirect", "batch-redirect", "200", ""),
        ("redirect", "redirect", "302", "::g"),
        ("redirect", "redirect", "200", "::g"),
    ]
)
CONCURRENT: list[Sample] = [("fast", "fast", "200", ""), ("slow", "slow", "200", "")]


def http_reqs_samples(out: Path) -> list[Sample]:
    samples = []
    for line in out.read_text().splitlines():
        point = json.loads(line)
        if point.get("type") == "Point" and point["metric"] == "http_reqs":
            tags = point["data"]["tags"]
            samples.append((tags["name"], tags["url"], tags["status"], tags["group"]))
    return sorted(samples)


def run(cmd: list[str], tmp_path: Path) -> None:
    proc = subprocess.run(cmd, capture_output=True, text=True, timeout=90, env=subprocess_env(), cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr[-2000:]


def run_loadpy(tmp_path: Path, demo: DemoServer, name: str, text: str) -> list[Sample]:
    script = tmp_path / name
    script.write_text(textwrap.dedent(text).lstrip())
    out = tmp_path / f"{name}.ndjson"
    run(
        loadpy_cmd("run", "-q", "--address", "", "--out", f"json={out}", "-e", f"BASE={demo.base_url}", str(script)),
        tmp_path,
    )
    return http_reqs_samples(out)


def test_python_script_tags_each_request_with_its_own_name(tmp_path: Path, demo_server: DemoServer) -> None:
    samples = run_loadpy(tmp_path, demo_server, "script.py", PY_SCRIPT)
    assert samples == sorted(BATCH_AND_REDIRECTS + CONCURRENT)


def test_yaml_batch_and_redirect_hops_keep_their_names(tmp_path: Path, demo_server: DemoServer) -> None:
    samples = run_loadpy(tmp_path, demo_server, "scenario.yaml", YAML_SCENARIO)
    assert samples == BATCH_AND_REDIRECTS


@pytest.mark.k6
def test_k6_tags_the_same_script_the_same_way(tmp_path: Path, demo_server: DemoServer) -> None:
    k6 = shutil.which("k6")
    if k6 is None:
        pytest.fail("the k6 binary is not on PATH (it is the oracle of this test)")
    script = tmp_path / "script.js"
    script.write_text(K6_SCRIPT)
    out = tmp_path / "k6.ndjson"
    run(
        [
            k6,
            "run",
            "-q",
            "--no-color",
            "--address",
            "",
            "--out",
            f"json={out}",
            "-e",
            f"BASE={demo_server.base_url}",
            str(script),
        ],
        tmp_path,
    )
    assert http_reqs_samples(out) == sorted(BATCH_AND_REDIRECTS + CONCURRENT)
