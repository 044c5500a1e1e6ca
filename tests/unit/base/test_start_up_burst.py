"""A run's start (its imports and plan) as a long-lived burst: the collector paused meanwhile, what it
made frozen for the run; a start that fails leaves nothing frozen behind (loadpy.run() in a host)."""

from __future__ import annotations

import gc

import pytest

import loadpy
from loadpy.base.collector import start_up_burst, thaw
from loadpy.errors import ConfigError

pytestmark = pytest.mark.usefixtures("collector_as_found")


def test_a_start_pauses_the_collector_then_freezes_what_it_made_until_the_run_ends() -> None:
    gc.enable()
    with start_up_burst():
        assert not gc.isenabled()
        made = [[] for _ in range(1000)]
    assert gc.isenabled()
    assert gc.get_freeze_count() >= len(made)
    thaw()  # the end of the run (the pool's close_all)
    assert gc.get_freeze_count() == 0


def test_a_start_that_fails_freezes_nothing() -> None:
    gc.enable()
    with pytest.raises(ConfigError, match="bad input"), start_up_burst():
        made = [[] for _ in range(1000)]
        raise ConfigError(f"bad input after {len(made)} objects")
    assert gc.isenabled()
    assert gc.get_freeze_count() == 0


def test_a_host_that_disabled_the_collector_keeps_it_so() -> None:
    gc.disable()
    with start_up_burst():
        made = [[] for _ in range(1000)]
    assert not gc.isenabled()
    assert gc.get_freeze_count() == 0 < len(made)


def test_loadpy_run_whose_start_fails_after_its_plan_leaves_its_host_nothing_frozen(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """The plan is built (and frozen) before the dashboard's settings are read: an invalid port then ends
    the run with 104 before any request, and the host process's objects are the collector's again."""
    gc.enable()
    monkeypatch.setenv("K6_WEB_DASHBOARD", "true")
    monkeypatch.setenv("K6_WEB_DASHBOARD_PORT", "99999")
    doc = {"options": {"vus": 1, "iterations": 1}, "flows": {"default": [{"request": {"url": "http://127.0.0.1:9/"}}]}}
    result = loadpy.run(doc, quiet=True)
    assert result.exit_code == 104
    assert "key 'K6_WEB_DASHBOARD_PORT': invalid port 99999: at most 65535" in capsys.readouterr().err
    assert gc.get_freeze_count() == 0 and gc.isenabled()
