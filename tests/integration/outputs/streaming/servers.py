"""Real metric servers for the streaming-output tests, each on a free 127.0.0.1 port in a temp dir,
and the k6/loadpy runs that feed them the same workload.

Rule (as tests/browser.py): without the server binary a test is skipped with a loud reason on a
developer's machine and FAILS under CI, where `.ci/run` installs the Debian packages.
"""

from __future__ import annotations

import importlib
import json
import os
import re
import shutil
import socket
import ssl
import subprocess
import threading
import time
import urllib.parse
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest

from tests.integration.cli.helpers import loadpy_cmd, subprocess_env

# A deterministic workload: 2 VUs x 3 iterations, one named request and one check each. The name holds
# the characters every wire format escapes (comma, space, equals, double quote, backslash).
NAME = 'home, page=1 "q" \\ end'
SCRIPT_JS = """
import http from 'k6/http';
import { check } from 'k6';
export const options = { scenarios: { s: { executor: 'per-vu-iterations', vus: 2, iterations: 3 } } };
export default function () {
  const r = http.get(`${__ENV.BASE}/`, { tags: { name: 'home, page=1 "q" \\\\ end' } });
  check(r, { 'status is 200': (r) => r.status === 200 });
}
"""
SCENARIO_YAML = """
options:
  scenarios:
    s: {executor: per-vu-iterations, vus: 2, iterations: 3}
flows:
  default:
    - request: {url: "${BASE}/", name: 'home, page=1 "q" \\ end'}
      checks:
        status is 200: status == 200
"""
# The same workload, then 1.5 s of teardown: k6's OpenTelemetry output shuts its SDK down before its
# last flush, so only samples flushed (K6_OTEL_FLUSH_INTERVAL) and exported before the end reach a server.
LINGERING_JS = SCRIPT_JS.replace("import { check } from 'k6';", "import { check, sleep } from 'k6';") + (
    "export function teardown() { sleep(1.5); }\n"
)
LINGERING_YAML = SCENARIO_YAML + "  teardown:\n    - sleep: 1.5\n"
# A time-bound workload for the "server down or slow" cases.
TIMED_YAML = """
options: {vus: 2, duration: 2s}
flows:
  default:
    - request: {url: "${BASE}/"}
    - sleep: 0.05
"""


def require(binary: str, package: str) -> str:
    path = shutil.which(binary)
    if path is None:
        reason = (
            f"!!! {binary} is NOT installed: this output was NOT checked against a real server. "
            f"Install it with `apt-get update && apt-get install -y {package}` !!!"
        )
        if os.environ.get("CI"):
            pytest.fail(reason)
        pytest.skip(reason)
    return path


