"""k6's option precedence and shortcut derivation: four sources merged into one `Options`.

defaults < config file (-c) < script/YAML options < environment (K6_*, LOADPY_*) < CLI flags.
Each source is validated on its own first, so an error names the place it came from (a file
line, an environment variable or a flag). Then the sources are merged with k6's rules and the
shortcuts (vus/duration/iterations/stages) become the `default` scenario.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from loadpy.base.durations import format_duration
from loadpy.base.go_values import first_bad_number, fold_keys, go_json_type
from loadpy.base.schema import Invalid, KeyPath, check_scenario_name, format_keypath
from loadpy.config.loader import SourceDoc, substitute_env
from loadpy.config.options import (
    EXECUTION_KEYS,
    IGNORED_KEYS,
    SPECS,
    SUMMARY_MODES,
    Options,
    build_options,
    env_names,
    unsupported_problem,
)
from loadpy.errors import ConfigError, did_you_mean

log = logging.getLogger("loadpy")

# Which shortcut option a field of the derived `default` scenario came from (to locate its errors).
_SHORTCUT_OF = {
    "vus": "vus",
    "startVUs": "vus",
    "iterations": "iterations",
    "maxDuration": "duration",
    "duration": "duration",
    "stages": "stages",
}

Locator = Callable[[str, KeyPath, str], ConfigError]


@dataclass
class _Level:
    """One source of options: its name in k6's messages, its raw and parsed values, how to locate errors."""

    name: str
    locate: Locator
    raw: dict[str, Any] = field(default_factory=dict)
    values: dict[str, Any] = field(default_factory=dict)
    written: dict[str, str] = field(default_factory=dict)  # option key -> the spelling used (`VUs`)

    def at(self, key: str, path: KeyPath, message: str) -> ConfigError:
        """An error about option `key` as this level spelled it."""
        return self.locate(self.written.get(key, key), path, message)


def resolve_options(
    doc_options: Mapping[str, Any],
    *,
    config_file: Mapping[str, Any] | None,
    env: Mapping[str, str],
    cli: Mapping[str, object],
    doc: SourceDoc | None,
    config_path: str | None = None,
    script_env: Mapping[str, str] | None = None,
) -> Options:
    """The resolved options, with `scenarios` parsed into executor configs; ConfigError (104) on bad input.

    `script_env`, when given, substitutes `${NAME}` in the script's option strings (a value that
    is exactly one `${NAME}` is then read as YAML, so `vus: ${VUS}` gives a number).
    """
    warnings: list[str] = []
    if doc_options is None:
        doc_options = {}
    if not isinstance(doc_options, Mapping):
        raise _script_locator(doc)("", (), "options must be a mapping")
    script_raw = dict(doc_options)
    if script_env is not None:
        script_raw = _substitute(script_raw, script_env, doc)
    env_vars: dict[str, str] = {}
    levels = [
        _read_level(_Level("config", _config_locator(config_path)), config_file or {}, warnings),
        _read_level(_Level("script", _script_locator(doc)), script_raw, warnings),
        _read_level(_Level("env", _env_locator(env_vars)), _env_raw(env, env_vars), warnings),
        _read_level(_Level("cli", _cli_locator), dict(cli), warnings),
    ]
    merged_raw, values, origin = _merge(levels, warnings)
    options = build_options(values, merged_raw)
    scenarios_raw, derived = derive_scenarios(values, warnings, locate=lambda key, msg: _at(origin, key, (), msg))
    options.scenarios = _parse_scenarios(scenarios_raw, derived, origin)
    options.warnings = warnings
    for message in warnings:
        log.warning("%s", message)
    return options


# --- the sources -------------------------------------------------------------------------------------


def _read_level(level: _Level, raw: Mapping[str, Any], warnings: list[str]) -> _Level:
    folded, level.written = fold_keys(raw, [*SPECS, *IGNORED_KEYS])
    for key, value in folded.items():
        key = str(key)
        if value is None:  # JSON null / YAML `~`: not set at this level (k6's null values)
            continue
        bad = first_bad_number(value)
        if bad is not None:
            raise level.at(key, *bad)
        refused = unsupported_problem(key, value)
        if refused is not None:
            raise level.at(key, (), refused)
        spec = SPECS.get(key)
        if spec is None:
            if key not in IGNORED_KEYS:
                notice = level.locate(key, (), f"unknown option '{key}' is ignored")
                notice.hint = did_you_mean(key, list(SPECS))
                warnings.append(str(notice))
            level.raw[key] = value
            continue
        try:
            level.values[key] = spec.parse(value)
        except Invalid as exc:
            raise level.at(key, exc.path, exc.message) from None
        if key == "summaryMode" and value not in SUMMARY_MODES:
            warnings.append(
                f'invalid summary mode "{value}", falling back to "compact" (use {", ".join(SUMMARY_MODES)})'
            )
        level.raw[key] = level.values[key] if key == "thresholds" else value  # threshold fields as k6 names them
    return level


