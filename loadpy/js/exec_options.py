"""`exec.test.options` as k6 v1.1 gives it: every k6 option (null when unset), the execution shortcuts
(vus, duration, iterations, stages) turned into the `default` scenario, each scenario with its
executor's fields (null when unset), and none of loadpy's own or k6's command-line-only keys."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

# k6's lib.Options JSON, in its order (the execution shortcuts are folded into `scenarios`)
_OPTION_KEYS = (
    "paused",
    "scenarios",
    "executionSegment",
    "executionSegmentSequence",
    "noSetup",
    "setupTimeout",
    "noTeardown",
    "teardownTimeout",
    "rps",
    "dns",
    "maxRedirects",
    "userAgent",
    "batch",
    "batchPerHost",
    "httpDebug",
    "insecureSkipTLSVerify",
    "tlsCipherSuites",
    "tlsVersion",
    "tlsAuth",
    "throw",
    "thresholds",
    "blacklistIPs",
    "blockHostnames",
    "hosts",
    "noConnectionReuse",
    "noVUConnectionReuse",
    "minIterationDuration",
    "ext",
    "summaryTrendStats",
    "summaryTimeUnit",
    "systemTags",
    "tags",
    "metricSamplesBufferSize",
    "noCookiesReset",
    "discardResponseBodies",
    "consoleOutput",
    "localIPs",
)
_DEFAULTS: dict[str, Any] = {
    "dns": {"ttl": None, "select": None, "policy": None},
    "summaryTrendStats": ["avg", "min", "med", "max", "p(90)", "p(95)"],
    "systemTags": [
        *("check", "error", "error_code", "expected_response", "group", "method", "name", "proto"),
        *("scenario", "service", "status", "subproto", "tls_version", "url"),
    ],
}
_COMMON = ("executor", "startTime", "gracefulStop", "env", "exec", "tags")
# each executor's own fields, in k6's order
_EXECUTOR_FIELDS = {
    "shared-iterations": ("vus", "iterations", "maxDuration"),
    "per-vu-iterations": ("vus", "iterations", "maxDuration"),
    "constant-vus": ("vus", "duration"),
    "ramping-vus": ("startVUs", "stages", "gracefulRampDown"),
    "constant-arrival-rate": ("rate", "timeUnit", "duration", "preAllocatedVUs", "maxVUs"),
    "ramping-arrival-rate": ("startRate", "timeUnit", "preAllocatedVUs", "maxVUs", "stages"),
    "externally-controlled": ("vus", "duration", "maxVUs"),
}


def k6_test_options(raw: Mapping[str, Any]) -> dict[str, Any]:
    """The consolidated options (camelCase keys, as written) in the shape k6's exec.test.options has."""
    out: dict[str, Any] = {}
    for key in _OPTION_KEYS:
        value = raw.get(key)
        if key == "scenarios":
            value = _scenarios(raw)
        elif key == "dns" and isinstance(value, Mapping):
            value = {**_DEFAULTS["dns"], **value}
        out[key] = _DEFAULTS.get(key) if value is None else value
    return out


def _scenarios(raw: Mapping[str, Any]) -> dict[str, Any]:
    given = raw.get("scenarios")
    if isinstance(given, Mapping) and given:
        return {name: _scenario(dict(config)) for name, config in given.items() if isinstance(config, Mapping)}
    vus, duration, iterations, stages = (raw.get(k) for k in ("vus", "duration", "iterations", "stages"))
    if iterations is not None:
        default = {"executor": "shared-iterations", "vus": vus, "iterations": iterations, "maxDuration": duration}
    elif stages:
        default = {"executor": "ramping-vus", "startVUs": vus, "stages": stages}
    elif duration is not None:
        default = {"executor": "constant-vus", "vus": vus, "duration": duration}
    else:
        default = {"executor": "per-vu-iterations"}
    return {"default": _scenario(default)}


def _scenario(config: dict[str, Any]) -> dict[str, Any]:
    fields = (*_COMMON, *_EXECUTOR_FIELDS.get(str(config.get("executor")), ()))
    extra = {k: v for k, v in config.items() if k not in fields}
    return {**{k: config.get(k) for k in fields}, **extra}
