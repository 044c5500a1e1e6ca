"""Bad WebSocket frames end the session at once, as in k6 (gorilla): the close frame goes out, the
session ends with k6's error event ("websocket: close sent") and close code 1001, no timeout.

k6 v1.1.0 measured against the server below: /garbage (reserved opcode 3) ends in ~10 ms with an
`error` event "websocket: close sent" and a `close` event 1001; the server reads a close frame
with code 1002. k6 has no frame size limit; loadpy stops at MAX_MESSAGE (16 MiB) the same way."""

from __future__ import annotations

import asyncio
import base64
import hashlib
import re
import struct
import subprocess
import textwrap
import time
from pathlib import Path

import pytest
import uvloop

from loadpy.protocols.ws import run_ws_session

ACCEPT_GUID = b"258EAFA5-E914-47DA-95CA-C5AB0DC85B11"
FRAMES = {
    "/garbage": b"\x83\x02hi",  # FIN + reserved opcode 3
    "/huge": b"\x82\x7f" + struct.pack("!Q", 32 << 20) + b"x" * 65536,  # announces 32 MiB
    "/ok": b"\x81\x02hi",
}


class FrameServer:
    """Completes the handshake, sends one frame for the path, records the first frame it reads."""

    def __init__(self) -> None:
        self.port = 0
        self.close_codes: dict[str, int] = {}

    async def serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        head = await reader.readuntil(b"\r\n\r\n")
        path = head.split(b" ")[1].decode()
        key = re.search(rb"(?i)sec-websocket-key:\s*(\S+)", head)
        assert key is not None
        accept = base64.b64encode(hashlib.sha1(key.group(1) + ACCEPT_GUID).digest())
        writer.write(
            b"HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
            b"Sec-WebSocket-Accept: " + accept + b"\r\n\r\n" + FRAMES[path]
        )
        try:
            frame = await asyncio.wait_for(reader.read(64), 10)
            if len(frame) >= 8 and frame[0] & 0x0F == 8:  # a masked close frame: code at bytes 6-7
                masked = frame[6:8]
                self.close_codes[path] = struct.unpack("!H", bytes(b ^ frame[2 + i] for i, b in enumerate(masked)))[0]
            await asyncio.sleep(3)  # never close: the client must not wait for us
        except (TimeoutError, ConnectionError, asyncio.CancelledError):
            pass  # (cancelled: the test is over and its loop closing)
        finally:
            writer.close()


def _run_loadpy(path: str) -> tuple[object, float, dict[str, int]]:
    async def main() -> tuple[object, float, dict[str, int]]:
        srv = FrameServer()
        server = await asyncio.start_server(srv.serve, "127.0.0.1", 0)
        port = server.sockets[0].getsockname()[1]
        start = time.monotonic()
        result = await run_ws_session(f"ws://127.0.0.1:{port}{path}", receive=2, timeout=8.0)
        elapsed = time.monotonic() - start
        await asyncio.sleep(0.05)
        server.close()
        return result, elapsed, srv.close_codes

    return uvloop.run(main())


@pytest.mark.parametrize(("path", "code_sent"), [("/garbage", 1002), ("/huge", 1009)])
def test_a_bad_frame_ends_the_session_at_once_with_k6_s_error(path: str, code_sent: int) -> None:
    result, elapsed, codes = _run_loadpy(path)
    assert (result.error, result.close_code, result.messages) == ("websocket: close sent", 1001, [])  # type: ignore[attr-defined]
    assert elapsed < 2.0  # not the 8 s timeout
    assert codes == {path: code_sent}


@pytest.mark.slow
def test_a_good_frame_still_arrives() -> None:
    result, _, _ = _run_loadpy("/ok")
    assert result.messages == ["hi"]  # type: ignore[attr-defined]


@pytest.mark.k6
def test_k6_ends_a_session_on_a_bad_frame_the_same_way(tmp_path: Path) -> None:
    async def main() -> tuple[str, dict[str, int]]:
        srv = FrameServer()
        server = await asyncio.start_server(srv.serve, "127.0.0.1", 0)
        port = server.sockets[0].getsockname()[1]
        script = tmp_path / "ws.js"
        script.write_text(
            textwrap.dedent(
                f"""
                import ws from 'k6/ws';
                export const options = {{ iterations: 1 }};
                export default function () {{
                  const t0 = Date.now();
                  ws.connect('ws://127.0.0.1:{port}/garbage', null, function (s) {{
                    s.on('error', (e) => console.log('error=' + e.error()));
                    s.on('close', (c) => console.log('close=' + c));
                    s.setTimeout(() => s.close(), 8000);
                  }});
                  console.log('ms=' + (Date.now() - t0));
                }}
                """
            )
        )
        proc = await asyncio.create_subprocess_exec(
            "k6", "run", "-q", "--address", "", str(script), stdout=subprocess.PIPE, stderr=subprocess.PIPE
        )
        _, err = await asyncio.wait_for(proc.communicate(), 60)
        server.close()
        return err.decode(), srv.close_codes

    stderr, codes = uvloop.run(main())
    assert re.findall(r'msg="?(error=[^"]*|close=\d+)', stderr) == ["error=websocket: close sent", "close=1001"]
    ms = re.search(r'msg="?ms=(\d+)', stderr)
    assert ms is not None and int(ms.group(1)) < 2000
    assert codes == {"/garbage": 1002}
