"""A page kept open in headless Chromium and driven over the DevTools protocol: read the live DOM
at several moments, send real mouse input, take screenshots, list what the page fetched.

`tests/browser.py`'s one-shot `--dump-dom` reads a page once, at load; a live page (server-sent
events) or a drag-to-zoom needs a browser that stays up between reads. Bounded everywhere: every
wait has a timeout, and the browser is killed on exit.
"""

from __future__ import annotations

import base64
import contextlib
import itertools
import json
import queue
import subprocess
import threading
import time
import urllib.request
from pathlib import Path
from types import TracebackType
from typing import Any

from websockets.sync.client import ClientConnection, connect

from tests.browser import headless_command


class Page:
    """One tab showing `url`; `requests` lists every URL the page asked the network for."""

    def __init__(self, chromium: str, tmp: Path, url: str, *, width: int = 1280, height: int = 1600) -> None:
        size = f"--window-size={width},{height}"
        cmd = headless_command(chromium, tmp, "--remote-debugging-port=0", size, "about:blank")
        self._proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
        self._ids = itertools.count(1)
        self._events: queue.Queue[dict[str, Any]] = queue.Queue()
        self.requests: list[str] = []
        self._stack = contextlib.ExitStack()
        try:
            self._ws = self._attach(self._devtools_port())
            self.call(
                "Emulation.setDeviceMetricsOverride", width=width, height=height, deviceScaleFactor=1, mobile=False
            )
            self.call("Network.enable")  # before the page loads: every fetch is seen
            self.call("Page.navigate", url=url)
            self.wait_for("document.readyState === 'complete' && location.href !== 'about:blank'")
        except BaseException:
            self.close()
            raise

    def _devtools_port(self, timeout: float = 30.0) -> int:
        lines: queue.Queue[str] = queue.Queue()
        stderr = self._proc.stderr
        assert stderr is not None
        threading.Thread(target=lambda: [lines.put(line) for line in stderr], daemon=True).start()
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            try:
                line = lines.get(timeout=0.5)
            except queue.Empty:
                continue
            if "DevTools listening on ws://" in line:
                return int(line.split("ws://", 1)[1].split("/", 1)[0].rsplit(":", 1)[1])
        raise TimeoutError("Chromium did not open its DevTools port")

    def _attach(self, port: int) -> ClientConnection:
        deadline = time.monotonic() + 30.0
        while time.monotonic() < deadline:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/json/list", timeout=5) as response:
                targets = json.load(response)
            pages = [t for t in targets if t.get("type") == "page"]
            if pages:
                socket = connect(pages[0]["webSocketDebuggerUrl"], max_size=None, open_timeout=10)
                return self._stack.enter_context(socket)
            time.sleep(0.2)
        raise TimeoutError("Chromium opened no page")

    # -- protocol ------------------------------------------------------------------------
    def call(self, method: str, timeout: float = 30.0, **params: Any) -> dict[str, Any]:
        call_id = next(self._ids)
        self._ws.send(json.dumps({"id": call_id, "method": method, "params": params}))
        deadline = time.monotonic() + timeout
        while True:
            message = json.loads(self._ws.recv(timeout=max(0.01, deadline - time.monotonic())))
            if message.get("id") == call_id:
                if "error" in message:
                    raise RuntimeError(f"{method}: {message['error']}")
                return dict(message.get("result") or {})
            if message.get("method") == "Network.requestWillBeSent":
                self.requests.append(message["params"]["request"]["url"])

    def evaluate(self, expression: str) -> Any:
        result = self.call("Runtime.evaluate", expression=expression, returnByValue=True)
        if "exceptionDetails" in result:
            raise RuntimeError(f"{expression}: {result['exceptionDetails']}")
        return result["result"].get("value")

    def wait_for(self, expression: str, timeout: float = 30.0) -> Any:
        """Poll `expression` until it is truthy; its value."""
        deadline = time.monotonic() + timeout
        while True:
            value = self.evaluate(expression)
            if value:
                return value
            if time.monotonic() > deadline:
                raise TimeoutError(f"still false after {timeout}s: {expression}")
            time.sleep(0.1)

    def screenshot(self, path: Path) -> bytes:
        png = base64.b64decode(self.call("Page.captureScreenshot", format="png")["data"])
        path.write_bytes(png)
        return png

    def mouse(self, kind: str, x: float, y: float, *, clicks: int = 1) -> None:
        """A real input event (mousePressed, mouseMoved, mouseReleased) at viewport (x, y)."""
        buttons = 1 if kind != "mouseReleased" else 0
        self.call("Input.dispatchMouseEvent", type=kind, x=x, y=y, button="left", buttons=buttons, clickCount=clicks)

    def close(self) -> None:
        try:
            self._stack.close()
        finally:
            self._proc.kill()
            self._proc.wait(timeout=30)

    def __enter__(self) -> Page:
        return self

    def __exit__(self, *exc: type[BaseException] | BaseException | TracebackType | None) -> None:
        self.close()
