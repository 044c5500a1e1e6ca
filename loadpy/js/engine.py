"""QuickJS contexts for one script: the program (prelude + bundle), one context per VU, and
JavaScript errors rendered as k6 renders them (`file:///path:line` frames)."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import quickjs

from loadpy.errors import ScriptError
from loadpy.js.bundle import Bundler, LineMap
from loadpy.js.host import Host
from loadpy.js.modules import builtin_names
from loadpy.js.prelude import prelude_source

_FRAME = re.compile(r"^\s*at (?P<name>\S+(?: \S+)*?)(?: \((?P<where>[^)]*)\))?\s*$")
_WHERE = re.compile(r"^<input>(?::(?P<line>\d+))?$")
# a context is given only the host functions its prelude calls (each costs it a function object)
_HOST_NAME = re.compile(r"\b__lp_host_\w+")

JSException = quickjs.JSException
# a default export is compiled as `var __lp_default_export = function ...` (loadpy/js/bundle.py)
_FUNCTION_NAMES = {"__lp_default_export": "default"}
_PROPERTY_OF = re.compile(r"^TypeError: cannot read property '([^']*)' of (?:undefined|null)$")


_NOT_DEFINED = re.compile(r"^ReferenceError: '([^']*)' is not defined$")


def _goja_message(head: str) -> str:
    """QuickJS's wording of the commonest errors as k6's engine (goja) words them."""
    match = _PROPERTY_OF.match(head)
    if match:
        return f"TypeError: Cannot read property '{match.group(1)}' of undefined"
    match = _NOT_DEFINED.match(head)
    if match:
        return f"ReferenceError: {match.group(1)} is not defined"
    return head


# QuickJS's wording of the SyntaxErrors of strict mode (every k6 module is strict) → goja's
_STRICT_SYNTAX = {
    "invalid keyword: with": "Strict mode code may not include a with statement",
    "octal literals are deprecated in strict mode": "Octal literals are not allowed in strict mode",
    "duplicate argument names not allowed in this context": "Duplicate parameter name not allowed in this context",
    "invalid variable name in strict mode": "Assignment to eval or arguments is not allowed in strict mode",
    "invalid lvalue in strict mode": "Assignment to eval or arguments is not allowed in strict mode",
    "cannot delete a direct reference in strict mode": "Delete of an unqualified identifier in strict mode",
    "variable name expected": "Unexpected strict mode reserved word",
}
_COMPILE_FRAME = re.compile(r"^\s*at <input>:(?P<line>\d+)\s*$")


@dataclass(frozen=True)
class Program:
    """One script, ready to evaluate in any number of contexts."""

    path: str
    source: str
    lines: LineMap
    prelude_lines: int
    host_names: frozenset[str]  # the host functions (`__lp_host_*`) the prelude kept calls

    def render_error(self, exc: BaseException) -> str:
        """A QuickJS exception as k6's message: first line, then `\\tat name (file:///path:line)` frames."""
        text = str(exc.args[0]) if exc.args else str(exc)
        head, _, stack = text.partition("\n")
        compile_error = self._compile_error(head, stack)
        if compile_error:
            return compile_error
        head = _goja_message(head)
        frames: list[str] = []
        raws = stack.splitlines()
        for at, raw in enumerate(raws):
            frame = self._frame(raw)
            # a native function the prelude called (the module loader's `call`) is hidden with it
            if frame and not (frame.endswith("(native)") and at + 1 < len(raws) and not self._frame(raws[at + 1])):
                frames.append(frame)
        return head + "".join(f"\n\tat {f}" for f in frames)

    def _compile_error(self, head: str, stack: str) -> str:
        """A SyntaxError QuickJS found compiling the bundle (tree-sitter let it through: strict mode's
        rules) as k6 words it: `GoError: SyntaxError: ... at file:///path:line` ("" for any other error)."""
        match = _COMPILE_FRAME.match(stack.strip("\n"))
        if not head.startswith("SyntaxError: ") or match is None:
            return ""
        located = self.lines.locate(int(match.group("line")))
        if located is None:
            return ""
        message = head.removeprefix("SyntaxError: ")
        return f"GoError: SyntaxError: {_STRICT_SYNTAX.get(message, message)} at file://{located[0]}:{located[1]}"

    def _frame(self, raw: str) -> str | None:
        match = _FRAME.match(raw)
        if match is None:
            return None
        name, where = match.group("name"), match.group("where")
        if where is None:  # no location at all: a function of the prelude ("use strip"), hidden like k6's Go frames
            return None
        place = _WHERE.match(where)
        if place is None:
            return f"{name} ({where})" if where else name
        line = place.group("line")
        if line is None:
            if name in ("<eval>", "<anonymous>"):
                return None
            one_liner = self.lines.one_liners.get(name)
            shown = _FUNCTION_NAMES.get(name, name)
            return f"{shown} (file://{one_liner[0]}:{one_liner[1]})" if one_liner else shown
        located = self.lines.locate(int(line))
        if located is None:  # the prelude: loadpy's own k6 modules, hidden like k6's Go frames
            return None
        file, file_line = located
        url = f"file://{file}:{file_line}"
        if name in ("<eval>", "<anonymous>"):
            return url
        return f"{_FUNCTION_NAMES.get(name, name)} ({url})"

    def innermost_frame(self, exc: BaseException) -> str:
        """The innermost frame in the user's code (`default (file:///path:line)`), or ""."""
        for raw in (str(exc.args[0]) if exc.args else "").splitlines()[1:]:
            frame = self._frame(raw)
            if frame:
                return frame
        return ""


