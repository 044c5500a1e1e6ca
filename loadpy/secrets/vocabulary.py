"""loadpy's own vocabulary: the words and fields that never carry a user's secret (see loadpy.secrets)."""

from __future__ import annotations

import re

# Fields whose string values loadpy computes (hashes, enums, protocol facts): never user text.
COMPUTED_FIELDS = frozenset(
    {"type", "contains", "status", "method", "proto", "error_code", "expected_response", "tls_version", "ip"}
)
# Group and check ids are md5 hashes of their paths (an API's metric id is a name: user text).
MD5 = re.compile(r"^[0-9a-f]{32}$")
# Fields holding the user's own data: there a number that is exactly a secret is masked too.
USER_DATA_FIELDS = frozenset({"setup_data", "options"})
# Field names of the documents loadpy writes (summary export, handle_summary data, REST API, report).
FIELD_NAMES = frozenset(
    {
        "root_group",
        "name",
        "path",
        "id",
        "groups",
        "checks",
        "passes",
        "fails",
        "metrics",
        "thresholds",
        "setup_data",
        "values",
        "value",
        "count",
        "rate",
        "avg",
        "min",
        "med",
        "max",
        "ok",
        "options",
        "summaryTrendStats",
        "summaryTimeUnit",
        "noColor",
        "state",
        "isStdOutTTY",
        "isStdErrTTY",
        "testRunDurationMs",
        "type",
        "contains",
        "data",
        "attributes",
        "sample",
        "tainted",
        "relationships",
        "parent",
        "errors",
        "status",
        "title",
        "detail",
        "meta",
        "script",
        "start_time",
        "duration_s",
        "loadpy_version",
        "format",
        "timeseries",
        "interval_s",
        "started_wall_ns",
        "requests",
        "scenario",
        "scenarios",
        "names",
        "names_omitted",
        "columns",
        "metric",
        "key",
        "source",
        "p95",
        "failures",
    }
)
_TREND_STAT = re.compile(r"^(?:p\(\d+(?:\.\d+)?\)|avg|min|med|max|count)$")
# A threshold expression: a statistic, a comparison and a number ("p(95)<500", "rate<0.01").
_THRESHOLD = re.compile(
    r"^\s*(?:count|rate|value|avg|min|med|max|p\(\d+(?:\.\d+)?\))\s*(?:<=|>=|===|==|!=|<|>)\s*-?\d+(?:\.\d+)?\s*$"
)
_vocabulary: frozenset[str] | None = None


def is_fixed_word(text: str) -> bool:
    """A word of loadpy's own vocabulary (see the module's rules): never masked."""
    global _vocabulary
    if _vocabulary is None:
        from loadpy.config.options import SPECS
        from loadpy.metrics.builtin import BUILTIN_METRICS
        from loadpy.metrics.metric import Contains, MetricType
        from loadpy.metrics.tags import ALL_SYSTEM_TAGS

        words = {*FIELD_NAMES, *BUILTIN_METRICS, *SPECS, *ALL_SYSTEM_TAGS}
        words.update(m.value for m in MetricType)
        words.update(c.value for c in Contains)
        _vocabulary = frozenset(words)
    return text in _vocabulary or _TREND_STAT.match(text) is not None or _THRESHOLD.match(text) is not None
