"""A Response's fields, whichever form its head crossed in, are k6's (differential, the real k6 as oracle).

The host answers a plain HTTP/1.1 response of the URL asked for as one number (id * 1000 + status) and
anything else (a redirect's final URL, a network error, a batch) as head text (loadpy/js/host.py
`_head`); the response id sits under a symbol, so it shows in no key listing. Both forms, a binary body
and the lazily read fields must read as k6 reads them.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from loadpy.demo import DemoServer
from tests.unit.k6lib.oracle import k6_binary

REPO = Path(__file__).resolve().parents[2]
_CONSOLE = re.compile(r'msg="?(.*?)"? source=console')

SCRIPT = """
import http from 'k6/http';
export const options = { vus: 1, iterations: 2 };
const B = __ENV.B;
const HEAD = ['status', 'proto', 'url', 'error_code', 'error'];
function show(label, res) {
  const own = Object.keys(res).filter((k) => HEAD.includes(k)).sort().join(',');
  const listed = [];
  for (const k in res) if (HEAD.includes(k)) listed.push(k);
  const copy = JSON.parse(JSON.stringify(res));
  const hidden = Object.getOwnPropertyNames(res).filter((k) => k.startsWith('__')).length;
  const head = [res.status, res.proto, res.url, res.error_code, res.error];
  console.log([label, ...head, own, listed.sort().join(','), copy.status, copy.url, hidden].join('|'));
}
export default function () {
  show('plain', http.get(B + '/items/7'));
  show('redirect', http.get(B + '/redirect/2'));
  show('404', http.get(B + '/status/404'));
  show('refused', http.get('http://127.0.0.1:1/'));
  show('params', http.get(B + '/items/8', { headers: { 'X-A': '1' } }));
  show('post', http.post(B + '/echo', 'hello'));
  const [a, b] = http.batch([B + '/items/1', B + '/status/500']);
  show('batch-a', a);
  show('batch-b', b);
  const bin = http.get(B + '/bytes/5', { responseType: 'binary' });
  const bytes = new Uint8Array(bin.body);
  console.log(['binary', bin.status, bin.body.byteLength, bytes[0], bin.body instanceof ArrayBuffer].join('|'));
  const res = http.get(B + '/json');
  const t = res.timings;
  console.log(['lazy', res.json('n'), res.body.length, res.headers['Content-Type'], typeof t.duration,
               res.status_text, res.request.method, Object.keys(res).includes('body')].join('|'));
  const none = http.get(B + '/bytes/3', { responseType: 'none' });
  console.log(['none', none.status, none.body === null].join('|'));
}
"""


@pytest.fixture(scope="module")
def k6_bin() -> str:
    return k6_binary()


def _console(tool: list[str], script: Path, base_url: str) -> list[str]:
    proc = subprocess.run(
        [*tool, "run", "-q", "--address", "", "-e", f"B={base_url}", str(script)],
        capture_output=True,
        text=True,
        timeout=90,
        env={**os.environ, "PYTHONPATH": str(REPO)},
        cwd=script.parent,
    )
    assert proc.returncode == 0, proc.stderr
    return [line.replace('\\"', '"') for line in _CONSOLE.findall(proc.stderr)]


@pytest.mark.k6
def test_response_fields_read_as_k6_reads_them(tmp_path: Path, demo_server: DemoServer, k6_bin: str) -> None:
    script = tmp_path / "head.js"
    script.write_text(textwrap.dedent(SCRIPT).lstrip(), encoding="utf-8")
    base = demo_server.base_url
    k6 = _console([k6_bin], script, base)
    loadpy = _console([sys.executable, "-m", "loadpy"], script, base)
    assert len(k6) == 2 * 11, k6
    assert loadpy == k6
    # the figures themselves, so that a test of two equal wrong outputs cannot pass
    first = dict(line.split("|", 1) for line in loadpy[:11])
    head_keys = "error,error_code,proto,status,url"
    assert first["plain"] == f"200|HTTP/1.1|{base}/items/7|0||{head_keys}|{head_keys}|200|{base}/items/7|0"
    assert first["redirect"] == f"200|HTTP/1.1|{base}/redirect/0|0||{head_keys}|{head_keys}|200|{base}/redirect/0|0"
    assert first["refused"].startswith("0||http://127.0.0.1:1/|1212|dial: connection refused|")
    assert first["binary"] == "200|5|120|true"
    assert first["none"] == "200|true"
