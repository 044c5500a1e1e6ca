"""`--out csv=FILE`: k6's CSV stream (same header, columns, quoting and number format)."""

from __future__ import annotations

from collections.abc import Iterable
from itertools import repeat
from operator import mod, sub
from typing import Any

from loadpy.metrics.metric import Metric
from loadpy.metrics.tags import DEFAULT_SYSTEM_TAGS, NON_INDEXABLE_SYSTEM_TAGS, TagSet
from loadpy.outputs.columns import ColumnarOutput
from loadpy.outputs.files import TextSink, encoded


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


class CsvOutput(ColumnarOutput):
    def __init__(self, path: str, system_tags: Iterable[str] = DEFAULT_SYSTEM_TAGS) -> None:
        super().__init__()
        self.path = path
        self.columns = csv_columns(system_tags)
        self._column_set = frozenset(self.columns)

    def describe(self) -> str:
        return f"csv ({self.path})"

    def _constructor_args(self) -> tuple[Any, ...]:
        return (self.path, self.columns)

    def _open(self) -> None:
        self._file = TextSink(self.path)
        self._file.write(csv_header(self.columns) + "\n")
        self._file.flush()

    def _prefix(self, metric: Metric) -> bytes:
        return encoded(csv_field(metric.name if self.masker is None else self.masker.mask_key(metric.name)) + ",")

    def _times(self, origin: int, ns: list[int]) -> list[bytes]:
        rests = list(map(mod, ns, repeat(1_000_000_000)))
        seconds = list(map(sub, ns, rests))  # each second's first nanosecond after origin
        texts = {second: b"%d," % ((origin + second) // 1_000_000_000) for second in set(seconds)}
        return list(map(texts.__getitem__, seconds))

    def _values(self, values: list[Any]) -> list[bytes]:
        # strconv.FormatFloat(v, 'f', 6, 64), as k6 (Python's NaN and Inf spellings, as before)
        return ((b"%f," * len(values)) % tuple(values)).split(b",")[:-1]

    def _tail(self, tags: TagSet, metadata: dict[str, str] | None) -> bytes:
        """The system tag columns, extra_tags and metadata (masked, quoted) and the line end."""
        if self.masker is not None:
            tags = self.masker.mask_pairs(tags)
        have = dict(tags)
        cells = [csv_field(have.get(col, "")) for col in self.columns]
        cells.append(csv_field("&".join(f"{k}={v}" for k, v in tags if k not in self._column_set)))
        cells.append(self._metadata(metadata) if metadata else "")
        return encoded("," + ",".join(cells) + "\n")

    def _metadata(self, metadata: dict[str, str]) -> str:
        items = metadata.items() if self.masker is None else self.masker.mask_pairs(metadata.items())
        return csv_field("&".join(f"{k}={v}" for k, v in items))
