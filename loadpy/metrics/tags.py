"""Tag sets: the identity of a time series.

A tag set is a tuple of (key, value) string pairs sorted by key: hashable, cheap to
compare, and built once per distinct combination (callers cache them on the hot path).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

TagSet = tuple[tuple[str, str], ...]
EMPTY: TagSet = ()

# k6 v1.x system tags enabled by default (lib/options.go DefaultSystemTagSet).
DEFAULT_SYSTEM_TAGS: frozenset[str] = frozenset(
    {
        "proto",
        "subproto",
        "status",
        "method",
        "url",
        "name",
        "group",
        "check",
        "error",
        "error_code",
        "tls_version",
        "scenario",
        "service",
        "expected_response",
    }
)
ALL_SYSTEM_TAGS: frozenset[str] = DEFAULT_SYSTEM_TAGS | {"vu", "iter", "ip", "ocsp_status"}
# Written as metadata, not tags: they would explode the number of time series.
NON_INDEXABLE_SYSTEM_TAGS: frozenset[str] = frozenset({"vu", "iter"})


def tagset(mapping: Mapping[str, object] | Iterable[tuple[str, object]]) -> TagSet:
    """The canonical tag set for a mapping (values are stringified)."""
    items = mapping.items() if isinstance(mapping, Mapping) else mapping
    return tuple(sorted((str(k), _text(v)) for k, v in items))


def with_tags(base: TagSet, extra: Mapping[str, object]) -> TagSet:
    """`base` with `extra` added or overriding."""
    if not extra:
        return base
    merged = dict(base)
    merged.update((str(k), _text(v)) for k, v in extra.items())
    return tuple(sorted(merged.items()))


def without(base: TagSet, keys: Iterable[str]) -> TagSet:
    drop = set(keys)
    return tuple(pair for pair in base if pair[0] not in drop)


def matches(tags: TagSet, selector: TagSet) -> bool:
    """True when every (key, value) pair of `selector` is in `tags` (k6's submetric rule)."""
    if not selector:
        return True
    have = dict(tags)
    return all(have.get(k) == v for k, v in selector)


def _text(value: object) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)
