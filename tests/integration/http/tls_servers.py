"""TLS test servers: a self-signed certificate made with `cryptography`, an HTTP/2 server on the
`h2` package and an HTTP/1.1-only TLS server, all on 127.0.0.1:0."""

from __future__ import annotations

import asyncio
import datetime
import ipaddress
import ssl
from dataclasses import dataclass, field
from pathlib import Path

import h2.config
import h2.connection
import h2.events
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

__all__ = ["H2Server", "make_cert", "make_expired_cert", "server_context"]


def make_cert(directory: Path, hostname: str = "localhost") -> tuple[Path, Path]:
    """A self-signed certificate for `hostname` and 127.0.0.1; returns (cert.pem, key.pem)."""
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, hostname)])
    now = datetime.datetime.now(datetime.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(days=1))
        .not_valid_after(now + datetime.timedelta(days=2))
        .add_extension(
            x509.SubjectAlternativeName([x509.DNSName(hostname), x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]),
            critical=False,
        )
        .sign(key, hashes.SHA256())
    )
    cert_path, key_path = directory / "cert.pem", directory / "key.pem"
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(
        key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
    )
    return cert_path, key_path


def make_expired_cert(directory: Path, *, not_yet_valid: bool = False) -> tuple[Path, Path, Path]:
    """A certificate for 127.0.0.1 that expired yesterday (or, `not_yet_valid`, that is valid from
    tomorrow), signed by a fresh CA; (ca.pem, cert.pem, key.pem). Trusting the CA (SSL_CERT_FILE)
    leaves the dates as the only fault, for Go and OpenSSL alike."""
    now = datetime.datetime.now(datetime.UTC)
    ca_key = ec.generate_private_key(ec.SECP256R1())
    ca_name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "loadpy test CA")])
    ca = (
        x509.CertificateBuilder()
        .subject_name(ca_name)
        .issuer_name(ca_name)
        .public_key(ca_key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(days=10))
        .not_valid_after(now + datetime.timedelta(days=10))
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(ca_key, hashes.SHA256())
    )
    key = ec.generate_private_key(ec.SECP256R1())
    leaf = (
        x509.CertificateBuilder()
        .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "localhost")]))
        .issuer_name(ca_name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now + datetime.timedelta(days=1 if not_yet_valid else -5))
        .not_valid_after(now + datetime.timedelta(days=5 if not_yet_valid else -1))
        .add_extension(x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]), critical=False)
        .sign(ca_key, hashes.SHA256())
    )
    ca_path, cert_path, key_path = directory / "ca.pem", directory / "expired.pem", directory / "expired-key.pem"
    ca_path.write_bytes(ca.public_bytes(serialization.Encoding.PEM))
    cert_path.write_bytes(leaf.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(
        key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
    )
    return ca_path, cert_path, key_path


def server_context(cert: Path, key: Path, alpn: list[str]) -> ssl.SSLContext:
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ctx.load_cert_chain(cert, key)
    ctx.set_alpn_protocols(alpn)
    return ctx


class _H2Handler(asyncio.Protocol):
    """Answers every stream with 200 and a body naming the path; /cookie sets a cookie, /echo-cookie echoes it."""

    def __init__(self, server: H2Server) -> None:
        self.server = server
        self.conn = h2.connection.H2Connection(h2.config.H2Configuration(client_side=False, header_encoding="utf-8"))
        self.transport: asyncio.Transport | None = None
        self.bodies: dict[int, bytes] = {}
        self.headers: dict[int, dict[str, str]] = {}

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = transport  # type: ignore[assignment]
        self.server.connections += 1
        self.conn.initiate_connection()
        self.transport.write(self.conn.data_to_send())  # type: ignore[union-attr]

    def data_received(self, data: bytes) -> None:
        for event in self.conn.receive_data(data):
            if isinstance(event, h2.events.RequestReceived):
                self.headers[event.stream_id] = dict(event.headers)  # type: ignore[arg-type]
                self.bodies[event.stream_id] = b""
            elif isinstance(event, h2.events.DataReceived):
                self.bodies[event.stream_id] += event.data
                self.conn.acknowledge_received_data(event.flow_controlled_length, event.stream_id)
            elif isinstance(event, h2.events.StreamEnded):
                self._answer(event.stream_id)
        assert self.transport is not None
        self.transport.write(self.conn.data_to_send())

    def _answer(self, sid: int) -> None:
        req = self.headers.pop(sid)
        body_in = self.bodies.pop(sid)
        self.server.requests.append(req)
        path = req[":path"]
        if path == "/reset":
            self.conn.reset_stream(sid, error_code=7)  # REFUSED_STREAM
            return
        if path == "/goaway":
            self.conn.close_connection(error_code=2)  # INTERNAL_ERROR
            return
        extra: list[tuple[str, str]] = []
        if path == "/cookie":
            extra.append(("set-cookie", "h2c=yes"))
        body = f"{req[':method']} {path} {req.get('cookie', '')} {len(body_in)}".encode()
        self.conn.send_headers(sid, [(":status", "200"), ("content-length", str(len(body))), ("x-proto", "h2"), *extra])
        self.conn.send_data(sid, body, end_stream=True)


@dataclass
class H2Server:
    ctx: ssl.SSLContext
    connections: int = 0
    requests: list[dict[str, str]] = field(default_factory=list)
    port: int = 0
    _server: asyncio.Server | None = None

    async def __aenter__(self) -> H2Server:
        loop = asyncio.get_running_loop()
        self._server = await loop.create_server(lambda: _H2Handler(self), "127.0.0.1", 0, ssl=self.ctx)
        self.port = self._server.sockets[0].getsockname()[1]
        return self

    async def __aexit__(self, *exc: object) -> None:
        assert self._server is not None
        self._server.close()
