"""The collector around bursts of long-lived allocations (creating and starting VUs): paused during
the burst, everything alive frozen after it, handed back by `thaw()`; a host's disabled collector
is left alone."""

from __future__ import annotations

import gc

import pytest

from loadpy.base.collector import YOUNG_PER_VU, frozen_while_scenarios_run, long_lived_burst, thaw

pytestmark = pytest.mark.usefixtures("collector_as_found")


def test_a_burst_pauses_the_collector_then_freezes_what_it_made() -> None:
    gc.enable()
    with long_lived_burst():
        assert not gc.isenabled()
        made = [[] for _ in range(1000)]
    assert gc.isenabled()
    assert gc.get_freeze_count() >= len(made)
    thaw()
    assert gc.get_freeze_count() == 0 and gc.isenabled()


def test_overlapping_bursts_resume_the_collector_when_the_last_ends() -> None:
    gc.enable()
    outer, inner = long_lived_burst(), long_lived_burst()
    outer.__enter__()
    inner.__enter__()
    outer.__exit__(None, None, None)  # scenarios end their starts in any order
    assert not gc.isenabled() and gc.get_freeze_count() == 0
    inner.__exit__(None, None, None)
    assert gc.isenabled() and gc.get_freeze_count() > 0


def test_a_failing_burst_resumes_the_collector() -> None:
    gc.enable()
    with pytest.raises(RuntimeError), long_lived_burst():
        raise RuntimeError("cancelled while starting")
    assert gc.isenabled()


def test_a_collector_the_host_disabled_is_left_alone() -> None:
    gc.disable()
    with long_lived_burst():
        pass
    thaw()
    assert not gc.isenabled() and gc.get_freeze_count() == 0


def test_the_objects_of_the_start_are_frozen_for_the_block_only() -> None:
    before = gc.get_freeze_count()
    keep = [object() for _ in range(10)]
    with frozen_while_scenarios_run():
        assert gc.get_freeze_count() >= before + len(keep)
    assert gc.get_freeze_count() == 0
    with pytest.raises(RuntimeError), frozen_while_scenarios_run():
        raise RuntimeError("a scenario failed")
    assert gc.get_freeze_count() == 0


def test_the_young_threshold_grows_with_the_vus_while_the_scenarios_run() -> None:
    found = gc.get_threshold()
    with frozen_while_scenarios_run(10_000):
        assert gc.get_threshold() == (YOUNG_PER_VU * 10_000, *found[1:])
    assert gc.get_threshold() == found
    with frozen_while_scenarios_run(50):  # few VUs: CPython's threshold stays (never lowered)
        assert gc.get_threshold() == found
    with pytest.raises(RuntimeError), frozen_while_scenarios_run(10_000):
        raise RuntimeError("a scenario failed")
    assert gc.get_threshold() == found
