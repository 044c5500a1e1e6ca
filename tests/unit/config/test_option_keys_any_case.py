"""k6 reads options with Go's encoding/json: keys match case-insensitively everywhere (top level,
scenarios, stages, threshold objects, the -c config file). Checked with `k6 inspect` / `k6 run`:
{VUs: 2, Iterations: 4} runs 4 iterations on 2 VUs; {iterations: 2, Iterations: 3} runs 2."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import pytest

from loadpy.config.consolidate import resolve_options
from loadpy.config.loader import parse_document
from loadpy.config.options import Options
from loadpy.errors import ConfigError


def resolve(script: Mapping[str, Any], config: Mapping[str, Any] | None = None) -> Options:
    return resolve_options(script, config_file=config, env={}, cli={}, doc=None)


def test_top_level_keys_in_any_case_are_honoured_not_ignored() -> None:
    options = resolve({"VUs": 2, "Iterations": 4, "SetupTimeout": "5s"})
    default = options.scenarios["default"]
    assert (default.executor, default.vus, default.iterations) == ("shared-iterations", 2, 4)
    assert options.setup_timeout == 5.0
    assert options.warnings == []


def test_scenario_and_stage_fields_in_any_case() -> None:
    options = resolve(
        {
            "Scenarios": {
                "car": {"Executor": "constant-arrival-rate", "RATE": 5, "duration": "2s", "preallocatedvus": 3},
                "ramp": {"executor": "ramping-vus", "Stages": [{"Duration": "1s", "Target": 4}]},
            }
        }
    )
    car, ramp = options.scenarios["car"], options.scenarios["ramp"]
    assert (car.rate, car.pre_allocated_vus) == (5, 3)
    assert [(s.duration, s.target) for s in ramp.stages] == [(1.0, 4)]


def test_when_two_spellings_collide_the_last_in_byte_order_wins() -> None:
    options = resolve({"scenarios": {"s": {"executor": "shared-iterations", "iterations": 2, "Iterations": 3}}})
    assert options.scenarios["s"].iterations == 2


def test_threshold_objects_and_config_file_keys_in_any_case() -> None:
    config = {"Thresholds": {"iterations": [{"Threshold": "count==1", "AbortOnFail": True}]}}
    options = resolve({"iterations": 1}, config=config)
    assert options.thresholds == {"iterations": [{"threshold": "count==1", "abortOnFail": True}]}


def test_an_error_names_the_key_as_written_and_its_line() -> None:
    doc = parse_document("options:\n  scenarios:\n    s:\n      Executor: per-vu-iterations\n      VUs: -1\n", "c.yaml")
    with pytest.raises(ConfigError) as info:
        resolve_options(doc.data["options"], config_file=None, env={}, cli={}, doc=doc)
    assert (info.value.line, info.value.key) == (5, "options.scenarios.s.VUs")
