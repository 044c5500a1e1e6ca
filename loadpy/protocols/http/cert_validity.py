"""Go's full text for a certificate outside its validity period, as k6 reports it.

Go says `x509: certificate has expired or is not yet valid: current time T is after D` (or `is
before` the notBefore date), T the verification time in local time and D from the certificate,
both RFC 3339. OpenSSL fails the handshake without handing over the certificate, so its dates
are read once per target from a second handshake that does not verify (no HTTP request is sent
on it, and its bytes are not counted: k6 makes no such connection), then remembered.
"""

from __future__ import annotations

import asyncio
import datetime
import ssl

from loadpy.protocols.http.errcodes import CERT_VALIDITY_TEXT, GENERIC, X509_EXPIRED, HttpFailure

Validity = tuple[datetime.datetime, datetime.datetime]  # (notBefore, notAfter), UTC
_known: dict[tuple[str, int, str], Validity] = {}
_MAX_KNOWN = 1024  # targets remembered (a test has a handful)


async def validity_failure(
    exc: ssl.SSLCertVerificationError, ip: str, port: int, server_hostname: str, timeout: float
) -> HttpFailure | None:
    """The failure with Go's text for `exc` (`errcodes.is_validity_error`), or None when the dates
    cannot be read."""
    checked_at = datetime.datetime.now().astimezone()  # Go formats the current time in local time
    key = (ip, port, server_hostname)
    validity = _known.get(key)
    if validity is None:
        validity = await _read_validity(ip, port, server_hostname, timeout)
        if validity is None:
            return None
        if len(_known) >= _MAX_KNOWN:
            _known.clear()
        _known[key] = validity
    not_before, not_after = validity
    if exc.verify_code == X509_EXPIRED:
        detail = f"current time {go_rfc3339(checked_at)} is after {go_rfc3339(not_after)}"
    else:
        detail = f"current time {go_rfc3339(checked_at)} is before {go_rfc3339(not_before)}"
    text = f"{CERT_VALIDITY_TEXT}: {detail}"
    return HttpFailure(GENERIC, text, detail=f"tls: failed to verify certificate: {text}")


def go_rfc3339(moment: datetime.datetime) -> str:
    """Go's time.RFC3339: seconds, and `Z` for UTC rather than `+00:00`."""
    text = moment.isoformat(timespec="seconds")
    return text[:-6] + "Z" if text.endswith("+00:00") else text


async def _read_validity(ip: str, port: int, server_hostname: str, timeout: float) -> Validity | None:
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    context.check_hostname = False
    context.verify_mode = ssl.CERT_NONE
    try:
        async with asyncio.timeout(max(timeout, 0.0)):
            _, writer = await asyncio.open_connection(ip, port, ssl=context, server_hostname=server_hostname or None)
    except (OSError, TimeoutError, ssl.SSLError):
        return None
    try:
        der = writer.get_extra_info("ssl_object").getpeercert(binary_form=True)
    finally:
        writer.transport.abort()
    return certificate_validity(der) if der else None


def certificate_validity(der: bytes) -> Validity | None:
    """(notBefore, notAfter) of a DER certificate: tbsCertificate's fifth field (or fourth without
    the explicit version); None when the bytes are not shaped like a certificate."""
    try:
        tbs, _ = _inside(der, 0, 0x30)  # Certificate ::= SEQUENCE { tbsCertificate, ... }
        at, _ = _inside(der, tbs, 0x30)
        if der[at] == 0xA0:  # [0] EXPLICIT version
            at = _skip(der, at)
        for _ in range(3):  # serialNumber, signature, issuer
            at = _skip(der, at)
        at, _ = _inside(der, at, 0x30)  # validity ::= SEQUENCE { notBefore, notAfter }
        not_before = _time(der, at)
        not_after = _time(der, _skip(der, at))
    except (IndexError, ValueError):
        return None
    return not_before, not_after


def _header(der: bytes, at: int) -> tuple[int, int]:
    """(where the value of the element at `at` starts, its length)."""
    size = der[at + 1]
    if size < 0x80:
        return at + 2, size
    count = size & 0x7F
    return at + 2 + count, int.from_bytes(der[at + 2 : at + 2 + count], "big")


def _inside(der: bytes, at: int, tag: int) -> tuple[int, int]:
    if der[at] != tag:
        raise ValueError(f"tag {der[at]:#x} where {tag:#x} was expected")
    return _header(der, at)


def _skip(der: bytes, at: int) -> int:
    start, size = _header(der, at)
    return start + size


def _time(der: bytes, at: int) -> datetime.datetime:
    start, size = _header(der, at)
    text = der[start : start + size].decode("ascii")
    if der[at] == 0x17:  # UTCTime YYMMDDHHMMSSZ: years 50-99 are 19xx (RFC 5280)
        year = int(text[:2])
        text = f"{1900 + year if year >= 50 else 2000 + year}{text[2:]}"
    elif der[at] != 0x18:  # GeneralizedTime YYYYMMDDHHMMSSZ
        raise ValueError("not a time")
    return datetime.datetime.strptime(text, "%Y%m%d%H%M%SZ").replace(tzinfo=datetime.UTC)
