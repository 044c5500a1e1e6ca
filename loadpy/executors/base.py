"""What every executor shares: the common scenario fields (config side) and the
iteration/stop machinery (runner side).

A config is pure: it parses, validates, plans and describes. A runner drives one
scenario over VUs borrowed from the engine's pool, with two deadlines: the regular end
(no new iterations) and the hard end (regular end + gracefulStop: running iterations are
cancelled, so the runtime does not count them).
"""

from __future__ import annotations

import asyncio
import logging
import math
from collections.abc import Callable, Coroutine, Mapping
from dataclasses import dataclass, field
from functools import partial
from typing import Any, ClassVar, Protocol, TypeVar

from loadpy.base.collector import long_lived_burst
from loadpy.base.durations import format_duration, parse_duration
from loadpy.base.go_values import go_json_type
from loadpy.base.progress import ScenarioProgress, fixed_duration, generic_columns
from loadpy.base.runtime import ScenarioContext, VirtualUser
from loadpy.base.schema import SCENARIO_NAME_MESSAGE, Invalid, check_scenario_name, scalar_text
from loadpy.base.stages import Stage, parse_stages
from loadpy.clock import now
from loadpy.errors import TestAbort, did_you_mean
from loadpy.metrics.registry import Registry
from loadpy.metrics.tags import TagSet, with_tags
from loadpy.segments import SegmentArg, Stripe, as_stripe

log = logging.getLogger("loadpy.executors")
T = TypeVar("T")

DEFAULT_GRACEFUL_STOP = 30.0
MIN_DURATION = 1.0  # k6 minDuration: duration / maxDuration must be at least 1s
COMMON_FIELDS = ("executor", "startTime", "gracefulStop", "exec", "env", "tags", "options")


# --------------------------------------------------------------------------------------
# parsing helpers (raw camelCase mapping → typed values, k6's messages)
# --------------------------------------------------------------------------------------
# One validation problem: the field the user has to look at (None: the scenario) and k6's words.
Problem = tuple[str | None, str]


def go_int64(value: object, field_name: str) -> int:
    """A scenario's integer field as Go's encoding/json reads it into an int64."""
    if isinstance(value, bool) or not isinstance(value, int | float) or value != int(value):
        raise Invalid((), f"json: cannot unmarshal {go_json_type(value)} into field {field_name} of type int64")
    return int(value)


class Fields:
    """Typed access to one scenario's raw mapping; Invalid at the field that is wrong."""

    def __init__(self, raw: Mapping[str, Any]) -> None:
        self.raw = raw

    def has(self, field_name: str) -> bool:
        return self.raw.get(field_name) is not None

    def _read(self, field_name: str, read: Callable[[object], T]) -> T | None:
        value = self.raw.get(field_name)
        if value is None:
            return None
        try:
            return read(value)
        except Invalid as exc:
            raise exc.under(field_name) from None

    def int(self, field_name: str) -> int | None:
        return self._read(field_name, lambda value: go_int64(value, field_name))

    def duration(self, field_name: str) -> float | None:
        return self._read(field_name, parse_duration)

    def str_map(self, field_name: str) -> dict[str, str]:
        value = self.raw.get(field_name)
        if value is None:
            return {}
        if not isinstance(value, Mapping):
            raise Invalid((field_name,), f"{field_name} must be a map of strings")
        return {str(k): scalar_text(v) for k, v in value.items()}

    def stages(self, field_name: str = "stages") -> list[Stage]:
        read = partial(parse_stages, read_target=lambda value: go_int64(value, "target"), keep_incomplete=True)
        return self._read(field_name, read) or []


def too_short(field_name: str, seconds: float) -> str:
    """k6's message for a duration / maxDuration under its 1s minimum."""
    return f"the {field_name} must be at least {format_duration(MIN_DURATION)}, but is {format_duration(seconds)}"


def or_default(value: Any, default: Any) -> Any:
    """k6's null-able options: the default when the field was not given."""
    return default if value is None else value


