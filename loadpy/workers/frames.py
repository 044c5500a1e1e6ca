"""Length-prefixed pickle frames from worker to coordinator (sans-I/O: bytes in, messages out).

A frame is a 4-byte big-endian length and a pickle of a `(kind, payload)` tuple. Only
our own child processes write to this pipe, so unpickling is as trusted as the code itself.
"""

from __future__ import annotations

import pickle
import struct
from typing import Any

HEADER = struct.Struct(">I")
MAX_FRAME = 1 << 30  # a corrupted length must not make us buffer forever

Message = tuple[str, Any]


class FrameError(ValueError):
    """The byte stream is not a sequence of frames (a worker wrote garbage to the pipe)."""


def encode(kind: str, payload: Any = None) -> bytes:
    body = pickle.dumps((kind, payload), protocol=pickle.HIGHEST_PROTOCOL)
    return HEADER.pack(len(body)) + body


class FrameDecoder:
    """Feed it bytes as they arrive; it returns every complete message."""

    def __init__(self) -> None:
        self._buf = bytearray()

    def feed(self, data: bytes) -> list[Message]:
        self._buf += data
        out: list[Message] = []
        while len(self._buf) >= HEADER.size:
            (size,) = HEADER.unpack_from(self._buf)
            if size > MAX_FRAME:
                raise FrameError(f"frame of {size} bytes exceeds the limit of {MAX_FRAME}")
            end = HEADER.size + size
            if len(self._buf) < end:
                break
            try:
                message = pickle.loads(bytes(self._buf[HEADER.size : end]))
            except Exception as exc:
                raise FrameError(f"undecodable frame: {exc}") from None
            del self._buf[:end]
            if not (isinstance(message, tuple) and len(message) == 2 and isinstance(message[0], str)):
                raise FrameError(f"a frame must hold (kind, payload), got {type(message).__name__}")
            out.append(message)
        return out

    @property
    def pending(self) -> int:
        """Bytes of an incomplete frame still buffered (non-zero at EOF means a truncated frame)."""
        return len(self._buf)
