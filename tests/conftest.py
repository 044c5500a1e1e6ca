"""Shared fixtures: one demo target per test session, served from its own thread."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from loadpy.demo import DemoServer, run_demo_in_thread


@pytest.fixture(scope="session")
def demo_server() -> Iterator[DemoServer]:
    with run_demo_in_thread() as server:
        yield server
