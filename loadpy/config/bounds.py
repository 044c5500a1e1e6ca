"""Bounds on an untrusted document (a scenario, a config file, JSON given to loadpy): its size and how
deep it nests. Apart from the YAML reader (loadpy/config/yaml_source.py), so that reading JSON does not
import PyYAML."""

from __future__ import annotations

# A scenario file is a few KB; a generated one with thousands of steps a few MB.
MAX_FILE_BYTES = 64 * 1024 * 1024
# Far deeper than any scenario or request body needs; keeps every later recursive walk off the stack limit.
MAX_DEPTH = 100


def too_deep(value: object, limit: int = MAX_DEPTH) -> bool:
    """Whether nested lists/dicts in `value` go deeper than `limit` (iteratively: safe at any depth)."""
    stack: list[tuple[object, int]] = [(value, 0)]
    while stack:
        item, depth = stack.pop()
        if depth > limit:
            return True
        if isinstance(item, dict):
            stack.extend((v, depth + 1) for v in item.values())
        elif isinstance(item, list):
            stack.extend((v, depth + 1) for v in item)
    return False
