"""`res.request` (method, url, headers, body, cookies) and the request on the wire, k6 against loadpy.

One script runs through the real k6 binary and through loadpy against a raw-socket server
(tests/js/raw_echo_server.py) that answers every request with its head as received. The script logs
`res.request` (keys sorted: Go's maps have no order) and the head the server got; the lines must be
the same (the `userAgent` option is set: loadpy's default User-Agent is its own), and so must the
heads the server recorded, byte for byte: Go's canonical header names, Go's header order."""

from __future__ import annotations

import sys
from pathlib import Path

from tests.js.logged_run import run_logged
from tests.js.raw_echo_server import RawEchoServer
from tests.unit.k6lib.oracle import k6_binary

SCRIPT = """
import http from "k6/http";
export const options = { iterations: 1, vus: 1, userAgent: "probe/1" };
const B = __ENV.TARGET;
function sorted(o) {
  const out = {};
  for (const k of Object.keys(o).sort()) out[k] = o[k];
  return JSON.stringify(out);
}
function show(label, r) {
  const q = r.request;
  console.log(label, q.method, q.url, JSON.stringify(q.body), sorted(q.headers), sorted(q.cookies));
  console.log(label, "wire", JSON.stringify(r.body.split("\\r\\n\\r\\n")[0].split("\\r\\n").slice(1)));
}
export default function () {
  http.cookieJar().set(B + "/", "jarcookie", "jv");
  show("json", http.post(B + "/p?q=1", JSON.stringify({ a: 1 }), {
    headers: { "x-lower-case": "v1", "X-UPPER": "v2", "content-type": "application/json", "x_under": "u" },
    cookies: { paramcookie: "pv" },
  }));
  show("get", http.get(B + "/g"));
  show("form", http.post(B + "/f", { k: "v" }));
  show("binary", http.put(B + "/b", new Uint8Array([104, 105]).buffer));
  show("same name twice", http.get(B + "/m", { headers: { "X-A": "1", "x-a": "2", "user-agent": "mine" } }));
  show("own cookie header", http.get(B + "/u", { headers: { cookie: "own=1" } }));
  // one cookie each: k6 adds a request's cookies from a Go map (in no set order)
  show("replace", http.get(B + "/r", { cookies: { jarcookie: { value: "mine", replace: true } } }));
  show("no replace", http.get(B + "/r", { cookies: { jarcookie: { value: "mine" } } }));
  show("own header and cookies", http.get(B + "/o", { headers: { cookie: "own=1" }, cookies: { p: "2" } }));
  show("userinfo and host", http.get(B.replace("//", "//user:pw@") + "/a", { headers: { host: "example.com" } }));
  show("redirected", http.get(B + "/redirect", { headers: { "x-one": "1" } }));
}
"""


def _run(command: list[str], script: Path, target: str) -> tuple[int, list[str]]:
    run = run_logged(command, script, env={"TARGET": target})
    return run.code, run.lines


def test_res_request_and_the_wire_as_k6(tmp_path: Path) -> None:
    script = tmp_path / "script.js"
    script.write_text(SCRIPT, encoding="utf-8")
    with RawEchoServer() as k6_server:
        k6 = _run([k6_binary()], script, k6_server.url)
    with RawEchoServer() as lp_server:
        loadpy = _run([sys.executable, "-m", "loadpy"], script, lp_server.url)
    ported = str(k6_server.port), str(lp_server.port)
    assert loadpy == (k6[0], [line.replace(*ported) for line in k6[1]])
    assert lp_server.heads == [[line.replace(*ported) for line in head] for head in k6_server.heads]
    port = lp_server.port
    cookies = "paramcookie=pv; jarcookie=jv"
    # what k6 shows: canonical names, values in arrays, the Cookie header sent, no Content-Length
    assert loadpy[1][0] == (
        f'json POST http://127.0.0.1:{port}/p?q=1 "{{\\"a\\":1}}" {{"Content-Type":["application/json"],'
        f'"Cookie":["{cookies}"],"User-Agent":["probe/1"],"X-Lower-Case":["v1"],"X-Upper":["v2"],"X_under":["u"]}} '
        '{"jarcookie":[{"name":"jarcookie","value":"jv","replace":false}],'
        '"paramcookie":[{"name":"paramcookie","value":"pv","replace":false}]}'
    )
    # Go's order on the wire: Host, User-Agent, the length, then the rest sorted by name
    assert lp_server.heads[0] == [
        "POST /p?q=1 HTTP/1.1",
        f"Host: 127.0.0.1:{port}",
        "User-Agent: probe/1",
        "Content-Length: 7",
        "Content-Type: application/json",
        f"Cookie: {cookies}",
        "X-Lower-Case: v1",
        "X-Upper: v2",
        "X_under: u",
    ]
    # a request cookie with `replace: true` keeps the jar's cookie of that name from the wire
    replaced, kept = (head for head in lp_server.heads if head[0] == "GET /r HTTP/1.1")
    assert replaced[-1] == "Cookie: jarcookie=mine; srv=1"
    assert kept[-1] == "Cookie: jarcookie=mine; jarcookie=jv; srv=1"
