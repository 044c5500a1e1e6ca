"""The host functions one JavaScript context calls (`__lp_host_*` in prelude.js).

Each function answers with plain values or JSON text (the QuickJS binding passes nothing richer)
and never raises: an exception escaping into QuickJS would leave Python's error state set, so
failures come back as text starting with \x01 + a kind letter, which the prelude throws (not NUL:
the binding hands strings to QuickJS as C strings):
E = Error, G = GoError (k6's native errors), N = another named error (TypeError), A = the test abort,
C = rethrow what a JavaScript callback threw.

Blocking k6 calls (`http.get`, `sleep`) hand an awaitable to the VU's asyncio task by switching
to the parent greenlet (loadpy/js/bridge.py drives it) and resume with its outcome.
"""

from __future__ import annotations

import asyncio
import json
import logging
import os
import re
import stat
from collections.abc import Awaitable, Callable, Collection, Iterator, Mapping
from contextlib import AbstractContextManager, contextmanager, nullcontext
from dataclasses import dataclass, field
from typing import Any

import greenlet

from loadpy.errors import LoadpyError, ScriptError
from loadpy.js.jars import VU_JAR, Jars
from loadpy.js.modules import call_method, call_py, member
from loadpy.js.prelude import lazy_source
from loadpy.js.pyvalues import CALLBACK_THREW, CallbackThrew, PyObjects
from loadpy.js.throw import capture, thrown_message
from loadpy.js.wire import request_body, request_kwargs, request_url, response_field
from loadpy.js.ws import WsHost
from loadpy.k6lib.errors import K6Error
from loadpy.metrics.tags import tagset
from loadpy.protocols.http.model import Response

log = logging.getLogger("loadpy.js")
# console.* output is the script's own: shown under --quiet too, as k6 does (debug only with --verbose)
console_log = logging.getLogger("loadpy.js.console")
http_log = logging.getLogger("loadpy.http")
# k6's rule for a custom metric's name, and its words when a name breaks it
_K6_METRIC_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]{1,128}\Z")  # 2 to 129 characters, as k6 v1.1 checks
_K6_METRIC_NAME_RULE = (
    "Metric names must only include up to 128 ASCII letters, numbers, or underscores "
    "and start with a letter or an underscore."
)
_REDEFINED = re.compile(r"already exists as an? (\w+)\b.*redefined as an? (\w+)")
OPEN_OUTSIDE_INIT = (
    'the "open" function is only available in the init stage (i.e. the global scope), '
    "see https://grafana.com/docs/k6/latest/using-k6/test-lifecycle/ for more information"
)  # the HTTP client's warnings ("Request Failed" ...)
console_log.setLevel(logging.INFO)

SELF_GUARDED = frozenset({"__lp_host_http", "__lp_host_check", "__lp_host_source"})  # installed without `_guarded`
KEEP_RESPONSES = 32  # earlier iterations' responses whose fields can still be read on first use
ERROR = "\x01E"
GO_ERROR = "\x01G"
ABORT = "\x01A"
NAMED_ERROR = "\x01N"  # + the error's name, \x02, the message


class Failure:
    """An awaitable's exception, passed back into the greenlet that waited for it."""

    __slots__ = ("error",)

    def __init__(self, error: BaseException) -> None:
        self.error = error


_VU_JAR: AbstractContextManager[None] = nullcontext()  # no `jar` param: the VU's own, nothing to swap
INTERRUPTED = Failure(RuntimeError("the iteration was interrupted"))


@dataclass
class Shared:
    """What every context of one script shares: SharedArray data, opened files, the test's metrics."""

    arrays: dict[str, list[str]] = field(default_factory=dict)  # name -> items as JSON text
    files: dict[tuple[str, bool], str] = field(default_factory=dict)
    define_metric: Callable[[str, str, bool], None] = lambda name, type_, time: None
    options_json: str = "{}"
    instance: Callable[[], dict[str, Any]] = dict  # exec.instance
    throw: bool = False  # k6's `throw` option: a request that got no response throws (loadpy/js/throw.py)


