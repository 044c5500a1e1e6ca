"""The `graphql` step (a query or mutation over HTTP POST, with `expect` standard checks) and the
`subscription` step (a GraphQL subscription over a WebSocket).

A `graphql` step is an ordinary RequestStep (request.py) whose spec is built here. Query files
(`query: {file: ...}`) are read once, relative to the scenario file's folder. Check and capture
expressions of a subscription step see `events` (payloads, in order), `errors` (GraphQL errors),
`status`, `error`, `completed`, `subprotocol`, `first_event` (ms or None), `duration`, `result`.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any

from loadpy.errors import did_you_mean
from loadpy.flows.steps.base import Check, Step, run_checks
from loadpy.flows.steps.request import RequestSpec, RequestStep
from loadpy.flows.steps.ws import (
    DEFAULT_WS_TIMEOUT,
    SESSION_GETTERS,
    Getter,
    session_headers,
    warn_session_failure,
    ws_url,
)
from loadpy.metrics.tags import TagSet, tagset
from loadpy.protocols.graphql import PROTOCOLS, TRANSPORT_WS
from loadpy.vu.expressions import Expr, Value
from loadpy.vu.state import VUState
from loadpy.vu.ws_record import WsRecord

if TYPE_CHECKING:
    from loadpy.flows.compiler import FlowCompiler, KeyPath

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
SUBSCRIPTION_KEYS = ("url", "protocol", "query", "variables", "operationName", "headers", "take", "timeout", "tags")

SUBSCRIPTION_GETTERS: dict[str, Getter] = {
    **SESSION_GETTERS,
    "events": lambda s, r: r.events,
    "errors": lambda s, r: r.errors,
    "completed": lambda s, r: r.completed,
    "first_event": lambda s, r: r.first_event_ms,
}


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


# -- the standard checks of a graphql step with `expect` ------------------------------------
class Probe:
    """A check condition written in Python (quacks like a compiled Expr)."""

    __slots__ = ("fn",)

    def __init__(self, fn: Callable[[Any], bool]) -> None:
        self.fn = fn

    def evaluate(self, state: Any, response: Any = None) -> bool:
        return self.fn(response)


def _document(resp: Any) -> dict[str, Any] | None:
    try:
        doc = resp.json()
    except Exception:  # not JSON (or no body): the "valid JSON" check fails, the others too
        return None
    return doc if isinstance(doc, dict) else None


def _lookup(data: Any, parts: tuple[str, ...]) -> Any:
    for part in parts:
        if isinstance(data, dict):
            data = data.get(part)
        elif isinstance(data, list) and part.lstrip("-").isdigit() and -len(data) <= int(part) < len(data):
            data = data[int(part)]
        else:
            return None
    return data


def _no_errors(resp: Any) -> bool:
    doc = _document(resp)
    return doc is not None and not doc.get("errors")


def _has_data(resp: Any) -> bool:
    doc = _document(resp)
    return doc is not None and doc.get("data") is not None


def _has_path(parts: tuple[str, ...]) -> Callable[[Any], bool]:
    def probe(resp: Any) -> bool:
        doc = _document(resp)
        return doc is not None and _lookup(doc.get("data"), parts) is not None

    return probe


def expect_checks(label: str, paths: list[str], where: str) -> list[Check]:
    """The checks `expect: [paths]` adds, named `<label>: ...` (label: the operation name, or
    "graphql" for an anonymous operation):

    * `<label>: status is 200`
    * `<label>: valid JSON` (the body is a JSON object)
    * `<label>: no GraphQL errors` (no or an empty `errors` list)
    * `<label>: has data` (`data` is not null)
    * `<label>: has data.<path>` for each path (dot-separated; list indexes are numbers), not null
    """
    checks = [
        Check(f"{label}: status is 200", Probe(lambda r: r.status == 200), where),
        Check(f"{label}: valid JSON", Probe(lambda r: _document(r) is not None), where),
        Check(f"{label}: no GraphQL errors", Probe(_no_errors), where),
        Check(f"{label}: has data", Probe(_has_data), where),
    ]
    checks.extend(Check(f"{label}: has data.{p}", Probe(_has_path(tuple(p.split(".")))), where) for p in paths)
    return checks


def compile_graphql(c: FlowCompiler, flow: str, raw: Mapping[str, Any], path: KeyPath) -> Step:
    # (the document parser: imported by the flows that hold a graphql step only)
    from loadpy.protocols.graphql.document import operation_info
    from loadpy.vu.graphql import graphql_payload, graphql_tags

    spec, spath = c.step_spec(raw, path, "graphql", GRAPHQL_KEYS)
    query = _query(c, spec, spath)
    op_name = _operation_name(c, spec, spath)
    site = c.recorder.site(graphql_tags(query, op_name, c.tags(spec, spath)), c.expected_statuses(spec, spath))
    variables = c.value(spec.get("variables"), (*spath, "variables"))
    if variables.constant:
        payload = Value(graphql_payload(query, variables.value, op_name), None)
    else:
        get_vars = variables.get
        payload = Value(None, lambda s, r: graphql_payload(query, get_vars(s, r), op_name))
    user_checks, captures = c.checks_and_captures(flow, raw, path, c.response_scope, "graphql")
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
            headers=c.mapping_value(spec, spath, "headers"),
            params=none,
            body=none,
            json=payload,
            name=c.value(spec["name"], (*spath, "name")) if spec.get("name") is not None else None,
            site=site,
            timeout=c.timeout(spec, spath, None),
            redirects=None,
            response_type=None,
            checks=checks + user_checks,
            captures=captures,
        )
    )


# -- subscription --------------------------------------------------------------------------------
class SubscriptionStep(Step):
    kind = "subscription"

    def __init__(
        self,
        url: Value,
        protocol: str,
        query: str,
        variables: Value,
        operation_name: str | None,
        headers: Value,
        take: int,
        timeout: float,
        tags: TagSet,
        checks: list[Check],
        captures: list[tuple[str, Expr]],
    ) -> None:
        self.url = url
        self.protocol = protocol
        self.query = query
        self.variables = variables
        self.operation_name = operation_name
        self.headers = headers
        self.take = take
        self.timeout = timeout
        self.tags = tags
        self.checks = checks
        self.captures = captures

    async def run(self, vu: VUState) -> None:
        # (the subscription client loads `websockets`: imported by the runs that subscribe only)
        from loadpy.protocols.graphql.client import run_subscription

        result = await run_subscription(
            str(self.url.get(vu, None)),
            protocol=self.protocol,
            query=self.query,
            variables=self.variables.get(vu, None),
            take=self.take,
            timeout=self.timeout,
            record=WsRecord(vu, self.tags),
            headers=session_headers(self.headers, vu),
            operation_name=self.operation_name,
        )
        vu.add_ws_bytes(result.bytes_sent, result.bytes_received)
        if result.error:
            warn_session_failure(vu, self, result.error)
        if self.checks or self.captures:
            run_checks(vu, self.checks, self.captures, result)


def compile_subscription(c: FlowCompiler, flow: str, raw: Mapping[str, Any], path: KeyPath) -> Step:
    from loadpy.vu.graphql import define_subscription_metrics

    spec, spath = c.step_spec(raw, path, "subscription", SUBSCRIPTION_KEYS)
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
    checks, captures = c.checks_and_captures(flow, raw, path, c.scope.extended(SUBSCRIPTION_GETTERS), "subscription")
    return SubscriptionStep(
        url=ws_url(c, spec, spath),
        protocol=protocol,
        query=_query(c, spec, spath),
        variables=c.value(spec.get("variables"), (*spath, "variables")),
        operation_name=_operation_name(c, spec, spath),
        headers=c.mapping_value(spec, spath, "headers"),
        take=c.count(spec, spath, "take", 1),
        timeout=c.timeout(spec, spath, DEFAULT_WS_TIMEOUT) or 0.0,
        tags=tagset(c.tags(spec, spath)),
        checks=checks,
        captures=captures,
    )