def compile_program(path: str) -> Program:
    """Bundle the script and its local modules (ScriptError on syntax errors and bad imports)."""
    bundler = Bundler(builtin_names())
    main_id = bundler.add_file(path, path)
    prelude = prelude_source(bundler.builtins_imported())
    prelude_lines = prelude.count("\n")
    bundle = bundler.bundle(main_id, prelude_lines + 1)
    source = prelude + bundle.source + f"__lp.boot({json.dumps(main_id)}); undefined;\n"
    host_names = frozenset(_HOST_NAME.findall(prelude))
    return Program(str(Path(path)), source, bundle.lines, prelude_lines, host_names)


class JsContext:
    """One QuickJS context running the program: a VU's, or the init/setup/teardown one."""

    def __init__(self, program: Program, host: Host, env: dict[str, str], vu_id: int) -> None:
        self.program = program
        self.host = host
        ctx = self.ctx = quickjs.Context()
        ctx.set_max_stack_size(8 * 1024 * 1024)  # deep recursion reports a RangeError, not a crash
        for name, fn in host.callables(program.host_names).items():
            ctx.add_callable(name, fn)
        ctx.set("__VU", vu_id)
        ctx.set("__lp_env_json", json.dumps(env))
        self._env = env
        self.host_env: Any = None  # the env mapping last applied to __ENV (by identity)
        self.data_seen: Any = None  # the setup data object last parsed into this context
        self.greenlet: Any = None  # the greenlet its exported functions run on (loadpy/js/bridge.py)
        self.async_call = False  # the last call() ran an async function
        try:
            ctx.eval("var __ENV = JSON.parse(__lp_env_json); delete globalThis.__lp_env_json;")  # (one copy kept)
            ctx.eval(program.source)
        except JSException as exc:
            raise ScriptError(program.render_error(exc)) from None
        finally:
            host.init = False
            host.objects.end_init()
        self._call = ctx.get("__lp_call")  # (name, iteration, withData)
        self._settle = ctx.get("__lp_settle")
        self._set_data = ctx.get("__lp_set_data")  # (json)
        self._set_env = ctx.get("__lp_set_env")  # (json)
        self._next_timer = ctx.get("__lp_next_timer")
        self._fire_timer = ctx.get("__lp_fire_timer")
        self._stop_timers = ctx.get("__lp_stop_timers")

    def exports(self) -> dict[str, str]:
        """Exported name -> typeof."""
        return dict(json.loads(self.ctx.eval("__lp.exportsJson()")))

    def options(self) -> dict[str, Any]:
        try:
            value = json.loads(self.ctx.eval("__lp.optionsJson()"))
        except JSException as exc:
            raise ScriptError(self.program.render_error(exc)) from None
        return value if isinstance(value, dict) else {"__not_an_object__": value}

    def set_env(self, env: dict[str, str]) -> None:
        if env is not self._env:
            self._env = env
            self._set_env(json.dumps(env))

    def set_data(self, data_json: str | None) -> None:
        self._set_data(data_json)

    def call(self, name: str, iteration: int, with_data: bool) -> Any:
        """Call an exported function (raises JSException); returns its result as JSON text or None.

        As k6's event loop: promise jobs and timers run until none is left (an async function's
        promise settled, no timer pending); waiting for a timer is a host sleep on the VU's task.
        """
        ctx = self.ctx
        self.async_call = False
        # None or JSON: done; "\x01P": an async function's promise; "\x01T" + JSON: done, a timer is set
        result = self._call(name, iteration, with_data)
        if result is None or result[:1] != "\x01":
            if not ctx.execute_pending_job():
                return result  # the common case: no promise, no job, no timer (one crossing less)
        elif result[:2] == "\x01T":
            result = result[2:] or None
        pending = self.async_call = result == "\x01P"  # an async function's error is "Uncaught (in promise)"
        while True:
            while ctx.execute_pending_job():
                pass
            if pending:
                result = self._settle()
                pending = result == "\x01P"
            wait_ms = self._next_timer()
            if wait_ms < 0:
                break
            if wait_ms > 0 and not self.host.wait(wait_ms / 1000.0):
                if self.host.interrupted:
                    self._stop_timers()  # k6 warns of each timer a hard stop leaves unrun
                break
            self._fire_timer()
        if pending:  # nothing left that could settle it: k6 would wait forever
            raise ScriptError(f"{self.program.path}: function '{name}' returned a promise that never settles")
        return result

    def handle_summary(self, data_json: str) -> Any:
        return self.ctx.eval(f"__lp.summary({json.dumps(data_json)})")
