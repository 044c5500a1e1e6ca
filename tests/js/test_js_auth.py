"""params.auth against a local Digest/Basic target (tests/js/digest_server.py), the real k6 as oracle.

k6 sends a Digest request twice: as written (Go adds Basic credentials from the URL), then with
`Authorization: Digest ...` when the answer is a 401; the first response is expected only when it is
that 401 (a 200 there counts as failed), and both are tagged with the URL without its credentials.
The same script runs through k6 and loadpy: what the target received, the http_reqs samples with
their tags, the checks and the statuses the script saw must be the same. "ntlm" is refused by name.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import textwrap
from collections import Counter
from pathlib import Path

from tests.js.digest_server import AuthServer
from tests.unit.k6lib.oracle import k6_binary

REPO = Path(__file__).resolve().parents[2]

SCRIPT = """
import http from 'k6/http';
import {{ check }} from 'k6';
export const options = {{ iterations: 2, vus: 1 }};
const B = '127.0.0.1:{port}';
export default function () {{
  const ok = http.get(`http://user:passwd@${{B}}/digest-auth/auth/user/passwd`, {{ auth: 'digest' }});
  check(ok, {{
    'status is 200': (r) => r.status === 200,
    'is authenticated': (r) => r.json().authenticated === true,
    'is correct user': (r) => r.json().user === 'user',
  }});
  console.log('auth', ok.status, ok.url);
  const rfc2069 = http.get(`http://user:passwd@${{B}}/digest-auth/none/user/passwd`, {{ auth: 'digest' }});
  console.log('rfc2069', rfc2069.status);
  const post = http.post(`http://user:passwd@${{B}}/digest-auth/auth/user/passwd?x=1`, 'abc',
    {{ auth: 'digest', tags: {{ t: 'p' }} }});
  console.log('post', post.status);
  console.log('wrong', http.get(`http://user:wrong@${{B}}/digest-auth/auth/user/passwd`, {{ auth: 'digest' }}).status);
  console.log('unchallenged', http.get(`http://user:passwd@${{B}}/plain`, {{ auth: 'digest' }}).status);
  console.log('anonymous', http.get(`http://${{B}}/digest-auth/auth/user/passwd`, {{ auth: 'digest' }}).status);
  const [batched] = http.batch([['GET', `http://user:passwd@${{B}}/digest-auth/auth/user/passwd?b=1`, null,
    {{ auth: 'digest' }}]]);
  console.log('batch', batched.status);
  http.asyncRequest('GET', `http://user:passwd@${{B}}/digest-auth/auth/user/passwd?a=1`, null, {{ auth: 'digest' }})
    .then((r) => console.log('async', r.status));
  const basic = http.get(`http://user:passwd@${{B}}/basic-auth/user/passwd`, {{ auth: 'basic' }});
  console.log('basic', basic.status, basic.url);
}}
"""

_PARAMS = re.compile(r'(\w+)=(?:"([^"]*)"|([^\s,]*))')


def received(entry: tuple[str, str, str]) -> tuple[str, ...]:
    """What the target received, the Digest parameters sorted (k6 writes them in Go's map order)
    and the per-request random parts (cnonce, response) reduced to their shape."""
    method, path, auth = entry
    if not auth.startswith("Digest "):
        return (method, path, auth)
    params = {m.group(1): m.group(2) if m.group(2) is not None else m.group(3) for m in _PARAMS.finditer(auth[7:])}
    shape = {k: ("<32 hex>" if re.fullmatch(r"[0-9a-f]{32}", v) else "?") for k, v in params.items()}
    params.update((k, shape[k]) for k in ("cnonce", "response"))
    return (method, path, "Digest " + ", ".join(f"{k}={params[k]}" for k in sorted(params)))


def run(command: list[str], script: Path, server: AuthServer) -> tuple[list[str], Counter[tuple[str, ...]], Counter]:
    server.received.clear()
    out = script.parent / "out.json"
    proc = subprocess.run(
        [*command, "run", "-q", "--no-summary", "--log-format", "raw", "--out", f"json={out}", str(script)],
        capture_output=True,
        text=True,
        timeout=120,
        env={**os.environ, "PYTHONPATH": str(REPO)},
        cwd=script.parent,
    )
    assert proc.returncode == 0, proc.stderr
    samples: Counter[tuple[str, ...]] = Counter()
    for line in out.read_text().splitlines():
        point = json.loads(line)
        if point.get("type") == "Point" and point["metric"] in ("http_reqs", "http_req_failed", "checks"):
            tags = point["data"]["tags"]
            keys = ("method", "url", "name", "status", "expected_response", "t", "check")
            samples[(point["metric"], str(point["data"]["value"]), *(str(tags.get(k, "")) for k in keys))] += 1
    lines = [line for line in proc.stderr.splitlines() if line]
    return lines, samples, Counter(received(entry) for entry in server.received)


def test_digest_auth_agrees_with_k6(tmp_path: Path) -> None:
    with AuthServer() as server:
        script = tmp_path / "digest.js"
        script.write_text(textwrap.dedent(SCRIPT.format(port=server.port)).lstrip(), encoding="utf-8")
        expected = run([k6_binary()], script, server)
        got = run([sys.executable, "-m", "loadpy"], script, server)
    assert got == expected
    lines, samples, seen = got
    base = f"http://127.0.0.1:{server.port}"
    assert lines.count(f"auth 200 {base}/digest-auth/auth/user/passwd") == 2
    for line in ("rfc2069 200", "post 200", "wrong 401", "unchallenged 200", "anonymous 401", "batch 200", "async 200"):
        assert lines.count(line) == 2, line
    # two requests per challenged Digest call (seven), one for the unchallenged and the Basic one: 16
    assert sum(n for key, n in samples.items() if key[0] == "http_reqs") == 32
    url = f"{base}/digest-auth/auth/user/passwd"
    # the challenge leg is expected (401); an unchallenged 200 on it is not
    assert samples[("http_req_failed", "0", "GET", url, url, "401", "true", "", "")] == 6
    assert samples[("http_req_failed", "1", "GET", f"{base}/plain", f"{base}/plain", "200", "false", "", "")] == 2
    assert samples[("checks", "1", "", "", "", "", "", "", "is correct user")] == 2
    basic = "Basic " + "dXNlcjpwYXNzd2Q="
    assert seen[("GET", "/digest-auth/auth/user/passwd", basic)] == 2  # the first leg, as Go sends it
    assert seen[("GET", "/basic-auth/user/passwd", basic)] == 2
    masked = f"http://****:****@127.0.0.1:{server.port}/basic-auth/user/passwd"
    assert samples[("http_reqs", "1", "GET", masked, masked, "200", "true", "", "")] == 2
    assert seen[("GET", "/digest-auth/auth/user/passwd", "")] == 2  # no credentials: no Basic either
    assert seen[("GET", "/digest-auth/auth/user/passwd?a=1", basic)] == 2  # asyncRequest
    assert sum(seen.values()) == 32


NTLM = """import http from 'k6/http';
export const options = { iterations: 1, vus: 1 };
export default function () {
  http.get('http://user:pw@127.0.0.1:%d/x', { auth: 'ntlm' });
  console.log('not reached');
}
"""


def test_ntlm_is_refused_by_name_and_sends_nothing(tmp_path: Path) -> None:
    with AuthServer() as server:
        script = tmp_path / "ntlm.js"
        script.write_text(NTLM % server.port, encoding="utf-8")
        proc = subprocess.run(
            [sys.executable, "-m", "loadpy", "run", "-q", "--no-summary", "--log-format", "raw", str(script)],
            capture_output=True,
            text=True,
            timeout=120,
            env={**os.environ, "PYTHONPATH": str(REPO)},
        )
        assert server.received == []
    assert proc.returncode == 0, proc.stderr  # a failed iteration, as any JS exception
    assert 'Error: params.auth "ntlm" (NTLM authentication) is not supported by loadpy; "digest" is' in proc.stderr
    assert f"at default (file://{script}:4)" in proc.stderr
    assert "not reached" not in proc.stderr


PYTHON = """
import loadpy

options = {"iterations": 1, "vus": 1}


async def default(vu: loadpy.VU) -> None:
    url = "http://user:passwd@127.0.0.1:%d/digest-auth/auth/user/passwd"
    res = await vu.http.get(url, auth="digest")
    vu.log(f"python {res.status} {res.json()['user']}")
"""


def test_python_scripts_use_the_same_digest_auth(tmp_path: Path) -> None:
    with AuthServer() as server:
        script = tmp_path / "digest.py"
        script.write_text(PYTHON % server.port, encoding="utf-8")
        proc = subprocess.run(
            [sys.executable, "-m", "loadpy", "run", "-q", "--no-summary", "--log-format", "raw", str(script)],
            capture_output=True,
            text=True,
            timeout=120,
            env={**os.environ, "PYTHONPATH": str(REPO)},
        )
        got = [(method, path, auth.split(" ", 1)[0]) for method, path, auth in server.received]
    assert proc.returncode == 0, proc.stderr
    assert "python 200 user" in proc.stderr
    assert got == [
        ("GET", "/digest-auth/auth/user/passwd", "Basic"),
        ("GET", "/digest-auth/auth/user/passwd", "Digest"),
    ]