def to_ns(seconds: float) -> int:
    return round(seconds * 1e9)


# --------------------------------------------------------------------------------------
# config base
# --------------------------------------------------------------------------------------
@dataclass
class ExecutorConfig:
    """Common fields of every scenario; subclasses add their parameters and plan."""

    name: str
    executor: ClassVar[str] = ""
    FIELDS: ClassVar[tuple[str, ...]] = ()
    start_time: float = 0.0
    graceful_stop: float = DEFAULT_GRACEFUL_STOP
    exec_name: str = "default"
    env: dict[str, str] = field(default_factory=dict)
    tags: dict[str, str] = field(default_factory=dict)
    exec_set: bool = False  # k6 shows "exec: x" in the description only when given
    graceful_stop_set: bool = False

    # -- parsing ---------------------------------------------------------------------
    @classmethod
    def parse(cls, name: str, raw: Mapping[str, Any]) -> ExecutorConfig:
        """The scenario `name` written as `raw`; Invalid with a path inside the scenario.

        k6 joins every validation message into one; the path is the field of the first, which is
        where the user has to look.
        """
        f = Fields(raw)
        allowed = (*COMMON_FIELDS, *cls.FIELDS)
        for k in raw:
            if k not in allowed:
                raise Invalid((str(k),), f'json: unknown field "{k}"', hint=did_you_mean(str(k), allowed))
        exec_raw = raw.get("exec")
        if exec_raw is not None and not isinstance(exec_raw, str):
            raise Invalid(("exec",), "exec must be a string")
        config = cls(
            name=name,
            start_time=f.duration("startTime") or 0.0,
            graceful_stop=DEFAULT_GRACEFUL_STOP if not f.has("gracefulStop") else (f.duration("gracefulStop") or 0.0),
            exec_name=exec_raw or "default",
            env=f.str_map("env"),
            tags=f.str_map("tags"),
            exec_set=exec_raw is not None,
            graceful_stop_set=f.has("gracefulStop"),
        )
        config._parse_params(f)
        problems = config._base_problems(exec_raw) + config.validate()
        if problems:
            first_field = problems[0][0]
            raise Invalid((first_field,) if first_field else (), ", ".join(message for _, message in problems))
        return config

    def _parse_params(self, f: Fields) -> None:
        raise NotImplementedError

    def _base_problems(self, exec_raw: object) -> list[Problem]:
        problems: list[Problem] = []
        try:
            check_scenario_name(self.name)
        except Invalid:
            problems.append((None, SCENARIO_NAME_MESSAGE))
        if exec_raw == "":
            problems.append(("exec", "exec value cannot be empty"))
        return problems

    def validate(self) -> list[Problem]:
        """k6's validation messages for the executor's own parameters, in k6's order, with their fields."""
        raise NotImplementedError

    # -- planning ----------------------------------------------------------------------
    def regular_duration(self) -> float:
        """Seconds until no new iteration starts (math.inf: until stopped)."""
        raise NotImplementedError

    def max_duration(self) -> float:
        """Regular duration plus gracefulStop (startTime not included)."""
        return self.regular_duration() + self.graceful_stop

    def max_vus(self, segment: SegmentArg = None) -> int:
        """VUs this instance may use at once (planned + unplanned)."""
        return self.planned_vus(as_stripe(segment))

    def planned_vus(self, stripe: Stripe) -> int:
        """VUs initialized before the test starts (arrival-rate: preAllocatedVUs)."""
        raise NotImplementedError

    def planned_iterations(self, stripe: Stripe) -> int | None:
        """Iterations the instance running `stripe` plans to start; None when only time bounds the
        scenario (constant-vus, ramping-vus, externally-controlled)."""
        return None

    def has_work(self, segment: SegmentArg = None) -> bool:
        return self.max_vus(segment) > 0

    def describe(self, segment: SegmentArg = None) -> str:
        raise NotImplementedError

    def base_info(self, *facts: str) -> str:
        """k6 getBaseInfo: " (fact, exec: x, startTime: 1s, gracefulStop: 30s)"."""
        items = list(facts)
        if self.exec_set:
            items.append(f"exec: {self.exec_name}")
        if self.start_time > 0:
            items.append(f"startTime: {format_duration(self.start_time)}")
        if self.graceful_stop > 0:
            items.append(f"gracefulStop: {format_duration(self.graceful_stop)}")
        return f" ({', '.join(items)})" if items else ""

    # -- progress (k6's GetProgress) ------------------------------------------------------
    def progress_columns(self, p: ScenarioProgress, finished: bool) -> list[str]:
        """The columns right of this scenario's bar, as k6's executor words them (`finished`: it
        ran to its end, not stopped early)."""
        return generic_columns(p, finished)

    def to_dict(self) -> dict[str, Any]:
        """camelCase, k6 durations (for `loadpy inspect`)."""
        out: dict[str, Any] = {"executor": self.executor}
        if self.start_time:
            out["startTime"] = format_duration(self.start_time)
        out["gracefulStop"] = format_duration(self.graceful_stop)
        out.update(self.params_dict())
        out["exec"] = self.exec_name
        if self.env:
            out["env"] = dict(self.env)
        if self.tags:
            out["tags"] = dict(self.tags)
        return out

    def params_dict(self) -> dict[str, Any]:
        raise NotImplementedError

    def new_runner(self, env: RunEnv) -> ExecutorRunner:
        raise NotImplementedError


