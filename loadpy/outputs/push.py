"""The base of the outputs that push to a server (InfluxDB, Prometheus, StatsD, OpenTelemetry).

Three stages, none on the event loop:
- the hot path appends each sample to a list (BufferedOutput.add, nothing else);
- every 200 ms the OutputManager's flush thread hands the new samples to `_encode`, which folds
  them into the output's pending state (lines, per-series aggregates) under `_state_lock`;
- one pusher thread wakes every push interval, takes a payload with `_take` and queues it for
  `concurrency` sender threads, which call `_send`.

Memory stays bounded when the server is slow or down: at most `concurrency` payloads wait
for a sender; a payload that finds the queue full is dropped with a warning, and a send
that fails is logged and dropped (as k6 does), so VUs never wait for the server. `stop`
pushes what is left and waits for the senders at most `stop_timeout` seconds.
"""

from __future__ import annotations

import logging
import math
import queue
import threading
import time
from typing import Any

from loadpy.outputs.base import BufferedOutput, Sample

log = logging.getLogger("loadpy.outputs")

_STOP = object()
DROP_WARNING_EVERY = 30.0  # seconds between two "dropped" warnings of one output (the count adds up)


class PushOutput(BufferedOutput):
    """Subclasses implement `_encode`, `_take`, `_send` and set the attributes below."""

    name = "push"  # as in k6's log field `output=...`
    push_interval = 1.0  # seconds between two pushes
    concurrency = 1  # sender threads (k6's concurrentWrites for InfluxDB, 1 elsewhere)
    stop_timeout = 5.0  # the longest `stop` waits for the last payloads

    def __init__(self) -> None:
        super().__init__()
        self._state_lock = threading.Lock()
        self._queue: queue.Queue[Any] = queue.Queue(maxsize=max(1, self.concurrency))
        self._wake = threading.Event()
        self._prepared = threading.Event()  # no sender sends before `_prepare` ran (or gave up)
        self._threads: list[threading.Thread] = []
        self._pusher: threading.Thread | None = None
        self.dropped_payloads = 0
        self.failed_sends = 0
        self._drops_reported = 0
        self._last_drop_warning = -math.inf

    # -- subclass interface ---------------------------------------------------------
    def _encode(self, batch: list[Sample]) -> None:
        """Fold samples into the pending state (called with `_state_lock` held)."""
        raise NotImplementedError

    def _take(self) -> Any:
        """The payload to push now, or None when there is nothing new (with `_state_lock` held)."""
        raise NotImplementedError

    def _send(self, payload: Any) -> None:
        """Deliver one payload; raise OSError (or a subclass' error) on failure."""
        raise NotImplementedError

    def _lost(self, payload: Any) -> None:
        """A payload was dropped or its send failed (called with `_state_lock` held). Outputs that
        send running aggregates mark what it carried for the next push; lines are lost, as in k6."""

    def _prepare(self) -> None:
        """Runs once on the first sender thread before its first send (InfluxDB creates its database)."""

    def _final_payloads(self) -> list[Any]:
        """Extra payloads sent once at stop (Prometheus' stale markers); none by default."""
        return []

    # -- BufferedOutput hooks ---------------------------------------------------------
    def _open(self) -> None:
        for i in range(max(1, self.concurrency)):
            t = threading.Thread(target=self._sender, args=(i == 0,), name=f"loadpy-{self.name}-send-{i}", daemon=True)
            t.start()
            self._threads.append(t)
        self._pusher = threading.Thread(target=self._push_periodically, name=f"loadpy-{self.name}-push", daemon=True)
        self._pusher.start()

    def _write(self, batch: list[Sample]) -> None:
        with self._state_lock:
            self._encode(batch)

    def _close(self) -> None:
        self._wake.set()
        if self._pusher is not None:
            self._pusher.join(self.stop_timeout)
        deadline = time.monotonic() + self.stop_timeout
        with self._state_lock:
            payload = self._take()
        for item in [payload, *self._final_payloads()]:
            if item is not None:
                self._enqueue(item, block_until=deadline)
        for _ in self._threads:
            self._enqueue(_STOP, block_until=deadline)
        for t in self._threads:
            t.join(max(0.0, deadline - time.monotonic()))
        self._report_drops(final=True)
        if any(t.is_alive() for t in self._threads):
            log.warning(
                "the %s output gave up waiting for the server after %gs; the last samples were not sent",
                self.name,
                self.stop_timeout,
            )

    # -- threads ----------------------------------------------------------------------
    def _push_periodically(self) -> None:
        while not self._wake.wait(self.push_interval):
            # encode what the manager's flush has not reached yet, so a push is never 200 ms late;
            # never wait for the lock: `stop` holds it while it joins this thread
            if self._lock.acquire(blocking=False):
                try:
                    self.flush()
                finally:
                    self._lock.release()
            with self._state_lock:
                payload = self._take()
            if payload is not None:
                self._enqueue(payload)

    def _enqueue(self, payload: Any, block_until: float | None = None) -> None:
        try:
            if block_until is None:
                self._queue.put_nowait(payload)
            else:
                self._queue.put(payload, timeout=max(0.001, block_until - time.monotonic()))
        except queue.Full:
            if payload is _STOP:
                return
            self.dropped_payloads += 1
            with self._state_lock:
                self._lost(payload)
            self._report_drops()

    def _report_drops(self, final: bool = False) -> None:
        """One warning per DROP_WARNING_EVERY at most (a dead server must not flood the log), and at the end."""
        new = self.dropped_payloads - self._drops_reported
        now = time.monotonic()
        if new and (final or now - self._last_drop_warning >= DROP_WARNING_EVERY):
            self._drops_reported = self.dropped_payloads
            self._last_drop_warning = now
            log.warning(
                "the %s output is behind (the server is slow or down): dropped the samples of %d push%s",
                self.name,
                new,
                "" if new == 1 else "es",
            )

    def _sender(self, first: bool) -> None:
        if first:
            try:
                self._prepare()
            finally:
                self._prepared.set()
        else:
            self._prepared.wait(self.stop_timeout)
        while True:
            payload = self._queue.get()
            if payload is _STOP:
                return
            started = time.monotonic()
            try:
                self._send(payload)
            except Exception as exc:  # a server fault must never end the test run
                self.failed_sends += 1
                with self._state_lock:
                    self._lost(payload)
                self._log_send_error(exc)
                continue
            took = time.monotonic() - started
            if took > self.push_interval:
                self._log_slow_send(took)

    def _log_send_error(self, exc: Exception) -> None:
        log.error("%s output: couldn't send the metrics: %s", self.name, exc)

    def _log_slow_send(self, took: float) -> None:
        log.warning(
            "%s output: a push took %.3fs, more than the push interval (%gs): "
            "the setup or configuration needs adjusting for a sustainable rate",
            self.name,
            took,
            self.push_interval,
        )
