"""The embedded demo target: HTTP/1.1 (httptools, keep-alive, pipelining) and WebSocket on one port.

No framework: one `connection.Connection` per client parses with httptools and answers through
`routes.Router`; an Upgrade to WebSocket hands the connection to `ws_server.WsServerSession`.
Also here: serving it from a thread (tests), as a process (`python -m loadpy.demo`), or spawning that.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import os
import signal
import subprocess
import sys
import threading
from collections.abc import Iterator
from typing import Any

from loadpy.demo.connection import Connection
from loadpy.demo.graphql_schema import MessageStore
from loadpy.demo.routes import Router, help_epilog
from loadpy.demo.stats import RequestLog


class DemoServer:
    """The demo target on one loopback port (0 picks a free one)."""

    def __init__(self, host: str = "127.0.0.1", port: int = 0) -> None:
        self.host = host
        self.port = port
        self.log = RequestLog()
        self.store = MessageStore()
        self.router = Router(self.log, self.store)
        self._server: asyncio.base_events.Server | None = None
        self._connections: set[Connection] = set()

    @property
    def base_url(self) -> str:
        return f"http://{self.host}:{self.port}"

    @property
    def ws_url(self) -> str:
        return f"ws://{self.host}:{self.port}"

    async def start(self) -> None:
        loop = asyncio.get_running_loop()
        self._server = await loop.create_server(
            lambda: Connection(self.router, self.store, self._connections),
            self.host,
            self.port,
            backlog=4096,
            reuse_address=True,
        )
        self.port = self._server.sockets[0].getsockname()[1]

    async def close(self) -> None:
        if self._server is None:
            return
        self._server.close()
        for conn in list(self._connections):
            if conn.transport is not None:
                conn.transport.close()
        await self._server.wait_closed()
        self._server = None

    def stats(self) -> dict[str, Any]:
        """{"total": n, "paths": {path: count}, "arrivals": [[path, t_monotonic], ...]} (thread-safe)."""
        return self.log.snapshot()

    def reset_stats(self) -> None:
        self.log.reset()

    reset = reset_stats  # the name the CLI tests use


def new_event_loop() -> asyncio.AbstractEventLoop:
    """uvloop when installed, else the default loop."""
    try:
        import uvloop
    except ImportError:
        return asyncio.new_event_loop()
    return uvloop.new_event_loop()


@contextlib.contextmanager
def run_demo_in_thread(host: str = "127.0.0.1", port: int = 0) -> Iterator[DemoServer]:
    """Serve the demo target from its own event loop in a daemon thread (for tests)."""
    loop = new_event_loop()
    server = DemoServer(host, port)
    ready = threading.Event()
    failure: list[BaseException] = []

    def serve() -> None:
        asyncio.set_event_loop(loop)
        try:
            loop.run_until_complete(server.start())
        except BaseException as exc:  # reported to the caller below
            failure.append(exc)
            ready.set()
            return
        ready.set()
        loop.run_forever()
        loop.run_until_complete(server.close())
        loop.run_until_complete(loop.shutdown_asyncgens())
        loop.close()

    thread = threading.Thread(target=serve, name="loadpy-demo", daemon=True)
    thread.start()
    ready.wait(30)
    if failure:
        thread.join()
        raise failure[0]
    try:
        yield server
    finally:
        loop.call_soon_threadsafe(loop.stop)
        thread.join(10)


BANNER = "loadpy demo target listening on "
START_TIMEOUT = 30.0


async def _serve(host: str, port: int) -> None:
    server = DemoServer(host, port)
    await server.start()
    print(f"{BANNER}{server.base_url}", flush=True)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        with contextlib.suppress(NotImplementedError, RuntimeError):
            loop.add_signal_handler(sig, stop.set)
    try:
        await stop.wait()
    finally:
        await server.close()


def main(argv: list[str] | None = None) -> int:
    """`python -m loadpy.demo [--host H] [--port P]`: serve until SIGINT/SIGTERM."""
    parser = argparse.ArgumentParser(
        prog="loadpy demo",
        description="Serve loadpy's demo target.",
        epilog=help_epilog(),
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--host", default="127.0.0.1", help="address to bind (default 127.0.0.1)")
    parser.add_argument("--port", type=int, default=8080, help="port (0 picks a free one; default 8080)")
    args = parser.parse_args(argv)
    if not 0 <= args.port <= 65535:
        print(f"loadpy demo: --port {args.port} is not a valid port (0-65535)", file=sys.stderr)
        return 104
    loop = new_event_loop()
    try:
        loop.run_until_complete(_serve(args.host, args.port))
    except OSError as exc:
        print(f"loadpy demo: cannot listen on {args.host}:{args.port}: {exc.strerror or exc}", file=sys.stderr)
        return 104
    except KeyboardInterrupt:
        pass
    finally:
        loop.close()
    return 0


@contextlib.contextmanager
def demo_subprocess(port: int = 0, host: str = "127.0.0.1") -> Iterator[str]:
    """Start `python -m loadpy.demo` in a child process; yield its base URL; stop it at exit."""
    # The child must import this very loadpy, whatever its working directory or install state.
    root = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    env = dict(os.environ, PYTHONPATH=os.pathsep.join(p for p in (root, os.environ.get("PYTHONPATH")) if p))
    proc = subprocess.Popen(
        [sys.executable, "-m", "loadpy.demo", "--host", host, "--port", str(port)],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        line = _first_line(proc)
        if not line.startswith(BANNER):
            err = proc.stderr.read() if proc.stderr and proc.poll() is not None else ""
            raise RuntimeError(f"the demo target did not start: {(line + err).strip() or 'no output'}")
        yield line[len(BANNER) :].strip()
    finally:
        if proc.poll() is None:
            proc.terminate()
            try:
                proc.wait(10)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
        for stream in (proc.stdout, proc.stderr):
            if stream is not None:
                stream.close()


def _first_line(proc: subprocess.Popen[str]) -> str:
    """The child's first stdout line, or "" if it says nothing within START_TIMEOUT."""
    assert proc.stdout is not None
    out: list[str] = []
    reader = threading.Thread(target=lambda: out.append(proc.stdout.readline() if proc.stdout else ""), daemon=True)
    reader.start()
    reader.join(START_TIMEOUT)
    return out[0] if out else ""
