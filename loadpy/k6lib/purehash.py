"""MD4 and RIPEMD-160 in pure Python, for the builds of OpenSSL that no longer ship them.

Both are the textbook algorithms (RFC 1320; Dobbertin, Bosselaers, Preneel 1996) on 32-bit little-endian
words. They are slow (about 1 MB/s) and only used when `hashlib` lacks the algorithm. The objects follow
hashlib's `update`/`digest`/`copy` protocol.
"""

from __future__ import annotations

import struct

_MASK = 0xFFFFFFFF


def _rotl(x: int, n: int) -> int:
    return ((x << n) | (x >> (32 - n))) & _MASK


def _md_padding(length: int) -> bytes:
    """MD-style padding: 0x80, zeros to 56 mod 64, the bit length as 64-bit little-endian."""
    return b"\x80" + b"\x00" * ((55 - length) % 64) + struct.pack("<Q", (length * 8) & 0xFFFFFFFFFFFFFFFF)


class _BlockHash:
    digest_size = 16
    block_size = 64
    name = ""

    def __init__(self, data: bytes = b"") -> None:
        self._state: list[int] = self._initial()
        self._pending = b""
        self._length = 0
        self.update(data)

    def _initial(self) -> list[int]:
        raise NotImplementedError

    def _compress(self, state: list[int], words: tuple[int, ...]) -> list[int]:
        raise NotImplementedError

    def update(self, data: bytes) -> None:
        self._length += len(data)
        buffer = self._pending + data
        full = len(buffer) - len(buffer) % 64
        for offset in range(0, full, 64):
            self._state = self._compress(self._state, struct.unpack_from("<16I", buffer, offset))
        self._pending = buffer[full:]

    def digest(self) -> bytes:
        tail = self._pending + _md_padding(self._length)
        state = self._state
        for offset in range(0, len(tail), 64):
            state = self._compress(state, struct.unpack_from("<16I", tail, offset))
        return struct.pack(f"<{len(state)}I", *state)

    def hexdigest(self) -> str:
        return self.digest().hex()

    def copy(self) -> _BlockHash:
        clone = type(self)()
        clone._state, clone._pending, clone._length = list(self._state), self._pending, self._length
        return clone


_MD4_ROUNDS = (
    (tuple(range(16)), (3, 7, 11, 19), 0),
    ((0, 4, 8, 12, 1, 5, 9, 13, 2, 6, 10, 14, 3, 7, 11, 15), (3, 5, 9, 13), 0x5A827999),
    ((0, 8, 4, 12, 2, 10, 6, 14, 1, 9, 5, 13, 3, 11, 7, 15), (3, 9, 11, 15), 0x6ED9EBA1),
)


class MD4(_BlockHash):
    name = "md4"

    def _initial(self) -> list[int]:
        return [0x67452301, 0xEFCDAB89, 0x98BADCFE, 0x10325476]

    def _compress(self, state: list[int], words: tuple[int, ...]) -> list[int]:
        a, b, c, d = state
        for number, (order, shifts, constant) in enumerate(_MD4_ROUNDS):
            for i, k in enumerate(order):
                if number == 0:
                    f = (b & c) | (~b & d)
                elif number == 1:
                    f = (b & c) | (b & d) | (c & d)
                else:
                    f = b ^ c ^ d
                a = _rotl((a + f + words[k] + constant) & _MASK, shifts[i % 4])
                a, b, c, d = d, a, b, c
        return [(x + y) & _MASK for x, y in zip(state, (a, b, c, d), strict=True)]


