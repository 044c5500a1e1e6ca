"""Fixtures of the base utilities' tests."""

from __future__ import annotations

import gc
from collections.abc import Iterator

import pytest


@pytest.fixture
def collector_as_found() -> Iterator[None]:
    """The garbage collector as the test found it (enabled or not, nothing frozen) once it ends."""
    enabled = gc.isenabled()
    gc.unfreeze()
    yield
    gc.unfreeze()
    if enabled:
        gc.enable()
