"""Dry-run one k6 script: init code, setup, then one iteration of each scenario's function.

`python -m tests.js.corpus_runner SCRIPT` prints one JSON line: {"stage": ..., "error": ...} where stage
is the last stage reached ("init", "setup", "iteration", "ok"); with "ok", "interrupted" names the
scenarios whose iteration was still running after ITERATION_LIMIT and was interrupted (the script
is then a busy loop that loadpy stopped as k6 does at a hard stop: counted as ok). Requests never leave the process: a
stub HTTP client answers each with 200 and a small JSON body, and sleeps last no time, so a script
written against the internet runs here in well under a second. WebSocket sessions (k6/ws,
k6/websockets) go to a local echo server whatever their URL (tests/js/ws_echo.py; it closes a session
whose client stays silent for a second, as a script that only listens would otherwise wait forever).
The test runs this in a subprocess with a time limit (a script may be a busy loop on purpose).
"""

from __future__ import annotations

import asyncio
import json
import logging
import os
import sys
from typing import Any
from urllib.parse import urlsplit, urlunsplit

from loadpy.clock import now
from loadpy.protocols.http.cookies import CookieJar
from loadpy.protocols.http.model import Response, Timings
from loadpy.protocols.ws import WsSession
from tests.js.ws_echo import EchoServer

ITERATION_LIMIT = 3.0  # seconds: an iteration still running then is interrupted, as at k6's hard stop
STUB_BODY = b'{"ok": true, "id": 1, "name": "stub", "token": "t", "access": "t", "data": [], "items": []}'


class _Prepared:
    def __init__(self, method: str, url: str, headers: Any, body: bytes | None) -> None:
        self.method, self.url, self.headers, self.body = method, url, headers, body
        self.timeout: float | None = None
        self.redirects: int | None = None
        self.response_type: str | None = None


class StubClient:
    """An HttpClientLike that answers locally (loadpy.vu.core.HttpClientLike)."""

    def __init__(self, on_response: Any) -> None:
        self.on_response = on_response
        self.on_challenge = on_response  # no Digest challenge here: the stub answers 200
        self.bytes_sent = 0
        self.bytes_received = 0
        self.cookies = CookieJar()  # what http.cookieJar() reaches
        self.vu_id = 0

    def prepare(
        self, method: str, url: str, headers: Any = None, body: bytes | None = None, auth: str | None = None
    ) -> _Prepared:
        return _Prepared(method, url, headers or {}, body)

    async def send(
        self,
        prepared: _Prepared,
        timeout: float | None = None,
        redirects: int | None = None,
        response_type: str | None = None,
        record: Any = None,
    ) -> Response:
        self.bytes_sent += 100 + len(prepared.body or b"")
        self.bytes_received += 100 + len(STUB_BODY)
        resp = Response(
            prepared.method,
            prepared.url,
            status=200,
            status_text="200 OK",
            proto="HTTP/1.1",
            headers={"Content-Type": "application/json"},
            body=STUB_BODY,
            timings=Timings(waiting=1.0),
            request_headers=dict(prepared.headers),
            request_body=prepared.body,
            end_time=now(),
        )
        self.on_response(resp, record)
        return resp

    async def batch(self, requests: list[_Prepared], records: Any = None) -> list[Response]:
        records = records or [None] * len(requests)
        return [await self.send(r, record=rec) for r, rec in zip(requests, records, strict=True)]

    def close_idle(self) -> None:
        pass

    async def aclose(self) -> None:
        pass


class _ErrorCounter(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.ERROR)
        self.messages: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        if record.name != "loadpy.js.console":  # the script's own console.error is not a failure
            self.messages.append(record.getMessage())


async def _dry_run(path: str) -> dict[str, Any]:
    from loadpy.config.consolidate import resolve_options
    from loadpy.js import load_js_script
    from loadpy.js.bridge import JsRuntime
    from loadpy.metrics import Registry
    from loadpy.vu.api import VU

    async def no_sleep(self: Any, seconds: float) -> None:
        await asyncio.sleep(0)

    VU.sleep = no_sleep  # type: ignore[method-assign]
    errors = _ErrorCounter()
    logging.getLogger("loadpy").addHandler(errors)
    stage = "init"
    interrupted: list[str] = []  # scenarios whose iteration ran past ITERATION_LIMIT and was stopped
    try:
        registry = Registry()
        env = {"BASE_URL": "http://127.0.0.1:9", **os.environ}
        script = load_js_script(path, env, registry)
        options = resolve_options(script.options, config_file=None, env={}, cli={}, doc=None, config_path=None)
        runtime = JsRuntime(script, options, registry, env, client_factory=StubClient)
        stage = "setup"
        data = await runtime.setup()
        del data
        stage = "iteration"
        vu = runtime.new_vu(1, 1)
        for name, scenario in options.scenarios.items():
            from loadpy.engine.interfaces import ScenarioContext

            ctx = ScenarioContext(name=name, executor=scenario.executor, exec_name=scenario.exec_name, start_time=now())
            before = len(errors.messages)
            try:
                await asyncio.wait_for(vu.run_iteration(ctx, 0), ITERATION_LIMIT)
            except TimeoutError:
                # a busy loop (k6/malicious.js): k6 interrupts it at the hard stop; this gets here only
                # if loadpy's loop guard let the event loop run and the interruption stopped the script
                interrupted.append(name)
                continue
            if len(errors.messages) > before:
                return {"stage": stage, "error": errors.messages[before]}
        stage = "teardown"
        await runtime.teardown(None)
    except Exception as exc:
        return {"stage": stage, "error": f"{type(exc).__name__}: {exc}"}
    return {"stage": "ok", "error": "", "interrupted": ",".join(interrupted)}


def _websockets_to(server: EchoServer) -> None:
    """Every WebSocket session opens on the local echo server (path and query kept)."""
    original = WsSession.open.__func__  # type: ignore[attr-defined]

    async def open_locally(cls: type[WsSession], url: str, **kwargs: Any) -> WsSession:
        parts = urlsplit(url)
        local = urlunsplit(("ws", f"127.0.0.1:{server.port}", parts.path or "/", parts.query, ""))
        return await original(cls, local, **kwargs)  # type: ignore[no-any-return]

    WsSession.open = classmethod(open_locally)  # type: ignore[method-assign, assignment]


def main(path: str) -> None:
    logging.basicConfig(level=logging.CRITICAL)
    path = os.path.abspath(path)
    os.chdir(os.path.dirname(path))
    with EchoServer(quiet_close=1.0) as server:
        _websockets_to(server)
        result = asyncio.run(_dry_run(path))
    print(json.dumps(result), flush=True)


if __name__ == "__main__":
    main(sys.argv[1])
