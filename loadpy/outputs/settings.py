"""Reading a streaming output's settings from the environment, with k6's parsing rules.

k6 reads `K6_INFLUXDB_*`, `K6_PROMETHEUS_RW_*`, `K6_STATSD_*` and `K6_OTEL_*` from the process
environment (not from `-e`). A value k6 would reject is a ConfigError (exit 104) naming the
variable, raised before the test starts.
"""

from __future__ import annotations

from collections.abc import Mapping

from loadpy.base.durations import parse_duration
from loadpy.errors import ConfigError

ENV_FILE = "environment variables"
_TRUE = frozenset({"1", "t", "T", "true", "TRUE", "True"})
_FALSE = frozenset({"0", "f", "F", "false", "FALSE", "False"})


def bad_setting(key: str, message: str) -> ConfigError:
    return ConfigError(message, file=ENV_FILE, key=key)


def bad_argument(message: str) -> ConfigError:
    """An error in the `--out NAME=ARG` argument itself (located later: command line or script)."""
    return ConfigError(message, key="out")


def go_bool(key: str, text: str) -> bool:
    """Go's strconv.ParseBool."""
    if text in _TRUE:
        return True
    if text in _FALSE:
        return False
    raise bad_setting(key, f"{key}={text!r} is not a boolean (use true or false)")


class Settings:
    """Typed lookups in one environment mapping; each returns `default` when the variable is unset."""

    def __init__(self, env: Mapping[str, str]) -> None:
        self.env = env

    def has(self, key: str) -> bool:
        return key in self.env

    def text(self, key: str, default: str) -> str:
        return self.env.get(key, default)

    def flag(self, key: str, default: bool) -> bool:
        return go_bool(key, self.env[key]) if key in self.env else default

    def integer(self, key: str, default: int) -> int:
        if key not in self.env:
            return default
        try:
            return int(self.env[key].strip())
        except ValueError:
            raise bad_setting(key, f"{key}={self.env[key]!r} is not an integer") from None

    def seconds(self, key: str, default: float) -> float:
        """A Go duration ("1s", "500ms"); k6 rejects a bare number here, and so does loadpy."""
        if key not in self.env:
            return default
        try:
            value = parse_duration(self.env[key], key=key)
        except ConfigError as exc:
            raise exc.located(file=ENV_FILE) from None
        if value <= 0:
            raise bad_setting(key, f"{key}={self.env[key]!r}: the interval must be positive")
        return value

    def words(self, key: str, default: list[str]) -> list[str]:
        """A comma-separated list, as envconfig splits a []string."""
        if key not in self.env:
            return default
        return [w.strip() for w in self.env[key].split(",") if w.strip()]
