"""Shared fixtures: one demo target per test session, served from its own thread."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from loadpy.demo import DemoServer, run_demo_in_thread


@pytest.fixture(scope="session")
def demo_server() -> Iterator[DemoServer]:
    with run_demo_in_thread() as server:
        yield server


# The fast loop, `pytest -m "not slow"`: the differential suite and every test that runs the real k6
# binary are slow by nature (seconds each), so they are marked here; other slow tests mark themselves.
_SLOW_DIRS = frozenset({"conformance"})
_TESTS = Path(__file__).parent


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        parts = item.path.relative_to(_TESTS).parts if item.path.is_relative_to(_TESTS) else ()
        if item.get_closest_marker("k6") is not None or (parts and parts[0] in _SLOW_DIRS):
            item.add_marker(pytest.mark.slow)