class Host:
    """One context's host side; `vu` is the loadpy VU API object of the current phase."""

    def __init__(self, shared: Shared) -> None:
        self.shared = shared
        self.vu: Any = None
        self.state: Any = None  # the VUState behind `vu` (checks are recorded on it directly)
        self.init = True  # in init code: no requests, metrics may be declared
        self.interrupted = False
        self.abort_reason: str | None = None
        self.exec_info: Callable[[str], dict[str, Any]] = lambda key: {}
        self.set_vu_tag: Callable[[str, str | None], None] = lambda key, value: None  # the VU's (bridge.py)
        self._groups: list[Any] = []
        self.group_names: list[str] = []  # the current group path, innermost last
        self._responses: dict[int, tuple[Any, bool, bool]] = {}  # this iteration's, by id
        self._last_id = 0
        self._oldest_kept = 1  # no response has a smaller id in _responses
        self._metric_views: dict[str, Any] = {}
        self.objects = PyObjects()  # Python objects of bound modules (a Selection, a Hasher) by id
        self.client: Callable[[], Any] = lambda: None  # the VU's HTTP client (set with `vu`)
        self.jars = Jars(lambda: self.client().cookies)
        # http.asyncRequest: id -> (task, method, url, options, failure texts or None)
        self._in_flight: dict[int, tuple[asyncio.Future[Any], str, str, Any, list[str] | None]] = {}
        self.ws = WsHost(self._await_value, lambda: self.vu, self._ws_jar, lambda: self.interrupted)

    def callables(self, names: Collection[str]) -> dict[str, Callable[..., Any]]:
        """The functions of these names (the ones the program calls) to install in the context, each
        guarded (nothing may raise into QuickJS) but those of every iteration that catch everything
        themselves: one Python frame less per call."""
        functions = {**self._functions(), **self.ws.functions()}
        return {name: functions[name] if name in SELF_GUARDED else _guarded(name, functions[name]) for name in names}

    def _functions(self) -> dict[str, Callable[..., Any]]:
        return {
            "__lp_host_http": self.http,
            "__lp_host_http_start": self.http_start,
            "__lp_host_http_ready": self.http_ready,
            "__lp_host_http_done": self.http_done,
            "__lp_host_batch": self.batch,
            "__lp_host_response": self.response,
            "__lp_host_sleep": self.sleep,
            "__lp_host_tick": self.tick,
            "__lp_host_check": self.check,
            "__lp_host_group": self.group,
            "__lp_host_group_end": self.group_end,
            "__lp_host_metric_define": self.metric_define,
            "__lp_host_metric_add": self.metric_add,
            "__lp_host_log": self.log,
            "__lp_host_open": self.open,
            "__lp_host_shared_length": self.shared_length,
            "__lp_host_shared_store": self.shared_store,
            "__lp_host_shared_get": self.shared_get,
            "__lp_host_exec": self.exec,
            "__lp_host_vu_tag": self.vu_tag,
            "__lp_host_abort": self.abort,
            "__lp_host_fail": self.fail,
            "__lp_host_init": lambda: self.init,
            "__lp_host_py": self.py,
            "__lp_host_py_member": self.py_member,
            "__lp_host_py_call": self.py_call,
            "__lp_host_jar": self.jar,
            "__lp_host_source": lazy_source,  # one text per process, compiled per context
        }

    # -- waiting on the VU's asyncio task ------------------------------------------------------
    def _await(self, awaitable: Awaitable[Any]) -> Any:
        """Run `awaitable` on the VU's task; returns its value or a Failure."""
        if self.interrupted:
            _close(awaitable)
            return INTERRUPTED
        parent = greenlet.getcurrent().parent
        if parent is None:
            _close(awaitable)
            return Failure(RuntimeError("not in a VU"))
        return parent.switch(awaitable)

    def _await_value(self, awaitable: Awaitable[Any]) -> Any:
        """`_await` for callers that let an error propagate (the host function's guard reports it)."""
        if self.init or self.vu is None:
            _close(awaitable)
            raise K6Error("using websockets in the init context is not supported")
        outcome = self._await(awaitable)
        if isinstance(outcome, Failure):
            raise outcome.error
        return outcome

    def _ws_jar(self, jar_id: int) -> Any:
        """The jar of a WebSocket handshake: the VU's, or the `jar` param's (as k6)."""
        return self.client().cookies if jar_id == VU_JAR else self.jars.get(jar_id)

    def _vu_call(self, what: str) -> str | None:
        """An error answer when a VU-only call is made from init code."""
        if self.init or self.vu is None:
            return f"{GO_ERROR}{what} in the init context is not supported"
        if self.interrupted:
            return f"{ERROR}the iteration was interrupted"
        return None

    # -- k6/http -------------------------------------------------------------------------------
    def http(self, method: str, url: str, body: str | None, options_json: str | None) -> str | float:
        """One request; its head (`_number_head`). Installed unguarded (`SELF_GUARDED`): nothing raises."""
        try:
            if self.init or self.vu is None or self.interrupted:
                return self._vu_call("making http requests") or ERROR
            if options_json is None and body is None and not self.shared.throw:  # http.get(url): the VU's jar
                state = self.state  # what `vu.http.request(method, url)` does, without its keyword handling
                outcome = self._await(state.send(state.prepared_plain(method, url), state.default_site, None))
                if isinstance(outcome, Failure):
                    return _error(outcome.error)
                return self._number_head(outcome, None, url)
            return self._http(method, url, body, options_json)
        except Exception as exc:
            return _error(exc)

    def _http(self, method: str, url: str, body: str | None, options_json: str | None) -> str | float:
        """A request with params, a body or the `throw` option."""
        options = json.loads(options_json) if options_json else None
        failed: list[str] | None = [] if self.shared.throw else None
        kwargs = request_kwargs(options)
        with self._jar_of(options):
            url = request_url(url, options)
            request = self.vu.http.request(method, url, request_body(body, options), **kwargs)
            outcome = self._await(request if failed is None else capture(request, failed))
        if isinstance(outcome, Failure):
            return _error(outcome.error)
        if failed is not None and outcome.error:
            return f"{GO_ERROR}{thrown_message(method, url, outcome.error, failed)}"
        return self._number_head(outcome, options, url)

    def batch(self, requests_json: str) -> str:
        refused = self._vu_call("making http requests")
        if refused:
            return refused
        try:
            requests = json.loads(requests_json)
            invalid = next((req["invalid"] for req in requests if "invalid" in req), None)
            if invalid is not None:  # k6 sends none of the batch: empty responses
                http_log.warning("A batch request failed", extra={"error": invalid})
                return "\x03".join(self._head(Response("", "", sent=False), None) for _ in requests)
            calls = []
            jars = set()
            for req in requests:
                options = json.loads(req["options"]) if req.get("options") else None
                body = request_body(req.get("body"), options)
                url = request_url(req["url"], options)
                calls.append({"method": req["method"], "url": url, "body": body, **request_kwargs(options)})
                jars.add((options or {}).get("jar", VU_JAR))
            if len(jars) > 1:
                return f"{ERROR}http.batch: loadpy sends the requests of one batch with one cookie jar"
            failed: list[str] | None = [] if self.shared.throw else None
            with self._jar_of({"jar": jars.pop()} if jars else None):
                sent = self.vu.http.batch(calls)
                outcome = self._await(sent if failed is None else capture(sent, failed))
        except Exception as exc:
            return _error(exc)
        if isinstance(outcome, Failure):
            return _error(outcome.error)
        if failed is not None:
            for resp, call in zip(outcome, calls, strict=True):
                if resp.error:  # k6 throws the first failure of the batch
                    return f"{GO_ERROR}{thrown_message(call['method'], call['url'], resp.error, failed)}"
        return "\x03".join(
            self._head(resp, json.loads(req["options"]) if req.get("options") else None)
            for resp, req in zip(outcome, requests, strict=True)
        )

    # -- http.asyncRequest: requests in flight on the VU's event loop ------------------------------
    def http_start(self, method: str, url: str, body: str | None, options_json: str | None) -> int | str:
        """Start a request (its tags and group are taken now); an id for `http_done` to report it by.
        A request with its own `jar` is not started here: the prelude sends it at once."""
        refused = self._vu_call("making http requests")
        if refused:
            return refused
        try:
            options = json.loads(options_json) if options_json else None
            sending = self.vu.http.start(method, url, request_body(body, options), **request_kwargs(options))
            failed: list[str] | None = [] if self.shared.throw else None
            task = asyncio.ensure_future(sending if failed is None else capture(sending, failed))
        except Exception as exc:
            return _error(exc)
        self._last_id += 1
        self._in_flight[self._last_id] = (task, method, url, options, failed)
        return self._last_id

    def http_ready(self) -> bool:
        """Whether a started request has completed (its promise can settle now)."""
        return any(entry[0].done() for entry in self._in_flight.values())

    def http_done(self) -> str:
        """The completed requests as `id \x05 head-or-error`, joined by \x04 ("" when none)."""
        out = []
        for request_id, (task, method, url, options, failed) in list(self._in_flight.items()):
            if not task.done():
                continue
            del self._in_flight[request_id]
            if task.cancelled():
                answer = f"{ERROR}the iteration was interrupted"
            elif task.exception() is not None:
                answer = _error(task.exception())  # type: ignore[arg-type]
            elif failed is not None and task.result().error:
                answer = f"{GO_ERROR}{thrown_message(method, url, task.result().error, failed)}"
            else:
                answer = self._head(task.result(), options)
            out.append(f"{request_id}\x05{answer}")
        return "\x04".join(out)

    def cancel_in_flight(self) -> None:
        """The iteration is over (or interrupted): no request it started goes on."""
        if not self._in_flight:
            return
        for task, *_ in self._in_flight.values():
            task.cancel()
        self._in_flight.clear()

    def _jar_of(self, options: Mapping[str, Any] | None) -> AbstractContextManager[None]:
        """The request's `jar` param: the client uses that jar while the request runs (one VU's
        JavaScript requests run one after another, so no other request of the VU sees it)."""
        jar_id = options.get("jar", VU_JAR) if options else VU_JAR
        return _VU_JAR if jar_id == VU_JAR else self._jar_swapped(jar_id)

    @contextmanager
    def _jar_swapped(self, jar_id: int) -> Iterator[None]:
        client = self.client()
        own = client.cookies
        client.cookies = self.jars.get(jar_id)
        try:
            yield
        finally:
            client.cookies = own

    def _head(self, resp: Any, options: Mapping[str, Any] | None) -> str:
        """The fields every script reads, and an id for the rest (see `response`), as text."""
        response_id = self._keep(resp, options)
        return f"{response_id}\x02{resp.status}\x02{resp.proto}\x02{resp.url}\x02{resp.error_code}\x02{resp.error}"

    def _number_head(self, resp: Any, options: Mapping[str, Any] | None, asked_url: str) -> str | float:
        """`_head`, as one number (id * 1000 + status) for an HTTP/1.1 response without error from
        the URL asked for, the commonest answer (the prelude fills in the rest): nothing to format,
        cross as text and split. A float: the binding truncates ints to 32 bits."""
        status = resp.status
        if resp.url != asked_url or resp.error_code or resp.proto != "HTTP/1.1" or not 0 < status < 1000:
            return self._head(resp, options)
        return self._keep(resp, options) * 1000.0 + status

    def _keep(self, resp: Any, options: Mapping[str, Any] | None) -> int:
        """An id for the response, whose other fields the script reads on first use."""
        response_id = self._last_id = self._last_id + 1
        if options is None:
            self._responses[response_id] = (resp, False, False)
        else:
            response_type = options.get("responseType")
            self._responses[response_id] = (resp, response_type == "binary", response_type == "none")
        return response_id

    def response(self, response_id: int, name: str) -> str | None:
        """One field of a Response made in this iteration, as the prelude's LAZY decoders expect it."""
        entry = self._responses.get(int(response_id))
        if entry is None:
            return f"{ERROR}response.{name}: the response is too old (read its fields while it is recent)"
        resp, binary, discard = entry
        try:
            return response_field(resp, name, binary, discard)
        except Exception as exc:
            return _error(exc)

    def new_iteration(self) -> None:
        """Forget older responses: all of the current iteration's stay readable, and the last
        KEEP_RESPONSES of earlier ones (a script may keep `last = res` across iterations)."""
        self.ws.reset()
        responses = self._responses
        if len(responses) > KEEP_RESPONSES:
            # the oldest by id (ids only grow), one at a time: not `next(iter(responses))`, which walks
            # the holes earlier deletions left; not in batches, whose burst of frees makes Python's
            # collector run more often
            oldest = self._oldest_kept
            while len(responses) > KEEP_RESPONSES:
                responses.pop(oldest, None)
                oldest += 1
            self._oldest_kept = oldest

    # -- k6 ------------------------------------------------------------------------------------
    def sleep(self, seconds: float) -> str | None:
        refused = self._vu_call("sleep()")
        if refused:
            return refused
        outcome = self._await(self.vu.sleep(max(0.0, float(seconds))))
        return _error(outcome.error) if isinstance(outcome, Failure) else None

    def tick(self) -> str | None:
        """A loop ran LOOP_GUARD_EVERY more passes (loadpy/js/bundle.py): let the other VUs of the
        process run; once the iteration is hard-stopped, throw (again at every pass of any loop)."""
        if self.interrupted:
            return f"{ERROR}the iteration was interrupted"
        if self.vu is None or self.init or greenlet.getcurrent().parent is None:
            return None  # init code, handleSummary: nothing else to run
        outcome = self._await(asyncio.sleep(0))
        return f"{ERROR}the iteration was interrupted" if isinstance(outcome, Failure) else None

    def wait(self, seconds: float) -> bool:
        """Sleep on the VU's task until a timer is due or a started request completes; False when it
        cannot (init code, interrupted)."""
        if self.vu is None or self.init or self.interrupted:
            self.cancel_in_flight()
            return False
        if self._in_flight:
            return not isinstance(self._await(self._first_settled(seconds)), Failure)
        # with WebSockets open (k6/websockets), an event wakes the loop before the timer is due
        wait = self.ws.until_event(seconds) if self.ws.live else self.vu.sleep(seconds)
        return not isinstance(self._await(wait), Failure)

    async def _first_settled(self, seconds: float) -> None:
        """Until a started request completes, a WebSocket event arrives or `seconds` pass."""
        waits: list[asyncio.Future[Any]] = [entry[0] for entry in self._in_flight.values()]
        ws_event = asyncio.ensure_future(self.ws.until_event(seconds)) if self.ws.live else None
        if ws_event is not None:
            waits.append(ws_event)
        try:
            await asyncio.wait(waits, timeout=seconds, return_when=asyncio.FIRST_COMPLETED)
        finally:
            if ws_event is not None:
                ws_event.cancel()

    def check(self, name: str, passed: bool, tags_json: str) -> None:
        """One `checks` sample (the prelude's check() runs the conditions). Installed unguarded."""
        try:
            if self.state is not None and not self.interrupted:  # k6 runs no more code of a hard-stopped iteration
                self.state.record_check(name, bool(passed), tagset(json.loads(tags_json)) if tags_json else ())
        except Exception as exc:
            log.error("check %r: %s", name, exc)

    def group(self, name: str) -> str | None:
        if self.vu is None:
            return f"{GO_ERROR}group() in the init context is not supported"
        try:
            manager = self.vu.group(name)
            outcome = _run_now(manager.__aenter__())
        except ScriptError as exc:  # a name with '::': k6's GoError
            return f"{GO_ERROR}{exc}"
        except Exception as exc:
            return _error(exc)
        if isinstance(outcome, Failure):
            return _error(outcome.error)
        self._groups.append(manager)
        self.group_names.append(name)
        return None

    def group_end(self, ok: bool) -> None:
        if not self._groups:
            return
        manager = self._groups.pop()
        self.group_names.pop()
        failure: BaseException | None = None if ok else RuntimeError("group function threw")
        if self.interrupted:  # as the Python API: an interrupted group records no group_duration
            failure = asyncio.CancelledError()
        try:
            _run_now(
                manager.__aexit__(None, None, None)
                if failure is None
                else manager.__aexit__(type(failure), failure, None)
            )
        except Exception:  # __aexit__ re-raises the group's error: JavaScript is already unwinding it
            pass

    # -- k6/metrics ----------------------------------------------------------------------------
    def metric_define(self, name: str, type_: str, is_time: bool) -> str | None:
        if not _K6_METRIC_NAME.match(name):
            return f"{GO_ERROR}Invalid metric name: '{name}'. {_K6_METRIC_NAME_RULE}"
        try:
            self.shared.define_metric(name, type_, bool(is_time))
        except (LoadpyError, ValueError) as exc:
            redefined = _REDEFINED.search(str(exc))
            if redefined:  # in k6's words
                was, wanted = redefined.group(1), redefined.group(2)
                return f"{GO_ERROR}metric '{name}' already exists but with type {was}, instead of {wanted}"
            return _error(exc)
        return None

    def metric_add(self, name: str, value: Any, tags_json: str) -> bool:
        if self.interrupted:
            return False
        if self.vu is None or self.init:
            log.error("metric %s: adding samples in the init context is not supported", name)
            return False
        try:
            return bool(self.vu.metrics[name].add(value, json.loads(tags_json) if tags_json else None))
        except Exception as exc:
            log.error("metric %s: %s", name, exc)
            return False

    # -- console, open(), SharedArray ----------------------------------------------------------
    def log(self, level: str, text: str) -> None:
        if level == "stopped":  # k6's own warning (not console output) of a timer an iteration left unrun
            log.warning("%s", text)
            return
        if self.interrupted:
            return
        console_log.log(logging.getLevelName(level.upper()), "%s", text, extra={"source": "console"})

    def open(self, folder: str, path: str, binary: bool) -> str:
        if not self.init:
            return f"{GO_ERROR}{OPEN_OUTSIDE_INIT}"
        if not path:
            return f"{GO_ERROR}open() can't be used with an empty filename"
        full = path if os.path.isabs(path) else os.path.normpath(os.path.join(folder, path))
        key = (full, bool(binary))
        cached = self.shared.files.get(key)
        if cached is not None:
            return cached
        try:  # k6 stats the file first: a missing one is Go's `stat` error, a directory is refused by name
            mode = os.stat(full).st_mode
        except OSError as exc:
            return f"{GO_ERROR}stat {full}: {exc.strerror.lower() if exc.strerror else exc}"
        if stat.S_ISDIR(mode):
            return f'{GO_ERROR}open() can\'t be used with directories, path: "{full}"'

        try:
            with open(full, "rb") as handle:
                data = handle.read()
        except OSError as exc:
            return f"{GO_ERROR}open {full}: {exc.strerror.lower() if exc.strerror else exc}"
        # as JSON text: strings reach QuickJS as C strings, and a binary file may hold NUL bytes
        text = json.dumps(data.decode("latin-1") if binary else data.decode("utf-8", "replace"))
        self.shared.files[key] = text
        return text

    def shared_length(self, name: str) -> int:
        items = self.shared.arrays.get(name)
        return -1 if items is None else len(items)

    def shared_store(self, name: str, data_json: str) -> int | str:
        try:
            items = [json.dumps(item) for item in json.loads(data_json)]
        except ValueError as exc:
            return _error(exc)
        self.shared.arrays.setdefault(name, items)
        return len(self.shared.arrays[name])

    def shared_get(self, name: str, index: int) -> str:
        return self.shared.arrays[name][int(index)]

    # -- k6/execution --------------------------------------------------------------------------
    def exec(self, key: str) -> str:
        if key == "options":
            return self.shared.options_json
        if key == "instance":
            return json.dumps(self.shared.instance())
        return json.dumps(self.exec_info(key))

    def vu_tag(self, key: str, value: str | None) -> None:
        """exec.vu.metrics.tags[key] = value (None: delete)."""
        self.set_vu_tag(key, value)

    def abort(self, reason: str) -> str:
        self.abort_reason = reason or "test aborted"
        return f"{ABORT}test aborted: {self.abort_reason}"

    def fail(self, reason: str) -> None:
        if self.vu is not None:
            self.vu.fail(reason)

    # -- cookie jars ---------------------------------------------------------------------------
    def jar(self, op: str, jar_id: int, args_json: str) -> str:
        """A CookieJar method (new, set, cookiesForURL, delete, clear); its result as JSON."""
        if jar_id == VU_JAR and (self.init or self.vu is None):  # a new CookieJar() may be made there
            return f"{GO_ERROR}Making cookie jars in the init context is not supported"
        try:
            args = json.loads(args_json)
            jars = self.jars
            if op == "check":
                return "null"
            if op == "new":
                return json.dumps(jars.new())
            operations: dict[str, Callable[..., Any]] = {
                "set": jars.set,
                "cookiesForURL": jars.cookies_for_url,
                "delete": jars.delete,
                "clear": jars.clear,
            }
            operation = operations.get(op)
            if operation is not None:
                return json.dumps(operation(jar_id, *args))
        except Exception as exc:
            return _error(exc)
        return f"{ERROR}CookieJar.{op} is not a function"

    # -- modules bound from Python (loadpy/js/modules.py) -----------------------------------------
    def py(self, module: str, function: str, args_json: str, *callbacks: Any) -> str:
        try:
            return call_py(self.objects, module, function, args_json, callbacks)
        except Exception as exc:
            return _error(exc)

    def py_member(self, obj_id: int, js_name: str) -> str:
        try:
            return member(self.objects, obj_id, js_name)
        except Exception as exc:
            return _error(exc)

    def py_call(self, obj_id: int, js_name: str, args_json: str, *callbacks: Any) -> str:
        try:
            return call_method(self.objects, obj_id, js_name, args_json, callbacks)
        except Exception as exc:
            return _error(exc)


def _guarded(name: str, fn: Callable[..., Any]) -> Callable[..., Any]:
    def call(*args: Any) -> Any:
        try:
            return fn(*args)
        except Exception as exc:  # a bug of ours, or a value nobody expected: an Error in JavaScript
            log.debug("%s failed", name, exc_info=True)
            return _error(exc)

    return call


def _close(awaitable: Awaitable[Any]) -> None:
    close = getattr(awaitable, "close", None)
    if close is not None:
        close()


def _run_now(coro: Any) -> Any:
    """Finish a coroutine that does not suspend (a group's enter/exit) without the event loop."""
    try:
        coro.send(None)
    except StopIteration as stop:
        return stop.value
    coro.close()
    raise RuntimeError("a group boundary tried to wait")


def _error(exc: BaseException) -> str:
    if isinstance(exc, CallbackThrew):
        return CALLBACK_THREW
    if isinstance(exc, K6Error):  # thrown as k6 throws it: a GoError, a TypeError ...
        return f"{GO_ERROR}{exc.message}" if exc.name == "GoError" else f"{NAMED_ERROR}{exc.name}\x02{exc.message}"
    return f"{ERROR}{exc}"
