"""Closed-loop keep-alive GET benchmark of loadpy's HttpClient (and httpx once, for comparison).

    python benchmarks/http_client_bench.py --url http://127.0.0.1:8080/ --vus 50 --requests 200000
    python benchmarks/http_client_bench.py            # starts a tiny uvloop server on cpu 1 itself
    python benchmarks/http_client_bench.py --httpx    # also measure httpx.AsyncClient (few requests)

The "python" line repeats the loop over an in-memory transport: the client's own Python cost per
request; the difference to the "loadpy" line is the kernel's loopback TCP work (and the event loop's I/O).

Prints requests/s and CPU microseconds per request of this process (user + system), with the
generator pinned to cpu 0 (--cpu -1 to leave it unpinned). One HttpClient per coroutine, as one per VU.

Measured on the shared 2-core box (nginx `return 200 "ok"` pinned to cpu 1, 50 VUs, keep-alive), same round:
loadpy HttpClient 68k-71k req/s at 14.1-14.5 us CPU/request (about 8.3 us of it Python, the rest kernel);
k6 v1.1.0 (50 VUs http.get loop, pinned to cpu 0) 16.7k-18.1k req/s; wrk 168k req/s; httpx.AsyncClient
193 req/s at 4,600 us/request. Absolute numbers swing +-25 % with the other tenants' load; compare within one round.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import resource
import subprocess
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(__file__), ".."))

import uvloop

from loadpy.protocols.http.client import HttpClient, HttpOptions
from loadpy.protocols.http.connection import H1Connection

_RESPONSE = b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\nContent-Type: text/plain\r\n\r\nok"


def serve(port: int) -> None:
    """A minimal keep-alive server (one response per request terminator seen)."""

    class Echo(asyncio.Protocol):
        def connection_made(self, transport: asyncio.BaseTransport) -> None:
            self.t = transport

        def data_received(self, data: bytes) -> None:
            n = data.count(b"\r\n\r\n")
            if n:
                self.t.write(_RESPONSE * n)  # type: ignore[attr-defined]

    async def main() -> None:
        loop = asyncio.get_running_loop()
        server = await loop.create_server(Echo, "127.0.0.1", port, backlog=1024)
        print("ready", flush=True)
        await server.serve_forever()

    uvloop.run(main())


def _cpu() -> float:
    r = resource.getrusage(resource.RUSAGE_SELF)
    return r.ru_utime + r.ru_stime


async def bench_loadpy(url: str, vus: int, total: int, seconds: float) -> tuple[int, float, float]:
    options = HttpOptions()
    done = 0
    stop_at = time.perf_counter() + seconds

    async def vu() -> None:
        nonlocal done
        client = HttpClient(options, None)
        req = client.prepare("GET", url)
        send = client.send
        while done < total and time.perf_counter() < stop_at:
            resp = await send(req)
            if resp.status != 200:
                raise SystemExit(f"unexpected response: {resp.status} {resp.error}")
            done += 1
        await client.aclose()

    # warm up the connections, then measure
    await asyncio.gather(*(HttpClient(options).request("GET", url) for _ in range(2)))
    cpu0, t0 = _cpu(), time.perf_counter()
    await asyncio.gather(*(vu() for _ in range(vus)))
    return done, time.perf_counter() - t0, _cpu() - cpu0


class _MemoryTransport:
    """Answers every write with a canned nginx-like response on the next loop turn: no kernel."""

    _RESP = (
        b"HTTP/1.1 200 OK\r\nServer: nginx/1.22.1\r\nDate: Tue, 24 Nov 2026 06:50:00 GMT\r\n"
        b"Content-Type: text/plain\r\nContent-Length: 2\r\nConnection: keep-alive\r\n\r\nok"
    )

    def __init__(self, proto: H1Connection, loop: asyncio.AbstractEventLoop) -> None:
        self.proto, self.loop = proto, loop

    def write(self, data: bytes) -> None:
        self.loop.call_soon(self._deliver)

    def _deliver(self) -> None:
        self.proto.data_received(self._RESP)

    def is_closing(self) -> bool:
        return False

    def set_write_buffer_limits(self, high: int | None = None, low: int | None = None) -> None:
        pass

    def close(self) -> None:
        pass

    abort = close


async def bench_python_only(vus: int, total: int) -> tuple[int, float, float]:
    """The client's own Python cost per request (parsing, timings, Response), without sockets."""
    loop = asyncio.get_running_loop()
    options = HttpOptions()
    done = 0

    async def vu() -> None:
        nonlocal done
        client = HttpClient(options)
        conn = H1Connection(loop, client)
        conn.connection_made(_MemoryTransport(conn, loop))  # type: ignore[arg-type]
        client._pool.idle[("http", "127.0.0.1", 80)] = [conn]
        req = client.prepare("GET", "http://127.0.0.1/")
        while done < total:
            await client.send(req)
            done += 1

    cpu0, t0 = _cpu(), time.perf_counter()
    await asyncio.gather(*(vu() for _ in range(vus)))
    return done, time.perf_counter() - t0, _cpu() - cpu0


