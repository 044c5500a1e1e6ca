"""`--out influxdb` against a real InfluxDB 1.x: k6 v1.1.0 and loadpy write the same workload into two
databases of one server, which must then hold the same measurements, tag keys, field keys and types,
point counts and sums. Plus: settings from K6_INFLUXDB_*, a server that is down or hung, bad settings."""

from __future__ import annotations

import threading
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest

from loadpy.demo import DemoServer
from tests.integration.outputs.streaming.servers import (
    NAME,
    TIMED_YAML,
    InfluxDB,
    closed_port,
    dropped_pushes,
    influxdb,
    run,
    silent_tcp_server,
)

# Emitted once per second by both tools: how many points a short run holds depends on timing.
TIMED_GAUGES = {"vus", "vus_max"}
COUNTED = ("http_reqs", "iterations", "checks", "http_req_duration", "http_req_failed", "iteration_duration")


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[InfluxDB]:
    with influxdb(tmp_path_factory.mktemp("influxdb")) as srv:
        yield srv


def holdings(srv: InfluxDB, db: str) -> dict[str, Any]:
    """What the server holds for one database: measurements, keys, counts and sums."""
    measurements = {v[0] for s in srv.query(db, "SHOW MEASUREMENTS") for v in s["values"]} - TIMED_GAUGES
    tags = {s["name"]: sorted(v[0] for v in s["values"]) for s in srv.query(db, "SHOW TAG KEYS")}
    fields = {s["name"]: sorted(map(tuple, s["values"])) for s in srv.query(db, "SHOW FIELD KEYS")}
    names = sorted(v[1] for s in srv.query(db, 'SHOW TAG VALUES FROM http_reqs WITH KEY = "name"') for v in s["values"])
    urls = sorted({v[1] for s in srv.query(db, "SELECT url FROM http_reqs") for v in s["values"]})
    totals = {
        s["name"]: s["values"][0][1:]
        for s in srv.query(db, f"SELECT count(value), sum(value) FROM {','.join(COUNTED)}")
    }
    return {
        "measurements": measurements,
        "tags": {k: v for k, v in tags.items() if k in measurements},
        "fields": {k: v for k, v in fields.items() if k in measurements},
        "totals": totals,
        "names": names,
        "urls": urls,
    }


def both(srv: InfluxDB, tmp: Path, base: str, label: str, env: dict[str, str] | None = None) -> dict[str, Any]:
    out = {}
    for tool in ("k6", "loadpy"):
        db = f"{label}_{tool}"
        work = tmp / db
        work.mkdir()
        proc = run(tool, work, base, "--out", f"influxdb={srv.url}/{db}", env=env)
        assert proc.returncode == 0, f"{tool}: {proc.stderr[-2000:]}"
        out[tool] = holdings(srv, db)
    return out


def test_same_measurements_tags_fields_and_counts_as_k6(
    server: InfluxDB, tmp_path: Path, demo_server: DemoServer
) -> None:
    got = both(server, tmp_path, demo_server.base_url, "defaults")
    k6, lp = got["k6"], got["loadpy"]
    assert lp["measurements"] == k6["measurements"]
    assert "http_req_duration" in lp["measurements"] and "checks" in lp["measurements"]
    assert lp["tags"] == k6["tags"]
    # url is a field (tagsAsFields default vu,iter,url; vu and iter are metadata, never tags)
    assert lp["tags"]["http_reqs"] == ["expected_response", "method", "name", "proto", "scenario", "status"]
    assert lp["fields"] == k6["fields"]
    assert lp["fields"]["http_reqs"] == [("url", "string"), ("value", "float")]
    # escaped on the wire (comma, space, equals in tags; quote and backslash in string fields), intact in the server
    assert lp["names"] == k6["names"] == [NAME]
    assert lp["urls"] == k6["urls"] == [NAME]
    # 2 VUs x 3 iterations, one request and one check each: exact on both sides
    for name in ("http_reqs", "iterations", "checks"):
        assert lp["totals"][name] == k6["totals"][name] == [6, 6], name
    for name in ("http_req_duration", "http_req_failed", "iteration_duration"):
        assert lp["totals"][name][0] == k6["totals"][name][0] == 6, name
    assert lp["totals"]["http_req_failed"][1] == k6["totals"]["http_req_failed"][1] == 0