_RMD_LEFT_WORDS = (
    0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15,
    7, 4, 13, 1, 10, 6, 15, 3, 12, 0, 9, 5, 2, 14, 11, 8,
    3, 10, 14, 4, 9, 15, 8, 1, 2, 7, 0, 6, 13, 11, 5, 12,
    1, 9, 11, 10, 0, 8, 12, 4, 13, 3, 7, 15, 14, 5, 6, 2,
    4, 0, 5, 9, 7, 12, 2, 10, 14, 1, 3, 8, 11, 6, 15, 13,
)  # fmt: skip
_RMD_RIGHT_WORDS = (
    5, 14, 7, 0, 9, 2, 11, 4, 13, 6, 15, 8, 1, 10, 3, 12,
    6, 11, 3, 7, 0, 13, 5, 10, 14, 15, 8, 12, 4, 9, 1, 2,
    15, 5, 1, 3, 7, 14, 6, 9, 11, 8, 12, 2, 10, 0, 4, 13,
    8, 6, 4, 1, 3, 11, 15, 0, 5, 12, 2, 13, 9, 7, 10, 14,
    12, 15, 10, 4, 1, 5, 8, 7, 6, 2, 13, 14, 0, 3, 9, 11,
)  # fmt: skip
_RMD_LEFT_SHIFTS = (
    11, 14, 15, 12, 5, 8, 7, 9, 11, 13, 14, 15, 6, 7, 9, 8,
    7, 6, 8, 13, 11, 9, 7, 15, 7, 12, 15, 9, 11, 7, 13, 12,
    11, 13, 6, 7, 14, 9, 13, 15, 14, 8, 13, 6, 5, 12, 7, 5,
    11, 12, 14, 15, 14, 15, 9, 8, 9, 14, 5, 6, 8, 6, 5, 12,
    9, 15, 5, 11, 6, 8, 13, 12, 5, 12, 13, 14, 11, 8, 5, 6,
)  # fmt: skip
_RMD_RIGHT_SHIFTS = (
    8, 9, 9, 11, 13, 15, 15, 5, 7, 7, 8, 11, 14, 14, 12, 6,
    9, 13, 15, 7, 12, 8, 9, 11, 7, 7, 12, 7, 6, 15, 13, 11,
    9, 7, 15, 11, 8, 6, 6, 14, 12, 13, 5, 14, 13, 13, 7, 5,
    15, 5, 8, 11, 14, 14, 6, 14, 6, 9, 12, 9, 12, 5, 15, 8,
    8, 5, 12, 9, 12, 5, 14, 6, 8, 13, 6, 5, 15, 13, 11, 11,
)  # fmt: skip
_RMD_LEFT_K = (0x00000000, 0x5A827999, 0x6ED9EBA1, 0x8F1BBCDC, 0xA953FD4E)
_RMD_RIGHT_K = (0x50A28BE6, 0x5C4DD124, 0x6D703EF3, 0x7A6D76E9, 0x00000000)


def _rmd_f(j: int, x: int, y: int, z: int) -> int:
    if j < 16:
        return x ^ y ^ z
    if j < 32:
        return (x & y) | (~x & z)
    if j < 48:
        return ((x | ~y) ^ z) & _MASK
    if j < 64:
        return (x & z) | (y & ~z)
    return (x ^ (y | ~z)) & _MASK


class RIPEMD160(_BlockHash):
    name = "ripemd160"
    digest_size = 20

    def _initial(self) -> list[int]:
        return [0x67452301, 0xEFCDAB89, 0x98BADCFE, 0x10325476, 0xC3D2E1F0]

    def _compress(self, state: list[int], words: tuple[int, ...]) -> list[int]:
        al, bl, cl, dl, el = state
        ar, br, cr, dr, er = state
        for j in range(80):
            t = _rotl((al + _rmd_f(j, bl, cl, dl) + words[_RMD_LEFT_WORDS[j]] + _RMD_LEFT_K[j // 16]) & _MASK,
                      _RMD_LEFT_SHIFTS[j])  # fmt: skip
            al, el, dl, cl, bl = el, dl, _rotl(cl, 10), bl, (t + el) & _MASK
            t = _rotl((ar + _rmd_f(79 - j, br, cr, dr) + words[_RMD_RIGHT_WORDS[j]] + _RMD_RIGHT_K[j // 16]) & _MASK,
                      _RMD_RIGHT_SHIFTS[j])  # fmt: skip
            ar, er, dr, cr, br = er, dr, _rotl(cr, 10), br, (t + er) & _MASK
        h0, h1, h2, h3, h4 = state
        return [
            (h1 + cl + dr) & _MASK,
            (h2 + dl + er) & _MASK,
            (h3 + el + ar) & _MASK,
            (h4 + al + br) & _MASK,
            (h0 + bl + cr) & _MASK,
        ]
