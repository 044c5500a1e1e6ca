"""`--out csv=FILE`: k6's CSV stream (same header, columns, quoting and number format)."""

from __future__ import annotations

from collections.abc import Iterable

from loadpy.clock import wall_ns
from loadpy.metrics.tags import DEFAULT_SYSTEM_TAGS, NON_INDEXABLE_SYSTEM_TAGS, TagSet
from loadpy.outputs.base import BufferedOutput, Sample
from loadpy.outputs.files import TextSink


def csv_columns(system_tags: Iterable[str]) -> list[str]:
    """One column per enabled (indexable) system tag, alphabetical, as k6's csv output."""
    return sorted(set(system_tags) - NON_INDEXABLE_SYSTEM_TAGS)


def csv_header(system_tags: Iterable[str] = DEFAULT_SYSTEM_TAGS) -> str:
    return ",".join(["metric_name", "timestamp", "metric_value", *csv_columns(system_tags), "extra_tags", "metadata"])


def csv_field(text: str) -> str:
    """Go encoding/csv quoting: quote fields holding , " CR LF or starting with a space."""
    if not text:
        return text
    if text == "\\." or any(c in text for c in ',"\r\n') or text[0].isspace():
        return '"' + text.replace('"', '""') + '"'
    return text


class CsvOutput(BufferedOutput):
    def __init__(self, path: str, system_tags: Iterable[str] = DEFAULT_SYSTEM_TAGS) -> None:
        super().__init__()
        self.path = path
        self.columns = csv_columns(system_tags)
        self._column_set = frozenset(self.columns)
        self._file: TextSink | None = None
        # Per tag set: the already-quoted middle of the row (system tag columns + extra_tags).
        self._tags_text: dict[TagSet, str] = {}
        self._names: dict[str, str] = {}  # metric name -> its quoted CSV field

    def describe(self) -> str:
        return f"csv ({self.path})"

    def _open(self) -> None:
        self._file = TextSink(self.path)
        self._file.write(csv_header(self.columns) + "\n")
        self._file.flush()

    def _tags_columns(self, tags: TagSet) -> str:
        if self.masker is not None:  # once per tag set: the result is cached by _write
            tags = self.masker.mask_pairs(tags)
        have = dict(tags)
        cells = [csv_field(have.get(col, "")) for col in self.columns]
        extra = "&".join(f"{k}={v}" for k, v in tags if k not in self._column_set)
        cells.append(csv_field(extra))
        return ",".join(cells)

    def _write(self, batch: list[Sample]) -> None:
        assert self._file is not None
        cache = self._tags_text
        lines: list[str] = []
        append = lines.append
        names = self._names
        # One request's samples share their time and tags object: compute those once per run of them.
        last_when = -1.0
        seconds = 0
        last_tags: TagSet | None = None
        middle = ""
        for metric, tags, value, when, metadata in batch:
            if when != last_when:
                last_when = when
                seconds = wall_ns(when) // 1_000_000_000
            if tags is not last_tags:
                last_tags = tags
                cached = cache.get(tags)
                if cached is None:
                    cached = cache[tags] = self._tags_columns(tags)
                middle = cached
            name = names.get(metric.name)
            if name is None:
                name = names[metric.name] = csv_field(
                    metric.name if self.masker is None else self.masker.mask_key(metric.name)
                )
            meta = self._metadata(metadata) if metadata else ""
            append(f"{name},{seconds},{value:f},{middle},{meta}\n")
        self._file.write("".join(lines))
        self._file.flush()

    def _metadata(self, metadata: dict[str, str]) -> str:
        items = metadata.items() if self.masker is None else self.masker.mask_pairs(metadata.items())
        return csv_field("&".join(f"{k}={v}" for k, v in items))

    def _close(self) -> None:
        if self._file is not None:
            self._file.close()
