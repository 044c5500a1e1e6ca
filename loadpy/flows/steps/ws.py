"""The `ws` step: one WebSocket session (send, receive, close), its checks and captures.

Check and capture expressions of a ws step see `messages` (received, in order: str for text,
bytes for binary), `status` (101, or the refused handshake's, 0 without a reply), `error` (""
when `receive` messages came in time), `subprotocol`, `headers`, `close_code`, `duration` (ms)
and `result`. A session that fails (refused, timeout before `receive`) logs a warning once per
VU and step, like k6/ws's "Attempt to establish a WebSocket connection failed"; the iteration
goes on. The session helpers here are shared with the `subscription` step (graphql.py).
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from loadpy.flows.steps.base import Check, Step, run_checks
from loadpy.metrics.tags import TagSet, tagset
from loadpy.vu.expressions import Expr, Value
from loadpy.vu.state import VUState
from loadpy.vu.ws_record import WsRecord

if TYPE_CHECKING:
    from loadpy.flows.compiler import FlowCompiler, KeyPath
    from loadpy.protocols.ws import Message

log = logging.getLogger("loadpy.vu")

WS_KEYS = ("url", "headers", "subprotocols", "send", "receive", "timeout", "tags")
DEFAULT_WS_TIMEOUT = 60.0  # seconds: a declarative session never waits forever

Getter = Callable[[Any, Any], Any]

# Names a check/capture expression can read after a ws or subscription step (value, result).
SESSION_GETTERS: dict[str, Getter] = {
    "status": lambda s, r: r.status,
    "error": lambda s, r: r.error,
    "subprotocol": lambda s, r: r.subprotocol,
    "duration": lambda s, r: r.duration_ms,
    "result": lambda s, r: r,
}
WS_GETTERS: dict[str, Getter] = {
    **SESSION_GETTERS,
    "messages": lambda s, r: r.messages,
    "headers": lambda s, r: r.headers,
    "close_code": lambda s, r: r.close_code,
}


def encode_message(message: Any) -> Message:
    """Strings and bytes go as they are; anything else (objects, lists, numbers) as JSON text."""
    if isinstance(message, str | bytes):
        return message
    return json.dumps(message, separators=(",", ":"))


def session_headers(value: Value, vu: VUState) -> dict[str, str]:
    return {str(k): str(v) for k, v in (value.get(vu, None) or {}).items()}


def warn_session_failure(vu: VUState, step: Step, error: str) -> None:
    if vu.first_time((step, "session")):
        log.warning("%s: %s (further failures of this step by this VU are not logged)", step.where, error)


class WsStep(Step):
    kind = "ws"

    def __init__(
        self,
        url: Value,
        headers: Value,
        subprotocols: tuple[str, ...],
        send: Value,
        receive: int,
        timeout: float,
        tags: TagSet,
        checks: list[Check],
        captures: list[tuple[str, Expr]],
    ) -> None:
        self.url = url
        self.headers = headers
        self.subprotocols = subprotocols
        self.send = send
        self.receive = receive
        self.timeout = timeout
        self.tags = tags
        self.checks = checks
        self.captures = captures

    async def run(self, vu: VUState) -> None:
        # (the WebSocket client loads `websockets`: imported by the runs that open a session only)
        from loadpy.protocols.ws.runner import run_ws_session

        messages = [encode_message(m) for m in (self.send.get(vu, None) or ())]
        result = await run_ws_session(
            str(self.url.get(vu, None)),
            headers=session_headers(self.headers, vu),
            subprotocols=self.subprotocols,
            send=messages,
            receive=self.receive,
            timeout=self.timeout,
            record=WsRecord(vu, self.tags),
            **vu.ws_connection_options(),
        )
        vu.add_ws_bytes(result.bytes_sent, result.bytes_received)
        if result.error:
            warn_session_failure(vu, self, result.error)
        if self.checks or self.captures:
            run_checks(vu, self.checks, self.captures, result)


def ws_url(c: FlowCompiler, spec: Mapping[str, Any], spath: KeyPath) -> Value:
    """A constant url must be ws:// or wss://: an error at load, not a warning per iteration."""
    url = c.value(spec["url"], (*spath, "url"))
    if url.constant and urlsplit(str(url.value)).scheme.lower() not in ("ws", "wss"):
        raise c.err((*spath, "url"), f"the url must start with ws:// or wss://, got {url.value!r}")
    return url


def compile_ws(c: FlowCompiler, flow: str, raw: Mapping[str, Any], path: KeyPath) -> Step:
    spec, spath = c.step_spec(raw, path, "ws", WS_KEYS)
    subprotocols = spec.get("subprotocols") or []
    if not isinstance(subprotocols, list) or not all(isinstance(p, str) and p for p in subprotocols):
        raise c.err((*spath, "subprotocols"), "subprotocols must be a list of protocol names")
    send = spec.get("send") or []
    if not isinstance(send, list):
        raise c.err((*spath, "send"), "send must be a list of messages (strings; objects are sent as JSON)")
    tags: TagSet = tagset(c.tags(spec, spath))
    checks, captures = c.checks_and_captures(flow, raw, path, c.scope.extended(WS_GETTERS), "ws")
    return WsStep(
        url=ws_url(c, spec, spath),
        headers=c.mapping_value(spec, spath, "headers"),
        subprotocols=tuple(subprotocols),
        send=c.value(send, (*spath, "send")),
        receive=c.count(spec, spath, "receive", 0),
        timeout=c.timeout(spec, spath, DEFAULT_WS_TIMEOUT) or 0.0,
        tags=tags,
        checks=checks,
        captures=captures,
    )
