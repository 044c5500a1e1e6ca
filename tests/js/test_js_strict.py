"""k6 compiles every module strict (ES modules and CommonJS files alike, goja's `strict` flag), and an
ES module's top-level `this` is undefined while a CommonJS file's is its `module.exports`. Each script
runs through the real k6 binary and through loadpy; what they log and their exit codes must agree (k6's
`line:column(pc)` positions compared by line: loadpy reports lines)."""

from __future__ import annotations

import re
import sys
import textwrap
from pathlib import Path

import pytest

from tests.js.logged_run import run_logged
from tests.unit.k6lib.oracle import k6_binary

# k6 places a frame as `file:///x.js:7:3(8)` and a syntax error as `file:///x.js:1:28`: loadpy gives the line
_K6_COLUMN = re.compile(r"(file://[^\s:]+:\d+):\d+(?:\(\d+\))?")


def _run(command: list[str], script: Path) -> tuple[int, list[str]]:
    """Exit code and the lines logged (raw log format), k6's columns dropped, blank lines left out."""
    run = run_logged(command, script)
    text = _K6_COLUMN.sub(r"\1", run.stdout + run.stderr)
    return run.code, [line for line in text.splitlines() if line.strip()]


def _write(folder: Path, files: dict[str, str]) -> Path:
    for name, source in files.items():
        (folder / name).write_text(textwrap.dedent(source).lstrip(), encoding="utf-8")
    return folder / next(iter(files))


def both(tmp_path: Path, files: dict[str, str]) -> tuple[tuple[int, list[str]], tuple[int, list[str]]]:
    script = _write(tmp_path, files)
    return _run([k6_binary()], script), _run([sys.executable, "-m", "loadpy"], script)


_PROBE = """
function probe(label) {
  const out = [];
  out.push(typeof (function () { return this; })());
  try { const o = Object.freeze({ a: 1 }); o.a = 2; out.push("frozen write ok"); } catch (e) { out.push(e.name); }
  try { undeclaredGlobal = 1; out.push("global made"); } catch (e) { out.push(e.name); }
  try { (function () { return arguments.callee; })(); out.push("callee ok"); } catch (e) { out.push(e.name); }
  try { delete Object.prototype; out.push("delete ok"); } catch (e) { out.push(e.name); }
  console.log(label, out.join(" "));
}
"""


def test_es_modules_and_commonjs_files_are_strict_as_in_k6(tmp_path: Path) -> None:
    files = {
        "script.js": """
            import { probe } from "./lib.js";
            export const options = { iterations: 1, vus: 1 };
            console.log("module this:", typeof this);
            probe("init");
            export default function () {
              probe("iteration");
              notDeclared = 1;
              console.log("not reached");
            }
            """,
        # neither import nor export: k6 runs it as CommonJS, strict too
        "lib.js": _PROBE
        + 'console.log("lib this is its exports:", this === module.exports);\nmodule.exports = { probe };\n',
    }
    k6, loadpy = both(tmp_path, files)
    assert loadpy == k6
    code, lines = loadpy
    assert code == 0
    assert "init undefined TypeError ReferenceError TypeError TypeError" in lines
    assert "module this: undefined" in lines and "lib this is its exports: true" in lines
    # the iteration fails where k6's does, and the run goes on (exit 0)
    assert lines[-2:] == [
        "ReferenceError: notDeclared is not defined",
        f"\tat default (file://{tmp_path}/script.js:7)",
    ]


def test_a_commonjs_main_script_is_strict_and_its_init_error_exits_107(tmp_path: Path) -> None:
    files = {
        "script.js": """
            const k6 = require("k6");
            module.exports.options = { iterations: 1, vus: 1 };
            console.log("this is exports:", this === module.exports);
            counter = 0;
            module.exports.default = function () {};
            """
    }
    k6, loadpy = both(tmp_path, files)
    error = ["ReferenceError: counter is not defined", f"\tat file://{tmp_path}/script.js:4"]
    assert k6 == (107, ["this is exports: true", *error])
    # loadpy ends the run with its one error paragraph (k6 logs it at level error)
    assert loadpy == (107, ["this is exports: true", f"loadpy: error: {error[0]}", error[1]])


@pytest.mark.parametrize(
    ("kind", "source", "message", "line"),
    [
        ("cjs", "with (Math) { console.log(PI); }", "Strict mode code may not include a with statement", 1),
        ("esm", "var a = 010;", "Octal literals are not allowed in strict mode", 1),
        ("cjs", "function g(a, a) { return a; }", "Duplicate parameter name not allowed in this context", 1),
        ("esm", "\nvar eval = 3;", "Assignment to eval or arguments is not allowed in strict mode", 2),
        ("esm", "var y;\ndelete y;", "Delete of an unqualified identifier in strict mode", 2),
        ("cjs", "var implements = 1;", "Unexpected strict mode reserved word", 1),
    ],
)
def test_strict_mode_syntax_errors_stop_the_run_as_in_k6(
    tmp_path: Path, kind: str, source: str, message: str, line: int
) -> None:
    tail = "export default function () {}" if kind == "esm" else "module.exports.default = function () {};"
    script = tmp_path / "script.js"
    script.write_text(f"{source}\n{tail}\n", encoding="utf-8")
    k6, loadpy = _run([k6_binary()], script), _run([sys.executable, "-m", "loadpy"], script)
    expected = f"GoError: SyntaxError: {message} at file://{tmp_path}/script.js:{line}"
    assert k6 == (107, [expected])
    assert loadpy[0] == 107
    assert loadpy[1] == [f"loadpy: error: {expected}"]
