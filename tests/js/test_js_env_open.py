"""`__ENV` (the process environment, `-e`, `--include-system-env-vars[=BOOL]`) and `open()` of a
missing file, a directory and an empty name: the same script through k6 and loadpy."""

from __future__ import annotations

import re
import sys
from pathlib import Path

import pytest

from tests.js.logged_run import run_logged
from tests.unit.k6lib.oracle import k6_binary

ENV_SCRIPT = """
export const options = { iterations: 1, vus: 1 };
export default function () {
  const mine = Object.keys(__ENV).filter((k) => k.startsWith("JSFID_")).sort();
  console.log(JSON.stringify(mine.map((k) => [k, __ENV[k]])), typeof __ENV.PATH);
}
"""


def _run(command: list[str], script: Path, *flags: str) -> tuple[int, list[str]]:
    run = run_logged(command, script, *flags, env={"JSFID_SYSTEM": "from the shell", "JSFID_BOTH": "shell"})
    return run.code, [line for line in (run.stdout + run.stderr).splitlines() if line.strip()]


@pytest.mark.parametrize(
    ("flags", "expected"),
    [
        ((), '[["JSFID_BOTH","shell"],["JSFID_SYSTEM","from the shell"]] string'),
        (
            ("-e", "JSFID_BOTH=flag", "-e", "JSFID_EQ=a=b", "-e", "JSFID_EMPTY="),
            '[["JSFID_BOTH","flag"],["JSFID_EMPTY",""],["JSFID_EQ","a=b"],["JSFID_SYSTEM","from the shell"]] string',
        ),
        (
            ("--include-system-env-vars", "-e", "JSFID_E=1"),
            '[["JSFID_BOTH","shell"],["JSFID_E","1"],["JSFID_SYSTEM","from the shell"]] string',
        ),
        (("--include-system-env-vars=false", "-e", "JSFID_E=1"), '[["JSFID_E","1"]] undefined'),
        (("--include-system-env-vars=0",), "[] undefined"),
    ],
)
def test_env_as_k6(tmp_path: Path, flags: tuple[str, ...], expected: str) -> None:
    script = tmp_path / "script.js"
    script.write_text(ENV_SCRIPT, encoding="utf-8")
    k6 = _run([k6_binary()], script, *flags)
    assert k6 == (0, [expected])
    assert _run([sys.executable, "-m", "loadpy"], script, *flags) == k6


@pytest.mark.parametrize(
    ("target", "message"),
    [
        ("./missing.txt", "GoError: stat {dir}/missing.txt: no such file or directory"),
        ("./sub/../sub", 'GoError: open() can\'t be used with directories, path: "{dir}/sub"'),
        ("", "GoError: open() can't be used with an empty filename"),
    ],
)
def test_open_errors_as_k6(tmp_path: Path, target: str, message: str) -> None:
    (tmp_path / "sub").mkdir()
    script = tmp_path / "script.js"
    script.write_text(f'const data = open("{target}");\nexport default function () {{}}\n', encoding="utf-8")
    k6_code, k6_lines = _run([k6_binary()], script)
    code, lines = _run([sys.executable, "-m", "loadpy"], script)
    expected = message.format(dir=tmp_path)
    frame = f"\tat file://{script}:1"
    # k6 shows its Go function's frame too: `at go.k6.io/k6/internal/js.(*Bundle).setInitGlobals.func3 (native)`
    assert (k6_code, k6_lines[0], re.sub(r":1:\d+\(\d+\)$", ":1", k6_lines[-1])) == (107, expected, frame)
    assert (code, lines) == (107, [f"loadpy: error: {expected}", frame])
