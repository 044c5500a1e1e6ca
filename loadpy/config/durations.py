"""k6 durations now live in `loadpy.base.durations` (below config/ and executors/); this name is kept
for scripts and tests that import it from here."""

from loadpy.base.durations import MAX_NS, format_duration, parse_duration, parse_go_duration

__all__ = ["MAX_NS", "format_duration", "parse_duration", "parse_go_duration"]
