"""`--out influxdb[=http://[user:pass@]host:port/db?opts]`: k6's InfluxDB v1 output.

One point per sample, in line protocol: the measurement is the metric name, the tags are the
sample's tags (empty values left out) minus the `tagsAsFields` ones, which become fields
(`url` by default) next to `value`. Settings come from `K6_INFLUXDB_*`, then the URL.
Written as k6's influxdb1-client writes them: tags sorted, fields sorted, floats in
shortest fixed notation, timestamps divided for the precision.
"""

from __future__ import annotations

import logging
import math
import os
import socket
import urllib.parse
from collections.abc import Mapping
from typing import Any

from loadpy.clock import wall_ns
from loadpy.errors import ConfigError
from loadpy.metrics.tags import TagSet
from loadpy.outputs.base import Sample
from loadpy.outputs.formats import go_float_fixed
from loadpy.outputs.http_push import HttpPusher, PushError, basic_auth, tls_context
from loadpy.outputs.push import PushOutput
from loadpy.outputs.settings import Settings, bad_argument, bad_setting, go_bool

log = logging.getLogger("loadpy.outputs")

DEFAULT_ADDR = "http://localhost:8086"
DEFAULT_TAGS_AS_FIELDS = ["vu", "iter", "url"]
UDP_PAYLOAD_SIZE = 512  # influxdb1-client's default datagram size
REQUEST_TIMEOUT = 5.0
# ns per timestamp unit; k6 checks the name with Go's time.ParseDuration("1" + precision)
_PRECISION = {"ns": 1, "us": 1_000, "µs": 1_000, "μs": 1_000, "ms": 1_000_000, "s": 10**9, "m": 60 * 10**9}
_PRECISION["h"] = 3600 * 10**9
_FIELD_KINDS = ("string", "int", "float", "bool")
_URL_KEYS = (
    "insecure",
    "payload_size",
    "precision",
    "retention",
    "consistency",
    "pushInterval",
    "concurrentWrites",
    "tagsAsFields",
)

_TAG_ESCAPES = str.maketrans({",": r"\,", " ": r"\ ", "=": r"\="})
_MEASUREMENT_ESCAPES = str.maketrans({",": r"\,", " ": r"\ "})
_FIELD_KEY_ESCAPES = str.maketrans({",": r"\,", " ": r"\ ", "=": r"\=", '"': r"\""})
_STRING_FIELD_ESCAPES = str.maketrans({'"': r"\"", "\\": "\\\\"})


def field_value(kind: str, text: str) -> str:
    """A tag turned into a field, typed as k6 does; a value that does not parse stays a string."""
    try:
        if kind == "int":
            return f"{int(text, 10)}i"
        if kind == "float":
            return go_float_fixed(float(text))
        if kind == "bool":
            return "true" if go_bool("", text) else "false"
    except Exception:
        pass
    return '"' + text.translate(_STRING_FIELD_ESCAPES) + '"'


