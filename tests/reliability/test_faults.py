"""The fault matrix: a real local server misbehaves on purpose; loadpy must record each failure with
k6's error / error_code, keep its VUs going, end on time and write complete results.

Every expected (error_code, error) pair below was measured with k6 v1.1.0 against this same server
(see test_k6_reports_the_same_errors, which re-checks it when k6 is installed)."""

from __future__ import annotations

import json
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.integration.cli.helpers import (
    loadpy_cmd,
    metric,
    run_loadpy,
    subprocess_env,
    wait_until,
    write_scenario,
)
from tests.reliability.faulty_server import FaultyServer, closed_port, faulty_server
from tests.reliability.helpers import csv_rows, json_points, request_tags, run_k6

# path on the faulty server -> (error_code, error) k6 reports for it
FAULTS: dict[str, tuple[str, str]] = {
    "/reset-early": ("1220", "read: connection reset by peer"),
    "/reset-headers": ("1000", "unexpected EOF"),
    "/partial-header-reset": ("1000", 'malformed MIME header: missing colon: "Content-Le"'),
    "/partial-header-eof": ("1000", 'malformed MIME header: missing colon: "Content-Le"'),
    "/partial-status-reset": ("1000", 'malformed HTTP status code "2"'),
    "/reset-body": ("1220", "read: connection reset by peer"),
    "/eof-body": ("1000", "unexpected EOF"),
    "/hang": ("1050", "request timeout"),
    "/trickle": ("1050", "request timeout"),
    "/bad-status": ("1000", 'malformed HTTP status code "abc"'),
    "/bad-header": ("1000", 'malformed MIME header: missing colon: "This line has no colon"'),
    "/endless-head": ("1000", "net/http: server response headers exceeded 10485760 bytes; aborted"),
}


@pytest.fixture(scope="module")
def server() -> Iterator[FaultyServer]:
    with faulty_server() as srv:
        yield srv


def _fault_then_ok(url: str, ok_url: str) -> str:
    # 2 VUs x 2 iterations; each iteration hits the fault, then a healthy URL (the VU keeps going)
    return f"""
        options:
          scenarios:
            main: {{executor: per-vu-iterations, vus: 2, iterations: 2, maxDuration: 20s}}
          thresholds:
            "http_reqs{{expected_response:false}}": ["count==4"]
            "http_reqs{{expected_response:true}}": ["count==4"]
        flows:
          default:
            - request: {{url: "{url}", timeout: 700ms, name: fault}}
            - request: {{url: "{ok_url}", name: ok}}
        """


@pytest.mark.parametrize("path", sorted(FAULTS))
def test_each_fault_is_recorded_exactly_and_the_vus_keep_going(tmp_path: Path, server: FaultyServer, path: str) -> None:
    server.reset()
    scenario = write_scenario(tmp_path, _fault_then_ok(server.base_url + path, server.base_url + "/ok"))
    out = run_loadpy(tmp_path, scenario, "--out", "json=out.json", "--out", "csv=out.csv", timeout=60)
    assert out.code == 0, out.stderr
    assert "Traceback" not in out.stderr
    code, text = FAULTS[path]
    tags = request_tags(json_points(tmp_path / "out.json"))
    assert Counter(tags) == {("0", code, text): 4, ("200", None, None): 4}
    # Go (and so k6) retries a GET once on a fresh connection when a *reused* keep-alive connection
    # fails before the first response byte: the second iterations' /reset-early reach the server twice
    # (measured with k6: 6 requests received, 4 samples, all failed)
    assert server.count(path) == (6 if path == "/reset-early" else 4)
    assert server.count("/ok") == 4
    assert out.export is not None
    failed = out.export["metrics"]["http_req_failed"]
    assert (failed["passes"], failed["fails"], failed["value"]) == (4, 4, 0.5)
    assert metric(out.export, "iterations", "count") == 4
    assert out.export["metrics"]["http_reqs{expected_response:false}"]["thresholds"] == {"count==4": False}
    rows = csv_rows(tmp_path / "out.csv")
    assert sum(1 for r in rows if r["metric_name"] == "http_reqs" and r["error_code"] == code) == 4


def test_connection_refused_is_1212_with_an_error_code_threshold(tmp_path: Path, server: FaultyServer) -> None:
    server.reset()
    dead = f"http://127.0.0.1:{closed_port()}/"
    scenario = write_scenario(tmp_path, _fault_then_ok(dead, server.base_url + "/ok"))
    scenario.write_text(
        scenario.read_text().replace('"http_reqs{expected_response:true}"', '"http_reqs{error_code:1212}"')
    )
    out = run_loadpy(tmp_path, scenario, "--out", "json=out.json")
    assert out.code == 0, out.stderr
    assert Counter(request_tags(json_points(tmp_path / "out.json"))) == {
        ("0", "1212", "dial: connection refused"): 4,
        ("200", None, None): 4,
    }
    assert out.export is not None
    assert out.export["metrics"]["http_reqs{error_code:1212}"]["thresholds"] == {"count==4": False}
    assert server.count("/ok") == 4


