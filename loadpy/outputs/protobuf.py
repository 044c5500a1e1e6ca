"""The few protobuf wire-format encoders the Prometheus and OTLP outputs need.

Messages are built bottom-up as bytes: a field is its key (number << 3 | wire type) and its
payload. Writing them by hand keeps the protobuf runtime out of loadpy's dependencies and
costs a few string joins per series.
"""

from __future__ import annotations

import struct

_DOUBLE = struct.Struct("<d")
_FIXED64 = struct.Struct("<Q")


def varint(n: int) -> bytes:
    """Base-128 varint; negative numbers as their 64-bit two's complement (int64 fields)."""
    if n < 0:
        n += 1 << 64
    out = bytearray()
    while n > 0x7F:
        out.append((n & 0x7F) | 0x80)
        n >>= 7
    out.append(n)
    return bytes(out)


def field_varint(number: int, value: int) -> bytes:
    return varint(number << 3) + varint(value)


def field_double(number: int, value: float) -> bytes:
    return varint(number << 3 | 1) + _DOUBLE.pack(value)


def field_fixed64(number: int, value: int) -> bytes:
    return varint(number << 3 | 1) + _FIXED64.pack(value)


def field_bytes(number: int, payload: bytes) -> bytes:
    """A length-delimited field: a string, bytes or an embedded message."""
    return varint(number << 3 | 2) + varint(len(payload)) + payload


def field_string(number: int, text: str) -> bytes:
    return field_bytes(number, text.encode())


def packed_doubles(number: int, values: list[float]) -> bytes:
    return field_bytes(number, struct.pack(f"<{len(values)}d", *values))


def packed_fixed64(number: int, values: list[int]) -> bytes:
    return field_bytes(number, struct.pack(f"<{len(values)}Q", *values))
