"""The pytest plugin (registered by entry point): a `loadpy` fixture for tests that gate on a load test.

    def test_checkout_is_fast(loadpy):
        result = loadpy.run("scenarios/smoke.yaml", env={"BASE_URL": server_url})
        assert result.thresholds_ok, result.failed_thresholds

Each run's `--summary-export` is kept in the test's own temporary directory, so a failing test leaves the
figures behind to look at.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import pytest

from loadpy.api import RunResult, run


class LoadpyRunner:
    def __init__(self, directory: Path) -> None:
        self.directory = directory
        self.results: list[RunResult] = []

    def run(self, path_or_document: str | os.PathLike[str] | Mapping[str, Any], **flags: Any) -> RunResult:
        flags.setdefault("summary_export", str(self.directory / f"summary-{len(self.results) + 1}.json"))
        result = run(path_or_document, **flags)
        self.results.append(result)
        return result


@pytest.fixture
def loadpy(tmp_path: Path) -> LoadpyRunner:
    return LoadpyRunner(tmp_path)