def test_keep_alive_closed_by_the_server_is_retried_like_go(tmp_path: Path, server: FaultyServer) -> None:
    """The server drops each keep-alive connection after 3 answers, without `Connection: close`:
    Go (k6) retries an idempotent request on a fresh connection, so nothing fails."""
    server.reset()
    scenario = write_scenario(
        tmp_path,
        f"""
        options: {{iterations: 10}}
        flows:
          default:
            - request: {{url: "{server.base_url}/close-after?n=3"}}
        """,
    )
    out = run_loadpy(tmp_path, scenario, "--out", "json=out.json")
    assert out.code == 0, out.stderr
    assert Counter(request_tags(json_points(tmp_path / "out.json"))) == {("200", None, None): 10}
    assert server.count("/close-after") == 10
    assert server.connections == 4  # 3 + 3 + 3 + 1 requests


def test_a_hung_target_cannot_stretch_the_run_past_graceful_stop(tmp_path: Path, server: FaultyServer) -> None:
    """k6: duration 2s + gracefulStop 1s = done at ~3 s; the interrupted requests are not samples."""
    server.reset()
    scenario = write_scenario(
        tmp_path,
        f"""
        options:
          scenarios:
            main: {{executor: constant-vus, vus: 2, duration: 2s, gracefulStop: 1s}}
        flows:
          default:
            - request: {{url: "{server.base_url}/hang", timeout: 60s}}
        """,
    )
    out = run_loadpy(tmp_path, scenario, "--out", "json=out.json", timeout=30)
    assert server.first_request_at is not None
    elapsed = time.monotonic() - server.first_request_at  # from the run's start, not the process's
    assert out.code == 0, out.stderr
    assert "Traceback" not in out.stderr
    assert 2.9 <= elapsed < 10, elapsed
    assert server.count("/hang") == 2
    assert request_tags(json_points(tmp_path / "out.json")) == []
    assert out.export is not None
    assert "No script iterations fully finished" in out.stderr


