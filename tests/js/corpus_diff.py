"""Run one corpus script through real k6 and through loadpy, and list every way the two runs differ.

Each tool gets its own recording target (`RecordingTarget`): one port on 127.0.0.1 that speaks plain
HTTP and TLS (a self-signed certificate; the first byte tells a TLS ClientHello from a request line),
answers every request with 200 and a small JSON body, and records method, path, query, headers and
body. Every hostname the script (or a local module it imports) names is mapped to that port through
k6's `hosts` option in a `-c` config file, so the script runs unchanged. Both tools get the same flags:
one VU, one iteration (the CLI overrides the script's scenarios in both), TLS verification off, the
REST API off, and a `--summary-export` file. `differences` compares exit codes, the counts (iterations,
http_reqs, checks passes/fails), the export's metric names, threshold verdicts, and the requests the
target received (as a multiset: `http.batch` may send in any order). `vus`/`vus_max` are left out
of the metric names (sampled once a second, so present or not by timing).
"""

from __future__ import annotations

import contextlib
import json
import re
import shutil
import socket
import socketserver
import ssl
import subprocess
import sys
import tempfile
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

REPO = Path(__file__).resolve().parents[2]
RUN_TIMEOUT = 20.0
BODY = b'{"ok": true, "id": 1, "name": "stub", "token": "t", "access": "t", "data": [], "items": []}'
# Hosts left unmapped: module imports (k6 fetches jslib.k6.io over the network, loadpy ships those modules).
UNMAPPED = frozenset({"jslib.k6.io", "cdnjs.cloudflare.com", "raw.githubusercontent.com"})
# Request headers that legitimately differ: the default User-Agent names the tool ("Grafana k6/1.1.0"
# vs "loadpy/<version>", docs/js.md), and Go adds `Accept-Encoding: gzip` on its own (compared apart);
# a WebSocket handshake's key is 16 random bytes by the protocol (RFC 6455 4.1).
IGNORED_HEADERS = frozenset({"user-agent", "sec-websocket-key"})
# Sampled once a second by both tools: whether a run of about a second holds a sample is timing, not behaviour.
TICKED_METRICS = frozenset({"vus", "vus_max"})
COUNTS = (("iterations", "count"), ("http_reqs", "count"), ("checks", "passes"), ("checks", "fails"))

_URL = re.compile(r"""\b(?:https?|wss?)://(?:[^/@\s'"`]*@)?([A-Za-z0-9][A-Za-z0-9.-]*[A-Za-z0-9])""")
# a Unix time in milliseconds (2001 to 2286): two runs seconds apart read different clocks
_EPOCH_MS = re.compile(r"(?<![0-9])1[0-9]{12}(?![0-9])")
_EPOCH_MS_BYTES = re.compile(rb"(?<![0-9])1[0-9]{12}(?![0-9])")
_LOCAL_IMPORT = re.compile(r"""(?:from|import|require\()\s*['"](\.{1,2}/[^'"]+)['"]""")


# --- the recording target ------------------------------------------------------------------------


