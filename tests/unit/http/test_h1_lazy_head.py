"""The lazily parsed head (`ResponseHead`) against httptools' own per-header callbacks.

The reference below collects what llhttp reports through `on_status` / `on_header` (what the
parser used before it deferred the head): for every response and every split of it into
two or three reads, the lazy head must give the same reason, headers and Set-Cookie values.
"""

from __future__ import annotations

import httptools
import pytest

from loadpy.protocols.http.h1 import LOWER_WHOLE_UP_TO, ResponseParser, canonical_header_bytes
from loadpy.protocols.http.model import Response


class _Reference:
    """llhttp's view of the final head, through the callbacks (trailers and 1xx heads dropped)."""

    def __init__(self) -> None:
        self.reason = b""
        self.headers: dict[str, str] = {}
        self.set_cookies: list[str] = []
        self.version = ""
        self.in_body = False
        self.parser = httptools.HttpResponseParser(self)

    def on_status(self, status: bytes) -> None:
        self.reason += status

    def on_header(self, name: bytes, value: bytes) -> None:
        if self.in_body:
            return  # a chunked trailer
        key, text = canonical_header_bytes(name), value.decode("latin-1")
        self.headers[key] = f"{self.headers[key]}, {text}" if key in self.headers else text
        if key == "Set-Cookie":
            self.set_cookies.append(text)

    def on_headers_complete(self) -> None:
        self.in_body = True
        self.headers.pop("Transfer-Encoding", None)  # Go keeps it out of the header map
        self.version = self.parser.get_http_version()

    def on_message_complete(self) -> None:
        if 100 <= self.parser.get_status_code() < 200:
            self.reason, self.headers, self.set_cookies, self.in_body = b"", {}, [], False


RESPONSES = [
    b"HTTP/1.1 200 OK\r\nServer: nginx\r\nContent-Type: text/plain\r\nContent-Length: 2\r\n\r\nok",
    b"HTTP/1.1 404 Not  Found \t\r\ncontent-length: 4\r\nX-Empty:\r\nX-Tab:\ta\t\r\n\r\n\r\n\r\n",
    b"HTTP/1.1 200\r\nSet-Cookie: a=1; Path=/\r\nset-cookie: b=2\r\nX-Multi: 1\r\nx-multi:  2\r\n"
    b"Content-Length: 0\r\n\r\n",
    b"HTTP/1.1 100 Continue\r\nX-Interim: yes\r\n\r\nHTTP/1.1 103 Early Hints\r\nLink: </a>\r\n\r\n"
    b"HTTP/1.1 201 Created\r\nLocation: /x\r\nContent-Length: 3\r\n\r\nabc",
    b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\nSET-COOKIE: c=3\r\n\r\n"
    b"4\r\n\r\n\r\n\r\n0\r\nX-Trailer: t\r\nSet-Cookie: trailer=1\r\n\r\n",
    b"HTTP/1.0 302 Found\r\nLocation: http://x/\xe9\r\nContent-Encoding: gzip\r\nContent-Length: 0\r\n\r\n",
]


def _reference(raw: bytes) -> _Reference:
    ref = _Reference()
    ref.parser.feed_data(raw)
    return ref


