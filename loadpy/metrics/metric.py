"""Metric identity: name, type and what its values contain. Sinks and thresholds live elsewhere."""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import StrEnum


class MetricType(StrEnum):
    COUNTER = "counter"
    GAUGE = "gauge"
    RATE = "rate"
    TREND = "trend"


class Contains(StrEnum):
    DEFAULT = "default"
    TIME = "time"
    DATA = "data"


# k6: metric names are 2-129 characters, starting with a letter or underscore.
METRIC_NAME = re.compile(r"^[a-zA-Z_][a-zA-Z0-9_]{1,128}$")


@dataclass(frozen=True, slots=True)
class Metric:
    name: str
    type: MetricType
    contains: Contains = Contains.DEFAULT

    def __str__(self) -> str:
        return self.name