def _env_raw(env: Mapping[str, str], names: dict[str, str]) -> dict[str, Any]:
    """Option values from K6_* / LOADPY_* variables (LOADPY_ wins), in file form; keyed by option key.

    `names` receives the variable each option was read from (to name it in errors).
    """
    out: dict[str, Any] = {}
    for key, spec in SPECS.items():
        if spec.env is None:
            continue
        for name in env_names(key):
            if name in env:
                try:
                    out[key] = spec.env(env[name])
                except Invalid as exc:
                    raise ConfigError(exc.message, file="environment", key=name) from None
                names[key] = name
                break
    if "noColor" not in out and "NO_COLOR" in env:  # the no-color.org convention, honoured by k6
        out["noColor"] = True
        names["noColor"] = "NO_COLOR"
    return out


def _script_locator(doc: SourceDoc | None) -> Locator:
    def locate(key: str, path: KeyPath, message: str) -> ConfigError:
        keypath: KeyPath = ("options", key, *path) if key else ("options",)
        if doc is not None:
            return doc.error(keypath, message)
        return ConfigError(message, key=format_keypath(keypath))

    return locate


def _config_locator(config_path: str | None) -> Locator:
    def locate(key: str, path: KeyPath, message: str) -> ConfigError:
        return ConfigError(message, file=config_path or "config file (--config)", key=format_keypath((key, *path)))

    return locate


def _env_locator(names: Mapping[str, str]) -> Locator:
    def locate(key: str, path: KeyPath, message: str) -> ConfigError:
        # Values read from the environment are scalars or flat lists: the variable names the problem.
        return ConfigError(message, file="environment", key=names.get(key, key))

    return locate


def _cli_locator(key: str, path: KeyPath, message: str) -> ConfigError:
    flag = "--" + SPECS[key].field.replace("_", "-") if key in SPECS else key
    if key == "stages":
        flag = "--stage"
    return ConfigError(message, file="command line", key=flag)


def _substitute(value: Any, env: Mapping[str, str], doc: SourceDoc | None, path: KeyPath = ()) -> Any:
    if isinstance(value, dict):  # keys too: a threshold on `http_req_duration{name:${BASE_URL}/post}`
        return {_substitute_key(k, env, doc, path): _substitute(v, env, doc, (*path, str(k))) for k, v in value.items()}
    if isinstance(value, list):
        return [_substitute(v, env, doc, (*path, i)) for i, v in enumerate(value)]
    if not isinstance(value, str) or "$" not in value:
        return value
    try:
        text = substitute_env(value, env)
    except ConfigError as exc:
        raise _script_locator(doc)(str(path[0]), path[1:], exc.message) from None
    if re.fullmatch(r"\$\{[A-Za-z_][A-Za-z0-9_]*\}", value):
        import yaml  # (only a document with `${VAR}` values reads them as YAML scalars)

        try:
            parsed = yaml.safe_load(text)
        except yaml.YAMLError:
            return text
        return parsed if isinstance(parsed, int | float | bool) else text
    return text


def _substitute_key(key: Any, env: Mapping[str, str], doc: SourceDoc | None, path: KeyPath) -> Any:
    if not isinstance(key, str) or "$" not in key:
        return key
    try:
        return substitute_env(key, env)
    except ConfigError as exc:
        where = (*path, key)
        raise _script_locator(doc)(str(where[0]), where[1:], exc.message) from None


# --- merging -----------------------------------------------------------------------------------------


def _merge(levels: list[_Level], warnings: list[str]) -> tuple[dict[str, Any], dict[str, Any], dict[str, _Level]]:
    raw: dict[str, Any] = {}
    values: dict[str, Any] = {}
    origin: dict[str, _Level] = {}
    for level in levels:
        if any(key in level.values for key in EXECUTION_KEYS):
            # k6's execution-block reset: one execution key at a higher level discards all four below.
            if "scenarios" in values and "scenarios" not in level.values:
                warnings.append(f'"{level.name}" level configuration overrode scenarios configuration entirely')
            for key in EXECUTION_KEYS:
                raw.pop(key, None)
                values.pop(key, None)
                origin.pop(key, None)
        raw.update(level.raw)
        values.update(level.values)
        origin.update(dict.fromkeys(level.values, level))
    return raw, values, origin


def _at(origin: Mapping[str, _Level], key: str, path: KeyPath, message: str) -> ConfigError:
    level = origin.get(key)
    if level is None:
        return ConfigError(message, key=f"options.{key}")
    return level.at(key, path, message)


# --- shortcuts ---------------------------------------------------------------------------------------


