"""Headless Chromium for the tests that look at a page the way a person would.

One rule for every such test: without Chromium the test is skipped with a loud reason on a developer's
machine, and fails under CI (where `.ci/run` installs it), so a green CI always means "checked in a browser".
"""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest

NOT_INSTALLED = (
    "!!! headless Chromium is NOT installed: the page was NOT checked in a browser. "
    "Install it with `apt-get update && apt-get install -y chromium` !!!"
)


def chromium_or_skip() -> str:
    path = shutil.which("chromium") or shutil.which("chromium-browser")
    if path is None:
        if os.environ.get("CI"):
            pytest.fail(NOT_INSTALLED)
        pytest.skip(NOT_INSTALLED)
    return path


def headless(chromium: str, tmp: Path, *args: str) -> subprocess.CompletedProcess[str]:
    """Run Chromium headless with a private profile under `tmp` (no network services, no first-run UI)."""
    return subprocess.run(
        headless_command(chromium, tmp, *args), capture_output=True, text=True, timeout=120, check=True
    )


def headless_command(chromium: str, tmp: Path, *args: str) -> list[str]:
    """The command line of `headless`, for tests that keep the browser running (tests/cdp.py)."""
    return [
        chromium,
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        f"--user-data-dir={tmp / 'chromium-profile'}",
        *args,
    ]
