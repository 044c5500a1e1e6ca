"""The streaming output interface and a buffered base class for file outputs.

The hot path calls `add` once per sample, `add_group` once per group (each only appends a tuple); formatting and
writing happen in `flush`, which the OutputManager calls every 200 ms from a worker
thread and once more at `stop`. One module per output format implements `_write`.
"""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Iterable
from typing import TYPE_CHECKING, Protocol, runtime_checkable

from loadpy.metrics.metric import Metric
from loadpy.metrics.tags import TagSet

if TYPE_CHECKING:
    from loadpy.secrets import Masker

# (metric, tags, value, mono_time, metadata): exactly what Registry.emit hands over.
Sample = tuple[Metric, TagSet, float, float, "dict[str, str] | None"]
# What the buffer holds, one tuple per sample or per group of samples sharing tags and time (Registry.emit_many):
# (key, tags, value or values, mono_time, metadata). The key is the `id` of the Metric (a single sample) or of the
# metrics tuple (a group), resolved through `Shapes` at flush: an entry holding only ints, strings and floats is
# untracked by the garbage collector at its first pass (benchmarks/README.md, "Outputs, round 5").
Entry = tuple[int, TagSet, "float | tuple[float, ...]", float, "dict[str, str] | None"]
Shapes = dict[int, "tuple[Metric, ...] | Metric"]


def expand(batch: Iterable[Entry], shapes: Shapes) -> list[Sample]:
    """Every entry as single samples, in order."""
    out: list[Sample] = []
    for key, tags, value, when, metadata in batch:
        shape = shapes[key]
        if shape.__class__ is tuple:
            out.extend((metric, tags, v, when, metadata) for metric, v in zip(shape, value, strict=True))  # type: ignore[arg-type]
        else:
            out.append((shape, tags, value, when, metadata))  # type: ignore[arg-type]
    return out


@runtime_checkable
class Output(Protocol):
    path: str  # where it writes ("-" is stdout), named in error messages

    def start(self) -> None: ...

    def add(self, metric: Metric, tags: TagSet, value: float, when: float, metadata: dict[str, str] | None) -> None:
        """Called on the hot path: buffer the sample, nothing else."""
        ...

    def flush(self) -> None: ...

    def stop(self) -> None: ...


class BufferedOutput:
    """Buffers samples in a list; `flush` swaps the list out and formats it with `_write`.

    `flush` and `stop` may run on different threads (timer thread, signal path): a
    re-entrant lock serialises them, and each batch is written with one `write` call
    so that a file never ends in half a line.
    """

    def __init__(self) -> None:
        self._pending: list[Entry] = []
        # The hot path appends to this one list for the whole run (it is never replaced), so an
        # append racing a flush on the writer thread lands in the list, never in a written batch.
        # A group of samples (one request's, `Registry.emit_many`) arrives as one Group tuple through
        # `add_group`, the list's own append (the OutputManager registers it in `Registry.grouped`).
        self.add_group = self._pending.append
        # what the entries' keys name; the OutputManager shares the registry's (`Registry.shapes`), which
        # `emit_many` fills for groups and `add` for single samples
        self.shapes: Shapes = {}
        self._lock = threading.RLock()
        self._started = False
        self._closed = False
        self._failed = False  # a write failed (disk full...): later batches are dropped, not retried
        # Set by the OutputManager only when secrets exist: None keeps the formatting path as it was.
        self.masker: Masker | None = None

    def add(self, metric: Metric, tags: TagSet, value: float, when: float, metadata: dict[str, str] | None) -> None:
        key = id(metric)
        if key not in self.shapes:
            self.shapes[key] = metric
        self._pending.append((key, tags, value, when, metadata))

    def start(self) -> None:
        with self._lock:
            if not self._started:
                self._started = True
                self._open()

    def flush(self) -> None:
        with self._lock:
            if self._closed or not self._started:
                return
            # Copy then delete the first n items: both are single C calls under the GIL, and an
            # append racing with them lands after index n, so it stays for the next flush.
            pending = self._pending
            count = len(pending)
            batch = pending[:count]
            del pending[:count]
            if batch and not self._failed:
                try:
                    self._write_entries(batch)
                except OSError:
                    self._failed = True
                    raise

    def stop(self) -> None:
        with self._lock:
            if self._closed:
                return
            if not self._started:
                self.start()
            try:
                self.flush()
            finally:
                self._closed = True
                if self._failed:  # already reported once: closing retries the same failed write
                    with contextlib.suppress(OSError):
                        self._close()
                else:
                    self._close()

    # -- for subclasses ----------------------------------------------------------
    def _open(self) -> None:
        raise NotImplementedError

    def _write(self, batch: list[Sample]) -> None:
        raise NotImplementedError

    def _write_entries(self, batch: list[Entry]) -> None:
        """Write samples and groups; formats that gain from a group's shared time and tags override it."""
        self._write(expand(batch, self.shapes))

    def _close(self) -> None:
        raise NotImplementedError
