"""setup() data that JSON can't carry: k6 says so, naming setup(), and exits 255 with its summary written;
an exception in setup()/teardown(): logged, exit 107.
The same in one process and with --workers (where the coordinator runs setup)."""

from __future__ import annotations

import os
import shutil
import subprocess
import textwrap
import uuid
from pathlib import Path
from typing import Any

import pytest

from tests.integration.cli.helpers import run_loadpy

pytestmark = pytest.mark.timeout(120)

PREFIX = "error marshaling setup() data to JSON: "
# What setup() returns -> how Python's json names the problem (k6: "json: unsupported type: func(...)").
UNSERIALISABLE = {
    "a function": ('{"f": lambda: 1}', "Object of type function is not JSON serializable"),
    "a cyclic object": ("_cycle()", "Circular reference detected"),
}


def _script(tmp_path: Path, base: str, path: str, returned: str) -> Path:
    script = tmp_path / "script.py"
    script.write_text(
        textwrap.dedent(
            f"""
            options = {{"scenarios": {{"s": {{"executor": "shared-iterations", "vus": 2, "iterations": 4}}}}}}

            def _cycle():
                a = {{}}
                a["self"] = a
                return a

            async def setup(vu):
                return {returned}

            async def default(vu):
                await vu.http.get("{base}{path}")
            """
        ),
        encoding="utf-8",
    )
    return script


@pytest.mark.parametrize("workers", [(), ("--workers", "2")], ids=["one process", "two workers"])
@pytest.mark.parametrize("what", sorted(UNSERIALISABLE))
def test_unserialisable_setup_data_is_reported_and_exits_255(
    tmp_path: Path, demo_server: Any, what: str, workers: tuple[str, ...]
) -> None:
    path = f"/items/{uuid.uuid4().hex}"
    returned, reason = UNSERIALISABLE[what]
    out = run_loadpy(tmp_path, _script(tmp_path, demo_server.base_url, path, returned), *workers)
    assert out.code == 255, out.stderr
    assert "Traceback" not in out.stderr
    errors = [line for line in out.stderr.splitlines() if "level=error" in line]
    assert len(errors) == 1, out.stderr
    assert f'msg="{PREFIX}{reason}"' in errors[0]
    # no iteration ran, and the summary export is still written (as k6's)
    assert demo_server.stats()["paths"].get(path, 0) == 0
    assert out.export is not None
    assert "iterations" not in out.export["metrics"]
    assert "setup_data" not in out.export


@pytest.mark.k6
def test_k6_reports_unserialisable_setup_data(tmp_path: Path) -> None:
    """The oracle: exit 255 and one error line starting with the same words; the export is written."""
    k6 = shutil.which("k6")
    assert k6 is not None, "k6 v1.1.0 must be installed for the differential tests"
    cases = {"function": "{ f: function () {} }", "cycle": "(() => { const a = {}; a.self = a; return a; })()"}
    for name, returned in cases.items():
        script = tmp_path / f"{name}.js"
        script.write_text(
            "export const options = { iterations: 1 };\n"
            f"export function setup() {{ return {returned}; }}\n"
            "export default function () {}\n",
            encoding="utf-8",
        )
        export = tmp_path / f"{name}.json"
        proc = subprocess.run(
            [k6, "run", "-q", "--address", "", "--summary-export", str(export), str(script)],
            capture_output=True,
            text=True,
            timeout=60,
            cwd=tmp_path,
            env={**os.environ, "K6_NO_USAGE_REPORT": "true"},
        )
        assert proc.returncode == 255, proc.stderr
        errors = [line for line in proc.stderr.splitlines() if "level=error" in line]
        assert len(errors) == 1 and f'msg="{PREFIX}json: unsupported ' in errors[0], proc.stderr
        assert export.exists()


@pytest.mark.parametrize("phase", ["setup", "teardown"])
def test_an_exception_in_setup_or_teardown_is_reported_with_exit_107(tmp_path: Path, phase: str) -> None:
    """k6 logs the script exception and exits 107; loadpy used to exit 107 without a word."""
    script = tmp_path / "script.py"
    script.write_text(
        textwrap.dedent(
            f"""
            options = {{"iterations": 1}}

            async def {phase}(vu, *args):
                raise ValueError("boom in {phase}")

            async def default(vu):
                pass
            """
        ),
        encoding="utf-8",
    )
    out = run_loadpy(tmp_path, script)
    assert out.code == 107, out.stderr
    errors = [line for line in out.stderr.splitlines() if "level=error" in line]
    assert len(errors) == 1, out.stderr
    assert f'msg="{phase} failed: ValueError: boom in {phase} at script.py:' in errors[0]
