"""Streaming outputs whose server is down (issue #19): the run, its summary export and its exit code
are the same as k6's — a dead metrics server costs a logged error, never a count or a verdict."""

from __future__ import annotations

from typing import Any

from tests.conformance.model import Case, Expect, m, served, status_is

DEAD = "127.0.0.1:1"  # nothing listens on port 1: connection refused at once


def _exact(label: str, getter: Any, value: float) -> Expect:
    return Expect(label, getter, lo=value, hi=value)


def _dead_output(case_id: str, doc: str, args: tuple[str, ...], os_env: dict[str, str]) -> Case:
    return Case(
        case_id,
        doc,
        {"default": [{"request": {"method": "GET", "url": "${BASE_URL}/"}, "checks": {"ok": status_is(200)}}]},
        {"scenarios": {"s": {"executor": "per-vu-iterations", "vus": 2, "iterations": 3}}},
        args=args,
        os_env=os_env,
        expect=(
            _exact("iterations", m("iterations"), 6),
            _exact("http_reqs", m("http_reqs"), 6),
            _exact("checks passed", m("checks", "passes"), 6),
            _exact("served /", served("/"), 6),
        ),
    )


STREAMING: list[Case] = [
    _dead_output(
        "out_influxdb_server_down",
        "--out influxdb to a closed port: same counts and exit code 0",
        ("--out", f"influxdb=http://{DEAD}/k6"),
        {},
    ),
    _dead_output(
        "out_prometheus_rw_server_down",
        "--out experimental-prometheus-rw to a closed port: same counts and exit code 0",
        ("--out", "experimental-prometheus-rw"),
        {"K6_PROMETHEUS_RW_SERVER_URL": f"http://{DEAD}/api/v1/write"},
    ),
    _dead_output(
        "out_opentelemetry_receiver_down",
        "--out experimental-opentelemetry (gRPC) to a closed port: same counts and exit code 0",
        ("--out", "experimental-opentelemetry"),
        {"K6_OTEL_GRPC_EXPORTER_ENDPOINT": DEAD, "K6_OTEL_GRPC_EXPORTER_INSECURE": "true"},
    ),
]
