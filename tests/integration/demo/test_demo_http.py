"""The demo target's HTTP endpoints, driven with plain http.client / sockets."""

from __future__ import annotations

import http.client
import json
import socket
import urllib.request

import pytest

from loadpy.demo import DemoServer, demo_subprocess


def get(
    server: DemoServer, path: str, method: str = "GET", body: bytes | None = None, headers: dict[str, str] | None = None
) -> tuple[int, dict[str, str], bytes]:
    conn = http.client.HTTPConnection("127.0.0.1", server.port, timeout=10)
    try:
        conn.request(method, path, body=body, headers=headers or {})
        resp = conn.getresponse()
        return resp.status, dict(resp.getheaders()), resp.read()
    finally:
        conn.close()


def raw_exchange(server: DemoServer, payload: bytes) -> bytes:
    """Send raw bytes, read until the server closes (the last request says Connection: close)."""
    with socket.create_connection(("127.0.0.1", server.port), timeout=10) as sock:
        sock.sendall(payload)
        chunks = []
        while chunk := sock.recv(65536):
            chunks.append(chunk)
    return b"".join(chunks)


@pytest.mark.parametrize(
    ("path", "status", "ctype", "body"),
    [
        ("/", 200, "text/plain", b"ok"),
        ("/status/418", 418, "text/plain", b"status 418"),
        ("/status/503", 503, "text/plain", b"status 503"),
        ("/status/204", 204, "text/plain", b""),
        ("/delay/30", 200, "text/plain", b"ok"),
        ("/bytes/7", 200, "application/octet-stream", b"xxxxxxx"),
        ("/redirect/0", 200, "text/plain", b"ok"),
        ("/items/42", 200, "application/json", b'{"id": 42, "name": "item 42"}'),
        ("/items/abc", 200, "application/json", b'{"id": "abc", "name": "item abc"}'),
        ("/nope", 404, "text/plain", b"not found"),
        ("/status/abc", 404, "text/plain", b"not found"),
    ],
)
def test_get_endpoints(demo_server: DemoServer, path: str, status: int, ctype: str, body: bytes) -> None:
    got_status, headers, got_body = get(demo_server, path)
    assert (got_status, headers["Content-Type"], got_body) == (status, ctype, body)


def test_json_document(demo_server: DemoServer) -> None:
    _, _, body = get(demo_server, "/json")
    assert json.loads(body) == {"name": "loadpy", "n": 42, "items": [1, 2, 3], "nested": {"ok": True}}


def test_head_has_headers_but_no_body(demo_server: DemoServer) -> None:
    status, headers, body = get(demo_server, "/bytes/10", method="HEAD")
    assert (status, headers["Content-Length"], body) == (200, "10", b"")


def test_redirect_chain_hops_one_by_one(demo_server: DemoServer) -> None:
    status, headers, body = get(demo_server, "/redirect/3")
    assert (status, headers["Location"], body) == (302, "/redirect/2", b"")
    # urllib follows the whole chain: 3 -> 2 -> 1 -> 0
    with urllib.request.urlopen(f"{demo_server.base_url}/redirect/3", timeout=10) as resp:
        assert (resp.status, resp.url, resp.read()) == (200, f"{demo_server.base_url}/redirect/0", b"ok")


def test_headers_are_echoed(demo_server: DemoServer) -> None:
    _, _, body = get(demo_server, "/headers", headers={"X-Probe": "abc", "User-Agent": "probe/1"})
    doc = json.loads(body)
    assert doc["X-Probe"] == "abc"
    assert doc["User-Agent"] == "probe/1"
    assert doc["Host"] == f"127.0.0.1:{demo_server.port}"


def test_cookies_set_and_read(demo_server: DemoServer) -> None:
    conn = http.client.HTTPConnection("127.0.0.1", demo_server.port, timeout=10)
    conn.request("GET", "/cookies/set?a=1&b=two", headers={"Cookie": "old=x"})
    resp = conn.getresponse()
    assert resp.headers.get_all("Set-Cookie") == ["a=1; Path=/", "b=two; Path=/"]
    assert json.loads(resp.read()) == {"old": "x"}
    conn.request("GET", "/cookies", headers={"Cookie": "a=1; b=two"})
    resp = conn.getresponse()
    assert json.loads(resp.read()) == {"a": "1", "b": "two"}
    conn.close()


def test_echo_returns_body_and_content_type(demo_server: DemoServer) -> None:
    status, headers, body = get(demo_server, "/echo", "POST", b'{"id": 1}', {"Content-Type": "application/json"})
    assert (status, headers["Content-Type"], body) == (200, "application/json", b'{"id": 1}')


def test_login_returns_token(demo_server: DemoServer) -> None:
    status, _, body = get(demo_server, "/login", "POST", b'{"username": "ada", "password": "x"}')
    assert (status, json.loads(body)) == (200, {"token": "token-ada"})


def test_keep_alive_serves_many_requests_on_one_connection(demo_server: DemoServer) -> None:
    conn = http.client.HTTPConnection("127.0.0.1", demo_server.port, timeout=10)
    conn.request("GET", "/")
    conn.getresponse().read()
    sock = conn.sock
    for _ in range(20):
        conn.request("GET", "/items/1")
        resp = conn.getresponse()
        assert resp.status == 200
        resp.read()
    assert conn.sock is sock  # never reconnected
    conn.close()


