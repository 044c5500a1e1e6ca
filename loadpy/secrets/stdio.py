"""The terminal side of masking: sys.stdout/sys.stderr wrapped while a run lasts, and the run's
masker for code that has no handle on the run (the REST API)."""

from __future__ import annotations

import contextlib
import io
import sys
from collections.abc import Iterator
from typing import Any, BinaryIO, TextIO

from loadpy.secrets.masker import Masker

# The masker of this process's run (installed by `stdio`), for code that has no handle on the run:
# the REST API renders its documents through `mask_document`.
_active = Masker()


def mask_document(data: Any) -> Any:
    """`data` with the running test's secrets masked (structurally; unchanged without secrets)."""
    return _active.mask_data(data)


class MaskingStream(io.TextIOBase):
    """A text stream that masks what it writes and otherwise behaves like the stream it wraps."""

    def __init__(self, inner: TextIO, masker: Masker) -> None:
        super().__init__()
        self._inner = inner
        self._masker = masker

    def write(self, text: str) -> int:
        self._inner.write(self._masker.mask(text))
        return len(text)

    def flush(self) -> None:
        self._inner.flush()

    def isatty(self) -> bool:
        return self._inner.isatty()

    def fileno(self) -> int:
        return self._inner.fileno()

    @property
    def buffer(self) -> BinaryIO:  # type: ignore[override]
        """Bytes written here (`--out json=-`) are masked too; writers hand over whole lines."""
        return _MaskingBuffer(self._inner.buffer, self._masker)  # type: ignore[return-value]

    @property
    def encoding(self) -> str:  # type: ignore[override]
        return self._inner.encoding

    @property
    def errors(self) -> str | None:  # type: ignore[override]
        return self._inner.errors


class _MaskingBuffer:
    """The binary side of a MaskingStream: decodes, masks and re-encodes each chunk written."""

    def __init__(self, inner: BinaryIO, masker: Masker) -> None:
        self._inner = inner
        self._masker = masker

    def write(self, data: bytes) -> int:
        text = data.decode("utf-8", "surrogateescape")
        self._inner.write(self._masker.mask(text).encode("utf-8", "surrogateescape"))
        return len(data)

    def flush(self) -> None:
        self._inner.flush()


@contextlib.contextmanager
def stdio(masker: Masker) -> Iterator[None]:
    """Mask sys.stdout and sys.stderr while the block runs (a no-op without secrets)."""
    global _active
    if not masker:
        yield
        return
    previous, _active = _active, masker
    out, err = sys.stdout, sys.stderr
    sys.stdout, sys.stderr = MaskingStream(out, masker), MaskingStream(err, masker)  # type: ignore[assignment]
    try:
        yield
    finally:
        with contextlib.suppress(Exception):
            sys.stdout.flush()
            sys.stderr.flush()
        sys.stdout, sys.stderr = out, err
        _active = previous


def unmasked(stream: TextIO) -> TextIO:
    """The stream under a MaskingStream (for writers that mask their data themselves)."""
    return stream._inner if isinstance(stream, MaskingStream) else stream
