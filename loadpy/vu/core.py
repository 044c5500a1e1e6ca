"""State shared by every VU of one runtime: options-derived flags, the recorder, the HTTP
client factory, setup data (as JSON, decoded per VU) and the test-failed flag."""

from __future__ import annotations

import json
import logging
from collections.abc import Callable, Mapping
from typing import Any, Protocol

from loadpy.errors import SetupDataError
from loadpy.metrics.registry import Registry
from loadpy.metrics.tags import TagSet, tagset
from loadpy.protocols.http.cookies import CookieJar
from loadpy.protocols.http.model import Response
from loadpy.vu.recording import DEFAULT_EXPECTED, ExpectedStatuses, Recorder

log = logging.getLogger("loadpy.vu")

OnResponse = Callable[[Response, Any], None]


class HttpClientLike(Protocol):
    """The part of loadpy.protocols.http.client.HttpClient the VU layer uses."""

    bytes_sent: int
    bytes_received: int
    cookies: CookieJar
    vu_id: int  # picks the VU's `localIPs` source address

    on_challenge: OnResponse | None  # the first response of a Digest request (see HttpClient.send)

    def prepare(
        self, method: str, url: str, headers: Any = None, body: bytes | None = None, auth: str | None = None
    ) -> Any: ...

    async def send(
        self,
        prepared: Any,
        timeout: float | None = None,
        redirects: int | None = None,
        response_type: str | None = None,
        record: Any = None,
    ) -> Response: ...

    async def batch(self, requests: list[Any], records: Any = None) -> list[Response]: ...

    def close_idle(self) -> None: ...

    async def aclose(self) -> None: ...


ClientFactory = Callable[[OnResponse], HttpClientLike]


def http_options(options: Any) -> Any:
    """The client's HttpOptions from k6 options (built once per runtime: it caches TLS contexts)."""
    from loadpy.protocols.http.client import HttpOptions

    if options is None:
        return HttpOptions()
    fields = (
        "max_redirects",
        "discard_response_bodies",
        "no_connection_reuse",
        "user_agent",
        "insecure_skip_tls_verify",
        "tls_auth",
        "batch",
        "batch_per_host",
        "hosts",
        "block_hostnames",
        "blacklist_ips",
        "dns",
        "local_ips",
        "tls_cipher_suites",
        "rps",
        "http_debug",
    )
    kwargs = {f: getattr(options, f) for f in fields if getattr(options, f, None) is not None}
    tls_version = getattr(options, "tls_version", None) or {}
    if isinstance(tls_version, dict):
        kwargs["tls_version_min"] = tls_version.get("min")
        kwargs["tls_version_max"] = tls_version.get("max")
    return HttpOptions(**kwargs)


def default_client_factory(options: Any) -> ClientFactory:
    """HttpClient(HttpOptions, on_response), one per VU, created on its first request."""
    # Imported here, before any scenario starts: importing it (~50 ms) inside the first
    # request would stall the event loop for every VU (late and dropped arrivals).
    from loadpy.protocols.http.client import HttpClient

    shared: list[Any] = []

    def make(on_response: OnResponse) -> HttpClientLike:
        if not shared:
            shared.append(http_options(options))
        return HttpClient(shared[0], on_response)  # type: ignore[return-value]

    return make


PREPARED_LIMIT = 1024  # URLs of argument-free requests kept prepared (past that: built per call)


class RuntimeCore:
    """Everything VUs share. Built once per runtime; VU creation only references it."""

    def __init__(
        self,
        registry: Registry,
        options: Any,
        env: Mapping[str, str],
        *,
        expected: ExpectedStatuses | None = DEFAULT_EXPECTED,
        client_factory: ClientFactory | None = None,
    ) -> None:
        self.registry = registry
        self.options = options
        self.env = dict(env)
        system_tags = getattr(options, "system_tags", None)
        self.recorder = Recorder(registry, system_tags, expected)
        self.run_tags: TagSet = tagset(getattr(options, "tags", None) or {})
        self.no_cookies_reset = bool(getattr(options, "no_cookies_reset", False))
        self.no_vu_connection_reuse = bool(getattr(options, "no_vu_connection_reuse", False))
        self.min_iteration_duration = float(getattr(options, "min_iteration_duration", 0.0) or 0.0)
        self.client_factory = client_factory or default_client_factory(options)
        # `vu.http.get(url)` and the like (no headers, body or params): prepared once for every VU, as a
        # constant YAML request step is; (method, url) -> PreparedRequest, at most PREPARED_LIMIT
        self.prepared: dict[tuple[str, str], Any] = {}
        self.setup_json: str = "null"
        self.setup_version = 0
        self.failed = False
        m = registry.metrics
        self.m_iterations = m["iterations"]
        self.m_iteration_duration = m["iteration_duration"]
        self.m_data_sent = m["data_sent"]
        self.m_data_received = m["data_received"]

    def store_setup_data(self, data: Any) -> None:
        """Serialise setup() data once; each VU decodes its own copy (k6: JSON round trip)."""
        try:
            self.setup_json = json.dumps(data)
        except (TypeError, ValueError) as exc:
            raise SetupDataError(f"error marshaling setup() data to JSON: {exc}") from None
        self.setup_version += 1

    def setup_copy(self) -> Any:
        return json.loads(self.setup_json)

    def mark_failed(self, reason: str) -> None:
        log.error("test marked as failed: %s", reason)
        self.failed = True
