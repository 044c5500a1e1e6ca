"""`--out csv=FILE`: k6's CSV stream (same header, columns, quoting and number format)."""

from __future__ import annotations

from collections.abc import Iterable

from loadpy.clock import wall_ns
from loadpy.metrics.metric import Metric
from loadpy.metrics.tags import DEFAULT_SYSTEM_TAGS, NON_INDEXABLE_SYSTEM_TAGS, TagSet
from loadpy.outputs.base import BufferedOutput, Entry
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
        # id(metrics tuple of a group) -> (the tuple, kept so the id stays its own; its rows' template)
        self._templates: dict[int, tuple[tuple[Metric, ...], str]] = {}

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

    def _write_entries(self, batch: list[Entry]) -> None:
        assert self._file is not None
        cache = self._tags_text
        lines: list[str] = []
        append = lines.append
        templates = self._templates
        # One request's samples share their time and tags object: compute those once per run of them.
        last_when = -1.0
        seconds = 0
        last_tags: TagSet | None = None
        middle = ""
        for first, tags, value, when, metadata in batch:
            if when != last_when:
                last_when = when
                seconds = wall_ns(when) // 1_000_000_000
            if tags is not last_tags:
                last_tags = tags
                cached = cache.get(tags)
                if cached is None:
                    cached = cache[tags] = self._tags_columns(tags)
                middle = cached
            tail = middle + "," + (self._metadata(metadata) if metadata else "")
            if first.__class__ is tuple:  # a group (one request's samples): one format call for all
                template = templates.get(id(first))
                if template is None:
                    template = templates[id(first)] = (first, self._template(first))  # type: ignore[arg-type]
                values: tuple[float, ...] = value  # type: ignore[assignment]
                append(template[1].format(seconds, tail, *values))
            else:
                append(f"{self._name(first)},{seconds},{value:f},{tail}\n")  # type: ignore[arg-type]
        self._file.write("".join(lines))
        self._file.flush()

    def _name(self, metric: Metric) -> str:
        """The metric name's CSV field (masked, quoted), cached."""
        name = self._names.get(metric.name)
        if name is None:
            name = self._names[metric.name] = csv_field(
                metric.name if self.masker is None else self.masker.mask_key(metric.name)
            )
        return name

    def _template(self, metrics: tuple[Metric, ...]) -> str:
        """A str.format template of a group's rows: {0} the time, {1} the tag columns and metadata,
        {2}... the values."""
        parts = []
        for i, metric in enumerate(metrics):
            name = self._name(metric).replace("{", "{{").replace("}", "}}")
            parts.append(name + ",{0},{" + str(i + 2) + ":f},{1}\n")
        return "".join(parts)

    def _metadata(self, metadata: dict[str, str]) -> str:
        items = metadata.items() if self.masker is None else self.masker.mask_pairs(metadata.items())
        return csv_field("&".join(f"{k}={v}" for k, v in items))

    def _close(self) -> None:
        if self._file is not None:
            self._file.close()
