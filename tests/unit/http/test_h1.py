"""Socketless tests of the HTTP/1.1 request serialiser and response state machine."""

from __future__ import annotations

import pytest

from loadpy import USER_AGENT
from loadpy.protocols.http.h1 import ProtocolError, ResponseParser, canonical_header, prepare_request
from loadpy.protocols.http.urls import UrlError, parse_url


def feed_split(raw: bytes, split: int, *, head: bool = False, keep_body: bool = True) -> ResponseParser:
    parser = ResponseParser()
    parser.start(head=head, keep_body=keep_body)
    done_first = parser.feed(raw[:split])
    done = parser.feed(raw[split:]) if split < len(raw) else done_first
    assert done, f"not complete when split at {split}"
    return parser


CONTENT_LENGTH = b"HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 11\r\n\r\nhello world"
CHUNKED = (
    b"HTTP/1.1 201 Created\r\nTransfer-Encoding: chunked\r\nX-A: 1\r\n\r\n"
    b"5\r\nhello\r\n1;ext=1\r\n \r\n5\r\nworld\r\n0\r\nTrailer: x\r\n\r\n"
)


@pytest.mark.parametrize("raw", [CONTENT_LENGTH, CHUNKED], ids=["content-length", "chunked"])
def test_every_split_position_gives_the_same_response(raw: bytes) -> None:
    for split in range(len(raw) + 1):
        parser = feed_split(raw, split)
        assert b"".join(parser.body) == b"hello world"
        assert parser.status in (200, 201)
        assert parser.keep_alive is True
    assert parser.reason in ("OK", "Created")


def test_byte_at_a_time_chunked() -> None:
    parser = ResponseParser()
    parser.start()
    results = [parser.feed(CHUNKED[i : i + 1]) for i in range(len(CHUNKED))]
    assert results[-1] is True and not any(results[:-1])
    assert parser.headers == {"X-A": "1"}  # Go keeps Transfer-Encoding out of the header map


def test_headers_are_canonical_and_repeats_joined() -> None:
    parser = ResponseParser()
    parser.start()
    raw = (
        b"HTTP/1.1 200 OK\r\nset-cookie: a=1\r\nX-MULTI: 1\r\n"
        b"Set-Cookie: b=2\r\nx-multi: 2\r\nContent-Length: 0\r\n\r\n"
    )
    assert parser.feed(raw)
    assert parser.headers == {"Set-Cookie": "a=1, b=2", "X-Multi": "1, 2", "Content-Length": "0"}
    assert parser.set_cookies == ["a=1", "b=2"]
    parser.start()
    assert parser.feed(b"HTTP/1.1 204 No Content\r\n\r\n")
    assert parser.headers == {} and parser.set_cookies == []


def test_keep_alive_reuse_of_one_parser_for_consecutive_responses() -> None:
    parser = ResponseParser()
    for i in range(3):
        parser.start()
        body = str(i).encode()
        assert parser.feed(b"HTTP/1.1 200 OK\r\nContent-Length: 1\r\n\r\n" + body)
        assert parser.body == [body]


