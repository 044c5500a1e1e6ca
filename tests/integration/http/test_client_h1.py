"""HttpClient against real local HTTP/1.1 servers, well-behaved and misbehaving."""

from __future__ import annotations

import asyncio
import gzip
import socket
from collections.abc import Awaitable, Callable
from typing import Any

import uvloop

from loadpy import USER_AGENT
from loadpy.protocols.http.client import HttpClient, HttpOptions
from loadpy.protocols.http.model import Response
from tests.integration.http.servers import Req, Server, reply, reset


def run(coro_fn: Callable[[], Awaitable[Any]]) -> Any:
    return uvloop.run(asyncio.wait_for(coro_fn(), 20))


async def ok(req: Req, w: asyncio.StreamWriter) -> bool:
    w.write(reply(200, b"hello"))
    return True


async def redirect(req: Req, w: asyncio.StreamWriter) -> bool:
    n = int(req.path.rsplit("/", 1)[1])
    if n == 0:
        w.write(reply(200, f"cookie={req.headers.get('cookie', '')}".encode()))
    else:
        w.write(reply(302, b"", [("Location", f"/redirect/{n - 1}"), ("Set-Cookie", f"hop{n}={n}; Path=/")]))
    return True


ROUTES = {"/": ok, **{f"/redirect/{i}": redirect for i in range(4)}}


def test_keep_alive_reuse_timings_and_wire_bytes() -> None:
    async def main() -> None:
        async with Server(ROUTES) as srv:
            seen: list[Response] = []
            client = HttpClient(HttpOptions(), lambda resp, record: seen.append(resp))
            req = client.prepare("GET", srv.base + "/")
            responses = [await client.send(req) for _ in range(3)]
            assert [r.status for r in responses] == [200, 200, 200]
            assert [r.timings.connecting > 0 for r in responses] == [True, False, False]
            assert srv.connections == 1
            assert seen == responses
            first = responses[0]
            assert (first.status_text, first.proto, first.body, first.headers) == (
                "200 OK",
                "HTTP/1.1",
                b"hello",
                {"Content-Length": "5"},
            )
            assert first.remote_ip == "127.0.0.1" and first.remote_port == srv.port
            assert first.timings.blocked >= first.timings.connecting > 0
            for r in responses:
                t = r.timings
                assert t.duration == t.sending + t.waiting + t.receiving
                assert min(t.sending, t.waiting, t.receiving) >= 0
                assert r.end_time > 0
            expected_request = f"GET / HTTP/1.1\r\nHost: 127.0.0.1:{srv.port}\r\nUser-Agent: {USER_AGENT}\r\n\r\n"
            assert srv.requests[0].raw == expected_request.encode()
            assert client.bytes_sent == 3 * len(expected_request)
            assert client.bytes_received == 3 * len(reply(200, b"hello"))
            await client.aclose()

    run(main)


def test_no_connection_reuse_and_close_idle() -> None:
    async def main() -> None:
        async with Server(ROUTES) as srv:
            client = HttpClient(HttpOptions(no_connection_reuse=True))
            rs = [await client.request("GET", srv.base + "/") for _ in range(3)]
            assert [r.timings.connecting > 0 for r in rs] == [True, True, True]
            assert srv.connections == 3
            client2 = HttpClient(HttpOptions())
            a = await client2.request("GET", srv.base + "/")
            client2.close_idle()  # what the VU does at iteration end for noVUConnectionReuse
            b = await client2.request("GET", srv.base + "/")
            c = await client2.request("GET", srv.base + "/")
            assert [r.timings.connecting > 0 for r in (a, b, c)] == [True, True, False]
            assert srv.connections == 5
            await client.aclose()
            await client2.aclose()

    run(main)


