"""The k6 modules a script can import, and how a Python implementation is bound as one.

`k6`, `k6/http`, `k6/metrics`, `k6/data` and `k6/execution` are written in JavaScript (prelude.js)
over loadpy's VU API. Any other module can be implemented in Python and bound with `register`:

    register(PyModule("k6/encoding", {"b64encode": b64encode, ...}, glue=ENCODING_GLUE))

Each function receives the JavaScript arguments decoded from JSON and returns a JSON-serialisable
value. `glue` is optional JavaScript run once per VU with `m` (the module object, holding the bound
functions under the same names) and `bytes`/`text` helpers in scope; it can wrap functions to
convert ArrayBuffers (`bytes(s)` turns a latin-1 string into an ArrayBuffer, `text(buf)` back) or
define classes, and adds whatever it assigns to `m` to the module's exports.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

JS_MODULES = frozenset({"k6", "k6/http", "k6/metrics", "k6/data", "k6/execution", "k6/timers", "jslib/k6-utils"})
# jslib.k6.io libraries provided built in: https://jslib.k6.io/<name>/<version>/index.js -> module
JSLIB = {"k6-utils": "jslib/k6-utils"}
_JSLIB_URL = re.compile(r"^https://jslib\.k6\.io/(?P<name>[a-z0-9-]+)/[0-9.]+/index\.js$")


def jslib_module(url: str) -> str | None:
    """The built-in module standing for a jslib.k6.io URL, or None."""
    match = _JSLIB_URL.match(url)
    return JSLIB.get(match.group("name")) if match else None


@dataclass(frozen=True)
class PyModule:
    name: str  # the import specifier, e.g. "k6/encoding"
    functions: Mapping[str, Callable[..., Any]] = field(default_factory=dict)
    glue: str = ""  # JavaScript run with `m`, `bytes`, `text` in scope


_PY_MODULES: dict[str, PyModule] = {}


def register(module: PyModule) -> None:
    """Bind a Python implementation as an importable module (later registrations replace earlier ones)."""
    _PY_MODULES[module.name] = module


def unregister(name: str) -> None:
    _PY_MODULES.pop(name, None)


def py_modules() -> Mapping[str, PyModule]:
    return _PY_MODULES


def builtin_names() -> set[str]:
    return set(JS_MODULES) | set(_PY_MODULES)


def glue_source() -> str:
    """JavaScript that defines every registered Python module (part of the prelude's lines)."""
    parts = []
    for module in _PY_MODULES.values():
        names = json.dumps(sorted(module.functions))
        body = module.glue.replace("\n", " ")  # one line per module: keeps the line arithmetic simple
        parts.append(f"__lp.pymodule({json.dumps(module.name)}, {names}, function (m, bytes, text) {{ {body} }});")
    return "\n".join(parts) + ("\n" if parts else "")


def call_py(module: str, function: str, args_json: str) -> Any:
    """Dispatch one call from JavaScript to a bound Python function."""
    fn = _PY_MODULES[module].functions[function]
    return fn(*json.loads(args_json))
