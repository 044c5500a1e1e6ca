"""GraphQL: document parsing (operation name/type) and the subscription state machines. The client
(loadpy.protocols.graphql.client) is imported by who runs a subscription: it loads the WebSocket
client and `websockets` (~3 MB resident), which a run without subscriptions does without. The names
below are imported on first use: a plain HTTP run that only reads `subscription.TRANSPORT_WS` does
not parse the document module's grammar tables."""

from typing import TYPE_CHECKING

from loadpy.base.lazy import lazy_exports

if TYPE_CHECKING:
    from loadpy.protocols.graphql.document import operation_info
    from loadpy.protocols.graphql.subscription import LEGACY_WS, PROTOCOLS, TRANSPORT_WS, SubscriptionMachine

__all__ = [
    "LEGACY_WS",
    "PROTOCOLS",
    "TRANSPORT_WS",
    "SubscriptionMachine",
    "operation_info",
]
__getattr__ = lazy_exports(
    __name__,
    {
        "operation_info": "loadpy.protocols.graphql.document",
        **dict.fromkeys(("LEGACY_WS", "PROTOCOLS", "TRANSPORT_WS", "SubscriptionMachine"), __name__ + ".subscription"),
    },
)