def test_three_hop_redirect_four_responses_and_cookies_across_hops() -> None:
    async def main() -> None:
        async with Server(ROUTES) as srv:
            seen: list[Response] = []
            client = HttpClient(HttpOptions(), lambda resp, record: seen.append(resp))
            final = await client.request("GET", srv.base + "/redirect/3")
            assert [(r.status, r.url.rsplit("/", 2)[-1]) for r in seen] == [
                (302, "3"),
                (302, "2"),
                (302, "1"),
                (200, "0"),
            ]
            assert final is seen[-1]
            assert final.url == srv.base + "/redirect/0"
            assert final.body == b"cookie=hop3=3; hop2=2; hop1=1"
            assert seen[0].cookies == {"hop3": ["3"]}
            assert client.cookies.cookies_for_url(srv.base + "/") == {"hop3": ["3"], "hop2": ["2"], "hop1": ["1"]}
            client.cookies.clear()
            assert client.cookies.cookies_for_url(srv.base + "/") == {}

            # the limit returns the last 3xx without an error
            seen.clear()
            limited = await client.request("GET", srv.base + "/redirect/3", redirects=1)
            assert len(seen) == 2
            assert (limited.status, limited.url, limited.error, limited.error_code) == (
                302,
                srv.base + "/redirect/2",
                "",
                0,
            )
            seen.clear()
            client2 = HttpClient(HttpOptions(max_redirects=0), lambda resp, record: seen.append(resp))
            assert (await client2.request("GET", srv.base + "/redirect/1")).status == 302
            assert len(seen) == 1
            await client.aclose()
            await client2.aclose()

    run(main)


def test_redirect_method_rules_303_becomes_get_307_keeps_body() -> None:
    async def to_echo(req: Req, w: asyncio.StreamWriter) -> bool:
        status = int(req.path.rsplit("/", 1)[1])
        w.write(reply(status, b"", [("Location", "/echo")]))
        return True

    async def echo(req: Req, w: asyncio.StreamWriter) -> bool:
        w.write(reply(200, f"{req.method} {req.body.decode()} {req.headers.get('content-length')}".encode()))
        return True

    async def main() -> None:
        async with Server({"/r/303": to_echo, "/r/302": to_echo, "/r/307": to_echo, "/echo": echo}) as srv:
            client = HttpClient(HttpOptions())
            assert (await client.request("POST", srv.base + "/r/303", body="data")).body == b"GET  None"
            assert (await client.request("POST", srv.base + "/r/302", body="data")).body == b"GET  None"
            assert (await client.request("POST", srv.base + "/r/307", body="data")).body == b"POST data 4"
            await client.aclose()

    run(main)


def test_network_errors_become_k6_error_codes() -> None:
    async def main() -> None:
        with socket.socket() as s:  # a port nobody listens on
            s.bind(("127.0.0.1", 0))
            closed_port = s.getsockname()[1]
        seen: list[Response] = []
        client = HttpClient(HttpOptions(), lambda resp, record: seen.append(resp))
        r = await client.request("GET", f"http://127.0.0.1:{closed_port}/")
        assert (r.status, r.error, r.error_code, r.proto, r.body) == (0, "dial: connection refused", 1212, "", None)
        assert r.timings.duration == 0
        r = await client.request("GET", "http://nonexistent.invalid/")
        assert (r.status, r.error, r.error_code) == (0, "lookup: no such host", 1101)
        r = await client.request("GET", "ftp://127.0.0.1/")
        assert (r.status, r.error, r.error_code, r.sent) == (0, 'unsupported protocol scheme "ftp"', 1000, True)
        r = await client.request("GET", "http://127.0.0.1/\x7f")
        assert (r.error_code, r.sent) == (1020, False)
        assert r.error.startswith("invalid URL")
        # 1020 is never reported as a hop; the other three are
        assert [x.error_code for x in seen] == [1212, 1101, 1000]
        await client.aclose()

    run(main)


