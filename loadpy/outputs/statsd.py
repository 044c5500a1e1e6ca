"""`--out statsd` / `--out output-statsd`: the StatsD output of the xk6-output-statsd extension.

k6 removed its built-in statsd output in v0.55; the extension (`--out output-statsd`) kept
its code and its client, DataDog's datadog-go v4. One line per sample, sent over UDP:
- Counter -> `<ns><name>:<int(value)>|c`
- Gauge -> `<ns><name>:<value>|g`
- Trend -> `<ns><name>:<value>|ms` (every trend, whatever it holds)
- Rate -> `<ns>check.<check name>.pass:1|c` / `.fail` for samples with a `check` tag,
  else `<ns><name>:<int(value)>|c`
With `K6_STATSD_ENABLE_TAGS=true`, DogStatsD tags `|#key:value,...` follow (tags with a value,
minus `K6_STATSD_TAG_BLOCKLIST`, default vu,iter,url). Lines are joined by newlines into
datagrams of at most `K6_STATSD_BUFFER_SIZE` lines (default 20) and 1432 bytes.
"""

from __future__ import annotations

import os
import socket
from collections.abc import Mapping
from typing import Any

from loadpy.metrics.metric import MetricType
from loadpy.metrics.tags import TagSet
from loadpy.outputs.base import Sample
from loadpy.outputs.formats import go_float_fixed
from loadpy.outputs.push import PushOutput, log
from loadpy.outputs.settings import Settings, bad_argument, bad_setting

DEFAULT_ADDR = "localhost:8125"
MAX_DATAGRAM = 1432  # datagram size datadog-go keeps under (no IP fragmentation on a 1500 MTU)


def _int64(value: float) -> str:
    """Go's int64(value): truncation toward zero."""
    return str(int(value))


class StatsdConfig:
    def __init__(self, env: Mapping[str, str]) -> None:
        s = Settings(env)
        self.addr = s.text("K6_STATSD_ADDR", DEFAULT_ADDR)
        self.buffer_size = s.integer("K6_STATSD_BUFFER_SIZE", 20)
        self.namespace = s.text("K6_STATSD_NAMESPACE", "k6.")
        self.push_interval = s.seconds("K6_STATSD_PUSH_INTERVAL", 1.0)
        self.tag_blocklist = frozenset(s.words("K6_STATSD_TAG_BLOCKLIST", ["vu", "iter", "url"]))
        self.enable_tags = s.flag("K6_STATSD_ENABLE_TAGS", False)
        if not self.addr:
            raise bad_setting("K6_STATSD_ADDR", f'connection string is invalid. Received: "{self.addr}"')
        host, sep, port = self.addr.rpartition(":")
        if not sep or not port.isdigit():
            raise bad_setting("K6_STATSD_ADDR", f"K6_STATSD_ADDR={self.addr!r} is not a host:port address")
        self.host = host.strip("[]") or "localhost"
        self.port = int(port)
        if self.buffer_size < 1:
            raise bad_setting("K6_STATSD_BUFFER_SIZE", "K6_STATSD_BUFFER_SIZE must be at least 1")


class StatsdOutput(PushOutput):
    name = "statsd"

    def __init__(self, arg: str = "", env: Mapping[str, str] | None = None) -> None:
        if arg:
            raise bad_argument(f"--out statsd takes no argument (got {arg!r}): set K6_STATSD_ADDR")
        self.config = StatsdConfig(os.environ if env is None else env)
        self.push_interval = self.config.push_interval
        super().__init__()
        self._lines: list[str] = []
        self._tag_suffix: dict[TagSet, str] = {}
        self._socket: socket.socket | None = None

    def describe(self) -> str:
        return f"statsd ({self.config.addr})"

    def _tags(self, tags: TagSet) -> str:
        suffix = self._tag_suffix.get(tags)
        if suffix is None:
            blocked = self.config.tag_blocklist
            source = tags if self.masker is None else tuple(self.masker.mask_pairs(tags))
            items = [f"{k}:{v}".replace("\n", "") for k, v in source if v and k not in blocked]
            suffix = self._tag_suffix[tags] = "|#" + ",".join(items) if items else ""
        return suffix

    def _encode(self, batch: list[Sample]) -> None:
        ns = self.config.namespace
        with_tags = self.config.enable_tags
        append = self._lines.append
        for metric, tags, value, _when, _metadata in batch:
            kind = metric.type
            if kind is MetricType.TREND:
                body = f"{metric.name}:{go_float_fixed(value)}|ms"
            elif kind is MetricType.COUNTER:
                body = f"{metric.name}:{_int64(value)}|c"
            elif kind is MetricType.GAUGE:
                body = f"{metric.name}:{go_float_fixed(value)}|g"
            else:
                check = next((v for k, v in tags if k == "check"), None)
                if check is not None:
                    body = f"check.{check}.{'pass' if value != 0 else 'fail'}:1|c"
                else:
                    body = f"{metric.name}:{_int64(value)}|c"
            append(ns + body + (self._tags(tags) if with_tags else ""))

    def _take(self) -> Any:
        if not self._lines:
            return None
        lines, self._lines = self._lines, []
        return lines

    def _send(self, payload: Any) -> None:
        if self._socket is None:
            family = socket.AF_INET6 if ":" in self.config.host else socket.AF_INET
            self._socket = socket.socket(family, socket.SOCK_DGRAM)
            self._socket.connect((self.config.host, self.config.port))
        limit = self.config.buffer_size
        datagram: list[bytes] = []
        size = 0
        failed = 0
        for line in payload:
            data = line.encode()
            if datagram and (len(datagram) >= limit or size + 1 + len(data) > MAX_DATAGRAM):
                failed += self._send_datagram(datagram)
                datagram, size = [], 0
            size += len(data) + (1 if datagram else 0)
            datagram.append(data)
        if datagram:
            failed += self._send_datagram(datagram)
        if failed:
            log.warning(
                "Couldn't send %d out of %d metrics (output=statsd): the StatsD server refused them",
                failed,
                len(payload),
            )

    def _send_datagram(self, lines: list[bytes]) -> int:
        """0 when sent, else the number of lines lost (UDP reports a closed port on a later send)."""
        assert self._socket is not None
        try:
            self._socket.send(b"\n".join(lines))
        except OSError:
            return len(lines)
        return 0
