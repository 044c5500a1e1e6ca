"""Opening output files: plain or gzip (name ends in .gz), or stdout for "-"."""

from __future__ import annotations

import gzip
import sys
import zlib
from typing import BinaryIO


class TextSink:
    """Writes whole text chunks; `flush` makes everything so far readable (gzip: a sync flush)."""

    def __init__(self, path: str) -> None:
        self.path = path
        self._raw: BinaryIO
        self._gz: gzip.GzipFile | None = None
        if path == "-":
            self._raw = sys.stdout.buffer
            self._owned = False
        else:
            self._raw = open(path, "wb")  # noqa: SIM115 - closed in close()
            self._owned = True
            if path.endswith(".gz"):
                self._gz = gzip.GzipFile(fileobj=self._raw, mode="wb")

    def write(self, text: str) -> None:
        data = text.encode("utf-8", "surrogateescape")
        if self._gz is not None:
            self._gz.write(data)
        else:
            self._raw.write(data)

    def flush(self) -> None:
        if self._gz is not None:
            self._gz.flush(zlib.Z_SYNC_FLUSH)
        self._raw.flush()

    def close(self) -> None:
        if self._gz is not None:
            self._gz.close()
        if self._owned:
            self._raw.close()
        else:
            self._raw.flush()