def test_head_response_has_no_body_despite_content_length() -> None:
    raw = b"HTTP/1.1 200 OK\r\nContent-Length: 1234\r\n\r\n"
    for split in range(len(raw) + 1):
        parser = feed_split(raw, split, head=True)
        assert parser.body == [] and parser.status == 200
    # the same parser then reads a normal response
    parser.start()
    assert parser.feed(b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok")
    assert parser.body == [b"ok"]


@pytest.mark.parametrize("status", [204, 304])
def test_no_body_statuses_complete_at_headers(status: int) -> None:
    parser = ResponseParser()
    parser.start()
    assert parser.feed(f"HTTP/1.1 {status} X\r\n\r\n".encode())
    assert parser.status == status and parser.body == []


def test_interim_100_continue_is_skipped() -> None:
    parser = ResponseParser()
    parser.start()
    raw = b"HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok"
    assert parser.feed(raw)
    assert parser.status == 200 and parser.body == [b"ok"] and parser.reason == "OK"


def test_close_delimited_body_completes_at_eof() -> None:
    parser = ResponseParser()
    parser.start()
    assert not parser.feed(b"HTTP/1.1 200 OK\r\n\r\npart one, ")
    assert not parser.feed(b"part two")
    assert parser.feed_eof() is True
    assert b"".join(parser.body) == b"part one, part two"
    assert parser.keep_alive is False


def test_eof_mid_content_length_body_is_not_complete() -> None:
    parser = ResponseParser()
    parser.start()
    assert not parser.feed(b"HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nabc")
    assert parser.feed_eof() is False
    assert parser.started


def test_connection_close_header_disables_keep_alive_and_http10() -> None:
    parser = ResponseParser()
    parser.start()
    assert parser.feed(b"HTTP/1.1 200 OK\r\nConnection: close\r\nContent-Length: 0\r\n\r\n")
    assert parser.keep_alive is False
    parser = ResponseParser()
    parser.start()
    assert parser.feed(b"HTTP/1.0 200 OK\r\nContent-Length: 0\r\n\r\n")
    assert parser.version == "1.0" and parser.keep_alive is False


def test_discarded_body_is_still_consumed() -> None:
    parser = feed_split(CONTENT_LENGTH, 40, keep_body=False)
    assert parser.body == []


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        (b"garbage\r\n\r\n", 'malformed HTTP response "garbage"'),
        (b"HTTP/1.1 OK 200\r\n\r\n", 'malformed HTTP status code "OK"'),
        (b"HTTP/1.1 2x0 OK\r\n\r\n", 'malformed HTTP status code "2x0"'),
        (b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nZZ\r\n", "invalid byte in chunk length"),
        (b"HTTP/1.1 200 OK\r\nBad Header\r\n\r\n", "malformed MIME header"),
    ],
)
def test_malformed_input_raises_protocol_error(raw: bytes, message: str) -> None:
    parser = ResponseParser()
    parser.start()
    with pytest.raises(ProtocolError) as info:
        parser.feed(raw)
    assert str(info.value).startswith(message)


def test_malformed_status_line_split_across_feeds_is_quoted_whole() -> None:
    parser = ResponseParser()
    parser.start()
    assert not parser.feed(b"HTTP/1.1 ")
    with pytest.raises(ProtocolError, match='malformed HTTP status code "OK"'):
        parser.feed(b"OK 200\r\n\r\n")


def test_bytes_after_a_complete_response_are_unsolicited() -> None:
    parser = ResponseParser()
    parser.start()
    assert parser.feed(b"HTTP/1.1 204 No Content\r\n\r\n")
    with pytest.raises(ProtocolError, match="unsolicited"):
        parser.feed(b"HTTP/1.1 200 OK\r\n")


def test_prepare_request_sends_only_host_and_user_agent_by_default() -> None:
    raw = prepare_request("GET", parse_url("http://127.0.0.1:8080/a/b?x=1#frag"), [("User-Agent", USER_AGENT)], None)
    assert raw == f"GET /a/b?x=1 HTTP/1.1\r\nHost: 127.0.0.1:8080\r\nUser-Agent: {USER_AGENT}\r\n\r\n".encode()


def test_prepare_request_with_body_adds_content_length_and_default_port_is_omitted() -> None:
    raw = prepare_request("POST", parse_url("https://example.com:443"), [("X-A", "1")], b"abc")
    # Go's order: Host, User-Agent, the body's framing, then the other headers sorted by name
    assert raw == b"POST / HTTP/1.1\r\nHost: example.com\r\nContent-Length: 3\r\nX-A: 1\r\n\r\nabc"


def test_prepare_request_puts_headers_in_gos_order() -> None:
    headers = [("X-B", "2"), ("Accept", "*/*"), ("User-Agent", "ua"), ("X-A", "1")]
    raw = prepare_request("PUT", parse_url("http://a/"), headers, b"x")
    head = b"PUT / HTTP/1.1\r\nHost: a\r\nUser-Agent: ua\r\nContent-Length: 1\r\nAccept: */*\r\nX-A: 1\r\nX-B: 2\r\n"
    assert raw == head + b"\r\nx"


