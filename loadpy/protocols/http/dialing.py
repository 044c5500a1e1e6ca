"""Where a new connection goes, as k6's dialer decides it: `blockHostnames`, `hosts`, DNS (`dns`:
ttl / select / policy, one cache for the whole instance), `blacklistIPs`, and the source address
from `localIPs`. Only connection set-up consults it: a kept-alive connection never does.

The parsers raise ValueError with k6's wording; the options layer turns that into a config error.
"""

from __future__ import annotations

import asyncio
import ipaddress
import random
import re
import socket
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from loadpy.base.durations import parse_duration
from loadpy.clock import now
from loadpy.errors import ConfigError
from loadpy.protocols.http.errcodes import HttpFailure
from loadpy.protocols.http.urls import is_ip

__all__ = [
    "BLACKLISTED",
    "BLOCKED",
    "DialFailure",
    "Dialing",
    "DnsConfig",
    "HostnameBlocklist",
    "IpPool",
    "parse_blacklist",
    "parse_dns",
]

BLACKLISTED = 1110
BLOCKED = 1111

Network = ipaddress.IPv4Network | ipaddress.IPv6Network

# k6's lib/types/hostnametrie.go: an optional leading "*" (or "*."), then a DNS name
_HOSTNAME_PATTERN = re.compile(
    r"(\*\.?)?((([a-z0-9]|[a-z0-9][a-z0-9\-]*[a-z0-9])\.)*([a-z0-9]|[a-z0-9][a-z0-9\-]*[a-z0-9]))?"
)
_DNS_SELECT = ("first", "random", "roundRobin")
_DNS_POLICY = ("preferIPv4", "preferIPv6", "onlyIPv4", "onlyIPv6", "any")
_DNS_TTL_INF = 365 * 24 * 3600.0  # k6 caches "inf" for a year


class HostnameBlocklist:
    """k6's hostname trie: case-insensitive; an exact pattern wins, else the longest `*suffix`
    (the star matches zero or more characters)."""

    def __init__(self, patterns: Sequence[str]) -> None:
        self.exact: set[str] = set()
        self.suffixes: list[str] = []
        for raw in patterns:
            pattern = raw.lower()
            if not _HOSTNAME_PATTERN.fullmatch(pattern):
                raise ValueError(f"invalid hostname pattern '{pattern}'")
            if pattern.startswith("*"):
                self.suffixes.append(pattern[1:])
            else:
                self.exact.add(pattern)
        self.suffixes.sort(key=len, reverse=True)

    def match(self, host: str) -> str | None:
        """The pattern that blocks `host`, or None."""
        name = host.lower()
        if name in self.exact:
            return name
        return next(("*" + s for s in self.suffixes if name.endswith(s)), None)


def parse_blacklist(cidrs: Sequence[str]) -> list[Network]:
    """Go's net.ParseCIDR: host bits may be set ("10.1.2.3/8" is 10.0.0.0/8)."""
    networks: list[Network] = []
    for cidr in cidrs:
        if "/" not in cidr:
            raise ValueError(f"failed to parse CIDR '{cidr}': invalid CIDR address: {cidr}")
        try:
            networks.append(ipaddress.ip_network(cidr, strict=False))
        except ValueError:
            raise ValueError(f"failed to parse CIDR '{cidr}': invalid CIDR address: {cidr}") from None
    return networks


@dataclass(frozen=True)
class DnsConfig:
    ttl: float = 300.0  # seconds; 0 disables the cache
    select: str = "random"
    policy: str = "preferIPv4"


def parse_dns(value: Mapping[str, str] | str | None) -> DnsConfig:
    """`{ttl, select, policy}` or k6's "ttl=1m,select=first,policy=any" text."""
    if value is None:
        return DnsConfig()
    if isinstance(value, str):
        fields: dict[str, str] = {}
        for part in value.split(","):
            key, _, text = part.partition("=")
            if not text:
                raise ValueError(f"no value for key {part}")
            fields[key] = text
    else:
        fields = {str(k): str(v) for k, v in value.items()}
    config = DnsConfig()
    for key, text in fields.items():
        if key == "select":
            if text not in _DNS_SELECT:
                raise ValueError(f"{text} does not belong to DNSSelect values")
            config = DnsConfig(config.ttl, text, config.policy)
        elif key == "policy":
            if text not in _DNS_POLICY:
                raise ValueError(f"{text} does not belong to DNSPolicy values")
            config = DnsConfig(config.ttl, config.select, text)
        elif key == "ttl":
            config = DnsConfig(_parse_ttl(text), config.select, config.policy)
        else:
            raise ValueError(f"unknown DNS configuration field: {key}")
    return config


def _parse_ttl(text: str) -> float:
    if text == "inf":
        return _DNS_TTL_INF
    if text == "0":
        return 0.0
    try:
        return parse_duration(text)  # k6's extended durations ("1d"), bare numbers in ms
    except ConfigError:
        raise ValueError(f"invalid DNS TTL: {text}") from None


class IpPool:
    """k6's `localIPs`: IPs, ranges ("a-b") and CIDRs (IPv4 ones without network and broadcast
    addresses); VU n (1-based, in the instance) binds to address n-1, wrapping around."""

    def __init__(self, spec: str) -> None:
        self.blocks: list[tuple[int, int, int]] = []  # (first address as int, count, version)
        for part in spec.split(","):
            self.blocks.append(_ip_block(part))
        self.total = sum(count for _, count, _ in self.blocks)

    def address(self, vu_id: int) -> str:
        index = max(vu_id - 1, 0) % self.total
        for first, count, version in self.blocks:
            if index < count:
                address = ipaddress.IPv4Address(first + index) if version == 4 else ipaddress.IPv6Address(first + index)
                return str(address)
            index -= count
        raise AssertionError("unreachable: index < total")