def require_module(module: str, package: str) -> Any:
    """Import a test-only module (the OTLP receiver's), skipping loudly without it, failing under CI."""
    try:
        return importlib.import_module(module)
    except ImportError:
        reason = f"!!! {module} is NOT installed: `pip install {package}` (in the test extras) !!!"
        if os.environ.get("CI"):
            pytest.fail(reason)
        pytest.skip(reason)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def wait_http(url: str, proc: subprocess.Popen[bytes], log: Path, timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise AssertionError(f"{url}: the server exited: {log.read_text()[-2000:]}")
        try:
            with urllib.request.urlopen(url, timeout=1):
                return
        except OSError:
            time.sleep(0.2)
    raise AssertionError(f"{url} did not come up in {timeout}s: {log.read_text()[-2000:]}")


@contextmanager
def server_process(cmd: list[str], ready_url: str, log: Path) -> Iterator[None]:
    with log.open("wb") as sink:
        proc = subprocess.Popen(cmd, stdout=sink, stderr=subprocess.STDOUT)
    try:
        wait_http(ready_url, proc, log)
        yield
    finally:
        proc.terminate()
        try:
            proc.wait(10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(5)


class InfluxDB:
    def __init__(self, port: int, udp_ports: dict[str, int]) -> None:
        self.url = f"http://127.0.0.1:{port}"
        self.udp_ports = udp_ports  # database -> UDP port of the listener writing into it

    def query(self, db: str, q: str) -> list[dict[str, Any]]:
        params = urllib.parse.urlencode({"db": db, "q": q})
        with urllib.request.urlopen(f"{self.url}/query?{params}", timeout=10) as r:
            result = json.load(r)["results"][0]
        assert "error" not in result, result
        series: list[dict[str, Any]] = result.get("series", [])
        return series


@contextmanager
def influxdb(tmp: Path) -> Iterator[InfluxDB]:
    binary = require("influxd", "influxdb")
    port, rpc = free_port(), free_port()
    udp_ports = {"udp_k6": free_port(), "udp_loadpy": free_port()}
    udp = "".join(
        f"""
[[udp]]
  enabled = true
  bind-address = "127.0.0.1:{udp_port}"
  database = "{db}"
  batch-size = 1
  batch-timeout = "10ms"
"""
        for db, udp_port in udp_ports.items()
    )
    conf = tmp / "influxdb.conf"
    conf.write_text(
        f"""
reporting-disabled = true
bind-address = "127.0.0.1:{rpc}"
[meta]
  dir = "{tmp}/meta"
[data]
  dir = "{tmp}/data"
  wal-dir = "{tmp}/wal"
  query-log-enabled = false
[http]
  bind-address = "127.0.0.1:{port}"
  log-enabled = false
[monitor]
  store-enabled = false
[continuous_queries]
  enabled = false
"""
        + udp
    )
    with server_process([binary, "-config", str(conf)], f"http://127.0.0.1:{port}/ping", tmp / "influxd.log"):
        yield InfluxDB(port, udp_ports)


class Prometheus:
    def __init__(self, port: int) -> None:
        self.url = f"http://127.0.0.1:{port}"
        self.write_url = f"{self.url}/api/v1/write"

    def query(self, promql: str) -> list[dict[str, Any]]:
        params = urllib.parse.urlencode({"query": promql})
        with urllib.request.urlopen(f"{self.url}/api/v1/query?{params}", timeout=10) as r:
            body = json.load(r)
        assert body["status"] == "success", body
        result: list[dict[str, Any]] = body["data"]["result"]
        return result


@contextmanager
def prometheus(tmp: Path) -> Iterator[Prometheus]:
    binary = require("prometheus", "prometheus")
    port = free_port()
    conf = tmp / "prometheus.yml"
    conf.write_text("global:\n  scrape_interval: 1h\n")
    cmd = [
        binary,
        f"--config.file={conf}",
        f"--storage.tsdb.path={tmp / 'data'}",
        f"--web.listen-address=127.0.0.1:{port}",
        "--web.enable-remote-write-receiver",
    ]
    with server_process(cmd, f"http://127.0.0.1:{port}/-/ready", tmp / "prometheus.log"):
        yield Prometheus(port)


class UdpCollector:
    """Every datagram sent to 127.0.0.1:port, kept in arrival order."""

    def __init__(self) -> None:
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.sock.bind(("127.0.0.1", 0))
        self.sock.settimeout(0.2)
        self.port = int(self.sock.getsockname()[1])
        self.datagrams: list[bytes] = []
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._receive, daemon=True)
        self._thread.start()

    def _receive(self) -> None:
        while not self._stop.is_set():
            try:
                self.datagrams.append(self.sock.recv(65535))
            except TimeoutError:
                continue

    def close(self) -> None:
        time.sleep(0.3)  # the last datagrams are in flight on loopback
        self._stop.set()
        self._thread.join(2)
        self.sock.close()

    def lines(self) -> list[str]:
        return [line for d in self.datagrams for line in d.decode().split("\n")]


@contextmanager
def silent_tcp_server() -> Iterator[int]:
    """Accepts connections and never answers: a hung metrics server."""
    srv = socket.socket()
    srv.bind(("127.0.0.1", 0))
    srv.listen(64)
    held: list[socket.socket] = []
    stop = threading.Event()

    def accept() -> None:
        srv.settimeout(0.2)
        while not stop.is_set():
            try:
                held.append(srv.accept()[0])
            except TimeoutError:
                continue

    t = threading.Thread(target=accept, daemon=True)
    t.start()
    try:
        yield int(srv.getsockname()[1])
    finally:
        stop.set()
        t.join(2)
        for c in held:
            c.close()
        srv.close()


def closed_port() -> int:
    """A port nothing listens on (connection refused)."""
    return free_port()


def run(
    tool: str,
    tmp: Path,
    base: str,
    *args: str,
    env: dict[str, str] | None = None,
    yaml: str = SCENARIO_YAML,
    js: str = SCRIPT_JS,
    timeout: float = 90,
) -> subprocess.CompletedProcess[str]:
    """One run of the workload by k6 (script.js) or loadpy (scenario.yaml) with extra CLI args."""
    (tmp / "script.js").write_text(js)
    (tmp / "scenario.yaml").write_text(yaml)
    flags = ["-q", "--address", "", "-e", f"BASE={base}", *args]
    if tool == "k6":
        k6 = shutil.which("k6")
        assert k6 is not None, "k6 v1.1.0 must be installed for the differential tests"
        cmd = [k6, "run", "--no-color", *flags, str(tmp / "script.js")]
    else:
        cmd = loadpy_cmd("run", *flags, str(tmp / "scenario.yaml"))
    clean = {
        k: v
        for k, v in subprocess_env().items()
        if not k.startswith(("K6_INFLUXDB", "K6_PROMETHEUS", "K6_STATSD", "K6_OTEL", "OTEL_"))
    }
    return subprocess.run(cmd, capture_output=True, text=True, timeout=timeout, env={**clean, **(env or {})}, cwd=tmp)


class OtlpReceiver:
    """An OTLP metrics receiver on 127.0.0.1 (gRPC with grpcio, or HTTP/protobuf with http.server)
    keeping every ExportMetricsServiceRequest it decodes with the opentelemetry-proto package."""

    def __init__(self, kind: str, tls: tuple[Path, Path] | None = None) -> None:
        """`tls`: (cert.pem, key.pem) to serve over TLS (gRPC on TLS is the exporters' default)."""
        self.tls = tls
        service = require_module("opentelemetry.proto.collector.metrics.v1.metrics_service_pb2", "opentelemetry-proto")
        self._request_type = service.ExportMetricsServiceRequest
        self._response = service.ExportMetricsServiceResponse()
        self.requests: list[Any] = []
        self.kind = kind
        if kind == "grpc":
            self._start_grpc()
        else:
            self._start_http()

    def _start_grpc(self) -> None:
        grpc = require_module("grpc", "grpcio")
        from concurrent import futures

        def export(request: Any, context: Any) -> Any:
            self.requests.append(request)
            return self._response

        handler = grpc.method_handlers_generic_handler(
            "opentelemetry.proto.collector.metrics.v1.MetricsService",
            {
                "Export": grpc.unary_unary_rpc_method_handler(
                    export,
                    request_deserializer=self._request_type.FromString,
                    response_serializer=lambda m: m.SerializeToString(),
                )
            },
        )
        self._grpc = grpc.server(futures.ThreadPoolExecutor(max_workers=2))
        self._grpc.add_generic_rpc_handlers((handler,))
        if self.tls is None:
            self.port = self._grpc.add_insecure_port("127.0.0.1:0")
        else:
            cert, key = self.tls
            credentials = grpc.ssl_server_credentials([(key.read_bytes(), cert.read_bytes())])
            self.port = self._grpc.add_secure_port("127.0.0.1:0", credentials)
        self._grpc.start()

    def _start_http(self) -> None:
        from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers["Content-Length"]))
                receiver.requests.append(receiver._request_type.FromString(body))
                reply = receiver._response.SerializeToString()
                self.send_response(200)
                self.send_header("Content-Type", "application/x-protobuf")
                self.send_header("Content-Length", str(len(reply)))
                self.end_headers()
                self.wfile.write(reply)

            def log_message(self, *args: Any) -> None:
                pass

        self._http = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        if self.tls is not None:
            ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
            ctx.load_cert_chain(*self.tls)
            self._http.socket = ctx.wrap_socket(self._http.socket, server_side=True)
        self.port = int(self._http.server_address[1])
        threading.Thread(target=self._http.serve_forever, daemon=True).start()

    def env(self) -> dict[str, str]:
        """The K6_OTEL_* settings that point both tools at this receiver (trusting its certificate)."""
        insecure = "true" if self.tls is None else "false"
        kind = self.kind.upper()
        env = {
            "K6_OTEL_EXPORTER_TYPE": self.kind,
            f"K6_OTEL_{kind}_EXPORTER_ENDPOINT": f"127.0.0.1:{self.port}",
            f"K6_OTEL_{kind}_EXPORTER_INSECURE": insecure,
        }
        if self.tls is not None:
            env["K6_OTEL_TLS_CERTIFICATE"] = str(self.tls[0])
        return env

    def close(self) -> None:
        if self.kind == "grpc":
            self._grpc.stop(0)
        else:
            self._http.shutdown()
            self._http.server_close()

    def last_points(self) -> dict[str, dict[str, Any]]:
        """Per metric name: its type, unit, temporality, monotonicity and, per attribute set,
        the point of the LAST export (cumulative, so the run's totals)."""
        out: dict[str, dict[str, Any]] = {}
        for request in self.requests:
            for rm in request.resource_metrics:
                for sm in rm.scope_metrics:
                    for metric in sm.metrics:
                        kind = metric.WhichOneof("data")
                        data = getattr(metric, kind)
                        entry = out.setdefault(metric.name, {"points": {}})
                        entry.update(
                            type=kind,
                            unit=metric.unit,
                            scope=sm.scope.name,
                            temporality=getattr(data, "aggregation_temporality", None),
                            monotonic=getattr(data, "is_monotonic", None),
                            service=sorted(
                                (a.key, a.value.string_value)
                                for a in rm.resource.attributes
                                if a.key.startswith("service.name")
                            ),
                        )
                        for p in data.data_points:
                            attrs = tuple(sorted((a.key, a.value.string_value) for a in p.attributes))
                            entry["points"][attrs] = p
        return out


DROPPED = re.compile(r"output is behind \(the server is slow or down\): dropped the samples of (\d+) push(?:es)?")


def dropped_pushes(stderr: str) -> list[int]:
    """The counts of the "dropped" warnings: the first drop is reported at once, the rest at the end
    (or every 30 s), so a hung server in a short run gives one or two warnings, never one per push."""
    return [int(n) for n in DROPPED.findall(stderr)]
