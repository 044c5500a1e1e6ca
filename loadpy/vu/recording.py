"""Metric recording for VUs: the HTTP hot path, checks, groups, iterations.

Everything is cached per distinct tag combination, so a steady-state request costs one
tuple key, one dict lookup and its nine http_* values (http_reqs, the seven http_req_* trends,
http_req_failed) packed as one row of a `RowBatch`, an iteration its four values likewise: two C
calls per sample group, no Python `add` per sample; tag dicts are only built on a miss.
A `TagContext` (scenario tags + group) is interned per runtime and hashed by identity.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

from loadpy.clock import now
from loadpy.k6lib import gourl
from loadpy.metrics.builtin import HTTP_METRICS
from loadpy.metrics.groups import GroupNode, GroupTree
from loadpy.metrics.metric import Metric
from loadpy.metrics.registry import Registry
from loadpy.metrics.tags import DEFAULT_SYSTEM_TAGS, TagSet, tagset
from loadpy.protocols.http.model import Response

Add = Callable[[float], None]


class ExpectedStatuses:
    """k6's http.expectedStatuses(...): integers and {min, max} ranges."""

    __slots__ = ("codes", "ranges")

    def __init__(self, codes: Iterable[int] = (), ranges: Iterable[tuple[int, int]] = ()) -> None:
        self.codes = frozenset(codes)
        self.ranges = tuple(ranges)

    def __contains__(self, status: int) -> bool:
        if status in self.codes:
            return True
        return any(lo <= status <= hi for lo, hi in self.ranges)

    @classmethod
    def parse(cls, spec: Any) -> ExpectedStatuses:
        """From YAML: a list of ints and {min, max} maps. Raises ValueError with a short reason."""
        if not isinstance(spec, list) or not spec:
            raise ValueError("expected_statuses must be a non-empty list of status codes and {min, max} ranges")
        codes: list[int] = []
        ranges: list[tuple[int, int]] = []
        for item in spec:
            if isinstance(item, int) and not isinstance(item, bool):
                codes.append(item)
            elif (
                isinstance(item, dict)
                and set(item) == {"min", "max"}
                and all(isinstance(item[k], int) and not isinstance(item[k], bool) for k in ("min", "max"))
            ):
                ranges.append((item["min"], item["max"]))
            else:
                raise ValueError(f"invalid expected status {item!r}: use an integer or {{min: 200, max: 399}}")
        return cls(codes, ranges)


DEFAULT_EXPECTED = ExpectedStatuses((), ((200, 399),))


class TagContext:
    """The tags every sample of a VU shares inside one scenario and group (hashed by identity)."""

    __slots__ = ("_node", "_tree", "base", "group", "tags")

    def __init__(self, base: TagSet, group: str, tree: GroupTree, tags: TagSet) -> None:
        self.base = base  # run + scenario tags (+ scenario) without group
        self.group = group  # "" at top level, "::a::b" nested
        self.tags = tags  # base + group (when the system tag is enabled)
        self._tree = tree
        self._node: GroupNode | None = None

    @property
    def node(self) -> GroupNode:
        """The group/check tree node, created on first use (so ::setup only appears if it has checks)."""
        if self._node is None:
            self._node = self._tree.by_path(self.group)
        return self._node


class RequestSite:
    """What a request step (or a Python call site) contributes to tags: request tags and expectations."""

    __slots__ = ("_challenged", "expected", "tags")

    def __init__(self, tags: TagSet = (), expected: ExpectedStatuses | bool | None = True) -> None:
        self.tags = tags  # user tags from `tags:` (after system tags: they win)
        self.expected = expected  # True: the runtime default; None: no callback
        self._challenged: RequestSite | None = None

    def challenged(self) -> RequestSite:
        """This site for the first response of a Digest request: k6 swaps the response callback for
        `status == 401` for that one response (none stays none). Kept: the recorder caches by site."""
        site = self._challenged
        if site is None:
            expected = None if self.expected is None else ExpectedStatuses((401,))
            site = self._challenged = RequestSite(self.tags, expected)
        return site


# What every hop of one request (redirects included) is recorded under, fixed when it is sent:
# its site, its `name` tag (None: the URL) and the VU's tag context (scenario, group) at that moment.
# It travels with the request through the client, so batch items, redirect hops and requests run
# concurrently are each tagged as their own call said. A plain tuple: built once per request.
HttpRecord = tuple[RequestSite, str | None, TagContext]


