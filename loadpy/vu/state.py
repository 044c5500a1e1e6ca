"""`VUState`: one VU's state (k6's lib.State), and the only door to it.

Everything that runs inside a VU — flow steps, the public `VU` of Python code, the ws/graphql
helpers, the iteration loop — reads and changes the VU through these methods: its ids and
counters, its env and setup data, its captures, its tag context (scenario, group), its HTTP
client and the per-iteration byte counts. Recording goes through here too, so a sample always
carries the VU's current tags.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator, Awaitable, Callable, Hashable
from contextlib import asynccontextmanager
from typing import TYPE_CHECKING, Any

from loadpy import clock
from loadpy.base.runtime import IterationTally, ScenarioContext, one_index
from loadpy.clock import now
from loadpy.errors import TestAbort
from loadpy.metrics.metric import Metric
from loadpy.metrics.registry import Registry
from loadpy.metrics.tags import TagSet
from loadpy.protocols.http.model import Response
from loadpy.version import USER_AGENT
from loadpy.vu.core import PREPARED_LIMIT, HttpClientLike, RuntimeCore
from loadpy.vu.failures import describe_error
from loadpy.vu.recording import ExpectedStatuses, HttpRecord, RequestSite, TagContext

if TYPE_CHECKING:
    from loadpy.protocols.ws import WsSession

log = logging.getLogger("loadpy.vu")

# What a scenario runs per iteration. It gets the VU's state; a function of user code is
# wrapped by `runtime.python_body`, which hands it the public `VU` instead.
Body = Callable[["VUState"], Awaitable[Any]]


class ScenarioState:
    """What every VU needs to run one scenario: its body, tag context and env (one per runtime)."""

    __slots__ = ("body", "ctx", "env", "locate", "scenario")

    def __init__(self, scenario: ScenarioContext, ctx: TagContext, env: dict[str, str], body: Body) -> None:
        self.scenario = scenario
        self.ctx = ctx
        self.env = env
        # a body that does not wrap its own errors says where they came from (flows' OneStepBody);
        # the VU locates whatever its body raises, so it may call what the body calls (`direct`)
        self.locate: Callable[[Exception], Exception] | None = getattr(body, "locate", None)
        self.body: Body = getattr(body, "direct", body) if self.locate is not None else body


Scenarios = Callable[[ScenarioContext], ScenarioState]


class VUState:
    """One VU: ids, iteration counters, env, setup data, captures, tag context, HTTP client; it is
    also the engine's VirtualUser (`run_iteration`, `close`).

    Read-only attributes: `id` (in this instance), `id_in_test`, `iteration` (iterations this VU
    started, all scenarios; 0-based while running), `iteration_in_test`, `scenario`, `env`,
    `setup_data`, `captures` (this iteration's), `user` (the public `VU` handed to user code).
    """

    __slots__ = (
        "_base",
        "_client",
        "_close_idle_each_iteration",
        "_core",
        "_ctx",
        "_current",
        "_logged",
        "_received0",
        "_recorder",
        "_scenarios",
        "_sent0",
        "_setup_version",
        "_ws_received",
        "_ws_sent",
        "_ws_sessions",
        "_ws_used",
        "captures",
        "default_site",
        "env",
        "id",
        "id_in_test",
        "iteration",
        "iteration_in_test",
        "scenario",
        "setup_data",
        "user",
        "vu_tags",
    )

    def __init__(
        self, core: RuntimeCore, id_in_instance: int, id_in_test: int, scenarios: Scenarios | None = None
    ) -> None:
        self._core = core
        self._scenarios = scenarios  # the runtime's scenario lookup (None: a setup/teardown VU)
        self._recorder = core.recorder
        self.default_site = core.recorder.default_site  # a request without tags or expected_statuses
        self.id = id_in_instance
        self.id_in_test = id_in_test
        self.iteration = 0
        self.iteration_in_test = 0
        self.scenario = ""
        self.env: dict[str, str] = core.env
        self.setup_data: Any = None
        self._setup_version = 0
        self.captures: dict[str, Any] = {}
        self.user: Any = None  # the public VU (loadpy.vu.api), set by whoever builds it
        self._ctx: TagContext = core.recorder.context(core.run_tags)
        self._base: TagSet = core.run_tags  # the scenario's tags, before the VU's own
        self.vu_tags: dict[str, str] = {}  # k6's exec.vu.metrics.tags: on every later sample of the VU
        self._current: ScenarioState | None = None  # the scenario of the last iteration
        self._client: HttpClientLike | None = None
        self._close_idle_each_iteration = core.no_vu_connection_reuse
        self._logged: set[Hashable] | None = None  # made on the first error logged once (most VUs have none)
        self._sent0 = self._received0 = 0
        self._ws_sessions: tuple[WsSession, ...] = ()  # opened from Python; closed at iteration end
        self._ws_sent = 0  # bytes of finished sessions (steps, subscriptions) this iteration
        self._ws_received = 0
        self._ws_used = False  # any of the three above is set: the iteration's end has WebSocket work

    # -- shared objects ------------------------------------------------------------------
    @property
    def registry(self) -> Registry:
        return self._recorder.registry

    @property
    def system_tags(self) -> frozenset[str]:
        return self._recorder.system_tags

    def mark_failed(self, reason: str) -> None:
        """k6 exec.test.fail: the test fails (exit 110), the iteration and the test go on."""
        self._core.mark_failed(reason)

    # -- HTTP ------------------------------------------------------------------------------
    def http_client(self) -> HttpClientLike:
        """The VU's HTTP client, created on first use (10,000 idle VUs cost no clients)."""
        client = self._client
        if client is None:
            recorder = self._recorder
            # without vu/iter metadata the recorder is the hook itself (one call less per response)
            on_response = self._on_response if recorder.metadata else recorder.record_response
            client = self._client = self._core.client_factory(on_response)
            client.on_challenge = self._on_challenge
            client.vu_id = self.id  # localIPs: the n-th VU dials from the n-th source address
            debug = getattr(client, "debug", None)
            if debug is not None:  # --http-debug logs carry the VU's fields
                debug.fields = self._debug_fields
        return client

    def prepared_plain(self, method: str, url: str) -> Any:
        """A request without headers, body or query params, prepared once for every VU (as a constant
        YAML request step): a script's `vu.http.get(url)` costs no serialisation per call."""
        cache = self._core.prepared
        prepared = cache.get((method, url))
        if prepared is None:
            prepared = self.http_client().prepare(method.upper(), url, {}, None)
            if len(cache) < PREPARED_LIMIT:
                cache[(method, url)] = prepared
        return prepared

    def _debug_fields(self, record: HttpRecord | None) -> dict[str, object]:
        """k6's http-debug log fields: the request's tags, then vu and iter (which win)."""
        tags = {**dict(record[2].tags), **dict(record[0].tags)} if record is not None else dict(self._ctx.tags)
        return {**tags, "vu": self.id, "iter": self.iteration}

    def ws_connection_options(self) -> dict[str, Any]:
        """What k6's WebSocket dialer shares with HTTP: the `userAgent` option for the handshake (""
        sends none), the destination rules (blockHostnames, blacklistIPs, dns, hosts) and the VU's source
        address (localIPs). Keyword arguments for a WebSocket session."""
        agent = getattr(self._core.options, "user_agent", None)
        options: dict[str, Any] = {"user_agent": USER_AGENT if agent is None else str(agent)}
        dialing = getattr(getattr(self.http_client(), "options", None), "dialing", None)
        if dialing is not None:
            options.update(dialing=dialing, local_ip=dialing.local_address(self.id))
        return options

    def site(self, tags: TagSet = (), expected: ExpectedStatuses | bool | None = True) -> RequestSite:
        return self._recorder.site(tags, expected)

    def http_record(self, site: RequestSite, name: str | None) -> HttpRecord:
        """What a request sent now is recorded under (the tag context is the VU's at this moment)."""
        return site, name, self._ctx

    def send(
        self,
        prepared: Any,
        site: RequestSite,
        name: str | None,
        timeout: float | None = None,
        redirects: int | None = None,
        response_type: str | None = None,
    ) -> Awaitable[Response]:
        """The client's own `send` coroutine (not wrapped: one coroutine level less per request; its
        arguments by position, cheaper to bind than keywords)."""
        return (self._client or self.http_client()).send(
            prepared, timeout, redirects, response_type, (site, name, self._ctx)
        )

    async def batch(self, prepared: list[Any], records: list[HttpRecord]) -> list[Response]:
        return await self.http_client().batch(prepared, records)

    def _on_challenge(self, resp: Response, record: HttpRecord) -> None:
        """The first response of a Digest request: k6 counts it as expected only when it is the 401."""
        site, name, ctx = record
        self._on_response(resp, (site.challenged(), name, ctx))

    def _on_response(self, resp: Response, record: HttpRecord) -> None:
        """Every hop of every request: recorded under what its own call said (see HttpRecord)."""
        self._recorder.record_response(resp, record, self._meta())

    # -- samples -----------------------------------------------------------------------------
    def set_vu_tag(self, key: str, value: str | None) -> None:
        """Set (None: remove) a tag of this VU: every sample from now on carries it, across iterations."""
        if value is None:
            self.vu_tags.pop(key, None)
        else:
            self.vu_tags[key] = value
        ctx = self._ctx
        self._ctx = self._recorder.context(self._tagged(self._base), ctx.group)

    def _with_vu_tags(self, ctx: TagContext) -> TagContext:
        """`ctx` (a scenario's) with the VU's own tags; remembers its base for `set_vu_tag`."""
        self._base = ctx.base
        return self._recorder.context(self._tagged(ctx.base), ctx.group) if self.vu_tags else ctx

    def _tagged(self, base: TagSet) -> TagSet:
        return tuple(sorted({**dict(base), **self.vu_tags}.items())) if self.vu_tags else base

    def _meta(self) -> dict[str, str] | None:
        """The `vu` / `iter` sample metadata, when those system tags are enabled."""
        recorder = self._recorder
        if not recorder.metadata:
            return None
        meta = {}
        if "vu" in recorder.system_tags:
            meta["vu"] = str(self.id_in_test)
        if "iter" in recorder.system_tags:
            meta["iter"] = str(self.iteration)
        return meta

    def record_check(self, name: str, passed: bool, extra: TagSet = ()) -> None:
        self._recorder.record_check(self._ctx, name, passed, extra, self._meta())

    def add(self, metric: Metric, value: float, extra: TagSet = (), when: float | None = None) -> None:
        """One sample of `metric` with the VU's tags plus `extra`."""
        self._recorder.add(metric, self._ctx, value, extra, self._meta(), when)

    def first_time(self, key: Hashable) -> bool:
        """True the first time this VU reports `key` (an error logged once per VU and step)."""
        logged = self._logged
        if logged is None:
            logged = self._logged = set()
        elif key in logged:
            return False
        logged.add(key)
        return True

    @asynccontextmanager
    async def group(self, name: str) -> AsyncIterator[None]:
        """k6's group(): nested samples get group=<path>; group_duration recorded at exit."""
        parent = self._ctx
        child = self._recorder.child(parent, name)
        self._ctx = child
        start = now()
        try:
            yield
        except asyncio.CancelledError:
            self._ctx = parent
            raise
        except BaseException:
            self._ctx = parent
            # k6 pushes group_duration even when the group's function throws
            self._recorder.group_duration(child, (now() - start) * 1000.0, self._meta())
            raise
        self._ctx = parent
        self._recorder.group_duration(child, (now() - start) * 1000.0, self._meta())

    # -- WebSocket traffic (added to data_sent / data_received at the iteration's end) --------
    def track_ws(self, session: WsSession) -> None:
        """A session Python code opened: closed at the end of the iteration if still open."""
        self._ws_sessions += (session,)
        self._ws_used = True

    def add_ws_bytes(self, sent: int, received: int) -> None:
        self._ws_sent += sent
        self._ws_received += received
        self._ws_used = True

    async def close_ws(self) -> None:
        """Close the sessions Python code left open (their bytes count for this iteration)."""
        sessions, self._ws_sessions = self._ws_sessions, ()
        for session in sessions:
            await session.close()
            self.add_ws_bytes(session.bytes_sent, session.bytes_received)

    def _drop_ws(self) -> tuple[int, int]:
        sessions, self._ws_sessions = self._ws_sessions, ()
        for session in sessions:
            session._abort()  # (the ws module's own teardown path: no close handshake)
        return self._take_ws_bytes(sessions)

    def _take_ws_bytes(self, sessions: tuple[WsSession, ...]) -> tuple[int, int]:
        sent = self._ws_sent + sum(s.bytes_sent for s in sessions)
        received = self._ws_received + sum(s.bytes_received for s in sessions)
        self._ws_sent = self._ws_received = 0
        self._ws_used = bool(self._ws_sessions)
        return sent, received

    # -- iterations (the engine's VirtualUser protocol) -------------------------------------------
    async def run_iterations(
        self, scenario: ScenarioContext, next_index: Callable[[], int | None], tally: IterationTally
    ) -> None:
        """Iterations of `scenario` while `next_index()` gives one (see `VirtualUser.run_iterations`):
        iterations, iteration_duration, data_sent, data_received recorded (errors included); only the
        bytes recorded when hard-stopped; a TestAbort goes to `tally` after recording.

        The looping executors' VU task is this coroutine itself, so it is written out in one frame:
        what stays the same across iterations is read once, and each request resumes one level less."""
        current = self._current
        if current is None or current.scenario is not scenario:
            assert self._scenarios is not None, "a setup/teardown VU runs no scenario"
            current = self._current = self._scenarios(scenario)
        self.scenario = scenario.name
        self.env = current.env
        core = self._core
        recorder = self._recorder
        body = current.body
        # (read once: constant for the run)
        metadata = recorder.metadata
        reset_cookies = not core.no_cookies_reset
        min_duration = core.min_iteration_duration
        try:
            while (index := next_index()) is not None:
                scenario.iterations_in_instance = tally.started
                tally.started += 1
                ctx = current.ctx
                self._base = ctx.base  # (as `_with_vu_tags` does: inlined for a VU without tags of its own)
                if self.vu_tags:
                    ctx = self._with_vu_tags(ctx)
                # fresh per-iteration state: setup data, captures, cookies (unless noCookiesReset), byte counts
                if self._setup_version != core.setup_version:
                    self.setup_data = core.setup_copy()
                    self._setup_version = core.setup_version
                self.iteration_in_test = index
                if self.captures:
                    self.captures = {}
                self._ctx = ctx
                client = self._client
                if client is not None:
                    if reset_cookies and client.cookies.entries:  # (the dict: no `__bool__` call)
                        client.cookies.clear()
                    self._sent0, self._received0 = client.bytes_sent, client.bytes_received
                else:
                    self._sent0 = self._received0 = 0
                meta = self._meta() if metadata else None
                start = now()
                aborted: TestAbort | None = None
                try:
                    await body(self)
                except asyncio.CancelledError:
                    self._interrupted(ctx, meta)
                    raise
                except TestAbort as exc:
                    aborted = exc
                except Exception as exc:
                    locate = current.locate
                    log.error(
                        "%s", describe_error(exc if locate is None else locate(exc)), extra={"source": "stacktrace"}
                    )
                if self._ws_used and self._ws_sessions:
                    await self.close_ws()
                elapsed = now() - start
                client = self._client
                if client is not None:
                    sent = client.bytes_sent - self._sent0
                    received = client.bytes_received - self._received0
                    if self._close_idle_each_iteration:
                        client.close_idle()
                else:
                    sent = received = 0
                if self._ws_used:
                    ws_sent, ws_received = self._take_ws_bytes(())
                    sent += ws_sent
                    received += ws_received
                # a group left open by a failing step does not leak into the next iteration; the iteration's
                # samples carry the VU's tags as they are at its end (as k6's)
                self._ctx = ctx = self._with_vu_tags(current.ctx) if self.vu_tags else current.ctx
                recorder.iteration_done(ctx, elapsed * 1000.0, sent, received, meta)
                self.iteration += 1
                if aborted is not None:
                    raise aborted
                if min_duration and min_duration > elapsed:
                    await clock.sleep(min_duration - elapsed)  # not part of iteration_duration (k6)
                tally.completed += 1
        except asyncio.CancelledError:
            tally.interrupted += 1
            raise
        except Exception as exc:
            tally.iteration_failed(exc)

    async def run_iteration(self, scenario: ScenarioContext, iteration_in_test: int) -> None:
        """One iteration of `scenario` through `run_iterations`, outside any executor: returns when it
        completed (its code's errors logged), raises CancelledError when cancelled and TestAbort (or a
        runtime bug) after recording."""
        once = _Once()
        await self.run_iterations(scenario, one_index(iteration_in_test), once)
        if once.failure is not None:
            raise once.failure

    def _interrupted(self, ctx: TagContext, meta: dict[str, str] | None) -> None:
        """A hard-stopped iteration: only the bytes it moved are recorded (k6)."""
        sent, received = self._moved(*self._drop_ws())
        core = self._core
        self._recorder.add(core.m_data_sent, ctx, float(sent), meta=meta)
        self._recorder.add(core.m_data_received, ctx, float(received), meta=meta)
        self.iteration += 1

    def _moved(self, ws_sent: int, ws_received: int) -> tuple[int, int]:
        client = self._client
        if client is None:
            return ws_sent, ws_received
        return client.bytes_sent - self._sent0 + ws_sent, client.bytes_received - self._received0 + ws_received

    # -- setup() / teardown() -----------------------------------------------------------------
    def enter_phase(self, phase: str, setup_data: Any) -> TagContext:
        """setup/teardown run in a VU of their own (id 0), group ::setup / ::teardown, no scenario tag."""
        core = self._core
        self.setup_data = setup_data
        self._base = core.run_tags
        self._ctx = ctx = self._recorder.context(self._tagged(core.run_tags), f"::{phase}")
        return ctx

    async def close(self, record_bytes_in: TagContext | None = None) -> None:
        """Close the VU's connections; with a context (setup/teardown), record the bytes moved first."""
        if record_bytes_in is not None:
            await self.close_ws()
            sent, received = self._moved(*self._take_ws_bytes(()))
            core = self._core
            self._recorder.add(core.m_data_sent, record_bytes_in, float(sent))
            self._recorder.add(core.m_data_received, record_bytes_in, float(received))
        if self._client is not None:
            await self._client.aclose()


class _Once:
    """The tally of `VUState.run_iteration`: keeps the failure to raise it."""

    __slots__ = ("completed", "failure", "interrupted", "started")

    def __init__(self) -> None:
        self.started = self.completed = self.interrupted = 0
        self.failure: Exception | None = None

    def iteration_failed(self, exc: Exception) -> None:
        self.failure = exc
