"""GraphQL: document parsing (operation name/type), the subscription state machines and client."""

from loadpy.protocols.graphql.client import SUBSCRIPTION_METRICS, SubscriptionResult, run_subscription
from loadpy.protocols.graphql.document import operation_info
from loadpy.protocols.graphql.subscription import LEGACY_WS, PROTOCOLS, TRANSPORT_WS, SubscriptionMachine

__all__ = [
    "LEGACY_WS",
    "PROTOCOLS",
    "SUBSCRIPTION_METRICS",
    "TRANSPORT_WS",
    "SubscriptionMachine",
    "SubscriptionResult",
    "operation_info",
    "run_subscription",
]
