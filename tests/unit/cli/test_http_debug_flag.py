"""`--http-debug[=full]` parses as k6's flag does: a bare flag means "headers" and never swallows
the script path that follows it; the value becomes the `httpDebug` option."""

from __future__ import annotations

import pytest

from loadpy.cli.args import cli_options
from loadpy.cli.main import build_parser
from loadpy.errors import ConfigError


@pytest.mark.parametrize(
    ("argv", "expected"),
    [
        (["run", "--http-debug", "s.yaml"], "headers"),
        (["run", "s.yaml", "--http-debug"], "headers"),
        (["run", "--http-debug=full", "s.yaml"], "full"),
        (["run", "s.yaml"], None),
    ],
)
def test_http_debug_flag(argv: list[str], expected: str | None) -> None:
    args = build_parser().parse_args(argv)
    assert args.file == "s.yaml"
    assert cli_options(args).get("httpDebug") == expected


def test_a_bare_flag_after_the_separator_is_left_alone() -> None:
    # after "--" every word is positional: the file is "--http-debug", and "s.yaml" is one too many
    with pytest.raises(ConfigError, match=r"unrecognized arguments: s\.yaml"):
        build_parser().parse_args(["run", "--", "--http-debug", "s.yaml"])
