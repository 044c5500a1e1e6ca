"""TLS (verification, versions, tls_version) and HTTP/2 negotiated by ALPN, against local servers."""

from __future__ import annotations

import asyncio
import ssl
from pathlib import Path
from typing import Any

import pytest
import uvloop

from loadpy.errors import ConfigError
from loadpy.protocols.http.client import HttpClient, HttpOptions
from loadpy.protocols.http.model import Response
from tests.integration.http.servers import Req, Server, reply
from tests.integration.http.tls_servers import H2Server, make_cert, make_expired_cert, server_context
from tests.reliability.helpers import request_tags, run_k6


@pytest.fixture(scope="module")
def cert(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    return make_cert(tmp_path_factory.mktemp("tls"))


def run(coro: Any) -> Any:
    return uvloop.run(asyncio.wait_for(coro, 20))


def test_h2_over_tls_multiplexes_and_reports_proto(cert: tuple[Path, Path]) -> None:
    async def main() -> None:
        async with H2Server(server_context(*cert, ["h2", "http/1.1"])) as srv:
            seen: list[Response] = []
            client = HttpClient(HttpOptions(insecure_skip_tls_verify=True), lambda resp, record: seen.append(resp))
            base = f"https://127.0.0.1:{srv.port}"
            first = await client.request("GET", base + "/a?x=1")
            assert (first.status, first.proto, first.status_text, first.tls_version) == (
                200,
                "HTTP/2.0",
                "200 OK",
                "tls1.3",
            )
            assert first.body == b"GET /a?x=1  0"
            assert first.headers["X-Proto"] == "h2"
            assert first.timings.tls_handshaking > 0 and first.timings.connecting > 0
            assert first.timings.blocked >= first.timings.tls_handshaking + first.timings.connecting
            assert first.remote_port == srv.port
            # cookies and bodies over h2, concurrent streams on the one connection
            await client.request("GET", base + "/cookie")
            posted = await client.request("POST", base + "/echo-cookie", body=b"x" * 100_000)
            assert posted.body == b"POST /echo-cookie h2c=yes 100000"
            batch = await client.batch([client.prepare("GET", f"{base}/{i}") for i in range(6)])
            assert [r.body for r in batch] == [f"GET /{i} h2c=yes 0".encode() for i in range(6)]
            assert all(r.timings.tls_handshaking == 0 for r in batch)
            assert srv.connections == 1
            assert len(seen) == 9
            ua = srv.requests[0]["user-agent"]
            assert ua.startswith("loadpy/")
            assert client.bytes_sent > 100_000 and client.bytes_received > 0
            await client.aclose()

    run(main())


def test_h2_stream_reset_and_goaway_codes(cert: tuple[Path, Path]) -> None:
    async def main() -> None:
        async with H2Server(server_context(*cert, ["h2"])) as srv:
            client = HttpClient(HttpOptions(insecure_skip_tls_verify=True))
            base = f"https://127.0.0.1:{srv.port}"
            r = await client.request("GET", base + "/reset")
            assert (r.status, r.error_code, r.error) == (0, 1638, "stream error: stream ID 1; REFUSED_STREAM")
            assert (await client.request("GET", base + "/fine")).status == 200  # the connection survives
            r = await client.request("GET", base + "/goaway")
            assert (r.status, r.error_code) == (0, 1613)
            after = await client.request("GET", base + "/again")  # a new connection replaces the dead one
            assert (after.status, after.proto, srv.connections) == (200, "HTTP/2.0", 2)
            await client.aclose()

    run(main())


def test_tls_verification_is_on_by_default(cert: tuple[Path, Path]) -> None:
    async def main() -> None:
        async with H2Server(server_context(*cert, ["h2"])) as srv:
            client = HttpClient(HttpOptions())
            r = await client.request("GET", f"https://127.0.0.1:{srv.port}/")
            assert (r.status, r.error_code, r.error) == (0, 1310, "x509: unknown authority")
            await client.aclose()

    run(main())


EXPIRED = "x509: certificate has expired or is not yet valid"


def test_an_expired_certificate_is_k6_s_1000_not_unknown_authority(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    ca, cert, key = make_expired_cert(tmp_path)
    monkeypatch.setenv("SSL_CERT_FILE", str(ca))  # the CA is trusted: the expiry is the only fault

    async def main() -> None:
        async with H2Server(server_context(cert, key, ["h2"])) as srv:
            client = HttpClient(HttpOptions())
            r = await client.request("GET", f"https://127.0.0.1:{srv.port}/")
            assert (r.status, r.error_code) == (0, 1000)
            assert r.error is not None and r.error.startswith(EXPIRED + ": current time ")  # Go's detail follows
            await client.aclose()

    run(main())


@pytest.mark.k6
def test_k6_gives_1000_for_an_expired_certificate(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    ca, cert, key = make_expired_cert(tmp_path)
    monkeypatch.setenv("SSL_CERT_FILE", str(ca))

    async def main() -> tuple[int, list[Any]]:
        async with H2Server(server_context(cert, key, ["h2"])) as srv:
            script = f"""
                import http from 'k6/http';
                export const options = {{ iterations: 1 }};
                export default function () {{ http.get('https://127.0.0.1:{srv.port}/'); }}
                """
            return await asyncio.to_thread(run_k6, tmp_path, script)

    code, points = run(main())
    assert code == 0
    [(status, error_code, error)] = request_tags(points)
    # Go adds ": current time T is after D" (the time of the request and the certificate's notAfter)
    assert (status, error_code) == ("0", "1000") and error is not None and error.startswith(EXPIRED + ": current time ")


def test_https_http11_when_alpn_picks_it_and_tls_version_bounds(cert: tuple[Path, Path]) -> None:
    async def hello(req: Req, w: asyncio.StreamWriter) -> bool:
        w.write(reply(200, b"tls ok"))
        return True

    async def main() -> None:
        srv = Server({"/": hello})
        srv_ctx = server_context(*cert, ["http/1.1"])
        srv._server = await asyncio.start_server(srv._serve, "127.0.0.1", 0, ssl=srv_ctx)
        srv.port = srv._server.sockets[0].getsockname()[1]
        try:
            client = HttpClient(HttpOptions(insecure_skip_tls_verify=True, tls_version_max="tls1.2"))
            rs = [await client.request("GET", f"https://127.0.0.1:{srv.port}/") for _ in range(2)]
            assert [(r.status, r.proto, r.tls_version, r.body) for r in rs] == [
                (200, "HTTP/1.1", "tls1.2", b"tls ok")
            ] * 2
            assert rs[0].timings.tls_handshaking > 0 and rs[1].timings.tls_handshaking == 0
            assert srv.connections == 1
            # wire bytes include the handshake (certificate) and record overhead, not just plaintext
            plain = len(reply(200, b"tls ok"))
            assert client.bytes_received > 2 * plain + 300
            assert client.bytes_sent > 2 * len(srv.requests[0].raw) + 200
            await client.aclose()
        finally:
            srv._server.close()

    run(main())


def test_bad_tls_version_is_a_config_error() -> None:
    with pytest.raises(ConfigError, match="invalid TLS version 'tls9'"):
        HttpOptions(tls_version_min="tls9")
    with pytest.raises(ConfigError, match="tlsAuth entry needs both"):
        HttpOptions(tls_auth=[{"domains": ["x"], "cert": "PEM"}])


def test_client_certificate_from_tls_auth(cert: tuple[Path, Path]) -> None:
    async def main() -> None:
        ctx = server_context(*cert, ["h2"])
        ctx.verify_mode = ssl.CERT_REQUIRED
        ctx.load_verify_locations(cert[0])  # the self-signed cert doubles as the client's certificate
        async with H2Server(ctx) as srv:
            url = f"https://127.0.0.1:{srv.port}/"
            without = HttpClient(HttpOptions(insecure_skip_tls_verify=True))
            denied = await without.request("GET", url, timeout=5)
            assert denied.status == 0 and denied.error_code != 0
            auth = [{"domains": ["127.0.0.1"], "cert": cert[0].read_text(), "key": cert[1].read_text()}]
            with_cert = HttpClient(HttpOptions(insecure_skip_tls_verify=True, tls_auth=auth))
            ok = await with_cert.request("GET", url)
            assert (ok.status, ok.proto) == (200, "HTTP/2.0")
            await without.aclose()
            await with_cert.aclose()

    run(main())


def test_tls_cipher_suites_limit_what_a_tls12_client_offers(cert: tuple[Path, Path]) -> None:
    """The server accepts anything: the suite it ends up with is the one the client allowed."""
    negotiated: list[str] = []

    async def hello(req: Req, w: asyncio.StreamWriter) -> bool:
        cipher = w.get_extra_info("cipher")
        negotiated.append(cipher[0] if cipher else "")
        w.write(reply(200, b"ok"))
        return True

    async def main() -> None:
        srv = Server({"/": hello})
        srv_ctx = server_context(*cert, ["http/1.1"])
        srv._server = await asyncio.start_server(srv._serve, "127.0.0.1", 0, ssl=srv_ctx)
        srv.port = srv._server.sockets[0].getsockname()[1]
        try:
            for suite in ("TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384", "TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305"):
                client = HttpClient(
                    HttpOptions(insecure_skip_tls_verify=True, tls_version_max="tls1.2", tls_cipher_suites=[suite])
                )
                r = await client.request("GET", f"https://127.0.0.1:{srv.port}/")
                assert (r.status, r.tls_version) == (200, "tls1.2")
                await client.aclose()
        finally:
            srv._server.close()
        assert negotiated == ["ECDHE-ECDSA-AES256-GCM-SHA384", "ECDHE-ECDSA-CHACHA20-POLY1305"]

    run(main())


def test_an_unknown_cipher_suite_is_a_config_error() -> None:
    with pytest.raises(ConfigError, match="unknown cipher suite 'TLS_BOGUS'"):
        HttpOptions(tls_cipher_suites=["TLS_BOGUS"])
