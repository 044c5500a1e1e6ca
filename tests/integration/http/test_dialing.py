"""`blockHostnames`, `blacklistIPs`, `localIPs` and bad destination options, end to end through the
CLI against a recording server, each checked against the real k6 (issue #12 item 4).

k6 v1.1.0 measured: a blocked hostname fails with 1111 "hostname is blocked" (case-insensitive, before
`hosts` is consulted), a blacklisted address with 1110 "ip is blacklisted" (after `hosts`/DNS), and
nothing reaches the target; `localIPs` (K6_LOCAL_IPS: k6 takes it from the CLI/env, not the script)
binds VU n to the n-th address of the pool."""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.integration.cli.helpers import run_loadpy, write_scenario
from tests.integration.http.recording_server import RecordingServer, recording_server
from tests.reliability.helpers import json_points, request_tags, run_k6


@pytest.fixture(scope="module")
def server() -> Iterator[RecordingServer]:
    with recording_server() as srv:
        yield srv


BLOCKING = {
    "blacklistIPs": ["127.0.0.0/24"],
    "blockHostnames": ["*.blocked.test", "exact.test"],
    "hosts": {"ok.test": "127.0.0.1", "a.blocked.test": "127.0.0.1"},
}


def _urls(port: int) -> list[str]:
    return [
        f"http://127.0.0.1:{port}/ip",
        f"http://a.blocked.test:{port}/wildcard",
        f"http://EXACT.test:{port}/exact",
        f"http://ok.test:{port}/via-hosts",
        f"http://localhost:{port}/via-dns",
    ]


EXPECTED_TAGS = [
    ("0", "1110", "ip is blacklisted"),
    ("0", "1111", "hostname is blocked"),
    ("0", "1111", "hostname is blocked"),
    ("0", "1110", "ip is blacklisted"),
    ("0", "1110", "ip is blacklisted"),  # localhost resolves to 127.0.0.1 (dns policy preferIPv4)
]


def test_blocked_destinations_fail_with_k6_codes_and_nothing_reaches_the_target(
    tmp_path: Path, server: RecordingServer
) -> None:
    server.take()
    steps = [{"request": {"url": url}} for url in _urls(server.port)]
    scenario = write_scenario(
        tmp_path, json.dumps({"options": {"iterations": 1, **BLOCKING}, "flows": {"default": steps}})
    )
    out = run_loadpy(tmp_path, scenario, "--out", "json=out.json")
    assert out.code == 0, out.stderr
    assert request_tags(json_points(tmp_path / "out.json")) == EXPECTED_TAGS
    assert server.take() == []


@pytest.mark.k6
def test_k6_blocks_the_same_destinations(tmp_path: Path, server: RecordingServer) -> None:
    server.take()
    code, points = run_k6(
        tmp_path,
        f"""
        import http from 'k6/http';
        export const options = {{ iterations: 1, ...{json.dumps(BLOCKING)} }};
        export default function () {{ for (const u of {json.dumps(_urls(server.port))}) http.get(u); }}
        """,
    )
    assert code == 0
    assert request_tags(points) == EXPECTED_TAGS
    assert server.take() == []


@pytest.mark.parametrize(
    ("option", "value", "message"),
    [
        ("blacklistIPs", ["notacidr"], "failed to parse CIDR 'notacidr': invalid CIDR address: notacidr"),
        ("blockHostnames", ["a*b"], "invalid hostname pattern 'a*b'"),
        ("dns", {"select": "bad"}, "bad does not belong to DNSSelect values"),
        ("dns", {"policy": "bad"}, "bad does not belong to DNSPolicy values"),
        ("dns", {"ttl": "bad"}, "invalid DNS TTL: bad"),
        ("tlsCipherSuites", ["BAD"], "unknown cipher suite 'BAD'"),
        ("localIPs", "bad", "bad is not a valid IP, IP range or CIDR"),
    ],
)
def test_a_bad_destination_option_is_a_config_error_naming_it(
    tmp_path: Path, server: RecordingServer, option: str, value: object, message: str
) -> None:
    server.take()
    scenario = write_scenario(
        tmp_path,
        f"""
        options:
          iterations: 1
          {option}: {json.dumps(value)}
        flows:
          default:
            - request: {{url: "{server.base_url}/never"}}
        """,
    )
    out = run_loadpy(tmp_path, scenario)
    assert out.code == 104, out.stderr
    assert f"line 3, key 'options.{option}'" in out.stderr and message in out.stderr, out.stderr
    assert "Traceback" not in out.stderr
    assert server.take() == []


LOCAL_IPS = "127.0.0.2-127.0.0.3"


def _peers(server: RecordingServer) -> Counter[str]:
    return Counter(r.peer for r in server.take())


def test_local_ips_bind_each_vu_to_its_source_address(tmp_path: Path, server: RecordingServer) -> None:
    server.take()
    scenario = write_scenario(
        tmp_path,
        f"""
        options:
          scenarios:
            s: {{executor: per-vu-iterations, vus: 3, iterations: 2}}
        flows:
          default:
            - request: {{url: "{server.base_url}/from"}}
        """,
    )
    out = run_loadpy(tmp_path, scenario, env={"K6_LOCAL_IPS": LOCAL_IPS})
    assert out.code == 0, out.stderr
    # VUs 1 and 3 bind 127.0.0.2 (the pool wraps around), VU 2 binds 127.0.0.3
    assert _peers(server) == {"127.0.0.2": 4, "127.0.0.3": 2}


@pytest.mark.k6
def test_k6_binds_local_ips_the_same_way(
    tmp_path: Path, server: RecordingServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    server.take()
    monkeypatch.setenv("K6_LOCAL_IPS", LOCAL_IPS)
    code, _ = run_k6(
        tmp_path,
        f"""
        import http from 'k6/http';
        export const options = {{ scenarios: {{ s: {{ executor: 'per-vu-iterations', vus: 3, iterations: 2 }} }} }};
        export default function () {{ http.get('{server.base_url}/from'); }}
        """,
    )
    assert code == 0
    assert _peers(server) == {"127.0.0.2": 4, "127.0.0.3": 2}


def test_websocket_sessions_obey_the_same_destination_rules(tmp_path: Path, server: RecordingServer) -> None:
    """k6's WebSocket dialer is the HTTP one: a blocked host or address gets Go's error text, no connection."""
    server.take()
    ws_base = server.base_url.replace("http", "ws")
    scenario = write_scenario(
        tmp_path,
        f"""
        options:
          iterations: 1
          blockHostnames: ["*.blocked.test"]
          blacklistIPs: ["127.0.0.0/24"]
          thresholds: {{checks: ["rate==1"]}}
        flows:
          default:
            - ws: {{url: "ws://a.blocked.test/x", timeout: 2s}}
              checks:
                blocked: 'error == "hostname (a.blocked.test) is in a blocked pattern (*.blocked.test)"'
            - ws: {{url: "{ws_base}/ws-blacklisted", timeout: 2s}}
              checks:
                blacklisted: 'error == "IP (127.0.0.1) is in a blacklisted range (127.0.0.0/24)"'
        """,
    )
    out = run_loadpy(tmp_path, scenario)
    assert out.code == 0, out.stderr
    assert out.export is not None
    assert out.export["metrics"]["checks"]["passes"] == 2
    assert server.take() == []
