"""A failed response frees what it buffered at once, not whenever the cyclic GC gets round to it.

A connection's parser and the httptools parser refer to each other, so a closed connection is
cyclic garbage. When each failed request left its 10 MiB partial head in that garbage, a run
against an endless response head grew by 10 MiB per failed request until a full collection
(470 MB seen in tests/reliability under load). Here the connections are kept referenced, as
uncollected garbage is, with the cyclic GC off: what they hold is what the fix must free.
"""

from __future__ import annotations

import asyncio
import gc
import tracemalloc
from types import SimpleNamespace

from loadpy.protocols.http.connection import H1Connection
from loadpy.protocols.http.errcodes import TIMEOUT, HttpFailure

LIMIT_ERROR = "net/http: server response headers exceeded 10485760 bytes; aborted"


class _Transport:
    """Just enough of a uvloop transport for one request: nothing reaches a socket."""

    def __init__(self) -> None:
        self.closing = False

    def set_write_buffer_limits(self, high: int = 0) -> None:
        pass

    def write(self, data: bytes) -> None:
        pass

    def is_closing(self) -> bool:
        return self.closing

    def close(self) -> None:
        self.closing = True

    def abort(self) -> None:
        self.closing = True


def _failed_connections(count: int, feed_until_done: bool) -> tuple[list[H1Connection], list[HttpFailure], int]:
    """`count` connections whose response head never ends: cut at the head limit, or at a timeout
    after 5 MiB; returns them (still referenced), their results, and the bytes still allocated."""
    loop = asyncio.new_event_loop()
    chunk = b"".join(b"X-Fill-%d: %s\r\n" % (n, b"f" * 1000) for n in range(64))
    kept: list[H1Connection] = []
    results: list[HttpFailure] = []
    gc.disable()
    tracemalloc.start()
    try:
        before = tracemalloc.get_traced_memory()[0]
        for _ in range(count):
            conn = H1Connection(loop, SimpleNamespace(bytes_sent=0, bytes_received=0))
            conn.connection_made(_Transport())  # type: ignore[arg-type]
            future = conn.send(b"GET / HTTP/1.1\r\nHost: x\r\n\r\n", False, True, 60.0)
            conn.data_received(b"HTTP/1.1 200 OK\r\n")
            fed = 0
            while not future.done() and (feed_until_done or fed < 5 << 20):
                conn.data_received(chunk)
                fed += len(chunk)
            if not future.done():
                conn._deadline = 0.0  # the request's time is up: what the connection's timer then does
                conn._on_timer()
            result = future.result()
            assert result is not None
            results.append(result)
            kept.append(conn)
        grown = tracemalloc.get_traced_memory()[0] - before
    finally:
        tracemalloc.stop()
        gc.enable()
        loop.close()
    return kept, results, grown


def test_heads_cut_at_the_limit_leave_no_buffer_behind() -> None:
    kept, results, grown = _failed_connections(4, feed_until_done=True)
    assert [(r.code, r.message) for r in results] == [(1000, LIMIT_ERROR)] * 4
    assert all(conn.closed for conn in kept)
    assert grown < 1 << 20, grown  # was 4 x 10 MiB


def test_a_head_cut_by_the_request_timeout_leaves_no_buffer_behind() -> None:
    kept, results, grown = _failed_connections(4, feed_until_done=False)
    assert [(r.code, r.message) for r in results] == [(TIMEOUT, "request timeout")] * 4
    assert all(conn.closed for conn in kept)
    assert grown < 1 << 20, grown  # was 4 x 5 MiB