def derive_scenarios(
    values: Mapping[str, Any],
    warnings: list[str],
    *,
    locate: Callable[[str, str], ConfigError] | None = None,
) -> tuple[dict[str, Any], bool]:
    """k6's DeriveScenariosFromShortcuts on parsed option values: (raw scenarios, derived?).

    A derived `default` scenario is returned in k6's raw form (camelCase, duration strings).
    """

    def conflict(first: str, second: str) -> ConfigError:
        message = f"using `{first}` and `{second}` options simultaneously is not allowed"
        return locate(second, message) if locate else ConfigError(message, key=f"options.{second}")

    vus = values.get("vus")
    iterations = values.get("iterations")
    duration = values.get("duration")
    stages = values.get("stages")
    scenarios = values.get("scenarios")
    one_by_one = {"default": {"executor": "per-vu-iterations", "vus": 1, "iterations": 1}}
    if iterations is not None:
        if stages:
            raise conflict("iterations", "stages")
        if scenarios is not None:
            raise conflict("iterations", "scenarios")
        scenario: dict[str, Any] = {
            "executor": "shared-iterations",
            "vus": 1 if vus is None else vus,
            "iterations": iterations,
        }
        if duration is not None:
            scenario["maxDuration"] = format_duration(duration)
        return {"default": scenario}, True
    if duration is not None:
        if stages:
            raise conflict("duration", "stages")
        if scenarios is not None:
            raise conflict("duration", "scenarios")
        if duration <= 0:
            message = (
                "`duration` option should be more than 0, for infinite duration use the externally-controlled executor"
            )
            raise locate("duration", message) if locate else ConfigError(message, key="options.duration")
        return {
            "default": {
                "executor": "constant-vus",
                "vus": 1 if vus is None else vus,
                "duration": format_duration(duration),
            }
        }, True
    if stages is not None:
        if scenarios is not None:
            raise conflict("stages", "scenarios")
        if not stages:
            warnings.append(
                "`stages` was explicitly set to an empty value, running the script with 1 iteration in 1 VU"
            )
            return one_by_one, True
        return {
            "default": {
                "executor": "ramping-vus",
                "startVUs": 1 if vus is None else vus,
                "stages": [{"duration": format_duration(d), "target": t} for d, t in stages],
            }
        }, True
    if scenarios is not None:
        if not scenarios:
            warnings.append(
                "`scenarios` was explicitly set to an empty value, running the script with 1 iteration in 1 VU"
            )
            return one_by_one, True
        return dict(scenarios), False
    if vus is not None and vus != 1:
        warnings.append(
            f"`vus={vus}` option will be ignored, it only works in conjunction with "
            "`iterations`, `duration`, or `stages`"
        )
    return one_by_one, True


def _parse_scenarios(scenarios_raw: Mapping[str, Any], derived: bool, origin: Mapping[str, _Level]) -> dict[str, Any]:
    from loadpy.executors import parse_scenario

    out: dict[str, Any] = {}
    for name, written in scenarios_raw.items():
        name = str(name)
        try:
            check_scenario_name(name)
        except Invalid as exc:
            raise _at(origin, "scenarios", (name,), exc.message) from None
        if not isinstance(written, Mapping):
            raise _at(origin, "scenarios", (name,), f"scenario {name} must be a mapping with an executor")
        raw, spelled = _scenario_as_k6_reads_it(name, written, origin)
        try:
            out[name] = parse_scenario(name, raw)
        except Invalid as exc:
            raise _locate_scenario_error(exc, name, derived, origin, spelled) from None
    return out


def _scenario_as_k6_reads_it(
    name: str, written: Mapping[str, Any], origin: Mapping[str, _Level]
) -> tuple[dict[str, Any], dict[str, str]]:
    """Fields matched case-insensitively; env and tags values must be strings, as in Go."""
    from loadpy.executors import EXECUTORS
    from loadpy.executors.base import COMMON_FIELDS

    raw, _ = fold_keys(written, COMMON_FIELDS)
    executor = EXECUTORS.get(str(raw.get("executor")))
    raw, spelled = fold_keys(written, (*COMMON_FIELDS, *(executor.FIELDS if executor else ())))
    if raw.get("options"):  # k6's per-scenario options configure its browser module
        message = "loadpy does not implement scenario options (k6's browser module): remove them"
        raise _at(origin, "scenarios", (name, spelled.get("options", "options")), message)
    for field_name in ("env", "tags"):
        values = raw.get(field_name)
        for key, value in values.items() if isinstance(values, Mapping) else ():
            if not isinstance(value, str):
                message = (
                    f"json: cannot unmarshal {go_json_type(value)} into Go struct field "
                    f"Options.scenarios.BaseConfig.{field_name} of type string"
                )
                raise _at(origin, "scenarios", (name, spelled.get(field_name, field_name), str(key)), message)
    return raw, spelled


def _locate_scenario_error(
    exc: Invalid, name: str, derived: bool, origin: Mapping[str, _Level], spelled: Mapping[str, str]
) -> ConfigError:
    """Where the source of the scenario says the problem at `exc.path` (inside the scenario) is."""
    path = exc.path
    if derived:
        # The `default` scenario came from shortcuts: point at the shortcut that produced the field.
        shortcut = _SHORTCUT_OF.get(str(path[0])) if path else None
        keys = [shortcut] if shortcut else ["iterations", "duration", "stages", "vus"]
        for key in keys:
            if key in origin:
                located = origin[key].at(key, (), exc.message)
                located.hint = exc.hint
                return located
        return ConfigError(exc.message, key=f"options.{shortcut or 'vus'}", hint=exc.hint)
    if path:  # the field as the user spelled it, so its line is found
        path = (spelled.get(str(path[0]), path[0]), *path[1:])
    located = _at(origin, "scenarios", (name, *path), exc.message)
    located.hint = exc.hint
    return located
