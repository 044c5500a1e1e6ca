"""Secrets: never printed, never written into a summary, an output or a report.

k6 has no such notion; loadpy's rule: a variable is secret when its NAME is given to `--secret NAME`
or ends in `_SECRET`, `_TOKEN` or `_PASSWORD` (any case; also exactly SECRET, TOKEN, PASSWORD),
whether it comes from `-e NAME=VALUE` or from the process environment (a scenario can read either).
Its value still reaches the scenario (requests carry it); only what loadpy prints or writes shows
`***` instead. Empty values are not secrets (they reveal nothing).

Two ways of masking, one per kind of destination:

* Structured data is masked before it is serialised (`Masker.mask_data`, `mask_pairs`), and
  only where user text can be: strings and object keys have each secret replaced, except
  - numbers, booleans and null, never touched: a secret like `0` or `1234` can't corrupt a JSON
    document or change a measurement — except in the user's own data (`setup_data`, the options),
    where a number that is exactly a secret (`${API_TOKEN}` alone in a YAML value is read as a
    number) becomes "***";
  - loadpy's own vocabulary (`is_fixed_word`): field names, built-in metric names (also at the
    start of a submetric's name), option names, system tag names, trend stats like `p(95)`,
    threshold expressions like `p(95)<500`, metric types — a secret like `e` must not turn
    `metrics` into `m***trics`, nor `0` turn `rate<0.01` into `rate<***.***1`;
  - the values of fields loadpy computes (`COMPUTED_FIELDS`: metric types, the status, method,
    proto, error_code... tags of a request; and ids that are md5 hashes: groups', checks').
  This covers the summary export, handle_summary's `data`, the HTML report and its data, the
  `--out json`/`csv` samples (tags, metadata, names), JUnit/GitHub reports and the REST API. When
  two keys of one object become equal once masked, the later ones get " (2)", " (3)"... so that
  nothing is dropped.
* Free text has no structure, so it is masked wherever the secret occurs (`Masker.mask`), inside
  a number too: the terminal (logs, errors) through `stdio()` — the end-of-test summary is
  rendered from masked names instead (loadpy.finish) and printed past it —, the
  worker processes' logs, and text a handle_summary returns that is not JSON. Text that parses
  as JSON is masked as data (`mask_json_text`), so it stays a valid document.

Without secrets nothing is wrapped and the outputs get no masker, so samples cost nothing extra.
"""

from __future__ import annotations

import contextlib
import io
import json
import os
import re
import sys
from collections.abc import Iterable, Iterator, Mapping
from typing import Any, BinaryIO, TextIO

MASK = "***"
SECRET_SUFFIXES = ("_SECRET", "_TOKEN", "_PASSWORD")

# Fields whose string values loadpy computes (hashes, enums, protocol facts): never user text.
COMPUTED_FIELDS = frozenset(
    {"type", "contains", "status", "method", "proto", "error_code", "expected_response", "tls_version", "ip"}
)
# Group and check ids are md5 hashes of their paths (an API's metric id is a name: user text).
_MD5 = re.compile(r"^[0-9a-f]{32}$")
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


def is_secret_name(name: str, declared: Iterable[str] = ()) -> bool:
    upper = name.upper()
    return name in set(declared) or upper.endswith(SECRET_SUFFIXES) or upper in ("SECRET", "TOKEN", "PASSWORD")


def secret_values(env_pairs: Iterable[tuple[str, str]], declared: Iterable[str] = ()) -> list[str]:
    """The values of the secret `-e` pairs (non-empty ones; an empty value reveals nothing)."""
    names = set(declared)
    return [value for name, value in env_pairs if value and is_secret_name(name, names)]


def run_masker(
    env_pairs: Iterable[tuple[str, str]], declared: Iterable[str] = (), environ: Mapping[str, str] | None = None
) -> Masker:
    """The masker of one `loadpy run`: secret `-e` values and secret process-environment values."""
    process = os.environ if environ is None else environ
    return Masker(secret_values([*process.items(), *env_pairs], declared))