class InfluxDBConfig:
    def __init__(self, env: Mapping[str, str], url: str) -> None:
        s = Settings(env)
        self.addr = s.text("K6_INFLUXDB_ADDR", DEFAULT_ADDR)
        self.proxy = s.text("K6_INFLUXDB_PROXY", "") or None
        self.username = s.text("K6_INFLUXDB_USERNAME", "")
        self.password = s.text("K6_INFLUXDB_PASSWORD", "")
        self.insecure = s.flag("K6_INFLUXDB_INSECURE", False)
        self.payload_size = s.integer("K6_INFLUXDB_PAYLOAD_SIZE", 0)
        self.push_interval = s.seconds("K6_INFLUXDB_PUSH_INTERVAL", 1.0)
        self.concurrent_writes = s.integer("K6_INFLUXDB_CONCURRENT_WRITES", 4)
        self.db = s.text("K6_INFLUXDB_DB", "k6")
        self.precision = s.text("K6_INFLUXDB_PRECISION", "")
        self.retention = s.text("K6_INFLUXDB_RETENTION", "")
        self.consistency = s.text("K6_INFLUXDB_CONSISTENCY", "")
        self.tags_as_fields = s.words("K6_INFLUXDB_TAGS_AS_FIELDS", DEFAULT_TAGS_AS_FIELDS) or DEFAULT_TAGS_AS_FIELDS
        if url:
            self._apply_url(url)
        self._validate()

    def _apply_url(self, text: str) -> None:
        u = urllib.parse.urlsplit(text)
        host = u.netloc.rpartition("@")[2]  # as Go's URL.Host: port and IPv6 brackets kept
        if host:
            self.addr = f"{u.scheme}://{host}"
        if u.path.lstrip("/"):
            self.db = u.path.lstrip("/")
        if u.username is not None:
            self.username = urllib.parse.unquote(u.username)
            self.password = urllib.parse.unquote(u.password or "")
        query = urllib.parse.parse_qs(u.query, keep_blank_values=True)
        for key, values in query.items():
            first = values[0]
            if key not in _URL_KEYS:
                raise bad_argument(f"unknown query parameter: {key} in --out influxdb={text}")
            if key == "insecure":
                if first not in ("", "true", "false"):
                    raise bad_argument(f"insecure must be true or false, not {first}")
                if first:
                    self.insecure = first == "true"
            elif key in ("payload_size", "concurrentWrites"):
                try:
                    number = int(first)
                except ValueError:
                    raise bad_argument(f"{key}={first!r} is not an integer") from None
                if key == "payload_size":
                    if number > 0:
                        self.payload_size = number
                else:
                    self.concurrent_writes = number
            elif key == "pushInterval":
                try:
                    self.push_interval = Settings({key: first}).seconds(key, 1.0)
                except ConfigError as exc:
                    raise bad_argument(f"{exc.message} in --out influxdb={text}") from None
            elif key == "tagsAsFields":
                self.tags_as_fields = values
            else:
                setattr(self, key, first)

    def _validate(self) -> None:
        if self.concurrent_writes <= 0:
            raise bad_setting("K6_INFLUXDB_CONCURRENT_WRITES", "influxdb's ConcurrentWrites must be a positive number")
        if self.precision and self.precision not in _PRECISION:
            raise bad_setting(
                "K6_INFLUXDB_PRECISION",
                f"invalid InfluxDB precision {self.precision!r}: use one of ns, us, ms, s, m, h",
            )
        self.field_kinds: dict[str, str] = {}
        for entry in self.tags_as_fields:
            name, _, kind = entry.partition(":")
            kind = kind or "string"
            if name in self.field_kinds:
                raise bad_setting(
                    "K6_INFLUXDB_TAGS_AS_FIELDS",
                    f"a tag name ({name}) shows up more than once in InfluxDB field type configurations",
                )
            if kind not in _FIELD_KINDS:
                raise bad_setting(
                    "K6_INFLUXDB_TAGS_AS_FIELDS",
                    f"an invalid type ({kind}) is specified for an InfluxDB field ({name})",
                )
            self.field_kinds[name] = kind
        if not self.addr:
            self.addr = DEFAULT_ADDR
        if not self.db:
            self.db = "k6"
        if not (self.addr.startswith(("http://", "https://", "udp://"))):
            raise bad_setting("K6_INFLUXDB_ADDR", f"unsupported InfluxDB address {self.addr!r}: use http://, https://")


