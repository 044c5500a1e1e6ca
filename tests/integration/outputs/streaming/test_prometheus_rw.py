"""`--out experimental-prometheus-rw` against a real Prometheus (remote-write receiver on): k6 v1.1.0
and loadpy push the same workload, told apart by a `--tag tool=...` label, and Prometheus must then
hold the same series names, label keys and values. Plus: stale markers, a hung server, bad settings."""

from __future__ import annotations

import json
import threading
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest

from loadpy.demo import DemoServer
from tests.integration.outputs.streaming.servers import (
    LINGERING_YAML,
    NAME,
    TIMED_YAML,
    Prometheus,
    dropped_pushes,
    prometheus,
    run,
    silent_tcp_server,
)

TIMED_GAUGES = {"k6_vus", "k6_vus_max"}


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Prometheus]:
    with prometheus(tmp_path_factory.mktemp("prometheus")) as srv:
        yield srv


def series_of(srv: Prometheus, tool: str) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    """{(name, labels without tool): value} of every series one tool pushed."""
    out = {}
    for r in srv.query(f'{{__name__=~"k6_.+",tool="{tool}"}}'):
        labels = r["metric"]
        name = labels.pop("__name__")
        labels.pop("tool")
        if name not in TIMED_GAUGES:
            out[(name, tuple(sorted(labels.items())))] = float(r["value"][1])
    return out


def push_both(srv: Prometheus, tmp: Path, base: str, label: str, env: dict[str, str]) -> dict[str, Any]:
    got = {}
    for tool in ("k6", "loadpy"):
        work = tmp / tool
        work.mkdir()
        tag = f"{label}-{tool}"
        proc = run(tool, work, base, "--out", "experimental-prometheus-rw", "--tag", f"tool={tag}", env=env)
        assert proc.returncode == 0, f"{tool}: {proc.stderr[-2000:]}"
        got[tool] = series_of(srv, tag)
    return got


def test_same_series_labels_and_values_as_k6(server: Prometheus, tmp_path: Path, demo_server: DemoServer) -> None:
    env = {"K6_PROMETHEUS_RW_SERVER_URL": server.write_url, "K6_PROMETHEUS_RW_TREND_STATS": "p(99),count,sum,max"}
    got = push_both(server, tmp_path, demo_server.base_url, "defaults", env)
    k6, lp = got["k6"], got["loadpy"]
    assert sorted(lp) == sorted(k6)
    names = {name for name, _ in lp}
    assert {"k6_http_reqs_total", "k6_iterations_total", "k6_checks_rate", "k6_http_req_failed_rate"} <= names
    assert {"k6_http_req_duration_p99", "k6_http_req_duration_count", "k6_data_sent_total"} <= names
    request_labels = [dict(labels) for name, labels in lp if name == "k6_http_reqs_total"]
    assert request_labels == [
        {
            "expected_response": "true",
            "method": "GET",
            "name": NAME,
            "proto": "HTTP/1.1",
            "scenario": "s",
            "status": "200",
            "url": NAME,
        }
    ]
    exact = ("k6_http_reqs_total", "k6_iterations_total", "k6_checks_rate", "k6_http_req_failed_rate")
    for key, value in lp.items():
        if key[0] in exact or key[0].endswith("_count"):
            assert value == k6[key], key
    by_name = {name: value for (name, _), value in lp.items()}
    assert by_name["k6_http_reqs_total"] == 6
    assert by_name["k6_checks_rate"] == 1
    # k6 divides every stat of a time trend by 1000 (to seconds), the count too
    assert by_name["k6_http_req_duration_count"] == pytest.approx(0.006)
    assert 0 < by_name["k6_http_req_duration_max"] < 1  # seconds
    assert by_name["k6_http_req_duration_sum"] >= by_name["k6_http_req_duration_max"]
    assert by_name["k6_iteration_duration_sum"] >= by_name["k6_iteration_duration_max"] > 0


def test_stale_markers_end_every_series(server: Prometheus, tmp_path: Path, demo_server: DemoServer) -> None:
    env = {"K6_PROMETHEUS_RW_SERVER_URL": server.write_url, "K6_PROMETHEUS_RW_STALE_MARKERS": "true"}
    got = push_both(server, tmp_path, demo_server.base_url, "stale", env)
    # a stale series drops out of instant queries at once, for k6 and for loadpy
    assert got == {"k6": {}, "loadpy": {}}
    # ... but its samples are there
    rows = server.query('count_over_time(k6_http_reqs_total{tool="stale-loadpy"}[10m])')
    assert rows and float(rows[0]["value"][1]) >= 1


def test_hung_server_run_ends_on_time(tmp_path: Path, demo_server: DemoServer) -> None:
    with silent_tcp_server() as port:
        env = {
            "K6_PROMETHEUS_RW_SERVER_URL": f"http://127.0.0.1:{port}/api/v1/write",
            "K6_PROMETHEUS_RW_PUSH_INTERVAL": "200ms",
        }
        started = time.monotonic()
        proc = run(
            "loadpy", tmp_path, demo_server.base_url, "-o", "experimental-prometheus-rw", env=env, yaml=TIMED_YAML
        )
        took = time.monotonic() - started
    assert proc.returncode == 0, proc.stderr[-2000:]
    drops = dropped_pushes(proc.stderr)
    assert drops[0] == 1 and len(drops) <= 2 and sum(drops) >= 2, proc.stderr[-2000:]
    assert took < 25, took


