"""k6/ws and k6/websockets: the same script through `k6 run` and `loadpy run`, against a local echo server.

Each test runs one script with both tools, one after the other, on a WebSocket echo server started here
(tests/js/ws_echo.py, loopback), and compares what must be equal: the exit code, the counts of
ws_sessions / ws_msgs_sent / ws_msgs_received / iterations, the checks (by name, passes and fails),
the WebSocket metric keys of `--summary-export`, what the script logged (the order of events) and
what the server received. Durations (ws_connecting, ws_ping, ws_session_duration) are compared by
presence and sample count only: they are timings.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import textwrap
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from tests.js.ws_echo import EchoServer

REPO = Path(__file__).resolve().parents[2]
COUNTED = ("ws_sessions", "ws_msgs_sent", "ws_msgs_received", "iterations")
TIMED = ("ws_connecting", "ws_session_duration", "ws_ping")
_CONSOLE = re.compile(r'level=(\w+) msg="?(.*?)"? source=console')


@pytest.fixture(scope="module")
def k6_bin() -> str:
    path = shutil.which("k6")
    if path is None:
        reason = "THE k6 BINARY IS NOT ON PATH: the k6/ws differential tests cannot run"
        if os.environ.get("CI"):
            pytest.fail(reason)
        pytest.skip(reason)
    return path


@pytest.fixture(scope="module")
def echo() -> Iterator[EchoServer]:
    with EchoServer() as server:
        yield server


@dataclass
class Outcome:
    code: int
    export: dict[str, Any]
    stderr: str
    received: dict[str, list[str | bytes]]
    sessions: dict[str, int]
    headers: dict[str, list[dict[str, str]]]

    def count(self, name: str) -> float:
        metric = self.export.get("metrics", {}).get(name)
        return 0 if metric is None else metric["count"]

    def ws_keys(self) -> set[str]:
        return {name for name in self.export.get("metrics", {}) if name.startswith("ws_")}

    def checks(self) -> dict[str, tuple[int, int]]:
        found: dict[str, tuple[int, int]] = {}

        def walk(group: dict[str, Any]) -> None:
            for name, check in group.get("checks", {}).items():
                found[name] = (check["passes"], check["fails"])
            for child in group.get("groups", {}).values():
                walk(child)

        walk(self.export.get("root_group", {}))
        return found

    def console(self) -> list[str]:
        return [f"{level} {text}" for level, text in _CONSOLE.findall(self.stderr)]


def _run(tool: list[str], script: Path, echo: EchoServer, *args: str) -> Outcome:
    echo.reset()
    export = script.with_suffix(f".{Path(tool[-1]).name}.json")
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    proc = subprocess.run(
        [*tool, "run", "-q", "--summary-export", str(export), "-e", f"WS={echo.url('')}", *args, str(script)],
        capture_output=True,
        text=True,
        timeout=90,
        env=env,
        cwd=script.parent,
    )
    return Outcome(
        proc.returncode,
        json.loads(export.read_text()) if export.exists() else {},
        proc.stderr,
        {path: list(messages) for path, messages in echo.received.items()},
        dict(echo.sessions),
        {path: list(headers) for path, headers in echo.headers.items()},
    )


def both(k6_bin: str, echo: EchoServer, tmp_path: Path, script: str, *args: str) -> tuple[Outcome, Outcome]:
    path = tmp_path / "script.js"
    path.write_text(textwrap.dedent(script).lstrip(), encoding="utf-8")
    k6 = _run([k6_bin], path, echo, *args)
    loadpy = _run([sys.executable, "-m", "loadpy"], path, echo, *args)
    return k6, loadpy


def _messages(outcome: Outcome) -> dict[str, list[str]]:
    return {path: sorted(map(repr, messages)) for path, messages in outcome.received.items()}


def assert_same(k6: Outcome, lp: Outcome, *, console: bool = True, racy: frozenset[str] = frozenset()) -> None:
    assert k6.code == lp.code, f"exit code: k6 {k6.code}, loadpy {lp.code}\n{lp.stderr[-2000:]}"
    for name in COUNTED:
        assert lp.count(name) == k6.count(name), f"{name}: k6 {k6.count(name)}, loadpy {lp.count(name)}"
    assert lp.ws_keys() - racy == k6.ws_keys() - racy
    for name in TIMED:
        if name in k6.export.get("metrics", {}) and name not in racy:
            assert set(lp.export["metrics"][name]) == set(k6.export["metrics"][name]), name
    assert lp.checks() == k6.checks()
    assert _messages(lp) == _messages(k6)  # (several VUs: arrival order between them is free)
    assert lp.sessions == k6.sessions
    if console:
        assert lp.console() == k6.console()


# -- k6/ws ----------------------------------------------------------------------------------------


def test_ws_connect_counts_handlers_timers_and_the_response(k6_bin: str, echo: EchoServer, tmp_path: Path) -> None:
    k6, lp = both(
        k6_bin,
        echo,
        tmp_path,
        """
        import ws from "k6/ws";
        import { check } from "k6";
        export const options = { vus: 2, iterations: 4 };
        export default function () {
          let got = 0;
          const params = { tags: { kind: "classic" }, headers: { "X-Who": "vu" } };
          const res = ws.connect(`${__ENV.WS}/echo`, params, (socket) => {
            socket.on("open", () => {
              socket.send("one");
              socket.send(2);
              socket.sendBinary(new Uint8Array([1, 2, 3]).buffer);
              socket.ping();
            });
            socket.on("message", (m) => { got++; check(m, { "text echoed": (t) => t === "one" || t === "2" }); });
            socket.on("binaryMessage", (b) => {
              got++;
              check(b, { "binary echoed": (x) => new Uint8Array(x).join() === "1,2,3" });
            });
            socket.on("pong", () => check(null, { "pong": () => true }));
            socket.setInterval(() => { if (got === 3) socket.close(); }, 20);
            socket.setTimeout(() => socket.close(), 5000);
            socket.on("close", (code) => check(code, { "closed with 1001": (c) => c === 1001 }));
          });
          check(res, {
            "status 101": (r) => r.status === 101,
            "url": (r) => r.url === `${__ENV.WS}/echo`,
            "no error": (r) => r.error === "",
            "upgrade header": (r) => r.headers["Upgrade"] === "websocket",
          });
        }
        """,
    )
    assert_same(k6, lp)
    assert lp.count("ws_sessions") == 4 and lp.count("ws_msgs_sent") == 12 and lp.count("ws_msgs_received") == 12
    assert lp.checks()["text echoed"] == (8, 0)
    assert sorted(m for m in lp.received["/echo"] if isinstance(m, str)) == ["2", "2", "2", "2", *["one"] * 4]


def test_ws_errors_close_codes_and_a_send_after_close(k6_bin: str, echo: EchoServer, tmp_path: Path) -> None:
    k6, lp = both(
        k6_bin,
        echo,
        tmp_path,
        """
        import ws from "k6/ws";
        import { check } from "k6";
        export const options = { iterations: 1 };
        export default function () {
          const refused = ws.connect("ws://127.0.0.1:9/none", (socket) => console.log("never"));
          console.log(`refused: ${refused.status} ${refused.error}`);
          const denied = ws.connect(`${__ENV.WS}/deny`, (socket) => console.log("never"));
          const length = denied.headers["Content-Length"];
          console.log(`denied: ${denied.status} ${denied.body.trim()} ${length} "${denied.error}"`);
          console.log(`${Object.keys(denied.headers).filter((h) => h !== "Date").sort()}`);
          ws.connect(`${__ENV.WS}/close/4000`, null, (socket) => {
            socket.on("open", () => socket.send("x"));
            socket.on("message", (m) => console.log(`message ${m}`));
            socket.on("error", (e) => console.log(`error ${e.error()} / ${e}`));
            socket.on("close", (code) => { console.log(`close ${code}`); socket.send("late"); });
          });
          ws.connect(`${__ENV.WS}/echo`, null, (socket) => {
            socket.on("open", () => socket.close(4002));
            socket.on("close", (code) => console.log(`closed ${code}`));
            socket.on("error", (e) => console.log(`error ${e.error()}`));
          });
          try {
            ws.connect(`${__ENV.WS}/echo`, null, (socket) => socket.setTimeout(() => {}, 0));
          } catch (e) {
            console.log(`thrown ${e}`);
          }
          check(refused, { "refused status 0": (r) => r.status === 0 });
        }
        """,
    )
    assert_same(k6, lp)
    assert lp.console()[0] == "info refused: 0 dial tcp 127.0.0.1:9: connect: connection refused"
    assert "info error websocket: close 4000: bye / websocket: close 4000: bye" in lp.console()
    assert lp.console()[1:3] == ['info denied: 403 denied 7 \\"\\"', "info Content-Length,Content-Type,Server"]
    assert lp.count("ws_sessions") == 5  # the refused and denied connections count as sessions in k6


def test_ws_a_throwing_handler_fails_the_iteration_and_closes(k6_bin: str, echo: EchoServer, tmp_path: Path) -> None:
    k6, lp = both(
        k6_bin,
        echo,
        tmp_path,
        """
        import ws from "k6/ws";
        export const options = { iterations: 2, thresholds: { ws_msgs_received: ["count==2"] } };
        export default function () {
          ws.connect(`${__ENV.WS}/echo`, null, (socket) => {
            socket.on("open", () => socket.send("boom"));
            socket.on("message", () => { throw new Error("handler failed"); });
            socket.on("close", (code) => console.log(`close ${code}`));
          });
          console.log("not reached");
        }
        """,
    )
    assert_same(k6, lp, console=False)
    assert [line for line in lp.console() if line.startswith("info")] == ["info close 1001"] * 2
    assert lp.stderr.count("handler failed") == 2 and "not reached" not in lp.stderr


def test_ws_in_init_code_is_refused(k6_bin: str, echo: EchoServer, tmp_path: Path) -> None:
    k6, lp = both(
        k6_bin,
        echo,
        tmp_path,
        """
        import ws from "k6/ws";
        ws.connect(`${__ENV.WS}/echo`, (socket) => {});
        export default function () {}
        """,
    )
    assert k6.code == lp.code == 107
    assert "using websockets in the init context is not supported" in lp.stderr
    assert lp.sessions == k6.sessions == {}


def test_handshake_headers_cookies_and_subprotocols(k6_bin: str, echo: EchoServer, tmp_path: Path) -> None:
    k6, lp = both(
        k6_bin,
        echo,
        tmp_path,
        """
        import http from "k6/http";
        import ws from "k6/ws";
        import { WebSocket } from "k6/experimental/websockets";
        export const options = { iterations: 1 };
        export default function () {
          const site = __ENV.WS.replace("ws://", "http://");
          http.cookieJar().set(`${site}/`, "sid", "abc");
          const jar = new http.CookieJar();
          jar.set(`${site}/`, "own", "jar");
          ws.connect(`${__ENV.WS}/legacy`, { headers: { "X-Who": "legacy" } }, (s) => s.on("open", () => s.close()));
          ws.connect(`${__ENV.WS}/legacy-jar`, { jar }, (s) => s.on("open", () => s.close()));
          const w = new WebSocket(`${__ENV.WS}/modern`, ["chat"], { headers: { "X-Who": "modern" } });
          w.onopen = () => { console.log(`protocol "${w.protocol}"`); w.close(); };
          ws.connect(`${__ENV.WS}/cookie`, (s) => s.on("open", () => s.close()));
          console.log(JSON.stringify(http.cookieJar().cookiesForURL(`${site}/cookie`)));
        }
        """,
    )
    assert_same(k6, lp, console=False)  # (k6 lists the cookies in Go's map order: random)

    def seen(outcome: Outcome, path: str) -> tuple[str | None, str | None, str | None]:
        (headers,) = outcome.headers[path]
        return headers.get("x-who"), headers.get("cookie"), headers.get("sec-websocket-protocol")

    for path in ("/legacy", "/legacy-jar", "/modern"):
        assert seen(lp, path) == seen(k6, path), path
    assert seen(lp, "/legacy") == ("legacy", "sid=abc", None)
    assert seen(lp, "/legacy-jar") == (None, "own=jar", None)
    assert seen(lp, "/modern") == ("modern", "sid=abc", "chat")
    # the handshake's Set-Cookie headers are stored in the VU's jar
    cookies = [json.loads(line[len("info ") :].replace('\\"', '"')) for line in (lp.console()[0], k6.console()[0])]
    assert cookies[0] == cookies[1] == {"sid": ["abc"], "ws": ["1"], "other": ["2"]}
    assert lp.console()[1:] == k6.console()[1:] == ['info protocol \\"\\"']  # (the server chose none)


# -- k6/experimental/websockets ---------------------------------------------------------------------


def test_websockets_the_iteration_lasts_until_every_socket_closed(
    k6_bin: str, echo: EchoServer, tmp_path: Path
) -> None:
    k6, lp = both(
        k6_bin,
        echo,
        tmp_path,
        """
        import { WebSocket } from "k6/experimental/websockets";
        import { check } from "k6";
        export const options = { vus: 2, iterations: 4, thresholds: { ws_sessions: ["count==8"] } };
        export default function () {
          const ws = new WebSocket(`${__ENV.WS}/echo`, null, { tags: { kind: "browser" } });
          ws.binaryType = "arraybuffer";
          let got = 0;
          ws.onopen = () => {
            ws.send("hello");
            ws.send(new Uint8Array([7, 8]).buffer);
            ws.ping();
          };
          ws.addEventListener("message", (e) => {
            got++;
            check(e, { "data": (ev) => ev.data === "hello" || new Uint8Array(ev.data).join() === "7,8" });
            if (got === 2) setTimeout(() => ws.close(), 10);
          });
          ws.onpong = () => check(ws, { "open at pong": (w) => w.readyState === 1 });
          ws.onclose = () => check(ws, { "closed": (w) => w.readyState === 3 });
          const other = new WebSocket(`${__ENV.WS}/close/1000`);
          other.onopen = () => other.send(JSON.stringify({ vu: __VU }));
          other.onclose = () => check(other, { "peer closed": (w) => w.readyState === 3 });
          check(ws, { "connecting at first": (w) => w.readyState === 0 && w.url === `${__ENV.WS}/echo` });
        }
        """,
    )
    assert_same(k6, lp, console=False)
    # k6/websockets counts the ping and the close frame in ws_msgs_sent: (2 + ping + close) + 1, 4 times
    assert lp.count("ws_msgs_sent") == 20 and lp.count("ws_sessions") == 8
    assert lp.checks()["closed"] == (4, 0) and lp.checks()["peer closed"] == (4, 0)
    assert lp.code == 0


def test_websockets_errors_events_and_a_failing_threshold(k6_bin: str, echo: EchoServer, tmp_path: Path) -> None:
    k6, lp = both(
        k6_bin,
        echo,
        tmp_path,
        """
        import { WebSocket } from "k6/experimental/websockets";
        export const options = { iterations: 1, thresholds: { ws_msgs_received: ["count>5"] } };
        export default function () {
          const refused = new WebSocket("ws://127.0.0.1:9/");
          refused.onerror = (e) => console.log(`refused error ${e.error} ${e.type}`);
          refused.onclose = (e) => console.log(`refused close ${e.type} ${refused.readyState}`);
          try {
            refused.send("too early");
          } catch (e) {
            console.log(`send: ${e}`);
          }
          const ws = new WebSocket(`${__ENV.WS}/close/4001`);
          ws.onopen = () => ws.send("x");
          ws.onmessage = (e) => console.log(`message ${e.data} ${e.origin === ws.url}`);
          ws.onerror = (e) => console.log(`error ${e.error}`);
          ws.addEventListener("close", () => console.log("closed"));
          try {
            new WebSocket("http://127.0.0.1/");
          } catch (e) {
            console.log(`${e}`);
          }
        }
        """,
    )
    assert_same(k6, lp)
    assert lp.code == 99
    assert lp.console() == [
        "info send: GoError: InvalidStateError",
        'info GoError: WebSocket requires url with scheme ws or wss, but got \\"http\\"',
        "info refused error dial tcp 127.0.0.1:9: connect: connection refused error",
        "info refused close close 3",
        "info message x true",
        "info error websocket: close 4001: bye",
        "info closed",
    ]


def test_an_interrupted_iteration_records_no_session_duration(k6_bin: str, echo: EchoServer, tmp_path: Path) -> None:
    k6, lp = both(
        k6_bin,
        echo,
        tmp_path,
        """
        import ws from "k6/ws";
        import { WebSocket } from "k6/experimental/websockets";
        export const options = { scenarios: {
          a: { executor: "constant-vus", vus: 1, duration: "1s", gracefulStop: "0s", exec: "legacy" },
          b: { executor: "constant-vus", vus: 1, duration: "1s", gracefulStop: "0s", exec: "modern" },
        } };
        export function legacy() {
          ws.connect(`${__ENV.WS}/echo`, null, (s) => {
            s.on("open", () => s.send("a"));
            s.on("close", () => console.log("legacy close"));
          });
        }
        export function modern() {
          const w = new WebSocket(`${__ENV.WS}/echo`);
          w.onopen = () => w.send("b");
          w.onclose = () => console.log("modern close");
        }
        """,
    )
    # (k6 shows what a k6/ws close handler logs while the hard stop closes its socket, or not: a race
    # with the end of the VU; loadpy runs the handler but, as for any code of a hard-stopped iteration,
    # drops its console output)
    assert_same(k6, lp, console=False)
    assert set(k6.console()) <= {"info legacy close"} and lp.console() == []
    # the sockets outlive the scenarios: both iterations are interrupted, their sessions never end in k6
    assert lp.count("iterations") == 0 and lp.count("ws_sessions") == 2
    assert "ws_session_duration" not in lp.export["metrics"]


def test_websockets_a_throwing_handler_ends_the_socket_and_fails_the_iteration(
    k6_bin: str, echo: EchoServer, tmp_path: Path
) -> None:
    k6, lp = both(
        k6_bin,
        echo,
        tmp_path,
        """
        import { WebSocket } from "k6/experimental/websockets";
        export const options = { iterations: 2 };
        export default function () {
          const w = new WebSocket(`${__ENV.WS}/echo`);
          w.onopen = () => w.send("x");
          w.onmessage = () => { throw new Error("boom in handler"); };
          w.onerror = (e) => console.log(`error ${e.error.split(" at ")[0]}`);
          w.onclose = () => console.log(`close ${w.readyState}`);
        }
        """,
    )
    # k6 records the dropped session's ws_session_duration only when its socket goroutine wins a race
    # with the end of the iteration (measured: 3 runs of 6); loadpy never does
    assert_same(k6, lp, racy=frozenset({"ws_session_duration"}))
    assert lp.console() == ["info error Error: boom in handler", "info close 3"] * 2
    assert lp.stderr.count("level=error") == 2 and "ws_session_duration" not in lp.export["metrics"]


def test_websockets_in_init_code_is_refused(echo: EchoServer, tmp_path: Path) -> None:
    # (k6 v1.1 panics here, exit 109: loadpy refuses with k6/ws's message instead)
    path = tmp_path / "script.js"
    path.write_text(
        'import { WebSocket } from "k6/websockets";\nconst w = new WebSocket(`${__ENV.WS}/echo`);\n'
        "export default function () {}\n"
    )
    lp = _run([sys.executable, "-m", "loadpy"], path, echo)
    assert lp.code == 107 and lp.sessions == {}
    assert "GoError: using websockets in the init context is not supported" in lp.stderr
    assert f"at file://{path}:2" in lp.stderr


def test_websockets_with_global_timers(k6_bin: str, echo: EchoServer, tmp_path: Path) -> None:
    k6, lp = both(
        k6_bin,
        echo,
        tmp_path,
        """
        import { WebSocket } from "k6/experimental/websockets";
        import { setInterval, clearInterval } from "k6/timers";
        export const options = { iterations: 2 };
        export default function () {
          const ws = new WebSocket(`${__ENV.WS}/echo`);
          let ticks = 0;
          let got = 0;
          const id = setInterval(() => {
            if (ws.readyState !== 1) return;
            ticks++;
            ws.ping();
            ws.send(`tick ${ticks}`);
            if (ticks === 3) clearInterval(id);
          }, 30);
          const guard = setTimeout(() => ws.close(), 5000);
          ws.onmessage = (e) => { got++; console.log(e.data); if (got === 3) ws.close(); };
          ws.onclose = () => { clearTimeout(guard); console.log(`closed after ${ticks} ticks`); };
        }
        """,
    )
    assert_same(k6, lp)
    assert lp.console() == ["info tick 1", "info tick 2", "info tick 3", "info closed after 3 ticks"] * 2
    assert lp.count("ws_msgs_sent") == 14  # per iteration: 3 messages, 3 pings, the close frame
    # (the iteration lasts until the socket closed: the guard timer never fires)
    assert lp.export["metrics"]["iteration_duration"]["max"] < 4000


def test_metric_tags_as_k6_writes_them(k6_bin: str, echo: EchoServer, tmp_path: Path) -> None:
    """Every ws_* sample's tags in `--out json`: url, status, subproto, group, scenario, the user's, and
    k6/websockets' name (the URL, or the user's name tag, which is then the url tag too)."""
    script = textwrap.dedent(
        """
        import ws from "k6/ws";
        import { group } from "k6";
        import { WebSocket } from "k6/experimental/websockets";
        export const options = { iterations: 1 };
        export default function () {
          group("g", () => {
            ws.connect(`${__ENV.WS}/echo`, { tags: { a: "1" } }, (s) => {
              s.on("open", () => s.send("x"));
              s.on("message", () => s.close());
            });
          });
          ws.connect("ws://127.0.0.1:9/refused", { tags: { a: "2" } }, () => {});
          const denied = ws.connect(`${__ENV.WS}/deny`, () => {});
          console.log(`denied ${denied.status} "${denied.error}"`);
          new WebSocket(`${__ENV.WS}/deny`);
          const w = new WebSocket(`${__ENV.WS}/echo`, null, { tags: { b: "2" } });
          w.onopen = () => w.send("y");
          w.onmessage = () => w.close();
          const n = new WebSocket(`${__ENV.WS}/echo`, null, { tags: { name: "named" } });
          n.onopen = () => n.close();
          new WebSocket("ws://127.0.0.1:9/refused");
        }
        """
    ).lstrip()
    path = tmp_path / "script.js"
    path.write_text(script, encoding="utf-8")

    def samples(tool: list[str]) -> set[tuple[str, str]]:
        out = tmp_path / "points.json"
        out.unlink(missing_ok=True)
        outcome = _run(tool, path, echo, "--out", f"json={out}")
        assert outcome.code == 0, outcome.stderr[-2000:]
        seen = set()
        for line in out.read_text().splitlines():
            point = json.loads(line)
            if point.get("type") == "Point" and point["metric"].startswith("ws_"):
                seen.add((point["metric"], json.dumps(point["data"]["tags"], sort_keys=True)))
        return seen

    k6 = samples([k6_bin])
    lp = samples([sys.executable, "-m", "loadpy"])
    assert lp == k6
    assert (
        "ws_sessions",
        json.dumps({"a": "2", "group": "", "scenario": "default", "url": "ws://127.0.0.1:9/refused"}, sort_keys=True),
    ) in lp


def test_server_pings_and_blobs(k6_bin: str, echo: EchoServer, tmp_path: Path) -> None:
    k6, lp = both(
        k6_bin,
        echo,
        tmp_path,
        """
        import ws from "k6/ws";
        import { WebSocket, Blob } from "k6/experimental/websockets";
        export const options = { iterations: 1 };
        export default function () {
          ws.connect(`${__ENV.WS}/ping`, (s) => {
            s.on("ping", () => { console.log("legacy ping"); s.close(); });
          });
          const w = new WebSocket(`${__ENV.WS}/ping`);
          w.onping = () => {
            console.log("ping");
            const blob = new Blob(["ab", new Uint8Array([1, 2]).buffer], { type: "x/y" });
            console.log(`blob ${blob.size} ${blob.type}`);
            try {
              w.send(blob);
            } catch (e) {
              console.log(`${e}`);
            }
            blob.arrayBuffer().then((b) => w.send(b));
          };
          w.onmessage = (e) => {
            console.log(`got ${typeof e.data} ${e.data.size}`);
            e.data.arrayBuffer().then((b) => {
              console.log(new Uint8Array(b).join());
              w.close();
            });
          };
        }
        """,
    )
    assert_same(k6, lp)
    assert lp.console() == [
        "info legacy ping",
        "info ping",
        "info blob 4 x/y",
        "info GoError: unsupported send type map[string]interface {}",
        "info got object 4",
        "info 97,98,1,2",
    ]
    assert lp.received == {"/ping": [b"ab\x01\x02"]}


def test_a_peer_that_speaks_or_closes_first(k6_bin: str, echo: EchoServer, tmp_path: Path) -> None:
    k6, lp = both(
        k6_bin,
        echo,
        tmp_path,
        """
        import ws from "k6/ws";
        import { WebSocket } from "k6/experimental/websockets";
        export const options = { iterations: 1 };
        export default function () {
          ws.connect(`${__ENV.WS}/hello`, (s) => {
            s.on("message", (m) => { console.log(`legacy ${m}`); s.close(1005); });
          });
          ws.connect(`${__ENV.WS}/bye`, (s) => {
            s.on("error", (e) => console.log(`legacy error ${e.error()}`));
            s.on("close", (code) => console.log(`legacy close ${code}`));
          });
          const hello = new WebSocket(`${__ENV.WS}/hello`);
          hello.onmessage = (e) => { console.log(`modern ${e.data}`); hello.close(); };
          hello.onclose = () => {
            const bye = new WebSocket(`${__ENV.WS}/bye`);
            bye.onerror = (e) => console.log(`modern error ${e.error}`);
            bye.onclose = () => console.log("modern close");
          };
        }
        """,
    )
    assert_same(k6, lp)
    assert lp.console() == [
        "info legacy hello",
        "info legacy error websocket: close 4003: go away",
        "info legacy close 4003",
        "info modern hello",
        "info modern error websocket: close 4003: go away",
        "info modern close",
    ]


def test_what_a_peer_says_with_its_handshake_comes_after_open(k6_bin: str, echo: EchoServer, tmp_path: Path) -> None:
    # the greeting often shares a packet with the handshake: it must reach onmessage, after onopen
    k6, lp = both(
        k6_bin,
        echo,
        tmp_path,
        """
        import { WebSocket } from "k6/experimental/websockets";
        import { check } from "k6";
        export const options = { iterations: 20, vus: 4 };
        export default function () {
          const hello = new WebSocket(`${__ENV.WS}/hello`);
          let opened = false;
          const guard = setTimeout(() => hello.close(), 3000);
          hello.onopen = () => { opened = true; };
          hello.onmessage = (e) => {
            check(e, { "greeting after open": (ev) => opened && ev.data === "hello" });
            clearTimeout(guard);
            hello.close();
          };
        }
        """,
    )
    assert_same(k6, lp)
    assert lp.checks() == {"greeting after open": (20, 0)}
