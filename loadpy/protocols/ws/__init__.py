"""WebSocket client: a session object (k6/ws metrics) and the declarative `ws` step driver."""

from loadpy.protocols.ws.runner import WsResult, run_ws_session
from loadpy.protocols.ws.session import Message, Record, WsError, WsSession

__all__ = ["Message", "Record", "WsError", "WsResult", "WsSession", "run_ws_session"]
