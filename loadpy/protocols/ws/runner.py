"""The declarative `ws` step: open, send, wait for N messages, close — one call, one result."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from loadpy import USER_AGENT, clock
from loadpy.protocols.http.dialing import Dialing
from loadpy.protocols.ws.session import Message, Record, WsError, WsSession, no_record


@dataclass(slots=True)
class WsResult:
    """What a `ws` step saw; `error` is "" when `receive` messages arrived in time."""

    url: str
    messages: list[Message] = field(default_factory=list)
    status: int = 0  # 101 once the handshake succeeded
    error: str = ""
    subprotocol: str = ""
    headers: dict[str, str] = field(default_factory=dict)  # handshake response headers
    close_code: int | None = None
    bytes_sent: int = 0
    bytes_received: int = 0
    duration_ms: float = 0.0


async def run_ws_session(
    url: str,
    *,
    headers: Mapping[str, str] | None = None,
    subprotocols: Sequence[str] = (),
    send: Sequence[Message] = (),
    receive: int = 0,
    timeout: float = 60.0,
    record: Record = no_record,
    user_agent: str = USER_AGENT,
    dialing: Dialing | None = None,
    local_ip: str | None = None,
) -> WsResult:
    """Connect, send `send` in order, wait for `receive` messages, close. Never raises WsError.

    `timeout` bounds the whole session (connect included): when it passes before `receive`
    messages arrived the session is closed and `error` says how many came.
    """
    start = clock.now()
    deadline = start + timeout
    result = WsResult(url)
    try:
        session = await WsSession.open(
            url,
            headers=headers,
            subprotocols=subprotocols,
            timeout=timeout,
            record=record,
            user_agent=user_agent,
            dialing=dialing,
            local_ip=local_ip,
        )
    except WsError as exc:
        result.status, result.error = exc.status, str(exc)
        result.duration_ms = (clock.now() - start) * 1000.0
        return result
    try:
        for outgoing in send:
            session.send(outgoing)
        while len(result.messages) < receive:
            message = await session.receive(max(0.0, deadline - clock.now()))
            if message is None:
                why = "the server closed the connection" if session.closed else "timeout"
                result.error = session.error or f"{why} after {len(result.messages)} of {receive} messages"
                break
            result.messages.append(message)
    finally:
        await session.close()
    result.status = session.status
    result.subprotocol = session.subprotocol
    result.headers = session.response_headers
    result.close_code = session.close_code
    result.bytes_sent, result.bytes_received = session.bytes_sent, session.bytes_received
    result.duration_ms = (clock.now() - start) * 1000.0
    return result
