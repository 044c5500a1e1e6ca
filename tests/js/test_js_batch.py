"""http.batch's argument forms and its malformed requests, k6 against loadpy on a raw-socket server:
what the script logs and what the server received (a malformed item fails the whole batch: nothing is
sent, every response is empty, k6 warns "A batch request failed")."""

from __future__ import annotations

import sys
from pathlib import Path

from tests.js.logged_run import run_logged
from tests.js.raw_echo_server import RawEchoServer
from tests.unit.k6lib.oracle import k6_binary

SCRIPT = """
import http from "k6/http";
export const options = { iterations: 1, vus: 1 };
const statuses = (list) => JSON.stringify(list.map((r) => r.status));
export default function () {
  const B = __ENV.TARGET;
  const list = http.batch([B + "/a", ["GET", B + "/b"], ["POST", B + "/body", "x", { tags: { t: "1" } }],
    { method: "PUT", url: B + "/body", body: "y" }, { url: B + "/c" }]);
  const shown = list.map((r) => `${r.status} ${r.request.method} ${r.url.replace(B, "")}`);
  console.log("list", list.length, shown.join(","));
  const named = http.batch({
    first: B + "/d", second: ["POST", B + "/body", "z"], third: { method: "GET", url: B + "/e" },
  });
  console.log("named", Object.keys(named).sort().join(","), named.second.body, named.third.request.method);
  console.log("empty", JSON.stringify(http.batch([])), JSON.stringify(http.batch({})));
  console.log("short item", statuses(http.batch([B + "/never1", ["BAD"]])));
  console.log("no url", statuses(http.batch([B + "/never2", { method: "GET" }])));
  const stopped = http.batch([{ method: "GET" }, B + "/never5"]);  // the items after the bad one: null
  console.log("stopped", stopped.length, stopped[0].status, stopped[1]);
  console.log("method not a string", statuses(http.batch([[5.5, B + "/never3"]])));
  console.log("number item", statuses(http.batch([B + "/never4", 5])));
  const failed = http.batch({ first: { method: "GET" } });
  const a = failed.first;
  console.log("failed", a.status, JSON.stringify([a.url, a.error_code, a.request, a.body]));
  for (const arg of ["x", 5, 1.5, null, undefined, true]) {
    try {
      http.batch(arg);
    } catch (e) {
      console.log("thrown", String(e));
    }
  }
}
"""


def _logged(command: list[str], script: Path, target: str) -> list[str]:
    run = run_logged(command, script, env={"TARGET": target})
    return [*run.lines, f"exit {run.code}"]


def test_batch_forms_and_malformed_batches_as_k6(tmp_path: Path) -> None:
    script = tmp_path / "script.js"
    script.write_text(SCRIPT, encoding="utf-8")
    with RawEchoServer() as k6_server:
        k6 = _logged([k6_binary()], script, k6_server.url)
    with RawEchoServer() as lp_server:
        loadpy = _logged([sys.executable, "-m", "loadpy"], script, lp_server.url)
    assert loadpy == k6
    # what was sent: the 8 requests of the two good batches, none of the failed ones (in any order)
    assert sorted(head[0] for head in lp_server.heads) == sorted(head[0] for head in k6_server.heads)
    assert len(lp_server.heads) == 8 and not any("never" in head[0] for head in lp_server.heads)
    assert loadpy.count("A batch request failed") == 6
    assert "thrown GoError: invalid http.batch() argument type float64" in loadpy
    assert loadpy[-1] == "exit 0"
