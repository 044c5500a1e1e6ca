"""`--http-debug[=full]`: the Request/Response dumps loadpy logs, against what the real k6 v1.1.0 logs
for the same requests to the same fixed-byte server (its responses carry no Date, so the dumps are equal
to the byte), and against the exact lines measured from k6."""

from __future__ import annotations

import asyncio
import gzip
import re
import shutil
import subprocess
import textwrap
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.integration.cli.helpers import run_loadpy, write_scenario

pytestmark = pytest.mark.slow

GZIPPED = gzip.compress(b"zipped body", mtime=0)
# path -> the raw response; every response but /close keeps the connection
RESPONSES = {
    "/text": b"HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nSet-Cookie: a=1; Path=/\r\nSet-Cookie: b=2; Path=/\r\n"
    b"X-Custom: x\r\nContent-Length: 17\r\n\r\nhello world\nline2",
    "/bin": b"HTTP/1.1 200 OK\r\nContent-Type: application/octet-stream\r\nContent-Length: 6\r\n\r\n"
    b"\x00\x01\x7f\x80\xfe\xff",
    "/redir": b"HTTP/1.1 302 Found\r\nLocation: /text\r\nContent-Length: 0\r\n\r\n",
    "/chunk": b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n6\r\n world\r\n0\r\n\r\n",
    "/created": b"HTTP/1.1 201 Created\r\nContent-Length: 0\r\n\r\n",
    "/none": b"HTTP/1.1 204 No Content\r\n\r\n",
    "/close": b"HTTP/1.1 200 OK\r\nConnection: close\r\nContent-Type: text/plain\r\n\r\nbye",
    "/gz": b"HTTP/1.1 200 OK\r\nContent-Encoding: gzip\r\nContent-Length: %d\r\n\r\n%s" % (len(GZIPPED), GZIPPED),
}


class FixedServer:
    """Answers each request with the fixed bytes of its path; runs its own loop in a thread."""

    def __init__(self) -> None:
        self.port = 0
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._loop.run_forever, daemon=True)

    def __enter__(self) -> FixedServer:
        self._thread.start()
        server = asyncio.run_coroutine_threadsafe(asyncio.start_server(self._serve, "127.0.0.1", 0), self._loop)
        self._server = server.result(10)
        self.port = self._server.sockets[0].getsockname()[1]
        return self

    def __exit__(self, *exc: object) -> None:
        self._loop.call_soon_threadsafe(self._server.close)
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(10)

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            while True:
                head = (await reader.readuntil(b"\r\n\r\n")).decode("latin-1")
                length = re.search(r"(?im)^content-length: *(\d+)", head)
                if length:
                    await reader.readexactly(int(length.group(1)))
                method, target = head.split(" ", 2)[:2]
                response = RESPONSES[target.split("?")[0]]
                if method == "HEAD":
                    response = response.split(b"\r\n\r\n")[0] + b"\r\n\r\n"
                writer.write(response)
                await writer.drain()
                if target == "/close":
                    break
        except (asyncio.IncompleteReadError, ConnectionError):
            pass
        writer.close()


@pytest.fixture(scope="module")
def server() -> Iterator[FixedServer]:
    with FixedServer() as srv:
        yield srv


# (method, path, body, headers): the same requests in both tools
REQUESTS = [
    ("GET", "/text?a=1", None, {"X-Zeta": "z", "accept": "x/y", "X-Alpha": "a"}),
    ("GET", "/bin", None, {}),
    ("GET", "/redir", None, {}),
    ("POST", "/created", "some=body&x=1", {}),
    ("GET", "/chunk", None, {"Accept-Encoding": "identity"}),
    ("PUT", "/none", None, {}),
    ("HEAD", "/text", None, {}),
    ("GET", "/close", None, {}),
    ("GET", "/gz", None, {}),
]


def _yaml(base: str) -> str:
    steps = []
    for method, path, body, headers in REQUESTS:
        extra = f", body: {body!r}" if body is not None else ""
        steps.append(f'    - request: {{method: {method}, url: "{base}{path}", headers: {headers!r}{extra}}}')
    return "options: {iterations: 1, vus: 1}\nflows:\n  default:\n" + "\n".join(steps) + "\n"


def _k6_script(base: str) -> str:
    calls = []
    for method, path, body, headers in REQUESTS:
        payload = "null" if body is None else repr(body)
        calls.append(f"  http.request({method!r}, {base + path!r}, {payload}, {{headers: {headers!r}}});")
    return "import http from 'k6/http';\nexport const options = {iterations: 1, vus: 1};\n" + (
        "export default function () {\n" + "\n".join(calls) + "\n}\n"
    )


LINE = re.compile(r'^time="[^"]+" level=info msg="(?P<msg>(?:[^"\\]|\\.)*)" (?P<fields>.*source=http-debug.*)$')


def debug_lines(stderr: str) -> list[tuple[str, str]]:
    """(msg, fields) of each http-debug line, the user agent and the random request_id masked."""
    out = []
    for line in stderr.splitlines():
        match = LINE.match(line)
        if match:
            msg = re.sub(r"User-Agent: [^\\]+", "User-Agent: UA", match["msg"])
            fields = re.sub(r"request_id=[0-9a-f-]{36}", "request_id=ID", match["fields"])
            out.append((msg, fields))
    return out