def test_tags_as_fields_typed_as_k6(server: InfluxDB, tmp_path: Path, demo_server: DemoServer) -> None:
    env = {"K6_INFLUXDB_TAGS_AS_FIELDS": "url,status:int,expected_response:bool"}
    got = both(server, tmp_path, demo_server.base_url, "typed", env)
    k6, lp = got["k6"], got["loadpy"]
    assert lp["tags"] == k6["tags"]
    assert lp["tags"]["http_reqs"] == ["method", "name", "proto", "scenario"]
    assert lp["fields"] == k6["fields"]
    assert lp["fields"]["http_reqs"] == [
        ("expected_response", "boolean"),
        ("status", "integer"),
        ("url", "string"),
        ("value", "float"),
    ]
    assert lp["totals"]["http_reqs"] == k6["totals"]["http_reqs"] == [6, 6]


def test_udp_same_points_as_k6(server: InfluxDB, tmp_path: Path, demo_server: DemoServer) -> None:
    """udp://host:port: lines in datagrams of at most K6_INFLUXDB_PAYLOAD_SIZE bytes (here small, so a
    push takes many datagrams); the server's UDP listener writes them into its own database."""
    got = {}
    for tool in ("k6", "loadpy"):
        work = tmp_path / tool
        work.mkdir()
        db = f"udp_{tool}"
        env = {"K6_INFLUXDB_PAYLOAD_SIZE": "600"}
        proc = run(
            tool, work, demo_server.base_url, "--out", f"influxdb=udp://127.0.0.1:{server.udp_ports[db]}", env=env
        )
        assert proc.returncode == 0, f"{tool}: {proc.stderr[-2000:]}"
        time.sleep(1)  # the UDP listener writes in its own batches
        got[tool] = holdings(server, db)
    assert got["loadpy"]["measurements"] == got["k6"]["measurements"]
    assert got["loadpy"]["tags"] == got["k6"]["tags"]
    assert got["loadpy"]["fields"] == got["k6"]["fields"]
    assert got["loadpy"]["totals"]["http_reqs"] == got["k6"]["totals"]["http_reqs"] == [6, 6]
    assert got["loadpy"]["totals"]["checks"] == got["k6"]["totals"]["checks"] == [6, 6]


def test_precision_seconds_as_k6(server: InfluxDB, tmp_path: Path, demo_server: DemoServer) -> None:
    """Timestamps are cut to the precision: in seconds, the points of one series in one second
    overwrite each other in InfluxDB, for k6 and loadpy alike."""
    both(server, tmp_path, demo_server.base_url, "seconds", {"K6_INFLUXDB_PRECISION": "s"})
    for tool in ("k6", "loadpy"):
        rows = server.query(f"seconds_{tool}", "SELECT value FROM iterations")[0]["values"]
        assert rows, tool
        assert all("." not in r[0] for r in rows), (tool, rows)  # no fraction of a second
        assert len(rows) < 6, (tool, rows)


def test_server_down_run_ends_on_time_with_exit_0(tmp_path: Path, demo_server: DemoServer) -> None:
    started = time.monotonic()
    proc = run(
        "loadpy",
        tmp_path,
        demo_server.base_url,
        "--out",
        f"influxdb=http://127.0.0.1:{closed_port()}/db",
        yaml=TIMED_YAML,
    )
    took = time.monotonic() - started
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert "Couldn't write stats (output=InfluxDBv1)" in proc.stderr
    assert "Connection refused" in proc.stderr
    assert took < 20, took