class Masker:
    """Replaces every secret value in text or structured data (see the module's rules)."""

    __slots__ = ("_forms", "_values")

    def __init__(self, values: Iterable[str] = ()) -> None:
        forms = set()
        values = [v for v in values if v]
        self._values = frozenset(values)
        for value in values:
            if value:
                forms.add(value)
                forms.add(json.dumps(value)[1:-1])  # as it appears inside a JSON string
        # longest first: a secret that contains another is masked whole
        self._forms = sorted(forms, key=len, reverse=True)

    def __bool__(self) -> bool:
        return bool(self._forms)

    def mask(self, text: str) -> str:
        for form in self._forms:
            if form in text:
                text = text.replace(form, MASK)
        return text

    def mask_pairs(self, pairs: Iterable[tuple[str, str]]) -> tuple[tuple[str, str], ...]:
        """Tag-like (key, value) pairs with every secret masked: the outputs call it once per tag set."""
        return tuple((self.mask_key(k), self.mask_value(k, v)) for k, v in pairs)

    def mask_key(self, key: str) -> str:
        """An object key or a name: loadpy's words are kept, so is a built-in metric's name before "{"."""
        if is_fixed_word(key):
            return key
        base, brace, selector = key.partition("{")
        if brace and is_fixed_word(base):
            return base + brace + self.mask_selector(selector)
        return self.mask(key)

    def mask_selector(self, selector: str) -> str:
        """`tag:value,...}` of a submetric's name, masked as tags are."""
        parts = []
        for part in selector.split(","):
            tag, colon, value = part.partition(":")
            name = tag.strip()
            masked = tag if is_fixed_word(name) else self.mask(tag)
            parts.append(masked + colon + self.mask_value(name, value))
        return ",".join(parts)

    def mask_value(self, field: Any, value: str) -> str:
        """A string value of `field`: computed fields and loadpy's words are kept."""
        if field in COMPUTED_FIELDS or (field == "id" and _MD5.match(value)):
            return value
        return self.mask_key(value)

    def mask_data(self, data: Any, user_data: bool = False) -> Any:
        """A copy of JSON-like data with secrets masked in strings and keys, never in measurements.

        `user_data`: the whole document is the user's (the options `loadpy inspect` prints);
        otherwise only the `setup_data` and `options` fields in it are.
        """
        if not self._forms:
            return data
        return self._walk(data, None, user_data)

    def _walk(self, data: Any, field: Any, user: bool) -> Any:
        if isinstance(data, str):
            return self.mask_key(data) if user else self.mask_value(field, data)
        if isinstance(data, Mapping):
            out: dict[Any, Any] = {}
            for key, value in data.items():
                masked = self.mask_key(key) if isinstance(key, str) else key
                out[self._free_key(out, masked)] = self._walk(value, key, user or key in USER_DATA_FIELDS)
            return out
        if isinstance(data, list | tuple):
            return [self._walk(item, field, user) for item in data]
        if user and isinstance(data, int | float) and not isinstance(data, bool) and json.dumps(data) in self._values:
            return MASK  # "${API_TOKEN}" alone in a YAML value is read as a number: still the secret
        return data

    @staticmethod
    def _free_key(taken: Mapping[Any, Any], key: Any) -> Any:
        """Two keys equal once masked both stay: the later ones become "KEY (2)", "KEY (3)"..."""
        if key not in taken:
            return key
        n = 2
        while f"{key} ({n})" in taken:
            n += 1
        return f"{key} ({n})"

    def mask_json_text(self, text: str) -> str:
        """Text a user's code produced. A JSON document is masked as data (numbers and loadpy's words
        kept) and stays valid: unchanged when it holds no secret, else re-serialised in the layout
        it had (indented or compact); any other text is masked everywhere."""
        if not self._forms or not any(form in text for form in self._forms):
            return text
        try:
            parsed = json.loads(text)
        except ValueError:
            return self.mask(text)
        masked = self._walk(parsed, None, False)
        if masked == parsed:
            return text
        return _dumps_like(masked, text)


def _dumps_like(data: Any, original: str) -> str:
    """`data` as JSON in the layout of `original`: its indent (if any) and trailing newline."""
    indent = None
    for line in original.splitlines()[1:]:
        stripped = line.lstrip(" ")
        if stripped and len(stripped) < len(line):
            indent = len(line) - len(stripped)
            break
    compact = indent is None and ", " not in original and ": " not in original
    out = json.dumps(data, indent=indent, separators=(",", ":") if compact else None, ensure_ascii=False)
    return out + "\n" if original.endswith("\n") else out


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
