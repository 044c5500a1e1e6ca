"""An HTTP target on loopback, in a thread, that asks for Digest (RFC 2617, MD5, qop=auth) or Basic
credentials, as httpbin's /digest-auth and /basic-auth do, and records every request it receives.

* `/digest-auth/<qop>/<user>/<password>`: without a Digest Authorization, 401 and a challenge
  (`WWW-Authenticate: Digest realm=..., nonce=..., qop=..., opaque=..., algorithm=MD5, stale=FALSE`);
  with a valid one (response, uri, nonce, opaque checked), 200 and `{"authenticated": true, "user": ...}`;
  with a wrong one, 401 again. `<qop>` is `auth` or `none` (a challenge without qop, RFC 2069).
* `/basic-auth/<user>/<password>`: 200 and the same JSON with the right Basic credentials, else 401.
* anything else: 200 "ok".
`received` lists (method, path, Authorization header or "") in arrival order.
`python -m tests.js.digest_server` serves on an ephemeral port and prints it (for trying scripts by hand).
"""

from __future__ import annotations

import base64
import hashlib
import json
import re
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

NONCE = "6bd6b9f1a8cb43d5b0e3c2d86ff1d8a1"
OPAQUE = "0f1e2d3c4b5a69788796a5b4c3d2e1f0"
REALM = "me@loadpy.test"
_PARAM = re.compile(r'(\w+)=(?:"([^"]*)"|([^\s,]*))')


def _md5(text: str) -> str:
    return hashlib.md5(text.encode()).hexdigest()


def digest_valid(header: str, method: str, user: str, password: str, qop: str) -> bool:
    """Whether `header` (an Authorization value) answers this server's challenge for `user`."""
    if not header.startswith("Digest "):
        return False
    params = {m.group(1): m.group(2) if m.group(2) is not None else m.group(3) for m in _PARAM.finditer(header[7:])}
    if params.get("username") != user or params.get("nonce") != NONCE or params.get("opaque") != OPAQUE:
        return False
    ha1 = _md5(f"{user}:{REALM}:{password}")
    ha2 = _md5(f"{method}:{params.get('uri', '')}")
    if qop == "auth":
        if params.get("qop") != "auth" or not params.get("cnonce") or not params.get("nc"):
            return False
        expected = _md5(f"{ha1}:{NONCE}:{params['nc']}:{params['cnonce']}:auth:{ha2}")
    else:
        expected = _md5(f"{ha1}:{NONCE}:{ha2}")
    return params.get("response") == expected


class _Handler(BaseHTTPRequestHandler):
    server: _Server
    protocol_version = "HTTP/1.1"

    def log_message(self, format: str, *args: Any) -> None:
        pass

    def _answer(self, status: int, body: bytes, headers: dict[str, str] | None = None) -> None:
        self.send_response(status)
        for name, value in (headers or {}).items():
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def _serve(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        if length:
            self.rfile.read(length)
        auth = self.headers.get("Authorization") or ""
        with self.server.lock:
            self.server.received.append((self.command, self.path, auth))
        parts = self.path.split("?", 1)[0].strip("/").split("/")
        if parts[0] == "digest-auth" and len(parts) == 4:
            qop, user, password = parts[1:]
            if digest_valid(auth, self.command, user, password, qop):
                self._answer(200, json.dumps({"authenticated": True, "user": user}).encode())
                return
            challenge = f'Digest realm="{REALM}", nonce="{NONCE}", '
            challenge += 'qop="auth", ' if qop == "auth" else ""
            challenge += f'opaque="{OPAQUE}", algorithm=MD5, stale=FALSE'
            self._answer(401, b"", {"WWW-Authenticate": challenge})
        elif parts[0] == "basic-auth" and len(parts) == 3:
            user, password = parts[1:]
            if auth == "Basic " + base64.b64encode(f"{user}:{password}".encode()).decode():
                self._answer(200, json.dumps({"authenticated": True, "user": user}).encode())
            else:
                self._answer(401, b"", {"WWW-Authenticate": 'Basic realm="Fake Realm"'})
        else:
            self._answer(200, b"ok")

    do_GET = do_POST = do_PUT = do_DELETE = _serve


class _Server(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self) -> None:
        super().__init__(("127.0.0.1", 0), _Handler)
        self.lock = threading.Lock()
        self.received: list[tuple[str, str, str]] = []


class AuthServer:
    """Start with `with AuthServer() as server:`; `server.base` is its http:// origin."""

    def __init__(self) -> None:
        self._server = _Server()
        self._thread = threading.Thread(target=self._server.serve_forever, name="auth-target", daemon=True)

    @property
    def port(self) -> int:
        return int(self._server.server_address[1])

    @property
    def received(self) -> list[tuple[str, str, str]]:
        return self._server.received

    def __enter__(self) -> AuthServer:
        self._thread.start()
        return self

    def __exit__(self, *exc: Any) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(10)


if __name__ == "__main__":
    with AuthServer() as running:
        print(f"serving on http://127.0.0.1:{running.port}", flush=True)
        threading.Event().wait()
