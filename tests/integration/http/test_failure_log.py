"""k6's "Request Failed" warning: one per failed request (none for an HTTP error status), its `error`
field worded as Go words it (`Get "url": dial tcp ...`), checked against the real k6's stderr.

The log FORMAT (logfmt) is the control module's: this checks the record loadpy emits, its message
and its `error` field."""

from __future__ import annotations

import asyncio
import logging
import re
import subprocess
import textwrap
from collections.abc import Iterator
from pathlib import Path

import pytest
import uvloop

from loadpy.protocols.http.client import HttpClient, HttpOptions
from tests.reliability.faulty_server import FaultyServer, closed_port, faulty_server


@pytest.fixture(scope="module")
def server() -> Iterator[FaultyServer]:
    with faulty_server() as srv:
        yield srv


BROKEN = "net/http: HTTP/1.x transport connection broken: "


def _cases(server: FaultyServer, dead: int) -> list[tuple[str, str, str | None]]:
    """(method, url, the `error` k6 v1.1.0 logs, None when it logs nothing)."""
    base = server.base_url
    return [
        (
            "GET",
            f"http://127.0.0.1:{dead}/",
            f'Get "http://127.0.0.1:{dead}/": dial tcp 127.0.0.1:{dead}: connect: connection refused',
        ),
        (
            "POST",
            f"http://127.0.0.1:{dead}/p",
            f'Post "http://127.0.0.1:{dead}/p": dial tcp 127.0.0.1:{dead}: connect: connection refused',
        ),
        ("GET", f"{base}/hang", f'Get "{base}/hang": request timeout'),
        (
            "GET",
            f"{base}/bad-status",
            f'Get "{base}/bad-status": {BROKEN}malformed HTTP status code "abc"',
        ),
        ("GET", f"{base}/eof-body", "unexpected EOF"),
        (
            "GET",
            f"{base}/endless-head",
            f'Get "{base}/endless-head": {BROKEN}net/http: server response headers exceeded 10485760 bytes; aborted',
        ),
        ("GET", "ftp://x/", 'Get "ftp://x/": unsupported protocol scheme "ftp"'),
        ("GET", f"{base}/nothing-here", None),  # 404: a response, no warning
    ]


def _loadpy_warnings(cases: list[tuple[str, str, str | None]]) -> list[str]:
    records: list[logging.LogRecord] = []

    class Collect(logging.Handler):
        def emit(self, record: logging.LogRecord) -> None:
            records.append(record)

    logger = logging.getLogger("loadpy.http")
    handler = Collect()
    logger.addHandler(handler)

    async def main() -> None:
        client = HttpClient(HttpOptions(timeout=0.5))
        for method, url, _ in cases:
            await client.request(method, url)
        await client.aclose()

    try:
        uvloop.run(asyncio.wait_for(main(), 30))
    finally:
        logger.removeHandler(handler)
    assert all(r.levelno == logging.WARNING and r.getMessage() == "Request Failed" for r in records)
    return [str(r.__dict__["error"]) for r in records]


def test_each_failed_request_is_logged_with_go_s_error_text(server: FaultyServer) -> None:
    cases = _cases(server, closed_port())
    assert _loadpy_warnings(cases) == [error for _, _, error in cases if error is not None]


@pytest.mark.k6
def test_k6_logs_the_same_warnings(tmp_path: Path, server: FaultyServer) -> None:
    cases = _cases(server, closed_port())
    calls = "\n".join(f"http.request('{method}', '{url}', null, {{ timeout: '500ms' }});" for method, url, _ in cases)
    script = tmp_path / "log.js"
    script.write_text(
        textwrap.dedent(
            """
            import http from 'k6/http';
            export const options = { iterations: 1 };
            export default function () {
            """
        )
        + calls
        + "\n}\n"
    )
    proc = subprocess.run(["k6", "run", "-q", "--address", "", str(script)], capture_output=True, text=True, timeout=60)
    assert proc.returncode == 0, proc.stderr
    warnings = [
        bytes(m.group(1), "utf-8").decode("unicode_escape")
        for m in re.finditer(r'level=warning msg="Request Failed" error="((?:[^"\\]|\\.)*)"', proc.stderr)
    ]
    assert warnings == [error for _, _, error in cases if error is not None]
