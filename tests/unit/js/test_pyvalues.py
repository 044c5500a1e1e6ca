"""How values cross between JavaScript and bound Python modules (loadpy/js/pyvalues.py)."""

from __future__ import annotations

import json

import pytest

from loadpy.js.pyvalues import CALLBACK_THREW, CallbackThrew, PyObjects
from loadpy.k6lib.http import FileData


def test_bytes_records_and_objects_cross_both_ways() -> None:
    objects = PyObjects()
    hasher = object()
    encoded = json.loads(objects.encode([b"\x00\xff", FileData(b"\x01", "f.bin", "x/y"), hasher, None]))
    assert encoded[0] == {"__lp_bytes": "\x00\xff"}
    file_record = {"__lp_record": "FileData", "data": {"__lp_bytes": "\x01"}, "filename": "f.bin"}
    file_record["content_type"] = "x/y"
    assert encoded[1] == file_record
    assert encoded[2] == {"__lp_obj": 1, "__lp_kind": "object"} and encoded[3] is None
    back = objects.decode_args(json.dumps(encoded), [])
    assert back == [b"\x00\xff", FileData(b"\x01", "f.bin", "x/y"), hasher, None]


def test_objects_of_init_code_stay_and_later_ones_are_kept_up_to_keep() -> None:
    objects = PyObjects()
    made_in_init = objects.add("init")
    objects.end_init()
    first = objects.add("first")
    for _ in range(PyObjects.KEEP):
        objects.add("later")
    assert objects.get(made_in_init) == "init"
    with pytest.raises(ValueError, match="this object is too old"):
        objects.get(first)
    assert objects.get(first + 1) == "later"


def test_a_callback_runs_the_javascript_function_and_its_throw_is_signalled() -> None:
    objects = PyObjects()
    seen: list[str] = []

    def js_function(args_json: str) -> str:
        seen.append(args_json)
        return json.dumps({"__lp_bytes": "ok"})

    (callback,) = objects.decode_args('[{"__lp_fn": 0}]', [js_function])
    assert callback(1, b"a") == b"ok"
    assert seen == ['[1, {"__lp_bytes": "a"}]']
    (throwing,) = objects.decode_args('[{"__lp_fn": 0}]', [lambda _: CALLBACK_THREW])
    with pytest.raises(CallbackThrew):
        throwing()
