"""A raw-socket HTTP/1.1 target on loopback, in a thread: what a client put on the wire, byte for byte.

Every request is answered with its own head (request line and header lines as received, names
spelled as sent, in the order sent) as a text/plain body, a `Set-Cookie: srv=1; Path=/` and
`Connection: close`; `/redirect` answers 302 to `/landed` (with `Set-Cookie: hop=2; Path=/`), `/body`
answers with the request's body instead.
`heads` lists the received heads in arrival order (lines, without the blank line).
`python -m tests.js.raw_echo_server` serves on an ephemeral port and prints it.
"""

from __future__ import annotations

import socket
import threading
from types import TracebackType


class RawEchoServer:
    def __init__(self) -> None:
        self._sock = socket.socket()
        self._sock.bind(("127.0.0.1", 0))
        self._sock.listen(64)
        self.port: int = self._sock.getsockname()[1]
        self.url = f"http://127.0.0.1:{self.port}"
        self.heads: list[list[str]] = []
        self._lock = threading.Lock()
        self._thread = threading.Thread(target=self._serve, daemon=True)

    def __enter__(self) -> RawEchoServer:
        self._thread.start()
        return self

    def __exit__(self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None) -> None:
        self._sock.close()

    def _serve(self) -> None:
        while True:
            try:
                conn, _ = self._sock.accept()
            except OSError:
                return  # closed
            threading.Thread(target=self._answer, args=(conn,), daemon=True).start()

    def _answer(self, conn: socket.socket) -> None:
        with conn:
            conn.settimeout(10)
            data = b""
            while b"\r\n\r\n" not in data:
                chunk = conn.recv(65536)
                if not chunk:
                    return
                data += chunk
            head, _, body = data.partition(b"\r\n\r\n")
            lines = head.decode("latin-1").split("\r\n")
            fields = (line.partition(":") for line in lines[1:])
            length = next((int(v) for k, _, v in fields if k.lower() == "content-length"), 0)
            while len(body) < length:
                chunk = conn.recv(65536)
                if not chunk:
                    break
                body += chunk
            with self._lock:
                self.heads.append(lines)
            target = lines[0].split(" ")[1]
            if target == "/redirect":
                status, extra, cookie = "302 Found", "Location: /landed\r\n", "hop=2"
            else:
                status, extra, cookie = "200 OK", "", "srv=1"
            answer = body if target == "/body" else head
            conn.sendall(
                f"HTTP/1.1 {status}\r\nContent-Type: text/plain\r\nSet-Cookie: {cookie}; Path=/\r\n{extra}"
                f"Connection: close\r\nContent-Length: {len(answer)}\r\n\r\n".encode()
                + answer
            )


if __name__ == "__main__":
    with RawEchoServer() as server:
        print(server.port, flush=True)
        threading.Event().wait()
