"""The HTTP target both tools hit: loadpy's embedded demo server when it exists, else a stdlib stand-in.

Both expose the same test API over HTTP (`GET /_stats` → {"total", "paths", "arrivals"}, `POST /_reset`),
so the harness talks to either one the same way. The stand-in exists so the k6 side of the suite runs
even before (or without) loadpy's demo server; it is never used once `loadpy.demo.server` imports.
"""

from __future__ import annotations

import contextlib
import json
import threading
import time
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qsl, urlsplit

UNCOUNTED = frozenset({"/_stats", "/_reset"})


@dataclass(frozen=True)
class Stats:
    """What the target saw: total requests, count per path, arrivals as (path, seconds on its clock)."""

    total: int
    paths: dict[str, int]
    arrivals: list[tuple[str, float]]

    def times(self, path: str) -> list[float]:
        return [t for p, t in self.arrivals if p == path]

    def count(self, prefix: str) -> int:
        return sum(n for p, n in self.paths.items() if p.startswith(prefix))


class Target:
    """A running target: its base URL, and stats/reset over its HTTP test API."""

    def __init__(self, base_url: str, kind: str) -> None:
        self.base_url = base_url
        self.kind = kind  # "demo" or "stdlib", shown in failure messages

    def stats(self) -> Stats:
        with urllib.request.urlopen(self.base_url + "/_stats", timeout=10) as resp:
            data = json.loads(resp.read())
        return Stats(int(data["total"]), dict(data["paths"]), [(str(p), float(t)) for p, t in data["arrivals"]])

    def reset(self) -> None:
        req = urllib.request.Request(self.base_url + "/_reset", data=b"", method="POST")
        with urllib.request.urlopen(req, timeout=10) as resp:
            resp.read()


@contextlib.contextmanager
def open_target() -> Iterator[Target]:
    try:
        from loadpy.demo.server import run_demo_in_thread  # type: ignore[import-not-found,unused-ignore]
    except ImportError:
        with _stdlib_target() as target:
            yield target
        return
    with run_demo_in_thread() as server:
        yield Target(str(server.base_url).rstrip("/"), "demo")


# --- the stdlib stand-in -------------------------------------------------------------------------


class _Log:
    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.paths: dict[str, int] = {}
        self.arrivals: list[tuple[str, float]] = []

    def record(self, path: str) -> None:
        with self.lock:
            self.paths[path] = self.paths.get(path, 0) + 1
            self.arrivals.append((path, time.perf_counter()))

    def snapshot(self) -> dict[str, Any]:
        with self.lock:
            return {
                "total": sum(self.paths.values()),
                "paths": dict(self.paths),
                "arrivals": [[p, t] for p, t in self.arrivals],
            }

    def reset(self) -> None:
        with self.lock:
            self.paths, self.arrivals = {}, []


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server: _Server

    def log_message(self, format: str, *args: Any) -> None:
        pass

    def _send(
        self, status: int, body: bytes, ctype: str = "text/plain", extra: list[tuple[str, str]] | None = None
    ) -> None:
        self.send_response(status)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(body)))
        for k, v in extra or []:
            self.send_header(k, v)
        self.end_headers()
        self.wfile.write(body)

    def _json(self, obj: Any, status: int = 200, extra: list[tuple[str, str]] | None = None) -> None:
        self._send(status, json.dumps(obj).encode(), "application/json", extra)

    def _cookies(self) -> dict[str, str]:
        out: dict[str, str] = {}
        for part in self.headers.get("Cookie", "").split(";"):
            if "=" in part:
                k, v = part.strip().split("=", 1)
                out[k] = v
        return out

    def do_POST(self) -> None:
        body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
        path = urlsplit(self.path).path
        if path == "/_reset":
            self.server.log.reset()
            return self._json({"ok": True})
        self.server.log.record(path)
        if path == "/graphql":
            query = str(json.loads(body or b"{}").get("query", ""))
            if "boom" in query:
                return self._json({"errors": [{"message": "boom requested", "path": ["boom"]}], "data": None})
            return self._json({"data": {"hello": "world"}})
        self._send(200, body, self.headers.get("Content-Type") or "application/octet-stream")

    def do_GET(self) -> None:
        url = urlsplit(self.path)
        path, parts = url.path, url.path.strip("/").split("/")
        if path == "/_stats":
            return self._json(self.server.log.snapshot())
        self.server.log.record(path)
        head, arg = parts[0], (parts[1] if len(parts) > 1 else "")
        if path == "/":
            self._send(200, b"ok")
        elif head == "status":
            self._send(int(arg), f"status {arg}".encode())
        elif head == "delay":
            time.sleep(int(arg) / 1000)
            self._send(200, b"ok")
        elif head == "json":
            self._json({"name": "loadpy", "items": [1, 2, 3], "nested": {"ok": True}})
        elif head == "bytes":
            self._send(200, b"x" * int(arg), "application/octet-stream")
        elif head == "headers":
            self._json(dict(self.headers.items()))
        elif head == "redirect":
            n = int(arg)
            if n <= 0:
                self._send(200, b"ok")
            else:
                self._send(302, b"", extra=[("Location", f"/redirect/{n - 1}")])
        elif head == "cookies" and arg == "set":
            pairs = parse_qsl(url.query)
            self._json({**self._cookies(), **dict(pairs)}, extra=[("Set-Cookie", f"{k}={v}; Path=/") for k, v in pairs])
        elif head == "cookies":
            self._json(self._cookies())
        elif head == "items":
            self._json({"id": arg, "name": f"item {arg}"})
        else:
            self._send(404, b"not found")


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    log: _Log


@contextlib.contextmanager
def _stdlib_target() -> Iterator[Target]:
    server = _Server(("127.0.0.1", 0), _Handler)
    server.log = _Log()
    thread = threading.Thread(target=server.serve_forever, name="conformance-target", daemon=True)
    thread.start()
    try:
        yield Target(f"http://127.0.0.1:{server.server_address[1]}", "stdlib")
    finally:
        server.shutdown()
        server.server_close()
