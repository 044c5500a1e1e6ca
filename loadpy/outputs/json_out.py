"""`--out json=FILE`: k6's NDJSON stream, byte for byte in shape.

A `Metric` line precedes the first `Point` of each metric; Points carry the RFC3339
nanosecond time, the value, the tags and (when non-empty) the metadata.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

from loadpy.metrics.metric import Metric
from loadpy.metrics.tags import TagSet
from loadpy.outputs.columns import ColumnarOutput
from loadpy.outputs.files import TextSink, encoded
from loadpy.outputs.formats import go_floats, json_str_map, json_string, json_string_plain, rfc3339_nanos

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


class JsonOutput(ColumnarOutput):
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
        self._announced: set[str] = set()

    def describe(self) -> str:
        return f"json ({self.path})"

    def _constructor_args(self) -> tuple[Any, ...]:
        return (self.path, dict(self.thresholds_by_metric), dict(self.submetrics))

    def _open(self) -> None:
        self._file = TextSink(self.path)

    def _prefix(self, metric: Metric) -> bytes:
        name = metric.name if self.masker is None else self.masker.mask_key(metric.name)
        return encoded('{"metric":' + json_string(name) + ',"type":"Point","data":{"time":"')

    def _times(self, origin: int, ns: list[int]) -> list[bytes]:
        return rfc3339_nanos(origin, ns, b'","value":')

    def _values(self, values: list[Any]) -> list[bytes]:
        return go_floats(values)

    def _tail(self, tags: TagSet, metadata: dict[str, str] | None) -> bytes:
        # secrets are masked here, once per tag set, before JSON escaping
        masker = self.masker
        text = ',"tags":' + json_str_map(tags if masker is None else masker.mask_pairs(tags))
        if metadata:
            items = list(metadata.items())
            text += ',"metadata":' + json_str_map(items if masker is None else masker.mask_pairs(items))
        return encoded(text + "}}\n")

    def _announce(self, metrics: Sequence[Metric]) -> dict[Metric, bytes]:
        """The Metric line of each metric not seen before: k6 writes it before the metric's first Point."""
        lines: dict[Metric, bytes] = {}
        for metric in metrics:
            if metric.name not in self._announced:
                self._announced.add(metric.name)
                thresholds = self.thresholds_by_metric.get(metric.name, ())
                submetrics = self.submetrics.get(metric.name)
                lines[metric] = encoded(metric_line(metric, thresholds, submetrics, self.masker))
        return lines
