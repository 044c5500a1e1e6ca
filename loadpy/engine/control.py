"""The REST control API (k6 /v1/status, /v1/metrics, /v1/groups) on a plain asyncio server.

GET /v1/status returns k6's JSON:API envelope; PATCH /v1/status changes `vus`, `vus-max`
(first externally-controlled scenario), `paused`, or stops the test (`stopped: true` →
exit 103). GET /v1/metrics[/<name>] gives every metric with samples so far (all series merged,
counter rates over the time since the run started) and GET /v1/groups[/<id>] the group tree,
both in k6's JSON:API shape. Errors use k6's `{"errors":[{"status","title","detail"}]}` shape.
The request handling is a pure function (`handle`) so it is testable without sockets; the HTTP
server is loadpy/engine/api_server.py and the PATCH body decoding loadpy/engine/status_patch.py.
"""

from __future__ import annotations

import asyncio
import logging
from typing import TYPE_CHECKING, Any, cast

from loadpy.clock import now
from loadpy.engine.api_server import ApiStartError, api_error, parse_address, serve
from loadpy.engine.status_patch import InvalidData, parse_status_patch

log = logging.getLogger("loadpy.engine")

if TYPE_CHECKING:
    from loadpy.engine.scheduler import Engine
    from loadpy.metrics.groups import GroupNode
    from loadpy.metrics.metric import Metric

DEFAULT_ADDRESS = "localhost:6565"  # k6's default --address


def status_envelope(engine: Engine) -> dict[str, Any]:
    return {"data": {"type": "status", "id": "default", "attributes": engine.status()}}


# k6's sinks format fewer values than loadpy's `values()`: a gauge only its value, a rate only its rate.
_API_SAMPLE_KEYS = {"gauge": ("value",), "rate": ("rate",)}


def metric_resource(engine: Engine, metric: Metric) -> dict[str, Any]:
    """One metric as k6's API shows it: every series merged, counter rate over the run so far."""
    started = engine.started_at
    elapsed = 0.0 if started is None else now() - started
    values = engine.registry.aggregate(metric).values(elapsed)
    keys = _API_SAMPLE_KEYS.get(metric.type.value)
    sample = {k: go_number(values[k]) for k in (keys or values)}
    return {
        "type": "metrics",
        "id": metric.name,
        "attributes": {"type": metric.type.value, "contains": metric.contains.value, "tainted": None, "sample": sample},
    }


def go_number(value: Any) -> Any:
    """A float as Go's encoding/json writes it: integral values without ".0" (a count of 2 is `2`)."""
    if isinstance(value, float) and value.is_integer() and abs(value) < 1e21:
        return int(value)
    return value


def _group_ref(group: GroupNode) -> dict[str, str]:
    return {"type": "groups", "id": group.id}


def group_resource(group: GroupNode) -> dict[str, Any]:
    """One group as k6's API shows it: its checks (null when none) and links to children and parent."""
    checks = [
        {"id": c.id, "path": c.path, "name": c.name, "passes": c.passes, "fails": c.fails}
        for c in group.checks.values()
    ]
    return {
        "type": "groups",
        "id": group.id,
        "attributes": {"path": group.path, "name": group.name, "checks": checks or None},
        "relationships": {
            "groups": {"data": [_group_ref(g) for g in group.groups.values()]},
            "parent": {"data": None if group.parent is None else _group_ref(group.parent)},
        },
    }


def _read_only(engine: Engine, method: str, path: str) -> tuple[int, dict[str, Any]] | None:
    """/v1/metrics and /v1/groups (GET only); None for any other path."""
    kind, _, ident = path.removeprefix("/v1/").partition("/")
    if kind not in ("metrics", "groups"):
        return None
    if method != "GET":
        return api_error(405, "Method Not Allowed", f"{method} is not supported on {path}")
    registry = engine.registry
    if kind == "metrics":
        observed = [m for m in registry.metrics.values() if registry.has_samples(m)]
        if not ident:
            return 200, {"data": [metric_resource(engine, m) for m in observed]}
        for metric in observed:
            if metric.name == ident:
                return 200, {"data": metric_resource(engine, metric)}
        return api_error(404, "Not Found", "No metric with that ID was found")
    groups = registry.groups.root.walk()
    if not ident:
        return 200, {"data": [group_resource(g) for g in groups]}
    for group in groups:
        if group.id == ident:
            return 200, {"data": group_resource(group)}
    return api_error(404, "Not Found", "No group with that ID was found")


async def handle(engine: Engine, method: str, path: str, body: bytes) -> tuple[int, dict[str, Any]]:
    """One API request → (HTTP status, JSON document)."""
    path = path.split("?", 1)[0].rstrip("/")
    answer = _read_only(engine, method, path)
    if answer is not None:
        return answer
    if path != "/v1/status":
        return api_error(404, "Not Found", f"the path {path or '/'} is not supported by loadpy's API")
    if method == "GET":
        return 200, status_envelope(engine)
    if method != "PATCH":
        return api_error(405, "Method Not Allowed", f"{method} is not supported on /v1/status")
    try:
        patch = parse_status_patch(body)
    except InvalidData as exc:
        return api_error(400, "Invalid data", str(exc))
    if patch.stopped:
        engine.stop_from_api()
        return 200, status_envelope(engine)
    if patch.paused is not None:
        err = await engine.set_paused(patch.paused)
        if err:
            return api_error(500, "Pause error", err)
    if patch.vus is not None or patch.vus_max is not None:
        runner = engine.external_runner()
        if runner is None:
            return api_error(
                500,
                "Execution config error",
                "a externally-controlled executor needs to be configured for live configuration updates",
            )
        err = await runner.update(vus=patch.vus, max_vus=patch.vus_max)
        if err:
            return api_error(400, "Config update error", err)
    return 200, status_envelope(engine)


async def start_control_server(engine: Engine, address: str) -> asyncio.AbstractServer:
    """Listen on `address` (host:port); ApiStartError (exit 106) when it can't."""
    return await serve(lambda method, path, body: handle(engine, method, path, body), address)


async def start_api(engine: Engine, address: str) -> tuple[asyncio.AbstractServer | None, str | None]:
    """The REST API of a run: (server, the host:port it listens on). Like k6, a busy *default* address
    only warns (None, None); any other failure raises ApiStartError (106). `engine` is the Engine or
    anything answering as it does (the coordinator of --workers N)."""
    try:
        server = await start_control_server(engine, address)
    except ApiStartError as exc:
        if address != DEFAULT_ADDRESS:
            raise
        log.warning("Error from API server", extra={"error": str(exc)})
        return None, None
    host, port = cast(asyncio.Server, server).sockets[0].getsockname()[:2]
    return server, f"[{host}]:{port}" if ":" in host else f"{host}:{port}"


__all__ = ["DEFAULT_ADDRESS", "ApiStartError", "handle", "parse_address", "start_control_server"]