class InfluxDBOutput(PushOutput):
    name = "InfluxDBv1"

    def __init__(self, url: str = "", env: Mapping[str, str] | None = None) -> None:
        self.config = InfluxDBConfig(os.environ if env is None else env, url)
        self.push_interval = self.config.push_interval
        self.concurrency = self.config.concurrent_writes
        super().__init__()
        c = self.config
        self._divisor = _PRECISION.get(c.precision, 1)
        self._lines: list[str] = []
        self._series_key: dict[tuple[str, TagSet], tuple[str, str]] = {}
        self._skipped_non_finite = False
        self._udp: socket.socket | None = None
        headers = {"User-Agent": "k6", "Content-Type": ""}
        if c.username:
            headers["Authorization"] = basic_auth(c.username, c.password)
        self._http = HttpPusher(
            REQUEST_TIMEOUT,
            headers,
            proxy=c.proxy,
            context=tls_context(c.insecure) if c.addr.startswith("https://") else None,
        )
        query = urllib.parse.urlencode(
            sorted(
                {"db": c.db, "rp": c.retention, "precision": c.precision or "ns", "consistency": c.consistency}.items()
            )
        )
        self._write_url = f"{c.addr.rstrip('/')}/write?{query}"

    def describe(self) -> str:
        return f"InfluxDBv1 ({self.config.addr})"

    # -- encoding (manager's flush thread) ----------------------------------------------
    def _key(self, metric_name: str, tags: TagSet) -> tuple[str, str]:
        """(measurement+tags, fields from tags + ",") for one series, computed once."""
        kinds = self.config.field_kinds
        key = metric_name.translate(_MEASUREMENT_ESCAPES)
        fields: list[tuple[str, str]] = []
        for k, v in tags:
            if k in kinds:
                fields.append((k, field_value(kinds[k], v)))
            elif v:
                key += "," + k.translate(_TAG_ESCAPES) + "=" + v.translate(_TAG_ESCAPES)
        # fields are written sorted by key and "value" is one of them
        before = "".join(f"{k.translate(_FIELD_KEY_ESCAPES)}={v}," for k, v in sorted(fields) if k < "value")
        after = "".join(f",{k.translate(_FIELD_KEY_ESCAPES)}={v}" for k, v in sorted(fields) if k > "value")
        return key + " " + before, after

    def _encode(self, batch: list[Sample]) -> None:
        append = self._lines.append
        keys = self._series_key
        masker = self.masker
        divisor = self._divisor
        for metric, tags, value, when, _metadata in batch:
            if not math.isfinite(value):
                if not self._skipped_non_finite:
                    self._skipped_non_finite = True
                    log.warning("InfluxDB can't store NaN or infinite values: such samples of %s are skipped", metric)
                continue
            cache_key = (metric.name, tags)
            parts = keys.get(cache_key)
            if parts is None:
                source_tags = tags if masker is None else tuple(masker.mask_pairs(tags))
                parts = keys[cache_key] = self._key(metric.name, source_tags)
            head, tail = parts
            append(f"{head}value={go_float_fixed(value)}{tail} {wall_ns(when) // divisor}\n")

    def _take(self) -> Any:
        if not self._lines:
            return None
        lines, self._lines = self._lines, []
        return lines

    # -- sending (sender threads) -------------------------------------------------------
    def _prepare(self) -> None:
        """Create the database (harmless when it exists or the user may not: k6 only logs it)."""
        if self.config.addr.startswith("udp://"):
            return
        q = urllib.parse.urlencode({"q": f"CREATE DATABASE {self.config.db}"})
        try:
            self._http.post(f"{self.config.addr.rstrip('/')}/query?{q}", b"")
        except OSError as exc:
            log.debug("couldn't create the InfluxDB database, most likely harmless: %s", exc)

    def _send(self, payload: Any) -> None:
        lines: list[str] = payload
        if self.config.addr.startswith("udp://"):
            self._send_udp(lines)
            return
        try:
            self._http.post(self._write_url, "".join(lines).encode())
        except PushError as exc:
            text = str(exc)
            if "unauthorized access" in text:
                text += (
                    "; InfluxDB v2.x isn't supported by this output, if you are using it you may consider "
                    "the extension https://github.com/grafana/xk6-output-influxdb"
                )
            raise PushError(text) from None

    def _send_udp(self, lines: list[str]) -> None:
        if self._udp is None:
            host, _, port = self.config.addr[len("udp://") :].rpartition(":")
            self._udp = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
            self._udp.connect((host or "localhost", int(port)))
        limit = self.config.payload_size or UDP_PAYLOAD_SIZE
        chunk = b""
        for line in lines:
            data = line.encode()
            if chunk and len(chunk) + len(data) > limit:
                self._udp.send(chunk)
                chunk = b""
            chunk += data
        if chunk:
            self._udp.send(chunk)

    def _log_send_error(self, exc: Exception) -> None:
        log.error("Couldn't write stats (output=InfluxDBv1): %s", exc)