@pytest.mark.parametrize("raw", RESPONSES)
def test_lazy_head_equals_the_callbacks_at_every_split(raw: bytes) -> None:
    ref = _reference(raw)
    for first in range(len(raw) + 1):
        for second in sorted({first, (first + len(raw)) // 2, len(raw)}):
            parser = ResponseParser()
            parser.start()
            done = [parser.feed(part) for part in (raw[:first], raw[first:second], raw[second:]) if part]
            assert done[-1], (first, second)
            head = parser.head
            assert (head.reason, head.headers, head.set_cookies, parser.version) == (
                ref.reason.decode("latin-1"),
                ref.headers,
                ref.set_cookies,
                ref.version,
            ), (first, second)
            # what the parser notes for the client when it stores the final head (no parse, no call)
            assert head.proto == f"HTTP/{ref.version}", (first, second)
            assert head.rare or not ("Content-Encoding" in ref.headers or ref.set_cookies), (first, second)


@pytest.mark.parametrize("raw", RESPONSES)
def test_set_cookies_and_may_have_without_a_full_parse(raw: bytes) -> None:
    parser = ResponseParser()
    parser.start()
    assert parser.feed(raw)
    ref = _reference(raw)
    assert parser.head.set_cookies == ref.set_cookies  # checked first: the shortcut path
    assert parser.head.may_have(b"content-encoding") or "Content-Encoding" not in ref.headers
    # the client's one test per response: False only when neither header is there
    rare = "Content-Encoding" in ref.headers or bool(ref.set_cookies)
    assert parser.head.may_have(b"set-cookie", b"content-encoding") or not rare
    assert parser.head.may_have_cookies_or_encoding() or not rare
    assert parser.headers == ref.headers


# a body that spells the headers the client tests for, after more than LOWER_WHOLE_UP_TO bytes
SPELLING_BODY = b"x" * LOWER_WHOLE_UP_TO + b"Set-Cookie: a=1\r\nContent-Encoding: gzip\r\n\r\nset-cookie:"
BODY_SPELLS_HEADERS = (
    b"HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: %d\r\n\r\n" % len(SPELLING_BODY) + SPELLING_BODY
)


def test_the_presence_tests_of_a_long_response_read_its_head_not_the_body_that_came_with_it() -> None:
    raw = BODY_SPELLS_HEADERS
    head_end = raw.index(b"\r\n\r\n")
    for cut in range(1, len(raw) + 1, 7):  # the body arrives with the head, in part or whole, or after it
        parser = ResponseParser()
        parser.start()
        done = [parser.feed(part) for part in (raw[:cut], raw[cut:]) if part]
        assert done[-1], cut
        head = parser.head
        assert not head.may_have_cookies_or_encoding(), cut
        assert not head.may_have(b"set-cookie", b"content-encoding"), cut
        assert head.set_cookies == [], cut
        if len(head.raw) > LOWER_WHOLE_UP_TO:  # the lowered copy holds no body byte
            assert head._lower == raw[:head_end].lower(), cut
        assert b"".join(parser.body) == SPELLING_BODY, cut


def test_a_short_response_whose_body_spells_a_header_still_has_none() -> None:
    """Below LOWER_WHOLE_UP_TO the presence test may say yes from body bytes: the head, parsed, says no."""
    raw = b"HTTP/1.1 200 OK\r\nContent-Length: 15\r\n\r\nSet-Cookie: a=1"
    parser = ResponseParser()
    parser.start()
    assert parser.feed(raw)
    assert parser.head.set_cookies == []
    assert parser.headers == {"Content-Length": "15"}
    assert parser.body == [b"Set-Cookie: a=1"]


def test_a_response_keeps_its_head_when_the_parser_moves_on() -> None:
    parser = ResponseParser()
    parser.start()
    assert parser.feed(RESPONSES[0])
    resp = Response("GET", "http://x/", 200, None, "HTTP/1.1", None, head=parser.head)
    parser.start()
    assert parser.feed(RESPONSES[2])
    assert resp.headers == {"Server": "nginx", "Content-Type": "text/plain", "Content-Length": "2"}
    assert resp.status_text == "200 OK"
    assert parser.head.set_cookies == ["a=1; Path=/", "b=2"]
    resp.headers = {"X": "1"}
    resp.status_text = ""
    assert (resp.headers, resp.status_text) == ({"X": "1"}, "")


def test_headers_read_before_the_head_completes_are_not_cached_empty() -> None:
    parser = ResponseParser()
    parser.start()
    raw = RESPONSES[0]
    parser.feed(raw[:20])
    assert parser.headers == {}
    assert parser.feed(raw[20:])
    assert parser.headers["Server"] == "nginx"


def test_a_connection_that_sees_the_same_head_again_finds_the_same_proto_and_presence() -> None:
    """`feed` answers a head equal to the connection's last one from what it found then: every answer
    must equal a fresh parser's, repeats, changes and a repeat after a change alike."""
    kept_alive_1_0 = b"HTTP/1.0 200 OK\r\nConnection: keep-alive\r\nContent-Encoding: br\r\nContent-Length: 1\r\n\r\nx"
    cookie = b"HTTP/1.1 200 OK\r\nSet-Cookie: a=1\r\nContent-Length: 0\r\n\r\n"
    # (RESPONSES[5] closes the connection); then heads of the same length that differ in what is found
    responses = [*RESPONSES[:5], kept_alive_1_0, kept_alive_1_0.replace(b"/1.0", b"/1.1"), cookie]
    responses.append(cookie.replace(b"Set-", b"Xet-"))
    parser = ResponseParser()
    for index in (0, 0, 2, 2, 0, 1, 1, 3, 3, 0, 4, 4, 2, 5, 5, 0, 5, 6, 5, 7, 8, 7, 7, 8, 5):
        raw = responses[index]
        parser.start()
        assert parser.feed(raw), index
        fresh = ResponseParser()
        fresh.start()
        assert fresh.feed(raw), index
        head, expected = parser.head, fresh.head
        assert (head.proto, head.rare) == (expected.proto, expected.rare), index
        assert (head.set_cookies, head.headers, parser.status) == (expected.set_cookies, expected.headers, fresh.status)
    assert [parser.head.proto, parser.head.rare] == ["HTTP/1.0", True]  # the 1.0 response, found again
