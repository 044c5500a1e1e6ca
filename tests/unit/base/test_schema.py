"""The schema's one error and the checks shared by every options front end (base/schema.py, base/stages.py)."""

from __future__ import annotations

import pytest

from loadpy.base.durations import parse_duration
from loadpy.base.schema import Invalid, check_scenario_name, described, format_keypath, kind_of, trend_stat_problem
from loadpy.base.stages import Stage, parse_stages, validate_stages
from loadpy.config.loader import parse_document
from loadpy.config.options import p_int
from loadpy.errors import ConfigError, ExitCode
from loadpy.executors import parse_scenario
from loadpy.executors.base import go_int64


def test_invalid_is_a_config_error_keyed_by_its_path_until_a_source_locates_it() -> None:
    exc = Invalid((1, "target"), "bad")
    assert isinstance(exc, ConfigError) and exc.exit_code == ExitCode.INVALID_CONFIG
    assert (exc.path, exc.key, str(exc)) == ((1, "target"), "[1].target", "key '[1].target': bad")
    outer = exc.under("options", "stages")
    assert (outer.path, outer.key, outer.message) == (
        ("options", "stages", 1, "target"),
        "options.stages[1].target",
        "bad",
    )
    doc = parse_document(
        "options:\n  stages:\n    - {duration: 1s, target: 1}\n    - {duration: 1s, target: x}\n", "f.yaml"
    )
    located = doc.locate(exc, ("options", "stages"))
    assert str(located) == "f.yaml, line 4, key 'options.stages[1].target': bad"


def test_duration_errors_are_invalid_at_the_value_and_keep_a_given_key() -> None:
    with pytest.raises(Invalid) as info:
        parse_duration("10 s")
    assert (info.value.path, info.value.key) == ((), None)
    with pytest.raises(Invalid) as info:
        parse_duration("x", key="K6_SETUP_TIMEOUT")
    assert info.value.key == "K6_SETUP_TIMEOUT"


def test_keypaths_and_type_wording() -> None:
    assert format_keypath(("flows", "default", 0, "request", "url")) == "flows.default[0].request.url"
    assert [kind_of(v) for v in (None, True, 3, 2.5, "s", {}, [], ())] == [
        "null",
        "boolean",
        "number",
        "number",
        "string",
        "mapping",
        "list",
        "list",
    ]
    assert [described(v) for v in (None, False, 5, "x", {"a": 1}, [1])] == [
        "null",
        "a boolean",
        "the number 5",
        "the string 'x'",
        "a mapping",
        "a list",
    ]


@pytest.mark.parametrize(
    ("stat", "problem"),
    [
        ("avg", None),
        ("count", None),
        ("p(99.9)", None),
        ("p(1e1)", None),  # Go's ParseFloat reads it, and k6 v1.1.0 accepts it
        ("mean", "invalid trend stat 'mean', unknown format"),  # k6 v1.1.0's words, measured
        ("p(x)", "invalid percentile trend stat value 'p(x)', provide a number between 0 and 100"),
        ("p(101)", "invalid percentile trend stat value 'p(101)', provide a number between 0 and 100"),
        ("p(-1)", "invalid percentile trend stat value 'p(-1)', provide a number between 0 and 100"),
    ],
)
def test_trend_stats_as_k6_checks_them(stat: str, problem: str | None) -> None:
    assert trend_stat_problem(stat) == problem


def test_scenario_names_as_k6s_regexp() -> None:
    check_scenario_name("Checkout_1-a")
    for bad in ("a b", "", "a\n", "é"):
        with pytest.raises(Invalid) as info:
            check_scenario_name(bad)
        assert info.value.message.startswith("the scenario name should contain only numbers")


def test_one_stage_parser_for_the_option_and_for_scenarios() -> None:
    written = [{"Duration": "1s", "target": "3"}, {"target": 1}]
    # the option: targets as null.Int reads them, a stage without a duration dropped
    assert parse_stages(written, p_int, keep_incomplete=False) == [Stage(1.0, 3)]
    # a scenario: Go's int64, every stage kept for validation to report
    with pytest.raises(Invalid) as info:
        parse_stages(written, lambda v: go_int64(v, "target"), keep_incomplete=True)
    assert (info.value.path, info.value.message) == (
        (0, "target"),
        "json: cannot unmarshal string into field target of type int64",
    )
    stages = parse_stages([{"duration": "1s", "target": 3}, {"target": 1}], p_int, keep_incomplete=True)
    assert validate_stages(stages) == ["stage 2 doesn't have a duration"]
    with pytest.raises(Invalid) as info:
        parse_stages([{"duration": "1s", "targt": 1}], p_int, keep_incomplete=False)
    assert (info.value.path, info.value.hint) == ((0, "targt"), "did you mean target?")
    with pytest.raises(Invalid) as info:
        parse_stages([{"duration": "1s", "target": 1}, "2s"], p_int, keep_incomplete=False)
    assert (info.value.path, info.value.message) == (
        (1,),
        "a stage must be a mapping with duration and target, got string",
    )


def test_a_scenario_error_points_at_the_field_of_k6s_first_message() -> None:
    with pytest.raises(Invalid) as info:
        parse_scenario("s", {"executor": "constant-arrival-rate", "duration": "1s", "timeUnit": "0s", "rate": 1})
    assert info.value.path == ("timeUnit",)
    assert info.value.key == "options.scenarios.s.timeUnit"
    assert info.value.message == "the timeUnit must be more than 0, the number of preAllocatedVUs isn't specified"
    with pytest.raises(Invalid) as info:
        parse_scenario("s", {"executor": "ramping-vus", "stages": [{"duration": "1s", "target": 1}, {"target": -1}]})
    assert info.value.path == ("stages",)
    assert info.value.message == "stage 2 doesn't have a duration, the target for stage 2 can't be negative"
