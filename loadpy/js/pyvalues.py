"""How values cross between JavaScript and a bound Python module (loadpy/js/modules.py).

Arguments and results travel as JSON with three markers the prelude's `pyArg`/`pyValue` understand:
`{"__lp_bytes": latin1}` is an ArrayBuffer, `{"__lp_obj": id, "__lp_kind": type}` a Python object
kept in the context's `PyObjects` table (a Selection, an Element, a Hasher: JavaScript sees a proxy
whose methods call back here), `{"__lp_fn": n}` the n-th JavaScript callback of the call (a function
passed to `Selection.each` and friends), and a record `{"__lp_record": type, ...fields}` is a
dataclass whose fields JavaScript reads as properties (`http.file()`'s FileData, `http.url`'s TaggedURL).
"""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Callable, Sequence
from typing import Any

from loadpy.k6lib.http import FileData, TaggedURL

JS_NAMES = {"clean_url": "cleanURL"}  # record fields whose JavaScript name is not their Python one
RECORDS: dict[str, type[Any]] = {"FileData": FileData, "TaggedURL": TaggedURL}
_PLAIN = (str, int, float, bool, type(None))


CALLBACK_THREW = "\x01C"  # what the prelude's callback wrapper answers when the function threw


class CallbackThrew(Exception):
    """A JavaScript callback threw; the prelude rethrows its own error once Python lets go."""


class PyObjects:
    """One context's Python objects seen from JavaScript, by id. Objects made in init code stay;
    those of an iteration live until `KEEP` younger ones exist (a script may keep one a while)."""

    KEEP = 256

    def __init__(self) -> None:
        self._objects: dict[int, Any] = {}
        self._last = 0
        self._init_last = 0

    def end_init(self) -> None:
        self._init_last = self._last

    def add(self, obj: Any) -> int:
        self._last += 1
        self._objects[self._last] = obj
        if len(self._objects) - self._init_last > self.KEEP:
            oldest = next(k for k in self._objects if k > self._init_last)
            del self._objects[oldest]
        return self._last

    def get(self, obj_id: int) -> Any:
        try:
            return self._objects[int(obj_id)]
        except KeyError:
            raise ValueError("this object is too old: keep fewer k6/html or k6/crypto objects at a time") from None

    # -- JSON → Python ---------------------------------------------------------------------------
    def decode_args(self, args_json: str, callbacks: Sequence[Callable[[str], str]]) -> list[Any]:
        args = json.loads(args_json)
        return [self._from_js(arg, callbacks) for arg in args]

    def _from_js(self, value: Any, callbacks: Sequence[Callable[[str], str]]) -> Any:
        if isinstance(value, list):
            return [self._from_js(v, callbacks) for v in value]
        if not isinstance(value, dict):
            return value
        if "__lp_bytes" in value:
            return str(value["__lp_bytes"]).encode("latin-1")
        if "__lp_obj" in value:
            return self.get(value["__lp_obj"])
        if "__lp_fn" in value:
            return self._callback(callbacks[int(value["__lp_fn"])])
        if "__lp_record" in value:
            record = RECORDS[str(value["__lp_record"])]
            names = [f.name for f in dataclasses.fields(record)]
            return record(**{n: self._from_js(value.get(JS_NAMES.get(n, n)), callbacks) for n in names})
        return {k: self._from_js(v, callbacks) for k, v in value.items()}

    def _callback(self, js_function: Callable[[str], str]) -> Callable[..., Any]:
        """A Python callable running a JavaScript function (through the prelude's wrapper, which
        decodes the arguments and encodes what the function returns)."""

        def call(*args: Any) -> Any:
            answer = js_function(self.encode(list(args)))
            if answer == CALLBACK_THREW:
                raise CallbackThrew()
            return self._from_js(json.loads(answer), ())

        return call

    # -- Python → JSON ---------------------------------------------------------------------------
    def encode(self, value: Any) -> str:
        return json.dumps(self._to_js(value))

    def _to_js(self, value: Any) -> Any:
        if isinstance(value, _PLAIN):
            return value
        if isinstance(value, bytes | bytearray):
            return {"__lp_bytes": bytes(value).decode("latin-1")}
        if isinstance(value, list | tuple):
            return [self._to_js(v) for v in value]
        if isinstance(value, dict):
            return {str(k): self._to_js(v) for k, v in value.items()}
        kind = type(value).__name__
        if kind in RECORDS:
            names = [f.name for f in dataclasses.fields(value)]
            return {"__lp_record": kind, **{JS_NAMES.get(n, n): self._to_js(getattr(value, n)) for n in names}}
        # an Element's members depend on its k6 type (an AnchorElement has href()): the prelude caches by kind
        k6_type = getattr(value, "k6_type", None)
        return {"__lp_obj": self.add(value), "__lp_kind": k6_type if isinstance(k6_type, str) else kind}


__all__ = ["CALLBACK_THREW", "CallbackThrew", "PyObjects"]
