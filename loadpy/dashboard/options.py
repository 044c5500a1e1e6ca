"""The web dashboard's settings: `--dashboard` and k6's K6_WEB_DASHBOARD_* environment variables.

    K6_WEB_DASHBOARD         true/false (Go's ParseBool spellings): serve the dashboard
    K6_WEB_DASHBOARD_HOST    address to listen on; loadpy's default is 127.0.0.1 (k6 listens on
                             every interface): 0.0.0.0 shares it on the network on purpose
    K6_WEB_DASHBOARD_PORT    5665; 0 picks a free port; a negative port serves nothing and
                             only exports the report (as in k6)
    K6_WEB_DASHBOARD_PERIOD  how often the page updates, a duration (default 10s, as in k6)
    K6_WEB_DASHBOARD_OPEN    true: open the page in a browser at the start
    K6_WEB_DASHBOARD_EXPORT  write the HTML report to this file at the end

A value that cannot be read is refused with exit 104 naming the variable, before any request
(k6 exits 255 for some of them, and reads an unknown K6_WEB_DASHBOARD_OPEN as false).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from loadpy.base.durations import parse_go_duration
from loadpy.errors import ConfigError

ENV = "environment"
DEFAULT_HOST = "127.0.0.1"
DEFAULT_PORT = 5665
DEFAULT_PERIOD_S = 10.0
# Go's strconv.ParseBool, which k6 uses for boolean environment variables.
_TRUE = ("1", "t", "T", "TRUE", "true", "True")
_FALSE = ("0", "f", "F", "FALSE", "false", "False")


@dataclass(frozen=True, slots=True)
class DashboardOptions:
    host: str = DEFAULT_HOST
    port: int = DEFAULT_PORT  # 0: any free port; negative: no server, export only
    period_s: float = DEFAULT_PERIOD_S
    open: bool = False
    export: str = ""

    @property
    def serves(self) -> bool:
        return self.port >= 0


def _bool(env: Mapping[str, str], name: str) -> bool | None:
    text = env.get(name, "")
    if text == "":
        return None
    if text in _TRUE:
        return True
    if text in _FALSE:
        return False
    raise ConfigError(f"invalid value {text!r}: expected true or false", file=ENV, key=name)


def dashboard_options(flag: bool, env: Mapping[str, str]) -> DashboardOptions | None:
    """The dashboard's settings, or None when neither --dashboard nor K6_WEB_DASHBOARD asks for it.
    ConfigError (exit 104) names the variable holding a value that cannot be read."""
    enabled = _bool(env, "K6_WEB_DASHBOARD")
    if not flag and not enabled:
        return None
    port_text = env.get("K6_WEB_DASHBOARD_PORT", "")
    try:
        port = int(port_text) if port_text else DEFAULT_PORT
    except ValueError:
        raise ConfigError(
            f"invalid port {port_text!r}: expected a number (-1 to serve nothing)",
            file=ENV,
            key="K6_WEB_DASHBOARD_PORT",
        ) from None
    if port > 65535:
        raise ConfigError(f"invalid port {port}: at most 65535", file=ENV, key="K6_WEB_DASHBOARD_PORT")
    period_text = env.get("K6_WEB_DASHBOARD_PERIOD", "")
    try:
        period = parse_go_duration(period_text, key="K6_WEB_DASHBOARD_PERIOD") if period_text else DEFAULT_PERIOD_S
    except ConfigError as exc:
        raise exc.located(file=ENV) from None
    if period <= 0:
        raise ConfigError(
            f"the update period must be positive, got {period_text!r}", file=ENV, key="K6_WEB_DASHBOARD_PERIOD"
        )
    return DashboardOptions(
        host=env.get("K6_WEB_DASHBOARD_HOST", "") or DEFAULT_HOST,
        port=port,
        period_s=period,
        open=bool(_bool(env, "K6_WEB_DASHBOARD_OPEN")),
        export=env.get("K6_WEB_DASHBOARD_EXPORT", ""),
    )