def _loadpy_debug(tmp_path: Path, server: FixedServer, flag: str) -> list[tuple[str, str]]:
    scenario = write_scenario(tmp_path, _yaml(f"http://127.0.0.1:{server.port}"))
    outcome = run_loadpy(tmp_path, scenario, "--no-summary", flag)
    assert outcome.code == 0, outcome.stderr
    return debug_lines(outcome.stderr)


def test_heads_as_k6_prints_them(tmp_path: Path, server: FixedServer) -> None:
    """The exact lines k6 v1.1.0 printed for the first two requests (`--http-debug`, no bodies)."""
    lines = _loadpy_debug(tmp_path, server, "--http-debug")
    host = f"127.0.0.1:{server.port}"
    fields = "group= iter=0 request_id=ID scenario=default source=http-debug vu=1"
    assert lines[:4] == [
        (
            f"Request:\\nGET /text?a=1 HTTP/1.1\\nHost: {host}\\nUser-Agent: UA\\nAccept: x/y\\nX-Alpha: a\\n"
            "X-Zeta: z\\nAccept-Encoding: gzip\\n\\n\\n",
            fields,
        ),
        (
            "Response:\\nHTTP/1.1 200 OK\\nContent-Length: 17\\nContent-Type: text/plain\\n"
            "Set-Cookie: a=1; Path=/\\nSet-Cookie: b=2; Path=/\\nX-Custom: x\\n\\n\\n",
            fields,
        ),
        (
            f"Request:\\nGET /bin HTTP/1.1\\nHost: {host}\\nUser-Agent: UA\\nCookie: a=1; b=2\\n"
            "Accept-Encoding: gzip\\n\\n\\n",
            fields,
        ),
        ("Response:\\nHTTP/1.1 200 OK\\nContent-Length: 6\\nContent-Type: application/octet-stream\\n\\n\\n", fields),
    ]
    # a redirect is two round trips, each logged: 9 requests, 10 hops
    assert [msg.split("\\n")[1] for msg, _ in lines if msg.startswith("Request:")][2:4] == [
        "GET /redir HTTP/1.1",
        "GET /text HTTP/1.1",
    ]
    assert len(lines) == 20


def test_full_prints_bodies_as_k6(tmp_path: Path, server: FixedServer) -> None:
    """Bodies with `=full`: binary bytes as Go's \\xNN, a chunked body re-chunked as one chunk, a
    compressed body as it came (not decoded)."""
    msgs = [msg for msg, _ in _loadpy_debug(tmp_path, server, "--http-debug=full")]
    assert msgs[3].endswith("\\n\\n\\x00\\x01\\x7f\\x80\\xfe\\xff\\n")
    assert msgs[1].endswith("\\n\\nhello world\\nline2\\n")
    chunk = next(m for m in msgs if m.startswith("Response:") and "chunked" in m)
    assert chunk == "Response:\\nHTTP/1.1 200 OK\\nTransfer-Encoding: chunked\\n\\nb\\nhello world\\n0\\n\\n\\n"
    assert msgs[-1].endswith(
        "\\n\\n\\x1f\\x8b\\b\\x00\\x00\\x00\\x00\\x00\\x02\\x03"
        + "\\xab\\xca,(HMQH\\xcaO\\xa9\\x04\\x00\\xc0\\x13\\xcdw\\v\\x00\\x00\\x00\\n"
    )


@pytest.mark.parametrize("flag", ["--http-debug", "--http-debug=full"])
def test_same_dumps_as_real_k6(tmp_path: Path, server: FixedServer, flag: str) -> None:
    k6 = shutil.which("k6")
    if k6 is None:
        pytest.fail("the real k6 binary is not on PATH: this test compares against it")
    script = tmp_path / "script.js"
    script.write_text(textwrap.dedent(_k6_script(f"http://127.0.0.1:{server.port}")), encoding="utf-8")
    proc = subprocess.run(
        [k6, "run", "-q", "--no-summary", "--address", "", flag, str(script)],
        capture_output=True,
        text=True,
        timeout=60,
        cwd=tmp_path,
    )
    assert proc.returncode == 0, proc.stderr
    expected = debug_lines(proc.stderr)
    assert len(expected) == 20
    assert _loadpy_debug(tmp_path, server, flag) == expected


def test_off_by_default_and_bare_flag_before_the_file(tmp_path: Path, server: FixedServer) -> None:
    """No dump without the flag; `--http-debug FILE` takes FILE as the script, as k6's flag does."""
    scenario = write_scenario(tmp_path, _yaml(f"http://127.0.0.1:{server.port}"))
    assert debug_lines(run_loadpy(tmp_path, scenario, "--no-summary").stderr) == []
    # run_loadpy puts the scenario right after the flags: the bare flag sits just before it
    outcome = run_loadpy(tmp_path, scenario, "--no-summary", "--http-debug")
    assert outcome.code == 0 and len(debug_lines(outcome.stderr)) == 20