# --------------------------------------------------------------------------------------
# runner base
# --------------------------------------------------------------------------------------
@dataclass
class IterationsConfig(ExecutorConfig):
    """The shared shape of shared-iterations and per-vu-iterations: vus, iterations, maxDuration."""

    FIELDS: ClassVar[tuple[str, ...]] = ("vus", "iterations", "maxDuration")
    vus: int = 1
    iterations: int = 1
    max_duration_s: float = 600.0

    def _parse_params(self, f: Fields) -> None:
        self.vus = or_default(f.int("vus"), 1)
        self.iterations = or_default(f.int("iterations"), 1)
        self.max_duration_s = or_default(f.duration("maxDuration"), 600.0)

    def _iterations_error(self) -> str | None:
        """k6's message when `iterations` is invalid for this executor, else None."""
        raise NotImplementedError

    def validate(self) -> list[Problem]:
        problems: list[Problem] = []
        if self.vus <= 0:
            problems.append(("vus", "the number of VUs must be more than 0"))
        iterations_error = self._iterations_error()
        if iterations_error:
            problems.append(("iterations", iterations_error))
        if self.max_duration_s < MIN_DURATION:
            problems.append(("maxDuration", too_short("maxDuration", self.max_duration_s)))
        return problems

    def regular_duration(self) -> float:
        return self.max_duration_s

    def planned_vus(self, stripe: Stripe) -> int:
        return stripe.scale(self.vus)

    def planned_iterations(self, stripe: Stripe) -> int | None:
        return self.planned_vus(stripe) * self.iterations  # per VU (shared-iterations: shared)

    def params_dict(self) -> dict[str, Any]:
        return {"vus": self.vus, "iterations": self.iterations, "maxDuration": format_duration(self.max_duration_s)}

    def progress_columns(self, p: ScenarioProgress, finished: bool) -> list[str]:
        max_d = self.max_duration_s
        spent = f"{fixed_duration(min(p.elapsed, max_d), max_d)}/{format_duration(max_d)}"
        return [f"{p.max_vus} VUs", spent, self.iterations_column(p)]

    def iterations_column(self, p: ScenarioProgress) -> str:
        """How many of the iterations are done ("06/20 shared iters")."""
        raise NotImplementedError


class VUPool(Protocol):
    """The engine's VU pool (loadpy.engine.pool.VUPool)."""

    def take(self, count: int) -> list[VirtualUser]: ...

    def release(self, vus: list[VirtualUser]) -> None: ...


