"""The k6-utils jslib (jslib.k6.io/k6-utils/1.x) as Python functions.

Randomness comes from `random` (the jslib uses `Math.random`), except `uuidv4(secure=True)`, which uses the
OS generator as the jslib's `crypto.randomBytes` does. The stage helpers read VU state in k6
(`exec.test.options`, `exec.scenario.startTime`, `exec.vu.tags`); here that state is passed in.

Where the jslib would loop forever (`randomString` with a negative or fractional length) these stop
after `max(0, ceil(length))` characters instead.
"""

from __future__ import annotations

import math
import os
import random
from collections.abc import Mapping, MutableMapping, Sequence
from typing import Any

from loadpy.k6lib.errors import K6Error

LOWERCASE = "abcdefghijklmnopqrstuvwxyz"


def random_int_between(low: float, high: float) -> int:
    """`randomIntBetween(min, max)`: both ends included."""
    return math.floor(random.random() * (high - low + 1) + low)


def random_item(items: Sequence[Any]) -> Any:
    """`randomItem(array)`; None (undefined) for an empty array."""
    if not items:
        return None
    return items[math.floor(random.random() * len(items))]


def random_string(length: float, charset: str = LOWERCASE) -> str:
    """`randomString(length, charset)`: each character drawn uniformly from `charset`."""
    count = max(0, math.ceil(length))
    return "".join(charset[int(random.random() * len(charset))] for _ in range(count))


def uuidv4(secure: bool = False) -> str:
    """`uuidv4(secure)`: a random (version 4, variant 10xx) UUID in lower-case hex."""
    data = bytearray(os.urandom(16) if secure else random.getrandbits(128).to_bytes(16, "big"))
    data[6] = (data[6] & 0x0F) | 0x40
    data[8] = (data[8] & 0x3F) | 0x80
    text = data.hex()
    return f"{text[:8]}-{text[8:12]}-{text[12:16]}-{text[16:20]}-{text[20:]}"


def find_between(content: str, left: str, right: str, repeat: bool = False) -> str | list[str] | None:
    """`findBetween(content, left, right, repeat)`: the first text between the two markers, or all of them.

    None (JS null) when nothing matches; with `repeat`, the search restarts after each `right` marker.
    """
    found: list[str] = []
    while True:
        start = content.find(left)
        if start == -1:
            break
        start += len(left)
        end = content.find(right, start)
        if end == -1:
            break
        if not repeat:
            return content[start:end]
        found.append(content[start:end])
        content = content[end + len(right) :]
    return found or None


def _js_round(value: float) -> int:
    """JS `Math.round`: halves go up (toward +infinity), unlike Python's banker's rounding."""
    low = math.floor(value)
    return low + 1 if value - low >= 0.5 else low


def _js_number(value: float) -> str:
    """A JS number in a template string (integers without a fraction)."""
    return str(int(value)) if float(value).is_integer() else repr(float(value))


def normal_distribution_stages(max_vus: float, duration_seconds: float, stages: int = 10) -> list[dict[str, Any]]:
    """`normalDistributionStages(maxVus, durationSeconds, numberOfStages)`: ramping stages on a bell curve."""

    def density(x: float) -> float:
        return math.exp(-0.5 * x**2) / math.sqrt(2 * math.pi)

    curve = [0.0] * (stages + 2)
    for i in range(stages + 1):
        curve[i] = density(-2 + 4 * i / stages)
    peak = max(curve)
    targets = [_js_round(x * max_vus / peak) for x in curve]
    durations = [math.ceil(duration_seconds / 6)] * (stages + 2)
    for j in range(1, stages + 1):
        durations[j] = math.ceil(4 * duration_seconds / (6 * stages))
    return [{"duration": f"{_js_number(durations[k])}s", "target": targets[k]} for k in range(stages + 2)]


_UNIT_MS = {"d": 86_400_000, "h": 3_600_000, "m": 60_000, "s": 1000}


def _js_parse_float(text: str) -> float:
    """JS `parseFloat` on digits and dots: the longest valid prefix, NaN when there is none."""
    head, dot, tail = text.partition(".")
    tail = tail.split(".")[0]
    if not head and not tail:
        return math.nan
    return float(f"{head or '0'}{dot}{tail}")


def _numeric(char: str) -> bool:
    return "0" <= char <= "9" or char == "."


def parse_duration(text: str | None) -> float:
    """`parseDuration(str)`: a k6 duration ("1h2m3.5s", "150ms", "90") in milliseconds."""
    if text is None or len(text) < 1:
        raise K6Error("str is empty", "Error")
    total = 0.0
    current = ""
    seen: set[str] = set()
    i = 0
    while i < len(text):
        char = text[i]
        if _numeric(char):
            current += char
        following = text[i + 1] if i + 1 < len(text) else None
        if following is None or _numeric(following):
            i += 1
            continue
        value = _js_parse_float(current)
        unit = following
        if unit == "m" and i + 2 < len(text) and text[i + 2] == "s":
            total += math.trunc(value)  # milliseconds are the finest unit: the fraction is dropped
            i += 1
            unit = "ms"
        elif unit in _UNIT_MS:
            total += value * _UNIT_MS[unit]
        else:
            raise K6Error(f"{unit} is an unsupported time unit", "Error")
        if unit in seen:
            raise K6Error(f"{unit} time unit is provided multiple times", "Error")
        seen.add(unit)
        i += 2
        current = ""
    if current:
        total += _js_parse_float(current)
    return total


def current_stage_index(stages: Sequence[Mapping[str, Any]] | None, elapsed_ms: float, scenario: str = "") -> int:
    """`getCurrentStageIndex()`: the stage running `elapsed_ms` after the scenario started.

    `stages` is the scenario's `stages` option (None for an executor without stages); past the last stage
    the last index is returned.
    """
    if stages is None:
        raise K6Error(
            "only ramping-vus or ramping-arravial-rate supports stages, it is not possible to get a stage index"
            " on other executors.",
            "Error",
        )
    if len(stages) < 1:
        raise K6Error(f"the current scenario {scenario} doesn't contain any stage", "Error")
    end = 0.0
    for index, stage in enumerate(stages):
        end += parse_duration(str(stage["duration"]))
        if elapsed_ms < end:
            return index
    return len(stages) - 1


def tag_with_current_stage_index(
    vu_tags: MutableMapping[str, str], stages: Sequence[Mapping[str, Any]] | None, elapsed_ms: float
) -> None:
    """`tagWithCurrentStageIndex()`: sets the VU tag `stage` to the current stage index."""
    vu_tags["stage"] = str(current_stage_index(stages, elapsed_ms))


def stage_profile(stages: Sequence[Mapping[str, Any]] | None, elapsed_ms: float) -> str:
    """The profile `tagWithCurrentStageProfile()` computes: ramp-up, steady or ramp-down."""
    index = current_stage_index(stages, elapsed_ms)
    if index < 1 or stages is None:
        return "ramp-up"
    current, previous = stages[index]["target"], stages[index - 1]["target"]
    if current > previous:
        return "ramp-up"
    if current == previous:
        return "steady"
    return "ramp-down"


def tag_with_current_stage_profile(
    vu_tags: MutableMapping[str, str], stages: Sequence[Mapping[str, Any]] | None, elapsed_ms: float
) -> None:
    """`tagWithCurrentStageProfile()`: sets the VU tag `stage_profile`."""
    vu_tags["stage_profile"] = stage_profile(stages, elapsed_ms)
