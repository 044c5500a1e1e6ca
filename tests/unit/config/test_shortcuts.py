"""Shortcut options -> the `default` scenario (k6-semantics §2.3), incl. conflicts and warnings."""

from __future__ import annotations

from typing import Any

import pytest

from loadpy.config.consolidate import derive_scenarios, resolve_options
from loadpy.config.loader import parse_document
from loadpy.errors import ConfigError


def derive(values: dict[str, Any]) -> tuple[dict[str, Any], bool, list[str]]:
    warnings: list[str] = []
    scenarios, derived = derive_scenarios(values, warnings)
    return scenarios, derived, warnings


def test_iterations_give_shared_iterations() -> None:
    assert derive({"vus": 2, "iterations": 10}) == (
        {"default": {"executor": "shared-iterations", "vus": 2, "iterations": 10}},
        True,
        [],
    )


def test_iterations_with_duration_set_max_duration() -> None:
    scenarios, _, _ = derive({"vus": 2, "iterations": 1000, "duration": 1.0})
    assert scenarios == {
        "default": {"executor": "shared-iterations", "vus": 2, "iterations": 1000, "maxDuration": "1s"}
    }


def test_duration_gives_constant_vus_with_default_one_vu() -> None:
    scenarios, _, _ = derive({"duration": 90.0})
    assert scenarios == {"default": {"executor": "constant-vus", "vus": 1, "duration": "1m30s"}}


def test_stages_give_ramping_vus_starting_at_vus() -> None:
    scenarios, _, _ = derive({"stages": [(2.0, 3), (1.0, 3)]})
    assert scenarios == {
        "default": {
            "executor": "ramping-vus",
            "startVUs": 1,
            "stages": [{"duration": "2s", "target": 3}, {"duration": "1s", "target": 3}],
        }
    }
    scenarios, _, _ = derive({"vus": 4, "stages": [(0.5, 0)]})
    assert scenarios["default"]["startVUs"] == 4


def test_scenarios_are_used_as_is() -> None:
    given = {"a": {"executor": "constant-vus", "duration": "1s"}}
    assert derive({"scenarios": given, "vus": 3}) == (given, False, [])


def test_nothing_gives_one_iteration_of_one_vu() -> None:
    assert derive({}) == ({"default": {"executor": "per-vu-iterations", "vus": 1, "iterations": 1}}, True, [])
    assert derive({"vus": 1})[2] == []


def test_vus_alone_warns_and_runs_one_by_one() -> None:
    scenarios, _, warnings = derive({"vus": 5})
    assert scenarios["default"] == {"executor": "per-vu-iterations", "vus": 1, "iterations": 1}
    assert warnings == [
        "`vus=5` option will be ignored, it only works in conjunction with `iterations`, `duration`, or `stages`"
    ]


@pytest.mark.parametrize(
    ("values", "warning"),
    [
        ({"stages": []}, "`stages` was explicitly set to an empty value, running the script with 1 iteration in 1 VU"),
        (
            {"scenarios": {}},
            "`scenarios` was explicitly set to an empty value, running the script with 1 iteration in 1 VU",
        ),
    ],
)
def test_explicitly_empty_execution_warns(values: dict[str, Any], warning: str) -> None:
    scenarios, _, warnings = derive(values)
    assert scenarios["default"]["executor"] == "per-vu-iterations"
    assert warnings == [warning]


@pytest.mark.parametrize(
    ("options", "first", "second"),
    [
        ({"iterations": 2, "stages": [{"duration": "1s", "target": 2}]}, "iterations", "stages"),
        ({"iterations": 2, "scenarios": {"a": {"executor": "shared-iterations"}}}, "iterations", "scenarios"),
        ({"duration": "1s", "stages": [{"duration": "1s", "target": 2}]}, "duration", "stages"),
        ({"duration": "1s", "scenarios": {"a": {"executor": "shared-iterations"}}}, "duration", "scenarios"),
        (
            {"stages": [{"duration": "1s", "target": 2}], "scenarios": {"a": {"executor": "shared-iterations"}}},
            "stages",
            "scenarios",
        ),
    ],
)
def test_conflicting_shortcuts_are_config_errors(options: dict[str, Any], first: str, second: str) -> None:
    lines = ["options:"] + [f"  {key}: {value!r}".replace("'", '"') for key, value in options.items()]
    doc = parse_document("\n".join(lines) + "\n", "c.yaml")
    with pytest.raises(ConfigError) as info:
        resolve_options(doc.data["options"], config_file=None, env={}, cli={}, doc=doc)
    assert info.value.exit_code == 104
    assert str(info.value) == (
        f"c.yaml, line 3, key 'options.{second}': using `{first}` and `{second}` options simultaneously is not allowed"
    )


def test_zero_duration_shortcut_is_rejected() -> None:
    doc = parse_document("options:\n  duration: 0s\n", "z.yaml")
    with pytest.raises(ConfigError) as info:
        resolve_options(doc.data["options"], config_file=None, env={}, cli={}, doc=doc)
    assert str(info.value) == (
        "z.yaml, line 2, key 'options.duration': `duration` option should be more than 0, "
        "for infinite duration use the externally-controlled executor"
    )


def test_derived_scenario_validation_points_at_the_shortcut() -> None:
    doc = parse_document("options:\n  vus: 5\n  iterations: 3\n", "v.yaml")
    with pytest.raises(ConfigError) as info:
        resolve_options(doc.data["options"], config_file=None, env={}, cli={}, doc=doc)
    assert str(info.value) == (
        "v.yaml, line 3, key 'options.iterations': "
        "the number of iterations (3) can't be less than the number of VUs (5)"
    )


def test_resolved_shortcut_scenarios_match_k6_descriptions() -> None:
    options = resolve_options(
        {"vus": 2, "iterations": 1000, "duration": "1s"}, config_file=None, env={}, cli={}, doc=None
    )
    assert options.scenarios["default"].describe().startswith("1000 iterations shared among 2 VUs (maxDuration: 1s")
    options = resolve_options(
        {"stages": [{"duration": "2s", "target": 3}, {"duration": "1s", "target": 3}]},
        config_file=None,
        env={},
        cli={},
        doc=None,
    )
    sc = options.scenarios["default"]
    assert (sc.executor, sc.start_vus, sc.graceful_ramp_down) == ("ramping-vus", 1, 30.0)


def test_stage_without_duration_is_dropped() -> None:
    options = resolve_options(
        {"stages": [{"target": 5}, {"duration": "1s", "target": 2}]}, config_file=None, env={}, cli={}, doc=None
    )
    assert options.stages == [(1.0, 2)]