async def bench_httpx(url: str, vus: int, total: int, seconds: float) -> tuple[int, float, float]:
    import httpx

    done = 0
    stop_at = time.perf_counter() + seconds
    async with httpx.AsyncClient(limits=httpx.Limits(max_connections=vus, max_keepalive_connections=vus)) as client:

        async def vu() -> None:
            nonlocal done
            while done < total and time.perf_counter() < stop_at:
                r = await client.get(url)
                assert r.status_code == 200
                done += 1

        cpu0, t0 = _cpu(), time.perf_counter()
        await asyncio.gather(*(vu() for _ in range(vus)))
        return done, time.perf_counter() - t0, _cpu() - cpu0


def report(name: str, done: int, wall: float, cpu: float) -> None:
    print(f"{name:8s} {done:8d} req in {wall:6.2f}s = {done / wall:9.0f} req/s, CPU {cpu / done * 1e6:6.1f} us/request")


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--url")
    ap.add_argument("--vus", type=int, default=50)
    ap.add_argument("--requests", type=int, default=200_000)
    ap.add_argument("--seconds", type=float, default=5.0, help="cap on the measured phase")
    ap.add_argument("--httpx", action="store_true", help="also run httpx.AsyncClient (capped at 2000 requests)")
    ap.add_argument("--cpu", type=int, default=0, help="pin the generator to this cpu (-1: no pinning)")
    ap.add_argument("--serve", type=int, help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.serve:
        serve(args.serve)
        return
    server = None
    url = args.url
    if url is None:
        import socket

        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            port = s.getsockname()[1]
        cmd = [sys.executable, __file__, "--serve", str(port)]
        if os.cpu_count() and os.cpu_count() > 1:  # type: ignore[operator]
            cmd = ["taskset", "-c", "1", *cmd]
        server = subprocess.Popen(cmd, stdout=subprocess.PIPE)
        assert server.stdout is not None
        server.stdout.readline()
        url = f"http://127.0.0.1:{port}/"
    if args.cpu >= 0 and hasattr(os, "sched_setaffinity"):
        os.sched_setaffinity(0, {args.cpu})
    try:
        report("loadpy", *uvloop.run(bench_loadpy(url, args.vus, args.requests, args.seconds)))
        # where the CPU goes: the same client loop over an in-memory transport is the Python share
        report("python", *uvloop.run(bench_python_only(args.vus, min(args.requests, 100_000))))
        if args.httpx:
            report("httpx", *uvloop.run(bench_httpx(url, args.vus, min(args.requests, 2000), args.seconds)))
    finally:
        if server is not None:
            server.terminate()
            server.wait()


if __name__ == "__main__":
    main()
