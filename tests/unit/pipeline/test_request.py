"""The command line → RunRequest → TestPlan mapping: what each flag asks, and k6's precedence between the
config file, the script's options, K6_* environment variables and flags (the request's environment, never
this process's)."""

from __future__ import annotations

import json
from collections.abc import Mapping
from pathlib import Path

import pytest

from loadpy.cli.args import run_request
from loadpy.cli.main import build_parser
from loadpy.errors import ConfigError
from loadpy.pipeline.plan import plan_test
from loadpy.pipeline.request import RunRequest
from loadpy.workers.assign import worker_segments
from loadpy.workers.coordinator import worker_request


def _request(*argv: str, environ: Mapping[str, str] | None = None) -> RunRequest:
    return run_request(build_parser().parse_args(["run", *argv]), environ or {})


def _scenario(tmp_path: Path, vus: int | None = None) -> Path:
    path = tmp_path / "s.yaml"
    options = f"options: {{vus: {vus}, iterations: 10}}\n" if vus is not None else ""
    path.write_text(f"{options}flows:\n  default:\n    - sleep: 0.01\n")
    return path


def _config(tmp_path: Path, vus: int, name: str = "config.json") -> Path:
    path = tmp_path / name
    path.write_text(json.dumps({"vus": vus, "iterations": 10}))
    return path


def test_flags_become_k6_option_keys_and_unset_flags_stay_absent() -> None:
    request = _request(
        "-u", "3", "-s", "5s:2", "--tag", "team=a", "-o", "json=x.json", "-e", "A=1", "-e", "A=2", "s.yaml"
    )
    assert request.file == "s.yaml" and request.command == "run"
    assert dict(request.options) == {
        "vus": 3,
        "stages": [{"duration": "5s", "target": 2}],
        "tags": {"team": "a"},
        "out": ["json=x.json"],
    }
    assert request.env == (("A", "1"), ("A", "2"))
    assert (request.workers, request.report, request.config_path, request.demo) == (None, None, None, False)
    assert request.on_command_line("vus") and not request.on_command_line("duration")


def test_a_bad_stage_flag_is_refused_while_mapping_the_command_line() -> None:
    with pytest.raises(ConfigError, match="invalid stage '5s': expected DURATION:TARGET"):
        _request("-s", "5s", "s.yaml")


def test_secret_values_of_env_flags_are_masked_by_the_requests_masker() -> None:
    request = _request("-e", "API_TOKEN=tok-123", "-e", "PLAIN=visible", "s.yaml")
    assert request.masker.mask("x tok-123 visible") == "x *** visible"


@pytest.mark.parametrize(
    ("config", "script", "environ", "flag", "expected"),
    [
        (1, None, {}, None, 1),  # the config file alone
        (1, 2, {}, None, 2),  # the script's options over the config file
        (1, 2, {"K6_VUS": "3"}, None, 3),  # K6_* environment variables over the script
        (1, 2, {"K6_VUS": "3"}, "4", 4),  # flags over everything
    ],
)
def test_option_precedence_config_script_env_flag(
    tmp_path: Path, config: int, script: int | None, environ: dict[str, str], flag: str | None, expected: int
) -> None:
    argv = ["--config", str(_config(tmp_path, config))] + (["-u", flag] if flag else [])
    plan = plan_test(_request(*argv, str(_scenario(tmp_path, script)), environ=environ))
    assert plan.options.vus == expected


def test_k6_config_in_the_requests_environment_names_the_config_file(tmp_path: Path) -> None:
    config = _config(tmp_path, 7)
    plan = plan_test(_request(str(_scenario(tmp_path)), environ={"K6_CONFIG": str(config)}))
    assert plan.options.vus == 7
    flagged = _config(tmp_path, 5, "flagged.json")
    plan = plan_test(_request("--config", str(flagged), str(_scenario(tmp_path)), environ={"K6_CONFIG": str(config)}))
    assert plan.options.vus == 5  # --config wins over K6_CONFIG


def test_the_plan_reads_the_requests_environment_not_the_process_one(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("K6_VUS", "9")
    monkeypatch.setenv("FROM_PROCESS", "p")
    plan = plan_test(_request(str(_scenario(tmp_path, 2)), environ={"FROM_REQUEST": "r"}))
    assert plan.options.vus == 2
    env = plan.runtime.core.env
    assert env.get("FROM_REQUEST") == "r" and "FROM_PROCESS" not in env


def test_env_flags_override_the_environment_and_the_demo_url_in_order(tmp_path: Path) -> None:
    request = _request("-e", "BASE_URL=http://flag", "-e", "X=1", "-e", "X=2", str(_scenario(tmp_path)))
    plan = plan_test(request, demo_url="http://demo")
    env = plan.runtime.core.env
    assert (env["BASE_URL"], env["X"]) == ("http://flag", "2")
    assert plan_test(_request(str(_scenario(tmp_path))), demo_url="http://demo").runtime.core.env["BASE_URL"] == (
        "http://demo"
    )


def test_a_worker_runs_its_segment_with_no_output_summary_thresholds_or_api_of_its_own() -> None:
    request = _request(
        "--workers",
        "2",
        "-u",
        "4",
        "--out",
        "json=o.json",
        "--summary-export",
        "e.json",
        "--report",
        "r.html",
        "s.yaml",
    )
    first, second = (worker_request(request, a) for a in worker_segments(2))
    assert dict(first.options) == {
        "vus": 4,
        "executionSegment": "0:1/2",
        "executionSegmentSequence": "0,1/2,1",
        "address": "",
        "noSummary": True,
        "noThresholds": True,
    }
    assert second.options["executionSegment"] == "1/2:1"
    assert (first.workers, first.report, first.demo, first.env, first.masker) == (
        None,
        None,
        False,
        request.env,
        request.masker,
    )
    assert dict(request.options)["out"] == ["json=o.json"]  # the coordinator's request is unchanged
