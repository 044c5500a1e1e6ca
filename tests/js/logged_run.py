"""One k6 script run the way the JS differential tests compare k6 and loadpy: `run -q --no-summary
--address "" --log-format raw`, loadpy imported from this checkout, the output kept as text."""

from __future__ import annotations

import os
import subprocess
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]


@dataclass(frozen=True)
class Logged:
    code: int
    stdout: str
    stderr: str

    @property
    def lines(self) -> list[str]:
        """stdout's lines, then stderr's."""
        return self.stdout.splitlines() + self.stderr.splitlines()


def run_logged(command: list[str], script: Path, *flags: str, env: Mapping[str, str] | None = None) -> Logged:
    """`command run` of `script` (k6 or `python -m loadpy`) in its folder, with `flags` before it."""
    proc = subprocess.run(
        [*command, "run", "-q", "--no-summary", "--address", "", "--log-format", "raw", *flags, str(script)],
        capture_output=True,
        text=True,
        timeout=120,
        env={**os.environ, "PYTHONPATH": str(REPO), **(env or {})},
        cwd=script.parent,
    )
    return Logged(proc.returncode, proc.stdout, proc.stderr)