@pytest.mark.parametrize(
    ("env", "arg", "needle"),
    [
        ({"K6_PROMETHEUS_RW_TREND_STATS": "p(200)"}, "", "invalid percentile trend stat value 'p(200)'"),
        ({"K6_PROMETHEUS_RW_TREND_STATS": "mean"}, "", "invalid trend stat 'mean', unknown format"),
        ({"K6_PROMETHEUS_RW_STALE_MARKERS": "maybe"}, "", "K6_PROMETHEUS_RW_STALE_MARKERS"),
        ({"K6_PROMETHEUS_RW_TREND_AS_NATIVE_HISTOGRAM": "true"}, "", "does not support native histograms"),
        ({"K6_PROMETHEUS_RW_HTTP_HEADERS": "X-A"}, "", "does not respect the expected format"),
        ({}, "=http://127.0.0.1:1/api/v1/write", "takes no argument"),
    ],
)
def test_bad_settings_exit_104_before_any_request(
    tmp_path: Path, demo_server: DemoServer, env: dict[str, str], arg: str, needle: str
) -> None:
    before = demo_server.stats()["total"]
    proc = run("loadpy", tmp_path, demo_server.base_url, "--out", f"experimental-prometheus-rw{arg}", env=env)
    assert proc.returncode == 104, proc.stderr[-2000:]
    assert needle in proc.stderr
    where = "command line, key 'out'" if not env else f"environment variables, key '{next(iter(env))}'"
    assert where in proc.stderr
    assert "Traceback" not in proc.stderr
    assert demo_server.stats()["total"] == before


DASHBOARD = Path(__file__).parents[4] / "grafana" / "loadpy-prometheus.json"


def test_grafana_dashboard_queries_read_loadpy_series(
    server: Prometheus, tmp_path: Path, demo_server: DemoServer
) -> None:
    """Every query of grafana/loadpy-prometheus.json is valid PromQL on a real Prometheus, and the
    run-total panels show loadpy's figures for a run tagged with testid."""
    env = {"K6_PROMETHEUS_RW_SERVER_URL": server.write_url}
    proc = run(
        "loadpy", tmp_path, demo_server.base_url, "-o", "experimental-prometheus-rw", "--tag", "testid=dash", env=env
    )
    assert proc.returncode == 0, proc.stderr[-2000:]
    dashboard = json.loads(DASHBOARD.read_text())
    variables = {"$testid": "dash", "$scenario": ".*", "$__range": "1h", "$__rate_interval": "1m"}
    results = {}
    for panel in dashboard["panels"]:
        for target in panel["targets"]:
            expr = target["expr"]
            for name, value in variables.items():
                expr = expr.replace(name, value)
            results[panel["title"]] = server.query(expr)  # raises on invalid PromQL
    assert float(results["HTTP requests"][0]["value"][1]) == 6
    assert float(results["Iterations"][0]["value"][1]) == 6
    assert float(results["Checks passed"][0]["value"][1]) == 1
    assert float(results["Failed requests"][0]["value"][1]) == 0
    assert 0 < float(results["Request duration p99"][0]["value"][1]) < 1
    assert [r["metric"]["name"] for r in results["Request duration p99 by name"]] == [NAME]


@contextmanager
def failing_first_proxy(target: str) -> Iterator[tuple[str, list[int]]]:
    """A write endpoint that answers 503 to its first request and forwards the rest to `target`;
    yields its URL and the statuses it answered."""
    statuses: list[int] = []

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers["Content-Length"]))
            status = 503
            if statuses:
                forward = urllib.request.Request(target, data=body, headers=dict(self.headers), method="POST")
                with urllib.request.urlopen(forward, timeout=10) as r:
                    status = r.status
            statuses.append(status)
            self.send_response(status)
            self.send_header("Content-Length", "0")
            self.end_headers()

        def log_message(self, *args: object) -> None:
            pass

    srv = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=srv.serve_forever, daemon=True).start()
    try:
        yield f"http://127.0.0.1:{srv.server_address[1]}/api/v1/write", statuses
    finally:
        srv.shutdown()
        srv.server_close()


def test_series_of_a_failed_push_are_sent_again(server: Prometheus, tmp_path: Path, demo_server: DemoServer) -> None:
    """Aggregates are running totals: when a push fails, its series go out again with the next push,
    so the server ends with the run's totals (k6 would wait for a new sample of each series)."""
    with failing_first_proxy(server.write_url) as (url, statuses):
        env = {"K6_PROMETHEUS_RW_SERVER_URL": url, "K6_PROMETHEUS_RW_PUSH_INTERVAL": "300ms"}
        proc = run(
            "loadpy",
            tmp_path,
            demo_server.base_url,
            "-o",
            "experimental-prometheus-rw",
            "--tag",
            "tool=retry",
            env=env,
            yaml=LINGERING_YAML,
        )
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert statuses[0] == 503 and len(statuses) >= 2 and set(statuses[1:]) == {204}, statuses
    assert "got status code: 503" in proc.stderr
    totals = {name: value for (name, _), value in series_of(server, "retry").items()}
    assert totals["k6_http_reqs_total"] == 6
    assert totals["k6_iterations_total"] == 6
    assert totals["k6_checks_rate"] == 1
