"""k6-utils helpers: the deterministic ones against the jslib's own code run by k6, the random ones by law."""

from __future__ import annotations

import json
import random
import re
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from loadpy.k6lib import utils
from loadpy.k6lib.errors import K6Error
from tests.unit.k6lib.oracle import compare, k6_eval

JSLIB = Path(__file__).parent / "js" / "k6_utils_subset.js"
PREAMBLE = f"import {{ findBetween, normalDistributionStages, parseDuration }} from '{JSLIB.as_uri()}';"

FIND_BETWEEN = [
    ("<a>1</a><a>2</a><a>3", "<a>", "</a>"),
    ("nothing here", "<a>", "</a>"),
    ("<a>open only", "<a>", "</a>"),
    ('"token":"abc","token":"def"', '"token":"', '"'),
    ("xx", "", "x"),
    ("aXbXc", "X", "X"),
    ("ééé[ü]", "[", "]"),
]
STAGE_SHAPES = [(100, 600, 10), (10, 60, 5), (7, 33, 3), (1000, 1, 10), (50, 3600, 1), (3, 100, 7)]
DURATIONS = ["1h2m3s", "150ms", "1.5s", "90", "2d", "1m30s", "1.9ms", "0.5h", "1s500ms", "3s2s", "5x", "1.2.3s", "s"]


def _cases() -> tuple[dict[str, str], dict[str, Callable[[], Any]]]:
    js: dict[str, str] = {}
    py: dict[str, Callable[[], Any]] = {}
    for i, (content, left, right) in enumerate(FIND_BETWEEN):
        for repeat in (False, True):
            args = f"{json.dumps(content)}, {json.dumps(left)}, {json.dumps(right)}, {json.dumps(repeat)}"
            js[f"find-{i}-{repeat}"] = f"findBetween({args})"
            py[f"find-{i}-{repeat}"] = lambda c=content, le=left, r=right, rep=repeat: utils.find_between(c, le, r, rep)
    for vus, seconds, stages in STAGE_SHAPES:
        js[f"normal-{vus}-{seconds}-{stages}"] = f"normalDistributionStages({vus}, {seconds}, {stages})"
        py[f"normal-{vus}-{seconds}-{stages}"] = lambda v=vus, s=seconds, n=stages: utils.normal_distribution_stages(
            v, s, n
        )
    js["normal-default"] = "normalDistributionStages(20, 120)"
    py["normal-default"] = lambda: utils.normal_distribution_stages(20, 120)
    for i, text in enumerate(DURATIONS):
        js[f"duration-{i}"] = f"parseDuration({json.dumps(text)})"
        py[f"duration-{i}"] = lambda t=text: utils.parse_duration(t)
    js["duration-empty"] = "parseDuration('')"
    py["duration-empty"] = lambda: utils.parse_duration("")
    return js, py


def test_deterministic_helpers_match_the_jslib_under_k6() -> None:
    js, py = _cases()
    compare(k6_eval(PREAMBLE, js), py)


def test_random_int_between_covers_both_ends_only() -> None:
    random.seed(1)
    seen = {utils.random_int_between(3, 6) for _ in range(2000)}
    assert seen == {3, 4, 5, 6}


def test_random_item_and_string() -> None:
    random.seed(2)
    assert {utils.random_item(["a", "b", "c"]) for _ in range(300)} == {"a", "b", "c"}
    assert utils.random_item([]) is None
    text = utils.random_string(500)
    assert len(text) == 500 and set(text) == set(utils.LOWERCASE)
    assert set(utils.random_string(200, "xy")) == {"x", "y"}
    assert utils.random_string(0) == "" and utils.random_string(-1) == ""


@pytest.mark.parametrize("secure", [False, True])
def test_uuidv4_is_a_version_4_uuid(secure: bool) -> None:
    values = {utils.uuidv4(secure) for _ in range(200)}
    assert len(values) == 200
    for value in values:
        assert re.fullmatch(r"[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}", value)
        assert uuid.UUID(value).version == 4


STAGES = [{"duration": "10s", "target": 5}, {"duration": "1m", "target": 5}, {"duration": "500ms", "target": 0}]


@pytest.mark.parametrize(
    ("elapsed_ms", "index", "profile"),
    [(0, 0, "ramp-up"), (9999, 0, "ramp-up"), (10000, 1, "steady"), (69999, 1, "steady"), (70000, 2, "ramp-down"),
     (70500, 2, "ramp-down"), (10**9, 2, "ramp-down")],
)  # fmt: skip
def test_stage_index_and_profile(elapsed_ms: int, index: int, profile: str) -> None:
    tags: dict[str, str] = {}
    utils.tag_with_current_stage_index(tags, STAGES, elapsed_ms)
    utils.tag_with_current_stage_profile(tags, STAGES, elapsed_ms)
    assert tags == {"stage": str(index), "stage_profile": profile}


def test_stage_index_errors_carry_the_jslib_text() -> None:
    with pytest.raises(K6Error, match="it is not possible to get a stage index on other executors"):
        utils.current_stage_index(None, 0)
    with pytest.raises(K6Error, match="the current scenario main doesn't contain any stage"):
        utils.current_stage_index([], 0, "main")
