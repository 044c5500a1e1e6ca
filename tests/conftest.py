"""Shared fixtures: one demo target per test session, served from its own thread."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from loadpy.demo import DemoServer, run_demo_in_thread
from loadpy.metrics import histogram


@pytest.fixture(scope="session")
def demo_server() -> Iterator[DemoServer]:
    with run_demo_in_thread() as server:
        yield server


@pytest.fixture(autouse=True)
def trend_counting_as_found() -> Iterator[None]:
    """An in-process run planned long imports numpy for the trend fold, for the rest of the process
    (loadpy.engine.numpy_choice): each test leaves the counting as it found it."""
    with_numpy = histogram.counting_with_numpy()
    yield
    histogram.use_numpy(with_numpy)


# The fast loop, `pytest -m "not slow"` (under a minute): what is slow by nature is marked here, by
# directory: the k6 differential suite, the end-to-end fault / signal / soak runs, multi-process
# workers, the GitHub Action; and every test that runs the real k6 binary. Other tests that take a
# second or more carry @pytest.mark.slow themselves. `pytest` alone still runs everything.
_SLOW_DIRS = (("conformance",), ("reliability",), ("integration", "workers"), ("integration", "action"))
_TESTS = Path(__file__).parent


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        parts = item.path.relative_to(_TESTS).parts if item.path.is_relative_to(_TESTS) else ()
        in_slow_dir = any(parts[: len(d)] == d for d in _SLOW_DIRS)
        if in_slow_dir or item.get_closest_marker("k6") is not None:
            item.add_marker(pytest.mark.slow)
