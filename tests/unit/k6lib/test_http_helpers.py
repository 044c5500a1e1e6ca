"""k6/http's pure helpers against the real k6: form bodies and multipart bodies as a local server received
them, `http.url` templates (names, masking, Go's URL errors) and `http.file`."""

from __future__ import annotations

import itertools
import json
import re
import time
from collections.abc import Callable, Iterator
from typing import Any

import pytest

from loadpy.k6lib import http
from loadpy.k6lib.errors import K6Error
from tests.unit.k6lib.echo_server import echo_server
from tests.unit.k6lib.oracle import compare, k6_eval

PREAMBLE = "import http from 'k6/http';"

FORMS: list[dict[str, Any]] = [
    {"b": "2", "a": "1"},
    {"q": "a b&c=d/é+~_.-*", "ü": "x"},
    {"list": ["x", "y", 3], "empty": [], "k": True, "f": False, "n": None},
    {"nested": {"z": 1, "a": [1, {"c": "d"}]}, "deep": [[1, 2], [3]]},
    {"num": 1234567.5, "small": 0.00001, "int": 42, "neg": -7.25, "big": 1e21, "whole": 3.0},
    {"B": "upper", "a": "lower", "_": "under", "1": "digit"},
    {},
]

URLS: list[tuple[list[str], list[str]]] = [
    (["http://example.com/items/", ""], ["42"]),
    (["http://u:p@example.com/", "/a?b=", ""], ["1", "c d"]),
    (["http://user@example.com/", ""], ["1"]),
    (["http://example.com/plain"], []),
    (["http://u:p@example.com/plain"], []),
    (["http://u%41:p%42c@example.com/", ""], ["1"]),
    (["http://example.com:99999/", ""], ["1"]),
    (["ht tp://x/", ""], ["1"]),
    (["http://x/%zz", ""], ["1"]),
    (["http://[::1/", ""], ["2"]),
    ([":foo/", ""], ["3"]),
    (["http://ex ample.com/", ""], ["1"]),
    (["http://x:8a/", ""], ["1"]),
    (["http://x/\x01", ""], ["1"]),
    (["mailto:a@b.c?x=", ""], ["%zz"]),
    (["http://x/a#frag%", ""], ["1"]),
    (["http://[::1]:80/", ""], ["1"]),
    (["http://[::1]x/", ""], ["1"]),
    (["http://a b@x/", ""], ["1"]),
    (["http://x%2/", ""], ["1"]),
    (["//host/", ""], ["1"]),
    (["", "://x"], ["http"]),
    (["a:b/", ""], ["1"]),
    (["/p/", "?q=%zz"], ["1"]),
]


@pytest.fixture(scope="module")
def echo() -> Iterator[str]:
    with echo_server() as base:
        yield base


def _post(base: str, body_js: str) -> str:
    return f"JSON.parse(http.post({json.dumps(base)}, {body_js}).body)"


def test_form_bodies_match_k6(echo: str) -> None:
    js = {f"form-{i}": _post(echo, json.dumps(form)) for i, form in enumerate(FORMS)}
    js["form-undefined"] = _post(echo, "{a: undefined, b: 'x'}")
    js["form-nan"] = _post(echo, "{a: NaN, b: Infinity, c: -Infinity, d: -0}")
    py: dict[str, Callable[[], Any]] = {
        f"form-{i}": lambda f=form: _sent(*http.object_body(f)) for i, form in enumerate(FORMS)
    }
    py["form-undefined"] = lambda: _sent(*http.object_body({"a": None, "b": "x"}))
    nan = {"a": float("nan"), "b": float("inf"), "c": float("-inf"), "d": -0.0}
    py["form-nan"] = lambda: _sent(*http.object_body(nan))
    compare(k6_eval(PREAMBLE, js), py)


def _sent(body: bytes, content_type: str) -> dict[str, str]:
    return {"ct": content_type, "body": body.decode("latin-1")}


