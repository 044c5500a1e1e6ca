"""The fast event reader against PyYAML: the same typed data, the same lines, the same errors.

`read_yaml` tries `yaml_events.read_events` first and falls back to PyYAML's node graph (the
reader every earlier release used) for anything unusual. Both must agree on every input, and the
fast reader must really handle the ordinary documents (not fall back on them).
"""

from __future__ import annotations

import math
import re
from pathlib import Path
from typing import Any

import pytest
import yaml

from loadpy.config import yaml_source
from loadpy.config.yaml_events import read_events
from loadpy.errors import ConfigError

ROOT = Path(__file__).resolve().parents[3]

# Plain scalars PyYAML types by YAML 1.1's rules; the fast reader must type each the same way.
SCALARS = re.findall(
    r"\S+",
    """
1_000 0x1F 0x_1f 0o17 017 0b101 0b1_0 1:30 -1:30:00 190:20:30.15 +12 -0 0 00 08 09 0.0 -0.0 1e3 1.0e+3 1.5
6.8523015e+5 685.230_15e+03 .inf -.inf +.inf .Inf .INF .NaN .nan .NAN 0. .5 +.5 -.5 ._ 1__0 1,000 12:30
~ null Null NULL nULL yes Yes YES yEs no No NO on On ON off Off OFF y Y n N true True TRUE tRUE false False
FALSE 2001-12-14 2001-12-14t21:59:43.10-05:00 2001-12-15T02:59:43.1Z 2002-12-14 2001-1-2 1999-12-31T23:59:59
2001-12-14T21:59:43.10+01 20011214 hello status_==_200 $BASE_URL/x 9223372036854775808 -9223372036854775809
0xFFFFFFFFFFFFFFFFFF 1.7976931348623157e+309 1.0e-400 3.14.15 1-1 0x 0o 0b +-1 --1 =x <<< a<<b
""",
)


def typed(value: Any) -> Any:
    """`value` with every type spelled out, so 1, 1.0 and True are different (and NaN equals NaN)."""
    if isinstance(value, dict):
        return ("dict", [(typed(k), typed(v)) for k, v in value.items()])
    if isinstance(value, list):
        return ("list", [typed(item) for item in value])
    if isinstance(value, float) and math.isnan(value):
        return ("float", "nan")
    return (type(value).__name__, value)


def full_reader(text: str, path: str = "t.yaml") -> tuple[Any, dict[Any, int]]:
    yaml_source._check_characters(text, path)
    return yaml_source._parse(text, path, fast=False)


def fast_reader(text: str) -> tuple[Any, dict[Any, int]]:
    loader = yaml.CSafeLoader(text)
    try:
        return read_events(loader, yaml_source.MAX_DEPTH, yaml_source.MAX_ALIAS_NODES)
    finally:
        loader.dispose()


def outcome(read: Any, text: str) -> Any:
    try:
        data, lines = read(text, "t.yaml")
    except ConfigError as exc:
        return ("error", str(exc))
    return typed(data), lines


@pytest.mark.parametrize("scalar", SCALARS)
def test_plain_scalars_are_typed_as_pyyaml_types_them(scalar: str) -> None:
    text = f"value: {scalar}\nlist: [{scalar}]\n{scalar}: key\n"
    expected = yaml.load(text, Loader=yaml.SafeLoader)  # the pure-Python reference
    data, _ = fast_reader(text)
    assert typed(data) == typed(expected)


def test_quoted_tagged_and_empty_scalars() -> None:
    text = (
        "a: '1'\nb: \"yes\"\nc: !!str 1\nd: !!int '17'\ne: !!float 1\nf: !!bool 'on'\ng: ! 12\n"
        "h: !!null ''\ni:\nj: |\n  block\n  text\nk: >-\n  folded\n  text\nl: !!timestamp 2024-01-02\n"
    )
    data, _ = fast_reader(text)
    assert typed(data) == typed(yaml.load(text, Loader=yaml.SafeLoader))
    assert data["g"] == 12 and data["i"] is None  # `!` alone types by the plain rules, as in PyYAML


def _documents() -> list[tuple[str, str]]:
    docs = [(str(p.relative_to(ROOT)), p.read_text()) for p in sorted(ROOT.glob("**/*.yaml")) if ".git" not in p.parts]
    for md in sorted((ROOT / "docs").glob("*.md")):
        for index, block in enumerate(re.findall(r"```yaml\n(.*?)```", md.read_text(), re.S)):
            docs.append((f"{md.name}#{index}", block))
    return docs


DOCUMENTS = _documents()


@pytest.mark.parametrize(("name", "text"), DOCUMENTS, ids=[name for name, _ in DOCUMENTS])
def test_every_yaml_file_and_example_reads_the_same_both_ways(name: str, text: str) -> None:
    assert outcome(yaml_source.read_yaml, text) == outcome(full_reader, text)


