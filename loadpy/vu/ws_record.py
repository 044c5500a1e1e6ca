"""`WsRecord`: the `Record` callback the ws/graphql clients report their samples to.

It adds the VU's context (run and scenario tags, scenario, group) and the user's `tags` to the
session's own tags (url, status, subproto — system tags, dropped when `systemTags` excludes
them — and `operation` for subscriptions), and records through the VU's state (cached sinks).
"""

from __future__ import annotations

from loadpy.metrics.tags import TagSet, tagset
from loadpy.vu.state import VUState

# Tags the WebSocket clients set that are k6 system tags (subject to `systemTags`).
WS_SYSTEM_TAGS = frozenset({"url", "status", "subproto"})


class WsRecord:
    """Records one VU's WebSocket samples; built per session (the tag merge is cached for it)."""

    __slots__ = ("_extra", "_last", "state", "user_tags")

    def __init__(self, state: VUState, user_tags: TagSet = ()) -> None:
        self.state = state
        self.user_tags = user_tags
        self._last: TagSet | None = None
        self._extra: TagSet = ()

    def __call__(self, metric: str, value: float, tags: TagSet, when: float | None = None) -> None:
        state = self.state
        if tags != self._last:  # a session's tags change once (at open); messages reuse them
            self._last, self._extra = tags, self._merge(state.system_tags, tags)
        state.add(state.registry.metrics[metric], value, self._extra, when)

    def _merge(self, system: frozenset[str], tags: TagSet) -> TagSet:
        merged = {k: v for k, v in tags if k not in WS_SYSTEM_TAGS or k in system}
        merged.update(self.user_tags)
        return tagset(merged)
