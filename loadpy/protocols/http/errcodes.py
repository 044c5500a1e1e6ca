"""k6's error codes and texts (k6-semantics §13.4) and the mapping from Python exceptions."""

from __future__ import annotations

import errno
import socket
import ssl

__all__ = ["HttpFailure", "from_exception"]

GENERIC = 1000
INVALID_URL = 1020
TIMEOUT = 1050
DNS_GENERIC = 1100
DNS_NO_SUCH_HOST = 1101
TCP_GENERIC = 1200
BROKEN_PIPE = 1201
DIAL_GENERIC = 1210
DIAL_TIMEOUT = 1211
CONN_REFUSED = 1212
CONN_RESET = 1220
TLS_GENERIC = 1300
TLS_HEADER = 1301
X509_UNKNOWN_AUTHORITY = 1310
X509_HOSTNAME = 1311
H2_GOAWAY = 1610
H2_STREAM = 1630
H2_CONNECTION = 1650
DECOMPRESSION = 1701

# OpenSSL's X509_V_ERR_CERT_NOT_YET_VALID and X509_V_ERR_CERT_HAS_EXPIRED
X509_NOT_YET_VALID, X509_EXPIRED = 9, 10
CERT_VALIDITY_TEXT = "x509: certificate has expired or is not yet valid"  # Go's CertificateInvalidError{Expired}


def is_validity_error(exc: BaseException) -> bool:
    """A certificate outside its validity period (cert_validity completes Go's text for it)."""
    codes = (X509_NOT_YET_VALID, X509_EXPIRED)
    return isinstance(exc, ssl.SSLCertVerificationError) and getattr(exc, "verify_code", None) in codes


class HttpFailure:
    """A failed attempt: k6's `error_code` and `error` text."""

    __slots__ = ("code", "detail", "in_body", "message", "retryable")

    def __init__(
        self, code: int, message: str, retryable: bool = False, detail: str = "", in_body: bool = False
    ) -> None:
        self.code = code
        self.message = message
        # a reused keep-alive connection the server had already closed: safe to retry once
        self.retryable = retryable
        self.detail = detail  # Go's full error, which k6 logs ("Request Failed"), when it says more
        # failed reading the body: Go's client had returned already, so k6 logs the bare error
        self.in_body = in_body

    def log_text(self, method: str, url: str) -> str:
        """The `error` of k6's "Request Failed" warning: Go's url.Error, `Get "http://...": reason`."""
        text = self.detail or self.message
        return text if self.in_body else f'{method[:1]}{method[1:].lower()} "{url}": {text}'

    def __repr__(self) -> str:
        return f"HttpFailure({self.code}, {self.message!r})"


def from_exception(exc: BaseException, op: str = "read") -> HttpFailure:
    """Map an exception raised while connecting (op "dial") or talking ("read"/"write")."""
    if isinstance(exc, ssl.SSLCertVerificationError):
        if is_validity_error(exc):
            # k6 has no code of its own for it (1000). Go goes on with ": current time T is after/before
            # D"; the failed handshake does not give us D (cert_validity reads it when it can).
            text = CERT_VALIDITY_TEXT
            return HttpFailure(GENERIC, text, detail=f"tls: failed to verify certificate: {text}")
        reason = exc.verify_message or str(exc)
        if "hostname" in reason.lower() or "ip address mismatch" in reason.lower():
            return HttpFailure(X509_HOSTNAME, "x509: certificate doesn't match hostname")
        return HttpFailure(X509_UNKNOWN_AUTHORITY, "x509: unknown authority")
    if isinstance(exc, ssl.SSLError):
        if "WRONG_VERSION_NUMBER" in str(exc) or "record" in str(exc).lower():
            return HttpFailure(TLS_HEADER, "tls: first record does not look like a TLS handshake")
        return HttpFailure(TLS_GENERIC, f"tls: {exc.reason or exc}".lower())
    if isinstance(exc, socket.gaierror):
        if exc.errno in (socket.EAI_NONAME, getattr(socket, "EAI_NODATA", -5)):
            return HttpFailure(DNS_NO_SUCH_HOST, "lookup: no such host")
        return HttpFailure(DNS_GENERIC, f"lookup: {exc.strerror or exc}")
    if isinstance(exc, ConnectionRefusedError):
        return HttpFailure(CONN_REFUSED, "dial: connection refused")
    if isinstance(exc, ConnectionResetError):
        return HttpFailure(CONN_RESET, f"{op}: connection reset by peer")
    if isinstance(exc, BrokenPipeError):
        return HttpFailure(BROKEN_PIPE, "write: broken pipe")
    if isinstance(exc, TimeoutError) and op == "dial":
        return HttpFailure(DIAL_TIMEOUT, "dial: i/o timeout")
    if isinstance(exc, OSError):
        if op == "dial":
            if exc.errno in (errno.ENETUNREACH, errno.EHOSTUNREACH):
                return HttpFailure(DIAL_GENERIC, f"dial: {exc.strerror}".lower())
            return HttpFailure(DIAL_GENERIC if exc.errno else TCP_GENERIC, f"dial: {exc.strerror or exc}".lower())
        return HttpFailure(TCP_GENERIC, f"{op}: {exc.strerror or exc}".lower())
    return HttpFailure(GENERIC, str(exc) or type(exc).__name__)
