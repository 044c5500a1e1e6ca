"""--dashboard and K6_WEB_DASHBOARD_*: k6's defaults and meanings, loadpy's loopback default host."""

from __future__ import annotations

import pytest

from loadpy.dashboard import DashboardOptions, dashboard_options
from loadpy.errors import ConfigError, ExitCode


def test_off_unless_asked() -> None:
    assert dashboard_options(False, {}) is None
    assert dashboard_options(False, {"K6_WEB_DASHBOARD": "false", "K6_WEB_DASHBOARD_PORT": "1"}) is None
    assert dashboard_options(False, {"K6_WEB_DASHBOARD": ""}) is None


@pytest.mark.parametrize("spelling", ["1", "t", "T", "TRUE", "true", "True"])
def test_k6_boolean_spellings(spelling: str) -> None:
    assert dashboard_options(False, {"K6_WEB_DASHBOARD": spelling}) == DashboardOptions()


def test_defaults_are_k6s_except_the_loopback_host() -> None:
    options = dashboard_options(True, {})
    assert options == DashboardOptions(host="127.0.0.1", port=5665, period_s=10.0, open=False, export="")
    assert options is not None and options.serves


def test_every_variable_is_read() -> None:
    env = {
        "K6_WEB_DASHBOARD": "true",
        "K6_WEB_DASHBOARD_HOST": "0.0.0.0",
        "K6_WEB_DASHBOARD_PORT": "-1",
        "K6_WEB_DASHBOARD_PERIOD": "1m30s",
        "K6_WEB_DASHBOARD_OPEN": "true",
        "K6_WEB_DASHBOARD_EXPORT": "out/report.html",
    }
    options = dashboard_options(False, env)
    assert options == DashboardOptions("0.0.0.0", -1, 90.0, True, "out/report.html")
    assert options is not None and not options.serves  # a negative port: export only, as in k6


def test_a_bad_value_names_its_variable() -> None:
    with pytest.raises(ConfigError) as info:
        dashboard_options(True, {"K6_WEB_DASHBOARD_PERIOD": "10"})
    assert info.value.exit_code == ExitCode.INVALID_CONFIG
    assert str(info.value) == ("environment, key 'K6_WEB_DASHBOARD_PERIOD': time: missing unit in duration \"10\"")
