"""k6/http cookie jars on loadpy's cookie store (loadpy/protocols/http/cookies.py).

Jar 0 is the VU's own jar (`http.cookieJar()`: its HTTP client's, emptied before each iteration
unless noCookiesReset); `new http.CookieJar()` makes another, kept as long as the context lives.
`clear` and `delete` work as k6's do: Go's jar is handed the cookies again with Max-Age=-1 for the
URL, so only cookies stored under that URL's host and default path go.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from loadpy.k6lib import gourl
from loadpy.k6lib.errors import K6Error
from loadpy.protocols.http.cookies import CookieJar

VU_JAR = 0
# k6's `set` options and the Set-Cookie attribute each becomes
_ATTRIBUTES = {"domain": "Domain", "path": "Path", "expires": "Expires", "max_age": "Max-Age"}
_FLAGS = {"secure": "Secure", "http_only": "HttpOnly"}


class Jars:
    """The cookie jars one JavaScript context holds; `vu_jar` finds the VU's own (made on first use)."""

    def __init__(self, vu_jar: Callable[[], CookieJar]) -> None:
        self.vu_jar = vu_jar
        self._jars: dict[int, CookieJar] = {}

    def new(self) -> int:
        jar_id = len(self._jars) + 1
        self._jars[jar_id] = CookieJar()
        return jar_id

    def get(self, jar_id: int) -> CookieJar:
        jar_id = int(jar_id)
        return self.vu_jar() if jar_id == VU_JAR else self._jars[jar_id]

    def set(self, jar_id: int, url: str, name: str, value: str, options: Mapping[str, Any] | None) -> None:
        header = f"{name}={value}"
        for key, attribute in _ATTRIBUTES.items():
            if options and options.get(key) not in (None, "", 0):
                header += f"; {attribute}={options[key]}"
        for key, flag in _FLAGS.items():
            if options and options.get(key):
                header += f"; {flag}"
        self.get(jar_id).set_from_response(_checked(url), [header])

    def cookies_for_url(self, jar_id: int, url: str) -> dict[str, list[str]]:
        return self.get(jar_id).cookies_for_url(_checked(url))

    def delete(self, jar_id: int, url: str, name: str) -> None:
        self.get(jar_id).set_from_response(_checked(url), [f"{name}=; Max-Age=-1"])

    def clear(self, jar_id: int, url: str) -> None:
        jar = self.get(jar_id)
        url = _checked(url)
        jar.set_from_response(url, [f"{name}=; Max-Age=-1" for name in jar.cookies_for_url(url)])


def _checked(url: str) -> str:
    """The URL, or k6's error for one Go's url.Parse refuses (`parse "::bad": missing protocol scheme`)."""
    try:
        gourl.parse(url)
    except gourl.GoUrlError as err:
        raise K6Error(str(err)) from None
    return url