def test_hung_server_bounded_wait_and_dropped_pushes(tmp_path: Path, demo_server: DemoServer) -> None:
    """A server that accepts and never answers: senders are stuck, later pushes are dropped with a
    warning instead of piling up, and stop gives up after its timeout; the run still exits 0."""
    with silent_tcp_server() as port:
        started = time.monotonic()
        proc = run(
            "loadpy",
            tmp_path,
            demo_server.base_url,
            "--out",
            f"influxdb=http://127.0.0.1:{port}/db",
            env={"K6_INFLUXDB_PUSH_INTERVAL": "200ms", "K6_INFLUXDB_CONCURRENT_WRITES": "1"},
            yaml=TIMED_YAML,
        )
        took = time.monotonic() - started
    assert proc.returncode == 0, proc.stderr[-2000:]
    drops = dropped_pushes(proc.stderr)
    assert drops[0] == 1 and len(drops) <= 2 and sum(drops) >= 2, proc.stderr[-2000:]
    assert "gave up waiting for the server" in proc.stderr
    assert took < 25, took


@pytest.mark.parametrize(
    ("env", "arg", "needle"),
    [
        ({"K6_INFLUXDB_CONCURRENT_WRITES": "0"}, "", "influxdb's ConcurrentWrites must be a positive number"),
        ({"K6_INFLUXDB_TAGS_AS_FIELDS": "url:list"}, "", "an invalid type (list) is specified for an InfluxDB field"),
        ({"K6_INFLUXDB_PUSH_INTERVAL": "soon"}, "", "K6_INFLUXDB_PUSH_INTERVAL"),
        ({}, "?bogus=1", "unknown query parameter: bogus"),
        ({"K6_INFLUXDB_PRECISION": "days"}, "", "K6_INFLUXDB_PRECISION"),
    ],
)
def test_bad_settings_exit_104_before_any_request(
    tmp_path: Path, demo_server: DemoServer, env: dict[str, str], arg: str, needle: str
) -> None:
    before = demo_server.stats()["total"]
    proc = run("loadpy", tmp_path, demo_server.base_url, "--out", f"influxdb=http://127.0.0.1:1/db{arg}", env=env)
    assert proc.returncode == 104, proc.stderr[-2000:]
    assert needle in proc.stderr
    where = "command line, key 'out'" if not env else f"environment variables, key '{next(iter(env))}'"
    assert where in proc.stderr
    assert "Traceback" not in proc.stderr
    assert demo_server.stats()["total"] == before


@contextmanager
def recording_proxy() -> Iterator[tuple[str, list[str]]]:
    """A plain HTTP forward proxy: records each request line and relays it (no proxy of its own)."""
    seen: list[str] = []
    direct = urllib.request.build_opener(urllib.request.ProxyHandler({}))

    class Handler(BaseHTTPRequestHandler):
        def _relay(self) -> None:
            seen.append(f"{self.command} {self.path}")
            length = int(self.headers.get("Content-Length") or 0)
            body = self.rfile.read(length) if length else None
            request = urllib.request.Request(self.path, data=body, method=self.command)
            try:
                with direct.open(request, timeout=10) as r:
                    status, reply = r.status, r.read()
            except urllib.error.HTTPError as exc:
                status, reply = exc.code, exc.read()
            self.send_response(status)
            self.send_header("Content-Length", str(len(reply)))
            self.end_headers()
            self.wfile.write(reply)

        do_GET = do_POST = _relay

        def log_message(self, *args: object) -> None:
            pass

    srv = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=srv.serve_forever, daemon=True).start()
    try:
        yield f"http://127.0.0.1:{srv.server_address[1]}", seen
    finally:
        srv.shutdown()
        srv.server_close()


def test_proxy_carries_every_request(server: InfluxDB, tmp_path: Path, demo_server: DemoServer) -> None:
    with recording_proxy() as (proxy, seen):
        env = {"K6_INFLUXDB_PROXY": proxy}
        proc = run("loadpy", tmp_path, demo_server.base_url, "--out", f"influxdb={server.url}/proxied", env=env)
    assert proc.returncode == 0, proc.stderr[-2000:]
    writes = [line for line in seen if line.startswith(f"POST {server.url}/write?consistency=&db=proxied&")]
    assert seen == [f"POST {server.url}/query?q=CREATE+DATABASE+proxied", *writes] and writes, seen
    assert holdings(server, "proxied")["totals"]["http_reqs"] == [6, 6]
