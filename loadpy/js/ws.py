"""The host side of k6/ws and k6/websockets: one JavaScript context's WebSocket sessions and their events.

Both modules run on loadpy's WebSocket client (loadpy/protocols/ws, opened through `vu.ws`, so the
session's k6 metrics, tags, dialing rules and byte counts are the YAML flows' own). What differs is
the JavaScript (prelude.js): k6/ws blocks in `ws.connect` and drives one socket's loop; k6/websockets
connects in the background and delivers events on the VU's event loop. Events reach JavaScript in the
order the wire produced them, per socket, as JSON lists: ["open", {status, headers, subproto}],
["message", text], ["binary", latin-1 text], ["ping"], ["pong"], ["close", code|null, reason, error]:
the error text is "" unless k6 reports the close as an error (an unexpected close code, a connection
that could not be opened).

What k6 records that the client does not: a connection that could not be opened still counts in
ws_sessions and ws_connecting (and, for k6/ws, ws_session_duration); k6/websockets counts pings and
its close frame in ws_msgs_sent; a k6/ws `send` on a closed socket still counts in ws_msgs_sent.
"""

from __future__ import annotations

import asyncio
import json
from collections import deque
from collections.abc import Awaitable, Callable, Mapping
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit, urlunsplit

from loadpy import clock
from loadpy.k6lib.errors import K6Error
from loadpy.protocols.http.cookies import CookieJar

if TYPE_CHECKING:  # the WebSocket client (and `websockets`, ~3 MB) is loaded by the first socket opened
    from loadpy.protocols.ws import WsError, WsSession

Event = list[Any]
CLOSE_SENT = "websocket: close sent"  # gorilla's error for a write after the close frame (what k6 shows)
# gorilla/websocket's CloseError text: "websocket: close <code> (<name>): <reason>"
_CLOSE_NAMES = {
    1000: "normal",
    1001: "going away",
    1002: "protocol error",
    1003: "unsupported data",
    1005: "no status",
    1006: "abnormal closure",
    1007: "invalid payload data",
    1008: "policy violation",
    1009: "message too big",
    1010: "mandatory extension missing",
    1011: "internal server error",
    1015: "TLS handshake error",
}


def close_error(code: int, reason: str) -> str:
    """The text k6 gives a close frame it did not expect (any code but 1000 and 1001)."""
    name = _CLOSE_NAMES.get(code)
    return f"websocket: close {code}" + (f" ({name})" if name else "") + (f": {reason}" if reason else "")


class _Socket:
    """One session as JavaScript knows it: its events not yet delivered, and how it was opened."""

    __slots__ = ("closed", "events", "legacy", "opening", "session", "started", "url", "user_tags")

    def __init__(self, url: str, legacy: bool, user_tags: Mapping[str, str]) -> None:
        self.url = url
        self.legacy = legacy  # k6/ws (blocking); else k6/websockets
        self.user_tags = dict(user_tags)
        self.session: WsSession | None = None
        self.opening: asyncio.Task[None] | None = None
        self.events: deque[Event] = deque()
        self.started = clock.now()
        self.closed = False  # the script ended it (k6/ws close, a dropped k6/websockets one): no more events


