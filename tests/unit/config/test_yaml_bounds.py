"""The bounds on what a scenario file may make the loader do: alias expansion, depth, size, bytes."""

from __future__ import annotations

import gc
import time
from pathlib import Path

import pytest

from loadpy.config import yaml_source
from loadpy.config.loader import load_document, parse_document
from loadpy.errors import ConfigError


def _bomb(levels: int) -> str:
    lines = ["a0: &a0 [lol, lol, lol, lol, lol, lol, lol, lol, lol, lol]"]
    for level in range(1, levels):
        lines.append(f"a{level}: &a{level} [" + ", ".join([f"*a{level - 1}"] * 10) + "]")
    return "\n".join(lines) + "\n"


def test_an_alias_bomb_is_refused_within_a_second_naming_the_line() -> None:
    started = time.process_time()  # CPU time: the claim is about the work done, not the machine's load
    with pytest.raises(ConfigError) as info:
        parse_document(_bomb(10), "bomb.yaml")  # 10^10 strings once expanded
    assert time.process_time() - started < 1.0
    err = info.value
    assert err.message == "aliases (*name) expand the document by more than 100,000 nodes"
    assert (err.file, err.line, err.key) == ("bomb.yaml", 5, "a4...")  # a4 holds 10^5 strings


def test_anchors_used_the_ordinary_way_load() -> None:
    headers = "common: &h {Accept: application/json, X-Team: load, X-Env: ci}\n"
    steps = "".join(f"  - {{url: /items/{i}, headers: *h}}\n" for i in range(2000))
    doc = parse_document(headers + "steps:\n" + steps)
    assert doc.data["steps"][1999]["headers"]["X-Env"] == "ci"
    assert doc.line_of(("steps", 1999, "url")) == 2002


def test_a_self_referencing_anchor_is_refused() -> None:
    with pytest.raises(ConfigError) as info:
        parse_document("flows:\n  default: &loop [request, *loop]\n", "loop.yaml")
    assert info.value.line == 2
    assert "deeper than 100 levels" in info.value.message


def test_nesting_up_to_the_bound_loads_and_one_more_level_is_refused() -> None:
    depth = yaml_source.MAX_DEPTH
    ok = parse_document("body: " + "[" * depth + "]" * depth + "\n")
    assert isinstance(ok.data["body"], list)
    with pytest.raises(ConfigError) as info:
        parse_document("body: " + "[" * (depth + 1) + "]" * (depth + 1) + "\n", "deep.yaml")
    assert str(info.value) == "deep.yaml, line 1, key 'body...': the document nests deeper than 100 levels"


@pytest.mark.parametrize("char", ["\x00", "\x01", "\x1b", "\x7f", "\x9b"])
def test_control_characters_name_their_line(char: str) -> None:
    with pytest.raises(ConfigError) as info:
        parse_document(f"options: {{}}\nflows:\n  default:\n    - log: 'a{char}b'\n", "c.yaml")
    assert info.value.line == 4
    assert info.value.message == f"the control character U+{ord(char):04X} is not allowed in YAML"


def test_tabs_and_escaped_controls_in_double_quotes_are_fine() -> None:
    doc = parse_document('flows:\n  default:\n    - log: "a\\x00b\tc"\n')
    assert doc.data["flows"]["default"][0]["log"] == "a\x00b\tc"


def test_a_non_utf8_file_names_the_line_of_the_bad_byte(tmp_path: Path) -> None:
    path = tmp_path / "latin1.yaml"
    path.write_bytes("options: {}\nflows:\n  default:\n    - log: caf\xe9\n".encode("latin-1"))
    with pytest.raises(ConfigError) as info:
        load_document(str(path))
    assert info.value.line == 4
    assert "scenario file is not UTF-8 text (byte 0xe9" in info.value.message


def test_a_directory_is_not_a_scenario_file(tmp_path: Path) -> None:
    with pytest.raises(ConfigError) as info:
        load_document(str(tmp_path))
    assert info.value.message == f"{tmp_path} is a directory, not a scenario file"


def test_a_file_over_the_size_bound_is_refused_before_parsing(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(yaml_source, "MAX_FILE_BYTES", 1000)
    path = tmp_path / "big.yaml"
    path.write_text("x: " + "y" * 2000 + "\n")
    with pytest.raises(ConfigError) as info:
        parse_document(path.read_text(), str(path))
    assert "larger than" in info.value.message


def test_loading_time_grows_linearly_with_size() -> None:
    def seconds(steps: int) -> float:
        text = "flows:\n  default:\n" + "".join(
            f'    - request: {{url: "http://127.0.0.1:1/{i}", headers: {{X-Id: "{i}"}}, json: {{id: {i}}}}}\n'
            for i in range(steps)
        )
        best = float("inf")
        for _ in range(2):
            gc.collect()
            gc.disable()  # a collection's cost depends on every live object, not on this parse
            try:
                started = time.process_time()  # CPU time: other processes' load does not count
                parse_document(text)
                best = min(best, time.process_time() - started)
            finally:
                gc.enable()
        return best

    small, large = seconds(2000), seconds(16000)
    assert large < small * 8 * 2.5  # 8x the input: linear with room for a noisy shared machine
