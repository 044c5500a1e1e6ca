"""The `request` step: one HTTP request, its checks and captures.

`RequestSpec` (a request prepared once when constant) is shared with the `batch` and `graphql`
steps; `request_spec` compiles one from a mapping.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from typing import TYPE_CHECKING, Any

from loadpy.errors import did_you_mean
from loadpy.flows.steps.base import Check, Step, run_checks
from loadpy.metrics.tags import tagset
from loadpy.protocols.http.model import Response
from loadpy.vu.bodies import encode_body, with_query
from loadpy.vu.expressions import Expr, Value
from loadpy.vu.recording import HttpRecord, RequestSite
from loadpy.vu.state import VUState

if TYPE_CHECKING:
    from loadpy.flows.compiler import FlowCompiler, KeyPath

# Names a check or capture expression of a request (or graphql) step can read.
RESPONSE_GETTERS: dict[str, Callable[[Any, Any], Any]] = {
    "status": lambda s, r: r.status,
    "body": lambda s, r: r.text,
    "json": lambda s, r: r.json(),
    "headers": lambda s, r: r.headers,
    "duration": lambda s, r: r.timings.sending + r.timings.waiting + r.timings.receiving,
    "error": lambda s, r: r.error,
    "error_code": lambda s, r: r.error_code,
    "response": lambda s, r: r,
}
REQUEST_KEYS = (
    "method",
    "url",
    "headers",
    "params",
    "body",
    "json",
    "name",
    "tags",
    "timeout",
    "capture",
    "checks",
    "expected_statuses",
    "redirects",
    "response_type",
)
RESPONSE_TYPES = ("text", "binary", "none")


class RequestSpec:
    """One request (a `request` step or a `batch` item), prepared once when fully constant."""

    def __init__(
        self,
        method: str,
        url: Value,
        headers: Value,
        params: Value,
        body: Value,
        json: Value,
        name: Value | None,
        site: RequestSite,
        timeout: float | None,
        redirects: int | None,
        response_type: str | None,
        checks: list[Check],
        captures: list[tuple[str, Expr]],
    ) -> None:
        self.method = method
        self.url = url
        self.headers = headers
        self.params = params
        self.body = body
        self.json = json
        self.name = name
        self.site = site
        self.timeout = timeout
        self.redirects = redirects
        self.response_type = response_type
        self.checks = checks
        self.captures = captures
        self.constant = all(v.constant for v in (url, headers, params, body, json))
        self.prepared: Any = None  # when constant: built once, shared by all VUs

    def build(self, vu: VUState) -> Any:
        """The prepared request for this iteration (the shared one when constant)."""
        if self.prepared is not None:
            return self.prepared
        headers = {str(k): str(v) for k, v in (self.headers.get(vu, None) or {}).items()}
        data = encode_body(self.body.get(vu, None), self.json.get(vu, None), headers)
        url = with_query(str(self.url.get(vu, None)), self.params.get(vu, None))
        prepared = vu.http_client().prepare(self.method, url, headers, data)
        # per-request settings travel with the request (HttpClient.batch reads them)
        prepared.timeout, prepared.redirects, prepared.response_type = self.timeout, self.redirects, self.response_type
        if self.constant:
            self.prepared = prepared
        return prepared

    def tag_name(self, vu: VUState) -> str | None:
        return None if self.name is None else str(self.name.get(vu, None))

    def record(self, vu: VUState) -> HttpRecord:
        """What this request's responses are recorded under (its site, name and the VU's context)."""
        return vu.http_record(self.site, self.tag_name(vu))

    def after(self, vu: VUState, resp: Response) -> None:
        run_checks(vu, self.checks, self.captures, resp)


class RequestStep(Step):
    kind = "request"

    def __init__(self, spec: RequestSpec) -> None:
        self.spec = spec

    def run(self, vu: VUState) -> Awaitable[Any]:
        # Not a coroutine: without checks or captures it hands back the client's own `send`
        # coroutine, so the flow awaits the client directly (one coroutine level less per request).
        spec = self.spec
        if spec.checks or spec.captures:
            return self._run_checked(vu)
        # (`_send` and `VUState.send` inlined, the record as `VUState.http_record` makes it: one call
        # less for every request)
        name = None if spec.name is None else str(spec.name.get(vu, None))
        return (vu._client or vu.http_client()).send(
            spec.prepared or spec.build(vu), None, None, None, (spec.site, name, vu._ctx)
        )

    def _send(self, vu: VUState) -> Awaitable[Response]:
        spec = self.spec
        # (the timeout, redirects and response type travel with the prepared request: `build`)
        return vu.send(
            spec.prepared or spec.build(vu), spec.site, None if spec.name is None else str(spec.name.get(vu, None))
        )

    async def _run_checked(self, vu: VUState) -> None:
        resp = await self._send(vu)
        self.spec.after(vu, resp)


def compile_request(c: FlowCompiler, flow: str, raw: Mapping[str, Any], path: KeyPath) -> Step:
    c.allowed(raw, path, ("request", "checks", "capture"), "a request step")
    req = raw["request"]
    if isinstance(req, str):
        req = {"url": req}
    if not isinstance(req, Mapping):
        raise c.err((*path, "request"), "request must be a mapping with at least url")
    extra = {k: raw[k] for k in ("checks", "capture") if k in raw}
    return RequestStep(request_spec(c, flow, {**req, **extra}, (*path, "request"), path, tuple(extra)))


def request_spec(
    c: FlowCompiler,
    flow: str,
    req: Mapping[str, Any],
    path: KeyPath,
    outer: KeyPath | None = None,
    outer_keys: tuple[str, ...] = (),
) -> RequestSpec:
    """`outer_keys` (checks/capture) were written beside `request:`, at `outer`."""
    outer = outer or path
    c.allowed(req, path, REQUEST_KEYS, "a request")
    if "url" not in req:
        raise c.err(path, "a request needs a url")
    method = c.env_sub(req.get("method", "GET"), (*path, "method"))
    if not isinstance(method, str) or not method.isalpha():
        raise c.err((*path, "method"), f"invalid HTTP method {method!r}")
    if "body" in req and "json" in req:
        raise c.err((*path, "json"), "a request takes body or json, not both")
    tags = req.get("tags") or {}
    if not isinstance(tags, Mapping) or any(isinstance(v, dict | list) for v in tags.values()):
        raise c.err((*path, "tags"), "tags must map tag names to strings")
    tags = c.env_sub(dict(tags), (*path, "tags"))
    site: RequestSite = c.recorder.site(tagset(tags), c.expected_statuses(req, path))
    timeout = c.timeout(req, path, None)
    redirects = req.get("redirects")
    if redirects is not None and (not isinstance(redirects, int) or isinstance(redirects, bool) or redirects < 0):
        raise c.err((*path, "redirects"), "redirects must be a non-negative integer")
    response_type = req.get("response_type")
    if response_type is not None and response_type not in RESPONSE_TYPES:
        raise c.err(
            (*path, "response_type"),
            f"response_type must be one of {', '.join(RESPONSE_TYPES)}",
            did_you_mean(str(response_type), RESPONSE_TYPES),
        )
    for key in ("headers", "params"):
        if req.get(key) is not None and not isinstance(req[key], Mapping):
            raise c.err((*path, key), f"{key} must be a mapping")
    name = c.value(req["name"], (*path, "name")) if req.get("name") is not None else None
    checks_path = (*outer, "checks") if "checks" in outer_keys else (*path, "checks")
    checks = c.checks(req.get("checks"), checks_path, c.response_scope, c.where(flow, outer, "request"))
    cap_path = (*outer, "capture") if "capture" in outer_keys else (*path, "capture")
    captures = c.captures(req.get("capture"), cap_path, c.response_scope)
    return RequestSpec(
        method=method.upper(),
        url=c.value(req["url"], (*path, "url")),
        headers=c.value(req.get("headers"), (*path, "headers")),
        params=c.value(req.get("params"), (*path, "params")),
        body=c.value(req.get("body"), (*path, "body")),
        json=c.value(req.get("json"), (*path, "json")),
        name=name,
        site=site,
        timeout=timeout,
        redirects=redirects,
        response_type=response_type,
        checks=checks,
        captures=captures,
    )
