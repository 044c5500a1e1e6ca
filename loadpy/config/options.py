"""k6's options: the `Options` dataclass (snake_case, k6 defaults) and the per-key value parsers.

Every option key has one spec: its snake_case field, how a value from a file/config/CLI is
checked and normalised, and how its `K6_*` / `LOADPY_*` environment variable is read.
Parsers raise `Invalid(path, message)` with a path relative to the option key; the caller
(consolidate.py) has the source locate it.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from loadpy.base.durations import parse_duration
from loadpy.base.go_values import INT64_MAX, fold_keys, go_json_type
from loadpy.base.schema import Invalid, KeyPath, kind_of, trend_stat_problem
from loadpy.base.stages import parse_stages
from loadpy.metrics.tags import ALL_SYSTEM_TAGS, DEFAULT_SYSTEM_TAGS
from loadpy.protocols.http.ciphers import validate_cipher_suites
from loadpy.protocols.http.dialing import HostnameBlocklist, IpPool, parse_blacklist, parse_dns
from loadpy.version import USER_AGENT

if TYPE_CHECKING:
    from loadpy.executors import ExecutorConfig

DEFAULT_TREND_STATS = ("avg", "min", "med", "max", "p(90)", "p(95)")
SUMMARY_MODES = ("compact", "full", "legacy")
THRESHOLD_FIELDS = ("threshold", "abortOnFail", "delayAbortEval")
# The options that describe the execution: a higher level setting any one discards all four below it.
EXECUTION_KEYS = ("duration", "iterations", "stages", "scenarios")


@dataclass
class Options:
    """Every k6 option, resolved. Durations are float seconds; unset optional values are None."""

    vus: int = 1
    duration: float | None = None
    iterations: int | None = None
    stages: list[tuple[float, int | None]] | None = None
    scenarios: dict[str, ExecutorConfig] = field(default_factory=dict)
    thresholds: dict[str, Any] = field(default_factory=dict)
    tags: dict[str, str] = field(default_factory=dict)
    setup_timeout: float = 60.0
    teardown_timeout: float = 60.0
    no_setup: bool = False
    no_teardown: bool = False
    summary_trend_stats: list[str] = field(default_factory=lambda: list(DEFAULT_TREND_STATS))
    summary_time_unit: str | None = None
    system_tags: set[str] = field(default_factory=lambda: set(DEFAULT_SYSTEM_TAGS))
    max_redirects: int = 10
    user_agent: str = USER_AGENT
    batch: int = 20
    batch_per_host: int = 6
    discard_response_bodies: bool = False
    no_connection_reuse: bool = False
    no_vu_connection_reuse: bool = False
    no_cookies_reset: bool = False
    insecure_skip_tls_verify: bool = False
    tls_version: dict[str, str] | None = None  # {"min": "tls1.2", "max": "tls1.3"}
    tls_auth: list[dict[str, Any]] = field(default_factory=list)
    tls_cipher_suites: list[str] | None = None
    hosts: dict[str, str] = field(default_factory=dict)
    dns: dict[str, str] | str | None = None
    min_iteration_duration: float = 0.0
    throw: bool = False
    rps: float = 0  # an int as written; a --workers worker holds its share of it
    http_debug: str | None = None
    block_hostnames: list[str] = field(default_factory=list)
    blacklist_ips: list[str] = field(default_factory=list)
    local_ips: str | None = None
    execution_segment: str | None = None
    execution_segment_sequence: str | None = None
    paused: bool = False
    # runtime-only (flags/env, not usually in a script; accepted there too)
    summary_mode: str = "compact"
    summary_export: str | None = None
    no_summary: bool = False
    no_thresholds: bool = False
    out: list[str] = field(default_factory=list)
    address: str = "localhost:6565"
    quiet: bool = False
    no_color: bool = False
    raw: dict[str, Any] = field(default_factory=dict)  # the merged camelCase options, as written
    warnings: list[str] = field(default_factory=list)  # what resolve_options logged (unknown keys, shortcuts)


# --- value parsers: (value) -> normalised value, raising Invalid ------------------------------------


def _show(value: object) -> str:
    """A value as the user wrote it in YAML/JSON (true, not True)."""
    if isinstance(value, bool) or value is None:
        return json.dumps(value)
    return repr(value)


def p_int(value: object, *, minimum: int = 0) -> int:
    if isinstance(value, str) and re.fullmatch(r"-?[0-9]+", value.strip()):
        value = int(value)  # k6 accepts {"vus": "3"} in a script's options
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise Invalid((), f"expected a whole number, got {kind_of(value)} {_show(value)}")
    if isinstance(value, float) and not value.is_integer():
        raise Invalid((), f"expected a whole number, got {value!r}")
    if value > INT64_MAX:
        raise Invalid((), f"the number {value:g} is out of range (at most {INT64_MAX})")
    if value < minimum:
        raise Invalid((), f"must be at least {minimum}, got {int(value)}")
    return int(value)


def p_bool(value: object) -> bool:
    if not isinstance(value, bool):
        raise Invalid((), f"expected true or false, got {kind_of(value)} {_show(value)}")
    return value


def p_str(value: object) -> str:
    if not isinstance(value, str):
        raise Invalid((), f"expected a string, got {kind_of(value)} {_show(value)}")
    return value


def p_duration(value: object) -> float:
    return parse_duration(value)


def p_str_list(value: object) -> list[str]:
    if isinstance(value, str):
        return [part.strip() for part in value.split(",") if part.strip()]
    if not isinstance(value, list):
        raise Invalid((), f"expected a list of strings, got {kind_of(value)} {_show(value)}")
    for index, item in enumerate(value):
        if not isinstance(item, str):
            raise Invalid((index,), f"expected a string, got {kind_of(item)} {item!r}")
    return list(value)


def p_str_map(value: object) -> dict[str, str]:
    if not isinstance(value, dict):
        raise Invalid((), f"expected a mapping of names to strings, got {kind_of(value)}")
    out: dict[str, str] = {}
    for key, item in value.items():
        if isinstance(item, dict | list) or item is None:
            raise Invalid((str(key),), f"expected a string value, got {kind_of(item)}")
        out[str(key)] = ("true" if item else "false") if isinstance(item, bool) else str(item)
    return out


def p_tags(value: object) -> dict[str, str]:
    """Tag values are strings in k6 (a number or boolean is a JSON type error there too)."""
    if not isinstance(value, dict):
        raise Invalid((), f"expected a mapping of names to strings, got {kind_of(value)}")
    for key, item in value.items():
        if not isinstance(item, str):
            message = f"json: cannot unmarshal {go_json_type(item)} into Go struct field Options.tags of type string"
            raise Invalid((str(key),), message)
    return {str(key): item for key, item in value.items()}


def p_stages(value: object) -> list[tuple[float, int | None]]:
    """Stages; a missing target stays None: the derived scenario reports it as k6 does."""
    return [(stage.seconds, stage.target) for stage in parse_stages(value, p_int, keep_incomplete=False)]


def p_mapping(value: object) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise Invalid((), f"expected a mapping, got {kind_of(value)}")
    return dict(value)


def p_thresholds(value: object) -> dict[str, Any]:
    """Shape only (metric -> expression string or list); the threshold parser checks the expressions."""
    thresholds = p_mapping(value)
    for metric, spec in thresholds.items():
        items = spec if isinstance(spec, list) else [spec]
        if isinstance(spec, list):  # {Threshold, AbortOnFail}: Go matches the fields case-insensitively
            items = [fold_keys(item, THRESHOLD_FIELDS)[0] if isinstance(item, dict) else item for item in spec]
            thresholds[metric] = items
        for index, item in enumerate(items):
            where: KeyPath = (str(metric), index) if isinstance(spec, list) else (str(metric),)
            if isinstance(item, str):
                continue
            if isinstance(item, dict) and isinstance(item.get("threshold"), str):
                continue
            raise Invalid(
                where, f'a threshold must be a string like "p(95)<200" or {{threshold: ...}}, got {kind_of(item)}'
            )
    return thresholds


def p_trend_stats(value: object) -> list[str]:
    stats = p_str_list(value)
    for index, stat in enumerate(stats):
        problem = trend_stat_problem(stat)
        if problem is not None:
            raise Invalid((index,), problem)
    return stats


def p_time_unit(value: object) -> str | None:
    unit = p_str(value)
    if unit not in ("", "s", "ms", "us"):
        raise Invalid((), f"invalid summaryTimeUnit {unit!r}: expected s, ms or us")
    return unit or None


def p_system_tags(value: object) -> set[str]:
    tags = p_str_list(value)
    for index, tag in enumerate(tags):
        if tag not in ALL_SYSTEM_TAGS:
            raise Invalid((index,), f"'{tag}' is not a system tag (known: {', '.join(sorted(ALL_SYSTEM_TAGS))})")
    return set(tags)


def p_tls_version(value: object) -> dict[str, str]:
    known = ("ssl3.0", "tls1.0", "tls1.1", "tls1.2", "tls1.3")
    if isinstance(value, str):
        value = {"min": value, "max": value}
    if not isinstance(value, dict):
        raise Invalid((), f"expected a TLS version string or {{min, max}}, got {kind_of(value)}")
    value, _ = fold_keys(value, ("min", "max"))
    out: dict[str, str] = {}
    for key, version in value.items():
        if key not in ("min", "max"):
            raise Invalid((str(key),), f'json: unknown field "{key}"')
        if version not in known:
            raise Invalid((key,), f"unknown TLS version {version!r} (known: {', '.join(known)})")
        out[key] = version
    return out


def p_tls_auth(value: object) -> list[dict[str, Any]]:
    if not isinstance(value, list):
        raise Invalid((), f"expected a list of {{domains, cert, key}}, got {kind_of(value)}")
    value = [
        fold_keys(item, ("domains", "cert", "key", "password"))[0] if isinstance(item, dict) else item for item in value
    ]
    for index, item in enumerate(value):
        if not isinstance(item, dict):
            raise Invalid((index,), f"expected a mapping with cert and key, got {kind_of(item)}")
        for needed in ("cert", "key"):
            if not isinstance(item.get(needed), str):
                raise Invalid((index, needed), f"tlsAuth entries need a PEM string '{needed}'")
    return [dict(item) for item in value]


def p_summary_mode(value: object) -> str:
    mode = p_str(value)
    # k6 warns and falls back to compact; consolidate.py logs that warning.
    return mode if mode in SUMMARY_MODES else "compact"


def p_out(value: object) -> list[str]:
    return [value] if isinstance(value, str) else p_str_list(value)


def p_any(value: object) -> object:
    return value


def p_dns(value: object) -> dict[str, str] | str:
    dns = value if isinstance(value, str) else p_str_map(value)
    return _checked(parse_dns, dns)


def _checked(check: Callable[[Any], object], value: Any) -> Any:
    """`value`, once the HTTP layer's own parser accepted it (k6's wording when it does not)."""
    try:
        check(value)
    except ValueError as exc:
        raise Invalid((), str(exc)) from None
    return value


def p_block_hostnames(value: object) -> list[str]:
    return _checked(HostnameBlocklist, p_str_list(value))


def p_blacklist_ips(value: object) -> list[str]:
    return _checked(parse_blacklist, p_str_list(value))


def p_local_ips(value: object) -> str:
    return _checked(IpPool, p_str(value))


def p_cipher_suites(value: object) -> list[str]:
    return _checked(validate_cipher_suites, p_str_list(value))


# --- environment readers: (text) -> a value in the same form a file would hold ---------------------


def e_int(text: str) -> object:
    try:
        return int(text.strip())
    except ValueError:
        raise Invalid((), f"expected a whole number, got {text!r}") from None


def e_bool(text: str) -> object:
    # Go's strconv.ParseBool, which k6's envconfig uses.
    lowered = text.strip()
    if lowered in ("1", "t", "T", "TRUE", "true", "True"):
        return True
    if lowered in ("0", "f", "F", "FALSE", "false", "False", ""):
        return False
    raise Invalid((), f"expected true or false, got {text!r}")


def e_str(text: str) -> object:
    return text


def e_list(text: str) -> object:
    return [part.strip() for part in text.split(",") if part.strip()]


def e_tags(text: str) -> object:
    out: dict[str, str] = {}
    for part in text.split(","):
        if not part.strip():
            continue
        key, sep, value = part.partition("=")
        if not sep or not key.strip():
            raise Invalid((), f"expected name=value pairs separated by commas, got {part!r}")
        out[key.strip()] = value
    return out


def e_stages(text: str) -> object:
    stages = []
    for part in text.split(","):
        duration, sep, target = part.strip().rpartition(":")
        if not sep or not duration:
            raise Invalid((), f"expected DURATION:TARGET stages separated by commas, got {part!r}")
        try:
            stages.append({"duration": duration, "target": int(target)})
        except ValueError:
            raise Invalid((), f"invalid stage target in {part!r}") from None
    return stages


def e_json(text: str) -> object:
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        raise Invalid((), f"expected JSON: {exc.msg}") from None


@dataclass(frozen=True)
class Spec:
    field: str
    parse: Callable[[object], Any]
    env: Callable[[str], object] | None = e_str  # None: not settable from the environment


def _int(minimum: int = 0) -> Callable[[object], int]:
    return lambda value: p_int(value, minimum=minimum)


SPECS: dict[str, Spec] = {
    "vus": Spec("vus", _int(), e_int),
    "duration": Spec("duration", p_duration),
    "iterations": Spec("iterations", _int(), e_int),
    "stages": Spec("stages", p_stages, e_stages),
    "scenarios": Spec("scenarios", p_mapping, None),
    "thresholds": Spec("thresholds", p_thresholds, e_json),
    "tags": Spec("tags", p_tags, e_tags),
    "setupTimeout": Spec("setup_timeout", p_duration),
    "teardownTimeout": Spec("teardown_timeout", p_duration),
    "noSetup": Spec("no_setup", p_bool, e_bool),
    "noTeardown": Spec("no_teardown", p_bool, e_bool),
    "summaryTrendStats": Spec("summary_trend_stats", p_trend_stats, e_list),
    "summaryTimeUnit": Spec("summary_time_unit", p_time_unit),
    "systemTags": Spec("system_tags", p_system_tags, e_list),
    "maxRedirects": Spec("max_redirects", _int(), e_int),
    "userAgent": Spec("user_agent", p_str),
    "batch": Spec("batch", _int(1), e_int),
    "batchPerHost": Spec("batch_per_host", _int(), e_int),
    "discardResponseBodies": Spec("discard_response_bodies", p_bool, e_bool),
    "noConnectionReuse": Spec("no_connection_reuse", p_bool, e_bool),
    "noVUConnectionReuse": Spec("no_vu_connection_reuse", p_bool, e_bool),
    "noCookiesReset": Spec("no_cookies_reset", p_bool, e_bool),
    "insecureSkipTLSVerify": Spec("insecure_skip_tls_verify", p_bool, e_bool),
    "tlsVersion": Spec("tls_version", p_tls_version),
    "tlsAuth": Spec("tls_auth", p_tls_auth, e_json),
    "tlsCipherSuites": Spec("tls_cipher_suites", p_cipher_suites, e_list),
    "hosts": Spec("hosts", p_str_map, e_json),
    "dns": Spec("dns", p_dns),
    "minIterationDuration": Spec("min_iteration_duration", p_duration),
    "throw": Spec("throw", p_bool, e_bool),
    "rps": Spec("rps", _int(), e_int),
    "httpDebug": Spec("http_debug", p_str),
    "blockHostnames": Spec("block_hostnames", p_block_hostnames, e_list),
    "blacklistIPs": Spec("blacklist_ips", p_blacklist_ips, e_list),
    "localIPs": Spec("local_ips", p_local_ips),
    "executionSegment": Spec("execution_segment", p_str),
    "executionSegmentSequence": Spec("execution_segment_sequence", p_str),
    "paused": Spec("paused", p_bool, e_bool),
    "summaryMode": Spec("summary_mode", p_summary_mode),
    "summaryExport": Spec("summary_export", p_str),
    "noSummary": Spec("no_summary", p_bool, e_bool),
    "noThresholds": Spec("no_thresholds", p_bool, e_bool),
    "out": Spec("out", p_out, e_list),
    "address": Spec("address", p_str),
    "quiet": Spec("quiet", p_bool, e_bool),
    "noColor": Spec("no_color", p_bool, e_bool),
}
# k6 options with nothing to do in a local loadpy run, as in a local k6 run (cloud/ext only configure the
# cloud service; loadpy sends no usage report; the sample buffer size is an internal tuning): kept in `raw`.
IGNORED_KEYS = frozenset({"cloud", "ext", "noUsageReport", "metricSamplesBufferSize", "consoleOutput", "linger"})
# k6 options loadpy does not implement: accepted at k6's default (off, 0, empty), refused (104) when set,
# so no option is ever accepted and silently ignored.
UNSUPPORTED_KEYS = frozenset({"consoleOutput", "linger", "collectors"})
_UNSUPPORTED_WHY = {
    # k6's config file may configure outputs here; loadpy reads their settings from the environment only
    "collectors": "loadpy reads the outputs' settings from K6_* environment variables "
    "(K6_INFLUXDB_*, K6_PROMETHEUS_RW_*, K6_STATSD_*, K6_OTEL_*), not from 'collectors': set those instead",
}


def unsupported_problem(key: str, value: object) -> str | None:
    """Why option `key` set to `value` is refused, or None (supported, or left at its default)."""
    if key not in UNSUPPORTED_KEYS or value in (None, False, 0, "", [], {}):
        return None
    return (
        _UNSUPPORTED_WHY.get(key)
        or f"loadpy does not implement the k6 option '{key}': remove it (it would have no effect)"
    )


def env_names(key: str) -> tuple[str, str]:
    """(`LOADPY_X`, `K6_X`) for option key `key` (K6_ names are k6's envconfig names)."""
    suffix = SPECS[key].field.upper()
    return f"LOADPY_{suffix}", f"K6_{suffix}"


def build_options(values: Mapping[str, Any], raw: Mapping[str, Any]) -> Options:
    """An Options from parsed values keyed by camelCase option key (scenarios filled in later)."""
    options = Options(raw=dict(raw))
    for key, value in values.items():
        if key == "scenarios" or key not in SPECS:
            continue
        setattr(options, SPECS[key].field, value)
    return options
