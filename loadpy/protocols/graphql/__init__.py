"""GraphQL: document parsing (operation name/type) and the subscription state machines. The client
(loadpy.protocols.graphql.client) is imported by who runs a subscription: it loads the WebSocket
client and `websockets` (~3 MB resident), which a run without subscriptions does without."""

from loadpy.protocols.graphql.document import operation_info
from loadpy.protocols.graphql.subscription import LEGACY_WS, PROTOCOLS, TRANSPORT_WS, SubscriptionMachine

__all__ = [
    "LEGACY_WS",
    "PROTOCOLS",
    "TRANSPORT_WS",
    "SubscriptionMachine",
    "operation_info",
]
