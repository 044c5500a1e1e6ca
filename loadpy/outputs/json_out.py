"""`--out json=FILE`: k6's NDJSON stream, byte for byte in shape.

A `Metric` line precedes the first `Point` of each metric; Points carry the RFC3339
nanosecond time, the value, the tags and (when non-empty) the metadata.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING

from loadpy.clock import wall_ns
from loadpy.metrics.metric import Metric
from loadpy.metrics.tags import TagSet
from loadpy.outputs.base import BufferedOutput, Sample
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
        self._time = Rfc3339Nano()

    def describe(self) -> str:
        return f"json ({self.path})"

    def _open(self) -> None:
        self._file = TextSink(self.path)

    def _write(self, batch: list[Sample]) -> None:
        assert self._file is not None
        lines: list[str] = []
        append = lines.append
        prefixes = self._point_prefix
        tags_cache = self._tags_json
        fmt_time = self._time
        masker = self.masker
        # The samples of one request share their time: format it once per distinct reading.
        last_when = -1.0
        time_text = ""
        # ... and their tags object (a tuple's hash is not cached, so skip the lookup).
        last_tags: TagSet | None = None
        tags_text = ""
        for metric, tags, value, when, metadata in batch:
            if when != last_when:
                last_when = when
                time_text = fmt_time(wall_ns(when))
            prefix = prefixes.get(metric.name)
            if prefix is None:
                if metric.name not in self._announced:
                    self._announced.add(metric.name)
                    append(
                        metric_line(
                            metric,
                            self.thresholds_by_metric.get(metric.name, ()),
                            self.submetrics.get(metric.name),
                            masker,
                        )
                    )
                name = metric.name if masker is None else masker.mask_key(metric.name)
                prefix = prefixes[metric.name] = '{"metric":' + json_string(name) + ',"type":"Point","data":{"time":"'

            if tags is not last_tags:
                last_tags = tags
                cached = tags_cache.get(tags)
                if cached is None:
                    # secrets are masked here, once per tag set, before JSON escaping
                    cached = tags_cache[tags] = json_str_map(tags if masker is None else masker.mask_pairs(tags))
                tags_text = cached
            if metadata:
                items = list(metadata.items()) if masker is None else masker.mask_pairs(metadata.items())
                append(
                    f'{prefix}{time_text}","value":{go_float(value)},"tags":{tags_text},'
                    f'"metadata":{json_str_map(items)}}}}}\n'
                )
            else:
                append(f'{prefix}{time_text}","value":{go_float(value)},"tags":{tags_text}}}}}\n')
        self._file.write("".join(lines))
        self._file.flush()

    def _close(self) -> None:
        if self._file is not None:
            self._file.close()
