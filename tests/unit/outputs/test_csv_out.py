"""The csv output: header equal to k6's, rows in k6's format (Go csv quoting, %f values)."""

from __future__ import annotations

import shutil
import subprocess
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from loadpy.clock import now, wall_ns
from loadpy.metrics import Registry, tagset
from loadpy.outputs import CsvOutput, OutputManager, csv_header

# Written by k6 v1.1.0 `k6 run --out csv=x.csv` with the default system tags.
K6_HEADER = (
    "metric_name,timestamp,metric_value,check,error,error_code,expected_response,group,method,name,proto,"
    "scenario,service,status,subproto,tls_version,url,extra_tags,metadata"
)


def test_default_header_equals_k6s() -> None:
    assert csv_header() == K6_HEADER


def test_header_follows_enabled_system_tags() -> None:
    # k6 --system-tags=vu,iter,scenario,group wrote exactly this header (vu/iter go to metadata).
    assert (
        csv_header({"vu", "iter", "scenario", "group"})
        == "metric_name,timestamp,metric_value,group,scenario,extra_tags,metadata"
    )


def test_rows_match_k6s_format(tmp_path: Path) -> None:
    path = tmp_path / "out.csv"
    reg = Registry()
    mgr = OutputManager(reg, [CsvOutput(str(path))])
    mgr.start()
    tags = tagset(
        {
            "expected_response": "true",
            "group": "::g1",
            "method": "GET",
            "name": "foo",
            "proto": "HTTP/1.0",
            "scenario": "default",
            "status": "200",
            "url": "foo",
            "runtag": "x y&z",
            "custom": "a,b",
        }
    )
    when = now()
    reg.add(reg.metrics["http_reqs"], tags, 1.0, when)
    trend = reg.define("my_trend", "trend")
    reg.add(trend, tagset({"group": "", "scenario": "default", "k": "v"}), 0.00001234, when)
    reg.add(trend, tagset({"group": "", "scenario": "default"}), 1e22, when, metadata={"vu": "1", "iter": "0"})
    counter = reg.define("my_c", "counter")
    reg.add(counter, tagset({"a": '<b> "q"\n'}), 1234567.0, when)
    mgr.stop()
    second = wall_ns(when) // 1_000_000_000
    assert path.read_text() == (
        K6_HEADER + "\n"
        f'http_reqs,{second},1.000000,,,,true,::g1,GET,foo,HTTP/1.0,default,,200,,,foo,"custom=a,b&runtag=x y&z",\n'
        f"my_trend,{second},0.000012,,,,,,,,,default,,,,,,k=v,\n"
        f"my_trend,{second},10000000000000000000000.000000,,,,,,,,,default,,,,,,,vu=1&iter=0\n"
        f'my_c,{second},1234567.000000,,,,,,,,,,,,,,,"a=<b> ""q""\n",\n'
    )


def test_stop_without_samples_leaves_header_only(tmp_path: Path) -> None:
    path = tmp_path / "empty.csv"
    mgr = OutputManager(Registry(), [CsvOutput(str(path))])
    mgr.start()
    mgr.stop()
    assert path.read_text() == K6_HEADER + "\n"


class _Ok(BaseHTTPRequestHandler):
    def do_GET(self) -> None:
        self.send_response(200)
        self.send_header("Content-Length", "2")
        self.end_headers()
        self.wfile.write(b"ok")

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def local_server() -> Iterator[int]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Ok)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield server.server_address[1]
    finally:
        server.shutdown()
        server.server_close()


@pytest.mark.k6
def test_header_equals_real_k6_output(tmp_path: Path, local_server: int) -> None:
    k6 = shutil.which("k6")
    assert k6 is not None, "k6 v1.1.0 must be installed for the differential tests"
    script = tmp_path / "one.js"
    script.write_text(
        "import http from 'k6/http';\n"
        "export const options = { iterations: 1, vus: 1 };\n"
        f"export default function () {{ http.get('http://127.0.0.1:{local_server}/'); }}\n"
    )
    out = tmp_path / "k6.csv"
    proc = subprocess.run(
        [k6, "run", "--address", "", "-q", "--no-summary", "--out", f"csv={out}", str(script)],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert proc.returncode == 0, proc.stderr
    lines = out.read_text().splitlines()
    assert lines[0] == csv_header()
    http_reqs = [line for line in lines if line.startswith("http_reqs,")]
    assert len(http_reqs) == 1
    assert len(http_reqs[0].split(",")) == len(lines[0].split(","))
