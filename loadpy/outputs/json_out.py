"""`--out json=FILE`: k6's NDJSON stream, byte for byte in shape.

A `Metric` line precedes the first `Point` of each metric; Points carry the RFC3339
nanosecond time, the value, the tags and (when non-empty) the metadata.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from itertools import chain
from typing import TYPE_CHECKING

import orjson

from loadpy.clock import wall_ns
from loadpy.metrics.metric import Metric
from loadpy.metrics.tags import TagSet
from loadpy.outputs.base import BufferedOutput, Entry
from loadpy.outputs.files import TextSink
from loadpy.outputs.formats import Rfc3339Nano, go_float, json_str_map, json_string, json_string_plain

if TYPE_CHECKING:
    from loadpy.secrets import Masker

# (display name, suffix, tags) of one submetric, e.g. ("http_req_duration{name:a}", "name:a", {"name": "a"})
Submetric = tuple[str, str, Mapping[str, str]]


def metric_line(
    metric: Metric,
    thresholds: Sequence[str],
    submetrics: Sequence[Submetric] | None,
    masker: Masker | None = None,
) -> str:
    """The `Metric` line; with a masker, every text field is masked before it is escaped."""
    if masker is not None:
        thresholds = [masker.mask_key(t) for t in thresholds]
        submetrics = [
            (masker.mask_key(n), masker.mask_selector(s), dict(masker.mask_pairs(t.items())))
            for n, s, t in submetrics or ()
        ] or None
    metric_name = metric.name if masker is None else masker.mask_key(metric.name)
    subs = "null"
    if submetrics:
        subs = (
            "["
            + ",".join(
                '{"name":'
                + json_string(name)
                + ',"suffix":'
                + json_string(suffix)
                + ',"tags":'
                + json_str_map(list(tags.items()))
                + "}"
                for name, suffix, tags in submetrics
            )
            + "]"
        )
    name = json_string(metric_name)
    return (
        '{"type":"Metric","data":{"name":'
        + name
        + ',"type":"'
        + metric.type.value
        + '","contains":"'
        + metric.contains.value
        + '","thresholds":['
        + ",".join(json_string_plain(t) for t in thresholds)
        + '],"submetrics":'
        + subs
        + '},"metric":'
        + name
        + "}\n"
    )


# orjson's numbers that are not Go's: exponents (Go writes 2 digits at least), null (NaN, ±Inf),
# 0 < |v| < 1e-4 (orjson: 0.0000d, Go: de-05) and |v| >= 1e6 (Go: d.ddde+06); false, true
_NOT_GO = re.compile(r"(?<![^,])(?:[^,]*[a-z][^,]*|-?0\.0000[^,]*|-?\d{7,}[^,]*)")


def _format_values(batch: list[Entry]) -> list[str]:
    """Every group's values as Go writes them, in order: formatted at once in C by orjson (the
    shortest digits, as Go), then the few texts that differ (_NOT_GO) by go_float."""
    values = list(chain.from_iterable(entry[2] for entry in batch if entry[0].__class__ is tuple))  # type: ignore[misc]
    try:
        text = orjson.dumps(values)[1:-1].decode()
    except TypeError:  # an int past 64 bits: repr (_NOT_GO holds for it)
        text = ",".join(map(repr, values))
    # a whole number has ".0", which Go omits (a shortest form has no other trailing zero)
    texts = (text + ",").replace(".0,", ",").split(",")
    index = start = 0
    for odd in _NOT_GO.finditer(text):
        index += text.count(",", start, odd.start())
        start = odd.start()
        texts[index] = go_float(values[index])
    return texts


class JsonOutput(BufferedOutput):
    def __init__(
        self,
        path: str,
        thresholds_by_metric: Mapping[str, Sequence[str]] | None = None,
        submetrics: Mapping[str, Sequence[Submetric]] | None = None,
    ) -> None:
        super().__init__()
        self.path = path
        self.thresholds_by_metric: Mapping[str, Sequence[str]] = thresholds_by_metric or {}
        self.submetrics: Mapping[str, Sequence[Submetric]] = submetrics or {}
        self._file: TextSink | None = None
        self._announced: set[str] = set()
        self._point_prefix: dict[str, str] = {}
        self._tags_json: dict[TagSet, str] = {}
        # id(metrics tuple of a group) -> (the tuple, kept so the id stays its own; its lines' template)
        self._templates: dict[int, tuple[tuple[Metric, ...], str]] = {}
        self._time = Rfc3339Nano()

    def describe(self) -> str:
        return f"json ({self.path})"

    def _open(self) -> None:
        self._file = TextSink(self.path)

    def _write_entries(self, batch: list[Entry]) -> None:
        assert self._file is not None
        lines: list[str] = []
        append = lines.append
        templates = self._templates
        fmt_time = self._time
        # every group's values formatted at once (orjson, in C)
        texts = _format_values(batch)
        at = 0
        # The samples of one request share their time: format it once per distinct reading.
        last_when = -1.0
        time_text = ""
        # ... and their tags object (a tuple's hash is not cached, so skip the lookup).
        last_tags: TagSet | None = None
        tags_text = ""
        for entry in batch:
            first, tags, value, when, metadata = entry
            if when != last_when:
                last_when = when
                time_text = fmt_time(wall_ns(when))
            if tags is not last_tags:
                last_tags = tags
                tags_text = self._tags_text(tags)
            tail = tags_text if not metadata else tags_text + ',"metadata":' + self._metadata_text(metadata)
            if first.__class__ is tuple:  # a group (one request's samples): one format call for all
                template = templates.get(id(first))
                mine = texts[at : at + len(first)]  # type: ignore[arg-type]
                at += len(first)  # type: ignore[arg-type]
                if template is None:  # its first time: line by line, announcing its metrics
                    for metric, one in zip(first, mine, strict=True):  # type: ignore[call-overload]
                        append(f'{self._prefix(metric, lines)}{time_text}","value":{one},"tags":{tail}}}}}\n')
                    templates[id(first)] = (first, self._template(first))
                else:
                    append(template[1].format(time_text, tail, *mine))
            else:
                prefix = self._prefix(first, lines)  # type: ignore[arg-type]
                append(f'{prefix}{time_text}","value":{go_float(value)},"tags":{tail}}}}}\n')  # type: ignore[arg-type]
        self._file.write("".join(lines))
        self._file.flush()

    def _prefix(self, metric: Metric, lines: list[str]) -> str:
        """The start of a Point line of `metric`; its Metric line goes to `lines` the first time."""
        prefix = self._point_prefix.get(metric.name)
        if prefix is None:
            masker = self.masker
            if metric.name not in self._announced:
                self._announced.add(metric.name)
                lines.append(
                    metric_line(
                        metric,
                        self.thresholds_by_metric.get(metric.name, ()),
                        self.submetrics.get(metric.name),
                        masker,
                    )
                )
            name = metric.name if masker is None else masker.mask_key(metric.name)
            prefix = self._point_prefix[metric.name] = (
                '{"metric":' + json_string(name) + ',"type":"Point","data":{"time":"'
            )
        return prefix

    def _template(self, metrics: tuple[Metric, ...]) -> str:
        """A str.format template of a group's lines: {0} the time, {1} the tags (and metadata), {2}...
        the values' texts (`_format_values`)."""
        parts = []
        for i, metric in enumerate(metrics):
            prefix = self._point_prefix[metric.name].replace("{", "{{").replace("}", "}}")
            parts.append(prefix + '{0}","value":{' + str(i + 2) + '},"tags":{1}}}}}\n')
        return "".join(parts)

    def _tags_text(self, tags: TagSet) -> str:
        cached = self._tags_json.get(tags)
        if cached is None:
            # secrets are masked here, once per tag set, before JSON escaping
            masker = self.masker
            cached = self._tags_json[tags] = json_str_map(tags if masker is None else masker.mask_pairs(tags))
        return cached

    def _metadata_text(self, metadata: dict[str, str]) -> str:
        masker = self.masker
        return json_str_map(list(metadata.items()) if masker is None else masker.mask_pairs(metadata.items()))

    def _close(self) -> None:
        if self._file is not None:
            self._file.close()