class Recorder:
    """Per-runtime caches of tag sets and sinks; shared by all VUs of the process."""

    def __init__(
        self,
        registry: Registry,
        system_tags: Iterable[str] | None = None,
        expected: ExpectedStatuses | None = DEFAULT_EXPECTED,
    ) -> None:
        self.registry = registry
        self.system_tags = frozenset(DEFAULT_SYSTEM_TAGS if system_tags is None else system_tags)
        self.expected = expected
        self._contexts: dict[tuple[TagSet, str], TagContext] = {}
        self._http: dict[tuple[Any, ...], tuple[Any, ...]] = {}
        self._checks: dict[tuple[TagContext, str, TagSet], tuple[Add, GroupNode, Any, TagSet]] = {}
        self._plain: dict[tuple[Metric, TagContext, TagSet], tuple[Add, TagSet]] = {}
        # per context: the batch of iterations, iteration_duration, data_sent, data_received as its `add`
        # and `pack` (keyed by the context alone: hashing a Metric dataclass costs a Python-level
        # __hash__ per sample)
        self._iteration: dict[TagContext, tuple[Callable[[bytes], None], Callable[..., bytes]]] = {}
        self._iteration_metrics: tuple[Metric, ...] = tuple(
            registry.metrics[n] for n in ("iterations", "iteration_duration", "data_sent", "data_received")
        )
        self._http_metrics = tuple(registry.metrics[n] for n in HTTP_METRICS)
        self._http_timed = self._http_metrics[:8]  # without http_req_failed (no expected-status rule)
        self._m = registry.metrics
        self.metadata = "vu" in self.system_tags or "iter" in self.system_tags
        self._sites: dict[tuple[TagSet, Any], RequestSite] = {}
        self.default_site = self.site()

    def site(self, tags: TagSet = (), expected: ExpectedStatuses | bool | None = True) -> RequestSite:
        """The canonical site for a tag set and expectation (keeps the HTTP cache bounded)."""
        rule: Any = (expected.codes, expected.ranges) if isinstance(expected, ExpectedStatuses) else expected
        key = (tags, rule)
        site = self._sites.get(key)
        if site is None:
            site = self._sites[key] = RequestSite(tags, expected)
        return site

    # -- contexts ----------------------------------------------------------------
    def context(self, base: TagSet, group: str = "") -> TagContext:
        key = (base, group)
        ctx = self._contexts.get(key)
        if ctx is None:
            tags = base
            if "group" in self.system_tags:
                tags = tuple(sorted((*((k, v) for k, v in base if k != "group"), ("group", group))))
            ctx = self._contexts[key] = TagContext(base, group, self.registry.groups, tags)
        return ctx

    def child(self, ctx: TagContext, name: str) -> TagContext:
        ctx.node.group(name)  # validates the name ('::' is not allowed) and keeps first-seen order
        return self.context(ctx.base, f"{ctx.group}::{name}")

    # -- HTTP ----------------------------------------------------------------------
    def record_response(self, resp: Response, record: HttpRecord, meta: dict[str, str] | None = None) -> None:
        """Record k6's nine http_* samples for one response (one redirect hop) under what its own call
        said (see HttpRecord). Without `vu` / `iter` metadata this is the client's `on_response` hook
        itself (the VU's own hook adds the metadata): one call per response."""
        site, name, ctx = record
        if not resp.sent:
            return
        url = name or resp.url
        key = (site, ctx, resp.method, url, resp.status, resp.error_code, resp.error, resp.proto, resp.tls_version)
        entry = self._http.get(key)
        if entry is None:
            entry = self._http_entry(resp, ctx, site, url)
        t = resp.timings
        sending, waiting, receiving = t.sending, t.waiting, t.receiving
        duration = sending + waiting + receiving
        add_row, pack_row, failed_value, tags = entry
        # one row of the entry's RowBatch, in the order of HTTP_METRICS (http_req_failed: when a rule says)
        if failed_value is None:
            add_row(pack_row(1.0, duration, t.blocked, t.connecting, t.tls_handshaking, sending, waiting, receiving))
        else:
            add_row(
                pack_row(
                    1.0, duration, t.blocked, t.connecting, t.tls_handshaking, sending, waiting, receiving, failed_value
                )
            )
        if self.registry.listeners:
            values = (1.0, duration, t.blocked, t.connecting, t.tls_handshaking, sending, waiting, receiving)
            if failed_value is None:
                self.registry.emit_many(self._http_timed, tags, values, resp.end_time, meta)
            else:
                self.registry.emit_many(self._http_metrics, tags, (*values, failed_value), resp.end_time, meta)

    def record_http(
        self, resp: Response, ctx: TagContext, site: RequestSite, name: str | None, meta: dict[str, str] | None
    ) -> None:
        """`record_response` with the record's parts given one by one."""
        self.record_response(resp, (site, name, ctx), meta)

    def _http_entry(self, resp: Response, ctx: TagContext, site: RequestSite, url: str) -> tuple[Any, ...]:
        expected_rule = self.expected if site.expected is True else site.expected
        if "@" in url:
            url = _masked(url)
        system: dict[str, str] = {
            "method": resp.method,
            "url": url,
            "name": url,
            "status": str(resp.status),
        }
        if resp.proto:
            system["proto"] = resp.proto
        if resp.error_code:
            system["error_code"] = str(resp.error_code)
        if resp.error and resp.status == 0:
            system["error"] = resp.error
        if resp.tls_version:
            system["tls_version"] = resp.tls_version
        expected = False
        if isinstance(expected_rule, ExpectedStatuses):
            expected = resp.status != 0 and resp.status in expected_rule
            system["expected_response"] = "true" if expected else "false"
        merged = dict(ctx.tags)
        merged.update((k, v) for k, v in system.items() if k in self.system_tags)
        merged.update(site.tags)
        tags = tagset(merged)
        # no callback: no http_req_failed series at all
        failed = isinstance(expected_rule, ExpectedStatuses)
        batch = self.registry.row_batch(self._http_metrics if failed else self._http_timed, tags)
        entry = (batch.add, batch.pack, (0.0 if expected else 1.0) if failed else None, tags)
        self._http[
            (site, ctx, resp.method, url, resp.status, resp.error_code, resp.error, resp.proto, resp.tls_version)
        ] = entry
        return entry

    # -- checks ----------------------------------------------------------------------
    def record_check(
        self, ctx: TagContext, name: str, passed: bool, extra: TagSet = (), meta: dict[str, str] | None = None
    ) -> None:
        key = (ctx, name, extra)
        entry = self._checks.get(key)
        if entry is None:
            node = ctx.node.check(name)
            merged = dict(ctx.tags)
            if "check" in self.system_tags:
                merged["check"] = name
            merged.update(extra)
            tags = tagset(merged)
            entry = self._checks[key] = (self.registry.sink(self._m["checks"], tags).add, ctx.node, node, tags)
        add, _, node, tags = entry
        if passed:
            node.passes += 1
            add(1.0)
        else:
            node.fails += 1
            add(0.0)
        if self.registry.listeners:
            self.registry.emit(self._m["checks"], tags, 1.0 if passed else 0.0, now(), meta)

    # -- everything else (iterations, data, group_duration, custom metrics) ---------
    def add(
        self,
        metric: Metric,
        ctx: TagContext,
        value: float,
        extra: TagSet = (),
        meta: dict[str, str] | None = None,
        when: float | None = None,
    ) -> None:
        key = (metric, ctx, extra)
        entry = self._plain.get(key)
        if entry is None:
            tags = ctx.tags
            if extra:
                merged = dict(tags)
                merged.update(extra)
                tags = tagset(merged)
            entry = self._plain[key] = (self.registry.sink(metric, tags).add, tags)
        entry[0](value)
        if self.registry.listeners:
            self.registry.emit(metric, entry[1], value, now() if when is None else when, meta)

    def iteration_done(
        self, ctx: TagContext, duration_ms: float, sent: float, received: float, meta: dict[str, str] | None = None
    ) -> None:
        """One completed iteration: iterations, iteration_duration, data_sent, data_received
        (the same series and samples as four `add` calls, without their per-call key building).
        The byte counts may be ints: the row packs them as doubles (exact below 2**53), and the
        samples handed to outputs are floats as from `add`."""
        entry = self._iteration.get(ctx)
        if entry is None:
            batch = self.registry.row_batch(self._iteration_metrics, ctx.tags)
            entry = self._iteration[ctx] = (batch.add, batch.pack)
        add_row, pack_row = entry
        add_row(pack_row(1.0, duration_ms, sent, received))
        if self.registry.listeners:
            values = (1.0, duration_ms, float(sent), float(received))
            self.registry.emit_many(self._iteration_metrics, ctx.tags, values, now(), meta)

    def group_duration(self, ctx: TagContext, ms: float, meta: dict[str, str] | None = None) -> None:
        """group_duration is tagged with the group's own path (ctx is the group's context)."""
        self.add(self._m["group_duration"], ctx, ms, meta=meta)


def _masked(url: str) -> str:
    """The URL as k6 tags it (`URL.Clean()`): credentials in it shown as `****:****`."""
    try:
        return gourl.clean(url, gourl.parse(url))
    except gourl.GoUrlError:
        return url
