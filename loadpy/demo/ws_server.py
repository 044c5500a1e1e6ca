"""Server side of the demo's WebSocket endpoints, on websockets' sans-I/O ServerProtocol.

The HTTP connection hands over after the Upgrade request; from then on this session owns
the transport. Without a sub-protocol the socket echoes; with `graphql-transport-ws` or the
legacy `graphql-ws` it speaks that GraphQL protocol against the demo schema.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Sequence
from typing import Any

from websockets.frames import Frame, Opcode
from websockets.http11 import Request
from websockets.protocol import State
from websockets.server import ServerProtocol
from websockets.typing import Subprotocol

from loadpy.demo.graphql_schema import GraphQLRequestError, MessageStore, Prepared, execute, prepare, subscribe

TRANSPORT_WS = "graphql-transport-ws"
LEGACY_WS = "graphql-ws"
MAX_MESSAGE = 16 * 1024 * 1024


def _select_subprotocol(_: ServerProtocol, offered: Sequence[Subprotocol]) -> Subprotocol | None:
    # Prefer the modern protocol; no sub-protocol (plain echo) is fine too.
    for name in (TRANSPORT_WS, LEGACY_WS):
        if name in offered:
            return Subprotocol(name)
    return None


class WsServerSession:
    """One upgraded connection. `feed` bytes in; it writes to the transport itself."""

    def __init__(self, transport: asyncio.Transport, store: MessageStore) -> None:
        self.transport = transport
        self.store = store
        self.ws = ServerProtocol(select_subprotocol=_select_subprotocol, max_size=MAX_MESSAGE)
        self.subprotocol: str | None = None
        self.initialised = False
        self.ops: dict[str, asyncio.Task[None]] = {}
        self._fragments: list[bytes] = []
        self._fragment_op: Opcode | None = None

    def feed(self, data: bytes) -> None:
        self.ws.receive_data(data)
        self._process()

    def eof(self) -> None:
        for task in self.ops.values():
            task.cancel()
        self.ops.clear()
        if self.ws.state is not State.CLOSED:
            self.ws.receive_eof()
            self._process()

    # -- plumbing ---------------------------------------------------------------------

    def _process(self) -> None:
        for event in self.ws.events_received():
            if isinstance(event, Request):
                response = self.ws.accept(event)
                self.ws.send_response(response)
                if response.status_code == 101:
                    self.subprotocol = response.headers.get("Sec-WebSocket-Protocol")
            elif isinstance(event, Frame):
                self._frame(event)
        self._flush()

    def _flush(self) -> None:
        for chunk in self.ws.data_to_send():
            if chunk:
                self.transport.write(chunk)
            else:  # websockets asks for EOF: the server closes TCP after the close handshake
                self.transport.close()

    def _frame(self, frame: Frame) -> None:
        payload = bytes(frame.data)
        if frame.opcode in (Opcode.TEXT, Opcode.BINARY):
            if not frame.fin:
                self._fragment_op, self._fragments = frame.opcode, [payload]
                return
            self._message(frame.opcode, payload)
        elif frame.opcode is Opcode.CONT and self._fragment_op is not None:
            self._fragments.append(payload)
            if frame.fin:
                op, data = self._fragment_op, b"".join(self._fragments)
                self._fragment_op, self._fragments = None, []
                self._message(op, data)
        # ping/pong/close are answered by the protocol object itself

    def _message(self, opcode: Opcode, data: bytes) -> None:
        if self.subprotocol is None:
            if opcode is Opcode.TEXT:
                self.ws.send_text(data)
            else:
                self.ws.send_binary(data)
            return
        try:
            msg = json.loads(data)
        except ValueError:
            msg = None
        if not isinstance(msg, dict) or not isinstance(msg.get("type"), str):
            self._close(4400, "Invalid message received")
            return
        if self.subprotocol == TRANSPORT_WS:
            self._transport_ws(msg)
        else:
            self._legacy_ws(msg)

    def _send(self, doc: dict[str, Any]) -> None:
        if self.ws.state is State.OPEN:
            self.ws.send_text(json.dumps(doc).encode())
            self._flush()

    def _close(self, code: int, reason: str) -> None:
        if self.ws.state is State.OPEN:
            self.ws.send_close(code, reason)
            self._flush()

    # -- GraphQL protocols --------------------------------------------------------------

    def _transport_ws(self, msg: dict[str, Any]) -> None:
        kind = msg["type"]
        if kind == "connection_init":
            if self.initialised:
                self._close(4429, "Too many initialisation requests")
                return
            self.initialised = True
            self._send({"type": "connection_ack"})
        elif kind == "ping":
            self._send({"type": "pong"})
        elif kind == "pong":
            pass
        elif kind == "subscribe":
            op_id = msg.get("id")
            if not self.initialised:
                self._close(4401, "Unauthorized")
            elif not isinstance(op_id, str) or not op_id:
                self._close(4400, "Invalid message received")
            elif op_id in self.ops:
                self._close(4409, f"Subscriber for {op_id} already exists")
            else:
                self._start(op_id, msg.get("payload"), "next", list_errors=True)
        elif kind == "complete":
            self._cancel(str(msg.get("id")))
        else:
            self._close(4400, "Invalid message received")

    def _legacy_ws(self, msg: dict[str, Any]) -> None:
        kind = msg["type"]
        if kind == "connection_init":
            self.initialised = True
            self._send({"type": "connection_ack"})
        elif kind == "start":
            op_id = str(msg.get("id"))
            if op_id in self.ops:
                self._cancel(op_id)
            self._start(op_id, msg.get("payload"), "data", list_errors=False)
        elif kind == "stop":
            self._cancel(str(msg.get("id")))
        elif kind == "connection_terminate":
            self._close(1000, "")
        else:
            self._send({"type": "error", "payload": {"message": f"Invalid message type {kind!r}"}})

    def _start(self, op_id: str, payload: Any, data_type: str, *, list_errors: bool) -> None:
        payload = payload if isinstance(payload, dict) else {}
        try:
            prepared = prepare(payload.get("query"), payload.get("variables"), payload.get("operationName"))
        except GraphQLRequestError as exc:
            error = {"message": exc.message}
            self._send({"id": op_id, "type": "error", "payload": [error] if list_errors else error})
            return
        task = asyncio.get_running_loop().create_task(self._run(op_id, prepared, data_type))
        self.ops[op_id] = task
        task.add_done_callback(lambda t: self.ops.pop(op_id, None) if self.ops.get(op_id) is t else None)

    async def _run(self, op_id: str, prepared: Prepared, data_type: str) -> None:
        if prepared.type == "subscription":
            async for doc in subscribe(prepared):
                self._send({"id": op_id, "type": data_type, "payload": doc})
        else:
            self._send({"id": op_id, "type": data_type, "payload": execute(prepared, self.store)})
        self._send({"id": op_id, "type": "complete"})

    def _cancel(self, op_id: str) -> None:
        task = self.ops.pop(op_id, None)
        if task is not None:
            task.cancel()
