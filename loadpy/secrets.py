"""Secrets passed with `-e`: never printed, never written into a summary or report.

k6 has no such notion; loadpy's rule: an `-e NAME=VALUE` is secret when NAME is given to
`--secret NAME` or ends in `_SECRET`, `_TOKEN` or `_PASSWORD` (any case). Its value still reaches
the scenario (requests carry it); only the text loadpy prints or writes is masked as `***`.

The masking happens at the edges that every printed byte crosses: `stdio()` wraps sys.stdout and
sys.stderr (logs, errors, the end-of-test summary, handle_summary's stdout/stderr), and
`Masker.mask_data` cleans the JSON documents written to files (summary export, HTML report data).
The streaming outputs (`--out json=`/`csv=`) mask a series' tags once, when they first format it
(`Masker.mask_pairs`), and the end-of-run reports (JUnit, GitHub summary) mask their results first;
without secrets they get no masker at all, so samples cost nothing extra.
"""

from __future__ import annotations

import contextlib
import io
import json
import sys
from collections.abc import Iterable, Iterator
from typing import Any, BinaryIO, TextIO

MASK = "***"
SECRET_SUFFIXES = ("_SECRET", "_TOKEN", "_PASSWORD")


def is_secret_name(name: str, declared: Iterable[str] = ()) -> bool:
    upper = name.upper()
    return name in set(declared) or upper.endswith(SECRET_SUFFIXES) or upper in ("SECRET", "TOKEN", "PASSWORD")


def secret_values(env_pairs: Iterable[tuple[str, str]], declared: Iterable[str] = ()) -> list[str]:
    """The values of the secret `-e` pairs (non-empty ones; an empty value reveals nothing)."""
    names = set(declared)
    return [value for name, value in env_pairs if value and is_secret_name(name, names)]


class Masker:
    """Replaces every secret value in text; also its JSON-escaped spelling, for JSON documents."""

    __slots__ = ("_forms",)

    def __init__(self, values: Iterable[str] = ()) -> None:
        forms = set()
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
        return tuple((self.mask(k), self.mask(v)) for k, v in pairs)

    def mask_data(self, data: Any) -> Any:
        """A JSON-serialisable value with every secret masked (unchanged when there are none)."""
        if not self._forms:
            return data
        return json.loads(self.mask(json.dumps(data)))


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
    if not masker:
        yield
        return
    out, err = sys.stdout, sys.stderr
    sys.stdout, sys.stderr = MaskingStream(out, masker), MaskingStream(err, masker)  # type: ignore[assignment]
    try:
        yield
    finally:
        with contextlib.suppress(Exception):
            sys.stdout.flush()
            sys.stderr.flush()
        sys.stdout, sys.stderr = out, err
