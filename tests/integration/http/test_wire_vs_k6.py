"""What loadpy puts on the wire, request by request, against what k6 v1.1 puts there (issue #13).

One workload, written once for each tool, runs against a recording server. Every expected request
below (headers as a set, body bytes) was recorded from k6 v1.1.0; `test_k6_sends_the_same` re-checks
it against the binary when k6 is installed, `test_loadpy_sends_what_k6_sends` holds loadpy to it."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.integration.cli.helpers import run_loadpy, write_scenario
from tests.integration.http.recording_server import Recorded, RecordingServer, recording_server
from tests.reliability.helpers import run_k6

UA = "probe/1"
FORM = {
    "a": ["x", "y"],
    "t": True,
    "f": False,
    "n": None,
    "num": 1.5,
    "i": 3,
    "big": 1234567.5,
    "small": 0.00001,
    "o": {"k": "v", "l": [1, "z"]},
    "s": "sp ace&",
    "e": [],
    "mix": [1, True, None, {"q": 1}, [2, 3]],
}
FORM_BODY = (
    b"a=x&a=y&big=1.2345675e%2B06&f=false&i=3&mix=1&mix=true&mix=%3Cnil%3E&mix=map%5Bq%3A1%5D&mix=%5B2+3%5D"
    b"&n=%3Cnil%3E&num=1.5&o=map%5Bk%3Av+l%3A%5B1+z%5D%5D&s=sp+ace%26&small=1e-05&t=true"
)

# (label, k6 JS statement, loadpy step) — `B` is the server's base URL in both
WORKLOAD: list[tuple[str, str, dict[str, object]]] = [
    ("form", f"http.post(B + '/form', {json.dumps(FORM)});", {"method": "POST", "url": "/form", "body": FORM}),
    ("post no body", "http.post(B + '/post-nobody');", {"method": "POST", "url": "/post-nobody"}),
    ("put no body", "http.put(B + '/put-nobody');", {"method": "PUT", "url": "/put-nobody"}),
    ("patch no body", "http.patch(B + '/patch-nobody');", {"method": "PATCH", "url": "/patch-nobody"}),
    ("delete no body", "http.del(B + '/del-nobody');", {"method": "DELETE", "url": "/del-nobody"}),
    ("post empty body", "http.post(B + '/post-empty', '');", {"method": "POST", "url": "/post-empty", "body": ""}),
    ("delete empty body", "http.del(B + '/del-empty', '');", {"method": "DELETE", "url": "/del-empty", "body": ""}),
    ("redirect", "http.get(B + '/redir1');", {"method": "GET", "url": "/redir1"}),
    (
        "redirect from userinfo and fragment",
        "http.get(B.replace('//', '//user:pw@') + '/redir2#frag');",
        {"method": "GET", "url": "//user:pw@/redir2#frag"},
    ),
    (
        "redirect with the user's referer",
        "http.get(B + '/redir3', { headers: { Referer: 'http://explicit/' } });",
        {"method": "GET", "url": "/redir3", "headers": {"Referer": "http://explicit/"}},
    ),
    (
        "redirected post",
        "http.post(B + '/redir4?q=1', 'data');",
        {"method": "POST", "url": "/redir4?q=1", "body": "data"},
    ),
    ("ws handshake", "ws.connect(WS + '/ws1', {}, (s) => s.close());", {"ws": "/ws1"}),
    (
        "ws handshake with the user's agent",
        "ws.connect(WS + '/ws2', { headers: { 'User-Agent': 'mine' } }, (s) => s.close());",
        {"ws": "/ws2", "headers": {"User-Agent": "mine"}},
    ),
]


Wire = tuple[str, str, frozenset[tuple[str, str]], bytes]  # method, target, header lines, body


def expected(host: str) -> list[Wire]:
    """(method, target, headers, body) of every request k6 v1.1.0 sent, in order."""
    base = f"http://{host}"
    plain = {("host", host), ("user-agent", UA)}

    def req(
        method: str, target: str, body: bytes = b"", **extra: str
    ) -> tuple[str, str, frozenset[tuple[str, str]], bytes]:
        headers = plain | {(name.replace("_", "-"), value) for name, value in extra.items()}
        return method, target, frozenset(headers), body

    ws = {"connection": "Upgrade", "upgrade": "websocket", "sec-websocket-version": "13"}
    return [
        req(
            "POST",
            "/form",
            FORM_BODY,
            content_length=str(len(FORM_BODY)),
            content_type="application/x-www-form-urlencoded",
        ),
        req("POST", "/post-nobody", content_length="0"),
        req("PUT", "/put-nobody", content_length="0"),
        req("PATCH", "/patch-nobody", content_length="0"),
        req("DELETE", "/del-nobody"),
        req("POST", "/post-empty", b"0\r\n\r\n", transfer_encoding="chunked"),
        req("DELETE", "/del-empty"),
        req("GET", "/redir1"),
        req("GET", "/final", referer=f"{base}/redir1"),
        req("GET", "/redir2", authorization="Basic dXNlcjpwdw=="),
        req("GET", "/final", authorization="Basic dXNlcjpwdw==", referer=f"{base}/redir2#frag"),
        req("GET", "/redir3", referer="http://explicit/"),
        req("GET", "/final", referer="http://explicit/"),
        req("POST", "/redir4?q=1", b"data", content_length="4"),
        req("GET", "/final", referer=f"{base}/redir4?q=1"),
        req("GET", "/ws1", **ws),
        (*req("GET", "/ws2", **ws)[:2], frozenset({("host", host), ("user-agent", "mine"), *ws.items()}), b""),
    ]


def _comparable(requests: list[Recorded]) -> list[Wire]:
    # the handshake key is random in both tools
    return [
        (r.method, r.target, frozenset(h for h in r.headers if h[0] != "sec-websocket-key"), r.body) for r in requests
    ]


def _k6_script(base: str) -> str:
    calls = "\n  ".join(js for _, js, _ in WORKLOAD)
    return f"""
        import http from 'k6/http';
        import ws from 'k6/ws';
        export const options = {{ iterations: 1, userAgent: '{UA}' }};
        const B = '{base}';
        const WS = B.replace('http', 'ws');
        export default function () {{
          {calls}
        }}
        """


def _loadpy_scenario(base: str) -> str:
    steps: list[dict[str, object]] = []
    for _, _, step in WORKLOAD:
        if "ws" in step:
            ws: dict[str, object] = {"url": base.replace("http", "ws") + str(step["ws"]), "timeout": "2s"}
            if "headers" in step:
                ws["headers"] = step["headers"]
            steps.append({"ws": ws})
            continue
        url = str(step["url"])
        url = base.replace("//", "//user:pw@") + url[len("//user:pw@") :] if url.startswith("//") else base + url
        steps.append({"request": {**step, "url": url}})
    return json.dumps({"options": {"iterations": 1, "userAgent": UA}, "flows": {"default": steps}})


@pytest.fixture(scope="module")
def server() -> Iterator[RecordingServer]:
    with recording_server() as srv:
        yield srv


def test_loadpy_sends_what_k6_sends(tmp_path: Path, server: RecordingServer) -> None:
    server.take()
    scenario = write_scenario(tmp_path, _loadpy_scenario(server.base_url))
    out = run_loadpy(tmp_path, scenario)
    assert out.code == 0, out.stderr
    got = _comparable(server.take())
    want = expected(f"127.0.0.1:{server.port}")
    for i, (g, w) in enumerate(zip(got, want, strict=False)):
        assert g == w, f"request {i}: {g} != {w}"
    assert len(got) == len(want)


@pytest.mark.k6
def test_k6_sends_the_same(tmp_path: Path, server: RecordingServer) -> None:
    server.take()
    code, _ = run_k6(tmp_path, _k6_script(server.base_url))
    assert code == 0
    assert _comparable(server.take()) == expected(f"127.0.0.1:{server.port}")
