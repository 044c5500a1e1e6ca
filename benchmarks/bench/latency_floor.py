"""The latency floor for figure 4: what the kernel and the target alone add to one request.

wrk2 (constant-rate wrk) is not packaged in Debian, so this is its stand-in: a blocking
socket client with no event loop and no per-request Python work beyond a clock read on
each side of sendall/recv. It sends GET requests on one keep-alive connection on an open
schedule (`rate` per second, each at its planned time or, when late, at once) and prints
JSON with k6-style percentiles (linear interpolation) of the time from the write to the
last byte of the response, the same span k6's http_req_duration covers.

    python latency_floor.py http://127.0.0.1:8080/ --rate 1000 --duration 10
"""

from __future__ import annotations

import argparse
import json
import math
import socket
import sys
import time
from urllib.parse import urlsplit


def percentile(ordered: list[float], pct: float) -> float:
    """k6's percentile: linear interpolation between the two nearest ranks."""
    if not ordered:
        return 0.0
    pos = pct / 100.0 * (len(ordered) - 1)
    lo, hi = math.floor(pos), math.ceil(pos)
    return ordered[lo] + (ordered[hi] - ordered[lo]) * (pos - lo)


def read_response(sock: socket.socket, pending: bytes) -> bytes:
    """Read one Content-Length-delimited response; returns the bytes after it."""
    buf = pending
    while b"\r\n\r\n" not in buf:
        chunk = sock.recv(65536)
        if not chunk:
            raise ConnectionError("server closed the connection")
        buf += chunk
    head, _, rest = buf.partition(b"\r\n\r\n")
    length = 0
    for line in head.split(b"\r\n")[1:]:
        name, _, value = line.partition(b":")
        if name.strip().lower() == b"content-length":
            length = int(value)
    while len(rest) < length:
        chunk = sock.recv(65536)
        if not chunk:
            raise ConnectionError("server closed the connection")
        rest += chunk
    return rest[length:]


def measure(url: str, rate: float, duration: float) -> dict[str, float]:
    parts = urlsplit(url)
    request = f"GET {parts.path or '/'} HTTP/1.1\r\nHost: {parts.netloc}\r\nUser-Agent: floor\r\n\r\n".encode()
    perf = time.perf_counter
    samples: list[float] = []
    with socket.create_connection((parts.hostname, parts.port or 80)) as sock:
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        pending = b""
        start = perf()
        total = int(rate * duration)
        for i in range(total):
            delay = start + i / rate - perf()
            if delay > 0:
                time.sleep(delay)
            t0 = perf()
            sock.sendall(request)
            pending = read_response(sock, pending)
            samples.append(perf() - t0)
    samples.sort()
    ms = [s * 1000.0 for s in samples]
    return {
        "requests": float(len(ms)),
        "p50_ms": round(percentile(ms, 50), 4),
        "p90_ms": round(percentile(ms, 90), 4),
        "p99_ms": round(percentile(ms, 99), 4),
        "max_ms": round(ms[-1], 4) if ms else 0.0,
    }


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("url")
    ap.add_argument("--rate", type=float, default=1000.0)
    ap.add_argument("--duration", type=float, default=10.0)
    args = ap.parse_args(argv)
    print(json.dumps(measure(args.url, args.rate, args.duration)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
