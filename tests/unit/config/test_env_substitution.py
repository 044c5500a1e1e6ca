"""`${NAME}` values are data: substituted after templates and expressions are parsed, never read as either.

End to end through `loadpy run`: what the target received and what the summary export recorded."""

from __future__ import annotations

from pathlib import Path

import pytest

from loadpy.demo import DemoServer
from tests.integration.cli.helpers import run_loadpy, write_scenario

ECHO = """\
options: {iterations: 1}
flows:
  default:
    - group: "g-${WHO}"
      steps:
        - request:
            method: "${METHOD}"
            url: "URL/echo"
            timeout: "${TIMEOUT}"
            body: "${PAYLOAD}|{{ vu }}"
          checks:
            "echoed ${PAYLOAD}": "body == '${PAYLOAD}|1'"
"""


def _run(tmp_path: Path, demo: DemoServer, payload: str) -> dict:  # type: ignore[type-arg]
    scenario = write_scenario(tmp_path, ECHO.replace("URL", demo.base_url))
    demo.reset()
    args = ("-e", f"PAYLOAD={payload}", "-e", "WHO=ops", "-e", "METHOD=post", "-e", "TIMEOUT=5s")
    out = run_loadpy(tmp_path, scenario, *args, timeout=60)
    assert out.code == 0, out.stderr
    assert out.export is not None
    assert demo.stats()["paths"] == {"/echo": 1}
    return out.export


def _checks(export: dict) -> dict:  # type: ignore[type-arg]
    """{check name: (passes, fails)} of the group g-ops (its name came from `${WHO}`)."""
    checks = export["root_group"]["groups"]["g-ops"]["checks"]
    return {name: (check["passes"], check["fails"]) for name, check in checks.items()}


def test_a_value_holding_a_template_is_sent_as_written(tmp_path: Path, demo_server: DemoServer) -> None:
    export = _run(tmp_path, demo_server, "{{ 6*7 }}")
    # the check compares the echoed body with the value: it passes only if `{{ 6*7 }}` went out verbatim
    assert _checks(export) == {"echoed {{ 6*7 }}": (1, 0)}


def test_a_value_with_quotes_stays_inside_its_string_literal(tmp_path: Path, demo_server: DemoServer) -> None:
    payload = "x' + str(len('abc')) + '{{ iter }}\""
    export = _run(tmp_path, demo_server, payload)
    assert _checks(export) == {f"echoed {payload}": (1, 0)}


def test_a_reference_outside_string_literals_is_refused_with_a_hint() -> None:
    from loadpy.errors import ConfigError
    from loadpy.vu.expressions import Scope

    scope = Scope({}, {}, {"LIMIT": "5"})
    assert scope.compile("'${LIMIT}' + '$$'").evaluate(None) == "5$"
    with pytest.raises(ConfigError) as info:
        scope.compile("${LIMIT} > 3")
    assert info.value.hint is not None and "string literals only" in info.value.hint