def _ip_block(part: str) -> tuple[int, int, int]:
    if "-" in part:
        low, _, high = part.partition("-")
        try:
            first, last = ipaddress.ip_address(low), ipaddress.ip_address(high)
        except ValueError:
            raise ValueError(f"wrong IP range format: {part}") from None
        if first.version != last.version:
            raise ValueError(f"mixed IP range format: {part}")
        if int(last) < int(first):
            raise ValueError(f"negative IP range: {part}")
        return int(first), int(last) - int(first) + 1, first.version
    if "/" in part:
        try:
            network = ipaddress.ip_network(part, strict=False)
        except ValueError as exc:
            raise ValueError(f"parseCIDR() failed parsing {part}: {exc}") from None
        start, count = int(network.network_address), network.num_addresses
        if network.version == 4 and count > 2:
            start, count = start + 1, count - 2
        return start, count, network.version
    try:
        address = ipaddress.ip_address(part)
    except ValueError:
        raise ValueError(f"{part} is not a valid IP, IP range or CIDR") from None
    return int(address), 1, address.version


class DialFailure(Exception):
    """k6's dialer refused the destination (blocked hostname, blacklisted IP)."""

    def __init__(self, failure: HttpFailure) -> None:
        super().__init__(failure.message)
        self.failure = failure


class Dialing:
    """One per instance (shared by every VU's client): blocklists, the DNS cache, `hosts`."""

    def __init__(
        self,
        hosts: Mapping[str, str] | None = None,
        block_hostnames: Sequence[str] = (),
        blacklist_ips: Sequence[str] = (),
        dns: Mapping[str, str] | str | None = None,
        local_ips: str | None = None,
    ) -> None:
        self.hosts = dict(hosts or {})
        self.blocked = HostnameBlocklist(block_hostnames) if block_hostnames else None
        self.blacklist = parse_blacklist(blacklist_ips)
        self.dns = parse_dns(dns)
        self.local_ips = IpPool(local_ips) if local_ips else None
        self._cache: dict[str, tuple[list[str], float]] = {}
        self._round_robin: dict[str, int] = {}
        self._random = random.Random()

    async def resolve(self, host: str, port: int) -> tuple[str, int]:
        """The (ip, port) to dial for `host`, in k6's order; raises DialFailure or socket.gaierror."""
        literal = is_ip(host)
        if self.blocked is not None and not literal:
            pattern = self.blocked.match(host)
            if pattern is not None:
                raise DialFailure(
                    HttpFailure(
                        BLOCKED, "hostname is blocked", detail=f"hostname ({host}) is in a blocked pattern ({pattern})"
                    )
                )
        ip, port = await self._lookup(host, port, literal)
        if self.blacklist and is_ip(ip):  # (a malformed `hosts` value fails at connect instead)
            address = ipaddress.ip_address(ip)
            for network in self.blacklist:
                if address in network:
                    raise DialFailure(
                        HttpFailure(
                            BLACKLISTED,
                            "ip is blacklisted",
                            detail=f"IP ({ip}) is in a blacklisted range ({network})",
                        )
                    )
        return ip, port

    async def _lookup(self, host: str, port: int, literal: bool) -> tuple[str, int]:
        override = self.hosts.get(host)
        if override:
            ip, _, oport = override.rpartition(":") if override.count(":") == 1 else (override, "", "")
            return (ip, int(oport)) if oport else (override, port)
        if literal:
            return host, port
        ips = self._cached(host)
        if ips is None:
            infos = await asyncio.get_running_loop().getaddrinfo(host, port, type=socket.SOCK_STREAM)
            ips = self._apply_policy(list(dict.fromkeys(str(info[4][0]) for info in infos)))
            if self.dns.ttl > 0:
                self._cache[host] = (ips, now() + self.dns.ttl)
        if not ips:
            raise socket.gaierror(socket.EAI_NONAME, "no such host")
        return self._select(host, ips), port

    def _cached(self, host: str) -> list[str] | None:
        cached = self._cache.get(host)
        if cached is not None and cached[1] > now():
            return cached[0]
        return None

    def _apply_policy(self, ips: list[str]) -> list[str]:
        policy = self.dns.policy
        if policy == "any":
            return ips
        v4 = [ip for ip in ips if ":" not in ip]
        v6 = [ip for ip in ips if ":" in ip]
        if policy == "preferIPv4":
            return v4 or v6
        if policy == "preferIPv6":
            return v6 or v4
        return v4 if policy == "onlyIPv4" else v6

    def _select(self, host: str, ips: list[str]) -> str:
        select = self.dns.select
        if select == "first":
            return ips[0]
        if select == "roundRobin":
            turn = self._round_robin.get(host, 0)
            self._round_robin[host] = (turn + 1) % 256  # k6 counts in a uint8
            return ips[turn % len(ips)]
        return ips[self._random.randrange(len(ips))]

    def local_address(self, vu_id: int) -> str | None:
        return self.local_ips.address(vu_id) if self.local_ips is not None else None
