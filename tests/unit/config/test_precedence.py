"""k6's option precedence (conformance-ideas §D: C41, C72, C41b) expressed through resolve_options,
plus the per-source parsing of environment variables and flags and where errors point."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import pytest

from loadpy import USER_AGENT
from loadpy.config.consolidate import resolve_options
from loadpy.config.loader import parse_document
from loadpy.config.options import Options
from loadpy.errors import ConfigError
from loadpy.metrics.tags import DEFAULT_SYSTEM_TAGS


def resolve(
    script: Mapping[str, Any] | None = None,
    *,
    config: Mapping[str, Any] | None = None,
    env: Mapping[str, str] | None = None,
    cli: Mapping[str, object] | None = None,
) -> Options:
    return resolve_options(script or {}, config_file=config, env=env or {}, cli=cli or {}, doc=None)


def total_iterations(options: Options) -> tuple[str, int]:
    sc = options.scenarios["default"]
    return sc.executor, sc.iterations


C41 = {"vus": 2, "iterations": 4}


def test_c41_script_only() -> None:
    assert total_iterations(resolve(C41)) == ("shared-iterations", 4)
    assert resolve(C41).scenarios["default"].vus == 2


def test_c41_env_overrides_script() -> None:
    assert total_iterations(resolve(C41, env={"K6_ITERATIONS": "6"})) == ("shared-iterations", 6)


def test_c41_cli_overrides_env() -> None:
    assert total_iterations(resolve(C41, env={"K6_ITERATIONS": "6"}, cli={"iterations": 8})) == ("shared-iterations", 8)


def test_c41_env_vus_above_cli_iterations_is_invalid() -> None:
    with pytest.raises(ConfigError) as info:
        resolve(C41, env={"K6_VUS": "3"}, cli={"iterations": 2})
    assert info.value.exit_code == 104
    assert info.value.message == "the number of iterations (2) can't be less than the number of VUs (3)"
    assert (info.value.file, info.value.key) == ("command line", "--iterations")


def test_c72_config_file_alone() -> None:
    assert total_iterations(resolve({}, config={"iterations": 7, "vus": 1})) == ("shared-iterations", 7)


def test_c72_script_overrides_config_file() -> None:
    assert total_iterations(resolve(C41, config={"iterations": 7, "vus": 1})) == ("shared-iterations", 4)


def test_c72_env_overrides_config_file() -> None:
    options = resolve({}, config={"iterations": 7, "vus": 1}, env={"K6_ITERATIONS": "9"})
    assert total_iterations(options) == ("shared-iterations", 9)


C41B = {"scenarios": {"s": {"executor": "per-vu-iterations", "vus": 5, "iterations": 5}}}


def test_c41b_cli_duration_drops_scenarios_with_k6_warning() -> None:
    options = resolve(C41B, cli={"duration": "1s"})
    assert list(options.scenarios) == ["default"]
    sc = options.scenarios["default"]
    assert (sc.executor, sc.vus, sc.duration) == ("constant-vus", 1, 1.0)
    assert options.warnings == ['"cli" level configuration overrode scenarios configuration entirely']
    assert "scenarios" not in options.raw


def test_c41b_cli_vus_leaves_scenarios_alone() -> None:
    options = resolve(C41B, cli={"vus": 2})
    assert list(options.scenarios) == ["s"]
    assert (options.scenarios["s"].vus, options.scenarios["s"].iterations) == (5, 5)
    assert options.warnings == []


def test_env_duration_drops_script_scenarios_naming_the_env_level() -> None:
    options = resolve(C41B, env={"K6_DURATION": "2s"})
    assert options.scenarios["default"].executor == "constant-vus"
    assert options.warnings == ['"env" level configuration overrode scenarios configuration entirely']


def test_script_iterations_drop_config_scenarios_and_duration() -> None:
    config = {"duration": "5s", "scenarios": {"c": {"executor": "shared-iterations"}}}
    options = resolve({"iterations": 3}, config=config)
    sc = options.scenarios["default"]
    assert (sc.executor, sc.iterations, sc.to_dict()["maxDuration"]) == ("shared-iterations", 3, "10m0s")
    assert options.duration is None  # the config file's duration went with the reset
    assert options.warnings == ['"script" level configuration overrode scenarios configuration entirely']


def test_execution_reset_drops_lower_duration_even_without_scenarios() -> None:
    # script duration + cli iterations: the script's duration is discarded, so no maxDuration.
    options = resolve({"duration": "30s"}, cli={"iterations": 4})
    assert options.duration is None
    assert options.scenarios["default"].to_dict()["maxDuration"] == "10m0s"


def test_thresholds_are_replaced_as_a_whole() -> None:
    script = {"thresholds": {"http_req_duration": ["p(95)<200"], "checks": ["rate>0.9"]}}
    options = resolve(script, cli={"thresholds": {"http_reqs": ["count>0"]}})
    assert options.thresholds == {"http_reqs": ["count>0"]}
    options = resolve(script, config={"thresholds": {"iterations": ["count>1"]}})
    assert options.thresholds == script["thresholds"]


def test_tags_are_replaced_as_a_whole() -> None:
    options = resolve({"tags": {"a": "1", "b": "2"}}, cli={"tags": {"c": "3"}})
    assert options.tags == {"c": "3"}


def test_defaults() -> None:
    options = resolve()
    assert options.vus == 1
    assert options.setup_timeout == 60.0 and options.teardown_timeout == 60.0
    assert options.summary_trend_stats == ["avg", "min", "med", "max", "p(90)", "p(95)"]
    assert options.system_tags == set(DEFAULT_SYSTEM_TAGS)
    assert (options.max_redirects, options.batch, options.batch_per_host) == (10, 20, 6)
    assert options.user_agent == USER_AGENT
    assert (options.summary_mode, options.address, options.out) == ("compact", "localhost:6565", [])
    assert options.summary_time_unit is None and options.thresholds == {} and options.tags == {}
    sc = options.scenarios["default"]
    assert (sc.executor, sc.vus, sc.iterations) == ("per-vu-iterations", 1, 1)


def test_env_variables_of_every_kind() -> None:
    env = {
        "K6_VUS": "4",
        "K6_DURATION": "3s",
        "K6_SUMMARY_TREND_STATS": "avg,p(99),count",
        "K6_NO_COLOR": "true",
        "K6_SUMMARY_MODE": "full",
        "K6_TAGS": "env=staging,team=qa",
        "K6_SYSTEM_TAGS": "status,method",
        "K6_SETUP_TIMEOUT": "5s",
        "K6_DISCARD_RESPONSE_BODIES": "1",
        "K6_MAX_REDIRECTS": "3",
        "K6_INSECURE_SKIP_TLS_VERIFY": "T",
        "K6_NO_VU_CONNECTION_REUSE": "false",
        "K6_OUT": "json=a.json,csv=b.csv",
    }
    options = resolve(env=env)
    assert (options.vus, options.duration) == (4, 3.0)
    assert options.summary_trend_stats == ["avg", "p(99)", "count"]
    assert options.no_color is True and options.summary_mode == "full"
    assert options.tags == {"env": "staging", "team": "qa"}
    assert options.system_tags == {"status", "method"}
    assert options.setup_timeout == 5.0 and options.discard_response_bodies is True
    assert options.max_redirects == 3 and options.insecure_skip_tls_verify is True
    assert options.no_vu_connection_reuse is False
    assert options.out == ["json=a.json", "csv=b.csv"]
    sc = options.scenarios["default"]
    assert (sc.executor, sc.vus, sc.duration) == ("constant-vus", 4, 3.0)


def test_env_stages_shortcut() -> None:
    options = resolve({"iterations": 3}, env={"K6_STAGES": "10s:5,20s:0"})
    assert options.stages == [(10.0, 5), (20.0, 0)]
    sc = options.scenarios["default"]
    assert sc.executor == "ramping-vus"
    assert sc.to_dict()["stages"] == [{"duration": "10s", "target": 5}, {"duration": "20s", "target": 0}]


def test_loadpy_prefix_wins_over_k6_prefix() -> None:
    options = resolve({"iterations": 2}, env={"K6_ITERATIONS": "6", "LOADPY_ITERATIONS": "5"})
    assert options.iterations == 5


def test_no_color_convention() -> None:
    assert resolve(env={"NO_COLOR": ""}).no_color is True


@pytest.mark.parametrize(
    ("env", "key", "message"),
    [
        ({"K6_VUS": "many"}, "K6_VUS", "expected a whole number, got 'many'"),
        ({"LOADPY_ITERATIONS": "1.5"}, "LOADPY_ITERATIONS", "expected a whole number, got '1.5'"),
        ({"K6_NO_COLOR": "yes"}, "K6_NO_COLOR", "expected true or false, got 'yes'"),
        ({"K6_STAGES": "10s"}, "K6_STAGES", "expected DURATION:TARGET stages separated by commas, got '10s'"),
        ({"K6_TAGS": "novalue"}, "K6_TAGS", "expected name=value pairs separated by commas, got 'novalue'"),
        ({"K6_DURATION": "10 s"}, "K6_DURATION", 'time: unknown unit " s" in duration "10 s"'),
        ({"LOADPY_DURATION": "soon"}, "LOADPY_DURATION", 'invalid duration "soon"'),
        ({"K6_SUMMARY_TREND_STATS": "avg,p(101)"}, "K6_SUMMARY_TREND_STATS", "invalid percentile trend stat"),
    ],
)
def test_bad_env_values_name_the_variable(env: dict[str, str], key: str, message: str) -> None:
    with pytest.raises(ConfigError) as info:
        resolve(env=env)
    assert (info.value.file, info.value.key) == ("environment", key)
    assert message in info.value.message
    assert str(info.value).startswith(f"environment, key '{key}': ")


def test_bad_cli_values_name_the_flag() -> None:
    with pytest.raises(ConfigError) as info:
        resolve(cli={"duration": "fast"})
    assert (info.value.file, info.value.key) == ("command line", "--duration")
    with pytest.raises(ConfigError) as info:
        resolve(cli={"stages": [{"duration": "1s", "target": -1}]})
    assert (info.value.key, info.value.message) == ("--stage", "must be at least 0, got -1")


def test_bad_config_file_value_names_the_config_file() -> None:
    with pytest.raises(ConfigError) as info:
        resolve_options({}, config_file={"vus": "x"}, env={}, cli={}, doc=None, config_path="cfg.json")
    assert str(info.value) == "cfg.json, key 'vus': expected a whole number, got string 'x'"


def test_script_errors_point_at_the_file_line() -> None:
    doc = parse_document(
        "options:\n  vus: 2\n  stages:\n    - {duration: 1s, target: 2}\n    - {duration: 1s, target: x}\n"
    )
    with pytest.raises(ConfigError) as info:
        resolve_options(doc.data["options"], config_file=None, env={}, cli={}, doc=doc)
    assert str(info.value) == (
        "<string>, line 5, key 'options.stages[1].target': expected a whole number, got string 'x'"
    )


def test_unknown_option_warns_with_suggestion_and_is_kept_in_raw() -> None:
    doc = parse_document("options:\n  vus: 2\n  iteratons: 5\n  cloud: {}\n", "u.yaml")
    options = resolve_options(doc.data["options"], config_file=None, env={}, cli={}, doc=doc)
    assert options.warnings == [
        "u.yaml, line 3, key 'options.iteratons': unknown option 'iteratons' is ignored (did you mean iterations?)",
        "`vus=2` option will be ignored, it only works in conjunction with `iterations`, `duration`, or `stages`",
    ]
    assert options.raw == {"vus": 2, "iteratons": 5, "cloud": {}}


def test_env_substitution_in_script_options_reads_numbers() -> None:
    doc = parse_document("env:\n  VUS: 3\noptions:\n  vus: ${VUS}\n  duration: ${DUR}\n  tags: {name: 'x-${VUS}'}\n")
    options = resolve_options(
        doc.data["options"], config_file=None, env={}, cli={}, doc=doc, script_env={**doc.env_defaults, "DUR": "2s"}
    )
    assert (options.vus, options.duration, options.tags) == (3, 2.0, {"name": "x-3"})


def test_env_substitution_unknown_name_points_at_the_line() -> None:
    doc = parse_document("options:\n  vus: 1\n  duration: ${DURATON}\n", "e.yaml")
    with pytest.raises(ConfigError) as info:
        resolve_options(doc.data["options"], config_file=None, env={}, cli={}, doc=doc, script_env={"DURATION": "1s"})
    assert str(info.value).startswith("e.yaml, line 3, key 'options.duration': unknown environment variable 'DURATON'")


def test_invalid_summary_mode_warns_and_falls_back() -> None:
    options = resolve(env={"K6_SUMMARY_MODE": "fancy"})
    assert options.summary_mode == "compact"
    assert options.warnings == ['invalid summary mode "fancy", falling back to "compact" (use compact, full, legacy)']


def test_null_values_are_unset() -> None:
    options = resolve({"vus": None, "iterations": 3}, config={"iterations": 9})
    assert (options.vus, options.iterations) == (1, 3)


def test_numeric_strings_are_accepted_for_counts_like_k6() -> None:
    options = resolve({"vus": "3", "iterations": "6"})
    assert (options.vus, options.iterations) == (3, 6)