def test_misbehaving_servers() -> None:
    async def reset_mid_headers(req: Req, w: asyncio.StreamWriter) -> bool:
        w.write(b"HTTP/1.1 200 OK\r\nContent-Le")
        await w.drain()
        await asyncio.sleep(0.05)
        reset(w)
        return False

    async def reset_mid_body(req: Req, w: asyncio.StreamWriter) -> bool:
        w.write(b"HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\npartial")
        await w.drain()
        await asyncio.sleep(0.05)
        reset(w)
        return False

    async def close_mid_body(req: Req, w: asyncio.StreamWriter) -> bool:
        w.write(b"HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\npartial")
        return False

    async def close_without_answer(req: Req, w: asyncio.StreamWriter) -> bool:
        return False

    async def malformed(req: Req, w: asyncio.StreamWriter) -> bool:
        w.write(b"HTTP/1.1 OK 200\r\n\r\n")
        return True

    async def hang(req: Req, w: asyncio.StreamWriter) -> bool:
        await asyncio.sleep(5)
        return False

    async def close_delimited(req: Req, w: asyncio.StreamWriter) -> bool:
        w.write(b"HTTP/1.1 200 OK\r\n\r\nuntil close")
        return False

    routes = {
        "/reset-headers": reset_mid_headers,
        "/reset-body": reset_mid_body,
        "/close-body": close_mid_body,
        "/close": close_without_answer,
        "/malformed": malformed,
        "/hang": hang,
        "/eof-body": close_delimited,
    }

    async def main() -> None:
        async with Server(routes) as srv:
            client = HttpClient(HttpOptions())
            get = client.request
            r = await get("GET", srv.base + "/reset-headers")
            # measured with k6 v1.1.0: Go reads a reset inside the head as EOF and parses the cut line
            assert (r.status, r.error_code, r.error) == (0, 1000, 'malformed MIME header: missing colon: "Content-Le"')
            r = await get("GET", srv.base + "/reset-body")
            assert (r.status, r.error_code, r.error) == (0, 1220, "read: connection reset by peer")
            r = await get("GET", srv.base + "/close-body")
            assert (r.status, r.error_code, r.error) == (0, 1000, "unexpected EOF")
            r = await get("GET", srv.base + "/close")
            assert (r.status, r.error_code, r.error) == (0, 1000, "EOF")
            r = await get("GET", srv.base + "/malformed")
            assert (r.status, r.error_code, r.error) == (0, 1000, 'malformed HTTP status code "OK"')
            r = await get("GET", srv.base + "/eof-body")
            assert (r.status, r.body, r.error_code) == (200, b"until close", 0)
            r = await get("GET", srv.base + "/hang", timeout=0.3)
            assert (r.status, r.error_code, r.error) == (0, 1050, "request timeout")
            assert r.timings.duration >= 290  # timings run up to the timeout
            assert r.timings.duration < 3000
            await client.aclose()

    run(main)


def test_stale_keep_alive_connection_is_retried_transparently() -> None:
    async def ok_then_close(req: Req, w: asyncio.StreamWriter) -> bool:
        w.write(reply(200, b"x"))  # no "Connection: close": the client believes it may reuse
        await w.drain()
        return False

    async def main() -> None:
        async with Server({"/": ok_then_close}) as srv:
            client = HttpClient(HttpOptions())
            a = await client.request("GET", srv.base + "/")
            await asyncio.sleep(0.05)
            b = await client.request("GET", srv.base + "/")
            assert (a.status, b.status, srv.connections) == (200, 200, 2)
            # the race where the FIN arrives after the request was written: retried as well
            conn = client._pool.idle[("http", "127.0.0.1", srv.port)]
            conn[0].closed = False
            c = await client.request("GET", srv.base + "/")
            assert c.status == 200 and c.error == ""
            await client.aclose()

    run(main)


