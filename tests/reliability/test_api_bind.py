"""The REST API listens on loopback only unless told otherwise: the default host is localhost and an
empty host means 127.0.0.1 (Go would take ":6565" as every interface)."""

from __future__ import annotations

import ipaddress
import os
import signal
import socket
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from loadpy.config.options import Options
from loadpy.engine.control import parse_address
from tests.integration.cli.helpers import loadpy_cmd, subprocess_env, write_scenario
from tests.reliability.faulty_server import FaultyServer, faulty_server


@pytest.fixture(scope="module")
def server() -> Iterator[FaultyServer]:
    with faulty_server() as srv:
        yield srv


def listening_addresses(pid: int) -> list[ipaddress.IPv4Address | ipaddress.IPv6Address]:
    """The local addresses of the TCP sockets in LISTEN state that process `pid` holds (from /proc)."""
    inodes = set()
    for fd in os.listdir(f"/proc/{pid}/fd"):
        try:
            link = os.readlink(f"/proc/{pid}/fd/{fd}")
        except OSError:
            continue
        if link.startswith("socket:["):
            inodes.add(link[8:-1])
    found: list[ipaddress.IPv4Address | ipaddress.IPv6Address] = []
    for table, width in (("tcp", 8), ("tcp6", 32)):
        with open(f"/proc/{pid}/net/{table}") as handle:
            for line in handle.readlines()[1:]:
                fields = line.split()
                if fields[3] != "0A" or fields[9] not in inodes:  # 0A = LISTEN
                    continue
                raw = bytes.fromhex(fields[1].split(":")[0])
                # /proc prints each 32-bit word in host (little-endian) order
                packed = b"".join(raw[i : i + 4][::-1] for i in range(0, width // 2, 4))
                found.append(ipaddress.ip_address(packed))
    return found


def test_the_default_address_is_loopback() -> None:
    host, port = parse_address(Options().address)
    assert (host, port) == ("localhost", 6565)
    infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    assert infos and all(ipaddress.ip_address(info[4][0]).is_loopback for info in infos)


@pytest.mark.parametrize("address", [":0", "localhost:0"])
def test_the_running_api_listens_on_loopback_only(tmp_path: Path, server: FaultyServer, address: str) -> None:
    server.reset()
    scenario = write_scenario(
        tmp_path,
        f"""
        options: {{vus: 1, duration: 20s}}
        flows:
          default:
            - request: {{url: "{server.base_url}/ok"}}
            - sleep: 0.2
        """,
    )
    cmd = loadpy_cmd("run", "-q", "--address", address, str(scenario))
    proc = subprocess.Popen(
        cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True, cwd=tmp_path, env=subprocess_env()
    )
    try:
        deadline = time.monotonic() + 15
        while server.count("/ok") < 1:
            assert time.monotonic() < deadline and proc.poll() is None, "the run did not start"
            time.sleep(0.05)
        addresses = listening_addresses(proc.pid)
    finally:
        proc.send_signal(signal.SIGINT)
        _, stderr = proc.communicate(timeout=20)
    assert addresses, stderr
    assert all(a.is_loopback for a in addresses), addresses
    assert proc.returncode == 105, stderr


@pytest.mark.parametrize(
    ("address", "error"),
    [  # k6 v1.1.0 printed exactly these (then exited 106) for `k6 run -a ADDRESS`
        ("localhost:99999", "listen tcp: address 99999: invalid port"),
        ("nohost", "listen tcp: address nohost: missing port in address"),
    ],
)
def test_a_bad_address_exits_106_before_any_request(
    tmp_path: Path, server: FaultyServer, address: str, error: str
) -> None:
    server.reset()
    scenario = write_scenario(
        tmp_path,
        f"""
        options: {{vus: 1, iterations: 1}}
        flows:
          default:
            - request: {{url: "{server.base_url}/ok"}}
        """,
    )
    proc = subprocess.run(
        loadpy_cmd("run", "-q", "--address", address, str(scenario)),
        capture_output=True,
        text=True,
        timeout=60,
        cwd=tmp_path,
        env=subprocess_env(),
    )
    assert proc.returncode == 106, proc.stderr
    line = proc.stderr.strip()
    assert line.startswith('time="') and "Traceback" not in proc.stderr
    assert line.split('" ', 1)[1] == f'level=error msg="Error from API server" error="{error}"'
    assert server.count("/ok") == 0
