"""The benchmark target: nginx, one worker pinned to one CPU, `return 200 "ok"`, no access log."""

from __future__ import annotations

import socket
import subprocess
import tempfile
import time
from pathlib import Path

NGINX_CONF = """\
daemon off;
master_process on;
worker_processes 1;
worker_cpu_affinity {affinity};
worker_rlimit_nofile 65536;
pid {dir}/nginx.pid;
error_log {dir}/error.log warn;
events {{ worker_connections 20000; multi_accept on; }}
http {{
    access_log off;
    keepalive_requests 1000000;
    keepalive_timeout 300s;
    client_body_temp_path {dir}/body;
    proxy_temp_path {dir}/proxy;
    fastcgi_temp_path {dir}/fastcgi;
    uwsgi_temp_path {dir}/uwsgi;
    scgi_temp_path {dir}/scgi;
    server {{
        listen 127.0.0.1:{port} backlog=4096;
        location / {{ default_type text/plain; return 200 "ok"; }}
        location /delay {{ default_type text/plain; return 200 "ok"; }}
        location /static/ {{ root {dir}; default_type application/json; }}
    }}
}}
"""


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class Nginx:
    def __init__(self, binary: str, cpu: int) -> None:
        self.binary = binary
        self.cpu = cpu
        self.port = free_port()
        self.dir = Path(tempfile.mkdtemp(prefix="loadpy-bench-nginx-"))
        self.proc: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/"

    def body_url(self, size: int) -> str:
        """The URL of a static JSON-like body of `size` bytes (written now; nginx serves it from disk)."""
        static = self.dir / "static"
        static.mkdir(exist_ok=True)
        body = static / f"{size}.json"
        body.write_bytes((b'{"k": "v"}, ' * (size // 12 + 1))[:size])
        for path, mode in ((self.dir, 0o755), (static, 0o755), (body, 0o644)):
            path.chmod(mode)  # nginx's worker runs as another user
        return f"{self.url}static/{size}.json"

    def __enter__(self) -> Nginx:
        affinity = format(1 << self.cpu, "b")
        conf = self.dir / "nginx.conf"
        conf.write_text(NGINX_CONF.format(dir=self.dir, port=self.port, affinity=affinity))
        self.proc = subprocess.Popen(
            ["taskset", "-c", str(self.cpu), self.binary, "-p", str(self.dir), "-c", str(conf)],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
        )
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=0.5) as sock:
                    sock.sendall(b"GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
                    if sock.recv(100).startswith(b"HTTP/1.1 200"):
                        return self
            except OSError:
                time.sleep(0.05)
            if self.proc.poll() is not None:
                break
        err = self.proc.stderr.read().decode() if self.proc.stderr and self.proc.poll() is not None else ""
        self.__exit__()
        raise RuntimeError(f"nginx did not start on port {self.port}: {err}")

    def __exit__(self, *exc: object) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
