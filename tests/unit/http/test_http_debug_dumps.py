"""The Go dump layouts `--http-debug` rebuilds (values measured from k6 v1.1.0 against a local server),
and how the log formats print the bytes of a binary body."""

from __future__ import annotations

import logging

from loadpy.logs import JsonFormatter, TextFormatter
from loadpy.protocols.http.debug import dump_request, dump_response
from loadpy.protocols.http.model import Response


def test_request_heads_in_gos_order() -> None:
    # k6: `http.get(url, {headers: {'X-Zeta': 'z', 'accept': 'x/y', 'X-Alpha': 'a'}})` with a jar cookie
    headers = {"User-Agent": "k6", "X-Zeta": "z", "accept": "x/y", "X-Alpha": "a"}
    assert dump_request("GET", "/t?a=1", "h:1", headers, "sid=1", None, full=True) == (
        b"GET /t?a=1 HTTP/1.1\nHost: h:1\nUser-Agent: k6\nAccept: x/y\nCookie: sid=1\nX-Alpha: a\nX-Zeta: z\n"
        b"Accept-Encoding: gzip\n\n"
    )


def test_request_length_encoding_and_body_rules() -> None:
    ua = {"User-Agent": "k6"}
    # PUT without a body still says its length; DELETE with an empty one does not
    assert b"Content-Length: 0\n" in dump_request("PUT", "/", "h", ua, "", None, full=False)
    assert b"Content-Length" not in dump_request("DELETE", "/", "h", ua, "", b"", full=False)
    # a user Host / Accept-Encoding replaces Go's; HEAD and Range get no gzip
    user = {**ua, "Host": "example.com", "Accept-Encoding": "br"}
    assert dump_request("GET", "/", "h", user, "", None, full=False) == (
        b"GET / HTTP/1.1\nHost: example.com\nUser-Agent: k6\nAccept-Encoding: br\n\n"
    )
    assert b"gzip" not in dump_request("HEAD", "/", "h", ua, "", None, full=False)
    assert b"gzip" not in dump_request("GET", "/", "h", {**ua, "Range": "bytes=0-1"}, "", None, full=False)
    # the body only with full
    assert dump_request("POST", "/", "h", ua, "", b"a=1", full=False).endswith(b"gzip\n\n")
    assert dump_request("POST", "/", "h", ua, "", b"a=1", full=True).endswith(b"gzip\n\na=1")


def _resp(method: str, status: str, headers: dict[str, str], body: bytes = b"") -> Response:
    return Response(method, "http://h/", int(status[:3]), status, "HTTP/1.1", headers, body)


def test_response_framing_lines_where_go_writes_them() -> None:
    redirect = _resp("GET", "302 Found", {"Location": "/t", "Content-Length": "0", "Content-Type": "text/plain"})
    assert dump_response(redirect, redirect.headers.items(), False, full=True) == (
        b"HTTP/1.1 302 Found\nContent-Type: text/plain\nLocation: /t\nContent-Length: 0\n\n"
    )
    created = _resp("POST", "201 Created", {"Content-Length": "0"})
    assert dump_response(created, created.headers.items(), False, full=True) == (
        b"HTTP/1.1 201 Created\nContent-Length: 0\n\n"
    )
    closing = _resp("DELETE", "501 Unsupported", {"Connection": "close", "Content-Length": "3"}, b"bad")
    assert dump_response(closing, closing.headers.items(), False, full=True) == (
        b"HTTP/1.1 501 Unsupported\nConnection: close\nContent-Length: 3\n\nbad"
    )
    chunked = _resp("GET", "200 OK", {"Date": "d"}, b"hello world")
    assert dump_response(chunked, chunked.headers.items(), True, full=True) == (
        b"HTTP/1.1 200 OK\nTransfer-Encoding: chunked\nDate: d\n\nb\nhello world\n0\n\n"
    )
    assert dump_response(chunked, chunked.headers.items(), True, full=False) == (
        b"HTTP/1.1 200 OK\nTransfer-Encoding: chunked\nDate: d\n\n"
    )


def _record(message: str) -> logging.LogRecord:
    record = logging.makeLogRecord({"msg": "%s", "args": (message,), "levelno": logging.INFO})
    record.source, record.vu, record.iter = "http-debug", 1, 0
    return record


def test_binary_bytes_print_as_go_prints_them() -> None:
    body = b"\x00\x07\x7f\x80\xff\xc3\xa9".decode("utf-8", "surrogateescape")  # the last two: a valid é
    text = TextFormatter().format(_record(body))
    assert 'msg="\\x00\\a\\x7f\\x80\\xffé" iter=0 source=http-debug vu=1' in text
    json_text = JsonFormatter().format(_record(body))
    assert '"iter":0' in json_text and '"vu":1' in json_text
    assert '"msg":"\\u0000\\u0007\x7f\\ufffd\\ufffdé"' in json_text  # Go leaves DEL as it is
