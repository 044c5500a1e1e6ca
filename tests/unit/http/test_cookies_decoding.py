"""Cookie jar rules (domain, path, expiry, secure) and body decoding, without sockets."""

from __future__ import annotations

import gzip
import zlib

import pytest

from loadpy.protocols.http.cookies import CookieJar
from loadpy.protocols.http.decoding import DecodeError, decode_body
from loadpy.protocols.http.errcodes import from_exception


class FakeClock:
    def __init__(self) -> None:
        self.t = 1_700_000_000.0

    def __call__(self) -> float:
        return self.t


def test_host_only_cookie_is_sent_to_that_host_only() -> None:
    jar = CookieJar()
    assert jar.set_from_response("http://a.example.com/login", ["sess=1"]) == {"sess": ["1"]}
    assert jar.header_for("http", "a.example.com", "/") == "sess=1"
    assert jar.header_for("http", "b.a.example.com", "/") == ""
    assert jar.header_for("http", "example.com", "/") == ""


def test_domain_cookie_covers_subdomains_and_foreign_domains_are_rejected() -> None:
    jar = CookieJar()
    jar.set_from_response("http://www.example.com/", ["d=1; Domain=.example.com", "evil=1; Domain=other.com"])
    assert jar.cookies_for_url("http://api.example.com/x") == {"d": ["1"]}
    assert jar.cookies_for_url("http://other.com/") == {}


def test_path_rules_default_path_and_longest_path_first() -> None:
    jar = CookieJar()
    jar.set_from_response("http://h/a/b/page", ["short=1; Path=/", "long=2; Path=/a/b", "dflt=3"])
    assert jar.header_for("http", "h", "/a/b/c") == "long=2; dflt=3; short=1"
    assert jar.header_for("http", "h", "/a/bc") == "short=1"  # /a/b does not path-match /a/bc
    assert jar.header_for("http", "h", "/") == "short=1"


def test_expiry_max_age_and_deletion() -> None:
    clock = FakeClock()
    jar = CookieJar(clock)
    jar.set_from_response("http://h/", ["a=1; Max-Age=10", "b=2; Expires=Wed, 21 Oct 2015 07:28:00 GMT", "c=3"])
    assert jar.cookies_for_url("http://h/") == {"a": ["1"], "c": ["3"]}  # b expired already
    clock.t += 11
    assert jar.cookies_for_url("http://h/") == {"c": ["3"]}
    jar.set_from_response("http://h/", ["c=; Max-Age=0"])
    assert jar.cookies_for_url("http://h/") == {}
    assert len(jar) == 0


def test_secure_cookie_is_only_sent_over_https_and_clear_empties() -> None:
    jar = CookieJar()
    jar.set_from_response("https://h/", ["s=1; Secure; HttpOnly", "p=2"])
    assert jar.header_for("http", "h", "/") == "p=2"
    assert jar.header_for("https", "h", "/") == "s=1; p=2"
    jar.clear()
    assert not jar and jar.header_for("https", "h", "/") == ""


def test_replacing_a_cookie_keeps_one_value() -> None:
    jar = CookieJar()
    jar.set_from_response("http://h/", ["k=1"])
    jar.set_from_response("http://h/", ['k="2"'])
    assert jar.cookies_for_url("http://h/") == {"k": ["2"]}


def test_gzip_and_deflate_decoding_and_failure() -> None:
    assert decode_body(gzip.compress(b"hello"), "gzip") == b"hello"
    assert decode_body(zlib.compress(b"hello"), "deflate") == b"hello"
    raw_deflate = zlib.compressobj(wbits=-15)
    assert decode_body(raw_deflate.compress(b"hi") + raw_deflate.flush(), "deflate") == b"hi"
    assert decode_body(gzip.compress(zlib.compress(b"x")), "deflate, gzip") == b"x"
    assert decode_body(b"as is", "identity") == b"as is"
    with pytest.raises(DecodeError, match=r"^error decompressing response body \(gzip: "):
        decode_body(b"not gzip", "gzip")


def test_exception_mapping_to_k6_codes() -> None:
    import socket
    import ssl

    refused = from_exception(ConnectionRefusedError(), "dial")
    assert (refused.code, refused.message) == (1212, "dial: connection refused")
    assert from_exception(ConnectionResetError(), "read").message == "read: connection reset by peer"
    assert from_exception(ConnectionResetError()).code == 1220
    assert from_exception(BrokenPipeError()).code == 1201
    assert from_exception(socket.gaierror(socket.EAI_NONAME, "x")).message == "lookup: no such host"
    err = ssl.SSLCertVerificationError()
    err.verify_message = "self-signed certificate"
    assert from_exception(err).code == 1310
    err.verify_message = "Hostname mismatch, certificate is not valid for 'x'."
    assert from_exception(err).code == 1311