@pytest.mark.parametrize(
    ("method", "body", "framing", "payload"),
    [
        # measured with k6 v1.1 (Go's transferWriter): see tests/integration/http/test_wire_vs_k6.py
        ("POST", None, b"Content-Length: 0\r\n", b""),
        ("PUT", None, b"Content-Length: 0\r\n", b""),
        ("PATCH", None, b"Content-Length: 0\r\n", b""),
        ("DELETE", None, b"", b""),
        ("GET", None, b"", b""),
        ("POST", b"", b"Transfer-Encoding: chunked\r\n", b"0\r\n\r\n"),
        ("PUT", b"", b"Transfer-Encoding: chunked\r\n", b"0\r\n\r\n"),
        ("DELETE", b"", b"", b""),
        ("GET", b"", b"", b""),
        ("OPTIONS", b"", b"", b""),
    ],
)
def test_bodiless_requests_are_framed_as_go_frames_them(
    method: str, body: bytes | None, framing: bytes, payload: bytes
) -> None:
    raw = prepare_request(method, parse_url("http://a/"), [], body)
    assert raw == f"{method} / HTTP/1.1\r\nHost: a\r\n".encode() + framing + b"\r\n" + payload


def test_user_host_header_replaces_the_default() -> None:
    raw = prepare_request("GET", parse_url("http://127.0.0.1/"), [("host", "virtual.test")], None)
    assert raw == b"GET / HTTP/1.1\r\nHost: virtual.test\r\n\r\n"


def test_header_injection_is_rejected() -> None:
    with pytest.raises(ValueError, match="invalid header"):
        prepare_request("GET", parse_url("http://a/"), [("X", "a\r\nEvil: 1")], None)


def test_canonical_header_names_like_go() -> None:
    assert canonical_header("content-type") == "Content-Type"
    assert canonical_header("X-REQUEST-ID") == "X-Request-Id"
    assert canonical_header("etag") == "Etag"


@pytest.mark.parametrize(
    ("url", "code", "message"),
    [
        ("ftp://example.com/", 1000, 'unsupported protocol scheme "ftp"'),
        ("http://exa\x01mple.com/", 1020, "invalid URL: "),
        ("http://127.0.0.1:99999/", 1020, "invalid URL: "),
        ("http:///path", 1000, "http: no Host in request URL"),
        ("not a url", 1000, 'unsupported protocol scheme ""'),
    ],
)
def test_url_errors_carry_k6_codes(url: str, code: int, message: str) -> None:
    with pytest.raises(UrlError) as info:
        parse_url(url)
    assert info.value.failure.code == code
    assert info.value.failure.message.startswith(message)


def test_url_parts_ipv6_and_userinfo() -> None:
    parts = parse_url("http://u:p@[::1]:8080/x")
    assert (parts.host, parts.port, parts.host_header, parts.userinfo, parts.target) == (
        "::1",
        8080,
        "[::1]:8080",
        "u:p",
        "/x",
    )


def test_an_endless_head_fails_at_go_s_10_mib_limit() -> None:
    parser = ResponseParser()
    parser.start()
    assert not parser.feed(b"HTTP/1.1 200 OK\r\n")
    line = b"X-Fill: " + b"f" * 1000 + b"\r\n"
    fed = 17
    with pytest.raises(ProtocolError) as info:
        while True:
            parser.feed(line * 64)
            fed += len(line) * 64
    assert str(info.value) == "net/http: server response headers exceeded 10485760 bytes; aborted"
    assert 10 << 20 < fed + len(line) * 64 <= (10 << 20) + len(line) * 64  # stopped at the first chunk past the limit


BOTH_LENGTHS = (
    b"HTTP/1.1 200 OK\r\nContent-Length: 100\r\nTransfer-Encoding: chunked\r\nX-A: 1\r\n\r\n5\r\nhello\r\n0\r\n\r\n"
)


def test_content_length_with_transfer_encoding_is_read_chunked_and_kept_alive_as_go_does() -> None:
    for split in range(len(BOTH_LENGTHS) + 1):
        parser = feed_split(BOTH_LENGTHS, split)
        assert (parser.status, b"".join(parser.body), parser.keep_alive) == (200, b"hello", True)
        assert parser.headers == {"X-A": "1"}  # Go drops Transfer-Encoding and the chunked Content-Length
    parser.start()  # the next response on the same connection is parsed as usual
    assert parser.feed(CONTENT_LENGTH) and parser.body == [b"hello world"] and parser.keep_alive
    parser.start()
    assert parser.feed(BOTH_LENGTHS.replace(b"X-A: 1", b"Connection: close")) and not parser.keep_alive


def test_transfer_encoding_is_not_a_response_header_as_in_go() -> None:
    parser = feed_split(CHUNKED, len(CHUNKED))
    assert "Transfer-Encoding" not in parser.headers
