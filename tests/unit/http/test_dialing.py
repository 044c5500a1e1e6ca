"""k6's dialer rules in isolation: hostname patterns, DNS ttl/select/policy (a scripted resolver
stands in for the system one), the `localIPs` pool and the option parsers' k6 wording."""

from __future__ import annotations

import asyncio
import re
import socket
from collections.abc import Callable
from typing import Any

import pytest

from loadpy.protocols.http import dialing as dialing_module
from loadpy.protocols.http.dialing import DialFailure, Dialing, HostnameBlocklist, IpPool, parse_dns


def test_hostname_patterns_match_as_k6_s_trie() -> None:
    blocklist = HostnameBlocklist(["*.Example.com", "*ample.com", "exact.test", "*"])
    assert blocklist.match("EXACT.test") == "exact.test"
    assert blocklist.match("a.example.com") == "*.example.com"  # the longest matching suffix
    assert blocklist.match("example.com") == "*ample.com"
    assert blocklist.match("other.org") == "*"
    assert HostnameBlocklist(["*.example.com"]).match("example.com") is None
    with pytest.raises(ValueError, match="invalid hostname pattern 'a\\*b'"):
        HostnameBlocklist(["a*b"])


def test_local_ips_pool_wraps_and_skips_ipv4_network_and_broadcast() -> None:
    pool = IpPool("10.0.0.0/30,127.0.0.5,::1-::2")
    # /30: 10.0.0.1 and 10.0.0.2 only; VU ids are 1-based
    assert [pool.address(vu) for vu in range(1, 7)] == ["10.0.0.1", "10.0.0.2", "127.0.0.5", "::1", "::2", "10.0.0.1"]
    assert IpPool("127.0.0.2/31").address(2) == "127.0.0.3"  # 2 addresses: both kept
    with pytest.raises(ValueError, match=re.escape("mixed IP range format: 127.0.0.1-::1")):
        IpPool("127.0.0.1-::1")
    with pytest.raises(ValueError, match=re.escape("negative IP range: 127.0.0.9-127.0.0.1")):
        IpPool("127.0.0.9-127.0.0.1")


def test_dns_text_form_and_defaults() -> None:
    assert parse_dns(None) == parse_dns({}) == dialing_module.DnsConfig(300.0, "random", "preferIPv4")
    assert parse_dns("ttl=1m,select=first,policy=any") == dialing_module.DnsConfig(60.0, "first", "any")
    assert parse_dns({"ttl": "inf"}).ttl == 365 * 24 * 3600.0
    assert parse_dns({"ttl": "0"}).ttl == 0.0
    with pytest.raises(ValueError, match="unknown DNS configuration field: foo"):
        parse_dns("foo=1")


ADDRESSES = ["::1", "10.0.0.1", "10.0.0.2"]


def _resolve(dialing: Dialing, host: str, times: int, addresses: list[str] = ADDRESSES) -> tuple[list[str], int]:
    """`times` resolutions of `host` on a loop whose getaddrinfo answers `addresses`; (ips, lookups)."""
    lookups = 0

    async def fake_getaddrinfo(name: str, port: int, **_: Any) -> list[Any]:
        nonlocal lookups
        lookups += 1
        family = {True: socket.AF_INET6, False: socket.AF_INET}
        return [(family[":" in ip], socket.SOCK_STREAM, 6, "", (ip, port)) for ip in addresses]

    async def main() -> list[str]:
        asyncio.get_running_loop().getaddrinfo = fake_getaddrinfo  # type: ignore[method-assign]
        out = []
        for _ in range(times):
            ip, port = await dialing.resolve(host, 80)
            assert port == 80
            out.append(ip)
        return out

    return asyncio.run(main()), lookups


@pytest.mark.parametrize(
    ("dns", "want"),
    [
        ({"select": "first"}, ["10.0.0.1"] * 4),  # preferIPv4 drops ::1
        ({"select": "roundRobin"}, ["10.0.0.1", "10.0.0.2", "10.0.0.1", "10.0.0.2"]),
        ({"select": "first", "policy": "onlyIPv6"}, ["::1"] * 4),
        ({"select": "first", "policy": "preferIPv6"}, ["::1"] * 4),
        ({"select": "roundRobin", "policy": "any"}, ["::1", "10.0.0.1", "10.0.0.2", "::1"]),
    ],
)
def test_dns_select_and_policy(dns: dict[str, str], want: list[str]) -> None:
    ips, lookups = _resolve(Dialing(dns=dns), "svc.test", 4)
    assert ips == want
    assert lookups == 1  # cached for the default 5m ttl


def test_dns_random_select_picks_among_the_policy_s_addresses() -> None:
    ips, _ = _resolve(Dialing(), "svc.test", 200)
    assert set(ips) == {"10.0.0.1", "10.0.0.2"}


def test_dns_ttl_zero_looks_up_every_time() -> None:
    _, lookups = _resolve(Dialing(dns={"ttl": "0", "select": "first"}), "svc.test", 3)
    assert lookups == 3


def test_dns_only_policy_without_a_matching_address_is_no_such_host() -> None:
    with pytest.raises(socket.gaierror):
        _resolve(Dialing(dns={"policy": "onlyIPv6"}), "svc.test", 1, ["10.0.0.1"])


@pytest.mark.parametrize(
    ("make", "host", "code", "detail"),
    [
        (
            lambda: Dialing(blacklist_ips=["10.0.0.0/8"], dns={"select": "first"}),
            "svc.test",
            1110,
            "IP (10.0.0.1) is in a blacklisted range (10.0.0.0/8)",
        ),
        (
            lambda: Dialing(block_hostnames=["*.test"]),
            "svc.test",
            1111,
            "hostname (svc.test) is in a blocked pattern (*.test)",
        ),
        (
            lambda: Dialing(block_hostnames=["*.test"], blacklist_ips=["127.0.0.1/32"], hosts={"h.test": "127.0.0.1"}),
            "h.test",
            1111,
            "hostname (h.test) is in a blocked pattern (*.test)",
        ),
    ],
)
def test_blocked_destinations_carry_k6_s_code_and_go_s_text(
    make: Callable[[], Dialing], host: str, code: int, detail: str
) -> None:
    with pytest.raises(DialFailure) as info:
        _resolve(make(), host, 1)
    assert (info.value.failure.code, info.value.failure.detail) == (code, detail)


def test_a_blocked_pattern_does_not_apply_to_ip_literals() -> None:
    ips, lookups = _resolve(Dialing(block_hostnames=["*"]), "10.9.9.9", 1)
    assert (ips, lookups) == (["10.9.9.9"], 0)