def test_the_fast_reader_itself_reads_every_valid_file_of_the_corpus() -> None:
    valid = 0
    for name, text in DOCUMENTS:
        expected = outcome(full_reader, text)
        if expected[0] == "error":
            continue
        valid += 1
        data, lines = fast_reader(text)  # no NotPlain: none of these needs PyYAML's full path
        assert (typed(data), lines) == expected, name
    assert valid > 80


# Documents with anchors, aliases, flow and block styles, keys that are not strings, and the
# unusual things the fast reader leaves to PyYAML (merge keys, sets, custom tags) or refuses.
EDGE_CASES = [
    "",
    "# only a comment\n",
    "---\n",
    "--- 12\n",
    "- a\n- [b, {c: d}]\n- {e: [f, g]}\n",
    "common: &h {Accept: json, X-Team: load}\nsteps:\n  - {url: /a, headers: *h}\n  - url: /b\n    headers: *h\n",
    "a: &s scalar\nb: *s\nc: [*s, *s]\n",
    "a: &l [1, &m {x: [2, 3]}]\nb: [*l, *m, *l]\nc: {d: *m}\n",
    "&root {a: 1}\n",
    "1: one\ntrue: yes\n~: null\n2024-01-02: date\n1.5: float\n",
    "x: {a: 1, a: 2}\n",
    "x:\n  a: 1\n  b: 2\n  a: 3\n",
    "x: 1\n01: 2\n1: 3\n",
    "[a]: 1\n",
    "? {a: 1}\n: 2\n",
    "*a : 1\n",
    "a: &k key\n*k : 1\n",
    "a: *undefined\n",
    "a: &x 1\nb: &x 2\n",
    "a: 1\n---\nb: 2\n",
    "a: &x {k: 1, j: 0}\nb: {<<: *x, j: 2}\nc:\n  <<: [*x, {k: 3, z: 4}]\n  z: 5\n",
    "a: {<<: {k: 1}, k: 2}\n",
    '"<<": 1\n',
    "a: <<\n",
    "=: 1\n",
    "a: !!set {x, y}\n",
    "a: !!omap [{x: 1}, {y: 2}]\n",
    "a: !!binary aGVsbG8=\n",
    "a: !custom 1\n",
    "a: !!str [1]\n",
    "a: !!map {b: 1}\nc: !!seq [1]\n",
    "flows:\n  default: &loop [request, *loop]\n",
    "a: &m {b: *m}\n",
    "a: [1, 2\n",
    "a: b: c\n",
    "a:\n\t- b\n",
    "key: 'unterminated\n",
    "a: 1\nb: {c: [1, 2], d: {e: f}}\n...\n",
]


@pytest.mark.parametrize("text", EDGE_CASES)
def test_edge_cases_read_the_same_both_ways(text: str) -> None:
    assert outcome(yaml_source.read_yaml, text) == outcome(full_reader, text)


def test_a_date_that_does_not_exist_is_a_yaml_error_naming_its_line() -> None:
    with pytest.raises(ConfigError) as info:
        yaml_source.read_yaml("a: 1\nb: [x, 2024-13-45]\n", "t.yaml")
    message = "invalid YAML: 2024-13-45 is not a valid timestamp (month must be in 1..12)"
    assert str(info.value) == f"t.yaml, line 2: {message}"


def test_an_alias_gives_the_anchors_own_object_as_pyyaml_does() -> None:
    data, lines = yaml_source.read_yaml("a: &x {k: [1]}\nb: *x\nc:\n  - *x\n", "t.yaml")
    assert data["b"] is data["a"] and data["c"][0] is data["a"]
    assert lines[("b", "k")] == 1 and lines[("c", 0)] == 1 and lines[("c", 0, "k")] == 1 and lines[("c",)] == 3


def test_depth_and_alias_bounds_match_the_full_reader_exactly_at_the_limit() -> None:
    depth = yaml_source.MAX_DEPTH
    nested = "[" * depth + "]" * depth
    for text in (
        f"a: &x {nested}\n",  # the anchor itself at the limit
        f"a: &x {'[' * (depth - 1)}{']' * (depth - 1)}\nb: [*x]\n",  # the alias one level deeper: at the limit
        f"a: &x {'[' * (depth - 1)}{']' * (depth - 1)}\nb: [[*x]]\n",  # one beyond
    ):
        assert outcome(yaml_source.read_yaml, text) == outcome(full_reader, text)
    bound = yaml_source.MAX_ALIAS_NODES
    row = "[" + ", ".join(["x"] * 1000) + "]"  # 1,000 entries: each alias adds 1,001 nodes
    for uses in (bound // 1001, bound // 1001 + 1):
        text = f"a: &r {row}\nb: [{', '.join(['*r'] * uses)}]\n"
        result = outcome(yaml_source.read_yaml, text)
        assert result == outcome(full_reader, text)
        assert (result[0] == "error") == (uses * 1001 > bound)