class WsHost:
    """The `__lp_host_ws_*` functions of one context (loadpy/js/host.py installs them).

    `wait(awaitable)` runs an awaitable on the VU's task and returns its value (raising its error);
    `vu()` is the VU API of the current phase; `jar(jar_id)` the cookie jar of a handshake (0: the VU's);
    `interrupted()` says the iteration was hard-stopped (its sessions record no ws_session_duration)."""

    def __init__(
        self,
        wait: Callable[[Awaitable[Any]], Any],
        vu: Callable[[], Any],
        jar: Callable[[int], CookieJar],
        interrupted: Callable[[], bool],
    ) -> None:
        self._wait = wait
        self._interrupted = interrupted
        self._vu = vu
        self._jar = jar
        self._sockets: dict[int, _Socket] = {}
        self._last_id = 0
        self._wake: asyncio.Future[None] | None = None

    def functions(self) -> dict[str, Callable[..., Any]]:
        return {
            "__lp_host_ws_open": self.open,
            "__lp_host_ws_send": self.send,
            "__lp_host_ws_ping": self.ping,
            "__lp_host_ws_close": self.close,
            "__lp_host_ws_events": self.events,
            "__lp_host_ws_wait": self.wait_socket,
        }

    @property
    def live(self) -> bool:
        """Some session is open or opening: the event loop waits for its events, not only timers."""
        return any(not socket.closed for socket in self._sockets.values())

    def reset(self) -> None:
        """A new iteration: whatever an earlier (failed, interrupted) one left is dropped. Sessions
        themselves are closed by the VU at the end of the iteration that opened them (`vu.ws`)."""
        if not self._sockets:
            return
        for socket in self._sockets.values():
            if socket.opening is not None:
                socket.opening.cancel()
        self._sockets.clear()

    # -- opening -----------------------------------------------------------------------------------
    def open(self, url: str, options_json: str, legacy: bool) -> str:
        """k6/ws (`legacy`): connect now and answer the handshake as JSON {id, status, headers, url,
        error}; k6/websockets: answer the id at once, the outcome comes as an event."""
        if self._vu() is None:  # (k6/ws refuses it too, once it waits for the connection)
            raise K6Error("using websockets in the init context is not supported")
        from loadpy.protocols.ws import WsError

        options = json.loads(options_json) if options_json else {}
        socket = _Socket(url, bool(legacy), options.get("tags") or {})
        self._last_id += 1
        socket_id = self._last_id
        self._sockets[socket_id] = socket
        if not legacy:
            socket.opening = asyncio.get_running_loop().create_task(self._open_in_background(socket_id, options))
            return json.dumps({"id": socket_id})
        try:
            session = self._wait(self._connect(socket, options))
        except WsError as exc:
            del self._sockets[socket_id]
            self._record_failed(socket, exc)
            status = exc.status  # an HTTP reply refused the upgrade: k6 returns it (and no error)
            return json.dumps(
                {
                    "id": 0,
                    "status": status,
                    "headers": _refusal_headers(exc.headers),
                    "body": exc.body.decode("utf-8", "replace"),
                    "url": "",
                    "error": "" if status else str(exc),
                }
            )
        socket.session = session
        self._listen(socket, session)
        return json.dumps({"id": socket_id, **_handshake(session), "body": "", "url": url, "error": ""})

    async def _open_in_background(self, socket_id: int, options: Mapping[str, Any]) -> None:
        from loadpy.protocols.ws import WsError

        socket = self._sockets[socket_id]
        try:
            session = await self._connect(socket, options)
        except WsError as exc:
            self._record_failed(socket, exc)
            self._post(socket, ["close", None, "", str(exc)])
            return
        socket.session = session
        self._post(socket, ["open", _handshake(session)])
        self._listen(socket, session)  # (after the open event: what the peer said first comes next)

    async def _connect(self, socket: _Socket, options: Mapping[str, Any]) -> WsSession:
        # as gorilla's dialer with k6's jar: the jar's cookies go with the handshake, its Set-Cookie come back
        headers = dict(options.get("headers") or {})
        jar = self._jar(int(options.get("jar", 0)))
        site = http_url(socket.url)
        target = urlsplit(site)
        cookie = jar.header_for(target.scheme, target.hostname or "", target.path or "/")
        if cookie and not any(k.lower() == "cookie" for k in headers):
            headers["Cookie"] = cookie
        socket.started = clock.now()
        session: WsSession = await self._vu().ws(
            socket.url,
            headers=headers,
            subprotocols=options.get("protocols") or (),
            tags=socket.user_tags or None,
        )
        if session.set_cookies:
            jar.set_from_response(site, session.set_cookies)
        return session

    def _listen(self, socket: _Socket, session: WsSession) -> None:
        session.listen(lambda kind, payload: self._on_session(socket, kind, payload))

    def _record_failed(self, socket: _Socket, exc: WsError) -> None:
        """k6 counts a session that never opened: ws_sessions and ws_connecting (k6/ws also its
        ws_session_duration), tagged with the URL, the handshake status when there was one, and the
        user's tags."""
        metrics = self._vu().metrics
        answered = {"status": str(exc.status), "subproto": ""} if exc.status else {}  # an HTTP reply came
        tags = {"url": socket.url, **answered, **socket.user_tags}
        elapsed_ms = (clock.now() - socket.started) * 1000.0
        metrics["ws_sessions"].add(1, tags)
        metrics["ws_connecting"].add(elapsed_ms, tags)
        if socket.legacy:
            metrics["ws_session_duration"].add(elapsed_ms, tags)

    # -- the session's events ----------------------------------------------------------------------
    def _on_session(self, socket: _Socket, kind: str, payload: Any) -> None:
        if kind == "message":
            if isinstance(payload, bytes):
                self._post(socket, ["binary", payload.decode("latin-1")])
            else:
                self._post(socket, ["message", payload])
        elif kind == "close":
            session = socket.session
            if session is not None and not self._interrupted():
                session.finish()
            received = session.ws.close_rcvd if session is not None else None
            if received is None:  # the connection ended without a close frame
                self._post(socket, ["close", None, "", ""])
                return
            code, reason = int(received.code), received.reason
            unexpected = code not in (1000, 1001)  # gorilla's IsUnexpectedCloseError: an error event first
            self._post(socket, ["close", code, reason, close_error(code, reason) if unexpected else ""])
        else:
            self._post(socket, [kind])

    def _post(self, socket: _Socket, event: Event) -> None:
        if socket.closed:
            return
        socket.events.append(event)
        wake = self._wake
        if wake is not None and not wake.done():
            wake.set_result(None)

    async def until_event(self, seconds: float | None, socket_id: int = 0) -> None:
        """Wait until a socket (`socket_id`, or any) has an event to deliver, or `seconds` passed."""
        deadline = None if seconds is None else clock.now() + seconds
        while not self._pending(socket_id):
            remaining = None if deadline is None else deadline - clock.now()
            if remaining is not None and remaining <= 0:
                return
            self._wake = asyncio.get_running_loop().create_future()
            try:
                await asyncio.wait_for(self._wake, remaining)
            except TimeoutError:
                return
            finally:
                self._wake = None

    def _pending(self, socket_id: int) -> bool:
        if socket_id:
            socket = self._sockets.get(socket_id)
            return socket is None or bool(socket.events)
        return any(socket.events for socket in self._sockets.values())

    def events(self) -> str:
        """Every socket's undelivered events, as [[id, event], ...] in arrival order per socket; a
        socket whose close event is among them is forgotten."""
        out = []
        for socket_id, socket in list(self._sockets.items()):
            while socket.events:
                event = socket.events.popleft()
                out.append([socket_id, event])
                if event[0] == "close":
                    del self._sockets[socket_id]
                    break
        return json.dumps(out)

    def wait_socket(self, socket_id: int, ms: float) -> str:
        """k6/ws's loop: wait up to `ms` (< 0: no limit) for the socket's next events; [] when none came."""
        self._wait(self.until_event(None if ms < 0 else ms / 1000.0, int(socket_id)))
        socket = self._sockets.get(int(socket_id))
        if socket is None:
            return "[]"
        out = list(socket.events)
        socket.events.clear()  # (the socket stays known: a send after its close still counts)
        return json.dumps(out)

    # -- what the script does with a socket --------------------------------------------------------
    def _session(self, socket_id: int) -> tuple[_Socket | None, WsSession | None]:
        socket = self._sockets.get(int(socket_id))
        return socket, (socket.session if socket is not None else None)

    def send(self, socket_id: int, data_json: str, binary: bool) -> str:
        """Send a message; "" when sent, else the error k6 reports (k6/ws: an error event, the message
        still counted in ws_msgs_sent as k6 counts it; k6/websockets counts only what it wrote)."""
        socket, session = self._session(socket_id)
        data = json.loads(data_json)
        if session is None or not session.is_open:
            if socket is not None and socket.legacy and session is not None:
                session.record("ws_msgs_sent", 1.0, session.tags)
            return CLOSE_SENT
        session.send(data.encode("latin-1") if binary else data)
        return ""

    def ping(self, socket_id: int) -> str:
        socket, session = self._session(socket_id)
        if session is None or not session.is_open:
            return CLOSE_SENT
        session.ping()
        if socket is not None and not socket.legacy:  # k6/websockets counts every frame it writes
            session.record("ws_msgs_sent", 1.0, session.tags)
        return ""

    def close(self, socket_id: int, code: int, reason: str) -> str:
        """Send the close frame. k6/ws then drops the connection at once (no close event follows:
        the JavaScript runs the handlers itself); k6/websockets waits for the peer's close frame
        (a negative code: drop the connection, no close frame)."""
        socket, session = self._session(socket_id)
        if socket is None or session is None or self._interrupted():  # (the VU drops what is left)
            return ""
        if code < 0:  # a k6/websockets handler threw: k6 drops the connection
            socket.closed = True
            session.drop()
            return ""
        if socket.legacy:
            socket.closed = True
            socket.events.clear()
            return "" if session.close_now(int(code), reason) else CLOSE_SENT
        if session.send_close(int(code), reason):
            session.record("ws_msgs_sent", 1.0, session.tags)
        return ""


def _handshake(session: WsSession) -> dict[str, Any]:
    return {"status": session.status, "headers": _canonical(session.response_headers), "subproto": session.subprotocol}


def _canonical(headers: Mapping[str, str]) -> dict[str, str]:
    """Header names as Go's http package writes them (Sec-Websocket-Accept), as k6's Response shows them."""
    return {"-".join(part.capitalize() for part in name.split("-")): value for name, value in headers.items()}


def _refusal_headers(headers: Mapping[str, str]) -> dict[str, str]:
    """A refusing reply's headers as k6 shows them: Go's HTTP reader drops the "Connection: close" it honours."""
    return {k: v for k, v in _canonical(headers).items() if (k, v.lower()) != ("Connection", "close")}


def http_url(url: str) -> str:
    """The http(s) URL whose cookies a ws(s) handshake carries."""
    parts = urlsplit(url)
    scheme = {"ws": "http", "wss": "https"}.get(parts.scheme, parts.scheme)
    return urlunsplit((scheme, parts.netloc, parts.path or "/", parts.query, ""))
