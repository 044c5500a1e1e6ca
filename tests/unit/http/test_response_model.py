"""`Response.from_h1` (the hot path's constructor) builds the same response as the full constructor."""

from __future__ import annotations

import pytest

from loadpy.protocols.http.h1 import ResponseParser
from loadpy.protocols.http.model import Response, Timings

HEAD = b"HTTP/1.1 %d Some Reason\r\nContent-Type: text/plain\r\nContent-Length: 2\r\n\r\nok"


def _head(status: int) -> ResponseParser:
    parser = ResponseParser()
    parser.start()
    assert parser.feed(HEAD % status)
    return parser


@pytest.mark.parametrize("status", [200, 302, 404, 503])
def test_from_h1_equals_the_full_constructor(status: int) -> None:
    parser = _head(status)
    timings = Timings(0.5, 0, 0, 0, 0.1, 1.5, 0.25)
    remote = ("127.0.0.1", 80, "")
    head = parser.head
    fast = Response.from_h1("GET", "http://h/", status, head.proto, timings, remote, {"A": "b"}, None, 7.0, head)
    full = Response(
        "GET",
        "http://h/",
        status,
        f"{status} Some Reason",
        "HTTP/1.1",
        {"Content-Type": "text/plain", "Content-Length": "2"},
        None,
        "",
        1000 + status if status >= 400 else 0,
        timings,
        "127.0.0.1",
        80,
        "",
        {"A": "b"},
        None,
        True,
        None,
        7.0,
    )
    assert fast == full  # every field of k6's response, headers and status text parsed from the head
    assert (fast.error_code, fast.error, fast.sent, fast.first_hop, fast.request_cookie) == (
        full.error_code,
        "",
        True,
        None,
        "",
    )


def test_cookies_are_made_on_first_read_and_belong_to_one_response() -> None:
    parser = _head(200)
    args = ("GET", "http://h/", 200, "HTTP/1.1", Timings(), ("", 0, ""), {}, None, 0.0, parser.head)
    first, second = Response.from_h1(*args), Response.from_h1(*args)
    first.cookies["a"] = ["1"]
    assert first.cookies == {"a": ["1"]}
    assert second.cookies == {}  # no dict shared through a class-level default
    second.cookies = {"b": ["2"]}
    assert second.cookies == {"b": ["2"]}
    assert Response("GET", "http://h/").cookies == {}


def test_proto_names_the_final_head_version() -> None:
    parser = ResponseParser()
    parser.start()
    assert parser.feed(b"HTTP/1.1 100 Continue\r\n\r\nHTTP/1.0 200 OK\r\nContent-Length: 0\r\n\r\n")
    assert parser.head.proto == "HTTP/1.0"
    assert _head(200).head.proto == "HTTP/1.1"