def test_pipelined_responses_keep_request_order(demo_server: DemoServer) -> None:
    data = raw_exchange(
        demo_server,
        b"GET /delay/80 HTTP/1.1\r\nHost: t\r\n\r\n"
        b"GET /status/201 HTTP/1.1\r\nHost: t\r\n\r\n"
        b"GET /bytes/3 HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n",
    )
    assert data == (
        b"HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 2\r\n\r\nok"
        b"HTTP/1.1 201 Created\r\nContent-Type: text/plain\r\nContent-Length: 10\r\n\r\nstatus 201"
        b"HTTP/1.1 200 OK\r\nContent-Type: application/octet-stream\r\nContent-Length: 3\r\n"
        b"Connection: close\r\n\r\nxxx"
    )


def test_http10_without_keep_alive_is_closed(demo_server: DemoServer) -> None:
    data = raw_exchange(demo_server, b"GET / HTTP/1.0\r\n\r\n")
    assert data.endswith(b"Connection: close\r\n\r\nok")


def test_garbage_gets_400_and_close(demo_server: DemoServer) -> None:
    data = raw_exchange(demo_server, b"NOT HTTP AT ALL\r\n\r\n")
    assert data.startswith(b"HTTP/1.1 400 Bad Request\r\n")


def graphql(server: DemoServer, doc: dict[str, object]) -> tuple[int, object]:
    status, _, body = get(server, "/graphql", "POST", json.dumps(doc).encode(), {"Content-Type": "application/json"})
    return status, json.loads(body)


def test_graphql_query_with_variables(demo_server: DemoServer) -> None:
    query = "query User($id: ID!) { user(id: $id) { id name } }"
    assert graphql(demo_server, {"query": query, "variables": {"id": "3"}, "operationName": "User"}) == (
        200,
        {"data": {"user": {"id": "3", "name": "Grace"}}},
    )


def test_graphql_aliases_lists_and_typename(demo_server: DemoServer) -> None:
    status, doc = graphql(demo_server, {"query": "{ all: users { name } hello __typename }"})
    assert status == 200
    assert doc["data"]["all"][:2] == [{"name": "Ada"}, {"name": "Brian"}]  # type: ignore[index]
    assert len(doc["data"]["all"]) == 10  # type: ignore[index]
    assert (doc["data"]["hello"], doc["data"]["__typename"]) == ("world", "Query")  # type: ignore[index]


def test_graphql_mutation_then_query(demo_server: DemoServer) -> None:
    status, doc = graphql(demo_server, {"query": 'mutation Add { addMessage(content: "hi there") { id content } }'})
    assert status == 200
    msg = doc["data"]["addMessage"]  # type: ignore[index]
    assert msg["content"] == "hi there"
    _, doc = graphql(demo_server, {"query": "{ messages { id content } }"})
    assert msg in doc["data"]["messages"]  # type: ignore[index]


def test_graphql_boom_is_an_error_with_http_200(demo_server: DemoServer) -> None:
    assert graphql(demo_server, {"query": "{ boom }"}) == (
        200,
        {"errors": [{"message": "boom requested", "path": ["boom"]}], "data": None},
    )


@pytest.mark.parametrize(
    ("doc", "message"),
    [
        ({"query": "{ nope }"}, 'Cannot query field "nope" on type "Query".'),
        ({"query": "{ user(id: 1) }"}, 'Field "user" of type "User" must have a selection of subfields.'),
        ({"query": "{ hello "}, "Syntax Error: Expected Name, found <EOF>."),
        (
            {"query": "query A { hello } query B { hello }"},
            "Must provide operation name if query contains multiple operations.",
        ),
        ({}, "Must provide query string."),
    ],
)
def test_graphql_request_errors_are_400(demo_server: DemoServer, doc: dict[str, object], message: str) -> None:
    assert graphql(demo_server, doc) == (400, {"errors": [{"message": message}]})


def test_stats_count_paths_and_reset(demo_server: DemoServer) -> None:
    assert get(demo_server, "/_reset", "POST")[0] == 200
    for path in ("/", "/", "/items/1", "/status/500"):
        get(demo_server, path)
    _, _, body = get(demo_server, "/_stats")
    doc = json.loads(body)
    assert doc["total"] == 4
    assert doc["paths"] == {"/": 2, "/items/1": 1, "/status/500": 1}
    assert [p for p, _ in doc["arrivals"]] == ["/", "/", "/items/1", "/status/500"]
    times = [t for _, t in doc["arrivals"]]
    assert times == sorted(times)
    assert demo_server.stats()["paths"] == doc["paths"]  # the in-process view agrees
    demo_server.reset_stats()
    assert demo_server.stats() == {"total": 0, "paths": {}, "arrivals": []}


def test_demo_subprocess_serves_and_stops() -> None:
    with demo_subprocess() as base_url:
        assert base_url.startswith("http://127.0.0.1:")
        with urllib.request.urlopen(f"{base_url}/json", timeout=10) as resp:
            assert json.loads(resp.read())["n"] == 42
    port = int(base_url.rsplit(":", 1)[1])
    with pytest.raises(OSError):
        socket.create_connection(("127.0.0.1", port), timeout=2).close()