def test_endless_heads_are_cut_at_10_mib_and_the_run_ends_on_time(tmp_path: Path, server: FaultyServer) -> None:
    """Each response head grows without end: every request fails at Go's 10 MiB head limit (k6: ~0.2 s
    each), so 2 VUs for 2 s make several failed requests and the run stops on time, memory bounded."""
    server.reset()
    scenario = write_scenario(
        tmp_path,
        f"""
        options:
          scenarios:
            main: {{executor: constant-vus, vus: 2, duration: 2s, gracefulStop: 1s}}
        flows:
          default:
            - request: {{url: "{server.base_url}/endless-head", timeout: 60s}}
        """,
    )
    started = time.monotonic()
    proc = subprocess.Popen(
        [*loadpy_cmd("run", "-q", "--address", "", "--out", "json=out.json", str(scenario))],
        cwd=tmp_path,
        env=subprocess_env(),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    peak_kb = 0
    while proc.poll() is None and time.monotonic() - started < 30:
        peak_kb = max(peak_kb, _rss_kb(proc.pid))
        time.sleep(0.05)
    _, stderr = proc.communicate(timeout=30)
    assert server.first_request_at is not None
    elapsed = time.monotonic() - server.first_request_at  # a loaded machine's start-up does not count
    assert proc.returncode == 0, stderr
    assert elapsed < 6, elapsed  # 2 s of load + 1 s gracefulStop, not a run held up by heads that never end
    tags = request_tags(json_points(tmp_path / "out.json"))
    assert len(tags) >= 2
    assert set(tags) == {("0", "1000", "net/http: server response headers exceeded 10485760 bytes; aborted")}
    # two 10 MiB heads in flight at most: ~55 MB. Before a failed response dropped its buffer at once,
    # each one stayed in cyclic garbage until a full collection (290 MB after 6 s, 470 MB seen)
    assert peak_kb < 150_000, peak_kb


def _rss_kb(pid: int) -> int:
    try:
        with open(f"/proc/{pid}/status") as status:
            return next((int(line.split()[1]) for line in status if line.startswith("VmRSS:")), 0)
    except OSError:
        return 0


@pytest.mark.parametrize(("discard", "bound_mb"), [(True, 150), (False, 700)])
def test_a_200_mb_body_keeps_memory_bounded(tmp_path: Path, server: FaultyServer, discard: bool, bound_mb: int) -> None:
    scenario = write_scenario(
        tmp_path,
        f"""
        options: {{iterations: 1, discardResponseBodies: {str(discard).lower()}}}
        flows:
          default:
            - request: {{url: "{server.base_url}/huge?mb=200", timeout: 60s}}
        """,
    )
    export = tmp_path / "export.json"
    # RUSAGE_CHILDREN's ru_maxrss is the largest child so far: measure in a fresh wrapper process
    # whose only child is this loadpy run
    probe = (
        "import resource, subprocess, sys;"
        "subprocess.run(sys.argv[1:], check=False, stdout=subprocess.DEVNULL);"
        "print(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)"
    )
    cmd = loadpy_cmd("run", "-q", "--address", "", "--summary-export", str(export), str(scenario))
    proc = subprocess.run(
        [sys.executable, "-c", probe, *cmd],
        capture_output=True,
        text=True,
        timeout=120,
        env=subprocess_env(),
        cwd=tmp_path,
    )
    peak_mb = int(proc.stdout.strip()) / 1024
    assert peak_mb < bound_mb, peak_mb
    data = json.loads(export.read_text())["metrics"]
    assert data["http_reqs"]["count"] == 1
    assert data["http_req_failed"]["passes"] == 0
    assert data["data_received"]["count"] > 200 * 1024 * 1024


def test_a_target_killed_and_restarted_mid_run(tmp_path: Path, server: FaultyServer) -> None:
    """Down for ~1 s in the middle: exit 0, 0 < http_req_failed < 1, requests succeed again after the
    restart, the run ends on time and no traceback."""
    server.reset()
    scenario = write_scenario(
        tmp_path,
        f"""
        options: {{vus: 2, duration: 4s}}
        flows:
          default:
            - request: {{url: "{server.base_url}/ok", timeout: 2s}}
            - sleep: 0.05
        """,
    )
    export = tmp_path / "export.json"
    cmd = loadpy_cmd(
        "run", "-q", "--address", "", "--summary-export", str(export), "--out", "json=out.json", str(scenario)
    )
    proc = subprocess.Popen(
        cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, cwd=tmp_path, env=subprocess_env()
    )
    try:
        wait_until(lambda: server.count("/ok") > 0, "no request reached the target")  # start-up is not run time
        time.sleep(0.5)
        server.stop()
        time.sleep(1.0)
        before_restart = server.count("/ok")
        server.start()  # the same port
        _, stderr = proc.communicate(timeout=30)
    finally:
        if proc.poll() is None:
            proc.kill()
    assert proc.returncode == 0, stderr
    assert "Traceback" not in stderr
    assert server.count("/ok") > before_restart > 0  # it recovered
    tags = request_tags(json_points(tmp_path / "out.json"))
    ok = sum(1 for t in tags if t == ("200", None, None))
    failed = [t for t in tags if t[0] == "0"]
    assert failed and ok
    assert {t[1] for t in failed} <= {"1212", "1220", "1000"}, Counter(failed)
    # every answered request was counted by the server; at most one in flight per VU was cut
    assert ok <= server.count("/ok") <= ok + 2
    data = json.loads(export.read_text())["metrics"]
    assert data["http_reqs"]["count"] == len(tags)
    assert 0 < data["http_req_failed"]["value"] < 1
    assert data["http_req_failed"]["passes"] == len(failed)


@pytest.mark.k6
def test_k6_reports_the_same_errors(tmp_path: Path, server: FaultyServer) -> None:
    """The oracle: the same faults through the real k6 give the codes and texts in FAULTS."""
    urls = ", ".join(f"'{server.base_url}{path}'" for path in sorted(FAULTS))
    code, points = run_k6(
        tmp_path,
        f"""
        import http from 'k6/http';
        export const options = {{ iterations: 1 }};
        export default function () {{
          for (const url of [{urls}]) {{ http.get(url, {{ timeout: '700ms' }}); }}
        }}
        """,
    )
    assert code == 0
    got = [t[1:] for t in request_tags(points)]
    assert got == [FAULTS[path] for path in sorted(FAULTS)]


def test_content_length_with_transfer_encoding_is_read_as_go_reads_it(tmp_path: Path, server: FaultyServer) -> None:
    """k6 (Go) reads the chunked body, drops both framing headers and keeps the connection alive."""
    server.reset()
    scenario = write_scenario(
        tmp_path,
        f"""
        options: {{iterations: 3}}
        flows:
          default:
            - request: {{url: "{server.base_url}/cl-and-te"}}
              checks:
                body is hello: body == "hello"
                no framing headers: headers == {{}}
        """,
    )
    out = run_loadpy(tmp_path, scenario, "--out", "json=out.json")
    assert out.code == 0, out.stderr
    assert Counter(request_tags(json_points(tmp_path / "out.json"))) == {("200", None, None): 3}
    assert out.export is not None
    assert (metric(out.export, "checks", "passes"), metric(out.export, "checks", "fails")) == (6, 0)
    assert server.connections == 1


@pytest.mark.k6
def test_k6_reads_content_length_with_transfer_encoding(tmp_path: Path, server: FaultyServer) -> None:
    server.reset()
    code, points = run_k6(
        tmp_path,
        f"""
        import http from 'k6/http';
        import {{ check }} from 'k6';
        export const options = {{ iterations: 3, thresholds: {{ checks: ['rate==1'] }} }};
        export default function () {{
          const r = http.get('{server.base_url}/cl-and-te');
          check(r, {{ 'body is hello': (r) => r.body === 'hello',
                      'no framing headers': (r) => Object.keys(r.headers).length === 0 }});
        }}
        """,
    )
    assert code == 0
    assert Counter(request_tags(points)) == {("200", None, None): 3}
    assert server.connections == 1
