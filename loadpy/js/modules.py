"""The k6 modules a script can import, and how a Python implementation is bound as one.

`k6`, `k6/http`, `k6/metrics`, `k6/data` and `k6/execution` are written in JavaScript (prelude.js)
over loadpy's VU API. Any other module can be implemented in Python and bound with `register`:

    register(PyModule("k6/encoding", {"b64encode": b64encode, ...}, glue=ENCODING_GLUE))

Each function receives the JavaScript arguments (ArrayBuffers as bytes, callbacks as callables) and
returns JSON-compatible values, bytes (an ArrayBuffer) or any object (JavaScript calls its methods by
their k6 names: see pyvalues.py). `glue` is optional JavaScript run once per VU with `m` (the module
object, holding the bound functions under the same names) and `bytes`/`text` helpers in scope; it can wrap functions to
convert ArrayBuffers (`bytes(s)` turns a latin-1 string into an ArrayBuffer, `text(buf)` back) or
define classes, and adds whatever it assigns to `m` to the module's exports.
"""

from __future__ import annotations

import dataclasses
import json
import re
from collections.abc import Callable, Collection, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from functools import cached_property, partial
from importlib import resources
from typing import Any

from loadpy.js.pyvalues import PyObjects
from loadpy.k6lib.http import object_body

K6HTTP_PURE = "loadpy:k6/http"  # not importable by a script: the bundler resolves only k6 names
JS_MODULES = frozenset(
    {"k6", "k6/http", "k6/metrics", "k6/data", "k6/execution", "k6/timers", "jslib/k6-utils"}
    | {"k6/ws", "k6/websockets", "k6/experimental/websockets"}  # loadpy/js/ws.py
)
# the jslib modules with a Python half (loadpy/js/jslib.py JSLIB_EXPORTS, imported by the first one used)
JSLIB_PY = (
    "jslib/k6-summary",
    "jslib/papaparse",
    "jslib/http-instrumentation-tempo",
    "jslib/http-instrumentation-pyroscope",
)
# jslib.k6.io libraries provided built in: https://jslib.k6.io/<name>/<version>/index.js -> module
JSLIB = {"k6-utils": "jslib/k6-utils", **{name.removeprefix("jslib/"): name for name in JSLIB_PY}}
_JSLIB_URL = re.compile(r"^https://jslib\.k6\.io/(?P<name>[a-z0-9-]+)/v?[0-9.]+/index\.js$")
# JavaScript halves of the jslib modules (jslib.js defines them; the module's glue calls one)
_JSLIB_GLUE = {
    "jslib/http-instrumentation-tempo": "__lp_jslib.tempo(m);",
    "jslib/http-instrumentation-pyroscope": "__lp_jslib.pyroscope(m);",
}
# built-in modules whose JavaScript loads another one (jslib.js: the Pyroscope baggage names the scenario)
_NEEDS = {"jslib/http-instrumentation-pyroscope": ("k6/execution",)}


def jslib_module(url: str) -> str | None:
    """The built-in module standing for a jslib.k6.io URL, or None."""
    match = _JSLIB_URL.match(url)
    return JSLIB.get(match.group("name")) if match else None


@dataclass(frozen=True)
class PyModule:
    name: str  # the import specifier, e.g. "k6/encoding"
    functions: Mapping[str, Callable[..., Any]] = field(default_factory=dict)
    glue: str = ""  # JavaScript run with `m`, `bytes`, `text` in scope


class LazyFunctions(Mapping[str, Callable[..., Any]]):
    """A module's functions from a table imported on first use (hashing, CSV, the jslib summary...): a
    script that imports none of these modules does not load them."""

    def __init__(self, load: Callable[[], Mapping[str, Callable[..., Any]]]) -> None:
        self._load = load

    @cached_property
    def _functions(self) -> Mapping[str, Callable[..., Any]]:
        return self._load()

    def __getitem__(self, name: str) -> Callable[..., Any]:
        return self._functions[name]

    def __iter__(self) -> Iterator[str]:
        return iter(self._functions)

    def __len__(self) -> int:
        return len(self._functions)


_PY_MODULES: dict[str, PyModule] = {}


def register(module: PyModule) -> None:
    """Bind a Python implementation as an importable module (later registrations replace earlier ones)."""
    _PY_MODULES[module.name] = module


def unregister(name: str) -> None:
    _PY_MODULES.pop(name, None)


def py_modules() -> Mapping[str, PyModule]:
    return _PY_MODULES


