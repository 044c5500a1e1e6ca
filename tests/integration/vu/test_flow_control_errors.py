"""Bad check / if / repeat / for_each / call steps → ConfigError naming the file, line and key;
through the CLI: exit 104, one paragraph, no traceback, no request sent."""

from __future__ import annotations

from pathlib import Path

import pytest

from loadpy.demo import DemoServer
from tests.integration.cli.helpers import run_loadpy
from tests.integration.vu.test_config_errors import error_of

pytestmark = pytest.mark.timeout(60)

CASES = [
    (
        "- if: vu == 1\n  else: [{sleep: 0}]",
        3,
        "flows.default[0]",
        "an if step needs then: (the steps run when the condition is true)",
    ),
    ("- if: vu ==\n  then: [{sleep: 0}]", 3, "flows.default[0].if", "invalid expression 'vu ==': invalid syntax"),
    ("- if: vu == 1\n  then: []", 4, "flows.default[0].then", "then: must be a non-empty list of steps"),
    (
        "- if: vu == 1\n  then: [{sleep: 0}]\n  otherwise: [{sleep: 0}]",
        5,
        "flows.default[0].otherwise",
        "unknown key 'otherwise' in an if step (allowed: if, then, else)",
    ),
    (
        "- repeat: -1\n  steps: [{sleep: 0}]",
        3,
        "flows.default[0].repeat",
        "repeat count must be a non-negative integer or a {{ expression }}, got -1",
    ),
    ("- repeat: 2", 3, "flows.default[0]", "repeat needs steps: (the steps to repeat)"),
    ("- repeat: {steps: [{sleep: 0}]}", 3, "flows.default[0].repeat", "repeat needs a count"),
    (
        "- repeat: {count: 2, steps: [{sleep: 0}], times: 3}",
        3,
        "flows.default[0].repeat.times",
        "unknown key 'times' in a repeat step (allowed: count, steps)",
    ),
    (
        "- repeat: 1\n  steps:\n    - reqest: {url: 'http://x/'}",
        5,
        "flows.default[0].steps[0].reqest",
        "unknown step kind 'reqest'",
    ),
    (
        "- for_each: itemz\n  steps: [{sleep: 0}]",
        3,
        "flows.default[0].for_each",
        "unknown name 'itemz' in expression 'itemz'",
    ),
    (
        "- for_each: '[1, 2]'\n  as: 2x\n  steps: [{sleep: 0}]",
        4,
        "flows.default[0].as",
        "as: must name the loop variable (an identifier), got '2x'",
    ),
    ("- check: {}", 3, "flows.default[0].check", "check must map at least one check name to an expression"),
    ("- check: {ok: status == 200}", 3, "flows.default[0].check.ok", "unknown name 'status' in expression"),
    ("- call: helpers:fn\n  capture: {x: resultt}", 4, "flows.default[0].capture.x", "unknown name 'resultt'"),
    (
        "- for_each: '[1]'\n  as: vu\n  steps: [{sleep: 0}]",
        4,
        "flows.default[0].as",
        "loop name 'vu' hides a built-in name or a data array; rename it",
    ),
    (
        "- if: true\n  then:\n    - call: helpers:fn\n      capture: {result: result}",
        6,
        "flows.default[0].then[0].capture.result",
        "capture name 'result' hides a built-in name or a data array; rename it",
    ),
    (
        "- batch:\n    - request: {url: 'http://x/'}\n      capture: {status: status}",
        5,
        "flows.default[0].batch[0].capture.status",
        "capture name 'status' hides a built-in name or a data array; rename it",
    ),
]


@pytest.mark.parametrize(("steps", "line", "key", "message"), CASES)
def test_bad_control_step(tmp_path: Path, steps: str, line: int, key: str, message: str) -> None:
    (tmp_path / "helpers.py").write_text("def fn(vu):\n    return 1\n")
    body = "\n".join("    " + s for s in steps.splitlines())
    err = error_of(tmp_path, f"flows:\n  default:\n{body}\n")
    assert (err.line, err.key) == (line, key)
    assert err.message.startswith(message), err.message


def test_abort_if_is_still_a_condition(tmp_path: Path) -> None:
    err = error_of(tmp_path, "flows:\n  default:\n    - abort: stop\n      if: vu ==\n")
    assert (err.line, err.key) == (4, "flows.default[0].if")


def test_cli_exit_104_and_no_request(tmp_path: Path, demo_server: DemoServer) -> None:
    demo_server.reset()
    scenario = tmp_path / "bad.yaml"
    scenario.write_text(
        'flows:\n  default:\n    - request: "${BASE}/items/1"\n    - repeat: {count: many, steps: [{sleep: 0}]}\n'
    )
    out = run_loadpy(tmp_path, scenario, "-e", f"BASE={demo_server.base_url}", "-i", "1")
    assert out.code == 104
    assert f"{scenario}, line 4, key 'flows.default[1].repeat.count': repeat count must be a non-negative" in out.stderr
    assert "Traceback" not in out.stderr
    assert demo_server.stats()["total"] == 0
