"""When did the measured process reach a point of its run? A marker server on 127.0.0.1.

A script asks `GET <marker>/first` from VU 1's first iteration and `GET <marker>/last` from the
last VU's (the same request in k6, loadpy's JavaScript front end, a YAML flow and a Python
script), so "start time" is measured the same way for every tool: from the launch of the process
(`Measured.launched`, the same `perf_counter` clock) to the request reaching this server. At that
moment the server also reads the process's CPU time and RSS from /proc (the start's own cost,
without the sleep and the end that follow).
"""

from __future__ import annotations

import os
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

CLOCK_TICKS = os.sysconf("SC_CLK_TCK")


def proc_usage(pid: int) -> tuple[float, int]:
    """(user + system CPU seconds, RSS KB) of a live process, from /proc."""
    with open(f"/proc/{pid}/stat") as fh:
        fields = fh.read().rsplit(")", 1)[1].split()
    cpu_s = (int(fields[11]) + int(fields[12])) / CLOCK_TICKS  # utime, stime (fields 14 and 15)
    rss_kb = 0
    with open(f"/proc/{pid}/status") as fh:
        for line in fh:
            if line.startswith("VmRSS:"):
                rss_kb = int(line.split()[1])
                break
    return cpu_s, rss_kb


class MarkerServer:
    """Records the first arrival of each marker path: its time, and the watched process's CPU and RSS."""

    def __init__(self) -> None:
        self.pid: int | None = None  # the process whose /proc figures are read at each marker
        self.marks: dict[str, dict[str, float]] = {}
        lock = threading.Lock()
        marks = self.marks
        server = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                at = time.perf_counter()
                name = self.path.strip("/")
                mark: dict[str, float] = {"at": at}
                if server.pid is not None:
                    try:
                        mark["cpu_s"], rss_kb = proc_usage(server.pid)
                        mark["rss_kb"] = float(rss_kb)
                    except OSError:
                        pass
                with lock:
                    marks.setdefault(name, mark)
                body = b"ok"
                self.send_response(200)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, format: str, *args: Any) -> None:
                pass

        self._httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self._httpd.server_address[1]}"
        self._thread = threading.Thread(target=self._httpd.serve_forever, daemon=True)
        self._thread.start()

    def reset(self, pid: int | None = None) -> None:
        self.marks.clear()
        self.pid = pid

    def figures(self, launched: float) -> dict[str, float]:
        """Seconds from the launch to each marker, and the process's CPU seconds and RSS MB there."""
        out: dict[str, float] = {}
        for name, mark in self.marks.items():
            out[f"to_{name}_s"] = round(mark["at"] - launched, 3)
            if "cpu_s" in mark:
                out[f"cpu_to_{name}_s"] = round(mark["cpu_s"], 2)
                out[f"rss_at_{name}_mb"] = round(mark["rss_kb"] / 1024, 1)
        return out

    def close(self) -> None:
        self._httpd.shutdown()
        self._httpd.server_close()