MULTIPART: list[tuple[str, dict[str, Any]]] = [
    ("{f: http.file('hello', 'a.txt', 'text/plain')}", {"f": http.file("hello", "a.txt", "text/plain")}),
    (
        "{f: http.file(new Uint8Array([0, 1, 255, 13, 10]).buffer, 'q\"u\\\\ote.bin'), field: 'v', n: 5, l: [1, 'x']}",
        {"f": http.file(b"\x00\x01\xff\r\n", 'q"u\\ote.bin'), "field": "v", "n": 5, "l": [1, "x"]},
    ),
    (
        "{'na\"me': 'x', 'fi\"le': http.file('ü', 'ü.txt', 'text/plain; charset=utf-8')}",
        {'na"me': "x", 'fi"le': http.file("ü", "ü.txt", "text/plain; charset=utf-8")},
    ),
]


def test_multipart_bodies_match_k6_byte_for_byte(echo: str) -> None:
    """k6 picks a random boundary and walks fields in Go map order: take both from k6's body, then the
    bytes must be identical."""
    seen = k6_eval(PREAMBLE, {f"mp-{i}": _post(echo, expr) for i, (expr, _) in enumerate(MULTIPART)})
    for i, (_, data) in enumerate(MULTIPART):
        sent = seen[f"mp-{i}"]["value"]
        boundary = re.fullmatch(r"multipart/form-data; boundary=([0-9a-f]{60})", sent["ct"])
        assert boundary is not None, sent["ct"]
        built = {
            http.object_body({key: data[key] for key in order}, boundary.group(1))
            for order in itertools.permutations(data)
        }
        assert (sent["body"].encode("latin-1"), sent["ct"]) in built, sent


def test_random_boundary_is_go_shaped() -> None:
    _, content_type = http.object_body({"f": http.file("x", "f")})
    assert re.fullmatch(r"multipart/form-data; boundary=[0-9a-f]{60}", content_type)
    assert http.multipart_body({}, "a b")[1] == 'multipart/form-data; boundary="a b"'


def test_url_templates_match_k6() -> None:
    js: dict[str, str] = {}
    py: dict[str, Callable[[], Any]] = {}
    for i, (parts, pieces) in enumerate(URLS):
        template = "".join(
            part.replace("\\", "\\\\").replace("`", "\\`")
            + (f"${{{json.dumps(pieces[j])}}}" if j < len(pieces) else "")
            for j, part in enumerate(parts)
        )
        js[f"url-{i}"] = f"(() => {{ const u = http.url`{template}`; return [u.name, u.url, u.clean_url]; }})()"
        py[f"url-{i}"] = lambda p=parts, v=pieces: _url_fields(http.url(p, *v))
    compare(k6_eval(PREAMBLE, js), py)


def _url_fields(tagged: http.TaggedURL) -> list[str]:
    return [tagged.name, tagged.url, tagged.clean_url]


def test_file_matches_k6() -> None:
    js = {
        "named": "http.file('abc', 'f.txt')",
        "typed": "http.file(new Uint8Array([1, 2]).buffer, 'f', 'x/y')",
        "number": "http.file(5)",
        "null": "http.file(null)",
    }
    py: dict[str, Callable[[], Any]] = {
        "named": lambda: _file_fields(http.file("abc", "f.txt")),
        "typed": lambda: _file_fields(http.file(b"\x01\x02", "f", "x/y"), {}),
        "number": lambda: http.file(5),
        "null": lambda: http.file(None),
    }
    compare(k6_eval(PREAMBLE, js), py)


def _file_fields(data: http.FileData, shown: Any = None) -> dict[str, Any]:
    """What JSON.stringify shows of k6's FileData (an ArrayBuffer serialises as {})."""
    return {"data": data.data if shown is None else shown, "filename": data.filename, "content_type": data.content_type}


def test_file_default_name_is_the_time_in_nanoseconds() -> None:
    before = time.time_ns()
    data = http.file("x")
    assert before <= int(data.filename) <= time.time_ns()
    assert data.content_type == "application/octet-stream"


def test_bad_url_error_text() -> None:
    with pytest.raises(K6Error) as err:
        http.new_url("http://x/%zz")
    assert err.value.js_string() == 'GoError: invalid URL: parse "http://x/%zz": invalid URL escape "%zz"'
