"""A connection's parser replays the last whole response when the same bytes arrive again.

`ResponseParser.feed` keeps the last short response that came whole in one read (its head and
exactly its Content-Length body) with what parsing it gave; the same bytes at the start of the next
response are answered from that, without httptools. Every answer after every response of a sequence
must equal a fresh parser's, whether replayed or parsed, and the replay must happen only where it
is the same parse.
"""

from __future__ import annotations

from typing import Any

import pytest

from loadpy.protocols.http.h1 import ProtocolError, ResponseParser

OK = (
    b"HTTP/1.1 200 OK\r\nServer: nginx\r\nContent-Type: text/plain\r\nContent-Length: 2\r\n"
    b"Connection: keep-alive\r\n\r\nok"
)
SERVICE_UNAVAILABLE = b"HTTP/1.1 503 Service Unavailable\r\nContent-Length: 4\r\n\r\nbusy"
NO_CONTENT = b"HTTP/1.1 204 No Content\r\nSet-Cookie: a=1\r\n\r\n"
HTTP10 = b"HTTP/1.0 200 OK\r\nConnection: keep-alive\r\nContent-Encoding: identity\r\nContent-Length: 3\r\n\r\nabc"
HTTP10_CLOSE = b"HTTP/1.0 200 OK\r\nContent-Length: 3\r\n\r\nabc"
CLOSE = b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\nConnection: close\r\n\r\nok"
# not replayed: a chunked body (its framing is not in the body), interim heads, more than one response
CHUNKED = b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nok\r\n0\r\n\r\n"
INTERIM = b"HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok"
TWO = OK + OK  # a second response in the same read (unsolicited)
# the same length as OK, differing in the status, a header value and the body
OTHER = OK.replace(b"200 OK", b"201 OK").replace(b"nginx", b"xnign").removesuffix(b"ok") + b"no"


class _CountingParser:
    """httptools' parser, counting what is fed to it."""

    def __init__(self, inner: Any) -> None:
        self.inner = inner
        self.fed = 0

    def feed_data(self, data: Any) -> None:
        self.fed += 1
        self.inner.feed_data(data)

    def __getattr__(self, name: str) -> Any:
        return getattr(self.inner, name)


def _answers(parser: ResponseParser) -> tuple[Any, ...]:
    head = parser.head
    return (
        parser.complete,
        parser.status,
        parser.keep_alive,
        b"".join(parser.body),
        head.raw,
        type(head.raw),
        head.heads,
        head.proto,
        head.rare,
        head.headers,
        head.reason,
        head.set_cookies,
        parser.version,
    )


def _fresh(raw: bytes, *, head: bool = False, keep_body: bool = True) -> tuple[Any, ...]:
    parser = ResponseParser()
    parser.start(head, keep_body)
    parser.feed(raw)
    return _answers(parser)


def _connection() -> tuple[ResponseParser, _CountingParser]:
    parser = ResponseParser()
    counting = parser._parser = _CountingParser(parser._parser)  # type: ignore[assignment]
    return parser, counting


SEQUENCE = [OK, OK, OK, OK, SERVICE_UNAVAILABLE, SERVICE_UNAVAILABLE, SERVICE_UNAVAILABLE, OK, OTHER, OTHER, OTHER]
SEQUENCE += [OK, OK, OK, NO_CONTENT, NO_CONTENT, NO_CONTENT, NO_CONTENT]


def test_a_sequence_with_repeats_gives_every_answer_a_fresh_parser_gives() -> None:
    parser, counting = _connection()
    parsed = []
    for raw in SEQUENCE:
        parser.start()
        before = counting.fed
        assert parser.feed(raw)
        assert _answers(parser) == _fresh(raw)
        parsed.append(counting.fed - before)
    # httptools sees a response unless the same bytes were parsed twice just before it
    assert parsed == [1, 1, 0, 0, 1, 1, 0, 1, 1, 1, 0, 1, 1, 0, 1, 1, 0, 0]


@pytest.mark.parametrize("raw", [CHUNKED, INTERIM, HTTP10])
def test_responses_that_are_not_one_whole_identity_response_are_parsed_each_time(raw: bytes) -> None:
    parser, counting = _connection()
    for _ in range(4):
        parser.start()
        assert parser.feed(raw)
        assert _answers(parser) == _fresh(raw)
    # HTTP/1.0 with a Content-Length is one whole response: replayed like any other
    assert counting.fed == (2 if raw is HTTP10 else 4)


def test_bytes_after_the_response_are_never_replayed() -> None:
    parser, counting = _connection()
    for _ in range(3):
        parser.start()
        assert parser.feed(TWO)  # (the second response is left to the connection to refuse)
    parser.start()
    assert parser.feed(OK)  # parsed: TWO was not kept, and OK alone was never seen whole
    assert _answers(parser) == _fresh(OK)
    assert counting.fed == 4


def _kept(raw: bytes) -> tuple[ResponseParser, _CountingParser]:
    """A connection whose parser would replay `raw` (parsed twice in a row, then replayed once)."""
    parser, counting = _connection()
    for _ in range(3):
        parser.start()
        assert parser.feed(raw)
    assert counting.fed == 2
    return parser, counting


@pytest.mark.parametrize("mode", [{"head": True}, {"keep_body": False}])
def test_a_head_request_or_a_discarded_body_is_parsed_not_replayed(mode: dict[str, bool]) -> None:
    parser, counting = _kept(NO_CONTENT)
    parser.start(**mode)
    assert parser.feed(NO_CONTENT)
    assert _answers(parser) == _fresh(NO_CONTENT, **mode)
    assert counting.fed == 3


def test_the_same_bytes_after_part_of_a_response_are_parsed() -> None:
    """Replayed only at a response's first bytes: a read that continues a response is parsed."""
    parser, counting = _kept(OK)
    parser.start()
    assert not parser.feed(OK[:20])
    with pytest.raises(ProtocolError, match="malformed"):
        parser.feed(OK)  # the rest of the head is not a new status line
    assert counting.fed == 4
    parser, counting = _kept(OK)
    parser.start()
    assert not parser.feed(OK[:-2])  # the whole head, the body to follow
    with pytest.raises(ProtocolError, match="malformed HTTP response body"):
        parser.feed(OK)  # its first two bytes end the body, the rest is not a response
    assert parser.body == [b"HT"]
    assert counting.fed == 4


def test_an_equal_bytearray_is_replayed_with_bytes_in_the_head() -> None:
    parser, counting = _connection()
    for _ in range(2):
        parser.start()
        assert parser.feed(OK)
    parser.start()
    assert parser.feed(bytearray(OK))
    assert _answers(parser) == _fresh(OK)
    assert counting.fed == 2


@pytest.mark.parametrize("raw", [CLOSE, HTTP10_CLOSE])
def test_bytes_after_a_response_that_closes_the_connection_are_refused_not_replayed(raw: bytes) -> None:
    parser, _ = _connection()
    parser.start()
    assert parser.feed(raw)
    assert parser.keep_alive is False
    parser.start()
    with pytest.raises(ProtocolError, match="Data after"):
        parser.feed(raw)
