"""A certificate outside its validity period: k6's code 1000 and Go's full text, next to the real k6.

Go: `x509: certificate has expired or is not yet valid: current time T is after D` (`is before`
for a certificate not valid yet), T the time of the check, D the certificate's date, RFC 3339.
"""

from __future__ import annotations

import asyncio
import datetime
import logging
import re
from pathlib import Path
from typing import Any

import pytest
import uvloop
from cryptography import x509
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.serialization import Encoding
from cryptography.x509.oid import NameOID

from loadpy.protocols.http.cert_validity import certificate_validity, go_rfc3339
from loadpy.protocols.http.client import HttpClient, HttpOptions
from tests.integration.http.tls_servers import H2Server, make_expired_cert, server_context
from tests.reliability.helpers import request_tags, run_k6

CHECKED_AT = re.compile(r"current time (\S+) is (after|before) ")


def _dates(cert_pem: Path) -> tuple[datetime.datetime, datetime.datetime]:
    cert = x509.load_pem_x509_certificate(cert_pem.read_bytes())
    return cert.not_valid_before_utc, cert.not_valid_after_utc


def _expected(cert_pem: Path, not_yet_valid: bool) -> str:
    not_before, not_after = _dates(cert_pem)
    date = go_rfc3339(not_before if not_yet_valid else not_after)
    relation = "before" if not_yet_valid else "after"
    return f"x509: certificate has expired or is not yet valid: current time T is {relation} {date}"


def _checked_at_is_now(text: str) -> str:
    """`text` with its current time replaced by T, after checking that time is now and in Go's format."""
    match = CHECKED_AT.search(text)
    assert match, text
    stamp = match.group(1)
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(Z|[+-]\d\d:\d\d)", stamp), stamp
    moment = datetime.datetime.fromisoformat(stamp.replace("Z", "+00:00"))
    assert abs((datetime.datetime.now(datetime.UTC) - moment).total_seconds()) < 30
    return text.replace(stamp, "T", 1)


@pytest.mark.parametrize("not_yet_valid", [False, True], ids=["expired", "not-yet-valid"])
def test_the_error_is_go_s_full_text_and_code_1000(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture, not_yet_valid: bool
) -> None:
    ca, cert, key = make_expired_cert(tmp_path, not_yet_valid=not_yet_valid)
    monkeypatch.setenv("SSL_CERT_FILE", str(ca))  # the CA is trusted: the dates are the only fault

    async def main() -> list[Any]:
        async with H2Server(server_context(cert, key, ["h2", "http/1.1"])) as srv:
            client = HttpClient(HttpOptions())
            url = f"https://127.0.0.1:{srv.port}/"
            responses = [await client.request("GET", url) for _ in range(2)]  # the dates are read once, then reused
            await client.aclose()
            return [url, *responses]

    with caplog.at_level(logging.WARNING, logger="loadpy"):
        url, *responses = uvloop.run(asyncio.wait_for(main(), 20))
    expected = _expected(cert, not_yet_valid)
    for r in responses:
        assert (r.status, r.error_code) == (0, 1000)
        assert _checked_at_is_now(r.error) == expected
        assert r.timings.duration == 0.0  # failed before a request was sent
    logged = [getattr(rec, "error", "") for rec in caplog.records if rec.getMessage() == "Request Failed"]
    assert len(logged) == 2
    assert _checked_at_is_now(logged[0]) == f'Get "{url}": tls: failed to verify certificate: {expected}'


@pytest.mark.k6
@pytest.mark.parametrize("not_yet_valid", [False, True], ids=["expired", "not-yet-valid"])
def test_k6_reports_the_same_text(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, not_yet_valid: bool) -> None:
    ca, cert, key = make_expired_cert(tmp_path, not_yet_valid=not_yet_valid)
    monkeypatch.setenv("SSL_CERT_FILE", str(ca))

    async def main() -> tuple[tuple[int, list[Any]], Any]:
        async with H2Server(server_context(cert, key, ["h2", "http/1.1"])) as srv:
            url = f"https://127.0.0.1:{srv.port}/"
            script = f"""
                import http from 'k6/http';
                export const options = {{ iterations: 1 }};
                export default function () {{ http.get('{url}'); }}
                """
            k6 = await asyncio.to_thread(run_k6, tmp_path, script)
            client = HttpClient(HttpOptions())
            ours = await client.request("GET", url)
            await client.aclose()
            return k6, ours

    (code, points), ours = uvloop.run(asyncio.wait_for(main(), 60))
    assert code == 0
    [(status, error_code, error)] = request_tags(points)
    assert (status, error_code) == ("0", str(ours.error_code)) == ("0", "1000")
    assert error is not None
    assert _checked_at_is_now(error) == _checked_at_is_now(ours.error) == _expected(cert, not_yet_valid)


def _der(not_before: datetime.datetime, not_after: datetime.datetime) -> bytes:
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "validity test")])
    return (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(not_before)
        .not_valid_after(not_after)
        .sign(key, hashes.SHA256())
        .public_bytes(Encoding.DER)
    )


def test_dates_are_read_from_utc_and_generalized_times() -> None:
    utc = datetime.UTC
    early = datetime.datetime(1999, 12, 31, 23, 59, 58, tzinfo=utc)
    late = datetime.datetime(2051, 1, 2, 3, 4, 5, tzinfo=utc)
    assert certificate_validity(_der(early, late)) == (early, late)  # UTCTime, then GeneralizedTime (from 2050)
    assert certificate_validity(b"\x30\x03\x02\x01\x01") is None
    assert certificate_validity(b"") is None


def test_times_are_written_as_go_s_rfc3339() -> None:
    assert go_rfc3339(datetime.datetime(2026, 1, 2, 3, 4, 5, 999, tzinfo=datetime.UTC)) == "2026-01-02T03:04:05Z"
    plus_one = datetime.timezone(datetime.timedelta(hours=1))
    assert go_rfc3339(datetime.datetime(2026, 1, 2, 3, 4, 5, tzinfo=plus_one)) == "2026-01-02T03:04:05+01:00"
