"""`--out statsd` / `--out output-statsd` into a real UDP listener. k6 v1.1 no longer ships this output
(it refuses `--out statsd`), so the oracle is the xk6-output-statsd extension's code: its line format,
names, namespace, DogStatsD tags and blocklist, datagrams of at most K6_STATSD_BUFFER_SIZE lines."""

from __future__ import annotations

import re
from collections import Counter
from pathlib import Path

import pytest

from loadpy.demo import DemoServer
from tests.integration.outputs.streaming.servers import NAME, SCENARIO_YAML, UdpCollector, run

LINE = re.compile(r"^(?P<name>[^:]+):(?P<value>-?[0-9.]+)\|(?P<type>c|g|ms)(?:\|#(?P<tags>.*))?$")


def collect(tmp: Path, base: str, out: str, env: dict[str, str]) -> tuple[UdpCollector, list[str]]:
    rx = UdpCollector()
    try:
        proc = run("loadpy", tmp, base, "--out", out, env={"K6_STATSD_ADDR": f"127.0.0.1:{rx.port}", **env})
    finally:
        rx.close()
    assert proc.returncode == 0, proc.stderr[-2000:]
    return rx, rx.lines()


@pytest.mark.parametrize("out", ["statsd", "output-statsd"])
def test_lines_names_and_counts(tmp_path: Path, demo_server: DemoServer, out: str) -> None:
    _, lines = collect(tmp_path, demo_server.base_url, out, {})
    parsed = [LINE.match(line) for line in lines]
    assert all(parsed), [line for line, m in zip(lines, parsed, strict=True) if not m]
    counted = Counter((m["name"], m["value"], m["type"]) for m in parsed if m and m["type"] == "c")
    # 2 VUs x 3 iterations: exact counts, k6's names under the default namespace "k6."
    assert counted[("k6.http_reqs", "1", "c")] == 6
    assert counted[("k6.iterations", "1", "c")] == 6
    assert counted[("k6.check.status is 200.pass", "1", "c")] == 6
    assert counted[("k6.http_req_failed", "0", "c")] == 6
    timings = Counter(m["name"] for m in parsed if m and m["type"] == "ms")
    assert timings["k6.http_req_duration"] == 6
    assert timings["k6.iteration_duration"] == 6
    # tags are off by default
    assert all(m and m["tags"] is None for m in parsed)


def test_dogstatsd_tags_blocklist_namespace_and_buffer(tmp_path: Path, demo_server: DemoServer) -> None:
    env = {
        "K6_STATSD_ENABLE_TAGS": "true",
        "K6_STATSD_TAG_BLOCKLIST": "url,proto",
        "K6_STATSD_NAMESPACE": "perf.",
        "K6_STATSD_BUFFER_SIZE": "3",
    }
    rx, lines = collect(tmp_path, demo_server.base_url, "output-statsd", env)
    assert all(len(d.split(b"\n")) <= 3 for d in rx.datagrams)
    assert all(len(d) <= 1432 for d in rx.datagrams)
    reqs = [line for line in lines if line.startswith("perf.http_reqs:")]
    assert len(reqs) == 6
    assert set(reqs) == {f"perf.http_reqs:1|c|#expected_response:true,method:GET,name:{NAME},scenario:s,status:200"}
    checks = [line for line in lines if line.startswith("perf.check.")]
    assert checks == ["perf.check.status is 200.pass:1|c|#check:status is 200,scenario:s"] * 6


def test_bad_address_exit_104(tmp_path: Path, demo_server: DemoServer) -> None:
    before = demo_server.stats()["total"]
    proc = run("loadpy", tmp_path, demo_server.base_url, "--out", "statsd", env={"K6_STATSD_ADDR": "nowhere"})
    assert proc.returncode == 104, proc.stderr[-2000:]
    assert "K6_STATSD_ADDR" in proc.stderr and "Traceback" not in proc.stderr
    assert demo_server.stats()["total"] == before


def test_nobody_listening_run_ends_with_exit_0(tmp_path: Path, demo_server: DemoServer) -> None:
    rx = UdpCollector()
    port = rx.port
    rx.close()  # the port is closed now: the kernel answers with ICMP port unreachable
    proc = run("loadpy", tmp_path, demo_server.base_url, "--out", "statsd", env={"K6_STATSD_ADDR": f"127.0.0.1:{port}"})
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert "(output=statsd): the StatsD server refused them" in proc.stderr


def test_secret_in_a_tag_is_masked(tmp_path: Path, demo_server: DemoServer) -> None:
    """A secret `-e` value (name ending in _TOKEN) that lands in a tag leaves loadpy as ***."""
    yaml = SCENARIO_YAML.replace("""name: 'home, page=1 "q" \\ end'""", 'name: "user ${API_TOKEN}"')
    rx = UdpCollector()
    try:
        env = {"K6_STATSD_ADDR": f"127.0.0.1:{rx.port}", "K6_STATSD_ENABLE_TAGS": "true"}
        proc = run(
            "loadpy", tmp_path, demo_server.base_url, "-e", "API_TOKEN=s3cr3t-v4lue", "-o", "statsd", env=env, yaml=yaml
        )
    finally:
        rx.close()
    assert proc.returncode == 0, proc.stderr[-2000:]
    lines = rx.lines()
    assert len([line for line in lines if line.startswith("k6.http_reqs:1|c|#") and "name:user ***," in line]) == 6
    assert not any("s3cr3t" in line for line in lines)