def test_status_errors_head_response_types_and_gzip() -> None:
    async def status(req: Req, w: asyncio.StreamWriter) -> bool:
        w.write(reply(int(req.path.rsplit("/", 1)[1]), b"err"))
        return True

    async def zipped(req: Req, w: asyncio.StreamWriter) -> bool:
        w.write(reply(200, gzip.compress(b"unzipped!"), [("Content-Encoding", "gzip")]))
        return True

    async def bad_zip(req: Req, w: asyncio.StreamWriter) -> bool:
        w.write(reply(200, b"not gzip at all", [("Content-Encoding", "gzip")]))
        return True

    async def chunked(req: Req, w: asyncio.StreamWriter) -> bool:
        w.write(b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n2\r\nde\r\n0\r\n\r\n")
        return True

    async def head(req: Req, w: asyncio.StreamWriter) -> bool:
        w.write(b"HTTP/1.1 200 OK\r\nContent-Length: 999\r\nSet-Cookie: a=1\r\nSet-Cookie: b=2\r\n\r\n")
        return True

    routes = {"/s/404": status, "/s/503": status, "/gz": zipped, "/badgz": bad_zip, "/chunked": chunked, "/head": head}

    async def main() -> None:
        async with Server(routes) as srv:
            client = HttpClient(HttpOptions())
            r = await client.request("GET", srv.base + "/s/404")
            assert (r.status, r.error_code, r.error, r.status_text, r.body) == (404, 1404, "", "404 Not Found", b"err")
            assert (await client.request("GET", srv.base + "/s/503")).error_code == 1503
            assert (await client.request("GET", srv.base + "/gz")).body == b"unzipped!"
            bad = await client.request("GET", srv.base + "/badgz")
            assert (bad.status, bad.error_code, bad.body, bad.proto) == (0, 1701, None, "")
            assert bad.error.startswith("error decompressing response body (gzip: ")
            assert (await client.request("GET", srv.base + "/chunked")).body == b"abcde"
            h = await client.request("HEAD", srv.base + "/head")
            assert (h.status, h.body, h.headers["Set-Cookie"]) == (200, b"", "a=1, b=2")
            assert h.cookies == {"a": ["1"], "b": ["2"]}
            none = await client.request("GET", srv.base + "/chunked", response_type="none")
            assert none.body is None and none.status == 200
            binary = await client.request("GET", srv.base + "/chunked", response_type="binary")
            assert binary.body == b"abcde"
            # the same connection served all of it, HEAD included
            assert srv.connections == 1
            await client.aclose()
            discard = HttpClient(HttpOptions(discard_response_bodies=True))
            before = discard.bytes_received
            assert (await discard.request("GET", srv.base + "/chunked")).body is None
            assert discard.bytes_received - before == len(
                b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n2\r\nde\r\n0\r\n\r\n"
            )
            assert (await discard.request("GET", srv.base + "/chunked", response_type="text")).body == b"abcde"
            await discard.aclose()

    run(main)


def test_request_headers_body_user_agent_and_user_cookie_merge() -> None:
    async def echo(req: Req, w: asyncio.StreamWriter) -> bool:
        w.write(reply(200, req.raw + req.body, [("Set-Cookie", "jar=1")]))
        return True

    async def main() -> None:
        async with Server({"/": echo}) as srv:
            client = HttpClient(HttpOptions(user_agent="custom/1"))
            r = await client.request("PUT", srv.base + "/", headers={"X-Test": "1", "Cookie": "mine=2"}, body="payload")
            assert (
                r.body
                == (
                    f"PUT / HTTP/1.1\r\nHost: 127.0.0.1:{srv.port}\r\nUser-Agent: custom/1\r\nContent-Length: 7\r\n"
                    "Cookie: mine=2\r\nX-Test: 1\r\n\r\npayload"
                ).encode()
            )
            r = await client.request("GET", srv.base + "/", headers={"Cookie": "mine=2"})
            assert b"Cookie: mine=2; jar=1\r\n" in (r.body or b"")
            assert r.request_headers == {"User-Agent": "custom/1"}
            await client.aclose()

    run(main)


def test_batch_respects_batch_per_host() -> None:
    active = 0
    peak = 0

    async def slow(req: Req, w: asyncio.StreamWriter) -> bool:
        nonlocal active, peak
        active += 1
        peak = max(peak, active)
        await asyncio.sleep(0.1)
        active -= 1
        w.write(reply(200, req.target.encode()))
        return True

    async def main() -> None:
        async with Server({"*": slow}) as srv:
            client = HttpClient(HttpOptions(batch_per_host=2))
            reqs = [client.prepare("GET", f"{srv.base}/{i}") for i in range(5)]
            rs = await client.batch(reqs)
            assert [r.body for r in rs] == [f"/{i}".encode() for i in range(5)]
            assert peak == 2
            client2 = HttpClient(HttpOptions())
            await client2.batch([client2.prepare("GET", f"{srv.base}/{i}") for i in range(5)])
            assert peak == 5
            await client.aclose()
            await client2.aclose()

    run(main)


def test_hosts_override_resolves_a_name_without_dns() -> None:
    async def host_echo(req: Req, w: asyncio.StreamWriter) -> bool:
        w.write(reply(200, req.headers["host"].encode() + b" " + b"x" * 100_000))
        return True

    async def main() -> None:
        async with Server({"/": host_echo}) as srv:
            client = HttpClient(HttpOptions(hosts={"my.test": "127.0.0.1", "other.test": f"127.0.0.1:{srv.port}"}))
            r = await client.request("GET", f"http://my.test:{srv.port}/")
            assert (r.status, r.remote_ip, r.timings.looking_up < 5) == (200, "127.0.0.1", True)
            assert r.body == f"my.test:{srv.port} ".encode() + b"x" * 100_000  # larger than one read buffer
            r = await client.request("GET", "http://other.test/")
            assert r.body is not None and r.body.startswith(b"other.test ")
            await client.aclose()

    run(main)


def test_cross_host_redirect_drops_credentials_keeps_other_headers() -> None:
    async def echo(req: Req, w: asyncio.StreamWriter) -> bool:
        w.write(reply(200, req.raw))
        return True

    async def main() -> None:
        async with Server({"*": echo}) as other:

            async def away(req: Req, w: asyncio.StreamWriter) -> bool:
                w.write(reply(302, b"", [("Location", f"http://b.test:{other.port}/landed")]))
                return True

            async with Server({"/away": away}) as srv:
                client = HttpClient(HttpOptions(hosts={"b.test": "127.0.0.1"}))
                headers = {"Authorization": "Bearer secret", "Cookie": "mine=1", "X-Keep": "yes"}
                r = await client.request("GET", srv.base + "/away", headers=headers)
                assert r.status == 200 and r.url == f"http://b.test:{other.port}/landed"
                assert (
                    r.body
                    == (
                        f"GET /landed HTTP/1.1\r\nHost: b.test:{other.port}\r\nUser-Agent: {USER_AGENT}\r\n"
                        f"Referer: {srv.base}/away\r\nX-Keep: yes\r\n\r\n"
                    ).encode()
                )
                await client.aclose()

    run(main)


def test_per_connection_timer_honours_each_requests_own_timeout() -> None:
    async def fast(req: Req, w: asyncio.StreamWriter) -> bool:
        w.write(reply(200, b"fast"))
        return True

    async def slow(req: Req, w: asyncio.StreamWriter) -> bool:
        await asyncio.sleep(0.6)
        w.write(reply(200, b"slow"))
        return True

    async def hang(req: Req, w: asyncio.StreamWriter) -> bool:
        await asyncio.sleep(5)
        return False

    async def main() -> None:
        async with Server({"/fast": fast, "/slow": slow, "/hang": hang}) as srv:
            client = HttpClient(HttpOptions())
            # the timer armed for a short deadline must not kill a later, longer request
            assert (await client.request("GET", srv.base + "/fast", timeout=0.2)).status == 200
            r = await client.request("GET", srv.base + "/slow", timeout=5)
            assert (r.status, r.body, r.error_code) == (200, b"slow", 0)
            # and a short deadline after a long one (timer armed at +60 s) must fire on time
            assert (await client.request("GET", srv.base + "/fast")).status == 200
            assert srv.connections == 1
            r = await client.request("GET", srv.base + "/hang", timeout=0.3)
            assert (r.error_code, srv.connections) == (1050, 1)
            assert 290 <= r.timings.duration < 3000
            await client.aclose()

    run(main)
