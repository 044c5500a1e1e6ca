"""Pure-Python twins of k6's helper modules (k6/encoding, k6/crypto, k6/html, http helpers, k6-utils).

Every function takes JSON-compatible arguments (str, int, float, bool, None, list, dict) plus `bytes` for an
ArrayBuffer, returns the same kinds, and raises `K6Error` with the text k6 throws, so a JS binding can expose
each module as-is and a Python script can call it directly. Results are byte-identical to k6 v1.1.
"""

from loadpy.k6lib.errors import K6Error

__all__ = ["K6Error"]
