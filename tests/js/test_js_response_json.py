"""JSON.stringify(res) (and so console.log(res)) gives k6's fields in k6's order, the lazy ones included;
a `Connection: close` the server sent is not among the headers (Go's response reader drops it).
k6 against loadpy on a raw-socket server; Go maps (headers) are compared with sorted keys."""

from __future__ import annotations

import sys
from pathlib import Path

from tests.js.logged_run import run_logged
from tests.js.raw_echo_server import RawEchoServer
from tests.unit.k6lib.oracle import k6_binary

SCRIPT = """
import http from "k6/http";
export const options = { iterations: 1, vus: 1, userAgent: "probe/1" };
const sorted = (o) => Object.fromEntries(Object.keys(o).sort().map((k) => [k, o[k]]));
function show(label, res) {
  const o = JSON.parse(JSON.stringify(res));
  o.timings = Object.keys(o.timings);
  o.remote_port = typeof o.remote_port;
  o.headers = sorted(o.headers);
  if (o.request) o.request.headers = sorted(o.request.headers);
  console.log(label, JSON.stringify(o).replaceAll(__ENV.TARGET, "B"));
}
export default function () {
  show("posted", http.post(__ENV.TARGET + "/body", "hi", { headers: { "X-A": "1" } }));
  show("refused", http.get("http://127.0.0.1:1/"));
}
"""


def _logged(command: list[str], script: Path, target: str) -> list[str]:
    run = run_logged(command, script, env={"TARGET": target})
    return [line for line in (run.stdout + run.stderr).splitlines() if line.startswith(("posted", "refused"))]


def test_json_of_a_response_as_k6(tmp_path: Path) -> None:
    script = tmp_path / "script.js"
    script.write_text(SCRIPT, encoding="utf-8")
    with RawEchoServer() as server:
        k6 = _logged([k6_binary()], script, server.url)
        loadpy = _logged([sys.executable, "-m", "loadpy"], script, server.url)
    assert loadpy == k6
    assert len(loadpy) == 2 and loadpy[1].startswith('refused {"remote_ip":"","remote_port":"number","url":"http://127')
    assert loadpy[0].startswith('posted {"remote_ip":"127.0.0.1","remote_port":"number","url":"B/body","status":200')
    assert '"headers":{"Content-Length":"2","Content-Type":"text/plain","Set-Cookie":"srv=1; Path=/"}' in loadpy[0]