@dataclass
class RunEnv:
    """What the engine hands to each runner."""

    pool: VUPool
    registry: Registry
    stripe: Stripe
    run_tags: TagSet = ()
    scenario_tag: bool = True
    on_fatal: Callable[[BaseException], None] = lambda exc: None  # TestAbort or a bug: stop the test


class ExecutorRunner:
    """Runs one scenario. Subclasses implement `drive()`; `run()` enforces the deadlines."""

    counts_running_only: ClassVar[bool] = False  # arrival-rate: `vus` = VUs running an iteration

    def __init__(self, config: ExecutorConfig, env: RunEnv) -> None:
        self.config = config
        self.env = env
        self.stripe = env.stripe
        # this instance runs the whole test: its n-th iteration is the test's n-th (no Stripe.nth per iteration)
        self.whole = env.stripe.is_full
        tags = with_tags(env.run_tags, config.tags)
        if env.scenario_tag:
            tags = with_tags(tags, {"scenario": config.name})
        self.ctx = ScenarioContext(
            name=config.name, executor=config.executor, exec_name=config.exec_name, env=dict(config.env), tags=tags
        )
        self.active_vus = 0
        self.allocated_vus = 0
        self.completed = 0
        self.interrupted = 0
        self.dropped = 0
        self.started_at: float | None = None
        self.ended_at: float | None = None
        self.done = False
        self.stopping = False
        # stopped from outside (abort, signal, REST API): like k6's PushIfNotDone on the cancelled
        # run context, the never-started iterations are then not recorded as dropped
        self.stopped_externally = False
        self.regular_end = math.inf
        self.hard_end = math.inf
        self.lateness_max = 0.0  # arrival-rate: worst start lag behind the planned time (s)
        self.started = 0  # iterations started (IterationTally; counted by the VU's loop)
        self._tasks: set[asyncio.Task[Any]] = set()
        self._forget_task = self._tasks.discard  # one bound method for every task (not one each: 100k VUs)
        self._stop_event: asyncio.Event | None = None
        self._wake: asyncio.Event | None = None
        self._vus: list[VirtualUser] = []

    # -- lifecycle ---------------------------------------------------------------------
    async def run(self) -> None:
        self._stop_event = asyncio.Event()
        self._wake = asyncio.Event()
        self.started_at = self.ctx.start_time = now()
        self.regular_end = self.started_at + self.config.regular_duration()
        self.hard_end = min(self.hard_end, self.regular_end + self.config.graceful_stop)
        driver = asyncio.ensure_future(self.drive())
        try:
            await self._supervise(driver)
        finally:
            self.finish()
            self.env.pool.release(self._vus)
            self._vus = []
            self.allocated_vus = 0
            self.ended_at = now()
            self.done = True

    async def _supervise(self, driver: asyncio.Future[None]) -> None:
        assert self._wake is not None
        while not driver.done():
            remaining = self.hard_end - now()
            if remaining <= 0:
                break
            self._wake.clear()
            waiter = asyncio.ensure_future(self._wake.wait())
            try:
                pending: set[asyncio.Future[Any]] = {driver, waiter}
                await asyncio.wait(pending, timeout=min(remaining, 3600.0), return_when="FIRST_COMPLETED")
            finally:
                waiter.cancel()
        if not driver.done():
            self._halt()
            for task in list(self._tasks):
                task.cancel()
            driver.cancel()
        results = await asyncio.gather(driver, *self._tasks, return_exceptions=True)
        for res in results:
            if isinstance(res, BaseException) and not isinstance(res, asyncio.CancelledError):
                self.env.on_fatal(res)

    def _halt(self) -> None:
        self.stopping = True
        if self._stop_event is not None:
            self._stop_event.set()

    def stop(self, *, graceful: bool = True) -> None:
        """Stop starting iterations; running ones get gracefulStop (or none when not graceful)."""
        self.stopped_externally = True
        self._halt()
        deadline = now() + (self.config.graceful_stop if graceful else 0.0)
        if deadline < self.hard_end:
            self.hard_end = deadline
        if self._wake is not None:
            self._wake.set()

    async def drive(self) -> None:
        raise NotImplementedError

    def finish(self) -> None:
        """Called once when the scenario ends (also after a hard stop): emit end-of-run samples."""

    # -- helpers for subclasses ----------------------------------------------------------
    def take_vus(self, count: int) -> list[VirtualUser]:
        vus = self.env.pool.take(count) if count > 0 else []
        self._vus.extend(vus)
        self.allocated_vus += len(vus)
        return vus

    def may_start(self) -> bool:
        return not self.stopping and now() < self.regular_end

    def spawn(self, coro: Coroutine[Any, Any, Any]) -> asyncio.Task[Any]:
        task = asyncio.get_running_loop().create_task(coro)  # not ensure_future: ~2 µs less per VU
        self._tasks.add(task)
        task.add_done_callback(self._forget_task)
        return task

    def spawn_vu(self, coro: Coroutine[Any, Any, Any]) -> asyncio.Task[Any]:
        """Spawn a VU's loop; it counts as active from now until the loop ends (even if cancelled
        before it ever ran)."""
        self.active_vus += 1
        task = self.spawn(coro)
        task.add_done_callback(self._vu_done)
        return task

    async def run_loops_of(self, vus: list[VirtualUser], next_index: Callable[[], int | None]) -> None:
        """One iteration loop per VU, all started now, until every loop ends. Each VU's task is the
        iteration loop itself (no coroutine around it: one level less per request); the tasks live
        for the run, so they are made with the collector paused (base/collector.py)."""
        with long_lived_burst():
            tasks = [self.spawn_vu(self.run_iterations(vu, next_index)) for vu in vus]
        await asyncio.gather(*tasks)

    def _vu_done(self, _task: asyncio.Task[Any]) -> None:
        self.active_vus -= 1

    async def sleep_until(self, when: float) -> bool:
        """Sleep until the monotonic time `when`; False when the scenario was stopped meanwhile."""
        assert self._stop_event is not None
        delay = when - now()
        if self.stopping:
            return False
        if delay > 0:
            try:
                await asyncio.wait_for(self._stop_event.wait(), timeout=delay if math.isfinite(delay) else None)
            except TimeoutError:
                pass
        return not self.stopping

    def run_iterations(self, vu: VirtualUser, next_index: Callable[[], int | None]) -> Coroutine[Any, Any, None]:
        """The VU's own iteration loop on this scenario, counting into this runner (no coroutine around
        it: one level less per request): iterations while `next_index()` gives their index in the test."""
        assert not self.counts_running_only  # arrival-rate executors count running VUs around each one
        return vu.run_iterations(self.ctx, next_index, self)

    def iteration_failed(self, exc: Exception) -> None:
        """An iteration ended the VU's loop with `exc` (IterationTally)."""
        if isinstance(exc, TestAbort):
            self.completed += 1  # k6 counts the iteration that aborts the test
        else:  # a bug in the runtime: stop the test, do not hide it
            log.error("iteration of scenario %s failed unexpectedly", self.config.name, exc_info=exc)
        self.env.on_fatal(exc)

    def drop(self, count: int = 1) -> None:
        """Record `count` dropped iterations (tags: run tags + scenario tags + scenario)."""
        if count <= 0 or self.stopped_externally:
            return
        self.dropped += count
        registry = self.env.registry
        registry.add(registry.metrics["dropped_iterations"], self.ctx.tags, float(count))

    def progress_fraction(self) -> float:
        if self.done and not self.stopped_externally:
            return 1.0
        if self.started_at is None:
            return 0.0
        total = self.config.regular_duration()
        if not math.isfinite(total) or total <= 0:
            return 0.0
        return min(((self.ended_at or now()) - self.started_at) / total, 1.0)  # where a stop left it
