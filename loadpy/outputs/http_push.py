"""POSTing one payload to a metrics server: urllib with an explicit proxy (never the environment's),
TLS options, basic auth and a timeout. One request per push, so no connection is kept between pushes."""

from __future__ import annotations

import base64
import ssl
import urllib.error
import urllib.request
from collections.abc import Mapping


class PushError(OSError):
    """The server answered with an error status or could not be reached."""


def tls_context(
    insecure: bool, ca_file: str | None = None, cert: str | None = None, key: str | None = None
) -> ssl.SSLContext:
    ctx = ssl.create_default_context(cafile=ca_file)
    if insecure:
        ctx.check_hostname = False
        ctx.verify_mode = ssl.CERT_NONE
    if cert:
        ctx.load_cert_chain(cert, key)
    return ctx


def basic_auth(user: str, password: str) -> str:
    return "Basic " + base64.b64encode(f"{user}:{password}".encode()).decode("ascii")


class HttpPusher:
    def __init__(
        self,
        timeout: float,
        headers: Mapping[str, str] | None = None,
        proxy: str | None = None,
        context: ssl.SSLContext | None = None,
    ) -> None:
        self.timeout = timeout
        self.headers = dict(headers or {})
        handlers: list[urllib.request.BaseHandler] = [
            urllib.request.ProxyHandler({"http": proxy, "https": proxy} if proxy else {}),
        ]
        if context is not None:
            handlers.append(urllib.request.HTTPSHandler(context=context))
        self._opener = urllib.request.build_opener(*handlers)

    def post(self, url: str, body: bytes, headers: Mapping[str, str] | None = None) -> tuple[int, bytes]:
        """The status and body of a 2xx answer; PushError for anything else."""
        request = urllib.request.Request(url, data=body, method="POST", headers={**self.headers, **(headers or {})})
        try:
            with self._opener.open(request, timeout=self.timeout) as response:
                return response.status, response.read()
        except urllib.error.HTTPError as exc:
            detail = exc.read()[:300].decode("utf-8", "replace").strip()
            raise PushError(f"got status code: {exc.code}{': ' + detail if detail else ''}") from None
        except urllib.error.URLError as exc:
            raise PushError(f"POST {url} failed: {exc.reason}") from None
        except (TimeoutError, ConnectionError) as exc:
            raise PushError(f"POST {url} failed: {exc}") from None