def builtin_names() -> set[str]:
    """The specifiers a script may import (loadpy's own "loadpy:" modules are not among them)."""
    return set(JS_MODULES) | {name for name in _PY_MODULES if not name.startswith("loadpy:")}


def needed_modules(imported: Collection[str]) -> set[str]:
    """The built-in modules a program evaluates: the ones imported, and what their JavaScript loads."""
    needed = set(imported)
    for name in imported:
        needed.update(_NEEDS.get(name, ()))
    return needed


def glue_source(imported: Collection[str]) -> str:
    """JavaScript that defines the registered Python modules a script imports, after jslib.js when one of
    its modules is imported (part of the prelude's lines). loadpy's own ("loadpy:") modules need none:
    the prelude calls their functions by name (`pyCall`)."""
    parts = []
    if not _JSLIB_GLUE.keys().isdisjoint(imported):
        parts.append(resources.files("loadpy.js").joinpath("jslib.js").read_text(encoding="utf-8"))
    for module in _PY_MODULES.values():
        if module.name not in imported:
            continue
        names = json.dumps(sorted(module.functions))
        body = module.glue.replace("\n", " ")  # one line per module: keeps the line arithmetic simple
        parts.append(f"__lp.pymodule({json.dumps(module.name)}, {names}, function (m, bytes, text) {{ {body} }});")
    return "\n".join(parts) + ("\n" if parts else "")


def call_py(objects: PyObjects, module: str, function: str, args_json: str, callbacks: Sequence[Any]) -> str:
    """Dispatch one call from JavaScript to a bound Python function; its result as JSON (pyvalues.py)."""
    fn = _PY_MODULES[module].functions[function]
    return objects.encode(fn(*objects.decode_args(args_json, callbacks)))


def member(objects: PyObjects, obj_id: int, js_name: str) -> str:
    """What `obj[js_name]` is for a Python object: "m" (a method), "p" + JSON (a value), "" (nothing)."""
    value = _attribute(objects.get(obj_id), js_name)
    if value is _MISSING:
        return ""
    return "m" if callable(value) else "p" + objects.encode(value)


def call_method(objects: PyObjects, obj_id: int, js_name: str, args_json: str, callbacks: Sequence[Any]) -> str:
    method = _attribute(objects.get(obj_id), js_name)
    if not callable(method):
        raise TypeError(f"{js_name} is not a function")
    return objects.encode(method(*objects.decode_args(args_json, callbacks)))


_MISSING = object()


def _attribute(obj: Any, js_name: str) -> Any:
    """A method of `obj`, or a field when it is a dataclass (an Attribute's name and value): its other
    attributes are loadpy's own (an Element's node), not part of k6's API."""
    from loadpy.k6lib.exports import python_name  # (k6lib's hashing and encoding: with the first object)

    name = python_name(js_name)
    if name.startswith("_"):
        return _MISSING
    value = getattr(obj, name, _MISSING)
    if callable(value) or value is _MISSING:
        return value
    is_field = dataclasses.is_dataclass(obj) and any(f.name == name for f in dataclasses.fields(obj))
    return value if is_field else _MISSING


def _k6lib_functions(name: str) -> Mapping[str, Callable[..., Any]]:
    from loadpy.k6lib.exports import JS_EXPORTS

    return JS_EXPORTS[name]


def _jslib_functions(name: str) -> Mapping[str, Callable[..., Any]]:
    from loadpy.js.jslib import JSLIB_EXPORTS

    return JSLIB_EXPORTS[name]


def _register_k6lib() -> None:
    """k6/encoding, k6/crypto and k6/html are loadpy.k6lib's, as they are (pyvalues.py carries
    ArrayBuffers, Selections, Elements and Hashers across)."""
    for name in ("k6/encoding", "k6/crypto", "k6/html"):
        register(PyModule(name, LazyFunctions(partial(_k6lib_functions, name))))
    # the pure parts of k6/http (http.url, http.file, object bodies): prelude.js calls these
    register(PyModule(K6HTTP_PURE, LazyFunctions(lambda: {**_k6lib_functions("k6/http"), "objectBody": _object_body})))
    for name in JSLIB_PY:
        register(PyModule(name, LazyFunctions(partial(_jslib_functions, name)), glue=_JSLIB_GLUE.get(name, "")))


def _object_body(data: Mapping[str, Any]) -> list[Any]:
    """An object request body as k6 sends it: [body bytes, Content-Type]."""
    body, content_type = object_body(data)
    return [body, content_type]


_register_k6lib()
