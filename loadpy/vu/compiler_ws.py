"""Compiling the `graphql`, `ws` and `subscription` steps (FlowCompiler delegates here).

Errors name the file, line and key like every other step. Query files (`query: {file: ...}`)
are read once, relative to the scenario file's folder.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from loadpy.config.durations import parse_duration
from loadpy.errors import ConfigError, did_you_mean
from loadpy.metrics.tags import TagSet, tagset
from loadpy.protocols.graphql import PROTOCOLS, TRANSPORT_WS
from loadpy.protocols.graphql.document import operation_info
from loadpy.vu.expressions import Expr, Scope, Value
from loadpy.vu.recording import ExpectedStatuses
from loadpy.vu.steps import Check, RequestSpec, RequestStep, Step
from loadpy.vu.ws_api import define_subscription_metrics, graphql_payload, graphql_site
from loadpy.vu.ws_steps import SUBSCRIPTION_GETTERS, WS_GETTERS, SubscriptionStep, WsStep, expect_checks

if TYPE_CHECKING:
    from loadpy.vu.compiler import FlowCompiler, KeyPath

GRAPHQL_KEYS = (
    "url",
    "query",
    "variables",
    "operationName",
    "headers",
    "tags",
    "name",
    "timeout",
    "expect",
    "expected_statuses",
)
WS_KEYS = ("url", "headers", "subprotocols", "send", "receive", "timeout", "tags")
SUBSCRIPTION_KEYS = ("url", "protocol", "query", "variables", "operationName", "headers", "take", "timeout", "tags")
DEFAULT_WS_TIMEOUT = 60.0  # seconds: a declarative session never waits forever


def _spec(
    c: FlowCompiler, raw: Mapping[str, Any], path: KeyPath, kind: str, keys: tuple[str, ...]
) -> tuple[Mapping[str, Any], KeyPath]:
    c._allowed(raw, path, (kind, "checks", "capture"), f"a {kind} step")
    spec = raw[kind]
    spath: KeyPath = (*path, kind)
    if not isinstance(spec, Mapping):
        raise c.err(spath, f"{kind} must be a mapping with at least url")
    c._allowed(spec, spath, keys, f"a {kind} step")
    if "url" not in spec:
        raise c.err(spath, f"a {kind} step needs a url")
    return spec, spath


def _query(c: FlowCompiler, spec: Mapping[str, Any], spath: KeyPath) -> str:
    raw = spec.get("query")
    if isinstance(raw, Mapping):
        if set(raw) != {"file"} or not isinstance(raw["file"], str):
            raise c.err((*spath, "query"), "query takes a string or {file: path/to/query.graphql}")
        fpath = c.base_dir / c.env_sub(raw["file"], (*spath, "query", "file"))
        try:
            raw = fpath.read_text(encoding="utf-8")
        except OSError as exc:
            raise c.err((*spath, "query", "file"), f"cannot read query file {fpath}: {exc.strerror or exc}") from None
    if not isinstance(raw, str) or not raw.strip():
        raise c.err((*spath, "query"), "a GraphQL step needs a query (a string or {file: ...})")
    return raw


def _operation_name(c: FlowCompiler, spec: Mapping[str, Any], spath: KeyPath) -> str | None:
    name = spec.get("operationName")
    if name is not None and (not isinstance(name, str) or not name):
        raise c.err((*spath, "operationName"), "operationName must be the name of an operation in the query")
    return name


def _duration(c: FlowCompiler, spec: Mapping[str, Any], spath: KeyPath, default: float | None) -> float | None:
    if spec.get("timeout") is None:
        return default
    try:
        return parse_duration(spec["timeout"])
    except ConfigError as exc:
        raise c._relocate((*spath, "timeout"), exc) from None


def _count(c: FlowCompiler, spec: Mapping[str, Any], spath: KeyPath, key: str, default: int) -> int:
    value = spec.get(key, default)
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise c.err((*spath, key), f"{key} must be a non-negative integer, got {value!r}")
    return value


def _tags(c: FlowCompiler, spec: Mapping[str, Any], spath: KeyPath) -> dict[str, str]:
    tags = spec.get("tags") or {}
    if not isinstance(tags, Mapping) or any(isinstance(v, dict | list) for v in tags.values()):
        raise c.err((*spath, "tags"), "tags must map tag names to strings")
    return {str(k): str(v) for k, v in c.env_sub(dict(tags), (*spath, "tags")).items()}


def _mapping_value(c: FlowCompiler, spec: Mapping[str, Any], spath: KeyPath, key: str) -> Value:
    if spec.get(key) is not None and not isinstance(spec[key], Mapping):
        raise c.err((*spath, key), f"{key} must be a mapping")
    return c.value(spec.get(key), (*spath, key))


def checks_and_captures(
    c: FlowCompiler, flow: str, raw: Mapping[str, Any], path: KeyPath, scope: Scope, kind: str
) -> tuple[list[Check], list[tuple[str, Expr]]]:
    """`checks:` and `capture:` written beside the step kind."""
    checks_raw = raw.get("checks") or {}
    if not isinstance(checks_raw, Mapping):
        raise c.err((*path, "checks"), "checks must map a check name to an expression")
    checks = []
    for cname, source in checks_raw.items():
        cname = str(cname)
        if "::" in cname:
            raise c.err((*path, "checks", cname), "group and check names may not contain '::'")
        checks.append(Check(cname, c.expr(source, (*path, "checks", cname), scope), c.where(flow, path, kind)))
    cap_raw = raw.get("capture") or {}
    if not isinstance(cap_raw, Mapping):
        raise c.err((*path, "capture"), "capture must map a name to an expression")
    captures = [(str(k), c.expr(v, (*path, "capture", str(k)), scope)) for k, v in cap_raw.items()]
    return checks, captures


# -- graphql ----------------------------------------------------------------------------
def compile_graphql(c: FlowCompiler, flow: str, raw: Mapping[str, Any], path: KeyPath) -> Step:
    spec, spath = _spec(c, raw, path, "graphql", GRAPHQL_KEYS)
    query = _query(c, spec, spath)
    op_name = _operation_name(c, spec, spath)
    expected: ExpectedStatuses | bool | None = True
    if "expected_statuses" in spec:
        try:
            expected = None if spec["expected_statuses"] is None else ExpectedStatuses.parse(spec["expected_statuses"])
        except ValueError as exc:
            raise c.err((*spath, "expected_statuses"), str(exc)) from None
    site = graphql_site(c.recorder, query, op_name, _tags(c, spec, spath), expected)
    variables = c.value(spec.get("variables"), (*spath, "variables"))
    if variables.constant:
        payload = Value(graphql_payload(query, variables.value, op_name), None)
    else:
        get_vars = variables.get
        payload = Value(None, lambda s, r: graphql_payload(query, get_vars(s, r), op_name))
    user_checks, captures = checks_and_captures(c, flow, raw, path, c.response_scope, "graphql")
    checks: list[Check] = []
    if "expect" in spec:
        paths = spec["expect"] if spec["expect"] is not None else []
        if not isinstance(paths, list) or not all(isinstance(p, str) and p and "::" not in p for p in paths):
            raise c.err((*spath, "expect"), "expect takes a list of data paths like [user.id, user.name]")
        label = operation_info(query, op_name)[0] or "graphql"
        checks = expect_checks(label, paths, c.where(flow, path, "graphql"))
    none = Value(None, None)
    return RequestStep(
        RequestSpec(
            method="POST",
            url=c.value(spec["url"], (*spath, "url")),
            headers=_mapping_value(c, spec, spath, "headers"),
            params=none,
            body=none,
            json=payload,
            name=c.value(spec["name"], (*spath, "name")) if spec.get("name") is not None else None,
            site=site,
            timeout=_duration(c, spec, spath, None),
            redirects=None,
            response_type=None,
            checks=checks + user_checks,
            captures=captures,
        )
    )


# -- ws ---------------------------------------------------------------------------------
def compile_ws(c: FlowCompiler, flow: str, raw: Mapping[str, Any], path: KeyPath) -> Step:
    spec, spath = _spec(c, raw, path, "ws", WS_KEYS)
    subprotocols = spec.get("subprotocols") or []
    if not isinstance(subprotocols, list) or not all(isinstance(p, str) and p for p in subprotocols):
        raise c.err((*spath, "subprotocols"), "subprotocols must be a list of protocol names")
    send = spec.get("send") or []
    if not isinstance(send, list):
        raise c.err((*spath, "send"), "send must be a list of messages (strings; objects are sent as JSON)")
    tags: TagSet = tagset(_tags(c, spec, spath))
    checks, captures = checks_and_captures(c, flow, raw, path, c.scope.extended(WS_GETTERS), "ws")
    return WsStep(
        url=c.value(spec["url"], (*spath, "url")),
        headers=_mapping_value(c, spec, spath, "headers"),
        subprotocols=tuple(subprotocols),
        send=c.value(send, (*spath, "send")),
        receive=_count(c, spec, spath, "receive", 0),
        timeout=_duration(c, spec, spath, DEFAULT_WS_TIMEOUT) or 0.0,
        tags=tags,
        checks=checks,
        captures=captures,
    )


# -- subscription -----------------------------------------------------------------------
def compile_subscription(c: FlowCompiler, flow: str, raw: Mapping[str, Any], path: KeyPath) -> Step:
    spec, spath = _spec(c, raw, path, "subscription", SUBSCRIPTION_KEYS)
    protocol = spec.get("protocol", TRANSPORT_WS)
    if protocol not in PROTOCOLS:
        raise c.err(
            (*spath, "protocol"),
            f"unknown protocol {protocol!r} (one of {', '.join(PROTOCOLS)})",
            did_you_mean(str(protocol), PROTOCOLS),
        )
    if spec.get("variables") is not None and not isinstance(spec["variables"], Mapping):
        raise c.err((*spath, "variables"), "variables must be a mapping")
    define_subscription_metrics(c.registry)
    checks, captures = checks_and_captures(c, flow, raw, path, c.scope.extended(SUBSCRIPTION_GETTERS), "subscription")
    return SubscriptionStep(
        url=c.value(spec["url"], (*spath, "url")),
        protocol=protocol,
        query=_query(c, spec, spath),
        variables=c.value(spec.get("variables"), (*spath, "variables")),
        operation_name=_operation_name(c, spec, spath),
        headers=_mapping_value(c, spec, spath, "headers"),
        take=_count(c, spec, spath, "take", 1),
        timeout=_duration(c, spec, spath, DEFAULT_WS_TIMEOUT) or 0.0,
        tags=tagset(_tags(c, spec, spath)),
        checks=checks,
        captures=captures,
    )