@dataclass(frozen=True)
class Received:
    """One request as the target saw it (header names lower-cased, sorted)."""

    method: str
    path: str
    query: str
    headers: tuple[tuple[str, str], ...]
    body: bytes

    def key(self, ignored: frozenset[str]) -> tuple[str, str, str, tuple[tuple[str, str], ...], bytes]:
        """What must match between the tools: the clock's readings (`Date.now()` in a generated user
        name, say) are masked, and the headers in `ignored` dropped."""
        headers = tuple((k, _EPOCH_MS.sub("<ms>", v)) for k, v in self.headers if k not in ignored)
        path, query = _EPOCH_MS.sub("<ms>", self.path), _EPOCH_MS.sub("<ms>", self.query)
        return (self.method, path, query, headers, _EPOCH_MS_BYTES.sub(b"<ms>", self.body))


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server: _Server

    def log_message(self, format: str, *args: Any) -> None:
        pass

    def _answer(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        url = urlsplit(self.path)
        headers = tuple(sorted((k.lower(), v) for k, v in self.headers.items()))
        self.server.record(Received(self.command, url.path, url.query, headers, body))
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(BODY)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(BODY)

    do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = do_HEAD = do_OPTIONS = _answer


class _Server(socketserver.ThreadingTCPServer):
    daemon_threads = True
    allow_reuse_address = True

    def __init__(self, tls: ssl.SSLContext) -> None:
        super().__init__(("127.0.0.1", 0), _Handler)
        self.tls = tls
        self.lock = threading.Lock()
        self.received: list[Received] = []

    def record(self, request: Received) -> None:
        with self.lock:
            self.received.append(request)

    def finish_request(self, request: Any, client_address: Any) -> None:
        request.settimeout(RUN_TIMEOUT)
        try:
            first = request.recv(1, socket.MSG_PEEK)
            if first == b"\x16":  # a TLS handshake record
                request = self.tls.wrap_socket(request, server_side=True)
        except (OSError, ssl.SSLError):
            return
        super().finish_request(request, client_address)


@contextlib.contextmanager
def recording_target(tls: ssl.SSLContext) -> Iterator[_Server]:
    server = _Server(tls)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield server
    finally:
        server.shutdown()
        server.server_close()


def tls_context(workdir: Path) -> ssl.SSLContext:
    """A server context with a fresh self-signed certificate (both tools skip verification)."""
    cert, key = workdir / "cert.pem", workdir / "key.pem"
    request = ["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2", "-subj", "/CN=localhost"]
    subprocess.run(
        [*request, "-keyout", str(key), "-out", str(cert)],
        check=True,
        capture_output=True,
    )
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(cert, key)
    context.set_alpn_protocols(["http/1.1"])
    return context


# --- running one tool ----------------------------------------------------------------------------


def script_hosts(script: Path) -> set[str]:
    """Every hostname named in the script and the local modules it imports (transitively)."""
    hosts: set[str] = set()
    seen: set[Path] = set()
    todo = [script]
    while todo:
        path = todo.pop()
        if path in seen or not path.is_file():
            continue
        seen.add(path)
        text = path.read_text(errors="replace")
        hosts.update(m.group(1).lower() for m in _URL.finditer(text))
        for spec in _LOCAL_IMPORT.findall(text):
            target = (path.parent / spec).resolve()
            todo += [target, target.with_suffix(".js")]
    return hosts - UNMAPPED


@dataclass
class Run:
    """One tool's run: exit code, its summary export (None if it wrote none), what the target received."""

    exit_code: int
    export: dict[str, Any] | None
    received: list[Received]
    stderr: str = ""


def run_tool(tool: str, script: Path, tls: ssl.SSLContext) -> Run:
    with tempfile.TemporaryDirectory(prefix=f"corpus-{tool}-") as tmp, recording_target(tls) as server:
        port = server.server_address[1]
        config = Path(tmp) / "config.json"
        mapped = script_hosts(script) | {"corpus.local"}
        config.write_text(json.dumps({"hosts": {h: f"127.0.0.1:{port}" for h in sorted(mapped)}}))
        export = Path(tmp) / "export.json"
        command = [shutil.which("k6") or "k6"] if tool == "k6" else [sys.executable, "-m", "loadpy"]
        command += ["run", "-q", "--address", "", "--vus", "1", "--iterations", "1", "--insecure-skip-tls-verify"]
        command += ["-c", str(config), "--summary-export", str(export), "-e", "BASE_URL=http://corpus.local"]
        env = {"PATH": "/usr/bin:/bin:/usr/local/bin", "PYTHONPATH": str(REPO), "K6_NO_USAGE_REPORT": "true"}
        env["HOME"] = tmp
        try:
            proc = subprocess.run(
                [*command, script.name],
                cwd=script.parent,
                env=env,
                capture_output=True,
                text=True,
                timeout=RUN_TIMEOUT,
            )
            code, stderr = proc.returncode, proc.stderr
        except subprocess.TimeoutExpired as exc:
            code, stderr = -1, f"timed out after {RUN_TIMEOUT}s: {exc.stderr!r}"
        data = json.loads(export.read_text()) if export.is_file() and export.stat().st_size else None
        with server.lock:
            received = list(server.received)
        return Run(code, data, received, stderr)


# --- comparing -----------------------------------------------------------------------------------


def _metric(export: dict[str, Any] | None, name: str, key: str) -> float:
    metric = (export or {}).get("metrics", {}).get(name, {})
    return float(metric.get(key, 0))


def _thresholds(export: dict[str, Any] | None) -> dict[str, Any]:
    metrics = (export or {}).get("metrics", {})
    return {f"{m}{{{t}}}": v for m, body in metrics.items() for t, v in (body.get("thresholds") or {}).items()}


def differences(k6: Run, loadpy: Run, ignored_headers: frozenset[str] = IGNORED_HEADERS) -> dict[str, str]:
    """Every way loadpy's run differs from k6's, one line per kind (empty when they agree)."""
    found: dict[str, str] = {}
    if k6.exit_code != loadpy.exit_code:
        found["exit"] = f"exit code k6 {k6.exit_code}, loadpy {loadpy.exit_code}"
    counts = [
        f"{name}.{key} k6 {a:g} loadpy {b:g}"
        for name, key in COUNTS
        if (a := _metric(k6.export, name, key)) != (b := _metric(loadpy.export, name, key))
    ]
    if counts:
        found["counts"] = "; ".join(counts)
    k6_metrics = set((k6.export or {}).get("metrics", {})) - TICKED_METRICS
    loadpy_metrics = set((loadpy.export or {}).get("metrics", {})) - TICKED_METRICS
    if k6_metrics != loadpy_metrics:
        found["metrics"] = (
            f"only in k6: {sorted(k6_metrics - loadpy_metrics)}; only in loadpy: {sorted(loadpy_metrics - k6_metrics)}"
        )
    if (a_t := _thresholds(k6.export)) != (b_t := _thresholds(loadpy.export)):
        found["thresholds"] = f"k6 {a_t} loadpy {b_t}"
    k6_requests = sorted(r.key(ignored_headers) for r in k6.received)
    loadpy_requests = sorted(r.key(ignored_headers) for r in loadpy.received)
    if k6_requests != loadpy_requests:
        only_k6 = [r for r in k6_requests if r not in loadpy_requests]
        only_loadpy = [r for r in loadpy_requests if r not in k6_requests]
        found["requests"] = (
            f"{len(k6_requests)} vs {len(loadpy_requests)} requests; "
            f"first only in k6: {only_k6[:1]}; first only in loadpy: {only_loadpy[:1]}"
        )
    return found


def main(argv: list[str]) -> None:
    """`python -m tests.js.corpus_diff SCRIPT...` prints each script's differences as JSON lines."""
    with tempfile.TemporaryDirectory() as tmp:
        tls = tls_context(Path(tmp))
        for name in argv:
            script = Path(name).resolve()
            result = differences(run_tool("k6", script, tls), run_tool("loadpy", script, tls))
            print(json.dumps({"script": name, "differences": result}), flush=True)


if __name__ == "__main__":
    main(sys.argv[1:])
